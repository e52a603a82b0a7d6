/**
 * Shape lenses on tensors: `transpose`, `reshape`, `concat`, `slice` and `index`. Their
 * backward passes move the cotangent back into the input's layout.
 *
 * Every shape error names the op and the shapes involved. No lens mutates its input;
 * `reshape` shares its input's buffer, which is safe because the library never writes into a
 * tensor's data after construction. The loops live in `kernels/layout.ts`.
 *
 * Higher order: every shape op is linear, so its backward pass as a lens is the backward pass
 * itself (reading the input for its shape only), whose transpose is the op again.
 *
 * @module ops/shape
 */
import * as Lens from '../Lens.js'
import { Tensor, checkCotangent, expectTensor, normaliseAxis, showShape, unsafeFromData, type Shape } from '../internal/tensor.js'
import { describe, expectInteger } from '../internal/guards.js'
import { shaped } from '../internal/structure.js'
import { withReverse } from '../internal/tensor-structure.js'
import * as K from '../kernels/index.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const showShapes = (shapes: ReadonlyArray<Shape>): string => {
  const s = shapes.map(showShape)
  return s.length <= 1 ? s.join('') : `${s.slice(0, -1).join(', ')} and ${s[s.length - 1] as string}`
}

/**
 * A linear shape op with its backward pass as a lens: `[x, dy] ↦ back(x, dy, shape of the
 * output)`, linear in `dy` and reading `x` for its shape, whose transpose is the op again.
 */
const linearOp = <A, B extends Tensor>(
  op: string,
  forward: (x: A) => B,
  back: (x: A, dy: B, outShape: Shape) => A,
  outShape: (x: A) => Shape
): Lens.Lens<A, B> =>
  withReverse(
    op,
    Lens.make<A, B>({ forward, backward: (x, dy, y) => back(x, dy, y.shape) }),
    () =>
      shaped<A, B, A>(
        `${op}′`,
        (x, dy) => back(x, dy, outShape(x)),
        (_x, _dy, w) => forward(w)
      ),
    'linear'
  )

// -------------------------------------------------------------------------------------
// transpose
// -------------------------------------------------------------------------------------

const resolvePerm = (op: string, perm: ReadonlyArray<number> | undefined, shape: Shape): Array<number> => {
  const r = shape.length
  if (perm === undefined) return Array.from({ length: r }, (_, i) => r - 1 - i)
  const bad = (): RangeError =>
    new RangeError(`${op}: perm ${showShape(perm)} is not a permutation of the ${r} axes of shape ${showShape(shape)}`)
  if (perm.length !== r) throw bad()
  const seen = new Array<boolean>(r).fill(false)
  const out = perm.map((p) => {
    if (p < -r || p >= r) throw bad()
    const q = p < 0 ? p + r : p
    if (seen[q]) throw bad()
    seen[q] = true
    return q
  })
  return out
}

/**
 * Permutes the axes: output axis `i` is input axis `perm[i]` (negative entries count from
 * the end). Without `perm`, reverses the axes (a matrix transpose for rank 2), as numpy does.
 * The backward pass applies the inverse permutation. A `perm` that is not a permutation of
 * the input's axes throws a `RangeError` naming it and the shape.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.transpose(), x))) // [ [ 1, 4 ], [ 2, 5 ], [ 3, 6 ] ]
 * console.log(Lens.evaluate(ops.transpose([1, 2, 0]), Tensor.zeros([2, 3, 4])).shape) // [ 3, 4, 2 ]
 *
 * @category structure
 */
export const transpose = (perm?: ReadonlyArray<number>): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.transpose'
  if (perm !== undefined) {
    if (!Array.isArray(perm)) throw new TypeError(`${op}: perm must be an array of axes, got ${describe(perm)}`)
    perm.forEach((p, i) => expectInteger(op, `perm[${i}]`, p))
  }
  const fixed = perm === undefined ? undefined : perm.slice()
  return linearOp<Tensor, Tensor>(
    op,
    (x) => {
      const { shape, data } = expectTensor(op, x)
      const p = resolvePerm(op, fixed, shape)
      return unsafeFromData(
        p.map((a) => shape[a] as number),
        K.permute(data, shape, p)
      )
    },
    (x, dy, outShape) => {
      checkCotangent(op, dy, outShape)
      const p = resolvePerm(op, fixed, x.shape)
      const inverse = new Array<number>(p.length)
      p.forEach((a, i) => {
        inverse[a] = i
      })
      return unsafeFromData(x.shape, K.permute(dy.data, dy.shape, inverse))
    },
    (x) => resolvePerm(op, fixed, expectTensor(op, x).shape).map((a) => x.shape[a] as number)
  )
}

// -------------------------------------------------------------------------------------
// reshape
// -------------------------------------------------------------------------------------

