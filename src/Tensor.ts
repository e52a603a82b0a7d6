/**
 * Immutable n-dimensional arrays of float64: a readonly `shape` and a row-major
 * `Float64Array` of `data`, with numpy's broadcasting rules.
 *
 * Immutability: the library never writes into a tensor's `data` after construction, and
 * the public type says so: `data` is a {@link ReadonlyFloat64Array} (a `Float64Array` without
 * index writes, `set`, `fill`, `copyWithin`, `sort` and `reverse`; `slice()` gives a
 * writable copy). {@link make} and {@link fromNested} copy what they are given, so the
 * caller's arrays are never mutated and later mutation of them cannot change the tensor;
 * `new Tensor(...)` is not public (it throws), so nothing public keeps a caller's buffer.
 * The shape of every tensor is a frozen array.
 *
 * Sharing: a few results share the buffer of another tensor instead of copying it, which is
 * safe because no tensor is ever written: the result of `ops.reshape` and `ops.flatten` shares
 * its input's data, and the gradients of `ops.add` (both operands; a broadcast operand's is
 * summed, so new), `ops.sub` (the first operand), `ops.shift`, `ops.scale(1)`, `ops.reshape`
 * and `ops.flatten` share the output cotangent's data. Every other result has data of its
 * own (a test checks this list). Data of its own need not be a buffer of its own: a small
 * tensor's `data` (9 to 256 elements) is a view, with its own `byteOffset`, into a 16 KiB
 * `ArrayBuffer` that other small tensors' views share without overlapping, because allocating
 * a fresh buffer costs more than a small op (the trick Node's `Buffer` pool plays). Read
 * `data` through the view; for a standalone buffer, copy it (`t.data.slice()`), and never
 * transfer `t.data.buffer` (`postMessage`'s transfer list, `ArrayBuffer.prototype.transfer`):
 * that would detach the other tensors' data too.
 *
 * Validation: constructors throw an error that names the function and the shape when the
 * data's length is not the product of the shape, when a dimension is negative, fractional
 * or not a number, and when a value is `NaN` or infinite (a tensor built by the user never
 * holds a non-finite number; ops report such values where they would arise).
 *
 * Sizes: a tensor holds at most 2³² elements (the longest `Float64Array` the engine
 * accepts). Constructors and ops check the size of what they are about to allocate and throw
 * a `RangeError` naming the function, the shape and the element count
 * (`Tensor.zeros: a tensor of shape [1000000,1000000] would hold 1000000000000 elements
 * (7451 GiB of float64), more than can be allocated`); so does an allocation the runtime
 * refuses for want of memory.
 *
 * @module Tensor
 */
// One piece, past 400 lines: the `Tensor` namespace (the class and its checks are in
// `internal/tensor.ts`, the arithmetic in `internal/tensor-arith.ts`); more than half of it is doc comments with runnable examples.

import * as K from './kernels/index.js'
import { describe } from './internal/guards.js'
import { checkSeed, fillNormal, uniforms } from './internal/random.js'
import { Tensor, allocate, checkSize, checkTensor, sameShape, shapeSize, showIndex, showShape, unravel, unsafeFromData, type Shape } from './internal/tensor.js'

export { Tensor, broadcastShapes, sameShape, shapeSize, showIndex, showShape, unravel, type ReadonlyFloat64Array, type Shape } from './internal/tensor.js'
export { add, div, map, matmul, mul, scale, sub } from './internal/tensor-arith.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Nested arrays of numbers, as `fromNested` reads and `toNested` writes them; a bare number
 * is a rank-0 tensor.
 *
 * @category model
 */
export type Nested = number | ReadonlyArray<Nested>

// -------------------------------------------------------------------------------------
// shapes
// -------------------------------------------------------------------------------------

/**
 * Row-major strides of a shape (in elements): the last axis has stride 1.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.strides([2, 3, 4])) // [ 12, 4, 1 ]
 *
 * @category shapes
 */
export const strides = (shape: Shape): Array<number> => K.strides(shape)

/**
 * Checks a shape given by a caller: an array of non-negative integers. Returns a frozen
 * copy. Throws a `RangeError` naming `op` and the shape otherwise.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.checkShape('demo', [2, 3])) // [ 2, 3 ]
 * try { Tensor.checkShape('demo', [2, -1]) } catch (e) { console.log((e as Error).message) } // demo: invalid shape [2,-1]: dimensions must be non-negative integers
 *
 * @category shapes
 */
