/**
 * Reductions and softmax over `Float64Array`s seen as `[outer, mid, inner]` (one axis) or
 * over a set of axes: sums, maxima, log-sum-exp, their expansions back (the backward
 * passes), and a numerically stable softmax / log-softmax. No kernel allocates per
 * element, and none mutates its inputs.
 *
 * @internal
 * @module kernels/reduce
 */
import { copyOf, zeros } from './alloc.js'
import type { ReadonlyFloat64Array } from './data.js'

import { product } from './layout.js'

// -------------------------------------------------------------------------------------
// reductions along one axis: src seen as [outer, mid, inner], result as [outer, inner]
// -------------------------------------------------------------------------------------

/** @internal Sum over the middle axis. */
export const sumAxis = (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = zeros(outer * inner)
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const s = o * mid
      let acc = 0
      for (let r = 0; r < mid; r++) acc += src[s + r] as number
      out[o] = acc
    }
    return out
  }
  for (let o = 0; o < outer; o++) {
    const d = o * inner
    for (let r = 0; r < mid; r++) {
      const s = (o * mid + r) * inner
      for (let j = 0; j < inner; j++) out[d + j] = (out[d + j] as number) + (src[s + j] as number)
    }
  }
  return out
}

/** @internal Maximum over the middle axis (`mid ≥ 1`); NaN propagates. */
export const maxAxis = (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = zeros(outer * inner)
  for (let o = 0; o < outer; o++) {
    const d = o * inner
    const s0 = o * mid * inner
    for (let j = 0; j < inner; j++) out[d + j] = src[s0 + j] as number
    for (let r = 1; r < mid; r++) {
      const s = s0 + r * inner
      for (let j = 0; j < inner; j++) {
        const v = src[s + j] as number
        const cur = out[d + j] as number
        if (v > cur || v !== v) out[d + j] = v
      }
    }
  }
  return out
}

/** @internal Repeats `src` (`[outer, inner]`) `mid` times along a new middle axis. */
export const expandAxis = (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = zeros(outer * mid * inner)
  for (let o = 0; o < outer; o++) {
    const s = o * inner
    for (let r = 0; r < mid; r++) {
      const d = (o * mid + r) * inner
      for (let j = 0; j < inner; j++) out[d + j] = src[s + j] as number
    }
  }
  return out
}

// -------------------------------------------------------------------------------------
// reductions over a set of axes
// -------------------------------------------------------------------------------------

/**
 * The runs of consecutive reduced axes of `shape` (axes of size 1 merge with either side),
 * as `[start, end)` pairs, last run first: reducing them in that order keeps the earlier
 * runs' positions valid.
 */
const runs = (shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): Array<readonly [number, number]> => {
  const out: Array<readonly [number, number]> = []
  let i = shape.length - 1
  while (i >= 0) {
    if (!reduced[i]) {
      i--
      continue
    }
    const end = i + 1
    while (i >= 0 && (reduced[i] || shape[i] === 1)) i--
    let start = i + 1
    while (start < end && !reduced[start]) start++ // size-1 kept axes at the front: leave them
    out.push([start, end])
  }
  return out
}

/**
 * Reduces `src` (of `shape`) over the axes where `reduced` is true, run by run, with
 * `axisKernel`. The result's layout is the same with or without the reduced axes kept as 1s.
 *
 * @internal
 */
export const reduceAxes = (
  src: ReadonlyFloat64Array,
  shape: ReadonlyArray<number>,
  reduced: ReadonlyArray<boolean>,
  axisKernel: (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number) => Float64Array
): Float64Array => {
  const dims = shape.slice()
  let cur: Float64Array | null = null
  for (const [start, end] of runs(shape, reduced)) {
    const outer = product(dims, 0, start)
    const mid = product(dims, start, end)
    const inner = product(dims, end)
    cur = axisKernel(cur ?? src, outer, mid, inner)
    for (let a = start; a < end; a++) dims[a] = 1
  }
  return cur ?? copyOf(src)
}

/**
 * Broadcasts `src`, laid out as `shape` with the reduced axes set to 1, back to `shape`:
 * the adjoint of summing over those axes.
 *
 * @internal
 */
export const expandAxes = (src: ReadonlyFloat64Array, shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): Float64Array => {
  const dims = shape.map((d, i) => (reduced[i] ? 1 : d))
  let cur: Float64Array | null = null
  // first run first: the inverse order of reduceAxes
  const rs = runs(shape, reduced).reverse()
  for (const [start, end] of rs) {
    const outer = product(dims, 0, start)
    const mid = product(shape, start, end)
    const inner = product(dims, end)
    cur = expandAxis(cur ?? src, outer, mid, inner)
    for (let a = start; a < end; a++) dims[a] = shape[a] as number
  }
  return cur ?? copyOf(src)
}

// -------------------------------------------------------------------------------------
// softmax along one axis: src seen as [outer, mid, inner]
// -------------------------------------------------------------------------------------

/**
 * Softmax (`log = false`) or log-softmax (`log = true`) over the middle axis, shifted by the
 * maximum so that no `exp` overflows.
 *
 * @internal
 */
