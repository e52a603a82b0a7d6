/**
 * numpy broadcasting over row-major `Float64Array`s: a binary operation of two operands
 * broadcast to an output shape, and un-broadcasting (summing a cotangent over the axes its
 * operand was broadcast along).
 *
 * Both operands are aligned to the output shape with stride 0 along their broadcast axes;
 * axes of length 1 are dropped and adjacent axes that are contiguous for every operand are
 * merged, so `[n, k] + [k]` runs as `n` rows of a `k`-long loop and `[a, b, c] + [a, b, c]`
 * as one loop. Plans allocate a few small arrays per call, never per element.
 *
 * @internal
 * @module kernels/broadcast
 */
import { zeros } from './alloc.js'
import type { ReadonlyFloat64Array } from './data.js'

import { run, type BinaryOp } from './elementwise.js'

type Shape = ReadonlyArray<number>

/**
 * A broadcast loop nest, innermost axis first: `dims[d]` iterations with strides `sa[d]`,
 * `sb[d]` in the operands (0 along a broadcast axis) and contiguous output.
 */
interface Nest {
  readonly dims: Array<number>
  readonly sa: Array<number>
  readonly sb: Array<number>
}

/** The loop nest of `a` and `b` broadcast to `out`, with length-1 axes dropped and contiguous axes merged. */
const nest = (aShape: Shape, bShape: Shape, outShape: Shape): Nest => {
  const n = outShape.length
  const offA = n - aShape.length
  const offB = n - bShape.length
  const dims: Array<number> = []
  const sa: Array<number> = []
  const sb: Array<number> = []
  let strideA = 1
  let strideB = 1
  for (let i = n - 1; i >= 0; i--) {
    const d = outShape[i] as number
    const da = i >= offA ? (aShape[i - offA] as number) : 1
    const db = i >= offB ? (bShape[i - offB] as number) : 1
    if (d === 1) continue
    const xa = da === 1 ? 0 : strideA
    const xb = db === 1 ? 0 : strideB
    strideA *= da
    strideB *= db
    const last = dims.length - 1
    if (last >= 0 && (sa[last] as number) * (dims[last] as number) === xa && (sb[last] as number) * (dims[last] as number) === xb) {
      dims[last] = (dims[last] as number) * d
    } else {
      dims.push(d)
      sa.push(xa)
      sb.push(xb)
    }
  }
  return { dims, sa, sb }
}

/** Runs a loop nest: the innermost axis by {@link run}, the outer axes by an odometer. */
const runNest = (op: BinaryOp, a: ReadonlyFloat64Array, b: ReadonlyFloat64Array, out: Float64Array, { dims, sa, sb }: Nest): void => {
  const nd = dims.length
  if (nd === 0) {
    if (out.length > 0) run(op, a, 0, 0, b, 0, 0, out, 0, 1)
    return
  }
  const inner = dims[0] as number
  const ia0 = sa[0] as number
  const ib0 = sb[0] as number
  if (nd === 1) {
    run(op, a, 0, ia0, b, 0, ib0, out, 0, inner)
    return
  }
  const counter = new Array<number>(nd).fill(0)
  let ia = 0
  let ib = 0
  const total = out.length
  for (let o = 0; o < total; o += inner) {
    run(op, a, ia, ia0, b, ib, ib0, out, o, inner)
    for (let d = 1; d < nd; d++) {
      const c = (counter[d] as number) + 1
      ia += sa[d] as number
      ib += sb[d] as number
      if (c < (dims[d] as number)) {
        counter[d] = c
        break
      }
      counter[d] = 0
      ia -= (sa[d] as number) * c
      ib -= (sb[d] as number) * c
    }
  }
}

/**
 * @internal `out = a ∘ b` with `a` and `b` broadcast to `outShape` (which the caller has
 * computed with `broadcastShapes`). Fast paths: same shape, a scalar operand.
 */
export const broadcast = (
  op: BinaryOp,
  a: ReadonlyFloat64Array,
  aShape: Shape,
  b: ReadonlyFloat64Array,
  bShape: Shape,
  outShape: Shape,
  outSize: number
): Float64Array => {
  const out = zeros(outSize)
  const na = a.length
  const nb = b.length
  if (na === outSize && nb === outSize) run(op, a, 0, 1, b, 0, 1, out, 0, outSize)
  else if (nb === 1 && na === outSize) run(op, a, 0, 1, b, 0, 0, out, 0, outSize)
  else if (na === 1 && nb === outSize) run(op, a, 0, 0, b, 0, 1, out, 0, outSize)
  else if (na === outSize && isTrailing(bShape, outShape)) for (let o = 0; o < outSize; o += nb) run(op, a, o, 1, b, 0, 1, out, o, nb)
  else if (nb === outSize && isTrailing(aShape, outShape)) for (let o = 0; o < outSize; o += na) run(op, a, 0, 1, b, o, 1, out, o, na)
  else runNest(op, a, b, out, nest(aShape, bShape, outShape))
  return out
}

/**
 * Whether `inner`, without its leading 1s, is the trailing part of `outer` (a row that
 * repeats along the leading axes: the bias of `[n, k] + [k]`), and not empty.
 *
 * @internal
 */
export const isTrailing = (inner: Shape, outer: Shape): boolean => {
  let start = 0
  while (start < inner.length && inner[start] === 1) start++
  const n = inner.length - start
  if (n === 0 || n > outer.length) return false
  const shift = outer.length - inner.length
  for (let i = start; i < inner.length; i++) if (inner[i] !== outer[i + shift]) return false
  return true
}

/**
 * @internal Un-broadcasting: sums `dy` (of shape `fromShape`) over the axes along which
 * `toShape` was broadcast to `fromShape`, giving an array of `toShape`'s size. Returns `dy`
 * itself when the shapes have the same size (nothing was broadcast), so callers must treat
 * the result as read-only, as they do every tensor's data.
 */
export const sumTo = (dy: ReadonlyFloat64Array, fromShape: Shape, toShape: Shape, toSize: number): ReadonlyFloat64Array => {
  if (toSize === dy.length) return dy
  const out = zeros(toSize)
  if (toSize === 1) {
    let s = 0
    for (let i = 0; i < dy.length; i++) s += dy[i] as number
    out[0] = s
    return out
  }
  if (isTrailing(toShape, fromShape)) {
    // A row repeated along the leading axes (a bias): add the rows up.
    const total = dy.length
    for (let o = 0; o < total; o += toSize) for (let j = 0; j < toSize; j++) out[j] = (out[j] as number) + (dy[o + j] as number)
    return out
  }
  // The nest of `out` broadcast against `dy`: `sa` walks `out` (0 on summed axes).
  const { dims, sa } = nest(toShape, fromShape, fromShape)
  const nd = dims.length
  const inner = dims[0] as number
  const s0 = sa[0] as number
  const counter = new Array<number>(nd).fill(0)
  let it = 0
  const total = dy.length
  for (let o = 0; o < total; o += inner) {
    if (s0 === 0) {
      let s = 0
      for (let i = 0; i < inner; i++) s += dy[o + i] as number
      out[it] = (out[it] as number) + s
    } else {
      for (let i = 0, j = it; i < inner; i++, j += s0) out[j] = (out[j] as number) + (dy[o + i] as number)
    }
    for (let d = 1; d < nd; d++) {
      const c = (counter[d] as number) + 1
      it += sa[d] as number
      if (c < (dims[d] as number)) {
        counter[d] = c
        break
      }
      counter[d] = 0
      it -= (sa[d] as number) * c
    }
  }
  return out
}
