/**
 * Argument checks and the words every message uses, so that the whole library speaks one
 * language:
 * - a **value** as {@link describe} puts it: `3`, `-0`, `NaN`, `"text"`, `true`,
 *   `undefined`, `null`, `an array of length 2`, `an object` (a plain record),
 *   `a Date` (an instance, by its class), `a function`, and a tensor as
 *   `a Tensor of shape [2,3]` (the tensor describes itself through {@link DESCRIPTION});
 * - a **shape** as {@link showShape} prints it: `[2,3]`, without spaces (`[]` for a
 *   scalar). `Tensor.showShape` is this function;
 * - a **multi-index** into a tensor as {@link showIndex} prints it: `[1, 2]`;
 * - a **path** in a parameter structure as `internal/tree` prints it: `layers[0].W`,
 *   `(root)` for the whole value;
 * - a **pair** check as {@link expectPair} words it:
 *   `Lens.split: expected the input to be a pair [x, y], got an array of length 3`.
 *
 * @internal
 * @module internal/guards
 */

// -------------------------------------------------------------------------------------
// values
// -------------------------------------------------------------------------------------

/**
 * @internal A method by which an object describes itself in messages (the tensor class has
 * one: `a Tensor of shape [2,3]`). A symbol rather than an import, so that this module needs
 * no class of the library.
 */
export const DESCRIPTION: unique symbol = Symbol('backprop-lens/description') as never

const MAX_STRING = 20

const article = (name: string): string => (/^[AEIOU]/.test(name) ? `an ${name}` : `a ${name}`)

/** @internal A value as every message describes it (see the module's comment). */
export const describe = (u: unknown): string => {
  switch (typeof u) {
    case 'number':
      return Object.is(u, -0) ? '-0' : String(u)
    case 'string':
      return JSON.stringify(u.length > MAX_STRING ? `${u.slice(0, MAX_STRING)}…` : u)
    case 'bigint':
      return `${u}n`
    case 'boolean':
    case 'undefined':
      return String(u)
    case 'symbol':
      return 'a symbol'
    case 'function':
      return 'a function'
  }
  if (u === null) return 'null'
  if (Array.isArray(u)) return `an array of length ${u.length}`
  const own = (u as { readonly [DESCRIPTION]?: unknown })[DESCRIPTION]
  if (typeof own === 'function') return String(own.call(u))
  const proto: unknown = Object.getPrototypeOf(u)
  if (proto === null || proto === Object.prototype) return 'an object'
  const name = (proto as { constructor?: { name?: unknown } }).constructor?.name
  return typeof name === 'string' && name !== '' ? article(name) : 'an object'
}

// -------------------------------------------------------------------------------------
// shapes and indices
// -------------------------------------------------------------------------------------

/**
 * A shape as messages print it: `[2,3]`, `[]` for a scalar (re-exported as
 * `Tensor.showShape`).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.showShape([2, 3]), Tensor.showShape([])) // [2,3] []
 *
 * @category shapes
 */
export const showShape = (shape: ReadonlyArray<number>): string => `[${shape.join(',')}]`

/**
 * A multi-index as messages print it: `[1, 2]` (re-exported as `Tensor.showIndex`).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.showIndex([1, 2])) // [1, 2]
 *
 * @category indices
 */
export const showIndex = (index: ReadonlyArray<number>): string => `[${index.join(', ')}]`

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

/** @internal Checks that `value` is an integer, for arguments given when a lens is built. */
export const expectInteger = (op: string, what: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${op}: ${what} must be an integer, got ${describe(value)}`)
  }
  return value
}

/**
 * @internal The value as a pair, or a `TypeError`:
 * `${op}: expected ${what} to be a pair ${form}, got …` (`form` says what the halves are,
 * `[x, y]` by default).
 */
export const expectPair = (op: string, what: string, u: unknown, form = '[x, y]'): readonly [unknown, unknown] => {
  if (!Array.isArray(u) || u.length !== 2) throw new TypeError(`${op}: expected ${what} to be a pair ${form}, got ${describe(u)}`)
  return u as unknown as readonly [unknown, unknown]
}

/** @internal {@link expectPair} for the combinators: `op` is the name after `Lens.` (`'split'`). */
export const asPair = (op: string, what: string, u: unknown): readonly [unknown, unknown] => expectPair(`Lens.${op}`, what, u)
