/**
 * The laws of the Cartesian structure of lenses (LAWS.md 11–13): projections, fan-out
 * (the cotangents of a shared input are added; `fanout` is `dup` then `split`),
 * interchange of `split` with `pipe`, `swap` is an involution, and the single-shot
 * linearity of `split` and `fanout` in CPS form. Predicates take an `Eq` (use `exact`:
 * every law here holds exactly, because each side adds the same two terms, and a sum of
 * two floating-point terms does not depend on their order) and return a boolean; runners
 * feed them with fast-check. Arbitraries of random lenses on pairs, built from the
 * combinators themselves, exercise nested uses.
 *
 * Notation: `fwd(L)(a) = evaluate(L, a)`, `bwd(L)(a, db) = backPropagateConst(L, db, a)`.
 *
 * @module cartesian
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import { Cont, Lens, Scalar, VectorSpace } from '../src/index.js'
import { scalarLens, type ScalarLensOptions } from './arbitraries/lenses.js'

type Pair<A, B> = readonly [A, B]
type Endo<A> = Lens.Lens<A, A>

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 11, first projection: `fwd(fst(space))([a, b]) = a` and
 * `bwd(fst(space))([a, b], dc) = [dc, 0]`, the zero shaped like `b` (by `space`, or by
 * `VectorSpace.infer(b)` when `space` is omitted, as `fst` itself does).
 *
 * @example
 * import { exact, fstProjection } from 'backprop-lens/laws'
 *
 * console.log(fstProjection(exact)(1, [2, 3], 5)) // true
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
 * Law 11, second projection: `fwd(snd(space))([a, b]) = b` and
 * `bwd(snd(space))([a, b], dc) = [0, dc]`, the zero shaped like `a`.
 *
 * @example
 * import { exact, sndProjection } from 'backprop-lens/laws'
 *
 * console.log(sndProjection(exact)([1, 2], 3, 5)) // true
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
 * Law 12, the sum: `fwd(fanout(f, g))(a) = [fwd(f)(a), fwd(g)(a)]` and
 * `bwd(fanout(f, g))(a, [db, dc]) = bwd(f)(a, db) + bwd(g)(a, dc)` (the sum by `space`,
 * or by the instance inferred from the first term).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { exact, fanoutAddsCotangents } from 'backprop-lens/laws'
 *
 * console.log(fanoutAddsCotangents(exact)(Scalar.square, Scalar.sin, 0.5, 1, 2)) // true
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
 * Law 12, the decomposition: `fanout(f, g) ≡ pipe(dup(), split(f, g))` on the output and on
 * the input's cotangent.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { exact, fanoutIsDupSplit } from 'backprop-lens/laws'
 *
 * console.log(fanoutIsDupSplit(exact)(Scalar.square, Scalar.sin, 0.5, 1, 2)) // true
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
 * What `split` means: `fwd(split(f, g))([a, c]) = [fwd(f)(a), fwd(g)(c)]` and
 * `bwd(split(f, g))([a, c], [db, dd]) = [bwd(f)(a, db), bwd(g)(c, dd)]`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { exact, splitComponentwise } from 'backprop-lens/laws'
 *
 * console.log(splitComponentwise(exact)(Scalar.square, Scalar.sin, 3, 0, 1, 1)) // true
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
 * Law 13, interchange: `pipe(split(f, g), split(h, k)) ≡ split(pipe(f, h), pipe(g, k))` on
 * the output and on the input's cotangent.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { exact, splitInterchange } from 'backprop-lens/laws'
 *
 * console.log(splitInterchange(exact)(Scalar.square, Scalar.exp, Scalar.sin, Scalar.tanh, 0.5, 2, 1, 3)) // true
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
 * Law 13, `pipe(swap(), swap()) ≡ id()` on the output and the cotangent; and `swap()` alone
 * exchanges both.
 *
 * @example
 * import { exact, swapInvolution } from 'backprop-lens/laws'
 *
 * console.log(swapInvolution(exact)(1, [2, 3], 4, [5, 6])) // true
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

/**
 * Linearity of the CPS term (law 10) for any lens, stated for `split` and `fanout`: one run
 * of `lens(next)(a)` calls `next` exactly once, with `fwd(lens)(a)`, and the final
 * continuation exactly once, with `bwd(lens)(a, db)`. A fan-out that re-ran the rest of
 * the program for each branch would call `next` twice.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { exact, singleShot } from 'backprop-lens/laws'
 *
 * console.log(singleShot(exact)(Lens.fanout(Scalar.square, Scalar.sin), 0.5, [1, 1])) // true
 *
 * @category predicates
 */
