/**
 * Elementwise loops over row-major `Float64Array`s: unary maps (with their backward
 * passes) and the four arithmetic operations on arrays of the same length. Each returns a
 * fresh output array, allocates nothing per element and never mutates its inputs. The four
 * arithmetic operations have dedicated loops, selected by an op code outside the loop;
 * other binary functions are passed as a function.
 *
 * @internal
 * @module kernels/elementwise
 */
import { zeros } from './alloc.js'
import type { ReadonlyFloat64Array } from './data.js'

// -------------------------------------------------------------------------------------
// unary
// -------------------------------------------------------------------------------------

/** @internal `out[i] = f(x[i])`. */
export const map = (x: ReadonlyFloat64Array, f: (v: number) => number): Float64Array => {
  const n = x.length
  const out = zeros(n)
  for (let i = 0; i < n; i++) out[i] = f(x[i] as number)
  return out
}

/** @internal `out[i] = f(x[i], y[i]) · dy[i]`: the backward pass of an elementwise op. */
export const mapBackward = (
  x: ReadonlyFloat64Array,
  y: ReadonlyFloat64Array,
  dy: ReadonlyFloat64Array,
  df: (x: number, y: number) => number
): Float64Array => {
  const n = x.length
  const out = zeros(n)
  for (let i = 0; i < n; i++) out[i] = df(x[i] as number, y[i] as number) * (dy[i] as number)
  return out
}

/** @internal `out[i] = c · x[i] + d`. */
export const affine = (x: ReadonlyFloat64Array, c: number, d: number): Float64Array => {
  const n = x.length
  const out = zeros(n)
  if (d === 0) for (let i = 0; i < n; i++) out[i] = c * (x[i] as number)
  else if (c === 1) for (let i = 0; i < n; i++) out[i] = (x[i] as number) + d
  else for (let i = 0; i < n; i++) out[i] = c * (x[i] as number) + d
  return out
}

/** @internal `out[i] = max(x[i], 0)`. */
export const relu = (x: ReadonlyFloat64Array): Float64Array => {
  const n = x.length
  const out = zeros(n)
  for (let i = 0; i < n; i++) {
    const v = x[i] as number
    out[i] = v > 0 ? v : 0
  }
  return out
}

/** @internal `out[i] = x[i] > 0 ? dy[i] : 0`. */
export const reluBackward = (x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array): Float64Array => {
  const n = x.length
  const out = zeros(n)
  for (let i = 0; i < n; i++) out[i] = (x[i] as number) > 0 ? (dy[i] as number) : 0
  return out
}

/** @internal The flat index of the first element that fails `ok`, or -1. */
export const findInvalid = (x: ReadonlyFloat64Array, ok: (v: number) => boolean): number => {
  for (let i = 0; i < x.length; i++) if (!ok(x[i] as number)) return i
  return -1
}

// -------------------------------------------------------------------------------------
// binary, same shape
// -------------------------------------------------------------------------------------

/** @internal Op codes of the arithmetic operations with dedicated loops. */
export const ADD = 0
/** @internal */
export const SUB = 1
/** @internal */
export const MUL = 2
/** @internal */
export const DIV = 3

/** @internal An op code, or a binary function for the other operations. */
export type BinaryOp = number | ((a: number, b: number) => number)

/** @internal Runs `out[o + i] = a[ia + i·sa] ∘ b[ib + i·sb]` for `i < n`: the innermost loop. */
export const run = (
  op: BinaryOp,
  a: ReadonlyFloat64Array,
  ia: number,
  sa: number,
  b: ReadonlyFloat64Array,
  ib: number,
  sb: number,
  out: Float64Array,
  o: number,
  n: number
): void => {
  const end = o + n
  if (typeof op === 'function') {
    for (; o < end; o++, ia += sa, ib += sb) out[o] = op(a[ia] as number, b[ib] as number)
    return
  }
  switch (op) {
    case ADD:
      for (; o < end; o++, ia += sa, ib += sb) out[o] = (a[ia] as number) + (b[ib] as number)
      return
    case SUB:
      for (; o < end; o++, ia += sa, ib += sb) out[o] = (a[ia] as number) - (b[ib] as number)
      return
    case MUL:
      for (; o < end; o++, ia += sa, ib += sb) out[o] = (a[ia] as number) * (b[ib] as number)
      return
    default:
      for (; o < end; o++, ia += sa, ib += sb) out[o] = (a[ia] as number) / (b[ib] as number)
  }
}

/** @internal `out[i] = a[i] ∘ b[i]` for arrays of the same length. */
export const zip = (op: BinaryOp, a: ReadonlyFloat64Array, b: ReadonlyFloat64Array): Float64Array => {
  const out = zeros(a.length)
  run(op, a, 0, 1, b, 0, 1, out, 0, a.length)
  return out
}

/** @internal `out[i] = backward(x[i], dy[i], y[i])`: the backward pass of an elementwise rule. */
export const mapVjp = (
  x: ReadonlyFloat64Array,
  dy: ReadonlyFloat64Array,
  y: ReadonlyFloat64Array,
  backward: (x: number, dy: number, y: number) => number
): Float64Array => {
  const n = x.length
  const out = zeros(n)
  for (let i = 0; i < n; i++) out[i] = backward(x[i] as number, dy[i] as number, y[i] as number)
  return out
}

/** @internal The flat index of the first NaN or ±Infinity (`v - v !== 0` exactly for those), or -1. */
export const firstNonFinite = (x: ReadonlyFloat64Array): number => {
  const n = x.length
  for (let i = 0; i < n; i++) {
    const v = x[i] as number
    if (v - v !== 0) return i
  }
  return -1
}
