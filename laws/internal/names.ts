/**
 * Names for values the arbitraries make: a description that fast-check prints in failure
 * reports and that `describeLens` reads back.
 *
 * @module internal/names
 */
import fc from 'fast-check'

const NAME: unique symbol = Symbol('backprop-lens/laws/name')
type Labelled = { readonly [NAME]?: string }

/**
 * Attaches a description to a value *that the caller has just created* (a lens, a
 * computation, a reference, a tensor): the object gets non-enumerable properties and is
 * returned, its behaviour unchanged. fast-check prints the description in failure reports.
 *
 * @internal
 */
export const label = <T extends object>(value: T, name: string): T => {
  Object.defineProperty(value, NAME, { value: name })
  Object.defineProperty(value, fc.toStringMethod, { value: () => name })
  return value
}

/**
 * The name {@link label} gave, if any.
 *
 * @internal
 */
export const nameOf = (value: object): string | undefined => (value as Labelled)[NAME]
