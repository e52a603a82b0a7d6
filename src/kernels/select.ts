/**
 * The kernels that have a WebAssembly twin, as the seam exports them: each runs the
 * WebAssembly kernel when {@link wasmFor} says so (see `backend.ts`) and the JavaScript loop
 * otherwise, with the same signature and conventions as the loop.
 *
 * @internal
 * @module kernels/select
 */
import type { ReadonlyFloat64Array } from './data.js'
import { wasmFor } from './backend.js'
import * as JsBroadcast from './broadcast.js'
import * as JsElementwise from './elementwise.js'
import * as Js from './matmul.js'
import * as JsReduce from './reduce.js'
import { gemm, type Layout } from './wasm/gemm.js'
import * as Wasm from './wasm/vector.js'

// -------------------------------------------------------------------------------------
// thresholds
// -------------------------------------------------------------------------------------

/**
 * Under `auto`, products with `m·k·n` below this run in JavaScript: staging costs three copies
 * and a call. Measured (plain node, 2-core EPYC): WebAssembly was already faster from
 * `m·k·n` ≈ 512 (8×16×4: 0.5–0.8× the JavaScript time; 16³: 0.3×), slower at 128 (8×1×16:
 * 0.9–2.4×).
 *
 * @internal
 */
export const MATMUL_MIN_WORK = 512

/**
 * Under `auto`, elementwise calls and sums over fewer values than this run in JavaScript
 * (staging costs two or three copies and a call). Measured: at 128 values JavaScript was
 * faster for most (WebAssembly 1.1–2.4× its time), from 512 WebAssembly (0.2–0.9×).
 *
 * @internal
 */
export const VECTOR_MIN_SIZE = 512

// -------------------------------------------------------------------------------------
// matrix products
// -------------------------------------------------------------------------------------

type Product = (a: ReadonlyFloat64Array, aOff: number, b: ReadonlyFloat64Array, bOff: number, out: Float64Array, oOff: number, m: number, k: number, n: number) => void

const selecting =
  (layout: Layout, js: Product) =>
  (a: ReadonlyFloat64Array, aOff: number, b: ReadonlyFloat64Array, bOff: number, out: Float64Array, oOff: number, m: number, k: number, n: number, check = false): number => {
    const w = wasmFor(m * k * n, MATMUL_MIN_WORK)
    if (w !== null) {
      const bad = gemm(w, layout, a, aOff, b, bOff, out, oOff, m, k, n, check)
      if (bad !== null) return bad
    }
    js(a, aOff, b, bOff, out, oOff, m, k, n)
    return check ? JsElementwise.firstNonFinite(out.subarray(oOff, oOff + m * n)) : -1
  }

/**
 * `out[m×n] += a[m×k] · b[k×n]` (see `matmul.ts` for the conventions). With `check`, returns
 * the index (from `oOff`) of the first non-finite entry of the result slice, else -1.
 *
 * @internal
 */
export const matmulNN = selecting('NN', Js.matmulNN)

/** `out[m×n] += a[m×k] · b[n×k]ᵀ`; `check` as {@link matmulNN}. @internal */
export const matmulNT = selecting('NT', Js.matmulNT)

/** `out[m×n] += a[k×m]ᵀ · b[k×n]`; `check` as {@link matmulNN}. @internal */
export const matmulTN = selecting('TN', Js.matmulTN)

// -------------------------------------------------------------------------------------
// elementwise
// -------------------------------------------------------------------------------------

/** `out[i] = a[i] ∘ b[i]` for arrays of the same length (see `elementwise.ts`). @internal */
export const zip = (op: JsElementwise.BinaryOp, a: ReadonlyFloat64Array, b: ReadonlyFloat64Array): Float64Array => {
  if (typeof op === 'number' && a.length === b.length) {
    const w = wasmFor(a.length, VECTOR_MIN_SIZE)
    const out = w === null ? null : Wasm.binaryRows(w, op, a, false, b, false, 1, a.length)
    if (out !== null) return out
  }
  return JsElementwise.zip(op, a, b)
}

/**
 * `out = a ∘ b` broadcast to `outShape` (see `broadcast.ts`): the arithmetic op codes in
 * WebAssembly for equal sizes, a scalar operand, and a row repeated along the leading axes (a
 * bias); every other case, and binary functions, in JavaScript.
 *
 * @internal
 */
