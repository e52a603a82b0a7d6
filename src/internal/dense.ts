/**
 * The fused dense layer behind `Layer.dense`: `act(x·W + b)` as one primitive, whose forward
 * pass writes the bias, the product and the activation into one array and whose backward pass
 * runs the activation's derivative, the bias's row sums and the two transposed products
 * (`dW = xᵀ·dz`, `dx = dz·Wᵀ`) without a general broadcast or `sumTo`. On small tensors the
 * composition of `ops.matmul`, `ops.add` and an activation spends most of its time on that
 * bookkeeping (issue 11 #7). Higher order runs through the composition: the primitive's
 * backward pass as a lens is `Lens.reverse` of it (built by `Layer`, which may use `ops`), so
 * derivatives of every order agree.
 *
 * @internal
 * @module internal/dense
 */
import * as K from '../kernels/index.js'
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import { fromPlan } from './cps.js'
import type { Lens } from './lens.js'
import { primPlan, type Bwd, type Fn } from './plan.js'
import { sigmoid } from './rules.js'
import { LAZY_MIN_WORK, Tensor, causeOf, checkCotangent, checkFiniteResult, lazyFromData, nonFinite, unsafeFromData } from './tensor.js'
import { withReverse } from './tensor-structure.js'

/** @internal The activations a fused dense layer applies. */
export type DenseActivation = 'relu' | 'tanh' | 'sigmoid' | 'linear'

/** @internal A dense layer's parameters. */
export interface Dense {
  readonly W: Tensor
  readonly b: Tensor
}

/** @internal A dense layer's input: its parameters and a batch (or one example). */
export type DenseInput = readonly [Dense, Tensor]
type Input = DenseInput

const logistic = sigmoid.forward

/** `y ← act(y)` in place (`y` is the fresh pre-activation). */
const activate = (act: DenseActivation, y: Float64Array): void => {
  if (act === 'relu') for (let i = 0; i < y.length; i++) y[i] = (y[i] as number) > 0 ? (y[i] as number) : 0
  else if (act === 'tanh') for (let i = 0; i < y.length; i++) y[i] = Math.tanh(y[i] as number)
  else if (act === 'sigmoid') for (let i = 0; i < y.length; i++) y[i] = logistic(y[i] as number)
}

/** `dz = dy ⊙ act′`, from the output `y` (every activation here has its derivative in terms of it). */
const derivative = (act: DenseActivation, y: ReadonlyFloat64Array, dy: ReadonlyFloat64Array): ReadonlyFloat64Array => {
  if (act === 'linear') return dy
  const dz = K.zeros(dy.length)
  if (act === 'relu') for (let i = 0; i < dz.length; i++) dz[i] = (y[i] as number) > 0 ? (dy[i] as number) : 0
  else if (act === 'tanh') for (let i = 0; i < dz.length; i++) dz[i] = (1 - (y[i] as number) * (y[i] as number)) * (dy[i] as number)
  else for (let i = 0; i < dz.length; i++) dz[i] = (y[i] as number) * (1 - (y[i] as number)) * (dy[i] as number)
  return dz
}

/**
 * @internal `[{ W, b }, x] ↦ act(x·W + b)` for `x` of shape `[batch, inputs]` or `[inputs]`,
 * as one primitive named `op`; `check` validates the parameters and the input (and names the
 * layer in its errors). `reverse` is its backward pass as a lens (`Lens.reverse` of the same
 * function composed of ops, which `Layer` builds), made when first asked for.
 */
export const fusedDense = (
  op: string,
  inputs: number,
  outputs: number,
  act: DenseActivation,
  check: (p: Dense, x: Tensor) => void,
  reverse: () => Lens<readonly [Input, Tensor], Input>
): Lens<Input, Tensor> => {
  const k = inputs
  const n = outputs
  const forward = ([p, x]: Input): Tensor => {
    check(p, x)
    const m = x.shape.length === 1 ? 1 : (x.shape[0] as number)
    const y = K.zeros(m * n)
    K.matmulNN(x.data, 0, p.W.data, 0, y, 0, m, k, n)
    // the bias after the product, as `ops.add` would: the same rounding as the composition
    const b = p.b.data
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) y[i * n + j] = (y[i * n + j] as number) + (b[j] as number)
    const shape = x.shape.length === 1 ? [n] : [m, n]
    checkFiniteResult(op, 'forward', y, shape, () => causeOf([['input', x], ['weights', p.W], ['bias', p.b]]))
    activate(act, y)
    return unsafeFromData(shape, y)
  }
  const backward = ([p, x]: Input, dy: Tensor, y: Tensor): readonly [Dense, Tensor] => {
    const m = x.shape.length === 1 ? 1 : (x.shape[0] as number)
    const dz = derivative(act, y.data, checkCotangent(op, dy, y.shape).data)
    const dW = K.zeros(k * n)
    // the kernel's own scan (fused into the product) finds a non-finite entry
    const badW = K.matmulTN(x.data, 0, dz, 0, dW, 0, k, m, n, true)
    const db = K.zeros(n)
    for (let i = 0; i < m; i++) for (let j = 0; j < n; j++) db[j] = (db[j] as number) + (dz[i * n + j] as number)
    const cause = (): string => causeOf([['input', x], ['weights', p.W], ['output cotangent', dy]])
    if (badW >= 0) throw nonFinite(op, 'backward', dW, p.W.shape, badW, cause)
    checkFiniteResult(op, 'backward', db, p.b.shape, cause)
    const W = p.W.data
    const input = (): Float64Array => {
      const dx = K.zeros(m * k)
      const bad = K.matmulNT(dz, 0, W, 0, dx, 0, m, n, k, true)
      if (bad >= 0) throw nonFinite(op, 'backward', dx, x.shape, bad, cause)
      return dx
    }
    // the input's cotangent of a large layer is computed when read (see ops.matmul)
    const dx = m * n * k < LAZY_MIN_WORK ? unsafeFromData(x.shape, input()) : lazyFromData(x.shape, input)
    return [{ W: unsafeFromData(p.W.shape, dW), b: unsafeFromData(p.b.shape, db) }, dx]
  }
  return withReverse(op, fromPlan<Input, Tensor>(primPlan(forward as Fn, backward as Bwd, op)), reverse)
}
