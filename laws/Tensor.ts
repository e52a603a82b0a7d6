/**
 * The laws of tensors (T.1–T.4 of `docs/laws.md`, the kit's own: the project's list has no
 * tensor laws): `VectorSpace.tensor` is a vector space (T.1 addition, T.2 scaling) whose
 * coordinates are the data in row-major order (T.3), and a binary op broadcasts as if its
 * operands were first expanded to the common shape, the cotangent of each operand being the
 * expanded one's summed over its broadcast axes (T.4). The last one is for your own binary
 * tensor primitives: a hand-written un-broadcast is easy to get wrong.
 *
 * Every law is exact on small dyadic values (`dyadic`), whose sums and products do not round;
 * on other values T.4's sums may be re-associated, and needs an `Eq` that allows for it.
 *
 * @module TensorLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Lens from '../src/Lens.js'
import type { TensorPair as Pair } from '../src/ops/index.js'
import * as Tensor from '../src/Tensor.js'
import * as VectorSpace from '../src/VectorSpace.js'
import { broadcastPair, tensorOfShape, tensors, type ShapeOptions } from './arbitraries/tensors.js'
import { holds, lawsOf, runLaw, type RunOptions } from './internal/run.js'

type T = Tensor.Tensor

// -------------------------------------------------------------------------------------
// broadcasting, written independently of the library's kernels
// -------------------------------------------------------------------------------------

/** For each element of a tensor of shape `out`, the flat index it reads in a tensor of shape `from`. */
const sources = (from: Tensor.Shape, out: Tensor.Shape): Array<number> => {
  const pad = out.length - from.length
  const size = Tensor.shapeSize(out)
  const index = new Array<number>(size)
  for (let o = 0; o < size; o++) {
    let rest = o
    let flat = 0
    let stride = 1
    for (let axis = out.length - 1; axis >= pad; axis--) {
      const d = out[axis] as number
      const i = rest % d
      rest = Math.floor(rest / d)
      const f = from[axis - pad] as number
      if (f !== 1) flat += i * stride
      stride *= f
    }
    index[o] = flat
  }
  return index
}

/** `t` expanded to the shape `out` it broadcasts to. */
const expand = (t: T, out: Tensor.Shape): T => Tensor.make(out, sources(t.shape, out).map((i) => t.data[i] as number))

/** `t` (of a shape that `to` broadcasts to) summed down to `to`: the adjoint of {@link expand}. */
const sumTo = (t: T, to: Tensor.Shape): T => {
  const out = new Array<number>(Tensor.shapeSize(to)).fill(0)
  sources(to, t.shape).forEach((i, o) => (out[i] = (out[i] as number) + (t.data[o] as number)))
  return Tensor.make(to, out)
}

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law T.1, addition: `(x + y) + z = x + (y + z)`, `x + y = y + x` and `x + 0 = x`, by `space`
 * (default `VectorSpace.tensor`), for tensors of one shape.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 * import { TensorLaws, exact } from 'backprop-lens/laws'
 *
 * const [x, y, z] = [Tensor.fromNested([1, 2]), Tensor.fromNested([0.5, -1]), Tensor.fromNested([3, 0.25])]
 * console.log(TensorLaws.addition(exact)(x, y, z)) // true
 *
 * @category predicates
 */
export const addition =
  (E: Eq<unknown>) =>
  (x: T, y: T, z: T, space: VectorSpace.VectorSpace<T> = VectorSpace.tensor): boolean =>
    E.equals(space.add(space.add(x, y), z), space.add(x, space.add(y, z))) &&
    E.equals(space.add(x, y), space.add(y, x)) &&
    E.equals(space.add(x, space.zero(x)), x)

/**
 * Law T.2, scaling: `s·(x + y) = s·x + s·y`, `(s + t)·x = s·x + t·x` and `1·x = x`.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 * import { TensorLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(TensorLaws.scaling(exact)(Tensor.fromNested([1, 2]), Tensor.fromNested([4, -8]), 0.5, 2)) // true
 *
 * @category predicates
 */
export const scaling =
  (E: Eq<unknown>) =>
  (x: T, y: T, s: number, t: number, space: VectorSpace.VectorSpace<T> = VectorSpace.tensor): boolean =>
    E.equals(space.scale(s, space.add(x, y)), space.add(space.scale(s, x), space.scale(s, y))) &&
    E.equals(space.scale(s + t, x), space.add(space.scale(s, x), space.scale(t, x))) &&
    E.equals(space.scale(1, x), x)

