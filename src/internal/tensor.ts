/**
 * The tensor model and the checks every op shares: the `Tensor` class (re-exported by the
 * public `Tensor` module; shapes and indices are in `internal/shape.ts`), printing, and the
 * constructor without copies that ops and kernels' callers use (`unsafeFromData`). Kept here
 * so that ops can build tensors without a public door that keeps a caller's buffer.
 *
 * @internal
 * @module internal/tensor
 */
import { zeros } from '../kernels/index.js'
import { firstNonFinite, strides, type ReadonlyFloat64Array } from '../kernels/index.js'

export type { ReadonlyFloat64Array }
import { DESCRIPTION, describe, expectPair, showIndex, showShape } from './guards.js'

export { showIndex, showShape }
import { broadcastShapes, sameShape, shapeSize, unravel, type Shape } from './shape.js'

export { broadcastShapes, sameShape, shapeSize, unravel, type Shape }

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------



const OWNED: unique symbol = Symbol('backprop-lens: data owned by the tensor')

const INSPECT: unique symbol = Symbol.for('nodejs.util.inspect.custom') as never

/**
 * An immutable n-d array: `shape`, row-major `data` (`data.length === size`, the product
 * of the shape). Build tensors with {@link make}, {@link fromNested} and the other
 * constructors; `console.log` prints them like numpy does.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const t = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(t.shape, t.size, t.data) // [ 2, 3 ] 6 Float64Array(6) [ 1, 2, 3, 4, 5, 6 ]
 * console.log(Tensor.fromNested([0.5, -2, 3])) // Tensor([0.5,  -2,   3])
 *
 * @category model
 */
export class Tensor {
  /** The number of elements: the product of the shape. */
  readonly size: number
  /**
   * @internal Not public: build tensors with {@link make} (which checks and copies the data);
   * the library's own code passes its key through {@link unsafeFromData}, so that nothing
   * public can keep a caller's buffer.
   */
  constructor(
    readonly shape: Shape,
    readonly data: ReadonlyFloat64Array,
    key?: typeof OWNED
  ) {
    if (key !== OWNED) throw new TypeError('new Tensor(...) is not public: build tensors with Tensor.make(shape, data), which checks and copies the data')
    this.size = data.length
  }

  /** numpy-like nested printing, truncated with `...` for tensors of more than 1000 elements. */
  toString(): string {
    return format(this)
  }

  /** What `console.log` and `util.inspect` print. */
  [INSPECT](): string {
    return format(this)
  }

  /** @internal How error messages describe a tensor: `a Tensor of shape [2,3]`. */
  [DESCRIPTION](): string {
    return `a Tensor of shape ${showShape(this.shape)}`
  }
}

// -------------------------------------------------------------------------------------
// construction and checks for ops

/** @internal The element of `t` that broadcasting sends to the flat index `flat` of `shape` (for messages). */
export const broadcastValueAt = (t: Tensor, shape: Shape, flat: number): number => {
  const index = unravel(flat, shape)
  let offset = 0
  let stride = 1
  for (let i = t.shape.length - 1, j = shape.length - 1; i >= 0; i--, j--) {
    const d = t.shape[i] as number
    offset += (d === 1 ? 0 : (index[j] as number)) * stride
    stride *= d
  }
  return t.data[offset] as number
}

// -------------------------------------------------------------------------------------

/**
 * @internal A tensor that takes ownership of `shape` and `data` without copying or
 * checking them: the caller promises never to write into either again and that
 * `data.length` is the product of `shape`. The shape is frozen in place. For kernels and
 * ops only.
 */
export const unsafeFromData = (shape: Shape, data: ReadonlyFloat64Array): Tensor =>
  new Tensor(Object.isFrozen(shape) ? shape : Object.freeze(shape as Array<number>), data, OWNED)

/**
 * @internal The most elements a tensor may hold: the longest `Float64Array` V8 (Node 20)
 * accepts, 2³² (32 GiB). Larger shapes are refused by {@link checkSize} before anything is
 * allocated, with the op's name instead of the engine's "Invalid typed array length".
 */
export const MAX_ELEMENTS = 2 ** 32

const tooLarge = (op: string, shape: Shape, n: number): RangeError => {
  const gib = (n * 8) / 2 ** 30
  const amount = gib >= 10 ? String(Math.round(gib)) : gib.toPrecision(2)
  return new RangeError(`${op}: a tensor of shape ${showShape(shape)} would hold ${n} elements (${amount} GiB of float64), more than can be allocated`)
}

/**
 * @internal The element count of a result of `shape`, checked before it is allocated: a
 * `RangeError` naming `op`, the shape and the count past {@link MAX_ELEMENTS}.
 */
export const checkSize = (op: string, shape: Shape, n = shapeSize(shape)): number => {
  if (n > MAX_ELEMENTS) throw tooLarge(op, shape, n)
  return n
}