/**
 * The same data with another shape (row-major order is kept). One entry may be `-1`: it is
 * inferred from the size. A shape of another size throws a `RangeError` naming both shapes.
 * The output shares the input's buffer (tensors are never written to, so nobody can tell).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.reshape([3, -1]), x))) // [ [ 1, 2 ], [ 3, 4 ], [ 5, 6 ] ]
 * try { Lens.evaluate(ops.reshape([4, 2]), x) } catch (e) { console.log((e as Error).message) } // ops.reshape: cannot reshape shape [2,3] (6 elements) into [4,2] (8 elements)
 *
 * @category structure
 */
export const reshape = (shape: ReadonlyArray<number>): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.reshape'
  if (!Array.isArray(shape)) throw new TypeError(`${op}: expected a shape (an array of integers), got ${describe(shape)}`)
  const target = shape.slice()
  let free = -1
  target.forEach((d, i) => {
    expectInteger(op, `shape[${i}]`, d)
    if (d === -1) {
      if (free >= 0) throw new RangeError(`${op}: shape ${showShape(target)} has more than one -1`)
      free = i
    } else if (d < 0) {
      throw new RangeError(`${op}: invalid shape ${showShape(target)}: dimensions must be non-negative integers or one -1`)
    }
  })
  const known = free < 0 ? K.product(target) : K.product(target.filter((_, i) => i !== free))
  const forward = (x: Tensor): Tensor => {
    const { shape: from, data } = expectTensor(op, x)
    const size = data.length
    let out: Array<number> = target
    if (free >= 0) {
      if (known === 0 || size % known !== 0) {
        throw new RangeError(`${op}: cannot reshape shape ${showShape(from)} (${size} elements) into ${showShape(target)}`)
      }
      out = target.slice()
      out[free] = size / known
    } else if (known !== size) {
      throw new RangeError(`${op}: cannot reshape shape ${showShape(from)} (${size} elements) into ${showShape(target)} (${known} elements)`)
    } else {
      out = target.slice()
    }
    return unsafeFromData(out, data)
  }
  return linearOp<Tensor, Tensor>(
    op,
    forward,
    (x, dy, outShape) => unsafeFromData(x.shape, checkCotangent(op, dy, outShape).data),
    (x) => forward(x).shape
  )
}

// -------------------------------------------------------------------------------------
// concat, slice, index
// -------------------------------------------------------------------------------------

/**
 * Joins tensors along an existing axis (default 0; negative counts from the end). All
 * shapes must agree outside that axis; the backward pass slices the cotangent back into
 * pieces. Works on any array of tensors, pairs included: the input type is inferred where
 * the lens is used, or given as `concat<readonly [Tensor, Tensor]>(1)`. An empty array,
 * rank-0 tensors and shapes that differ outside the axis throw, naming all the shapes.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const a = Tensor.fromNested([[1, 2]])
 * const b = Tensor.fromNested([[3, 4], [5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.concat(0), [a, b]))) // [ [ 1, 2 ], [ 3, 4 ], [ 5, 6 ] ]
 * try { Lens.evaluate(ops.concat(1), [a, b]) } catch (e) { console.log((e as Error).message) } // ops.concat: shapes [1,2] and [2,2] differ outside axis 1
 *
 * @category structure
 */
export const concat = <Ts extends ReadonlyArray<Tensor> = ReadonlyArray<Tensor>>(axis = 0): Lens.Lens<Ts, Tensor> => {
  const op = 'ops.concat'
  expectInteger(op, 'axis', axis)
  const layout = (xs: ReadonlyArray<Tensor>) => {
    const shapes = xs.map((t) => t.shape)
    const first = shapes[0] as Shape
    const ax = normaliseAxis(op, axis, first, `${shapes.length === 1 ? 'shape' : 'shapes'} ${showShapes(shapes)}`)
    for (const s of shapes) {
      if (s.length !== first.length || s.some((d, i) => i !== ax && d !== first[i])) {
        throw new RangeError(`${op}: shapes ${showShapes(shapes)} differ outside axis ${axis}`)
      }
    }
    const mids = shapes.map((s) => s[ax] as number)
    const total = mids.reduce((acc, d) => acc + d, 0)
    return { ax, outer: K.product(first, 0, ax), inner: K.product(first, ax + 1), mids, total, first }
  }
  return linearOp<Ts, Tensor>(
    op,
    (xs) => {
      if (!Array.isArray(xs) || xs.length === 0) {
        throw new RangeError(`${op}: expected a non-empty array of tensors, got ${Array.isArray(xs) ? 'an empty array' : describe(xs)}`)
      }
      xs.forEach((t, i) => expectTensor(op, t, `element ${i}`))
      const { ax, outer, inner, mids, total, first } = layout(xs)
      const out = K.zeros(outer * total * inner)
      let at = 0
      xs.forEach((t, i) => {
        const mid = mids[i] as number
        K.copyInto(t.data, out, outer, mid, total, inner, at)
        at += mid
      })
      const shape = first.slice()
      shape[ax] = total
      return unsafeFromData(shape, out)
    },
    (xs, dy, outShape) => {
      checkCotangent(op, dy, outShape)
      const { outer, inner, mids, total } = layout(xs)
      let at = 0
      return xs.map((t, i) => {
        const mid = mids[i] as number
        const piece = unsafeFromData(t.shape, K.copyOut(dy.data, outer, total, inner, at, mid))
        at += mid
        return piece
      }) as unknown as Ts
    },
    (xs) => {
      const { ax, total, first } = layout(xs)
      const shape = first.slice()
      shape[ax] = total
      return shape
    }
  )
}

