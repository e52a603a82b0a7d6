/**
 * Matrix products: `matmul` (2-D, batched with numpy's broadcasting of the leading axes,
 * and 1-D operands as numpy treats them) and the fixed-operand products `matmulLeft` /
 * `matmulRight`. The backward passes run the transposed products without building a
 * transpose (the NT and TN kernels of `kernels/`).
 *
 * Higher order: the backward pass of `matmul` is also a lens, `[[a, b], dy] ↦ [dy·bᵀ, aᵀ·dy]`,
 * made of the two transposed products, whose own backward passes are the other products
 * (so derivatives of every order run the same kernels); `matmulLeft` and `matmulRight` are
 * linear in their input, so theirs is the transposed product, whose transpose is the op.
 *
 * Every shape error names the op and both shapes. No lens mutates its input.
 *
 * @module ops/matmul
 */
// One piece, past 400 lines: the three products of a matrix product (a·b, dy·bᵀ, aᵀ·dy) are each
// other's derivatives, so their layout, the ops and the backward lenses stay together.
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import * as Lens from '../Lens.js'
import { Tensor, allocate, causeOf, checkCotangent, expectTensor, expectTensorPair, LAZY_MIN_WORK, lazyFromData, nonFinite, showShape, unsafeFromData, type Shape } from '../internal/tensor.js'
import { describe } from '../internal/guards.js'
import { fromPlan } from '../internal/cps.js'
import { primPlan, type AnyLens } from '../internal/plan.js'
import { linear, shaped, zeroOf } from '../internal/structure.js'
import { chain, once, validated, withReverse } from '../internal/tensor-structure.js'
import * as K from '../kernels/index.js'
import type { TensorPair } from './binary.js'

type Pair = TensorPair

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const expectPair = (op: string, x: unknown): Pair => {
  expectTensorPair(op, x)
  return x as Pair
}


// -------------------------------------------------------------------------------------
// matmul
// -------------------------------------------------------------------------------------

/** How one product is laid out: matrix sizes, output shape and, per batch item, offsets. */
interface Product {
  readonly m: number
  readonly k: number
  readonly n: number
  readonly shape: Shape
  /** Number of matrix products. */
  readonly count: number
  /** Offsets of each product's `a` and `b` matrices, or `null` when they are `t·m·k` and `t·k·n`. */
  readonly aOffsets: Int32Array | null
  readonly bOffsets: Int32Array | null
}