export const broadcast = (
  op: JsElementwise.BinaryOp,
  a: ReadonlyFloat64Array,
  aShape: ReadonlyArray<number>,
  b: ReadonlyFloat64Array,
  bShape: ReadonlyArray<number>,
  outShape: ReadonlyArray<number>,
  outSize: number
): Float64Array => {
  if (typeof op === 'number') {
    const w = wasmFor(outSize, VECTOR_MIN_SIZE)
    if (w !== null && outSize > 0) {
      const na = a.length
      const nb = b.length
      const out =
        na === outSize && nb === outSize
          ? Wasm.binaryRows(w, op, a, false, b, false, 1, outSize)
          : nb === 1 && na === outSize
            ? Wasm.binaryRows(w, op, a, false, b, true, outSize, 1)
            : na === 1 && nb === outSize
              ? Wasm.binaryRows(w, op, a, true, b, false, outSize, 1)
              : na === outSize && JsBroadcast.isTrailing(bShape, outShape)
                ? Wasm.binaryRows(w, op, a, false, b, true, outSize / nb, nb)
                : nb === outSize && JsBroadcast.isTrailing(aShape, outShape)
                  ? Wasm.binaryRows(w, op, a, true, b, false, outSize / na, na)
                  : null
      if (out !== null) return out
    }
  }
  return JsBroadcast.broadcast(op, a, aShape, b, bShape, outShape, outSize)
}

/** `out[i] = c · x[i] + d`. @internal */
export const affine = (x: ReadonlyFloat64Array, c: number, d: number): Float64Array => {
  const w = wasmFor(x.length, VECTOR_MIN_SIZE)
  return (w === null ? null : Wasm.affine(w, x, c, d)) ?? JsElementwise.affine(x, c, d)
}

/** `out[i] = max(x[i], 0)`. @internal */
export const relu = (x: ReadonlyFloat64Array): Float64Array => {
  const w = wasmFor(x.length, VECTOR_MIN_SIZE)
  return (w === null ? null : Wasm.relu(w, x, x)) ?? JsElementwise.relu(x)
}

/** `out[i] = x[i] > 0 ? dy[i] : 0`. @internal */
export const reluBackward = (x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array): Float64Array => {
  const w = x.length === dy.length ? wasmFor(x.length, VECTOR_MIN_SIZE) : null
  return (w === null ? null : Wasm.relu(w, x, dy)) ?? JsElementwise.reluBackward(x, dy)
}

// -------------------------------------------------------------------------------------
// sums
// -------------------------------------------------------------------------------------

/**
 * Sum over the middle axis of `[outer, mid, inner]` (see `reduce.ts`). With `inner > 1` both
 * paths add row after row (equal results); with `inner = 1` WebAssembly sums each contiguous
 * run in eight partial sums (equal to rounding).
 *
 * @internal
 */
export const sumAxis = (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number): Float64Array => {
  const w = wasmFor(src.length, VECTOR_MIN_SIZE)
  const out = w === null ? null : inner === 1 ? Wasm.sumRuns(w, src, outer, mid) : Wasm.sumRows(w, src, outer, mid, inner)
  return out ?? JsReduce.sumAxis(src, outer, mid, inner)
}

/**
 * Un-broadcasting (see `broadcast.ts`): a bias's cotangent (rows added up, in order: equal
 * results) and a total (eight partial sums: equal to rounding) in WebAssembly, the other
 * patterns in JavaScript.
 *
 * @internal
 */
export const sumTo = (dy: ReadonlyFloat64Array, fromShape: ReadonlyArray<number>, toShape: ReadonlyArray<number>, toSize: number): ReadonlyFloat64Array => {
  if (toSize !== dy.length) {
    const w = wasmFor(dy.length, VECTOR_MIN_SIZE)
    if (w !== null) {
      const out =
        toSize === 1
          ? Wasm.sumRuns(w, dy, 1, dy.length)
          : JsBroadcast.isTrailing(toShape, fromShape)
            ? Wasm.sumRows(w, dy, 1, dy.length / toSize, toSize)
            : null
      if (out !== null) return out
    }
  }
  return JsBroadcast.sumTo(dy, fromShape, toShape, toSize)
}
