/**
 * Finding non-finite values (NaN, ±Infinity) in this module's memory: what lets an op name
 * the first bad entry of a result without a second pass in JavaScript.
 *
 * @internal
 * @module kernels/assembly/check
 */

/**
 * The index of the first non-finite value among `n` float64 values at `p`, or -1. `x − x`
 * is 0 for every finite `x` and NaN otherwise, so eight values cost four subtractions, an
 * or-reduction and one branch.
 */
export function firstNonFinite(p: usize, n: i32): i32 {
  let i = 0
  for (; i + 8 <= n; i += 8) {
    const q = p + (<usize>i << 3)
    const v0 = v128.load(q)
    const v1 = v128.load(q, 16)
    const v2 = v128.load(q, 32)
    const v3 = v128.load(q, 48)
    const d0 = f64x2.sub(v0, v0)
    const d1 = f64x2.sub(v1, v1)
    const d2 = f64x2.sub(v2, v2)
    const d3 = f64x2.sub(v3, v3)
    const bad = v128.or(v128.or(f64x2.ne(d0, d0), f64x2.ne(d1, d1)), v128.or(f64x2.ne(d2, d2), f64x2.ne(d3, d3)))
    if (v128.any_true(bad)) break
  }
  for (; i < n; i++) {
    const v = load<f64>(p + (<usize>i << 3))
    if (v - v != 0) return i
  }
  return -1
}