/**
 * @internal The zeroed data of a tensor of `shape`, size checked by {@link checkSize}; an
 * allocation the runtime refuses (memory) gets the same message.
 */
export const allocate = (op: string, shape: Shape, n = checkSize(op, shape)): Float64Array => {
  checkSize(op, shape, n)
  try {
    return zeros(n)
  } catch (e) {
    if (e instanceof RangeError) throw tooLarge(op, shape, n)
    throw e
  }
}

/**
 * @internal Ops whose backward pass does at least this many multiply-adds give lazy
 * cotangents ({@link lazyFromData}): making one costs about a microsecond, a few percent of
 * that work.
 */
export const LAZY_MIN_WORK = 1 << 15

/** Where a lazy tensor keeps its computation, then its data (not enumerable: equality and printing see `data` only). */
const PENDING: unique symbol = Symbol('backprop-lens/pending-data')

type Lazy = Tensor & { [PENDING]: (() => ReadonlyFloat64Array) | ReadonlyFloat64Array }

/** The getter of every lazy tensor's `data` (one function, so they all share one hidden class). */
function lazyData(this: Lazy): ReadonlyFloat64Array {
  const pending = this[PENDING]
  if (typeof pending !== 'function') return pending
  const data = pending()
  this[PENDING] = data
  return data
}

/**
 * @internal A tensor whose data is computed when `data` is first read, then kept: for
 * cotangents that are often thrown away (the input batch's, in training), so that nobody
 * pays for the ones nobody reads. It is an ordinary `Tensor` to every reader (same
 * prototype, the same enumerable `shape`, `data`, `size`); `compute` must be pure, give
 * `shapeSize(shape)` elements and read only values that are never written again. Making one
 * costs about a microsecond (the accessor), so ops use it only for large products.
 */
export const lazyFromData = (shape: Shape, compute: () => ReadonlyFloat64Array): Tensor => {
  const t = Object.create(Tensor.prototype) as Lazy
  Object.defineProperty(t, 'shape', { value: Object.isFrozen(shape) ? shape : Object.freeze(shape as Array<number>), enumerable: true })
  Object.defineProperty(t, 'data', { get: lazyData, enumerable: true })
  let size = 1
  for (let i = 0; i < shape.length; i++) size *= shape[i] as number
  Object.defineProperty(t, 'size', { value: size, enumerable: true })
  Object.defineProperty(t, PENDING, { value: compute, writable: true })
  return t
}

/**
 * @internal Checks that an op's argument is a tensor; throws a `TypeError` naming `op`.
 */
