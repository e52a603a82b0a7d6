/**
 * Reductions: `sum`, `mean`, `max` and `logSumExp` over a set of axes.
 *
 * Each takes `{ axes?, keepDims? }`: `axes` is one axis or an array of axes (negative axes
 * count from the end; all axes when omitted; `[]` reduces nothing), and `keepDims` keeps the
 * reduced axes as axes of length 1 (default `false`, so reducing every axis gives a rank-0
 * tensor). An axis out of range or repeated throws a `RangeError` naming the op, the axes
 * and the shape; `mean`, `max` and `logSumExp` over zero elements throw rather than answer
 * `NaN` or an infinity.
 *
 * The backward passes broadcast the cotangent back over the reduced axes: `sum` copies it,
 * `mean` divides it by the number of elements reduced, `logSumExp` weights it by the
 * softmax, and `max` sends it to the maximal elements, split evenly between ties (a valid
 * subgradient; PyTorch's `amax` does the same).
 *
 * Higher order: each backward pass is also a lens on `[x, dy]`: for `sum` and `mean` the
 * broadcast back (whose transpose is the sum), for `max` the routing to the maxima (constant
 * away from ties, so the second derivative is zero there), for `logSumExp` the softmax weights
 * `exp(x − logSumExp(x))` times `dy`, written with ops.
 *
 * @module ops/reduce
 */
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import * as Lens from '../Lens.js'
import { type Shape, type Tensor, causeOf, checkCotangent, checkFiniteInput, checkFiniteResult, showShape, unsafeFromData } from '../internal/tensor.js'
import * as K from '../kernels/index.js'
import { expectTensor } from '../internal/tensor.js'
import { expectInteger } from '../internal/guards.js'
import { erase } from '../internal/plan.js'
import { shaped, zeroOf } from '../internal/structure.js'
import { chain, validated, withReverse } from '../internal/tensor-structure.js'
import { mul, sub } from './binary.js'
import { exp } from './elementwise.js'

// -------------------------------------------------------------------------------------
// options
// -------------------------------------------------------------------------------------

/**
 * Options of the reductions: `axes` (one axis or several; negative counts from the end;
 * default: all axes) and `keepDims` (keep reduced axes with length 1; default `false`).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const options: ops.ReduceOptions = { axes: -1, keepDims: true }
 * console.log(Lens.evaluate(ops.sum(options), Tensor.zeros([2, 3])).shape) // [ 2, 1 ]
 *
 * @category reductions
 */
export interface ReduceOptions {
  /** The axis or axes to reduce (negative counts from the end); all axes when omitted, none for `[]`. */
  readonly axes?: number | ReadonlyArray<number> | undefined
  /** Keep the reduced axes as axes of length 1 (default `false`). */
  readonly keepDims?: boolean | undefined
}

interface Reduction {
  readonly reduced: Array<boolean>
  readonly shape: Shape
  /** The number of elements reduced into each output element. */
  readonly count: number
}

const resolve = (op: string, axes: ReadonlyArray<number> | null, keepDims: boolean, shape: Shape): Reduction => {
  const r = shape.length
  const reduced = new Array<boolean>(r).fill(axes === null)
  if (axes !== null) {
    for (const a of axes) {
      if (a < -r || a >= r) {
        throw new RangeError(`${op}: axis ${a} is out of range for shape ${showShape(shape)}`)
      }
      const q = a < 0 ? a + r : a
      if (reduced[q]) throw new RangeError(`${op}: axis ${a} is repeated in axes ${showShape(axes)} for shape ${showShape(shape)}`)
      reduced[q] = true
    }
  }
  const out: Array<number> = []
  let count = 1
  for (let i = 0; i < r; i++) {
    if (reduced[i]) {
      count *= shape[i] as number
      if (keepDims) out.push(1)
    } else {
      out.push(shape[i] as number)
    }
  }
  return { reduced, shape: out, count }
}

const parse = (op: string, options: ReduceOptions | undefined): { readonly axes: ReadonlyArray<number> | null; readonly keepDims: boolean } => {
  if (options === undefined) return { axes: null, keepDims: false }
  if (options === null || typeof options !== 'object') throw new TypeError(`${op}: options must be an object { axes?, keepDims? }`)
  const { axes, keepDims } = options
  if (keepDims !== undefined && typeof keepDims !== 'boolean') throw new TypeError(`${op}: keepDims must be a boolean`)
  if (axes === undefined) return { axes: null, keepDims: keepDims ?? false }
  const list = typeof axes === 'number' ? [axes] : Array.isArray(axes) ? axes.slice() : null
  if (list === null) throw new TypeError(`${op}: axes must be an integer or an array of integers`)
  list.forEach((a, i) => expectInteger(op, typeof axes === 'number' ? 'axes' : `axes[${i}]`, a))
  return { axes: list, keepDims: keepDims ?? false }
}

