/**
 * The laws of the Cartesian structure of lenses (laws 11–13 of `docs/laws.md`, and law 10
 * for `split` and `fanout`): projections, fan-out (the cotangents of a shared input are
 * added; `fanout` is `dup` then `split`), `split` acts componentwise and interchanges with
 * `pipe`, `swap` is an involution, and `split` and `fanout` run the rest of the program once.
 * Predicates take an `Eq` (use `exact`: every law here holds exactly, because each side adds
 * the same two terms, and a sum of two floating-point terms does not depend on their order)
 * and return a boolean; runners feed them with fast-check. The arbitraries `pairLens` and
 * `pairReducer` (random lenses on pairs, built from the combinators themselves) exercise
 * nested uses.
 *
 * Notation: `fwd(L)(a) = evaluate(L, a)`, `bwd(L)(a, db) = backPropagateConst(L, db, a)`.
 *
 * @module CartesianLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Lens from '../src/Lens.js'
import * as VectorSpace from '../src/VectorSpace.js'
import { holds, lawsOf, runLaw, type RunOptions } from './internal/run.js'
import { linearity } from './Lens.js'

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 11.1, first projection: `fwd(fst(space))([a, b]) = a` and
 * `bwd(fst(space))([a, b], dc) = [dc, 0]`, the zero shaped like `b` (by `space`, or by
 * `VectorSpace.infer(b)` when `space` is omitted, as `fst` itself does).
 *
 * @example
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.fstProjection(exact)(1, [2, 3], 5)) // true
 *
 * @category predicates
 */
export const fstProjection =
  (E: Eq<unknown>) =>
  <A, B>(a: A, b: B, dc: A, space?: VectorSpace.VectorSpace<B>): boolean => {
    const lens = Lens.fst<A, B>(space)
    const zero = (space ?? VectorSpace.infer(b)).zero(b)
    return E.equals(fwd(lens, [a, b]), a) && E.equals(bwd(lens, [a, b], dc), [dc, zero])
  }

/**
 * Law 11.2, second projection: `fwd(snd(space))([a, b]) = b` and
 * `bwd(snd(space))([a, b], dc) = [0, dc]`, the zero shaped like `a`.
 *
 * @example
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.sndProjection(exact)([1, 2], 3, 5)) // true
 *
 * @category predicates
 */
export const sndProjection =
  (E: Eq<unknown>) =>
  <A, B>(a: A, b: B, dc: B, space?: VectorSpace.VectorSpace<A>): boolean => {
    const lens = Lens.snd<A, B>(space)
    const zero = (space ?? VectorSpace.infer(a)).zero(a)
    return E.equals(fwd(lens, [a, b]), b) && E.equals(bwd(lens, [a, b], dc), [zero, dc])
  }

/**
 * Law 12.1, fan-out adds cotangents: `fwd(fanout(f, g))(a) = [fwd(f)(a), fwd(g)(a)]` and
 * `bwd(fanout(f, g))(a, [db, dc]) = bwd(f)(a, db) + bwd(g)(a, dc)` (the sum by `space`,
 * or by the instance inferred from the first term).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.fanoutAddsCotangents(exact)(Scalar.square, Scalar.sin, 0.5, 1, 2)) // true
 *
 * @category predicates
 */
export const fanoutAddsCotangents =
  (E: Eq<unknown>) =>
  <A, B, C>(f: Lens.Lens<A, B>, g: Lens.Lens<A, C>, a: A, db: B, dc: C, space?: VectorSpace.VectorSpace<A>): boolean => {
    const lens = Lens.fanout(f, g, space)
    const da = bwd(f, a, db)
    const sum = (space ?? VectorSpace.infer(da)).add(da, bwd(g, a, dc))
    return E.equals(fwd(lens, a), [fwd(f, a), fwd(g, a)]) && E.equals(bwd(lens, a, [db, dc]), sum)
  }

/**
 * Law 12.2, fan-out is `dup` then `split`: `fanout(f, g) ≡ pipe(dup(), split(f, g))` on the output and on
 * the input's cotangent.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.fanoutIsDupSplit(exact)(Scalar.square, Scalar.sin, 0.5, 1, 2)) // true
 *
 * @category predicates
 */
export const fanoutIsDupSplit =
  (E: Eq<unknown>) =>
  <A, B, C>(f: Lens.Lens<A, B>, g: Lens.Lens<A, C>, a: A, db: B, dc: C, space?: VectorSpace.VectorSpace<A>): boolean => {
    const left = Lens.fanout(f, g, space)
    const right = Lens.pipe(Lens.dup<A>(space), Lens.split(f, g))
    return E.equals(fwd(left, a), fwd(right, a)) && E.equals(bwd(left, a, [db, dc]), bwd(right, a, [db, dc]))
  }

