/**
 * Plain tensor arithmetic for preparing data (normalising inputs, building targets, mixing
 * batches): functions from tensors to a tensor, with no lens and no gradient, on the kernels
 * the ops run. Re-exported by the public `Tensor` module, which lists them under
 * "arithmetic"; here because `Tensor.ts` holds the model, the constructors and the
 * destructors, and these are a family of their own.
 *
 * The rules are the ops' rules: numpy broadcasting for the binary functions (a `RangeError`
 * naming both shapes otherwise), sizes checked before allocating, and no `NaN` or infinity
 * ever returned: a result that is not finite throws a `RangeError` naming the function, the
 * first bad index, the shape and the inputs there (the policy of the architecture guide,
 * "Non-finite values").
 *
 * @internal
 * @module internal/tensor-arith
 */
import * as K from '../kernels/index.js'
import { describe } from './guards.js'
import {
  type Tensor,
  allocate,
  broadcastShapes,
  broadcastValueAt,
  causeOf,
  checkFiniteResult,
  checkSize,
  checkTensor,
  nonFinite,
  showShape,
  unravel,
  unsafeFromData
} from './tensor.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const binary = (op: string, code: K.BinaryOp, a: Tensor, b: Tensor): Tensor => {
  checkTensor(op, a)
  checkTensor(op, b)
  const shape = broadcastShapes(op, a.shape, b.shape)
  const y = K.broadcast(code, a.data, a.shape, b.data, b.shape, shape, checkSize(op, shape))
  checkFiniteResult(op, 'forward', y, shape, (i) => `from inputs ${broadcastValueAt(a, shape, i)} and ${broadcastValueAt(b, shape, i)}`)
  return unsafeFromData(shape, y)
}

// -------------------------------------------------------------------------------------
// arithmetic
// -------------------------------------------------------------------------------------

/**
 * `a + b` elementwise, with numpy broadcasting. Not differentiable: for programs to
 * differentiate, use `ops.add`.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2], [3, 4]])
 * console.log(Tensor.toNested(Tensor.add(x, Tensor.fromNested([10, 20])))) // [ [ 11, 22 ], [ 13, 24 ] ]
 * try { Tensor.add(x, Tensor.zeros([3])) } catch (e) { console.log((e as Error).message) } // Tensor.add: shapes [2,2] and [3] do not broadcast
 *
 * @category arithmetic
 */
export const add = (a: Tensor, b: Tensor): Tensor => binary('Tensor.add', K.ADD, a, b)

/**
 * `a − b` elementwise, with numpy broadcasting (centring data: `sub(x, mean)`).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.sub(Tensor.fromNested([[1, 2], [3, 4]]), Tensor.fromNested([1, 2])))) // [ [ 0, 0 ], [ 2, 2 ] ]
 *
 * @category arithmetic
 */
export const sub = (a: Tensor, b: Tensor): Tensor => binary('Tensor.sub', K.SUB, a, b)

/**
 * `a · b` elementwise, with numpy broadcasting (masks, per-feature weights).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.mul(Tensor.fromNested([1, 2, 3]), Tensor.fromNested([0, 1, 0])))) // [ 0, 2, 0 ]
 * try { Tensor.mul(Tensor.fromNested([1e200]), Tensor.fromNested([1e200])) } catch (e) { console.log((e as Error).message) } // Tensor.mul: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from inputs 1e+200 and 1e+200
 *
 * @category arithmetic
 */
export const mul = (a: Tensor, b: Tensor): Tensor => binary('Tensor.mul', K.MUL, a, b)

/**
 * `a / b` elementwise, with numpy broadcasting (standardising: `div(sub(x, mean), std)`).
 * Division by zero gives an infinity or `NaN`, so it throws, naming the index and the inputs.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.div(Tensor.fromNested([[2, 4], [6, 8]]), Tensor.fromNested([2, 4])))) // [ [ 1, 1 ], [ 3, 2 ] ]
 * try { Tensor.div(Tensor.fromNested([1, 2]), Tensor.fromNested([1, 0])) } catch (e) { console.log((e as Error).message) } // Tensor.div: the result is not finite (Infinity) in the forward pass, at index [1] of shape [2], from inputs 2 and 0
 *
 * @category arithmetic
 */