const plan = (op: string, aShape: Shape, bShape: Shape): Product => {
  // built only when an error is thrown: the happy path should not join strings
  const shapes = (): string => `shapes ${showShape(aShape)} and ${showShape(bShape)}`
  if (aShape.length === 0 || bShape.length === 0) {
    throw new RangeError(`${op}: ${shapes()}: operands must have rank at least 1 (use ops.mul to scale by a scalar)`)
  }
  const ar = aShape.length
  const br = bShape.length
  if (ar === 2 && br === 2) {
    // the common case, without the batch bookkeeping (it matters for tiny networks)
    const m = aShape[0] as number
    const k = aShape[1] as number
    const n = bShape[1] as number
    if (k !== bShape[0]) throw new RangeError(`${op}: ${shapes()}: inner dimensions ${k} and ${bShape[0] as number} differ`)
    return { m, k, n, shape: [m, n], count: 1, aOffsets: null, bOffsets: null }
  }
  const aVec = ar === 1
  const bVec = br === 1
  const m = aVec ? 1 : (aShape[ar - 2] as number)
  const k = aShape[ar - 1] as number
  const kb = bVec ? (bShape[0] as number) : (bShape[br - 2] as number)
  const n = bVec ? 1 : (bShape[br - 1] as number)
  if (k !== kb) throw new RangeError(`${op}: ${shapes()}: inner dimensions ${k} and ${kb} differ`)
  const aBatch = aVec ? [] : aShape.slice(0, ar - 2)
  const bBatch = bVec ? [] : bShape.slice(0, br - 2)
  const r = Math.max(aBatch.length, bBatch.length)
  const batch = new Array<number>(r)
  for (let i = 0; i < r; i++) {
    const da = i < r - aBatch.length ? 1 : (aBatch[i - (r - aBatch.length)] as number)
    const db = i < r - bBatch.length ? 1 : (bBatch[i - (r - bBatch.length)] as number)
    if (da !== db && da !== 1 && db !== 1) {
      throw new RangeError(`${op}: ${shapes()}: batch dimensions ${showShape(aBatch)} and ${showShape(bBatch)} do not broadcast`)
    }
    batch[i] = da === 1 ? db : da
  }
  const shape = [...batch]
  if (!aVec) shape.push(m)
  if (!bVec) shape.push(n)
  const count = K.product(batch)
  const aCount = K.product(aBatch)
  const bCount = K.product(bBatch)
  if (aCount === count && bCount === count) return { m, k, n, shape, count, aOffsets: null, bOffsets: null }
  // Broadcast batch axes: walk the output's batch index, with stride 0 on broadcast axes.
  const aSt = batchStrides(aBatch, r, m * k)
  const bSt = batchStrides(bBatch, r, k * n)
  const aOffsets = new Int32Array(count)
  const bOffsets = new Int32Array(count)
  const idx = new Array<number>(r).fill(0)
  let ao = 0
  let bo = 0
  for (let t = 0; t < count; t++) {
    aOffsets[t] = ao
    bOffsets[t] = bo
    for (let ax = r - 1; ax >= 0; ax--) {
      const i = (idx[ax] as number) + 1
      if (i < (batch[ax] as number)) {
        idx[ax] = i
        ao += aSt[ax] as number
        bo += bSt[ax] as number
        break
      }
      idx[ax] = 0
      ao -= (i - 1) * (aSt[ax] as number)
      bo -= (i - 1) * (bSt[ax] as number)
    }
  }
  return { m, k, n, shape, count, aOffsets, bOffsets }
}

/** Strides (in elements) of the batch axes aligned to rank `r`; 0 on missing and size-1 axes. */
const batchStrides = (batch: ReadonlyArray<number>, r: number, matrix: number): Array<number> => {
  const out = new Array<number>(r).fill(0)
  let s = matrix
  for (let i = batch.length - 1; i >= 0; i--) {
    const d = batch[i] as number
    out[i + r - batch.length] = d === 1 ? 0 : s
    s *= d
  }
  return out
}

// The kernels' `check` flag returns the first non-finite entry of each slice they write
// (WebAssembly scans it while it is staged); `earliest` keeps the smallest over the calls.
const earliest = (first: number, off: number, bad: number): number => (bad < 0 ? first : first < 0 ? off + bad : Math.min(first, off + bad))

const productForward = (op: string, a: Tensor, b: Tensor): Tensor => {
  const p = plan(op, a.shape, b.shape)
  const { m, k, n, count, aOffsets, bOffsets } = p
  const out = allocate(op, p.shape, count * m * n)
  const A = a.data
  const B = b.data
  let bad = -1
  if (aOffsets === null || bOffsets === null) {
    for (let t = 0; t < count; t++) bad = earliest(bad, t * m * n, K.matmulNN(A, t * m * k, B, t * k * n, out, t * m * n, m, k, n, true))
  } else if (bOffsets.every((o) => o === 0) && aOffsets.every((o, t) => o === t * m * k)) {
    // `b` is shared by the whole batch and `a` is not broadcast: one tall product.
    bad = K.matmulNN(A, 0, B, 0, out, 0, count * m, k, n, true)
  } else {
    for (let t = 0; t < count; t++) bad = earliest(bad, t * m * n, K.matmulNN(A, aOffsets[t] as number, B, bOffsets[t] as number, out, t * m * n, m, k, n, true))
  }
  if (bad >= 0) throw nonFinite(op, 'forward', out, p.shape, bad, () => causeOf([['left operand', a], ['right operand', b]]))
  return unsafeFromData(p.shape, out)
}