export const singleShot =
  (E: Eq<unknown>) =>
  <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): boolean => {
    let nexts = 0
    let continuations = 0
    let seen: unknown = undefined
    const flow = lens<A>((b) => {
      nexts += 1
      seen = b
      return Cont.of<A, B>(db)
    })
    const da = Cont.run(flow(a), (x) => {
      continuations += 1
      return x
    })
    return nexts === 1 && continuations === 1 && E.equals(seen, fwd(lens, a)) && E.equals(da, bwd(lens, a, db))
  }

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the Cartesian law runners draw from: lenses from `A` to `A`, inputs and cotangents
 * of `A`, and optionally the vector space of `A` (default: inferred, as the combinators
 * do).
 *
 * @category runners
 */
export interface CartesianArbitraries<A> {
  /** The lenses `f`, `g`, `h`, `k` of the laws. */
  readonly lens: fc.Arbitrary<Lens.Lens<A, A>>
  /** Inputs (and the components of input pairs). */
  readonly input: fc.Arbitrary<A>
  /** Cotangents of outputs (and their components). */
  readonly cotangent: fc.Arbitrary<A>
  /** The vector space handed to `fanout`, `dup`, `fst` and `snd` (default: none, they infer it). */
  readonly space?: VectorSpace.VectorSpace<A>
}

/**
 * Options of the runners: `numRuns` per law (default 200).
 *
 * @category runners
 */
export interface CartesianRunOptions {
  /** Runs per law (default 200). */
  readonly numRuns?: number
}