export const softmaxAxis = (src: ReadonlyFloat64Array, outer: number, mid: number, inner: number, log: boolean): Float64Array => {
  const out = zeros(src.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      let m = -Infinity
      for (let r = 0; r < mid; r++) {
        const v = src[base + r * inner] as number
        if (v > m || v !== v) m = v
      }
      const shift = Number.isFinite(m) ? m : 0
      let s = 0
      for (let r = 0; r < mid; r++) {
        const e = Math.exp((src[base + r * inner] as number) - shift)
        if (!log) out[base + r * inner] = e
        s += e
      }
      if (log) {
        // (x − shift) − log s, not x − (shift + log s): the shift cancels exactly
        const logS = Math.log(s)
        for (let r = 0; r < mid; r++) out[base + r * inner] = (src[base + r * inner] as number) - shift - logS
      } else {
        const inv = 1 / s
        for (let r = 0; r < mid; r++) out[base + r * inner] = (out[base + r * inner] as number) * inv
      }
    }
  }
  return out
}

/**
 * The backward pass of {@link softmaxAxis} from its output `y` and cotangent `dy`:
 * `dx = y·(dy − Σ dy·y)` for softmax, `dx = dy − exp(y)·Σ dy` for log-softmax.
 *
 * @internal
 */
export const softmaxBackwardAxis = (
  y: ReadonlyFloat64Array,
  dy: ReadonlyFloat64Array,
  outer: number,
  mid: number,
  inner: number,
  log: boolean
): Float64Array => {
  const dx = zeros(y.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      let s = 0
      if (log) {
        for (let r = 0; r < mid; r++) s += dy[base + r * inner] as number
        for (let r = 0; r < mid; r++) {
          const at = base + r * inner
          dx[at] = (dy[at] as number) - Math.exp(y[at] as number) * s
        }
      } else {
        for (let r = 0; r < mid; r++) s += (dy[base + r * inner] as number) * (y[base + r * inner] as number)
        for (let r = 0; r < mid; r++) {
          const at = base + r * inner
          dx[at] = (y[at] as number) * ((dy[at] as number) - s)
        }
      }
    }
  }
  return dx
}

// -------------------------------------------------------------------------------------
// fused reductions over one run of axes: src seen as [outer, mid, inner]
// -------------------------------------------------------------------------------------

/**
 * `[outer, mid, inner]` when the reduced axes of `shape` form one run (after merging axes of
 * length 1), so one fused loop nest can do what {@link reduceAxes} and {@link expandAxes}
 * do in several passes; `null` otherwise (no reduced axis, or several runs).
 *
 * @internal
 */
export const singleRun = (shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): readonly [number, number, number] | null => {
  const rs = runs(shape, reduced)
  if (rs.length !== 1) return null
  const [start, end] = rs[0] as readonly [number, number]
  return [product(shape, 0, start), product(shape, start, end), product(shape, end)]
}

/**
 * The backward pass of a maximum over the middle axis: the cotangent goes to the elements
 * equal to the maximum `y`, split evenly between ties.
 *
 * @internal
 */
export const maxBackwardAxis = (
  x: ReadonlyFloat64Array,
  y: ReadonlyFloat64Array,
  dy: ReadonlyFloat64Array,
  outer: number,
  mid: number,
  inner: number
): Float64Array => {
  const dx = zeros(x.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const top = y[o * inner + j] as number
      let ties = 0
      for (let r = 0; r < mid; r++) if (x[base + r * inner] === top) ties++
      if (ties === 0) continue
      const share = (dy[o * inner + j] as number) / ties
      for (let r = 0; r < mid; r++) if (x[base + r * inner] === top) dx[base + r * inner] = share
    }
  }
  return dx
}

/**
 * Log-sum-exp over the middle axis as its two stable parts: the maximum `top` and
 * `logS = log Σ exp(x − top)` (the result is `top + logS`); a non-finite maximum shifts by 0.
 *
 * @internal
 */
export const logSumExpAxis = (
  src: ReadonlyFloat64Array,
  outer: number,
  mid: number,
  inner: number
): { readonly top: Float64Array; readonly logS: Float64Array } => {
  const top = maxAxis(src, outer, mid, inner)
  const logS = zeros(outer * inner)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const m = top[o * inner + j] as number
      const shift = Number.isFinite(m) ? m : 0
      if (shift !== m) top[o * inner + j] = shift
      let s = 0
      for (let r = 0; r < mid; r++) s += Math.exp((src[base + r * inner] as number) - shift)
      logS[o * inner + j] = Math.log(s)
    }
  }
  return { top, logS }
}

/**
 * The backward pass of {@link logSumExpAxis}: `dx = dy · exp(x − top − logS)`, the softmax
 * weights recomputed from the two stable parts.
 *
 * @internal
 */
export const logSumExpBackwardAxis = (
  x: ReadonlyFloat64Array,
  top: ReadonlyFloat64Array,
  logS: ReadonlyFloat64Array,
  dy: ReadonlyFloat64Array,
  outer: number,
  mid: number,
  inner: number
): Float64Array => {
  const dx = zeros(x.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const at = o * inner + j
      const m = top[at] as number
      const l = logS[at] as number
      const g = dy[at] as number
      for (let r = 0; r < mid; r++) dx[base + r * inner] = g * Math.exp((x[base + r * inner] as number) - m - l)
    }
  }
  return dx
}
