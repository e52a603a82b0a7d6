/**
 * Binary primitive lenses on pairs of tensors, `readonly [Tensor, Tensor]`, with numpy's
 * broadcasting: the shapes are aligned on their last axis, and along each axis the lengths
 * must be equal or one of them 1 (a missing axis counts as 1). Incompatible shapes throw
 * `ops.add: shapes [2,3] and [4] do not broadcast`.
 *
 * The backward pass *un-broadcasts*: the cotangent of an operand that was broadcast is
 * summed over the broadcast axes, so each input receives a cotangent of its own shape.
 *
 * Conventions: `div` needs a non-zero denominator everywhere; `power` needs a positive
 * base everywhere (its derivative in the exponent is `log(a)·aᵇ`; for a constant exponent
 * and any base use `pow(n)`); at ties, `maximum` and `minimum` split the cotangent equally
 * between the operands (as PyTorch and JAX do), so the gradient at a tie is the average of
 * the one-sided ones.
 *
 * Higher order: each backward pass is also a lens on `[[a, b], dy]`, written with these ops
 * (`[dy·b, dy·a]` for `mul`) and un-broadcast by a sum to each operand's shape, so it can be
 * differentiated again; `maximum` and `minimum` route `dy` by shares that are constant away
 * from ties, so their second derivative is zero there.
 *
 * @module ops/binary
 */
// One piece, past 400 lines: the binary ops share the broadcasting helpers and the backward
// lenses on `[[a, b], dy]` above them; about 40% of the file is doc comments with examples.
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import { fanout, fst, id, make, snd, split, type Lens } from '../Lens.js'
import * as K from '../kernels/index.js'
import { broadcastShapes } from '../Tensor.js'
import { erase, type AnyLens } from '../internal/plan.js'
import { shaped, zeroOf } from '../internal/structure.js'
import { broadcastTo, chain, sumToShape, sumToShapeOf, validated, withReverse } from '../internal/tensor-structure.js'
import { log, neg, shift } from './elementwise.js'
import {
  checkCotangent,
  broadcastValueAt,
  checkFiniteResult,
  checkSize,
  expectTensorPair,
  shapeSize,
  showIndex,
  unravel,
  unsafeFromData,
  type Shape,
  type Tensor
} from '../internal/tensor.js'

/**
 * Two tensors: the input of the binary ops.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const pair: ops.TensorPair = [Tensor.fromNested([1, 2]), Tensor.scalar(10)]
 * console.log(Lens.evaluate(ops.add, pair).data) // Float64Array(2) [ 11, 12 ]
 *
 * @category model
 */
export type TensorPair = readonly [Tensor, Tensor]

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const checkPair = (op: string, x: unknown): TensorPair => {
  expectTensorPair(op, x)
  return x as TensorPair
}

/** Throws unless a result of the output's shape is finite, naming both inputs at the first bad index. */
const checkForward = (op: string, y: ReadonlyFloat64Array, shape: Shape, a: Tensor, b: Tensor): void =>
  checkFiniteResult(op, 'forward', y, shape, (i) => `from inputs ${broadcastValueAt(a, shape, i)} and ${broadcastValueAt(b, shape, i)}`)

/** Throws unless a per-element cotangent (of the output's shape) is finite. */
const checkBackward = (op: string, g: ReadonlyFloat64Array, a: Tensor, b: Tensor, dy: Tensor): void =>
  checkFiniteResult(
    op,
    'backward',
    g,
    dy.shape,
    (i) => `from inputs ${broadcastValueAt(a, dy.shape, i)} and ${broadcastValueAt(b, dy.shape, i)} and output cotangent ${dy.data[i] as number}`
  )

/** `a ∘ b` broadcast, as a tensor, checked finite. */
const apply = (op: string, code: K.BinaryOp, a: Tensor, b: Tensor): Tensor => {
  const shape = broadcastShapes(op, a.shape, b.shape)
  const y = K.broadcast(code, a.data, a.shape, b.data, b.shape, shape, checkSize(op, shape))
  checkForward(op, y, shape, a, b)
  return unsafeFromData(shape, y)
}

/** `g ∘ t` where `g` has the output's shape and `t` broadcasts to it: data of the output's size. */
const withOperand = (code: K.BinaryOp, g: ReadonlyFloat64Array, shape: Shape, t: Tensor): Float64Array =>
  K.broadcast(code, g, shape, t.data, t.shape, shape, g.length)

