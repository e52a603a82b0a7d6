/**
 * How the laws compare values. The exact laws (category, chain rule, round trip, …) compare
 * with an `Eq`, usually {@link exact}: numbers by SameValueZero, structures coordinate by
 * coordinate. The numeric laws (finite differences, re-association) compare with a
 * {@link Tolerance}: {@link fd} and {@link reassoc} are the two of `docs/laws.md`.
 *
 * The rule for numbers is JavaScript's SameValueZero (the equality of `Array.prototype.includes`
 * and `Map` keys): `x === y`, except that `NaN` equals `NaN`. So `-0` equals `0` (a
 * derivative of `-0` and one of `0` are the same derivative), and two sides that both
 * compute `NaN` by the same operations agree (the law is about the plumbing, not about the
 * arithmetic; the gradient law and the primitives' tests catch a `NaN` that should not be).
 *
 * @module Eq
 */
import type { Eq } from 'fp-ts/lib/Eq.js'
import { STOP, walk } from '../src/internal/tree.js'

// -------------------------------------------------------------------------------------
// numbers
// -------------------------------------------------------------------------------------

/**
 * SameValueZero: `x === y`, or both are `NaN`. Defined for any values.
 *
 * @example
 * import { sameValueZero } from 'backprop-lens/laws'
 *
 * console.log(sameValueZero(-0, 0), sameValueZero(NaN, NaN), sameValueZero(1, 1 + 1e-16), sameValueZero(0.1 + 0.2, 0.3)) // true true true false
 *
 * @category numbers
 */
export const sameValueZero = (x: unknown, y: unknown): boolean =>
  x === y || (typeof x === 'number' && typeof y === 'number' && Number.isNaN(x) && Number.isNaN(y))

/**
 * Exact equality of numbers by {@link sameValueZero}.
 *
 * @example
 * import { exactNumber } from 'backprop-lens/laws'
 *
 * console.log(exactNumber.equals(-0, 0), exactNumber.equals(1, 2)) // true false
 *
 * @category numbers
 */
export const exactNumber: Eq<number> = { equals: sameValueZero }

// -------------------------------------------------------------------------------------
// structures
// -------------------------------------------------------------------------------------

type Indexed = ArrayLike<unknown>

/** Thrown by the walk when a structure contains itself: the comparison ends, unequal. */
const cycle = (): Error => new Error('cycle')

const sameKind = (x: unknown, y: unknown): x is object => {
  if (typeof x !== 'object' || typeof y !== 'object' || x === null || y === null) return false
  return Object.getPrototypeOf(x) === Object.getPrototypeOf(y)
}

/** Typed arrays of the same kind (checked by the caller), element by element. */
const sameView = (x: ArrayBufferView, y: ArrayBufferView): boolean => {
  if (x instanceof DataView || y instanceof DataView) return false
  const a = x as unknown as Indexed
  const b = y as unknown as Indexed
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (!sameValueZero(a[i], b[i])) return false
  return true
}

// One walk of both values, side by side, with its own stack: values nested a million deep
// (the parameters of a Para model nested that deep) compare like any others.
const deepEquals = (x: unknown, y: unknown): boolean => {
  let equal = true
  try {
    walk(x, y, undefined, undefined, {
      enter: (a, b, _c, _d, cursor) => {
        if (sameValueZero(a, b)) return undefined
        if (!sameKind(a, b)) {
          equal = false
          return STOP
        }
        if (ArrayBuffer.isView(a)) {
          if (sameView(a, b as ArrayBufferView)) return undefined
          equal = false
          return STOP
        }
        if (Array.isArray(a)) {
          const bs = b as Indexed
          if (a.length !== bs.length) {
            equal = false
            return STOP
          }
          for (let i = a.length - 1; i >= 0; i--) cursor.push(i, a[i], bs[i])
          return a
        }
        const keys = Object.keys(a)
        if (keys.length !== Object.keys(b as object).length) {
          equal = false
          return STOP
        }
        const ra = a as Readonly<Record<string, unknown>>
        const rb = b as Readonly<Record<string, unknown>>
        for (let i = keys.length - 1; i >= 0; i--) {
          const key = keys[i] as string
          if (!Object.prototype.hasOwnProperty.call(b, key)) {
            equal = false
            return STOP
          }
          cursor.push(key, ra[key], rb[key])
        }
        return a
      },
      cycle
    })
  } catch (e) {
    if (e instanceof Error && e.message === 'cycle') return false
    throw e
  }
  return equal
}

/**
 * Exact structural equality: numbers by {@link sameValueZero}; arrays and tuples of the
 * same length, element by element; typed arrays (`Float64Array`, …) of the same kind and
 * length, element by element; records with the same own enumerable keys and prototype, key
 * by key; anything else by SameValueZero (functions by reference). Any depth (the walk keeps
 * its own stack); where a value contains itself, the two sides are equal only if they hold the
 * same reference there.
 * Typed as `Eq<unknown>`, which fits wherever an `Eq<A>` is expected.
 *
 * @example
 * import { exact } from 'backprop-lens/laws'
 *
 * console.log(exact.equals([1, { w: new Float64Array([-0, NaN]) }], [1, { w: new Float64Array([0, NaN]) }])) // true
 * console.log(exact.equals([1, 2], [1, 2, 3]), exact.equals(new Float64Array([1]), [1])) // false false
 *
 * @category structures
 */
export const exact: Eq<unknown> = { equals: deepEquals }

// -------------------------------------------------------------------------------------
// tolerances
// -------------------------------------------------------------------------------------

/**
 * How close two numbers must be for a numeric law: `|x − y| ≤ atol + rtol·scale`, where each
 * law says what `scale` is (the larger magnitude of the two for finite differences, the sum
 * of the magnitudes of the terms for re-association).
 *
 * @example
 * import { GradientLaws, type Tolerance } from 'backprop-lens/laws'
 *
 * const loose: Tolerance = { atol: 1e-6, rtol: 1e-3 }
 * console.log(GradientLaws.tolerances.gradient, loose.rtol) // { atol: 1e-7, rtol: 0.00001 } 0.001
 *
 * @category tolerances
 */
export interface Tolerance {
  /** The absolute part. */
  readonly atol: number
  /** The relative part, times the law's scale. */
  readonly rtol: number
}

/**
 * Finite differences, the tolerance of the gradient law: `|a − n| ≤ 1e-7 + 1e-5·max(|a|, |n|)`
 * in float64, as `Gradcheck` uses by default.
 *
 * @example
 * import { fd } from 'backprop-lens/laws'
 *
 * console.log(fd) // { atol: 1e-7, rtol: 0.00001 }
 *
 * @category tolerances
 */
export const fd: Tolerance = { atol: 1e-7, rtol: 1e-5 }

/**
 * Re-association, the tolerance of laws that only reorder floating-point sums:
 * `|x − y| ≤ 1e-12·(1 + Σ|terms|)`.
 *
 * @example
 * import { reassoc } from 'backprop-lens/laws'
 *
 * console.log(reassoc) // { atol: 1e-12, rtol: 1e-12 }
 *
 * @category tolerances
 */
export const reassoc: Tolerance = { atol: 1e-12, rtol: 1e-12 }
