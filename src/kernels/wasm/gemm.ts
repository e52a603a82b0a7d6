/**
 * The host side of the WebAssembly matrix products: stages the operands of `out += op(a)·op(b)`
 * in the module's memory, runs `gemm`, and copies the result back, with the offsets and the
 * accumulate-into-`out` convention of `src/kernels/matmul.ts`.
 *
 * A product whose three matrices fit in the staging limit (`instance.ts`) of float64 values is staged whole
 * (three contiguous copies); a larger one is cut into blocks of at most `B × B` per matrix
 * (`B` = the largest multiple of 4 with `3B² ≤ limit`), the block of `out` staged once and
 * accumulated over the blocks of `k`. So the module's memory never exceeds the limit (32 MiB
 * by default) plus the kernels' workspace (2.3 MiB), however large the operands.
 *
 * @internal
 * @module kernels/wasm/gemm
 */
import type { ReadonlyFloat64Array } from '../data.js'
import { firstNonFinite } from '../elementwise.js'
import { stagingLimit, staging, type Kernels } from './instance.js'

/** Which operand is transposed: `NN` (`a·b`), `NT` (`a·bᵀ`), `TN` (`aᵀ·b`). @internal */
export type Layout = 'NN' | 'NT' | 'TN'

const sub = (x: ReadonlyFloat64Array, off: number, len: number): ReadonlyFloat64Array => (off === 0 && len === x.length ? x : x.subarray(off, off + len))

/**
 * `out[oOff…] (m×n) += op(a)·op(b)` in WebAssembly, `a` and `b` read from `aOff`, `bOff`
 * (`a` stored `m×k`, or `k×m` for `TN`; `b` stored `k×n`, or `n×k` for `NT`). With `check`,
 * returns the index (from `oOff`) of the first non-finite entry of the result, else -1; returns
 * `null`, having written nothing, when the memory cannot grow to stage the operands.
 *
 * @internal
 */
export const gemm = (
  kernels: Kernels,
  layout: Layout,
  a: ReadonlyFloat64Array,
  aOff: number,
  b: ReadonlyFloat64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number,
  check: boolean
): number | null => {
  const sa = m * k
  const sb = k * n
  const sc = m * n
  if (sa + sb + sc > stagingLimit()) return blocked(kernels, layout, a, aOff, b, bOff, out, oOff, m, k, n, check)
  const heap = staging(kernels, sa + sb + sc)
  if (heap === null) return null
  const pa = kernels.base
  const pb = pa + sa
  const pc = pb + sb
  heap.set(sub(a, aOff, sa), pa)
  heap.set(sub(b, bOff, sb), pb)
  heap.set(sub(out, oOff, sc), pc)
  const ta = layout === 'TN' ? 1 : 0
  const tb = layout === 'NT' ? 1 : 0
  kernels.exports.gemm(ta, tb, m, n, k, pa * 8, ta === 1 ? m : k, pb * 8, tb === 1 ? k : n, pc * 8, n)
  const bad = check ? kernels.exports.firstNonFinite(pc * 8, sc) : -1
  out.set(heap.subarray(pc, pc + sc), oOff)
  return bad
}

/** Copies rows `[r0, r1)` × columns `[c0, c1)` of a row-major matrix (row stride `ld`) to `dst` densely. */
const stage = (heap: Float64Array, dst: number, src: ReadonlyFloat64Array, off: number, ld: number, r0: number, r1: number, c0: number, c1: number): void => {
  const w = c1 - c0
  if (w === ld) {
    heap.set(src.subarray(off + r0 * ld, off + r1 * ld), dst)
    return
  }
  for (let r = r0; r < r1; r++) heap.set(src.subarray(off + r * ld + c0, off + r * ld + c1), dst + (r - r0) * w)
}

/** The inverse of {@link stage}: the dense block at `src` back into rows `[r0, r1)` × columns `[c0, c1)`. */
const unstage = (heap: Float64Array, src: number, dst: Float64Array, off: number, ld: number, r0: number, r1: number, c0: number, c1: number): void => {
  const w = c1 - c0
  for (let r = r0; r < r1; r++) dst.set(heap.subarray(src + (r - r0) * w, src + (r - r0 + 1) * w), off + r * ld + c0)
}

/** {@link gemm} for products larger than the staging limit, block by block. */
const blocked = (
  kernels: Kernels,
  layout: Layout,
  a: ReadonlyFloat64Array,
  aOff: number,
  b: ReadonlyFloat64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number,
  check: boolean
): number | null => {
  const side = Math.max(4, Math.floor(Math.sqrt(stagingLimit() / 3)) & ~3)
  const heap = staging(kernels, 3 * side * side)
  if (heap === null) return null
  const pc = kernels.base
  const pa = pc + side * side
  const pb = pa + side * side
  const { gemm: run } = kernels.exports
  const ta = layout === 'TN' ? 1 : 0
  const tb = layout === 'NT' ? 1 : 0
  for (let i0 = 0; i0 < m; i0 += side) {
    const i1 = Math.min(m, i0 + side)
    for (let j0 = 0; j0 < n; j0 += side) {
      const j1 = Math.min(n, j0 + side)
      stage(heap, pc, out, oOff, n, i0, i1, j0, j1)
      for (let p0 = 0; p0 < k; p0 += side) {
        const p1 = Math.min(k, p0 + side)
        if (ta === 1) stage(heap, pa, a, aOff, m, p0, p1, i0, i1)
        else stage(heap, pa, a, aOff, k, i0, i1, p0, p1)
        if (tb === 1) stage(heap, pb, b, bOff, k, j0, j1, p0, p1)
        else stage(heap, pb, b, bOff, n, p0, p1, j0, j1)
        const lda = ta === 1 ? i1 - i0 : p1 - p0
        const ldb = tb === 1 ? p1 - p0 : j1 - j0
        run(ta, tb, i1 - i0, j1 - j0, p1 - p0, pa * 8, lda, pb * 8, ldb, pc * 8, j1 - j0)
      }
      unstage(heap, pc, out, oOff, n, i0, i1, j0, j1)
    }
  }
  return check ? firstNonFinite(out.subarray(oOff, oOff + m * n)) : -1
}