/** The cotangent of an operand of shape `to`, from data of the output's shape (sums checked finite). */
const unbroadcast = (op: string, d: ReadonlyFloat64Array, from: Shape, to: Tensor): Tensor => {
  const summed = K.sumTo(d, from, to.shape, to.size)
  if (summed !== d) checkFiniteResult(op, 'backward', summed, to.shape, () => 'summing the cotangent over the broadcast axes')
  return unsafeFromData(to.shape, summed)
}

/** The cotangent of an operand that passes through unchanged (possibly broadcast). */
const passThrough = (op: string, dy: Tensor, to: Tensor): Tensor => {
  if (to.size !== dy.size) return unbroadcast(op, dy.data, dy.shape, to)
  return to.shape === dy.shape ? dy : unsafeFromData(to.shape, dy.data)
}

// -------------------------------------------------------------------------------------
// backward passes as lenses, on [[a, b], dy]
// -------------------------------------------------------------------------------------

const OPERAND_A: AnyLens = chain(fst(), fst())
const OPERAND_B: AnyLens = chain(fst(), snd())
const COTANGENT: AnyLens = erase(snd())

/**
 * `[[a, b], dy] ↦ [toA, toB]` summed to the shapes of `a` and `b`, from lenses `toA`, `toB`
 * of `[[a, b], dy]` to tensors of the output's shape.
 */
const unbroadcastEach = (op: string, toA: AnyLens, toB: AnyLens): Lens<readonly [TensorPair, Tensor], TensorPair> =>
  chain(
    validated<TensorPair>(op, (ab, dy) => {
      const [a, b] = checkPair(op, ab)
      checkCotangent(op, dy, broadcastShapes(op, a.shape, b.shape))
    }),
    fanout(chain(fanout(OPERAND_A, toA), sumToShapeOf), chain(fanout(OPERAND_B, toB), sumToShapeOf))
  ) as unknown as Lens<readonly [TensorPair, Tensor], TensorPair>

/**
 * The backward pass of `a + sign·b` as a lens: `[[a, b], dy] ↦ [dy, sign·dy]` un-broadcast,
 * linear in `dy` and reading `[a, b]` for their shapes; its transpose broadcasts back.
 */
const signedUnbroadcast = (op: string, sign: 1 | -1): Lens<readonly [TensorPair, Tensor], TensorPair> => {
  return shaped<TensorPair, Tensor, TensorPair>(
    `${op}′`,
    (ab, dy) => {
      const [a, b] = checkPair(op, ab)
      const d = checkCotangent(op, dy, broadcastShapes(op, a.shape, b.shape))
      const toB = sign === 1 ? d : unsafeFromData(d.shape, K.affine(d.data, -1, 0))
      return [sumToShape(d, a.shape), sumToShape(toB, b.shape)]
    },
    (_ab, dy, w) => {
      const [wa, wb] = checkPair(`${op}′ (cotangent)`, w)
      return unsafeFromData(dy.shape, K.zip(sign === 1 ? K.ADD : K.SUB, broadcastTo(wa, dy.shape).data, broadcastTo(wb, dy.shape).data))
    }
  )
}

const requireAll = (op: string, which: string, t: Tensor, ok: (v: number) => boolean, requirement: string): void => {
  const i = K.findInvalid(t.data, ok)
  if (i >= 0) {
    throw new RangeError(`${op}: ${requirement}, got ${t.data[i] as number} at index ${showIndex(unravel(i, t.shape))} of the ${which} input`)
  }
}

// -------------------------------------------------------------------------------------
// arithmetic
// -------------------------------------------------------------------------------------

/**
 * `a + b`, broadcast; each cotangent is the output's, summed over the axes its operand was
 * broadcast along.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * const b = Tensor.fromNested([10, 20, 30])
 * const [y, [dx, db]] = Lens.valueAndGrad(ops.add, [x, b] as const, Tensor.ones([2, 3]))
 * console.log(Tensor.toNested(y), db.data) // [ [ 11, 22, 33 ], [ 14, 25, 36 ] ] Float64Array(3) [ 2, 2, 2 ]
 * try { Lens.evaluate(ops.add, [Tensor.zeros([2, 3]), Tensor.zeros([4])]) } catch (e) { console.log((e as Error).message) } // ops.add: shapes [2,3] and [4] do not broadcast
 *
 * @category arithmetic
 */
