/**
 * Neural-network lenses: `softmax` and `logSoftmax` along an axis (numerically stable), and
 * the losses `mse` and `softmaxCrossEntropy`.
 *
 * The losses are lenses from the prediction to a rank-0 tensor, with the target **fixed**
 * when the lens is built: targets are data, not parameters, so their gradient would be
 * wasted work, and class indices have no gradient at all. (A loss between two computed
 * tensors is a composition: `pipe(ops.sub, ops.square, ops.mean())` for the squared error.)
 * Differentiate a loss with `Lens.backPropagateConst(loss, Tensor.scalar(1), x)`.
 *
 * Higher order: each backward pass is also a lens on `[x, dy]`, written with ops
 * (`y·(dy − Σ dy·y)` for softmax, `(softmax(x)·mass − targets)·dy / rows` for the
 * cross-entropy, …), so losses have Hessian-vector products: `Lens.grad(loss)` differentiated
 * again.
 *
 * @module ops/nn
 */
// One piece, past 400 lines: the losses are built on softmax (their backward lenses are written
// with it), and their checks (shapes, class indices, soft targets) are the losses' own.
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import * as Lens from '../Lens.js'
import { type Shape, Tensor, causeOf, checkCotangent, checkFiniteResult, sameShape, showIndex, showShape, unravel, unsafeFromData } from '../internal/tensor.js'
import * as K from '../kernels/index.js'
import { expectTensor, normaliseAxis } from '../internal/tensor.js'
import { describe, expectInteger } from '../internal/guards.js'
import { erase } from '../internal/plan.js'
import { shaped } from '../internal/structure.js'
import { chain, shapeConstant, validated, withReverse } from '../internal/tensor-structure.js'
import { mul, sub } from './binary.js'
import { scale } from './elementwise.js'
import { sum } from './reduce.js'

// -------------------------------------------------------------------------------------
// softmax
// -------------------------------------------------------------------------------------

const axisLayout = (op: string, axis: number, shape: Shape) => {
  const ax = normaliseAxis(op, axis, shape)
  return { outer: K.product(shape, 0, ax), mid: shape[ax] as number, inner: K.product(shape, ax + 1) }
}

const softmaxLike = (op: string, axis: number, log: boolean): Lens.Lens<Tensor, Tensor> => {
  expectInteger(op, 'axis', axis)
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => {
      const { shape, data } = expectTensor(op, x)
      const { outer, mid, inner } = axisLayout(op, axis, shape)
      const y = K.softmaxAxis(data, outer, mid, inner, log)
      // finite input keeps softmax in [0, 1]; logSoftmax's x − max overflows past ±1.8e308
      checkFiniteResult(op, 'forward', y, shape, () => causeOf([['input', x]]))
      return unsafeFromData(shape, y)
    },
    backward: (x, dy, y) => {
      checkCotangent(op, dy, y.shape)
      const { outer, mid, inner } = axisLayout(op, axis, x.shape)
      const dx = K.softmaxBackwardAxis(y.data, dy.data, outer, mid, inner, log)
      checkFiniteResult(op, 'backward', dx, x.shape, () => causeOf([['input', x], ['output cotangent', dy]]))
      return unsafeFromData(x.shape, dx)
    }
  })
  return withReverse(op, lens, () => {
    const total = sum({ axes: axis, keepDims: true })
    const probabilities = softmax(axis)
    const checks = validated<Tensor>(op, (x, dy) => {
      axisLayout(op, axis, expectTensor(op, x).shape)
      checkCotangent(op, dy, x.shape)
    })
    const rev = log
      ? // [x, dy] ↦ dy − softmax(x)·Σ dy
        chain(checks, Lens.fanout(erase(Lens.snd()), chain(Lens.split(probabilities, total), mul)), sub)
      : // [x, dy] ↦ y·(dy − Σ dy·y), y = softmax(x)
        chain(checks, Lens.first(probabilities), Lens.fanout(erase(Lens.fst()), chain(Lens.fanout(erase(Lens.snd()), chain(mul, total)), sub)), mul)
    return rev as unknown as Lens.Lens<readonly [Tensor, Tensor], Tensor>
  })
}