const nonEmpty = (op: string, red: Reduction, shape: Shape, axes: ReadonlyArray<number> | null): void => {
  if (red.count === 0 && K.product(red.shape) > 0) {
    throw new RangeError(
      `${op}: no elements to reduce over ${axes === null ? 'all axes' : `axes ${showShape(axes)}`} of shape ${showShape(shape)}`
    )
  }
}

// -------------------------------------------------------------------------------------
// reductions
// -------------------------------------------------------------------------------------

/**
 * The sum over `axes` (all axes by default). The backward pass broadcasts the cotangent
 * back over the reduced axes.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.sum(), x))) // 21
 * console.log(Tensor.toNested(Lens.evaluate(ops.sum({ axes: 0 }), x))) // [ 5, 7, 9 ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(ops.sum({ axes: 1 }), Tensor.fromNested([1, 10]), x))) // [ [ 1, 1, 1 ], [ 10, 10, 10 ] ]
 *
 * @category reductions
 */
export const sum = (options?: ReduceOptions): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.sum'
  const { axes, keepDims } = parse(op, options)
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => {
      const { shape, data } = expectTensor(op, x)
      const red = resolve(op, axes, keepDims, shape)
      const out = K.reduceAxes(data, shape, red.reduced, K.sumAxis)
      checkFiniteResult(op, 'forward', out, red.shape, () => causeOf([['input', x]]))
      return unsafeFromData(red.shape, out)
    },
    backward: (x, dy, y) => {
      checkCotangent(op, dy, y.shape)
      const red = resolve(op, axes, keepDims, x.shape)
      return unsafeFromData(x.shape, K.expandAxes(dy.data, x.shape, red.reduced))
    }
  })
  // linear: [x, dy] ↦ dy broadcast back over the reduced axes; its transpose sums again
  return withReverse(op, lens, () => expandBack(op, axes, keepDims, 1), 'linear')
}

/**
 * The backward pass of a sum over `axes`, times `scale`, as a lens: `[x, dy] ↦ scale·dy`
 * broadcast back to `x`'s shape (linear in `dy`, reading `x` for its shape); its transpose
 * sums over the reduced axes.
 */
const expandBack = (op: string, axes: ReadonlyArray<number> | null, keepDims: boolean, scale: number | null): Lens.Lens<readonly [Tensor, Tensor], Tensor> => {
  const name = `${op}′`
  const times = (data: Float64Array, count: number): Float64Array => {
    const c = scale ?? 1 / count
    if (c !== 1) for (let i = 0; i < data.length; i++) data[i] = (data[i] as number) * c
    return data
  }
  return shaped<Tensor, Tensor, Tensor>(
    name,
    (x, dy) => {
      const red = resolve(op, axes, keepDims, expectTensor(op, x).shape)
      checkCotangent(op, dy, red.shape)
      return unsafeFromData(x.shape, times(K.expandAxes(dy.data, x.shape, red.reduced), red.count))
    },
    (x, dy, w) => {
      const red = resolve(name, axes, keepDims, x.shape)
      const t = checkCotangent(name, w, x.shape)
      const out = times(K.reduceAxes(t.data, x.shape, red.reduced, K.sumAxis), red.count)
      checkFiniteResult(name, 'backward', out, dy.shape, () => causeOf([['cotangent', t]]))
      return unsafeFromData(dy.shape, out)
    }
  )
}

/**
 * The mean over `axes` (all axes by default). The backward pass broadcasts the cotangent
 * divided by the number of elements averaged. Averaging over zero elements throws.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.mean({ axes: -1 }), x))) // [ 2, 5 ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(ops.mean(), Tensor.scalar(6), x))) // [ [ 1, 1, 1 ], [ 1, 1, 1 ] ]
 *
 * @category reductions
 */