export const add: Lens<TensorPair, Tensor> = withReverse(
  'ops.add',
  make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair('ops.add', x)
      return apply('ops.add', K.ADD, a, b)
    },
    backward: ([a, b], dy, y) => {
      const d = checkCotangent('ops.add', dy, y.shape)
      return [passThrough('ops.add', d, a), passThrough('ops.add', d, b)]
    }
  }),
  () => signedUnbroadcast('ops.add', 1),
  'linear'
)

/**
 * `a − b`, broadcast.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.sub, [Tensor.fromNested([5, 7]), Tensor.scalar(1)] as const, Tensor.ones([2]))
 * console.log(y.data, da.data, db.data) // Float64Array(2) [ 4, 6 ] Float64Array(2) [ 1, 1 ] Float64Array(1) [ -2 ]
 *
 * @category arithmetic
 */
export const sub: Lens<TensorPair, Tensor> = withReverse(
  'ops.sub',
  make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair('ops.sub', x)
      return apply('ops.sub', K.SUB, a, b)
    },
    backward: ([a, b], dy, y) => {
      const d = checkCotangent('ops.sub', dy, y.shape)
      const minus = K.affine(d.data, -1, 0)
      return [passThrough('ops.sub', d, a), unbroadcast('ops.sub', minus, d.shape, b)]
    }
  }),
  () => signedUnbroadcast('ops.sub', -1),
  'linear'
)

/**
 * `a · b`, elementwise and broadcast.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.mul, [Tensor.fromNested([1, 2]), Tensor.fromNested([3, 4])] as const, Tensor.ones([2]))
 * console.log(y.data, da.data, db.data) // Float64Array(2) [ 3, 8 ] Float64Array(2) [ 3, 4 ] Float64Array(2) [ 1, 2 ]
 *
 * @category arithmetic
 */
export const mul: Lens<TensorPair, Tensor> = withReverse(
  'ops.mul',
  make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair('ops.mul', x)
      return apply('ops.mul', K.MUL, a, b)
    },
    backward: ([a, b], dy, y) => {
      const d = checkCotangent('ops.mul', dy, y.shape)
      const toA = withOperand(K.MUL, d.data, d.shape, b)
      checkBackward('ops.mul', toA, a, b, d)
      const toB = withOperand(K.MUL, d.data, d.shape, a)
      checkBackward('ops.mul', toB, a, b, d)
      return [unbroadcast('ops.mul', toA, d.shape, a), unbroadcast('ops.mul', toB, d.shape, b)]
    }
  }),
  // [dy·b, dy·a], each summed to its operand's shape
  () => unbroadcastEach('ops.mul', chain(fanout(COTANGENT, OPERAND_B), mul), chain(fanout(COTANGENT, OPERAND_A), mul)),
  // the pullback of [dy·b, dy·a] at [ua, ub]: [dy·ub, dy·ua] un-broadcast for [a, b], ua·b + a·ub for dy
  (x, dy, _y, u, wantX) => {
    const [a, b] = x as TensorPair
    const [ua, ub] = checkPair('ops.mul′', u)
    const d = dy as Tensor
    const du = unsafeFromData(d.shape, K.zip(K.ADD, apply('ops.mul′', K.MUL, ua, b).data, apply('ops.mul′', K.MUL, a, ub).data))
    if (!wantX) return [undefined, du]
    const toA = withOperand(K.MUL, d.data, d.shape, ub)
    const toB = withOperand(K.MUL, d.data, d.shape, ua)
    return [[unbroadcast('ops.mul′', toA, d.shape, a), unbroadcast('ops.mul′', toB, d.shape, b)], du]
  }
)

/**
 * `a / b`, elementwise and broadcast; every element of `b` must be non-zero.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.div, [Tensor.fromNested([3, 1]), Tensor.scalar(2)] as const, Tensor.ones([2]))
 * console.log(y.data, da.data, db.data) // Float64Array(2) [ 1.5, 0.5 ] Float64Array(2) [ 0.5, 0.5 ] Float64Array(1) [ -1 ]
 * try { Lens.evaluate(ops.div, [Tensor.ones([2]), Tensor.fromNested([1, 0])]) } catch (e) { console.log((e as Error).message) } // ops.div: the denominator must be non-zero, got 0 at index [1] of the second input
 *
 * @category arithmetic
 */