/**
 * Law 13.1, `split` acts componentwise (what `split` means): `fwd(split(f, g))([a, c]) = [fwd(f)(a), fwd(g)(c)]` and
 * `bwd(split(f, g))([a, c], [db, dd]) = [bwd(f)(a, db), bwd(g)(c, dd)]`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.splitComponentwise(exact)(Scalar.square, Scalar.sin, 3, 0, 1, 1)) // true
 *
 * @category predicates
 */
export const splitComponentwise =
  (E: Eq<unknown>) =>
  <A, B, C, D>(f: Lens.Lens<A, B>, g: Lens.Lens<C, D>, a: A, c: C, db: B, dd: D): boolean => {
    const lens = Lens.split(f, g)
    return (
      E.equals(fwd(lens, [a, c]), [fwd(f, a), fwd(g, c)]) &&
      E.equals(bwd(lens, [a, c], [db, dd]), [bwd(f, a, db), bwd(g, c, dd)])
    )
  }

/**
 * Law 13.2, interchange: `pipe(split(f, g), split(h, k)) ≡ split(pipe(f, h), pipe(g, k))` on
 * the output and on the input's cotangent.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.splitInterchange(exact)(Scalar.square, Scalar.exp, Scalar.sin, Scalar.tanh, 0.5, 2, 1, 3)) // true
 *
 * @category predicates
 */
export const splitInterchange =
  (E: Eq<unknown>) =>
  <A, B, C, D, X, Y>(
    f: Lens.Lens<A, B>,
    g: Lens.Lens<C, D>,
    h: Lens.Lens<B, X>,
    k: Lens.Lens<D, Y>,
    a: A,
    c: C,
    dx: X,
    dy: Y
  ): boolean => {
    const left = Lens.pipe(Lens.split(f, g), Lens.split(h, k))
    const right = Lens.split(Lens.pipe(f, h), Lens.pipe(g, k))
    return E.equals(fwd(left, [a, c]), fwd(right, [a, c])) && E.equals(bwd(left, [a, c], [dx, dy]), bwd(right, [a, c], [dx, dy]))
  }

/**
 * Law 13.3, `pipe(swap(), swap()) ≡ id()` on the output and the cotangent; and `swap()` alone
 * exchanges both.
 *
 * @example
 * import { CartesianLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(CartesianLaws.swapInvolution(exact)(1, [2, 3], 4, [5, 6])) // true
 *
 * @category predicates
 */
