/**
 * The laws of `Lens`: category (identity, associativity), order, chain rule, round trip
 * with the concrete pair, linearity of the CPS term, and agreement of the CPS form with the
 * library's runners. Predicates take the equalities of the input (`EA`, also used for input
 * cotangents) and the output (`EB`); runners feed them fast-check arbitraries, so you can
 * check your own lenses with your own inputs.
 *
 * Notation: `fwd(L)(a) = evaluate(L, a)`, `bwd(L)(a, db) = backPropagateConst(L, db, a)`.
 * Two lenses agree at `(a, db)` when their `fwd` and their `bwd` are equal there. Every law
 * here is exact (compare with {@link exact}): it only moves where operations happen,
 * never which floating-point operations happen.
 *
 * @module LensLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Cont from '../src/Cont.js'
import * as Lens from '../src/Lens.js'
import type { Reference } from './arbitraries/lenses.js'
import { exact } from './Eq.js'

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

/**
 * `x` and `y` agree at `(a, db)`: equal outputs by `EB`, equal input cotangents by `EA`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * const agree = LensLaws.agreeAt(exact, exact)
 * console.log(agree(Lens.pipe(Scalar.square, Scalar.sin), Lens.compose(Scalar.sin, Scalar.square), 1, 1)) // true
 *
 * @category predicates
 */
export const agreeAt =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(x: Lens.Lens<A, B>, y: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    EB.equals(fwd(x, a), fwd(y, a)) && EA.equals(bwd(x, a, db), bwd(y, a, db))

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Identity: `pipe(id(), f) ≡ f ≡ pipe(f, id())`, and the same through `Lens.Category`
 * (`compose(id, f)`, `compose(f, id)`), on fwd and bwd.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.identity(exact, exact)(Scalar.tanh, 0.5, 2)) // true
 *
 * @category predicates
 */
export const identity =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(f: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const agree = agreeAt(EA, EB)
    return (
      agree(Lens.pipe(Lens.id<A>(), f), f, a, db) &&
      agree(Lens.pipe(f, Lens.id<B>()), f, a, db) &&
      agree(Lens.Category.compose(f, Lens.Category.id<A>()), f, a, db) &&
      agree(Lens.Category.compose(Lens.Category.id<B>(), f), f, a, db)
    )
  }

/**
 * Associativity: `pipe(pipe(f, g), h) ≡ pipe(f, pipe(g, h)) ≡ pipe(f, g, h)`, and the same
 * with `compose`, on fwd and bwd.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.associativity(exact, exact)(Scalar.sin, Scalar.square, Scalar.exp, 0.3, 1)) // true
 *
 * @category predicates
 */
export const associativity =
  <X, Y>(EA: Eq<X>, ED: Eq<Y>) =>
  <A extends X, B, C, D extends Y>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, h: Lens.Lens<C, D>, a: NoInfer<A>, dd: NoInfer<D>): boolean => {
    const agree = agreeAt(EA, ED)
    const left = Lens.pipe(Lens.pipe(f, g), h)
    return (
      agree(left, Lens.pipe(f, Lens.pipe(g, h)), a, dd) &&
      agree(left, Lens.pipe(f, g, h), a, dd) &&
      agree(Lens.compose(h, Lens.compose(g, f)), Lens.compose(Lens.compose(h, g), f), a, dd) &&
      agree(left, Lens.compose(h, Lens.compose(g, f)), a, dd)
    )
  }

/**
 * Chain rule: `bwd(pipe(f, g))(a, dc) = bwd(f)(a, bwd(g)(fwd(f)(a), dc))`, and
 * `fwd(pipe(f, g))(a) = fwd(g)(fwd(f)(a))`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.chainRule(exact, exact)(Scalar.square, Scalar.sin, 1, 1)) // true
 *
 * @category predicates
 */