export const mean = (options?: ReduceOptions): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.mean'
  const { axes, keepDims } = parse(op, options)
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => {
      const { shape, data } = expectTensor(op, x)
      const red = resolve(op, axes, keepDims, shape)
      nonEmpty(op, red, shape, axes)
      const out = K.reduceAxes(data, shape, red.reduced, K.sumAxis)
      const inv = 1 / red.count
      for (let i = 0; i < out.length; i++) out[i] = (out[i] as number) * inv
      checkFiniteResult(op, 'forward', out, red.shape, () => causeOf([['input', x]]))
      return unsafeFromData(red.shape, out)
    },
    backward: (x, dy, y) => {
      checkCotangent(op, dy, y.shape)
      const red = resolve(op, axes, keepDims, x.shape)
      const dx = K.expandAxes(dy.data, x.shape, red.reduced)
      const inv = 1 / red.count
      for (let i = 0; i < dx.length; i++) dx[i] = (dx[i] as number) * inv
      return unsafeFromData(x.shape, dx)
    }
  })
  // linear: [x, dy] ↦ dy / count broadcast back; its transpose sums and divides again
  return withReverse(op, lens, () => expandBack(op, axes, keepDims, null), 'linear')
}

/**
 * The maximum over `axes` (all axes by default). The backward pass sends the cotangent to
 * the elements equal to the maximum; when several tie, it is **split evenly** between them
 * (so the gradient of `max` of `[1, 3, 3]` is `[0, 0.5, 0.5]`), a valid subgradient. The
 * maximum over zero elements throws.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 5, 2], [7, 0, 7]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.max({ axes: 1 }), x))) // [ 5, 7 ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(ops.max({ axes: 1 }), Tensor.ones([2]), x))) // [ [ 0, 1, 0 ], [ 0.5, 0, 0.5 ] ]
 *
 * @category reductions
 */
export const max = (options?: ReduceOptions): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.max'
  const { axes, keepDims } = parse(op, options)
  const forward = (x: Tensor): Tensor => {
    const { shape, data } = expectTensor(op, x)
    const red = resolve(op, axes, keepDims, shape)
    nonEmpty(op, red, shape, axes)
    // a NaN loses every comparison, so the maximum would hide it: only the input shows it
    checkFiniteInput(op, x)
    return unsafeFromData(red.shape, K.reduceAxes(data, shape, red.reduced, K.maxAxis))
  }
  const backward = (x: Tensor, dy: Tensor, y: Tensor): Tensor => {
    checkCotangent(op, dy, y.shape)
    const red = resolve(op, axes, keepDims, x.shape)
    const xs = x.data
    const run = K.singleRun(x.shape, red.reduced)
    if (run !== null) return unsafeFromData(x.shape, K.maxBackwardAxis(xs, y.data, dy.data, run[0], run[1], run[2]))
    // several runs of axes: ties are counted over the whole group, so expand and count
    const top = K.expandAxes(y.data, x.shape, red.reduced)
    const hit = K.zeros(xs.length)
    for (let i = 0; i < xs.length; i++) hit[i] = xs[i] === top[i] ? 1 : 0
    const ties = K.expandAxes(K.reduceAxes(hit, x.shape, red.reduced, K.sumAxis), x.shape, red.reduced)
    const dx = K.expandAxes(dy.data, x.shape, red.reduced)
    for (let i = 0; i < dx.length; i++) dx[i] = hit[i] === 1 ? (dx[i] as number) / (ties[i] as number) : 0
    return unsafeFromData(x.shape, dx)
  }
  // [x, dy] ↦ dy routed to the maxima: linear in dy, and piecewise constant in x (the maxima
  // move only at ties), so its derivative in x is zero away from ties and it is a shaped step.
  // Its transpose sums w·weights over the reduced axes, the weights being the backward pass of 1.
  const name = `${op}′`
  const transposed = (x: Tensor, y: Tensor, w: unknown): Tensor => {
    const red = resolve(name, axes, keepDims, x.shape)
    const weights = backward(x, unsafeFromData(y.shape, K.zeros(y.size).fill(1)), y).data
    const wd = checkCotangent(name, w, x.shape).data
    const prod = K.zeros(wd.length)
    for (let i = 0; i < prod.length; i++) prod[i] = (wd[i] as number) * (weights[i] as number)
    const out = K.reduceAxes(prod, x.shape, red.reduced, K.sumAxis)
    checkFiniteResult(name, 'backward', out, y.shape, () => causeOf([['cotangent', unsafeFromData(x.shape, wd)]]))
    return unsafeFromData(y.shape, out)
  }
  return withReverse(
    op,
    Lens.make<Tensor, Tensor>({ forward, backward }),
    () =>
      shaped<Tensor, Tensor, Tensor>(
        name,
        (x, dy) => backward(x, dy, forward(x)),
        (x, _dy, w) => transposed(x, forward(x), w)
      ),
    // the pullback of the routing at u: nothing for x, the routing transposed for dy
    (x, _dy, y, u, wantX) => [wantX ? zeroOf(x) : undefined, transposed(x as Tensor, y as Tensor, u)]
  )
}