/**
 * `exp(x) / Σ exp(x)` along `axis` (default: the last), shifted by the maximum so that no
 * `exp` overflows: the entries along the axis are positive and sum to 1. The backward pass
 * is `y·(dy − Σ dy·y)`. A rank-0 input or an axis out of range throws, naming the shape.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const y = Lens.evaluate(ops.softmax(), Tensor.fromNested([[0, 0, 0, 0], [1000, 1000, 1000, 1000]]))
 * console.log(Tensor.toNested(y)) // [ [ 0.25, 0.25, 0.25, 0.25 ], [ 0.25, 0.25, 0.25, 0.25 ] ]
 *
 * @category neural networks
 */
export const softmax = (axis = -1): Lens.Lens<Tensor, Tensor> => softmaxLike('ops.softmax', axis, false)

/**
 * `x − log Σ exp(x)` along `axis` (default: the last), computed stably (no `exp` overflows,
 * no `log` of an underflowed 0): equals `log(softmax(x))` where that is finite, and stays
 * finite where it is not. The backward pass is `dy − softmax(x)·Σ dy`.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const y = Lens.evaluate(ops.logSoftmax(), Tensor.fromNested([0, 1000]))
 * console.log(Tensor.toNested(y)) // [ -1000, 0 ]
 *
 * @category neural networks
 */
export const logSoftmax = (axis = -1): Lens.Lens<Tensor, Tensor> => softmaxLike('ops.logSoftmax', axis, true)

// -------------------------------------------------------------------------------------
// losses
// -------------------------------------------------------------------------------------

const SCALAR: Shape = Object.freeze([])

/**
 * The mean squared error against a fixed `target`: `mean((x − target)²)` over all elements,
 * a rank-0 tensor. The prediction's shape must equal the target's exactly (no
 * broadcasting, which would silently turn `[n,1]` against `[n]` into an `[n,n]` error);
 * otherwise a `RangeError` names both shapes. The backward pass is `2·(x − target)·dy / n`.
 * A loss or gradient that overflows throws a `RangeError` naming the pass, the index and the
 * largest magnitudes of the operands, as every op does (the policy is in the architecture
 * guide, "Non-finite values").
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const loss = ops.mse(Tensor.fromNested([1, 2]))
 * const x = Tensor.fromNested([2, 4])
 * console.log(Tensor.toNested(Lens.evaluate(loss, x))) // 2.5
 * console.log(Tensor.toNested(Lens.backPropagateConst(loss, Tensor.scalar(1), x))) // [ 1, 2 ]
 * try { Lens.evaluate(loss, Tensor.zeros([2, 1])) } catch (e) { console.log((e as Error).message) } // ops.mse: prediction shape [2,1] and target shape [2] differ
 *
 * @category losses
 */
export const mse = (target: Tensor): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.mse'
  expectTensor(op, target, 'target')
  const t = target.data
  const check = (x: Tensor): void => {
    if (!sameShape(x.shape, target.shape)) {
      throw new RangeError(`${op}: prediction shape ${showShape(x.shape)} and target shape ${showShape(target.shape)} differ`)
    }
    if (x.size === 0) throw new RangeError(`${op}: no elements to average (shape ${showShape(x.shape)})`)
  }
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => {
      check(expectTensor(op, x))
      const xs = x.data
      let s = 0
      for (let i = 0; i < xs.length; i++) {
        const d = (xs[i] as number) - (t[i] as number)
        s += d * d
      }
      const out = Float64Array.of(s / xs.length)
      checkFiniteResult(op, 'forward', out, SCALAR, () => causeOf([['prediction', x], ['target', target]]))
      return unsafeFromData(SCALAR, out)
    },
    backward: (x, dy) => {
      const xs = x.data
      const d = checkCotangent(op, dy, SCALAR)
      const g = (2 * (d.data[0] as number)) / xs.length
      const dx = K.zeros(xs.length)
      for (let i = 0; i < xs.length; i++) dx[i] = g * ((xs[i] as number) - (t[i] as number))
      checkFiniteResult(op, 'backward', dx, x.shape, () => causeOf([['prediction', x], ['target', target], ['output cotangent', d]]))
      return unsafeFromData(x.shape, dx)
    }
  })
  // [x, dy] ↦ (2/n)·(x − target)·dy, with x − target a step of its own that checks x's shape
  return withReverse(op, lens, () => {
    const name = `${op}′`
    const residual = Lens.make<Tensor, Tensor>({
      name,
      forward: (x) => {
        check(expectTensor(name, x))
        return unsafeFromData(x.shape, K.zip(K.SUB, x.data, t))
      },
      backward: (_x, dr) => dr,
      reverse: shaped<Tensor, Tensor, Tensor>(`${name}′`, (_x, dr) => dr, (_x, _dr, w) => w)
    })
    const n = target.size
    const checks = validated<Tensor>(op, (x, dy) => {
      check(expectTensor(op, x))
      checkCotangent(op, dy, SCALAR)
    })
    return chain(checks, Lens.first(chain(residual, scale(n === 0 ? 0 : 2 / n))), mul) as unknown as Lens.Lens<readonly [Tensor, Tensor], Tensor>
  })
}

