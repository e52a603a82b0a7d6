/**
 * Moving data without arithmetic: strides, permutations (transpose) and copies of slices
 * along one axis (concat, slice). An axis is described by `(outer, mid, inner)`: the
 * products of the dimensions before it, of it, and after it, so one loop nest serves every
 * rank. No kernel mutates its inputs.
 *
 * @internal
 * @module kernels/layout
 */
import { zeros } from './alloc.js'
import type { ReadonlyFloat64Array } from './data.js'

/** @internal The product of `dims[from..to)`. */
export const product = (dims: ReadonlyArray<number>, from = 0, to = dims.length): number => {
  let p = 1
  for (let i = from; i < to; i++) p *= dims[i] as number
  return p
}

/** @internal Row-major strides of a shape. */
export const strides = (shape: ReadonlyArray<number>): Array<number> => {
  const s = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i] as number
  }
  return s
}

/**
 * The axes of `src` (of `shape`) permuted: output axis `i` is input axis `perm[i]`.
 * Matrices use a tiled loop; other ranks an odometer over the output.
 *
 * @internal
 */
export const permute = (src: ReadonlyFloat64Array, shape: ReadonlyArray<number>, perm: ReadonlyArray<number>): Float64Array => {
  const n = src.length
  const out = zeros(n)
  const r = shape.length
  if (n === 0) return out
  if (r === 2 && perm[0] === 1) {
    transpose2d(src, out, shape[0] as number, shape[1] as number)
    return out
  }
  const inStrides = strides(shape)
  const dims = perm.map((p) => shape[p] as number)
  const st = perm.map((p) => inStrides[p] as number)
  const last = r - 1
  if (r === 0) {
    out[0] = src[0] as number
    return out
  }
  const lastDim = dims[last] as number
  const lastStride = st[last] as number
  const idx = new Array<number>(r).fill(0)
  let from = 0
  let o = 0
  while (o < n) {
    for (let j = 0; j < lastDim; j++) out[o++] = src[from + j * lastStride] as number
    // advance the odometer over the outer axes
    let ax = last - 1
    while (ax >= 0) {
      const i = (idx[ax] as number) + 1
      if (i < (dims[ax] as number)) {
        idx[ax] = i
        from += st[ax] as number
        break
      }
      idx[ax] = 0
      from -= (i - 1) * (st[ax] as number)
      ax--
    }
    if (ax < 0) break
  }
  return out
}

const TILE = 32

/** `out[c×r] = src[r×c]ᵀ`, in tiles so both sides stay in cache. */
const transpose2d = (src: ReadonlyFloat64Array, out: Float64Array, rows: number, cols: number): void => {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = i0 + TILE < rows ? i0 + TILE : rows
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = j0 + TILE < cols ? j0 + TILE : cols
      for (let i = i0; i < i1; i++) {
        const si = i * cols
        for (let j = j0; j < j1; j++) out[j * rows + i] = src[si + j] as number
      }
    }
  }
}

/**
 * Copies `src`, seen as `[outer, srcMid, inner]`, into `dst`, seen as `[outer, dstMid, inner]`,
 * at position `at` of the middle axis (concat forward, slice backward).
 *
 * @internal
 */
export const copyInto = (
  src: ReadonlyFloat64Array,
  dst: Float64Array,
  outer: number,
  srcMid: number,
  dstMid: number,
  inner: number,
  at: number
): void => {
  const len = srcMid * inner
  for (let o = 0; o < outer; o++) {
    const s = o * len
    const d = (o * dstMid + at) * inner
    for (let j = 0; j < len; j++) dst[d + j] = src[s + j] as number
  }
}

/**
 * The positions `[at, at + len)` of the middle axis of `src`, seen as `[outer, srcMid, inner]`
 * (slice forward, concat backward).
 *
 * @internal
 */
export const copyOut = (
  src: ReadonlyFloat64Array,
  outer: number,
  srcMid: number,
  inner: number,
  at: number,
  len: number
): Float64Array => {
  const chunk = len * inner
  const out = zeros(outer * chunk)
  for (let o = 0; o < outer; o++) {
    const s = (o * srcMid + at) * inner
    const d = o * chunk
    for (let j = 0; j < chunk; j++) out[d + j] = src[s + j] as number
  }
  return out
}