/**
 * Checks the projection laws {@link fstProjection} and {@link sndProjection} on pairs
 * `[A, A]`, and {@link swapInvolution} (throws with the counterexample and seed on failure).
 *
 * @example
 * import { checkProjectionLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * checkProjectionLaws(exact, { input: dyadic(-2, 2), cotangent: dyadic(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkProjectionLaws = <A>(
  E: Eq<unknown>,
  arbs: Omit<CartesianArbitraries<A>, 'lens'>,
  options: CartesianRunOptions = {}
): void => {
  const numRuns = options.numRuns ?? 200
  const { input, cotangent, space } = arbs
  fc.assert(fc.property(input, input, cotangent, (a, b, dc) => fstProjection(E)(a, b, dc, space)), { numRuns })
  fc.assert(fc.property(input, input, cotangent, (a, b, dc) => sndProjection(E)(a, b, dc, space)), { numRuns })
  fc.assert(fc.property(input, input, cotangent, cotangent, (a, b, da, db) => swapInvolution(E)(a, b, da, db)), { numRuns })
}

/**
 * Checks the fan-out laws {@link fanoutAddsCotangents} and {@link fanoutIsDupSplit}, and
 * {@link singleShot} for `fanout(f, g)`, on random lenses `f`, `g`.
 *
 * @example
 * import { checkFanoutLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * checkFanoutLaws(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkFanoutLaws = <A>(E: Eq<unknown>, arbs: CartesianArbitraries<A>, options: CartesianRunOptions = {}): void => {
  const numRuns = options.numRuns ?? 200
  const { lens, input, cotangent, space } = arbs
  fc.assert(
    fc.property(lens, lens, input, cotangent, cotangent, (f, g, a, db, dc) => fanoutAddsCotangents(E)(f, g, a, db, dc, space)),
    { numRuns }
  )
  fc.assert(
    fc.property(lens, lens, input, cotangent, cotangent, (f, g, a, db, dc) => fanoutIsDupSplit(E)(f, g, a, db, dc, space)),
    { numRuns }
  )
  fc.assert(
    fc.property(lens, lens, input, cotangent, cotangent, (f, g, a, db, dc) =>
      singleShot(E)(Lens.fanout(f, g, space), a, [db, dc] as const)
    ),
    { numRuns }
  )
}

/**
 * Checks {@link splitComponentwise}, the interchange law {@link splitInterchange}, and
 * {@link singleShot} for `split(f, g)`, on random lenses.
 *
 * @example
 * import { checkSplitLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * checkSplitLaws(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSplitLaws = <A>(E: Eq<unknown>, arbs: CartesianArbitraries<A>, options: CartesianRunOptions = {}): void => {
  const numRuns = options.numRuns ?? 200
  const { lens, input, cotangent } = arbs
  fc.assert(
    fc.property(lens, lens, input, input, cotangent, cotangent, (f, g, a, c, db, dd) => splitComponentwise(E)(f, g, a, c, db, dd)),
    { numRuns }
  )
  fc.assert(
    fc.property(
      fc.tuple(lens, lens, lens, lens),
      input,
      input,
      cotangent,
      cotangent,
      ([f, g, h, k], a, c, dx, dy) => splitInterchange(E)(f, g, h, k, a, c, dx, dy)
    ),
    { numRuns }
  )
  fc.assert(
    fc.property(lens, lens, input, input, cotangent, cotangent, (f, g, a, c, db, dd) =>
      singleShot(E)(Lens.split(f, g), [a, c] as const, [db, dd] as const)
    ),
    { numRuns }
  )
}

/**
 * Every Cartesian law: {@link checkProjectionLaws}, {@link checkFanoutLaws} and
 * {@link checkSplitLaws}.
 *
 * @example
 * import { checkCartesianLaws, exact, pairLens, pairOf, dyadic } from 'backprop-lens/laws'
 *
 * const pairs = pairOf(dyadic(-2, 2))
 * checkCartesianLaws(exact, { lens: pairLens(), input: pairs, cotangent: pairs }, { numRuns: 20 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkCartesianLaws = <A>(E: Eq<unknown>, arbs: CartesianArbitraries<A>, options: CartesianRunOptions = {}): void => {
  checkProjectionLaws(E, arbs, options)
  checkFanoutLaws(E, arbs, options)
  checkSplitLaws(E, arbs, options)
}

// -------------------------------------------------------------------------------------
// arbitraries
// -------------------------------------------------------------------------------------

type P = Pair<number, number>

/** Gives a lens just created here a description that fast-check prints. */
const named = <A, B>(lens: Lens.Lens<A, B>, name: string): Lens.Lens<A, B> => {
  Object.defineProperty(lens, fc.toStringMethod, { value: () => name })
  return lens
}
const show = (u: unknown): string => fc.stringify(u)

/** A fresh lens object with the behaviour of `lens` (so it can be named). */
const fresh = <A, B>(lens: Lens.Lens<A, B>): Lens.Lens<A, B> => Lens.pipe(lens, Lens.id<B>())

/**
 * Pairs of values drawn from `arb`.
 *
 * @example
 * import fc from 'fast-check'
 * import { dyadic, pairOf } from 'backprop-lens/laws'
 *
 * const [p] = fc.sample(pairOf(dyadic(0, 0)), { numRuns: 1, seed: 1 })
 * console.log(p) // [ 0, 0 ]
 *
 * @category arbitraries
 */
export const pairOf = <A>(arb: fc.Arbitrary<A>): fc.Arbitrary<readonly [A, A]> => fc.tuple(arb, arb).map(([a, b]) => [a, b] as const)

/**
 * Options of {@link pairLens} and {@link pairReducer}.
 *
 * @category arbitraries
 */
export interface PairLensOptions {
  /** Maximal depth of the tree of combinators (default 3). */
  readonly maxDepth?: number
  /**
   * How strongly fast-check favours leaves as the tree grows (`fc.oneof`'s `depthSize`;
   * default `'small'`, shallow trees; `'large'` or `'max'` build deeper ones).
   */
  readonly depthSize?: fc.DepthSize
  /** Options of the scalar lenses at the leaves (default `{ maxDepth: 2 }`). */
  readonly scalar?: ScalarLensOptions
}