/**
 * What {@link softmaxCrossEntropy} compares the logits with: either a tensor with the
 * logits' shape (one-hot rows, or any probability distributions), or class indices — an
 * array of integers, or a tensor with the logits' shape minus the last axis.
 *
 * @example
 * import { Tensor, ops } from 'backprop-lens'
 *
 * const oneHot: ops.Targets = Tensor.fromNested([[0, 1, 0], [1, 0, 0]])
 * const indices: ops.Targets = [1, 0]
 * console.log(oneHot instanceof Tensor.Tensor, indices.length) // true 2
 *
 * @category losses
 */
export type Targets = Tensor | ReadonlyArray<number>

/** Class indices (one per row), or `null` for distributions, checked against the logits. */
interface Resolved {
  readonly indices: Int32Array | null
  readonly probabilities: ReadonlyFloat64Array | null
  readonly rows: number
  readonly classes: number
}

/**
 * The softmax cross-entropy of logits (classes along the last axis, every other axis a
 * batch axis) against fixed targets, averaged over the batch: a rank-0 tensor,
 * `mean_b [ logSumExp(x_b)·Σ_c t_bc − Σ_c t_bc·x_bc ]`, computed stably through
 * log-sum-exp (logits of 1000 are fine). Targets are one-hot rows (or any distributions)
 * of the logits' shape, or class indices (an array of integers, or a tensor of the logits'
 * shape minus the last axis). The gradient is `(softmax(x)·Σ_c t_bc − t) / batch`, that is
 * `(softmax − onehot) / batch` for one-hot targets. Mismatched shapes and indices that are
 * not integers in `[0, classes)` throw, naming the op and the shapes; soft targets must be
 * distributions (entries ≥ 0, every row summing to 1 within 1e-6), else a `RangeError` names
 * the negative entry or the row and its sum. A loss or gradient that overflows throws (see
 * {@link mse}).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * try { Lens.evaluate(ops.softmaxCrossEntropy(Tensor.fromNested([0.5, 0.25])), Tensor.zeros([2])) } catch (e) { console.log((e as Error).message) } // ops.softmaxCrossEntropy: soft targets must be distributions, but row [] sums to 0.75 (not 1 within 1e-6)
 * const logits = Tensor.fromNested([[0, 0], [0, Math.log(3)]])
 * const loss = ops.softmaxCrossEntropy([0, 1]) // same as the one-hot [[1, 0], [0, 1]]
 * console.log(Tensor.toNested(Lens.evaluate(loss, logits))) // 0.49041462650586315
 * console.log(Tensor.toNested(Lens.backPropagateConst(loss, Tensor.scalar(1), logits))) // [ [ -0.25, 0.25 ], [ 0.125, -0.125 ] ]
 *
 * @category losses
 */
