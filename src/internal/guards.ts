/**
 * Argument checks and the words messages use to describe what a caller passed.
 *
 * @internal
 * @module internal/guards
 */

/** @internal A value as the linear-algebra ops' messages describe it. */
export const describeValue = (value: unknown): string =>
  value === null ? 'null' : Array.isArray(value) ? 'an array' : typeof value === 'number' ? String(value) : typeof value

/** @internal Checks that `value` is an integer, for arguments given when a lens is built. */
export const expectInteger = (op: string, what: string, value: unknown): number => {
  if (typeof value !== 'number' || !Number.isInteger(value)) {
    throw new TypeError(`${op}: ${what} must be an integer, got ${describeValue(value)}`)
  }
  return value
}

/** @internal A value as the combinators' messages describe it (`an array of length 3`, `number 3`, `a Tensor`). */
export const describe = (u: unknown): string => {
  if (u === null) return 'null'
  if (Array.isArray(u)) return `an array of length ${u.length}`
  if (typeof u === 'object') {
    const name = (Object.getPrototypeOf(u) as { constructor?: { name?: string } } | null)?.constructor?.name
    return name === undefined || name === 'Object' ? 'an object' : `a ${name}`
  }
  if (typeof u === 'function') return 'a function'
  return `${typeof u} ${String(u)}`
}

/** @internal The value as a pair, or a `TypeError` naming the combinator (`Lens.split`) and what it got. */
export const asPair = (op: string, what: string, u: unknown): readonly [unknown, unknown] => {
  if (!Array.isArray(u) || u.length !== 2) {
    throw new TypeError(`Lens.${op}: expected ${what} to be a pair [x, y], got ${describe(u)}`)
  }
  return u as unknown as readonly [unknown, unknown]
}