const trees = (options: PairLensOptions) => {
  const maxDepth = options.maxDepth ?? 3
  const depthSize = options.depthSize ?? 'small'
  const scalar = scalarLens(options.scalar ?? { maxDepth: 2 })
  const constant = fc.integer({ min: -16, max: 16 }).map((k) => k / 8)
  // Binary reductions that keep values moderate: the product is of tanh's.
  const binary = fc.constantFrom<readonly [string, () => Lens.Lens<P, number>]>(
    ['add', () => fresh(Scalar.add)],
    ['sub', () => fresh(Scalar.sub)],
    ['mul∘tanh²', () => Lens.pipe(Lens.split(Scalar.tanh, Scalar.tanh), Scalar.mul)]
  )
  return fc.letrec<{ pair: Endo<P>; pairNode: Endo<P>; reduce: Lens.Lens<P, number> }>((tie) => ({
    pair: fc.oneof(
      { maxDepth, depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(scalar, scalar).map(([f, g]) => named(Lens.split(f, g), `split(${show(f)}, ${show(g)})`)),
      scalar.map((f) => named(Lens.first<number, number, number>(f), `first(${show(f)})`)),
      scalar.map((f) => named(Lens.second<number, number, number>(f), `second(${show(f)})`)),
      fc.constant(null).map(() => named(fresh(Lens.swap<number, number>()), 'swap')),
      fc.constant(null).map(() => named(Lens.pipe(Lens.fst<number, number>(), Lens.dup<number>()), 'pipe(fst, dup)')),
      constant.map((c) => named(Lens.pipe(Lens.snd<number, number>(), Lens.withConstFirst(c)), `pipe(snd, withConstFirst(${c}))`)),
      constant.map((c) =>
        named(Lens.fanout(Lens.fst<number, number>(), Lens.constant<P, number>(c)), `fanout(fst, constant(${c}))`)
      ),
      { arbitrary: tie('pairNode'), weight: 8 }
    ),
    pairNode: fc.oneof(
      { depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(tie('pair'), tie('pair')).map(([p, q]) => named(Lens.pipe(p, q), `pipe(${show(p)}, ${show(q)})`)),
      fc.tuple(tie('reduce'), tie('reduce')).map(([r, s]) => named(Lens.fanout(r, s), `fanout(${show(r)}, ${show(s)})`))
    ),
    reduce: fc.oneof(
      { maxDepth, depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(tie('pair'), binary).map(([p, [name, op]]) => named(Lens.pipe(p, op()), `pipe(${show(p)}, ${name})`)),
      fc.tuple(tie('pair'), scalar).map(([p, f]) => named(Lens.pipe(p, Lens.fst<number, number>(), f), `pipe(${show(p)}, fst, ${show(f)})`)),
      fc.tuple(tie('pair'), scalar).map(([p, f]) => named(Lens.pipe(p, Lens.snd<number, number>(), f), `pipe(${show(p)}, snd, ${show(f)})`))
    )
  }))
}

/**
 * Random lenses from pairs of numbers to pairs of numbers, built as trees of the Cartesian
 * combinators (`split`, `first`, `second`, `swap`, `fanout`, `fst`, `snd`, `dup`,
 * `constant`, `withConstFirst`) and `pipe`, with random scalar lenses (hand-written CPS
 * ones included) at the leaves. Each prints as its description in fast-check's reports.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { pairLens } from 'backprop-lens/laws'
 *
 * const lenses = fc.sample(pairLens(), { numRuns: 20, seed: 5 })
 * console.log(lenses.every((l) => Lens.evaluate(l, [0.5, -1]).every(Number.isFinite))) // true
 *
 * @category arbitraries
 */
export const pairLens = (options: PairLensOptions = {}): fc.Arbitrary<Lens.Lens<readonly [number, number], readonly [number, number]>> =>
  trees(options).pair

/**
 * Random lenses from pairs of numbers to a number: a {@link pairLens} followed by `add`,
 * `sub`, a product of `tanh`'s, or a projection and a scalar lens.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { pairReducer } from 'backprop-lens/laws'
 *
 * const lenses = fc.sample(pairReducer(), { numRuns: 20, seed: 5 })
 * console.log(lenses.every((l) => Number.isFinite(Lens.evaluate(l, [0.5, -1])))) // true
 *
 * @category arbitraries
 */
export const pairReducer = (options: PairLensOptions = {}): fc.Arbitrary<Lens.Lens<readonly [number, number], number>> =>
  trees(options).reduce