export const softmaxCrossEntropy = (targets: Targets): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.softmaxCrossEntropy'
  let fixedIndices: Int32Array | null = null
  if (!(targets instanceof Tensor)) {
    if (!Array.isArray(targets)) {
      throw new TypeError(`${op}: targets must be a Tensor or an array of class indices, got ${describe(targets)}`)
    }
    fixedIndices = toIndices(op, targets, (i) => `position ${i}`)
  }
  let distributions = false // whether the targets have been checked as distributions (once)
  const resolve = (x: Tensor): Resolved => {
    const shape = x.shape
    if (shape.length === 0) throw new RangeError(`${op}: logits must have rank at least 1 (classes on the last axis), got shape []`)
    const classes = shape[shape.length - 1] as number
    const rows = K.product(shape, 0, shape.length - 1)
    const batchShape = shape.slice(0, -1)
    if (rows === 0 || classes === 0) throw new RangeError(`${op}: logits of shape ${showShape(shape)} have no classes or no rows`)
    let indices = fixedIndices
    let probabilities: ReadonlyFloat64Array | null = null
    if (targets instanceof Tensor) {
      if (sameShape(targets.shape, shape)) {
        if (!distributions) checkDistributions(op, targets, rows, classes)
        distributions = true
        probabilities = targets.data
      }
      else if (sameShape(targets.shape, batchShape)) indices = toIndices(op, targets.data, (i) => `position ${i}`)
      else {
        throw new RangeError(
          `${op}: logits shape ${showShape(shape)} and target shape ${showShape(targets.shape)} do not match ` +
            `(expected ${showShape(shape)} for probabilities or ${showShape(batchShape)} for class indices)`
        )
      }
    } else if (indices !== null && indices.length !== rows) {
      throw new RangeError(`${op}: logits shape ${showShape(shape)} has ${rows} rows, but ${indices.length} class indices were given`)
    }
    if (indices !== null) {
      for (let i = 0; i < indices.length; i++) {
        const c = indices[i] as number
        if (c >= classes) {
          throw new RangeError(`${op}: class index ${c} at position ${i} is out of range for logits shape ${showShape(shape)} (${classes} classes)`)
        }
      }
    }
    return { indices, probabilities, rows, classes }
  }
  /**
   * Per row: the maximum logit `m` and `log Σ exp(x − m)`, kept apart so that the loss
   * `(m − x) + log Σ exp(x − m)` and the softmax `exp(x − m − logZ)` lose nothing to rounding
   * `m + logZ` at large logits.
   */
  const normalisers = (xs: ReadonlyFloat64Array, rows: number, classes: number): { readonly top: Float64Array; readonly logZ: Float64Array } => {
    const top = K.zeros(rows)
    const logZ = K.zeros(rows)
    for (let r = 0; r < rows; r++) {
      const base = r * classes
      let m = -Infinity
      for (let c = 0; c < classes; c++) {
        const v = xs[base + c] as number
        if (v > m) m = v
      }
      let s = 0
      for (let c = 0; c < classes; c++) s += Math.exp((xs[base + c] as number) - m)
      top[r] = m
      logZ[r] = Math.log(s)
    }
    return { top, logZ }
  }
  const loss = (x: Tensor, top: ReadonlyFloat64Array, logZ: ReadonlyFloat64Array, res: Resolved): Tensor => {
    const xs = x.data
    const { indices, probabilities, rows, classes } = res
    let total = 0
    if (indices !== null) {
      for (let r = 0; r < rows; r++) {
        total += (top[r] as number) - (xs[r * classes + (indices[r] as number)] as number) + (logZ[r] as number)
      }
    } else {
      const t = probabilities as Float64Array
      for (let r = 0; r < rows; r++) {
        const base = r * classes
        const m = top[r] as number
        const l = logZ[r] as number
        for (let c = 0; c < classes; c++) {
          const tc = t[base + c] as number
          if (tc !== 0) total += tc * (m - (xs[base + c] as number) + l)
        }
      }
    }
    const out = Float64Array.of(total / rows)
    checkFiniteResult(op, 'forward', out, SCALAR, () => causeOf([['logit', x]]))
    return unsafeFromData(SCALAR, out)
  }
  const lens = Lens.fromVjp<Tensor, Tensor>(
    (x) => {
      const res = resolve(expectTensor(op, x))
      const xs = x.data
      const { top, logZ } = normalisers(xs, res.rows, res.classes)
      const y = loss(x, top, logZ, res)
      const pullback = (dy: Tensor): Tensor => {
        const { indices, probabilities, rows, classes } = res
        const d = checkCotangent(op, dy, SCALAR)
        const g = (d.data[0] as number) / rows
        const dx = K.zeros(xs.length)
        for (let r = 0; r < rows; r++) {
          const base = r * classes
          const m = top[r] as number
          const l = logZ[r] as number
          let mass = 1
          if (probabilities !== null) {
            mass = 0
            for (let c = 0; c < classes; c++) mass += probabilities[base + c] as number
          }
          for (let c = 0; c < classes; c++) dx[base + c] = g * mass * Math.exp((xs[base + c] as number) - m - l)
          if (indices !== null) {
            const at = base + (indices[r] as number)
            dx[at] = (dx[at] as number) - g
          } else {
            const t = probabilities as Float64Array
            for (let c = 0; c < classes; c++) dx[base + c] = (dx[base + c] as number) - g * (t[base + c] as number)
          }
        }
        checkFiniteResult(op, 'backward', dx, x.shape, () => causeOf([['logit', x], ['output cotangent', d]]))
        return unsafeFromData(x.shape, dx)
      }
      return [y, pullback] as const
    },
    (x) => {
      const res = resolve(expectTensor(op, x))
      const { top, logZ } = normalisers(x.data, res.rows, res.classes)
      return loss(x, top, logZ, res)
    }
  )
  // [x, dy] ↦ (softmax(x)·mass − t)·(dy / rows), where t is the targets as a tensor of the
  // logits' shape (one-hot rows for class indices) and mass their sum along the classes:
  // both depend on x only through its shape, so they are constants of it.
  return withReverse(op, lens, () => {
    const name = `${op}′`
    const dense = (x: Tensor): Tensor => {
      const { indices, probabilities, classes } = resolve(expectTensor(name, x))
      if (probabilities !== null) return targets as Tensor
      const out = K.zeros(x.size)
      const ids = indices as Int32Array
      for (let r = 0; r < ids.length; r++) out[r * classes + (ids[r] as number)] = 1
      return unsafeFromData(x.shape, out)
    }
    const targetsOf = shapeConstant<Tensor, Tensor>(`${name} (targets)`, dense)
    const weighted = Array.isArray(targets)
      ? erase(softmax(-1))
      : chain(Lens.fanout(erase(softmax(-1)), chain(targetsOf, sum({ axes: -1, keepDims: true }))), mul)
    const perRow = shaped<Tensor, Tensor, Tensor>(
      name,
      (x, dy) => {
        const rows = resolve(expectTensor(name, x)).rows
        return unsafeFromData(SCALAR, Float64Array.of((checkCotangent(name, dy, SCALAR).data[0] as number) / rows))
      },
      (x, _dy, w) => unsafeFromData(SCALAR, Float64Array.of((checkCotangent(name, w, SCALAR).data[0] as number) / resolve(x).rows))
    )
    const gradient = chain(Lens.fanout(weighted, erase(targetsOf)), sub)
    const checks = validated<Tensor>(op, (x, dy) => {
      resolve(expectTensor(op, x))
      checkCotangent(op, dy, SCALAR)
    })
    return chain(checks, Lens.fanout(chain(Lens.fst(), gradient), erase(perRow)), mul) as unknown as Lens.Lens<readonly [Tensor, Tensor], Tensor>
  })
}