/** Throws naming `op` if a gradient's kernels found a non-finite entry (`bad ≥ 0`). */
const finiteGradient = (op: string, g: ReadonlyFloat64Array, shape: Shape, bad: number, a: Tensor, b: Tensor, dy: ReadonlyFloat64Array, dyShape: Shape): void => {
  if (bad >= 0) {
    throw nonFinite(op, 'backward', g, shape, bad, () =>
      causeOf([['left operand', a], ['right operand', b], ['output cotangent', unsafeFromData(dyShape, dy)]])
    )
  }
}

/** `da = dy · bᵀ`, summed over the batch items that share a matrix of `a`. */
const gradA = (p: Product, a: Tensor, b: Tensor, dy: ReadonlyFloat64Array, op = 'ops.matmul'): Tensor => {
  const { m, k, n, count, aOffsets, bOffsets } = p
  const da = K.zeros(a.size)
  const B = b.data
  let bad = -1
  if (aOffsets === null || bOffsets === null) {
    for (let t = 0; t < count; t++) bad = earliest(bad, t * m * k, K.matmulNT(dy, t * m * n, B, t * k * n, da, t * m * k, m, n, k, true))
  } else {
    for (let t = 0; t < count; t++) {
      const off = aOffsets[t] as number
      bad = earliest(bad, off, K.matmulNT(dy, t * m * n, B, bOffsets[t] as number, da, off, m, n, k, true))
    }
  }
  finiteGradient(op, da, a.shape, bad, a, b, dy, p.shape)
  return unsafeFromData(a.shape, da)
}

/** `db = aᵀ · dy`, summed over the batch items that share a matrix of `b`. */
const gradB = (p: Product, a: Tensor, b: Tensor, dy: ReadonlyFloat64Array, op = 'ops.matmul'): Tensor => {
  const { m, k, n, count, aOffsets, bOffsets } = p
  const db = K.zeros(b.size)
  const A = a.data
  let bad = -1
  if (aOffsets === null || bOffsets === null) {
    for (let t = 0; t < count; t++) bad = earliest(bad, t * k * n, K.matmulTN(A, t * m * k, dy, t * m * n, db, t * k * n, k, m, n, true))
  } else if (bOffsets.every((o) => o === 0) && aOffsets.every((o, t) => o === t * m * k)) {
    bad = K.matmulTN(A, 0, dy, 0, db, 0, k, count * m, n, true)
  } else {
    for (let t = 0; t < count; t++) {
      const off = bOffsets[t] as number
      bad = earliest(bad, off, K.matmulTN(A, aOffsets[t] as number, dy, t * m * n, db, off, k, m, n, true))
    }
  }
  finiteGradient(op, db, b.shape, bad, a, b, dy, p.shape)
  return unsafeFromData(b.shape, db)
}

/**
 * Matrix product of a pair, as numpy's `matmul`: `[m,k] × [k,n] → [m,n]`; with more axes,
 * the leading (batch) axes broadcast (`[...b, m, k] × [...b', k, n] → [...broadcast(b, b'), m, n]`)
 * and the gradient of a broadcast operand is summed over the axes it was broadcast along; a
 * 1-D left operand `[k]` is a row (its axis is dropped from the result), a 1-D right operand
 * a column. The backward pass computes `da = dy·bᵀ` and `db = aᵀ·dy` without materialising
 * transposes; for large products each is computed when its `data` is first read, so a
 * cotangent nobody reads (a training batch's) costs nothing. Rank-0 operands, inner dimensions
 * that differ and batch axes that do not broadcast throw a `RangeError` naming both shapes. A
 * product or gradient entry that is not finite throws a `RangeError` naming the pass, its index
 * and the operand value that caused it (a non-finite entry of an operand) or the operands'
 * largest magnitudes (an overflow); a lazy cotangent throws it when it is read.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const a = Tensor.fromNested([[1, 2], [3, 4]])
 * const b = Tensor.fromNested([[5, 6], [7, 8]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.matmul, [a, b]))) // [ [ 19, 22 ], [ 43, 50 ] ]
 * const [da, db] = Lens.backPropagateConst(ops.matmul, Tensor.ones([2, 2]), [a, b])
 * console.log(Tensor.toNested(da), Tensor.toNested(db)) // [ [ 11, 15 ], [ 11, 15 ] ] [ [ 4, 4 ], [ 6, 6 ] ]
 * try { Lens.evaluate(ops.matmul, [Tensor.zeros([2, 3]), Tensor.zeros([4, 5])]) } catch (e) { console.log((e as Error).message) } // ops.matmul: shapes [2,3] and [4,5]: inner dimensions 3 and 4 differ
 * try { Lens.evaluate(ops.matmul, [Tensor.fill([1, 2], 1e200), Tensor.fill([2, 1], 1e200)]) } catch (e) { console.log((e as Error).message) } // ops.matmul: the result is not finite (Infinity) in the forward pass, at index [0, 0] of shape [1,1], from left operand values up to 1e+200 and right operand values up to 1e+200 in magnitude
 *
 * @category linear algebra
 */