export const checkShape = (op: string, shape: unknown): Shape => {
  if (!Array.isArray(shape)) {
    throw new TypeError(`${op}: expected a shape (an array of non-negative integers), got ${describe(shape)}`)
  }
  for (const d of shape) {
    if (typeof d !== 'number' || !Number.isInteger(d) || d < 0) {
      throw new RangeError(`${op}: invalid shape [${shape.map(String).join(',')}]: dimensions must be non-negative integers`)
    }
  }
  return Object.freeze((shape as Array<number>).slice())
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------


const finiteAt = (op: string, shape: Shape, data: ArrayLike<number>): void => {
  for (let i = 0; i < data.length; i++) {
    const v = data[i]
    if (typeof v !== 'number' || !Number.isFinite(v)) {
      throw new RangeError(
        `${op}: values must be finite numbers, got ${String(v)} at index ${showIndex(unravel(i, shape))} of a tensor of shape ${showShape(shape)}`
      )
    }
  }
}

/**
 * A tensor of the given shape from row-major data, which is copied (the caller's array is
 * not kept). Throws when the data's length is not the product of the shape, when the shape
 * is invalid, or when a value is not a finite number.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const t = Tensor.make([2, 2], [1, 2, 3, 4])
 * console.log(Tensor.toNested(t)) // [ [ 1, 2 ], [ 3, 4 ] ]
 * try { Tensor.make([2, 3], [1, 2]) } catch (e) { console.log((e as Error).message) } // Tensor.make: shape [2,3] needs 6 values, got 2
 *
 * @category constructors
 */
export const make = (shape: Shape, data: ArrayLike<number>): Tensor => {
  const s = checkShape('Tensor.make', shape)
  checkSize('Tensor.make', s)
  if (data === null || typeof data !== 'object' || typeof data.length !== 'number') {
    throw new TypeError(`Tensor.make: expected the data as an array of numbers for shape ${showShape(s)}, got ${describe(data)}`)
  }
  const n = shapeSize(s)
  if (data.length !== n) throw new RangeError(`Tensor.make: shape ${showShape(s)} needs ${n} values, got ${data.length}`)
  finiteAt('Tensor.make', s, data)
  return unsafeFromData(s, K.copyOf(data))
}

/**
 * A tensor from nested arrays (a bare number gives a rank-0 tensor). Throws a `RangeError`
 * naming the path of the first ragged sub-array or non-finite value.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.fromNested([[1, 2], [3, 4], [5, 6]]).shape) // [ 3, 2 ]
 * try { Tensor.fromNested([[1, 2], [3]]) } catch (e) { console.log((e as Error).message) } // Tensor.fromNested: ragged array at [1]: expected length 2, got 1
 *
 * @category constructors
 */
export const fromNested = (nested: Nested): Tensor => {
  const shape: Array<number> = []
  let probe: unknown = nested
  while (Array.isArray(probe)) {
    shape.push(probe.length)
    probe = probe[0]
  }
  const data = K.zeros(shapeSize(shape))
  let at = 0
  const walk = (v: unknown, depth: number, path: Array<number>): void => {
    if (depth === shape.length) {
      if (typeof v !== 'number' || !Number.isFinite(v)) {
        throw new RangeError(`Tensor.fromNested: expected a finite number at ${showIndex(path)}, got ${Array.isArray(v) ? 'an array' : describe(v)}`)
      }
      data[at++] = v
      return
    }
    if (!Array.isArray(v) || v.length !== shape[depth]) {
      throw new RangeError(
        `Tensor.fromNested: ragged array at ${showIndex(path)}: expected length ${shape[depth] as number}, got ${Array.isArray(v) ? v.length : describe(v)}`
      )
    }
    for (let i = 0; i < v.length; i++) {
      path.push(i)
      walk(v[i], depth + 1, path)
      path.pop()
    }
  }
  walk(nested, 0, [])
  return unsafeFromData(Object.freeze(shape), data)
}

/**
 * A rank-0 tensor holding one finite number.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const t = Tensor.scalar(2.5)
 * console.log(t.shape, Tensor.toNested(t)) // [] 2.5
 *
 * @category constructors
 */
export const scalar = (x: number): Tensor => {
  if (typeof x !== 'number' || !Number.isFinite(x)) {
    throw new RangeError(`Tensor.scalar: expected a finite number, got ${describe(x)}`)
  }
  return unsafeFromData(EMPTY, Float64Array.of(x))
}

const EMPTY: Shape = Object.freeze([])

/**
 * A tensor of the given shape filled with one finite value.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.fill([2, 2], 7))) // [ [ 7, 7 ], [ 7, 7 ] ]
 *
 * @category constructors
 */
export const fill = (shape: Shape, value: number): Tensor => {
  const s = checkShape('Tensor.fill', shape)
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw new RangeError(`Tensor.fill: expected a finite value for shape ${showShape(s)}, got ${describe(value)}`)
  }
  const data = allocate('Tensor.fill', s)
  if (value !== 0) data.fill(value)
  return unsafeFromData(s, data)
}