/** Soft targets: every entry non-negative and every row (the last axis) summing to 1 within 1e-6. */
const checkDistributions = (op: string, targets: Tensor, rows: number, classes: number): void => {
  const t = targets.data
  const batch = targets.shape.slice(0, -1)
  for (let r = 0; r < rows; r++) {
    let s = 0
    for (let c = 0; c < classes; c++) {
      const v = t[r * classes + c] as number
      if (v < 0) {
        throw new RangeError(
          `${op}: soft targets must be distributions, but entry ${v} at index ${showIndex(unravel(r * classes + c, targets.shape))} is negative`
        )
      }
      s += v
    }
    if (Math.abs(s - 1) > 1e-6) {
      throw new RangeError(`${op}: soft targets must be distributions, but row ${showIndex(unravel(r, batch))} sums to ${s} (not 1 within 1e-6)`)
    }
  }
}

const toIndices = (op: string, values: ArrayLike<unknown>, where: (i: number) => string): Int32Array => {
  const out = new Int32Array(values.length)
  for (let i = 0; i < values.length; i++) {
    const v = values[i]
    if (typeof v !== 'number' || !Number.isInteger(v) || v < 0 || v > 0x7fffffff) {
      throw new RangeError(`${op}: class indices must be non-negative integers, got ${String(v)} at ${where(i)}`)
    }
    out[i] = v
  }
  return out
}