export const div: Lens<TensorPair, Tensor> = withReverse(
  'ops.div',
  make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair('ops.div', x)
      const shape = broadcastShapes('ops.div', a.shape, b.shape)
      requireAll('ops.div', 'second', b, (v) => v !== 0, 'the denominator must be non-zero')
      const q = K.broadcast(K.DIV, a.data, a.shape, b.data, b.shape, shape, shapeSize(shape))
      checkForward('ops.div', q, shape, a, b)
      return unsafeFromData(shape, q)
    },
    backward: ([a, b], dy, y) => {
      const d = checkCotangent('ops.div', dy, y.shape)
      // ∂/∂a = 1/b; ∂/∂b = −a/b² = −y/b.
      const da = withOperand(K.DIV, d.data, d.shape, b)
      const dyy = K.zip(K.MUL, d.data, y.data)
      const db = withOperand(NEG_ONE_TIMES_DIV, dyy, d.shape, b)
      checkBackward('ops.div', da, a, b, d)
      checkBackward('ops.div', db, a, b, d)
      return [unbroadcast('ops.div', da, d.shape, a), unbroadcast('ops.div', db, d.shape, b)]
    }
  }),
  // [dy / b, −(dy·(a / b)) / b], each summed to its operand's shape (the order of the
  // first-order pass, so that the two agree exactly)
  () =>
    unbroadcastEach(
      'ops.div',
      chain(fanout(COTANGENT, OPERAND_B), div),
      chain(fanout(chain(fanout(COTANGENT, chain(fst(), div)), mul), OPERAND_B), div, neg)
    )
)

const NEG_ONE_TIMES_DIV = (u: number, v: number): number => -u / v

/**
 * `aᵇ`, elementwise and broadcast, with a tensor exponent (numpy's `power`); every element
 * of the base must be > 0 (the derivative in the exponent is `aᵇ·log a`). For a constant
 * exponent and any base, use `pow(n)`.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.power, [Tensor.fromNested([2, 4]), Tensor.scalar(0.5)] as const, Tensor.ones([2]))
 * console.log(y.data, da.data, db.data) // Float64Array(2) [ 1.4142135623730951, 2 ] Float64Array(2) [ 0.35355339059327373, 0.25 ] Float64Array(1) [ 3.7528468657083285 ]
 *
 * @category arithmetic
 */
export const power: Lens<TensorPair, Tensor> = withReverse(
  'ops.power',
  make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair('ops.power', x)
      const shape = broadcastShapes('ops.power', a.shape, b.shape)
      requireAll('ops.power', 'first', a, (v) => v > 0, 'the base must be > 0')
      const y = K.broadcast(Math.pow, a.data, a.shape, b.data, b.shape, shape, shapeSize(shape))
      checkForward('ops.power', y, shape, a, b)
      return unsafeFromData(shape, y)
    },
    backward: ([a, b], dy, y) => {
      const d = checkCotangent('ops.power', dy, y.shape)
      const shape = d.shape
      const n = d.size
      // ∂/∂a = b·aᵇ⁻¹ (computed directly, exact when y underflows); ∂/∂b = y·log a.
      const dA = withOperand(K.MUL, K.broadcast(POW_DERIVATIVE, a.data, a.shape, b.data, b.shape, shape, n), shape, d)
      const logA = K.broadcast(LOG_FIRST, a.data, a.shape, b.data, b.shape, shape, n)
      const dB = K.zip(K.MUL, K.zip(K.MUL, logA, y.data), d.data)
      checkBackward('ops.power', dA, a, b, d)
      checkBackward('ops.power', dB, a, b, d)
      return [unbroadcast('ops.power', dA, shape, a), unbroadcast('ops.power', dB, shape, b)]
    }
  }),
  // [dy·(b·a^(b−1)), dy·(log a·aᵇ)], each summed to its operand's shape
  () =>
    unbroadcastEach(
      'ops.power',
      chain(fanout(COTANGENT, chain(fst(), fanout(erase(snd()), chain(split(id(), shift(-1)), power)), mul)), mul),
      chain(fanout(COTANGENT, chain(fst(), fanout(chain(fst(), log), erase(power)), mul)), mul)
    )
)

const POW_DERIVATIVE = (a: number, b: number): number => (b === 0 ? 0 : b * a ** (b - 1))
const LOG_FIRST = (a: number): number => Math.log(a)