/**
 * The positions `[start, end)` along `axis` (the axis is kept, with length `end − start`).
 * Negative `axis`, `start` and `end` count from the end; `end` defaults to the axis's
 * length. Out-of-bounds ranges throw a `RangeError` naming the range and the shape (no
 * silent clamping). The backward pass scatters the cotangent into zeros.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.slice(1, 1), x))) // [ [ 2, 3 ], [ 5, 6 ] ]
 * console.log(Tensor.toNested(Lens.backPropagateConst(ops.slice(1, 0, -1), Tensor.ones([2, 2]), x))) // [ [ 1, 1, 0 ], [ 1, 1, 0 ] ]
 *
 * @category structure
 */
export const slice = (axis: number, start: number, end?: number): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.slice'
  expectInteger(op, 'axis', axis)
  expectInteger(op, 'start', start)
  if (end !== undefined) expectInteger(op, 'end', end)
  const layout = (shape: Shape) => {
    const ax = normaliseAxis(op, axis, shape)
    const d = shape[ax] as number
    const s = start < 0 ? start + d : start
    const e = end === undefined ? d : end < 0 ? end + d : end
    if (s < 0 || e > d || s > e) {
      throw new RangeError(`${op}: range [${start}, ${end ?? d}) is out of bounds for axis ${axis} of shape ${showShape(shape)}`)
    }
    return { ax, d, s, len: e - s, outer: K.product(shape, 0, ax), inner: K.product(shape, ax + 1) }
  }
  const outShape = (shape: Shape): Array<number> => {
    const { ax, len } = layout(shape)
    const out = shape.slice()
    out[ax] = len
    return out
  }
  return linearOp<Tensor, Tensor>(
    op,
    (x) => {
      const { shape, data } = expectTensor(op, x)
      const { ax, d, s, len, outer, inner } = layout(shape)
      const out = shape.slice()
      out[ax] = len
      return unsafeFromData(out, K.copyOut(data, outer, d, inner, s, len))
    },
    (x, dy, out) => {
      checkCotangent(op, dy, out)
      const { d, s, len, outer, inner } = layout(x.shape)
      const dx = K.zeros(x.size)
      K.copyInto(dy.data, dx, outer, len, d, inner, s)
      return unsafeFromData(x.shape, dx)
    },
    (x) => outShape(expectTensor(op, x).shape)
  )
}

/**
 * The position `i` along `axis`, with the axis dropped (numpy's `x[:, i]` for `axis = 1`).
 * Negative `axis` and `i` count from the end; an out-of-bounds `i` throws a `RangeError`
 * naming it and the shape. The backward pass scatters the cotangent into zeros.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(Tensor.toNested(Lens.evaluate(ops.index(1, -1), x))) // [ 3, 6 ]
 * try { Lens.evaluate(ops.index(0, 2), x) } catch (e) { console.log((e as Error).message) } // ops.index: index 2 is out of bounds for axis 0 of shape [2,3]
 *
 * @category structure
 */
export const index = (axis: number, i: number): Lens.Lens<Tensor, Tensor> => {
  const op = 'ops.index'
  expectInteger(op, 'axis', axis)
  expectInteger(op, 'index', i)
  const layout = (shape: Shape) => {
    const ax = normaliseAxis(op, axis, shape)
    const d = shape[ax] as number
    const at = i < 0 ? i + d : i
    if (at < 0 || at >= d) throw new RangeError(`${op}: index ${i} is out of bounds for axis ${axis} of shape ${showShape(shape)}`)
    return { ax, d, at, outer: K.product(shape, 0, ax), inner: K.product(shape, ax + 1) }
  }
  return linearOp<Tensor, Tensor>(
    op,
    (x) => {
      const { shape, data } = expectTensor(op, x)
      const { ax, d, at, outer, inner } = layout(shape)
      return unsafeFromData(
        shape.filter((_, a) => a !== ax),
        K.copyOut(data, outer, d, inner, at, 1)
      )
    },
    (x, dy, outShape) => {
      checkCotangent(op, dy, outShape)
      const { d, at, outer, inner } = layout(x.shape)
      const dx = K.zeros(x.size)
      K.copyInto(dy.data, dx, outer, 1, d, inner, at)
      return unsafeFromData(x.shape, dx)
    },
    (x) => {
      const { ax } = layout(expectTensor(op, x).shape)
      return x.shape.filter((_, a) => a !== ax)
    }
  )
}