export const matmul: Lens.Lens<TensorPair, Tensor> = withReverse(
  'ops.matmul',
  Lens.make<TensorPair, Tensor>({
    forward: (x) => {
      const [a, b] = expectPair('ops.matmul', x)
      return productForward('ops.matmul', a, b)
    },
    backward: ([a, b], dy, y) => {
      const p = plan('ops.matmul', a.shape, b.shape)
      const d = checkCotangent('ops.matmul', dy, y.shape).data
      // Large products' cotangents are computed when read: training never reads its input
      // batch's (the first layer's `da`, a third of the work), so it never computes it.
      if (p.count * p.m * p.k * p.n < LAZY_MIN_WORK) return [gradA(p, a, b, d), gradB(p, a, b, d)] as const
      return [lazyFromData(a.shape, () => gradA(p, a, b, d).data), lazyFromData(b.shape, () => gradB(p, a, b, d).data)] as const
    }
  }),
  // [[a, b], dy] ↦ [dy·bᵀ, aᵀ·dy], by the same kernels as the first-order pass
  () =>
    chain(
      validated<TensorPair>('ops.matmul', (ab, dy) => {
        const [a, b] = expectPair('ops.matmul', ab)
        checkCotangent('ops.matmul', dy, plan('ops.matmul', a.shape, b.shape).shape)
      }),
      Lens.fanout(transposedLeft, transposedRight)
    ) as unknown as Lens.Lens<readonly [TensorPair, Tensor], TensorPair>,
  // the pullback of [dy·bᵀ, aᵀ·dy] at [ua, ub]: [dy·ubᵀ, uaᵀ·dy] for [a, b], ua·b + a·ub for dy
  (x, dy, _y, u, wantX) => {
    const [a, b] = x as TensorPair
    const [ua, ub] = expectPair('ops.matmul′', u)
    const left = productForward('ops.matmul′', ua, b)
    const du = unsafeFromData(left.shape, K.zip(K.ADD, left.data, productForward('ops.matmul′', a, ub).data))
    if (!wantX) return [undefined, du]
    const p = plan('ops.matmul′', a.shape, b.shape)
    const d = (dy as Tensor).data
    return [[gradA(p, a, ub, d, 'ops.matmul′'), gradB(p, ua, b, d, 'ops.matmul′')], du]
  }
)

/**
 * `x ↦ a · x` for a fixed left operand `a` (same shapes as {@link matmul}). Only the
 * gradient of `x` is computed: use it when `a` is data rather than a parameter (the input
 * batch of a network's first layer), which saves a third of the work of {@link matmul}.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2], [3, 4]]) // a batch of two inputs
 * const layer = ops.matmulLeft(x) // w ↦ x · w
 * const w = Tensor.fromNested([[1], [1]])
 * console.log(Tensor.toNested(Lens.evaluate(layer, w))) // [ [ 3 ], [ 7 ] ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(layer, Tensor.ones([2, 1]), w))) // [ [ 4 ], [ 6 ] ]
 *
 * @category linear algebra
 */