/**
 * A tensor of zeros.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.zeros([3]).data) // Float64Array(3) [ 0, 0, 0 ]
 *
 * @category constructors
 */
export const zeros = (shape: Shape): Tensor => {
  const s = checkShape('Tensor.zeros', shape)
  return unsafeFromData(s, allocate('Tensor.zeros', s))
}

/**
 * A tensor of ones.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.ones([2]).data) // Float64Array(2) [ 1, 1 ]
 *
 * @category constructors
 */
export const ones = (shape: Shape): Tensor => {
  const s = checkShape('Tensor.ones', shape)
  return unsafeFromData(s, allocate('Tensor.ones', s).fill(1))
}


/**
 * Zeros with the shape of a tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.zerosLike(Tensor.fromNested([[1, 2]])).shape) // [ 1, 2 ]
 *
 * @category constructors
 */
export const zerosLike = (t: Tensor): Tensor => unsafeFromData(checkTensor('Tensor.zerosLike', t).shape, K.zeros(t.size))

/**
 * Ones with the shape of a tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.onesLike(Tensor.scalar(5)).data) // Float64Array(1) [ 1 ]
 *
 * @category constructors
 */
export const onesLike = (t: Tensor): Tensor => unsafeFromData(checkTensor('Tensor.onesLike', t).shape, K.zeros(t.size).fill(1))

// -------------------------------------------------------------------------------------
// random
// -------------------------------------------------------------------------------------

const checkFinite = (op: string, what: string, v: number): number => {
  if (typeof v !== 'number' || !Number.isFinite(v)) throw new RangeError(`${op}: ${what} must be a finite number, got ${describe(v)}`)
  return v
}

/**
 * Options of {@link randomNormal}.
 *
 * @category random
 */
export interface NormalOptions {
  /** Any integer; the same seed gives the same tensor. */
  readonly seed: number
  /** Default 0. */
  readonly mean?: number
  /** Standard deviation, ≥ 0; default 1. */
  readonly std?: number
}

/**
 * Normally distributed values from a seeded generator (xoshiro128** seeded by SplitMix32,
 * then the Box–Muller transform): the same seed and shape always give the same tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const a = Tensor.randomNormal([2, 3], { seed: 42, std: 0.1 })
 * const b = Tensor.randomNormal([2, 3], { seed: 42, std: 0.1 })
 * console.log(a.shape, a.data.every((x, i) => x === b.data[i])) // [ 2, 3 ] true
 *
 * @category random
 */
export const randomNormal = (shape: Shape, options: NormalOptions): Tensor => {
  const op = 'Tensor.randomNormal'
  const s = checkShape(op, shape)
  const seed = checkSeed(op, options?.seed)
  const mean = checkFinite(op, 'mean', options.mean ?? 0)
  const std = checkFinite(op, 'std', options.std ?? 1)
  if (std < 0) throw new RangeError(`${op}: std must be >= 0, got ${std}`)
  return unsafeFromData(s, fillNormal(uniforms(seed), allocate(op, s), mean, std))
}

/**
 * Options of {@link randomUniform}.
 *
 * @category random
 */
export interface UniformOptions {
  /** Any integer; the same seed gives the same tensor. */
  readonly seed: number
  /** Default 0. */
  readonly low?: number
  /** Default 1; must be ≥ `low`. */
  readonly high?: number
}