export const checkTensor = (op: string, t: unknown): Tensor => {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor, got ${describe(t)}`)
  return t
}

/**
 * @internal Checks that a cotangent handed to an op's backward pass is a tensor of the
 * output's shape; throws naming `op` and both shapes.
 */
export const checkCotangent = (op: string, dy: unknown, shape: Shape): Tensor => {
  if (!(dy instanceof Tensor)) {
    const hint = shape.length === 0 && typeof dy === 'number' ? ` (the cotangent of a rank-0 tensor is one too: Tensor.scalar(${dy}); Lens.valueAndGrad(lens, x) gives it 1 by default)` : ''
    throw new TypeError(`${op}: expected the cotangent as a Tensor of shape ${showShape(shape)}, got ${describe(dy)}${hint}`)
  }
  if (!sameShape(dy.shape, shape)) {
    throw new RangeError(`${op}: the cotangent has shape ${showShape(dy.shape)} but the output has shape ${showShape(shape)}`)
  }
  return dy
}

/** @internal Throws a `TypeError` naming `op` unless `t` is a tensor. */
export const expectTensor = (op: string, t: unknown, what = 'input'): Tensor => {
  if (!(t instanceof Tensor)) throw new TypeError(`${op}: expected a Tensor as ${what}, got ${describe(t)}`)
  return t
}

/**
 * @internal The pair of tensors a binary op takes: a `TypeError` naming `op` unless `x` is
 * a pair whose halves are tensors.
 */
export const expectTensorPair = (op: string, x: unknown): readonly [Tensor, Tensor] => {
  const [a, b] = expectPair(op, 'the input', x, '[Tensor, Tensor]')
  return [expectTensor(op, a, 'first operand'), expectTensor(op, b, 'second operand')]
}

/** @internal The axis `axis` (negative counts from the end) of a shape, or a `RangeError`. */
export const normaliseAxis = (op: string, axis: number, shape: Shape, shapes = `shape ${showShape(shape)}`): number => {
  const r = shape.length
  if (axis < -r || axis >= r) throw new RangeError(`${op}: axis ${axis} is out of range for ${shapes}`)
  return axis < 0 ? axis + r : axis
}

/**
 * @internal Throws unless every value of an op's result (forward) or cotangent (backward)
 * is finite: the message names the op, the pass, the first bad index, the shape and, by
 * `cause(i)`, the input values there (`from input 1000`).
 */
export const checkFiniteResult = (
  op: string,
  pass: 'forward' | 'backward',
  data: ReadonlyFloat64Array,
  shape: Shape,
  cause: (i: number) => string
): void => {
  const i = firstNonFinite(data)
  if (i >= 0) throw nonFinite(op, pass, data, shape, i, cause)
}

/**
 * @internal The error of {@link checkFiniteResult} for a bad index `i` that a kernel has
 * already found (the matrix kernels' `check` flag).
 */
export const nonFinite = (
  op: string,
  pass: 'forward' | 'backward',
  data: ReadonlyFloat64Array,
  shape: Shape,
  i: number,
  cause: (i: number) => string
): RangeError => {
  const what = pass === 'forward' ? 'result' : 'cotangent'
  return new RangeError(
    `${op}: the ${what} is not finite (${data[i] as number}) in the ${pass} pass, at index ${showIndex(unravel(i, shape))} of shape ${showShape(shape)}, ${cause(i)}`
  )
}

/**
 * @internal Throws naming `op`, the index and the shape of the first non-finite value of an
 * input, for the ops whose result would hide it (a `NaN` loses every comparison of `max`).
 */
export const checkFiniteInput = (op: string, t: Tensor, what = 'input'): void => {
  const i = firstNonFinite(t.data)
  if (i >= 0) {
    throw new RangeError(`${op}: the ${what} is not finite (${t.data[i] as number}) at index ${showIndex(unravel(i, t.shape))} of shape ${showShape(t.shape)}`)
  }
}

/**
 * @internal The cause of a non-finite result whose entries mix many input values (products,
 * sums, windows), for messages: the first non-finite value among the named operands
 * (`from input NaN at index [0, 1, 2, 0]`), or, if they are all finite, their largest
 * magnitudes (`from inputs up to 1e+200 and filter values up to 3 in magnitude`).
 */
export const causeOf = (operands: ReadonlyArray<readonly [string, Tensor]>): string => {
  for (const [name, t] of operands) {
    const i = firstNonFinite(t.data)
    if (i >= 0) return `from ${name} ${t.data[i] as number} at index ${showIndex(unravel(i, t.shape))}`
  }
  const largest = operands.map(([name, t]) => {
    let m = 0
    for (const v of t.data) m = Math.max(m, Math.abs(v))
    return `${name} values up to ${m}`
  })
  return `from ${largest.join(' and ')} in magnitude`
}

// -------------------------------------------------------------------------------------
// printing
// -------------------------------------------------------------------------------------

const THRESHOLD = 1000
const EDGE = 3

const formatNumber = (x: number): string => {
  if (Number.isInteger(x) && Math.abs(x) < 1e16) return Object.is(x, -0) ? '-0' : String(x)
  const a = Math.abs(x)
  if (a !== 0 && (a < 1e-4 || a >= 1e16)) return x.toExponential(4).replace(/\.?0+e/, 'e')
  return String(Number(x.toPrecision(6)))
}

/** numpy-like: aligned columns, one row per line, `...` for elided items of big tensors. */
const format = (t: Tensor): string => {
  const { shape, data } = t
  if (shape.length === 0) return `Tensor(${formatNumber(data[0] as number)})`
  if (t.size === 0) return `Tensor([], shape=${showShape(shape)})`
  const summarise = t.size > THRESHOLD
  const st = strides(shape)
  const keep = (n: number): Array<number> =>
    summarise && n > 2 * EDGE ? [...range(0, EDGE), -1, ...range(n - EDGE, n)] : range(0, n)
  // Width: the longest formatted number among those printed.
  const cells: Array<string> = []
  const collect = (depth: number, offset: number): void => {
    for (const i of keep(shape[depth] as number)) {
      if (i < 0) continue
      if (depth === shape.length - 1) cells.push(formatNumber(data[offset + i] as number))
      else collect(depth + 1, offset + i * (st[depth] as number))
    }
  }
  collect(0, 0)
  const width = cells.reduce((w, c) => Math.max(w, c.length), 0)
  let cell = 0
  const prefix = 'Tensor('
  const render = (depth: number, indent: string): string => {
    const items: Array<string> = []
    for (const i of keep(shape[depth] as number)) {
      if (i < 0) items.push('...')
      else if (depth === shape.length - 1) items.push((cells[cell++] as string).padStart(width))
      else items.push(render(depth + 1, indent + ' '))
    }
    if (depth === shape.length - 1) return `[${items.join(', ')}]`
    const gap = ',' + '\n'.repeat(shape.length - 1 - depth) + indent + ' '
    return `[${items.join(gap)}]`
  }
  const body = render(0, ' '.repeat(prefix.length))
  const suffix = summarise ? `, shape=${showShape(shape)}` : ''
  return `${prefix}${body}${suffix})`
}

const range = (from: number, to: number): Array<number> => {
  const out: Array<number> = []
  for (let i = from; i < to; i++) out.push(i)
  return out
}