export const chainRule =
  <X, Y>(EA: Eq<X>, EC: Eq<Y>) =>
  <A extends X, B, C extends Y>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: NoInfer<A>, dc: NoInfer<C>): boolean => {
    const fg = Lens.pipe(f, g)
    const b = fwd(f, a)
    return EC.equals(fwd(fg, a), fwd(g, b)) && EA.equals(bwd(fg, a, dc), bwd(f, a, bwd(g, b, dc)))
  }

/**
 * Order: `pipe(f, g)` (and `compose(g, f)`) computes `g(f(a))`, checked against independent
 * implementations of `f` and `g`. With `f = square`, `g = sin` at 1 that is `sin(1)`, not
 * `sin(1)²`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * const square = { name: 'square', lens: Scalar.square, forward: (x: number) => x * x }
 * const sin = { name: 'sin', lens: Scalar.sin, forward: Math.sin }
 * console.log(LensLaws.order(exact)(square, sin, 1), LensLaws.order(exact)(sin, square, 1)) // true true
 *
 * @category predicates
 */
export const order =
  <Y>(EC: Eq<Y>) =>
  <A, B, C extends Y>(f: Reference<A, B>, g: Reference<B, C>, a: NoInfer<A>): boolean => {
    const expected = g.forward(f.forward(a))
    return EC.equals(fwd(Lens.pipe(f.lens, g.lens), a), expected) && EC.equals(fwd(Lens.compose(g.lens, f.lens), a), expected)
  }

/**
 * Round trip through the concrete pair: `make(toPair(L)) ≡ L` on fwd and bwd.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.roundTrip(exact, exact)(Lens.pipe(Scalar.exp, Scalar.cos), 0.5, 1)) // true
 *
 * @category predicates
 */
export const roundTrip =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    agreeAt(EA, EB)(Lens.make(Lens.toPair(lens)), lens, a, db)

/**
 * Round trip from the concrete pair: `toPair(make(p))` computes what `p` computes, and the
 * lens `make(p)` runs `p.forward` forward and `p.backward(a, db, p.forward(a))` backward.
 *
 * @example
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * const cube = { forward: (x: number) => x ** 3, backward: (x: number, dy: number) => 3 * x * x * dy }
 * console.log(LensLaws.pairRoundTrip(exact, exact)(cube, 2, 1)) // true
 *
 * @category predicates
 */
export const pairRoundTrip =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(pair: Lens.Pair<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const lens = Lens.make(pair)
    const back = Lens.toPair(lens)
    const b = pair.forward(a)
    const da = pair.backward(a, db, b)
    return (
      EB.equals(back.forward(a), b) &&
      EA.equals(back.backward(a, db, b), da) &&
      EB.equals(fwd(lens, a), b) &&
      EA.equals(bwd(lens, a, db), da)
    )
  }

/**
 * Linearity of the CPS term: running `lens(next)(a)` with a counting `next` and a counting
 * continuation calls `next` exactly once (with `fwd(L)(a)`), runs the computation `next`
 * returns exactly once, and calls the continuation exactly once (with `bwd(L)(a, db)`).
 * A fan-out that re-runs the rest of the program fails it.
 *
 * @example
 * import { Cont, Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * // Calls next twice: the rest of the program runs twice.
 * const twice: Lens.Lens<number, number> = (next) => (x) =>
 *   Cont.flatMap(next(x), (d1: number) => Cont.map(next(x), (d2: number) => d1 + d2))
 * console.log(LensLaws.linearity(exact, exact)(Scalar.sin, 1, 1), LensLaws.linearity(exact, exact)(twice, 1, 1)) // true false
 *
 * @category predicates
 */
