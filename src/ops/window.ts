/**
 * What convolution and pooling share: their options (strides, dilations, padding), checked
 * when a lens is built, and the geometry of a window sliding over a channels-last input,
 * computed from the shapes when it runs. Every error names the op and what was wrong.
 *
 * @module ops/window
 */
import { describe } from '../internal/guards.js'
import { showShape, type Shape, type Tensor } from '../internal/tensor.js'
import type { WindowGeometry } from '../kernels/index.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * How a window treats the borders of its input:
 * - `'valid'`: no padding; the window stays inside the input;
 * - `'same'`: zeros around the input so that the output has `⌈size / stride⌉` positions
 *   along each axis, split as TensorFlow does (the odd one at the bottom and right);
 * - a number `p`: `p` rows and columns on every side;
 * - `[[top, bottom], [left, right]]`: explicit amounts.
 *
 * @example
 * import type { ops } from 'backprop-lens'
 *
 * const paddings: ReadonlyArray<ops.Padding> = ['valid', 'same', 1, [[0, 1], [2, 0]]]
 * console.log(paddings.length) // 4
 *
 * @category model
 */
export type Padding = 'valid' | 'same' | number | readonly [readonly [number, number], readonly [number, number]]

/** @internal A padding checked: `'same'`, or the amounts `[top, bottom, left, right]`. */
export type CheckedPadding = 'same' | readonly [number, number, number, number]

// -------------------------------------------------------------------------------------
// options
// -------------------------------------------------------------------------------------

const nonNegative = (v: unknown): v is number => typeof v === 'number' && Number.isInteger(v) && v >= 0

/** @internal A positive integer, or a pair of them (height, width), as a pair. */
export const checkPair = (op: string, what: string, v: unknown): readonly [number, number] => {
  const positive = (u: unknown): u is number => typeof u === 'number' && Number.isInteger(u) && u >= 1
  if (positive(v)) return [v, v]
  if (Array.isArray(v) && v.length === 2 && positive(v[0]) && positive(v[1])) return [v[0], v[1]]
  throw new RangeError(
    `${op}: ${what} must be a positive integer or a pair [height, width] of them, got ${Array.isArray(v) ? `[${v.map(String).join(', ')}]` : describe(v)}`
  )
}

/** @internal A {@link Padding}, checked. */
export const checkPadding = (op: string, p: unknown): CheckedPadding => {
  if (p === 'same') return 'same'
  if (p === 'valid') return [0, 0, 0, 0]
  if (nonNegative(p)) return [p, p, p, p]
  if (Array.isArray(p) && p.length === 2) {
    const [v, h] = p as ReadonlyArray<unknown>
    if (Array.isArray(v) && Array.isArray(h) && v.length === 2 && h.length === 2 && [...v, ...h].every(nonNegative)) {
      return [v[0], v[1], h[0], h[1]] as readonly [number, number, number, number]
    }
  }
  throw new RangeError(
    `${op}: padding must be 'valid', 'same', a non-negative integer or [[top, bottom], [left, right]], got ${typeof p === 'string' ? `'${p}'` : Array.isArray(p) ? JSON.stringify(p) : describe(p)}`
  )
}

/** @internal The padding as messages print it. */
export const showPadding = (p: CheckedPadding): string => (p === 'same' ? `'same'` : `[[${p[0]}, ${p[1]}], [${p[2]}, ${p[3]}]]`)

// -------------------------------------------------------------------------------------
// geometry
// -------------------------------------------------------------------------------------

/** One spatial axis: the output length and the padding before the input. */
const alongAxis = (size: number, k: number, stride: number, dilation: number, before: number, after: number | null): readonly [number, number] => {
  const span = dilation * (k - 1) + 1
  if (after === null) {
    // 'same', as TensorFlow: the output has ⌈size / stride⌉ positions, the padding split with the odd one after
    const out = Math.ceil(size / stride)
    const total = Math.max((out - 1) * stride + span - size, 0)
    return [out, Math.floor(total / 2)]
  }
  const padded = size + before + after
  return [padded < span ? 0 : Math.floor((padded - span) / stride) + 1, before]
}

/** @internal What a window op needs of its input shape: rank 4, channels last. */
export const checkImages = (op: string, what: string, x: Tensor, shapes: () => string): void => {
  if (x.shape.length !== 4) {
    throw new RangeError(`${op}: ${shapes()}: the ${what} must have rank 4 ([batch, height, width, channels]), got rank ${x.shape.length}`)
  }
}

/**
 * @internal The geometry of a `kh × kw` window over an NHWC input of shape `shape`; throws naming the
 * op and `shapes()` when the (dilated) window does not fit in the padded input.
 */
export const windowGeometry = (
  op: string,
  shape: Shape,
  kh: number,
  kw: number,
  stride: readonly [number, number],
  dilation: readonly [number, number],
  padding: CheckedPadding,
  shapes: () => string
): WindowGeometry => {
  const [n, h, w, c] = shape as readonly [number, number, number, number]
  const same = padding === 'same'
  const [oh, pt] = alongAxis(h, kh, stride[0], dilation[0], same ? 0 : padding[0], same ? null : padding[1])
  const [ow, pl] = alongAxis(w, kw, stride[1], dilation[1], same ? 0 : padding[2], same ? null : padding[3])
  if (oh < 1 || ow < 1) {
    const dilated = dilation[0] > 1 || dilation[1] > 1 ? ` dilated by ${showShape(dilation)} to ${dilation[0] * (kh - 1) + 1}×${dilation[1] * (kw - 1) + 1}` : ''
    throw new RangeError(
      `${op}: ${shapes()}: the ${kh}×${kw} window${dilated} does not fit in the ${h}×${w} input with padding ${showPadding(padding)}`
    )
  }
  return { n, h, w, c, kh, kw, sh: stride[0], sw: stride[1], dh: dilation[0], dw: dilation[1], pt, pl, oh, ow }
}

