/**
 * Pooling on channels-last tensors — `ops.maxPool2d` and `ops.avgPool2d`, over windows of an
 * input `[batch, height, width, channels]` with strides and `'valid'`, `'same'` or explicit
 * padding — and `ops.flatten`, which turns a batch of feature maps into the rows a dense
 * layer takes.
 *
 * - Max pooling sends each output's cotangent to the position its maximum came from (the
 *   first in scan order on a tie, as TensorFlow does); its backward pass as a lens is linear
 *   in the cotangent and, with the positions fixed, has no derivative in the input, so
 *   second derivatives through it are those of the layers around it.
 * - Average pooling counts only the input positions a window covers, not the padding (as
 *   TensorFlow); it is linear, and so is its transpose.
 * - `flatten` is a reshape and shares its input's buffer (tensors are never written to).
 *
 * A `NaN` in a max-pooling window is its maximum (so the non-finite check reports it rather
 * than letting a comparison drop it); results and cotangents are checked finite like every
 * op's. No lens mutates its input.
 *
 * @module ops/pool
 */
import type { Lens } from '../Lens.js'
import { fromPlan } from '../internal/cps.js'
import { describe, expectInteger } from '../internal/guards.js'
import { vjpPlan, erase } from '../internal/plan.js'
import { linear, shaped } from '../internal/structure.js'
import { causeOf, checkCotangent, checkSize, checkFiniteResult, expectTensor, showIndex, showShape, unravel, unsafeFromData, type Shape, type Tensor } from '../internal/tensor.js'
import * as K from '../kernels/index.js'
import { checkImages, checkPadding, checkPair, showPadding, windowGeometry, type CheckedPadding, type Padding } from './window.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of {@link maxPool2d} and {@link avgPool2d}: `stride` (default: the window size,
 * so that windows tile the input) and `padding` (default `'valid'`). Explicit padding must
 * be smaller than the window, so that no window lies on padding alone.
 *
 * @example
 * import type { ops } from 'backprop-lens'
 *
 * const options: ops.Pool2dOptions = { stride: 1, padding: 'same' }
 * console.log(options.stride) // 1
 *
 * @category model
 */
export interface Pool2dOptions {
  readonly stride?: number | readonly [number, number]
  readonly padding?: Padding
}

interface Pooling {
  readonly op: string
  readonly size: readonly [number, number]
  readonly stride: readonly [number, number]
  readonly padding: CheckedPadding
}

const NO_DILATION: readonly [number, number] = [1, 1]