// -------------------------------------------------------------------------------------
// comparisons
// -------------------------------------------------------------------------------------

/** The share of the cotangent that goes to `a` in `maximum(a, b)`: 1, ½ at a tie, 0. */
const FIRST_IS_MAX = (a: number, b: number): number => (a > b ? 1 : a === b ? 0.5 : 0)
const FIRST_IS_MIN = (a: number, b: number): number => (a < b ? 1 : a === b ? 0.5 : 0)

const extremum = (op: string, pick: (a: number, b: number) => number, share: (a: number, b: number) => number): Lens<TensorPair, Tensor> => {
  const backward = ([a, b]: TensorPair, dy: Tensor, y: Tensor): TensorPair => {
    const d = checkCotangent(op, dy, y.shape)
    const shape = d.shape
    const toA = K.zip(K.MUL, K.broadcast(share, a.data, a.shape, b.data, b.shape, shape, d.size), d.data)
    const toB = K.zip(K.SUB, d.data, toA)
    return [unbroadcast(op, toA, shape, a), unbroadcast(op, toB, shape, b)]
  }
  const lens = make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = checkPair(op, x)
      return apply(op, pick, a, b)
    },
    backward
  })
  // [[a, b], dy] ↦ [share·dy, (1 − share)·dy] un-broadcast: linear in dy and piecewise
  // constant in [a, b] (the shares change only at ties), so a shaped step, whose
  // derivative in [a, b] is zero away from ties. Its transpose mixes the two cotangents,
  // broadcast to the output's shape, by the shares.
  const name = `${op}′`
  const mix = ([a, b]: TensorPair, shape: Tensor['shape'], w: unknown): Tensor => {
    const [wa, wb] = checkPair(`${name} (cotangent)`, w)
    const n = shapeSize(shape)
    const shares = K.broadcast(share, a.data, a.shape, b.data, b.shape, shape, n)
    const fromA = broadcastTo(wa, shape).data
    const fromB = broadcastTo(wb, shape).data
    const out = K.zeros(n)
    for (let i = 0; i < n; i++) {
      const s = shares[i] as number
      out[i] = s * (fromA[i] as number) + (fromB[i] as number) - s * (fromB[i] as number)
    }
    return unsafeFromData(shape, out)
  }
  return withReverse(
    op,
    lens,
    () =>
      shaped<TensorPair, Tensor, TensorPair>(
        name,
        (ab, dy) => {
          const [a, b] = checkPair(op, ab)
          // the backward pass reads the output for its shape only, which the cotangent has
          const d = checkCotangent(op, dy, broadcastShapes(op, a.shape, b.shape))
          return backward([a, b], d, d)
        },
        (ab, dy, w) => mix(ab, dy.shape, w)
      ),
    // the pullback of the routing at u: nothing for [a, b], the routing transposed for dy
    (x, _dy, y, u, wantX) => [wantX ? zeroOf(x) : undefined, mix(x as TensorPair, (y as Tensor).shape, u)]
  )
}

/**
 * The elementwise maximum, broadcast. The cotangent goes to the larger operand; at a tie
 * it is split equally (½ each, as PyTorch and JAX).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.maximum, [Tensor.fromNested([1, 5, 3]), Tensor.scalar(3)] as const, Tensor.ones([3]))
 * console.log(y.data, da.data, db.data) // Float64Array(3) [ 3, 5, 3 ] Float64Array(3) [ 0, 1, 0.5 ] Float64Array(1) [ 1.5 ]
 *
 * @category comparisons
 */
export const maximum: Lens<TensorPair, Tensor> = extremum('ops.maximum', (a, b) => (a >= b ? a : b), FIRST_IS_MAX)

/**
 * The elementwise minimum, broadcast. The cotangent goes to the smaller operand; at a tie
 * it is split equally (½ each, as PyTorch and JAX).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, [da, db]] = Lens.valueAndGrad(ops.minimum, [Tensor.fromNested([1, 5, 3]), Tensor.scalar(3)] as const, Tensor.ones([3]))
 * console.log(y.data, da.data, db.data) // Float64Array(3) [ 1, 3, 3 ] Float64Array(3) [ 1, 0, 0.5 ] Float64Array(1) [ 1.5 ]
 *
 * @category comparisons
 */
export const minimum: Lens<TensorPair, Tensor> = extremum('ops.minimum', (a, b) => (a <= b ? a : b), FIRST_IS_MIN)