export const swapInvolution =
  (E: Eq<unknown>) =>
  <A, B>(a: A, b: B, da: A, db: B): boolean => {
    const twice = Lens.pipe(Lens.swap<A, B>(), Lens.swap<B, A>())
    const once = Lens.swap<A, B>()
    return (
      E.equals(fwd(twice, [a, b]), [a, b]) &&
      E.equals(bwd(twice, [a, b], [da, db]), [da, db]) &&
      E.equals(fwd(once, [a, b]), [b, a]) &&
      E.equals(bwd(once, [a, b], [db, da]), [da, db])
    )
  }

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw: lenses from `A` to `A` (the `f`, `g`, `h`, `k` of the laws),
 * inputs (and the components of input pairs), cotangents of outputs (and their
 * components), and optionally the vector space of `A` that `fanout`, `dup`, `fst` and `snd`
 * are given (default: none, they infer it).
 *
 * @example
 * import { CartesianLaws, dyadic, exact, pairLens, pairOf } from 'backprop-lens/laws'
 *
 * const pairs = pairOf(dyadic(-2, 2))
 * const arbitraries: CartesianLaws.Arbitraries<readonly [number, number]> = { lens: pairLens(), input: pairs, cotangent: pairs }
 * CartesianLaws.checkFanout(exact, arbitraries, { numRuns: 20 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Arbitraries<A> {
  /** The lenses `f`, `g`, `h`, `k` of the laws. */
  readonly lens: fc.Arbitrary<Lens.Lens<A, A>>
  /** Inputs (and the components of input pairs). */
  readonly input: fc.Arbitrary<A>
  /** Cotangents of outputs (and their components). */
  readonly cotangent: fc.Arbitrary<A>
  /** The vector space handed to `fanout`, `dup`, `fst` and `snd` (default: none, they infer it). */
  readonly space?: VectorSpace.VectorSpace<A>
}

const law = lawsOf('CartesianLaws')

/**
 * Checks law 10 for the combinators: {@link linearity} of `fanout(f, g)` and of
 * `split(f, g)`, with `f` and `g` drawn from `lens`; throws a report with the counterexample
 * and the seed on failure.
 *
 * @example
 * import { CartesianLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * CartesianLaws.checkLinearity(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkLinearity = <A>(eq: Eq<unknown>, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  const { lens, input, cotangent, space } = arbitraries
  runLaw(
    law('checkLinearity', '10', 'linearity of the CPS term of fanout'),
    [lens, lens, input, cotangent, cotangent],
    (f, g, a, db, dc) => holds(linearity(eq)(Lens.fanout(f, g, space), a, [db, dc] as const)),
    options
  )
  runLaw(
    law('checkLinearity', '10', 'linearity of the CPS term of split'),
    [lens, lens, input, input, cotangent, cotangent],
    (f, g, a, c, db, dd) => holds(linearity(eq)(Lens.split(f, g), [a, c] as const, [db, dd] as const)),
    options
  )
}

/**
 * Checks law 11: the projections {@link fstProjection} (11.1) and {@link sndProjection}
 * (11.2) on pairs of inputs.
 *
 * @example
 * import { CartesianLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * CartesianLaws.checkProjections(exact, { input: dyadic(-2, 2), cotangent: dyadic(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkProjections = <A>(eq: Eq<unknown>, arbitraries: Omit<Arbitraries<A>, 'lens'>, options: RunOptions = {}): void => {
  const { input, cotangent, space } = arbitraries
  runLaw(law('checkProjections', '11.1', 'first projection'), [input, input, cotangent], (a, b, dc) => holds(fstProjection(eq)(a, b, dc, space)), options)
  runLaw(law('checkProjections', '11.2', 'second projection'), [input, input, cotangent], (a, b, dc) => holds(sndProjection(eq)(a, b, dc, space)), options)
}

/**
 * Checks law 12: {@link fanoutAddsCotangents} (12.1) and {@link fanoutIsDupSplit} (12.2), with
 * `f` and `g` drawn from `lens`.
 *
 * @example
 * import { CartesianLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * CartesianLaws.checkFanout(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkFanout = <A>(eq: Eq<unknown>, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  const { lens, input, cotangent, space } = arbitraries
  runLaw(
    law('checkFanout', '12.1', 'fan-out adds cotangents'),
    [lens, lens, input, cotangent, cotangent],
    (f, g, a, db, dc) => holds(fanoutAddsCotangents(eq)(f, g, a, db, dc, space)),
    options
  )
  runLaw(
    law('checkFanout', '12.2', 'fan-out is dup then split'),
    [lens, lens, input, cotangent, cotangent],
    (f, g, a, db, dc) => holds(fanoutIsDupSplit(eq)(f, g, a, db, dc, space)),
    options
  )
}

/**
 * Checks law 13: {@link splitComponentwise} (13.1) and {@link splitInterchange} (13.2) with
 * lenses drawn from `lens`, and {@link swapInvolution} (13.3) on pairs of inputs.
 *
 * @example
 * import { CartesianLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * CartesianLaws.checkInterchange(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkInterchange = <A>(eq: Eq<unknown>, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(
    law('checkInterchange', '13.1', 'split acts componentwise'),
    [lens, lens, input, input, cotangent, cotangent],
    (f, g, a, c, db, dd) => holds(splitComponentwise(eq)(f, g, a, c, db, dd)),
    options
  )
  runLaw(
    law('checkInterchange', '13.2', 'interchange'),
    [fc.tuple(lens, lens, lens, lens), input, input, cotangent, cotangent],
    ([f, g, h, k], a, c, dx, dy) => holds(splitInterchange(eq)(f, g, h, k, a, c, dx, dy)),
    options
  )
  runLaw(
    law('checkInterchange', '13.3', 'swap is an involution'),
    [input, input, cotangent, cotangent],
    (a, b, da, db) => holds(swapInvolution(eq)(a, b, da, db)),
    options
  )
}

/**
 * Every law of this module: {@link checkLinearity}, {@link checkProjections},
 * {@link checkFanout} and {@link checkInterchange} (laws 10–13).
 *
 * @example
 * import { CartesianLaws, dyadic, exact, pairLens, pairOf } from 'backprop-lens/laws'
 *
 * const pairs = pairOf(dyadic(-2, 2))
 * CartesianLaws.checkAll(exact, { lens: pairLens(), input: pairs, cotangent: pairs }, { numRuns: 20 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <A>(eq: Eq<unknown>, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  checkLinearity(eq, arbitraries, options)
  checkProjections(eq, arbitraries, options)
  checkFanout(eq, arbitraries, options)
  checkInterchange(eq, arbitraries, options)
}