export const linearity =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const outputs: Array<B> = []
    let restRuns = 0
    const cotangents: Array<A> = []
    const next: Lens.Flow<B, A> = (b) => {
      outputs.push(b)
      return Cont.defer(() => {
        restRuns++
        return Cont.of<A, B>(db)
      })
    }
    Cont.run(lens<A>(next)(a), (da) => {
      cotangents.push(da)
      return da
    })
    return (
      outputs.length === 1 &&
      restRuns === 1 &&
      cotangents.length === 1 &&
      EB.equals(outputs[0] as B, fwd(lens, a)) &&
      EA.equals(cotangents[0] as A, bwd(lens, a, db))
    )
  }

const noContinuation = (): never => {
  throw new Error('LensLaws.cpsAgreesWithRunners: the final flow aborts, its continuation must not run')
}

/**
 * The CPS form agrees with the runners. Running the lens's CPS function directly, with a
 * final flow that aborts with the output, gives `evaluate`; with a final flow that yields
 * `db`, gives `backPropagateConst` (and `backPropagate` with a loss). `valueAndGrad(L, a, db)`
 * gives both, and the pullback of `vjp` gives the same cotangent on every call. (For lenses
 * built by the library, the runners use the flattened tape; this law ties the tape to the CPS
 * semantics.)
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.cpsAgreesWithRunners(exact, exact)(Lens.pipe(Scalar.square, Scalar.exp), 0.5, 2)) // true
 *
 * @category predicates
 */