export const matmulLeft = (a: Tensor): Lens.Lens<Tensor, Tensor> => {
  expectTensor('ops.matmulLeft', a, 'the fixed left operand')
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => productForward('ops.matmulLeft', a, expectTensor('ops.matmulLeft', x)),
    backward: (x, dy, y) => gradB(plan('ops.matmulLeft', a.shape, x.shape), a, x, checkCotangent('ops.matmulLeft', dy, y.shape).data, 'ops.matmulLeft')
  })
  // linear in x: [x, dy] ↦ aᵀ·dy (reading x for its shape), whose transpose is x ↦ a·x again
  const op = 'ops.matmulLeft'
  return withReverse(op, lens, () =>
    shaped<Tensor, Tensor, Tensor>(
      `${op}′`,
      (x, dy) => {
        const p = plan(op, a.shape, expectTensor(op, x).shape)
        return gradB(p, a, x, checkCotangent(op, dy, p.shape).data, op)
      },
      (x, _dy, w) => productForward(`${op}′`, a, checkCotangent(`${op}′`, w, x.shape))
    ),
    'linear'
  )
}

/**
 * `x ↦ x · b` for a fixed right operand `b` (same shapes as {@link matmul}). Only the
 * gradient of `x` is computed.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const w = Tensor.fromNested([[1, 0, 2], [0, 1, 3]])
 * const layer = ops.matmulRight(w) // x ↦ x · w
 * const x = Tensor.fromNested([[1, 2]])
 * console.log(Tensor.toNested(Lens.evaluate(layer, x))) // [ [ 1, 2, 8 ] ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(layer, Tensor.ones([1, 3]), x))) // [ [ 3, 4 ] ]
 *
 * @category linear algebra
 */
export const matmulRight = (b: Tensor): Lens.Lens<Tensor, Tensor> => {
  expectTensor('ops.matmulRight', b, 'the fixed right operand')
  const lens = Lens.make<Tensor, Tensor>({
    forward: (x) => productForward('ops.matmulRight', expectTensor('ops.matmulRight', x), b),
    backward: (x, dy, y) => gradA(plan('ops.matmulRight', x.shape, b.shape), x, b, checkCotangent('ops.matmulRight', dy, y.shape).data, 'ops.matmulRight')
  })
  // linear in x: [x, dy] ↦ dy·bᵀ (reading x for its shape), whose transpose is x ↦ x·b again
  const op = 'ops.matmulRight'
  return withReverse(op, lens, () =>
    shaped<Tensor, Tensor, Tensor>(
      `${op}′`,
      (x, dy) => {
        const p = plan(op, expectTensor(op, x).shape, b.shape)
        return gradA(p, x, b, checkCotangent(op, dy, p.shape).data, op)
      },
      (x, _dy, w) => productForward(`${op}′`, checkCotangent(`${op}′`, w, x.shape), b)
    ),
    'linear'
  )
}

// -------------------------------------------------------------------------------------
// higher order: the transposed products as lenses
// -------------------------------------------------------------------------------------

// The three products of `T(a, b, dy) = ⟨dy, a·b⟩` (batched and broadcast as matmul is):
// `a·b` (matmul), `dy·bᵀ` (its cotangent in a) and `aᵀ·dy` (its cotangent in b). Each is
// bilinear, and the derivatives of each are the other two: differentiating the
// cotangent-in-a, `dy·bᵀ`, with the cotangent `w` (of a's shape) gives `wᵀ·dy` for b and
// `w·b` for dy. So the backward passes of every order are written with these three lenses
// and re-pairings, and run the kernels of the first-order pass.

type Transposed = readonly [TensorPair, Tensor]

/** The operands `[a, b]` and the output cotangent `dy` of a product, checked. */
const operands = (op: string, x: unknown): { readonly a: Tensor; readonly b: Tensor; readonly dy: Tensor; readonly p: Product } => {
  if (!Array.isArray(x) || x.length !== 2) throw new TypeError(`${op}: expected [[a, b], dy], got ${describe(x)}`)
  const [a, b] = expectPair(op, x[0])
  const p = plan(op, a.shape, b.shape)
  return { a, b, dy: checkCotangent(op, x[1], p.shape), p }
}