/**
 * `log Σ exp(x)` over `axes` (all axes by default), computed stably: the maximum is
 * subtracted before exponentiating, so large inputs (1000 and more) neither overflow nor
 * lose precision. The backward pass weights the cotangent by the softmax `exp(x − y)`. Over
 * zero elements it throws (the answer would be −∞).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([1000, 1000])
 * console.log(Tensor.toNested(Lens.evaluate(ops.logSumExp(), x))) // 1000.6931471805599
 * console.log(Tensor.toNested(Lens.backPropagateConst(ops.logSumExp(), Tensor.scalar(1), x))) // [ 0.5, 0.5 ]
 *
 * @category reductions
 */
export const logSumExp = (options?: ReduceOptions): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.logSumExp'
  const { axes, keepDims } = parse(op, options)
  // The result is kept as its two stable parts, the maximum and log Σ exp(x − max): the
  // backward pass recomputes the softmax weights exp(x − max − logS) from them, which is more
  // accurate than exp(x − y) with y rounded at the magnitude of the maximum.
  const parts = (x: Tensor) => {
    const { shape, data } = expectTensor(op, x)
    const red = resolve(op, axes, keepDims, shape)
    nonEmpty(op, red, shape, axes)
    const run = K.singleRun(shape, red.reduced)
    let top: ReadonlyFloat64Array
    let logS: Float64Array
    if (run !== null) {
      ;({ top, logS } = K.logSumExpAxis(data, run[0], run[1], run[2]))
    } else {
      top = K.reduceAxes(data, shape, red.reduced, K.maxAxis)
      const shift = K.expandAxes(top, shape, red.reduced)
      const e = K.zeros(data.length)
      for (let i = 0; i < e.length; i++) e[i] = Math.exp((data[i] as number) - (shift[i] as number))
      logS = K.reduceAxes(e, shape, red.reduced, K.sumAxis)
      for (let i = 0; i < logS.length; i++) logS[i] = Math.log(logS[i] as number)
    }
    const y = K.zeros(top.length)
    for (let i = 0; i < y.length; i++) y[i] = (top[i] as number) + (logS[i] as number)
    checkFiniteResult(op, 'forward', y, red.shape, () => causeOf([['input', x]]))
    return { red, run, top, logS, y: unsafeFromData(red.shape, y) }
  }
  const lens = Lens.fromVjp<Tensor, Tensor>(
    (x) => {
      const { red, run, top, logS, y } = parts(x)
      const pullback = (dy: Tensor): Tensor => {
        checkCotangent(op, dy, y.shape)
        if (run !== null) return unsafeFromData(x.shape, K.logSumExpBackwardAxis(x.data, top, logS, dy.data, run[0], run[1], run[2]))
        const m = K.expandAxes(top, x.shape, red.reduced)
        const l = K.expandAxes(logS, x.shape, red.reduced)
        const dx = K.expandAxes(dy.data, x.shape, red.reduced)
        const xs = x.data
        for (let i = 0; i < dx.length; i++) dx[i] = (dx[i] as number) * Math.exp((xs[i] as number) - (m[i] as number) - (l[i] as number))
        return unsafeFromData(x.shape, dx)
      }
      return [y, pullback] as const
    },
    (x) => parts(x).y
  )
  // [x, dy] ↦ exp(x − logSumExp(x)) · dy, the softmax over the axes (logSumExp kept as
  // length-1 axes, broadcast by sub) times dy broadcast back over them (by mul, after dy is
  // given the length-1 axes too)
  const keep = { axes: axes ?? undefined, keepDims: true }
  const name = `${op}′`
  return withReverse(op, lens, () => {
    const weights = chain(Lens.fanout(Lens.id<Tensor>(), logSumExp(keep)), sub, exp)
    const dyKept = shaped<Tensor, Tensor, Tensor>(
      name,
      (x, dy) => {
        const red = resolve(name, axes, keepDims, expectTensor(name, x).shape)
        checkCotangent(name, dy, red.shape)
        return unsafeFromData(resolve(name, axes, true, x.shape).shape, dy.data)
      },
      (x, dy, w) => unsafeFromData(dy.shape, checkCotangent(name, w, resolve(name, axes, true, x.shape).shape).data)
    )
    const checks = validated<Tensor>(op, (x, dy) => {
      checkCotangent(op, dy, resolve(op, axes, keepDims, expectTensor(op, x).shape).shape)
    })
    return chain(checks, Lens.fanout(chain(Lens.fst(), weights), erase(dyKept)), mul) as unknown as Lens.Lens<readonly [Tensor, Tensor], Tensor>
  })
}