export const div = (a: Tensor, b: Tensor): Tensor => binary('Tensor.div', K.DIV, a, b)

/**
 * `c · t` for a finite number `c`.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.scale(Tensor.fromNested([1, 2]), 1 / 255))) // [ 0.00392156862745098, 0.00784313725490196 ]
 *
 * @category arithmetic
 */
export const scale = (t: Tensor, c: number): Tensor => {
  const op = 'Tensor.scale'
  checkTensor(op, t)
  if (typeof c !== 'number' || !Number.isFinite(c)) throw new RangeError(`${op}: the factor must be a finite number, got ${describe(c)}`)
  const y = K.affine(t.data, c, 0)
  checkFiniteResult(op, 'forward', y, t.shape, (i) => `from input ${t.data[i] as number}`)
  return unsafeFromData(t.shape, y)
}

/**
 * `f` applied to every element (`f(value, flatIndex)`). `f` must return finite numbers: any
 * other value throws, naming the index and the input.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.toNested(Tensor.map(Tensor.fromNested([[1, -2], [3, -4]]), (v) => Math.max(v, 0)))) // [ [ 1, 0 ], [ 3, 0 ] ]
 * try { Tensor.map(Tensor.fromNested([4, -1]), Math.sqrt) } catch (e) { console.log((e as Error).message) } // Tensor.map: the result is not finite (NaN) in the forward pass, at index [1] of shape [2], from input -1
 *
 * @category arithmetic
 */
export const map = (t: Tensor, f: (value: number, index: number) => number): Tensor => {
  const op = 'Tensor.map'
  checkTensor(op, t)
  if (typeof f !== 'function') throw new TypeError(`${op}: expected a function, got ${describe(f)}`)
  const x = t.data
  const y = allocate(op, t.shape, x.length)
  for (let i = 0; i < x.length; i++) {
    const v: unknown = f(x[i] as number, i)
    if (typeof v !== 'number') throw new TypeError(`${op}: the function returned ${describe(v)} at index [${unravel(i, t.shape).join(', ')}], from input ${x[i] as number}`)
    y[i] = v
  }
  checkFiniteResult(op, 'forward', y, t.shape, (i) => `from input ${x[i] as number}`)
  return unsafeFromData(t.shape, y)
}

/**
 * The matrix product `[m,k] × [k,n] → [m,n]` of two rank-2 tensors, on the kernels of
 * `ops.matmul` (which also takes batched and rank-1 operands, and is differentiable).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * const a = Tensor.fromNested([[1, 2], [3, 4]])
 * console.log(Tensor.toNested(Tensor.matmul(a, Tensor.fromNested([[1], [1]])))) // [ [ 3 ], [ 7 ] ]
 * try { Tensor.matmul(a, Tensor.zeros([3, 1])) } catch (e) { console.log((e as Error).message) } // Tensor.matmul: shapes [2,2] and [3,1]: inner dimensions 2 and 3 differ
 *
 * @category arithmetic
 */
export const matmul = (a: Tensor, b: Tensor): Tensor => {
  const op = 'Tensor.matmul'
  checkTensor(op, a)
  checkTensor(op, b)
  if (a.shape.length !== 2 || b.shape.length !== 2) {
    throw new RangeError(`${op}: shapes ${showShape(a.shape)} and ${showShape(b.shape)}: operands must have rank 2 (ops.matmul takes batches and vectors)`)
  }
  const [m, k] = a.shape as readonly [number, number]
  const [kb, n] = b.shape as readonly [number, number]
  if (k !== kb) throw new RangeError(`${op}: shapes ${showShape(a.shape)} and ${showShape(b.shape)}: inner dimensions ${k} and ${kb} differ`)
  const shape = Object.freeze([m, n])
  const out = allocate(op, shape, m * n)
  const bad = K.matmulNN(a.data, 0, b.data, 0, out, 0, m, k, n, true)
  if (bad >= 0) throw nonFinite(op, 'forward', out, shape, bad, () => causeOf([['left operand', a], ['right operand', b]]))
  return unsafeFromData(shape, out)
}