/** `[[a, b], dy] ↦ dy·bᵀ`, of `a`'s shape (which it reads for the shape only). */
const transposedLeft: Lens.Lens<Transposed, Tensor> = fromPlan(
  primPlan(
    (x) => {
      const { a, b, dy, p } = operands('ops.matmul′ (dy·bᵀ)', x)
      return gradA(p, a, b, dy.data, 'ops.matmul′ (dy·bᵀ)')
    },
    (x, w) => {
      const [[a, b], dy] = x as Transposed
      const dw = checkCotangent('ops.matmul′ (dy·bᵀ)', w, a.shape)
      return [[zeroOf(a), gradB(plan('ops.matmul′ (dy·bᵀ)', a.shape, b.shape), dw, b, dy.data, 'ops.matmul′ (dy·bᵀ)')], productForward('ops.matmul′ (dy·bᵀ)', dw, b)]
    },
    'ops.matmul′ (dy·bᵀ)',
    null,
    // [[[a, b], dy], w] ↦ [[0, wᵀ·dy], w·b]
    once(() => transposedReverse(true))
  )
)

/** `[[a, b], dy] ↦ aᵀ·dy`, of `b`'s shape (which it reads for the shape only). */
const transposedRight: Lens.Lens<Transposed, Tensor> = fromPlan(
  primPlan(
    (x) => {
      const { a, b, dy, p } = operands('ops.matmul′ (aᵀ·dy)', x)
      return gradB(p, a, b, dy.data, 'ops.matmul′ (aᵀ·dy)')
    },
    (x, w) => {
      const [[a, b], dy] = x as Transposed
      const dw = checkCotangent('ops.matmul′ (aᵀ·dy)', w, b.shape)
      return [[gradA(plan('ops.matmul′ (aᵀ·dy)', a.shape, b.shape), a, dw, dy.data, 'ops.matmul′ (aᵀ·dy)'), zeroOf(b)], productForward('ops.matmul′ (aᵀ·dy)', a, dw)]
    },
    'ops.matmul′ (aᵀ·dy)',
    null,
    // [[[a, b], dy], w] ↦ [[dy·wᵀ, 0], a·w]
    once(() => transposedReverse(false))
  )
)

/**
 * The backward pass of `dy·bᵀ` (`left`) or `aᵀ·dy` as a lens, on `[[[a, b], dy], w]`: with
 * `w` in place of the operand it has the shape of, the other two products, then the zero of
 * that operand's cotangent put back beside them.
 */
const transposedReverse = (left: boolean): AnyLens => {
  type Input = readonly [Transposed, Tensor]
  // [[[a, b], dy], w] ↦ [kept, [[[w, b], dy], [w, b]]] (left) or [kept, [[[a, w], dy], [a, w]]],
  // `kept` being the operand that w replaces; the transpose adds the copies back up.
  const arrange = linear<Input, readonly [Tensor, readonly [Transposed, TensorPair]]>(
    left ? 'ops.matmul′′ (dy·bᵀ)' : 'ops.matmul′′ (aᵀ·dy)',
    ([[[a, b], dy], w]) => (left ? [a, [[[w, b], dy], [w, b]]] : [b, [[[a, w], dy], [a, w]]]),
    (_x, [kept, [[[p, q], ddy], [r, s]]]) => {
      const add = (u: Tensor, v: Tensor): Tensor => unsafeFromData(u.shape, K.zip(K.ADD, u.data, v.data))
      return left ? [[[kept, add(q, s)], ddy], add(p, r)] : [[[add(p, r), kept], ddy], add(q, s)]
    }
  )
  // [kept, [d, ddy]] ↦ [[[0, d], ddy]] (left) or [[[d, 0], ddy]]: a zero of the kept operand's shape
  const restore = shaped<Tensor, readonly [Tensor, Tensor], Transposed>(
    'ops.matmul′′',
    (kept, [d, ddy]) => (left ? [[zeroOf(kept) as Tensor, d], ddy] : [[d, zeroOf(kept) as Tensor], ddy]),
    (_kept, _u, [[p, q], ddy]) => [left ? q : p, ddy]
  )
  return chain(arrange, Lens.second(Lens.split(left ? transposedRight : transposedLeft, matmul)), restore)
}