/**
 * Uniformly distributed values in `[low, high)` from a seeded generator (xoshiro128**,
 * 53-bit doubles): the same seed and shape always give the same tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const t = Tensor.randomUniform([1000], { seed: 1, low: -1, high: 1 })
 * console.log(t.data.every((x) => x >= -1 && x < 1)) // true
 *
 * @category random
 */
export const randomUniform = (shape: Shape, options: UniformOptions): Tensor => {
  const op = 'Tensor.randomUniform'
  const s = checkShape(op, shape)
  const seed = checkSeed(op, options?.seed)
  const low = checkFinite(op, 'low', options.low ?? 0)
  const high = checkFinite(op, 'high', options.high ?? 1)
  if (!(low <= high)) throw new RangeError(`${op}: expected low <= high, got low ${low} and high ${high}`)
  const u = uniforms(seed)
  const data = allocate(op, s)
  const n = data.length
  const width = high - low
  for (let i = 0; i < n; i++) {
    const x = low + width * u()
    data[i] = x < high ? x : low // rounding can reach `high`; keep the interval half-open
  }
  return unsafeFromData(s, data)
}

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * The tensor as nested arrays (a number for rank 0).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.make([2, 1, 2], [1, 2, 3, 4]))) // [ [ [ 1, 2 ] ], [ [ 3, 4 ] ] ]
 *
 * @category destructors
 */
export const toNested = (t: Tensor): Nested => {
  const { shape, data } = checkTensor('Tensor.toNested', t)
  if (shape.length === 0) return data[0] as number
  let at = 0
  const build = (depth: number): Nested => {
    const n = shape[depth] as number
    const out = new Array<Nested>(n)
    if (depth === shape.length - 1) for (let i = 0; i < n; i++) out[i] = data[at++] as number
    else for (let i = 0; i < n; i++) out[i] = build(depth + 1)
    return out
  }
  return build(0)
}

/**
 * The element at a multi-index (one integer per axis, `0 ≤ index[i] < shape[i]`). Throws a
 * `RangeError` naming the index and the shape when it is out of bounds.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const t = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.get(t, [1, 2]), Tensor.get(Tensor.scalar(9), [])) // 6 9
 *
 * @category destructors
 */
export const get = (t: Tensor, index: ReadonlyArray<number>): number => {
  const { shape, data } = checkTensor('Tensor.get', t)
  if (!Array.isArray(index) || index.length !== shape.length) {
    throw new RangeError(`Tensor.get: index ${Array.isArray(index) ? showIndex(index) : describe(index)} does not fit shape ${showShape(shape)}`)
  }
  let flat = 0
  for (let i = 0; i < shape.length; i++) {
    const k = index[i] as number
    const d = shape[i] as number
    if (!Number.isInteger(k) || k < 0 || k >= d) {
      throw new RangeError(`Tensor.get: index ${showIndex(index)} is out of bounds for shape ${showShape(shape)}`)
    }
    flat = flat * d + k
  }
  return data[flat] as number
}

/**
 * The number of elements of a tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.size(Tensor.zeros([2, 3]))) // 6
 *
 * @category destructors
 */
export const size = (t: Tensor): number => checkTensor('Tensor.size', t).size

/**
 * The number of axes of a tensor.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.rank(Tensor.zeros([2, 3])), Tensor.rank(Tensor.scalar(1))) // 2 0
 *
 * @category destructors
 */
export const rank = (t: Tensor): number => checkTensor('Tensor.rank', t).shape.length

// -------------------------------------------------------------------------------------
// refinements and equality
// -------------------------------------------------------------------------------------

/**
 * Whether a value is a `Tensor`.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.isTensor(Tensor.scalar(1)), Tensor.isTensor([1])) // true false
 *
 * @category refinements
 */
export const isTensor = (u: unknown): u is Tensor => u instanceof Tensor

/**
 * Whether two tensors have the same shape and the same values (`0` and `-0` are equal).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.equals(Tensor.fromNested([1, 2]), Tensor.make([2], [1, 2]))) // true
 *
 * @category equality
 */
export const equals = (a: Tensor, b: Tensor): boolean => {
  if (!sameShape(a.shape, b.shape)) return false
  const x = a.data
  const y = b.data
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) return false
  return true
}