const checkPooling = (op: string, size: unknown, options: unknown): Pooling => {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: expected options { stride, padding }, got ${describe(options)}`)
  }
  const o = options as Pool2dOptions
  const unknown = Object.keys(o).filter((k) => k !== 'stride' && k !== 'padding')
  if (unknown.length > 0) throw new TypeError(`${op}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (known: stride, padding)`)
  const window = checkPair(op, 'the window size', size)
  const padding = checkPadding(op, o.padding ?? 'valid')
  if (padding !== 'same' && (padding[0] >= window[0] || padding[1] >= window[0] || padding[2] >= window[1] || padding[3] >= window[1])) {
    throw new RangeError(
      `${op}: padding ${showPadding(padding)} must be smaller than the ${window[0]}×${window[1]} window (a window on padding alone has no value)`
    )
  }
  return { op, size: window, stride: checkPair(op, 'stride', o.stride ?? window), padding }
}

const geometryOf = (p: Pooling, x: Tensor): K.WindowGeometry => {
  const shapes = (): string => `input shape ${showShape(x.shape)} and window ${p.size[0]}×${p.size[1]}`
  checkImages(p.op, 'input', x, shapes)
  return windowGeometry(p.op, x.shape, p.size[0], p.size[1], p.stride, NO_DILATION, p.padding, shapes)
}

const outputShape = (g: K.WindowGeometry): Shape => [g.n, g.oh, g.ow, g.c]

// -------------------------------------------------------------------------------------
// max pooling
// -------------------------------------------------------------------------------------

/** The maxima and where they were taken from (flat indices into the input). */
const maxima = (p: Pooling, x: Tensor, withPositions: boolean): { readonly y: Tensor; readonly at: Int32Array | null } => {
  const g = geometryOf(p, x)
  const shape = outputShape(g)
  const size = checkSize(p.op, shape, g.n * g.oh * g.ow * g.c)
  const y = K.zeros(size)
  const at = new Int32Array(size)
  K.maxPool(x.data, g, y, at)
  checkFiniteResult(p.op, 'forward', y, shape, (i) => {
    const j = at[i] as number
    return `from input ${x.data[j] as number} at index ${showIndex(unravel(j, x.shape))}`
  })
  return { y: unsafeFromData(shape, y), at: withPositions ? at : null }
}

/** `dx`: each output cotangent added at its maximum's position. */
const scatter = (op: string, pass: 'forward' | 'backward', x: Tensor, at: Int32Array, dy: Tensor): Tensor => {
  const dx = K.zeros(x.size)
  K.scatterAt(dy.data, at, dx)
  checkFiniteResult(op, pass, dx, x.shape, () => causeOf([['output cotangent', dy]]))
  return unsafeFromData(x.shape, dx)
}

/**
 * Max pooling over `size × size` windows (or `[height, width]`; default 2) of a
 * channels-last batch `[batch, height, width, channels]`, each channel on its own. The
 * backward pass sends each output's cotangent to the position of its window's maximum (the
 * first one on a tie). A window larger than the padded input throws a `RangeError` naming
 * the shape and the window.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.make([1, 2, 4, 1], [1, 5, 2, 0, 3, 4, 8, 6])
 * const pool = ops.maxPool2d(2)
 * console.log(Lens.evaluate(pool, x).data) // Float64Array(2) [ 5, 8 ]
 * console.log(Lens.backPropagateConst(pool, Tensor.fromNested([[[[10], [20]]]]), x).data.join(' ')) // 0 10 0 0 0 0 20 0
 * try { Lens.evaluate(ops.maxPool2d(3), x) } catch (e) { console.log((e as Error).message) } // ops.maxPool2d: input shape [1,2,4,1] and window 3×3: the 3×3 window does not fit in the 2×4 input with padding [[0, 0], [0, 0]]
 *
 * @category convolution
 */
export const maxPool2d = (size: number | readonly [number, number] = 2, options: Pool2dOptions = {}): Lens<Tensor, Tensor> => {
  const p = checkPooling('ops.maxPool2d', size, options)
  const { op } = p
  const name = `${op}′`
  const positions = (x: Tensor): { readonly at: Int32Array; readonly shape: Shape } => {
    const { y, at } = maxima(p, x, true)
    return { at: at as Int32Array, shape: y.shape }
  }
  const plan = vjpPlan(
    (u) => {
      const x = expectTensor(op, u)
      const { y, at } = maxima(p, x, true)
      return [y, (d: unknown) => scatter(op, 'backward', x, at as Int32Array, checkCotangent(op, d, y.shape))]
    },
    (u) => maxima(p, expectTensor(op, u), false).y,
    op
  )
  // [x, dy] ↦ dx: linear in dy, and with the maxima's positions fixed, constant in x
  plan.rev = () =>
    erase(
      shaped<Tensor, Tensor, Tensor>(
        name,
        (x, dy) => {
          const { at, shape } = positions(expectTensor(name, x))
          return scatter(name, 'forward', x, at, checkCotangent(name, dy, shape))
        },
        (x, _dy, w) => {
          const { at, shape } = positions(x)
          const out = K.zeros(at.length)
          K.gatherAt(checkCotangent(name, w, x.shape).data, at, out)
          return unsafeFromData(shape, out)
        }
      )
    )
  return fromPlan(plan)
}

// -------------------------------------------------------------------------------------
// average pooling
// -------------------------------------------------------------------------------------

/**
 * Average pooling over `size × size` windows (or `[height, width]`; default 2) of a
 * channels-last batch, each channel on its own: the mean of the input positions a window
 * covers (padding is not counted, as in TensorFlow). Linear; the backward pass spreads each
 * output's cotangent evenly over its window.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.make([1, 2, 4, 1], [1, 5, 2, 0, 3, 4, 8, 6])
 * console.log(Lens.evaluate(ops.avgPool2d(2), x).data) // Float64Array(2) [ 3.25, 4 ]
 * console.log(Lens.backPropagateConst(ops.avgPool2d(2), Tensor.ones([1, 1, 2, 1]), x).data) // Float64Array(8) [ 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25, 0.25 ]
 * console.log(Lens.evaluate(ops.avgPool2d(2, { stride: 1, padding: 'same' }), x).shape) // [ 1, 2, 4, 1 ]
 *
 * @category convolution
 */
export const avgPool2d = (size: number | readonly [number, number] = 2, options: Pool2dOptions = {}): Lens<Tensor, Tensor> => {
  const p = checkPooling('ops.avgPool2d', size, options)
  const { op } = p
  return linear<Tensor, Tensor>(
    op,
    (u) => {
      const x = expectTensor(op, u)
      const g = geometryOf(p, x)
      const shape = outputShape(g)
      const y = K.zeros(checkSize(op, shape, g.n * g.oh * g.ow * g.c))
      K.avgPool(x.data, g, y)
      checkFiniteResult(op, 'forward', y, shape, () => causeOf([['input', x]]))
      return unsafeFromData(shape, y)
    },
    (x, w) => {
      const g = geometryOf(p, x)
      const dy = checkCotangent(op, w, outputShape(g))
      const dx = K.zeros(x.size)
      K.avgPool(dy.data, g, dx, true)
      checkFiniteResult(op, 'backward', dx, x.shape, () => causeOf([['output cotangent', dy]]))
      return unsafeFromData(x.shape, dx)
    }
  )
}

// -------------------------------------------------------------------------------------
// flatten
// -------------------------------------------------------------------------------------

/**
 * Merges the axes from `axis` (default 1) to the last into one: `[batch, h, w, c]` becomes
 * `[batch, h·w·c]`, the rows a dense layer takes. The data are shared, not copied (row-major
 * order is kept). A rank below `axis + 1` throws a `RangeError` naming the shape.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(ops.flatten(), Tensor.zeros([2, 3, 3, 4])).shape) // [ 2, 36 ]
 * try { Lens.evaluate(ops.flatten(), Tensor.zeros([5])) } catch (e) { console.log((e as Error).message) } // ops.flatten: expected rank at least 2 to merge axes 1 to the last, got shape [5]
 *
 * @category convolution
 */
export const flatten = (axis = 1): Lens<Tensor, Tensor> => {
  const op = 'ops.flatten'
  expectInteger(op, 'axis', axis)
  if (axis < 0) throw new RangeError(`${op}: axis must be >= 0, got ${axis}`)
  const target = (x: Tensor): Shape => {
    if (x.shape.length < axis + 1) {
      throw new RangeError(`${op}: expected rank at least ${axis + 1} to merge axes ${axis} to the last, got shape ${showShape(x.shape)}`)
    }
    return [...x.shape.slice(0, axis), K.product(x.shape, axis)]
  }
  return linear<Tensor, Tensor>(
    op,
    (u) => {
      const x = expectTensor(op, u)
      return unsafeFromData(target(x), x.data)
    },
    (x, w) => unsafeFromData(x.shape, checkCotangent(op, w, target(x)).data)
  )
}
