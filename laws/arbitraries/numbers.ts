/**
 * Arbitraries of numbers for the laws: finite doubles in a range, points of a lattice that
 * stay off kinks, and small dyadic rationals on which re-ordered sums are exact.
 *
 * @module arbitraries/numbers
 */
import fc from 'fast-check'

// -------------------------------------------------------------------------------------
// doubles
// -------------------------------------------------------------------------------------

/**
 * Finite doubles in `[min, max]`: no NaN, no infinities (`fc.double` with `noNaN` and
 * `noDefaultInfinity`). Use ranges where the function is well conditioned (log, sqrt and
 * 1/x at least 0.1; exp at most 5), as `docs/laws.md` asks.
 *
 * @example
 * import fc from 'fast-check'
 * import { doubleIn } from 'backprop-lens/laws'
 *
 * const xs = fc.sample(doubleIn(0.1, 5), { numRuns: 100, seed: 1 })
 * console.log(xs.every((x) => x >= 0.1 && x <= 5)) // true
 *
 * @category doubles
 */
export const doubleIn = (min: number, max: number): fc.Arbitrary<number> => {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new RangeError(`doubleIn: expected finite min <= max, got [${min}, ${max}]`)
  }
  return fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
}

/**
 * Points of the lattice `(i + 0.5) / resolution` inside `(min, max)`: never an integer nor a
 * multiple of `1 / resolution`, so they stay off the kinks of `relu`, `abs` and ties of
 * `max` (at 0 and other round numbers). The default resolution is 1000.
 *
 * @example
 * import fc from 'fast-check'
 * import { lattice } from 'backprop-lens/laws'
 *
 * const xs = fc.sample(lattice(-3, 3), { numRuns: 100, seed: 1 })
 * console.log(xs.every((x) => x > -3 && x < 3 && x !== 0)) // true
 *
 * @category doubles
 */
export const lattice = (min: number, max: number, resolution = 1000): fc.Arbitrary<number> => {
  const lo = Math.ceil(min * resolution - 0.5)
  const hi = Math.floor(max * resolution - 0.5)
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && resolution > 0 && lo <= hi)) {
    throw new RangeError(`lattice: no point (i + 0.5) / ${resolution} in [${min}, ${max}]`)
  }
  return fc.integer({ min: lo, max: hi }).map((i) => (i + 0.5) / resolution)
}

/**
 * Dyadic rationals `k / 2^bits` in `[min, max]` (default `bits = 3`, eighths). Sums and
 * products of a few of them round to nothing, so laws that only reorder floating-point
 * sums hold exactly on them.
 *
 * @example
 * import fc from 'fast-check'
 * import { dyadic } from 'backprop-lens/laws'
 *
 * const xs = fc.sample(dyadic(-2, 2), { numRuns: 100, seed: 1 })
 * console.log(xs.every((x) => Number.isInteger(x * 8) && Math.abs(x) <= 2)) // true
 *
 * @category doubles
 */
export const dyadic = (min: number, max: number, bits = 3): fc.Arbitrary<number> => {
  const scale = 2 ** bits
  const lo = Math.ceil(min * scale)
  const hi = Math.floor(max * scale)
  if (!(Number.isFinite(lo) && Number.isFinite(hi) && lo <= hi)) {
    throw new RangeError(`dyadic: no multiple of 1/${scale} in [${min}, ${max}]`)
  }
  return fc.integer({ min: lo, max: hi }).map((k) => k / scale)
}
