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
 * Finite doubles in `[min, max]`, spread evenly over the *values* of the range (a grid of
 * 2³² steps; fast-check still biases some draws toward 0), with one case in ten from `fc.double` (which draws evenly over bit patterns, so
 * mostly tiny numbers and the range's edges: subnormals, ±0, the bounds). A law is tested
 * where its function does something — products of values drawn only by `fc.double` mostly
 * underflow to 0, where a bug in a backward pass does not show. Shrinks toward 0 (or the bound
 * nearest to it). Use ranges where the function is well conditioned (log, sqrt and 1/x at
 * least 0.1; exp at most 5), as `docs/laws.md` asks.
 *
 * @example
 * import fc from 'fast-check'
 * import { doubleIn } from 'backprop-lens/laws'
 *
 * const xs = fc.sample(doubleIn(0.1, 5), { numRuns: 100, seed: 1 })
 * console.log(xs.every((x) => x >= 0.1 && x <= 5)) // true
 * console.log(fc.sample(doubleIn(-2, 2), { numRuns: 1000, seed: 1 }).filter((x) => Math.abs(x) > 0.01).length > 700) // true
 *
 * @category doubles
 */
export const doubleIn = (min: number, max: number): fc.Arbitrary<number> => {
  if (!(Number.isFinite(min) && Number.isFinite(max) && min <= max)) {
    throw new RangeError(`doubleIn: expected finite min <= max, got [${min}, ${max}]`)
  }
  const edges = fc.double({ min, max, noNaN: true, noDefaultInfinity: true })
  if (min === max) return edges
  const step = (max - min) / 2 ** 32
  // Grid points k·step from the point nearest 0, so that fc.integer's shrinking toward 0 moves there.
  const origin = min <= 0 && max >= 0 ? 0 : min > 0 ? min : max
  const lo = Math.ceil((min - origin) / step)
  const hi = Math.floor((max - origin) / step)
  const spread = fc.integer({ min: lo, max: hi }).map((k) => Math.min(max, Math.max(min, origin + k * step)))
  return fc.oneof({ arbitrary: spread, weight: 9 }, { arbitrary: edges, weight: 1 })
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