/**
 * Law T.3, coordinates: the coordinates of `x` are its data in row-major order (`size` is the
 * number of elements, `flatten` gives the data), `dot` is the sum of the products of the
 * coordinates in that order, and `unflatten(x, ·)` is the inverse of `flatten`, for tensors
 * of one shape.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 * import { TensorLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(TensorLaws.coordinates(exact)(Tensor.fromNested([[1, 2]]), Tensor.fromNested([[3, 4]]))) // true
 *
 * @category predicates
 */
export const coordinates =
  (E: Eq<unknown>) =>
  (x: T, y: T, space: VectorSpace.VectorSpace<T> = VectorSpace.tensor): boolean => {
    const fx = space.flatten(x)
    const fy = space.flatten(y)
    let dot = 0
    for (let i = 0; i < fx.length; i++) dot += (fx[i] as number) * (fy[i] as number)
    return (
      space.size(x) === x.size &&
      E.equals(fx, Float64Array.from(x.data)) &&
      E.equals(space.dot(x, y), dot) &&
      E.equals(space.unflatten(x, space.flatten(x)), x) &&
      E.equals(space.flatten(space.unflatten(x, y.data)), Float64Array.from(y.data))
    )
  }

/**
 * Law T.4, broadcasting: a binary op at operands `a`, `b` that broadcast together gives what
 * it gives at the operands expanded to the common shape, and the cotangent of each operand is
 * the expanded operand's cotangent summed over the axes it was broadcast along (`dy` has the
 * output's shape).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 * import { TensorLaws, exact } from 'backprop-lens/laws'
 *
 * const bias = Tensor.fromNested([1, 2, 3])
 * const x = Tensor.fromNested([[1, 0, 0], [0, 1, 0]])
 * const dy = Tensor.fromNested([[1, 2, 3], [4, 5, 6]])
 * console.log(TensorLaws.broadcasting(exact)(ops.add, x, bias, dy), TensorLaws.broadcasting(exact)(ops.mul, bias, x, dy)) // true true
 * // A backward pass that forgets to sum the cotangent of the broadcast operand:
 * const wrong = Lens.make<readonly [Tensor.Tensor, Tensor.Tensor], Tensor.Tensor>({
 *   forward: (p) => Lens.evaluate(ops.add, p),
 *   backward: ([, b], d) => [d, Tensor.make(b.shape, d.data.slice(0, b.size))]
 * })
 * console.log(TensorLaws.broadcasting(exact)(wrong, x, bias, dy)) // false
 *
 * @category predicates
 */