export const cpsAgreesWithRunners =
  <X, Y>(EA: Eq<X>, EB: Eq<Y>) =>
  <A extends X, B extends Y>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const value = Cont.run(
      lens<B>((b) => Cont.make<B, B>(() => b))(a),
      noContinuation
    )
    const cotangent = Cont.run(
      lens<A>(() => Cont.of<A, B>(db))(a),
      (da) => da
    )
    const [v, g] = Lens.valueAndGrad(lens, a, db)
    const [w, pullback] = Lens.vjp(lens, a)
    return (
      EB.equals(Lens.evaluate(lens, a), value) &&
      EA.equals(Lens.backPropagateConst(lens, db, a), cotangent) &&
      EA.equals(
        Lens.backPropagate(lens, () => db, a),
        cotangent
      ) &&
      EB.equals(v, value) &&
      EA.equals(g, cotangent) &&
      EB.equals(w, value) &&
      EA.equals(pullback(db), cotangent) &&
      EA.equals(pullback(db), cotangent)
    )
  }

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * Common options of the runners.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * const options: LensLaws.RunOptions = { numRuns: 50, seed: 7 }
 * LensLaws.checkLinearity({ ...options, lens: scalarLens(), input: doubleIn(-1, 1), cotangent: doubleIn(-1, 1) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface RunOptions {
  /** fast-check runs per law (default 200). */
  readonly numRuns?: number
  /** A fixed fast-check seed, to replay a failure. */
  readonly seed?: number
}

/**
 * What the single-lens laws draw: lenses, inputs and output cotangents, and the
 * equalities (both default to {@link exact}).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { LensLaws, doubleIn, exactNumber } from 'backprop-lens/laws'
 *
 * // Your own primitive, checked by every single-lens law.
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * const mine: LensLaws.LensArbitraries<number, number> = {
 *   lens: fc.constant(cube),
 *   input: doubleIn(-2, 2),
 *   cotangent: doubleIn(-2, 2),
 *   eqB: exactNumber
 * }
 * LensLaws.checkAll(mine)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface LensArbitraries<A, B> extends RunOptions {
  readonly lens: fc.Arbitrary<Lens.Lens<A, B>>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<B>
  readonly eqA?: Eq<A>
  readonly eqB?: Eq<B>
}

const parameters = <Ts>(options: RunOptions): fc.Parameters<Ts> => {
  const numRuns = options.numRuns ?? 200
  return options.seed === undefined ? { numRuns } : { numRuns, seed: options.seed }
}

const single =
  (law: <X, Y>(EA: Eq<X>, EB: Eq<Y>) => <A extends X, B extends Y>(lens: Lens.Lens<A, B>, a: A, db: B) => boolean) =>
  <A, B>(options: LensArbitraries<A, B>): void => {
    const predicate = law<A, B>(options.eqA ?? exact, options.eqB ?? exact)
    fc.assert(
      fc.property(options.lens, options.input, options.cotangent, (lens, a, db) => predicate(lens, a, db)),
      parameters<[Lens.Lens<A, B>, A, B]>(options)
    )
  }

/**
 * Checks {@link identity} on the given arbitraries.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkIdentity({ lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkIdentity: <A, B>(options: LensArbitraries<A, B>) => void = single(identity)

/**
 * Checks {@link roundTrip} on the given arbitraries.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkRoundTrip({ lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkRoundTrip: <A, B>(options: LensArbitraries<A, B>) => void = single(roundTrip)

/**
 * Checks {@link linearity} on the given arbitraries.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkLinearity({ lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkLinearity: <A, B>(options: LensArbitraries<A, B>) => void = single(linearity)

/**
 * Checks {@link cpsAgreesWithRunners} on the given arbitraries.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkCpsAgreesWithRunners({ lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkCpsAgreesWithRunners: <A, B>(options: LensArbitraries<A, B>) => void = single(cpsAgreesWithRunners)

/**
 * What {@link checkAssociativity} draws: three composable lenses, inputs, cotangents of the
 * last output, and the equalities of the input and the last output.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * const options: LensLaws.ThreeLenses<readonly [number, number], number, number, number> = {
 *   f: fc.constantFrom(Scalar.add, Scalar.mul),
 *   g: scalarLens(),
 *   h: scalarLens(),
 *   input: fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2)),
 *   cotangent: doubleIn(-2, 2),
 *   numRuns: 50
 * }
 * LensLaws.checkAssociativity(options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface ThreeLenses<A, B, C, D> extends RunOptions {
  readonly f: fc.Arbitrary<Lens.Lens<A, B>>
  readonly g: fc.Arbitrary<Lens.Lens<B, C>>
  readonly h: fc.Arbitrary<Lens.Lens<C, D>>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<D>
  readonly eqA?: Eq<A>
  readonly eqD?: Eq<D>
}

/**
 * Checks {@link associativity}.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * const lens = scalarLens()
 * LensLaws.checkAssociativity({ f: lens, g: lens, h: lens, input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAssociativity = <A, B, C, D>(options: ThreeLenses<A, B, C, D>): void => {
  const law = associativity(options.eqA ?? exact, options.eqD ?? exact)
  fc.assert(
    fc.property(options.f, options.g, options.h, options.input, options.cotangent, (f, g, h, a, dd) => law(f, g, h, a, dd)),
    parameters<[Lens.Lens<A, B>, Lens.Lens<B, C>, Lens.Lens<C, D>, A, D]>(options)
  )
}

/**
 * What {@link checkChainRule} draws: two composable lenses, inputs, cotangents of the last
 * output, and the equalities of the input and the last output.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const options: LensLaws.TwoLenses<readonly [number, number], number, number> = {
 *   f: fc.constant(Scalar.mul),
 *   g: fc.constantFrom(Scalar.sin, Scalar.exp),
 *   input: fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2)),
 *   cotangent: doubleIn(-2, 2)
 * }
 * LensLaws.checkChainRule(options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface TwoLenses<A, B, C> extends RunOptions {
  readonly f: fc.Arbitrary<Lens.Lens<A, B>>
  readonly g: fc.Arbitrary<Lens.Lens<B, C>>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<C>
  readonly eqA?: Eq<A>
  readonly eqC?: Eq<C>
}

/**
 * Checks {@link chainRule}.
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkChainRule({ f: scalarLens(), g: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkChainRule = <A, B, C>(options: TwoLenses<A, B, C>): void => {
  const law = chainRule(options.eqA ?? exact, options.eqC ?? exact)
  fc.assert(
    fc.property(options.f, options.g, options.input, options.cotangent, (f, g, a, dc) => law(f, g, a, dc)),
    parameters<[Lens.Lens<A, B>, Lens.Lens<B, C>, A, C]>(options)
  )
}

/**
 * What {@link checkOrder} draws: lenses with reference implementations, and inputs.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, lattice } from 'backprop-lens/laws'
 *
 * const square = { name: 'square', lens: Scalar.square, forward: (x: number) => x * x }
 * const sin = { name: 'sin', lens: Scalar.sin, forward: Math.sin }
 * const options: LensLaws.TwoReferences<number, number, number> = { f: fc.constant(square), g: fc.constant(sin), input: lattice(-2, 2) }
 * LensLaws.checkOrder(options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface TwoReferences<A, B, C> extends RunOptions {
  readonly f: fc.Arbitrary<Reference<A, B>>
  readonly g: fc.Arbitrary<Reference<B, C>>
  readonly input: fc.Arbitrary<A>
  readonly eqC?: Eq<C>
}

/**
 * Checks {@link order}.
 *
 * @example
 * import { LensLaws, lattice, scalarPrimitive } from 'backprop-lens/laws'
 *
 * LensLaws.checkOrder({ f: scalarPrimitive(), g: scalarPrimitive(), input: lattice(-2, 2) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkOrder = <A, B, C>(options: TwoReferences<A, B, C>): void => {
  const law = order(options.eqC ?? exact)
  fc.assert(
    fc.property(options.f, options.g, options.input, (f, g, a) => law(f, g, a)),
    parameters<[Reference<A, B>, Reference<B, C>, A]>(options)
  )
}

/**
 * What {@link checkPairRoundTrip} draws: concrete pairs, inputs and output cotangents.
 *
 * @example
 * import fc from 'fast-check'
 * import { LensLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const options: LensLaws.PairArbitraries<number, number> = {
 *   pair: fc.constant({ forward: Math.sin, backward: (x: number, dy: number) => Math.cos(x) * dy }),
 *   input: doubleIn(-3, 3),
 *   cotangent: doubleIn(-3, 3)
 * }
 * LensLaws.checkPairRoundTrip(options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface PairArbitraries<A, B> extends RunOptions {
  readonly pair: fc.Arbitrary<Lens.Pair<A, B>>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<B>
  readonly eqA?: Eq<A>
  readonly eqB?: Eq<B>
}

/**
 * Checks {@link pairRoundTrip}.
 *
 * @example
 * import { LensLaws, doubleIn, scalarPair } from 'backprop-lens/laws'
 *
 * LensLaws.checkPairRoundTrip({ pair: scalarPair(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkPairRoundTrip = <A, B>(options: PairArbitraries<A, B>): void => {
  const law = pairRoundTrip(options.eqA ?? exact, options.eqB ?? exact)
  fc.assert(
    fc.property(options.pair, options.input, options.cotangent, (p, a, db) => law(p, a, db)),
    parameters<[Lens.Pair<A, B>, A, B]>(options)
  )
}

/**
 * Checks every law of this module that applies to one arbitrary of lenses from a type to
 * itself: identity, associativity, chain rule, round trip, linearity of the CPS term and
 * agreement of the CPS form with the runners. (The order law needs reference
 * implementations: {@link checkOrder}.)
 *
 * @example
 * import { LensLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkAll({ lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3), numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <A>(options: LensArbitraries<A, A>): void => {
  checkIdentity(options)
  const { lens, ...rest } = options
  const eqD = options.eqB
  checkAssociativity({ ...rest, f: lens, g: lens, h: lens, ...(eqD === undefined ? {} : { eqD }) })
  checkChainRule({ ...rest, f: lens, g: lens, ...(eqD === undefined ? {} : { eqC: eqD }) })
  checkRoundTrip(options)
  checkLinearity(options)
  checkCpsAgreesWithRunners(options)
}