export const broadcasting =
  (E: Eq<unknown>) =>
  (op: Lens.Lens<Pair, T>, a: T, b: T, dy: T): boolean => {
    const out = Tensor.broadcastShapes('TensorLaws.broadcasting', a.shape, b.shape)
    const expanded: Pair = [expand(a, out), expand(b, out)]
    const [da, db] = Lens.backPropagateConst(op, dy, [a, b])
    const [dA, dB] = Lens.backPropagateConst(op, dy, expanded)
    return (
      E.equals(Lens.evaluate(op, [a, b]), Lens.evaluate(op, expanded)) &&
      E.equals(da, sumTo(dA, a.shape)) &&
      E.equals(db, sumTo(dB, b.shape))
    )
  }

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw: the values of the tensors (and of the cotangents of T.4), the
 * scalars of T.2, optionally the vector space of tensors, and for T.4 the binary ops and the
 * values of their second operand (default: `values`), for instance non-zero denominators.
 * Shapes are drawn as `shape()` draws them (ranks 0–4, dimensions 1–5), narrowed by `shapes`.
 *
 * @example
 * import fc from 'fast-check'
 * import { ops } from 'backprop-lens'
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * const arbitraries: TensorLaws.Arbitraries = { values: dyadic(-4, 4), scalar: dyadic(-4, 4), op: fc.constantFrom(ops.add, ops.mul) }
 * TensorLaws.checkAll(exact, arbitraries, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Arbitraries {
  /** The values of the tensors and of the cotangents (use `dyadic` for exact laws). */
  readonly values: fc.Arbitrary<number>
  /** The scalars `s`, `t` of law T.2. */
  readonly scalar: fc.Arbitrary<number>
  /** The shapes' ranks and dimensions (default: ranks 0–4, dimensions 1–5). */
  readonly shapes?: ShapeOptions
  /** The vector space of tensors under test (default `VectorSpace.tensor`). */
  readonly space?: VectorSpace.VectorSpace<T>
  /** The binary ops of law T.4. */
  readonly op?: fc.Arbitrary<Lens.Lens<Pair, T>>
  /** The values of the second operand of law T.4 (default: `values`). */
  readonly second?: fc.Arbitrary<number>
}

const law = lawsOf('TensorLaws')

const three = (arbitraries: Arbitraries): fc.Arbitrary<readonly [T, T, T]> =>
  tensors(3, { ...arbitraries.shapes, values: arbitraries.values }).map(([x, y, z]) => [x as T, y as T, z as T] as const)

/**
 * Checks law T.1 ({@link addition}); throws a report with the counterexample and the seed on
 * failure.
 *
 * @example
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * TensorLaws.checkAddition(exact, { values: dyadic(-8, 8), scalar: dyadic(-4, 4) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAddition = (eq: Eq<unknown>, arbitraries: Arbitraries, options: RunOptions = {}): void => {
  const { space } = arbitraries
  runLaw(law('checkAddition', 'T.1', 'addition'), [three(arbitraries)], ([x, y, z]) => holds(addition(eq)(x, y, z, space)), options)
}

/**
 * Checks law T.2 ({@link scaling}).
 *
 * @example
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * TensorLaws.checkScaling(exact, { values: dyadic(-8, 8), scalar: dyadic(-4, 4) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkScaling = (eq: Eq<unknown>, arbitraries: Arbitraries, options: RunOptions = {}): void => {
  const { scalar, space } = arbitraries
  runLaw(
    law('checkScaling', 'T.2', 'scaling'),
    [three(arbitraries), scalar, scalar],
    ([x, y], s, t) => holds(scaling(eq)(x, y, s, t, space)),
    options
  )
}

/**
 * Checks law T.3 ({@link coordinates}).
 *
 * @example
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * TensorLaws.checkCoordinates(exact, { values: dyadic(-8, 8), scalar: dyadic(-4, 4) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkCoordinates = (eq: Eq<unknown>, arbitraries: Arbitraries, options: RunOptions = {}): void => {
  const { space } = arbitraries
  runLaw(law('checkCoordinates', 'T.3', 'coordinates'), [three(arbitraries)], ([x, y]) => holds(coordinates(eq)(x, y, space)), options)
}

/**
 * Checks law T.4 ({@link broadcasting}) on the drawn ops, pairs of operands that broadcast
 * together (`broadcastPair`) and cotangents of the output's shape.
 *
 * @example
 * import fc from 'fast-check'
 * import { ops } from 'backprop-lens'
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * TensorLaws.checkBroadcasting(exact, { values: dyadic(-4, 4), scalar: dyadic(-4, 4), op: fc.constant(ops.sub) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkBroadcasting = (
  eq: Eq<unknown>,
  arbitraries: Arbitraries & { readonly op: fc.Arbitrary<Lens.Lens<Pair, T>> },
  options: RunOptions = {}
): void => {
  const { op, values, second = values, shapes } = arbitraries
  const cases = broadcastPair({ ...shapes, values, second }).chain(([a, b]) =>
    fc.tuple(fc.constant(a), fc.constant(b), tensorOfShape(Tensor.broadcastShapes('TensorLaws.checkBroadcasting', a.shape, b.shape), values))
  )
  runLaw(law('checkBroadcasting', 'T.4', 'broadcasting'), [op, cases], (f, [a, b, dy]) => holds(broadcasting(eq)(f, a, b, dy)), options)
}

/**
 * Every law of this module: {@link checkAddition}, {@link checkScaling},
 * {@link checkCoordinates}, and {@link checkBroadcasting} when `op` is given (T.1–T.4).
 *
 * @example
 * import fc from 'fast-check'
 * import { ops } from 'backprop-lens'
 * import { TensorLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * TensorLaws.checkAll(exact, { values: dyadic(-4, 4), scalar: dyadic(-4, 4), op: fc.constantFrom(ops.add, ops.maximum) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = (eq: Eq<unknown>, arbitraries: Arbitraries, options: RunOptions = {}): void => {
  checkAddition(eq, arbitraries, options)
  checkScaling(eq, arbitraries, options)
  checkCoordinates(eq, arbitraries, options)
  const { op } = arbitraries
  if (op !== undefined) checkBroadcasting(eq, { ...arbitraries, op }, options)
}
