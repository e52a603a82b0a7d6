/**
 * The laws of `Lens` (laws 5–10 of `docs/laws.md`): identity, associativity, the chain rule,
 * order, round trip (between a lens, its concrete pair and the runners), and linearity of
 * the CPS term. Predicates take the `Eq` that compares inputs, outputs and their cotangents;
 * runners feed them fast-check arbitraries, so you can check your own lenses with your own
 * inputs.
 *
 * Notation: `fwd(L)(a) = evaluate(L, a)`, `bwd(L)(a, db) = backPropagateConst(L, db, a)`.
 * Two lenses agree at `(a, db)` when their `fwd` and their `bwd` are equal there. Every law
 * here is exact (compare with `exact`): it only moves where operations happen, never which
 * floating-point operations happen.
 *
 * @module LensLaws
 */
// One piece, past 400 lines: the file is the namespace `LensLaws`, and half of it is the runnable
// examples of its doc comments.
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Cont from '../src/Cont.js'
import * as Lens from '../src/Lens.js'
import type { Reference } from './arbitraries/lenses.js'
import { holds, lawsOf, runLaw, type RunOptions } from './internal/run.js'

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

/**
 * `x` and `y` agree at `(a, db)`: equal outputs and equal input cotangents by `E`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * const agree = LensLaws.agreeAt(exact)
 * console.log(agree(Lens.pipe(Scalar.square, Scalar.sin), Lens.compose(Scalar.sin, Scalar.square), 1, 1)) // true
 *
 * @category predicates
 */
export const agreeAt =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(x: Lens.Lens<A, B>, y: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    E.equals(fwd(x, a), fwd(y, a)) && E.equals(bwd(x, a, db), bwd(y, a, db))

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 5, identity: `pipe(id(), f) ≡ f ≡ pipe(f, id())`, and the same through `Lens.Category`
 * (`compose(id, f)`, `compose(f, id)`), on fwd and bwd.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.identity(exact)(Scalar.tanh, 0.5, 2)) // true
 *
 * @category predicates
 */
export const identity =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(f: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const agree = agreeAt(E)
    return (
      agree(Lens.pipe(Lens.id<A>(), f), f, a, db) &&
      agree(Lens.pipe(f, Lens.id<B>()), f, a, db) &&
      agree(Lens.Category.compose(f, Lens.Category.id<A>()), f, a, db) &&
      agree(Lens.Category.compose(Lens.Category.id<B>(), f), f, a, db)
    )
  }

/**
 * Law 6, associativity: `pipe(pipe(f, g), h) ≡ pipe(f, pipe(g, h)) ≡ pipe(f, g, h)`, and the
 * same with `compose`, on fwd and bwd.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.associativity(exact)(Scalar.sin, Scalar.square, Scalar.exp, 0.3, 1)) // true
 *
 * @category predicates
 */
export const associativity =
  <X>(E: Eq<X>) =>
  <A extends X, B, C, D extends X>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, h: Lens.Lens<C, D>, a: NoInfer<A>, dd: NoInfer<D>): boolean => {
    const agree = agreeAt(E)
    const left = Lens.pipe(Lens.pipe(f, g), h)
    return (
      agree(left, Lens.pipe(f, Lens.pipe(g, h)), a, dd) &&
      agree(left, Lens.pipe(f, g, h), a, dd) &&
      agree(Lens.compose(h, Lens.compose(g, f)), Lens.compose(Lens.compose(h, g), f), a, dd) &&
      agree(left, Lens.compose(h, Lens.compose(g, f)), a, dd)
    )
  }

/**
 * Law 7, chain rule: `bwd(pipe(f, g))(a, dc) = bwd(f)(a, bwd(g)(fwd(f)(a), dc))`, and
 * `fwd(pipe(f, g))(a) = fwd(g)(fwd(f)(a))`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.chainRule(exact)(Scalar.square, Scalar.sin, 1, 1)) // true
 *
 * @category predicates
 */
export const chainRule =
  <X>(E: Eq<X>) =>
  <A extends X, B, C extends X>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: NoInfer<A>, dc: NoInfer<C>): boolean => {
    const fg = Lens.pipe(f, g)
    const b = fwd(f, a)
    return E.equals(fwd(fg, a), fwd(g, b)) && E.equals(bwd(fg, a, dc), bwd(f, a, bwd(g, b, dc)))
  }

/**
 * Law 8, order: `pipe(f, g)` (and `compose(g, f)`) computes `g(f(a))`, checked against
 * independent implementations of `f` and `g`. With `f = square`, `g = sin` at 1 that is
 * `sin(1)`, not `sin(1)²`.
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
  <X>(E: Eq<X>) =>
  <A, B, C extends X>(f: Reference<A, B>, g: Reference<B, C>, a: NoInfer<A>): boolean => {
    const expected = g.forward(f.forward(a))
    return E.equals(fwd(Lens.pipe(f.lens, g.lens), a), expected) && E.equals(fwd(Lens.compose(g.lens, f.lens), a), expected)
  }

/**
 * Law 9.1, round trip through the concrete pair: `make(toPair(L)) ≡ L` on fwd and bwd.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.roundTrip(exact)(Lens.pipe(Scalar.exp, Scalar.cos), 0.5, 1)) // true
 *
 * @category predicates
 */
export const roundTrip =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    agreeAt(E)(Lens.make(Lens.toPair(lens)), lens, a, db)

/**
 * Law 9.2, round trip from the concrete pair: `toPair(make(p))` computes what `p` computes,
 * and the lens `make(p)` runs `p.forward` forward and `p.backward(a, db, p.forward(a))`
 * backward.
 *
 * @example
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * const cube = { forward: (x: number) => x ** 3, backward: (x: number, dy: number) => 3 * x * x * dy }
 * console.log(LensLaws.pairRoundTrip(exact)(cube, 2, 1)) // true
 *
 * @category predicates
 */
export const pairRoundTrip =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(pair: Lens.Pair<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
    const lens = Lens.make(pair)
    const back = Lens.toPair(lens)
    const b = pair.forward(a)
    const da = pair.backward(a, db, b)
    return (
      E.equals(back.forward(a), b) &&
      E.equals(back.backward(a, db, b), da) &&
      E.equals(fwd(lens, a), b) &&
      E.equals(bwd(lens, a, db), da)
    )
  }

const noContinuation = (): never => {
  throw new Error('LensLaws.cpsAgreesWithRunners: the final flow aborts, its continuation must not run')
}

/**
 * Law 9.3, the CPS term agrees with the runners. Running the lens's CPS function directly,
 * with a final flow that aborts with the output, gives `evaluate`; with a final flow that
 * yields `db`, gives `backPropagateConst` (and `backPropagate` with a loss).
 * `valueAndGrad(L, a, db)` gives both, and the pullback of `vjp` gives the same cotangent on
 * every call. (For lenses built by the library, the runners use the flattened tape; this
 * law ties the tape to the CPS semantics.)
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(LensLaws.cpsAgreesWithRunners(exact)(Lens.pipe(Scalar.square, Scalar.exp), 0.5, 2)) // true
 *
 * @category predicates
 */
export const cpsAgreesWithRunners =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean => {
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
      E.equals(Lens.evaluate(lens, a), value) &&
      E.equals(Lens.backPropagateConst(lens, db, a), cotangent) &&
      E.equals(
        Lens.backPropagate(lens, () => db, a),
        cotangent
      ) &&
      E.equals(v, value) &&
      E.equals(g, cotangent) &&
      E.equals(w, value) &&
      E.equals(pullback(db), cotangent) &&
      E.equals(pullback(db), cotangent)
    )
  }

/** One CPS run of `lens` at `a`, counting what it calls; the rest of the program yields `db`. */
const runCounted = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B, deferred: boolean) => {
  const outputs: Array<B> = []
  let restRuns = 0
  const cotangents: Array<A> = []
  const next: Lens.Flow<B, A> = (b) => {
    outputs.push(b)
    if (!deferred) {
      restRuns++
      return Cont.of<A, B>(db)
    }
    return Cont.defer(() => {
      restRuns++
      return Cont.of<A, B>(db)
    })
  }
  Cont.run(lens<A>(next)(a), (da) => {
    cotangents.push(da)
    return da
  })
  return { outputs, restRuns, cotangents }
}

/**
 * Law 10, linearity of the CPS term: running `lens(next)(a)` with a counting `next` and a
 * counting continuation calls `next` exactly once (with `fwd(L)(a)`), runs the computation
 * `next` returns exactly once, and calls the continuation exactly once (with
 * `bwd(L)(a, db)`); both when `next` returns its computation at once and when it defers it.
 * A fan-out that re-runs the rest of the program fails it.
 *
 * @example
 * import { Cont, Lens, Scalar } from 'backprop-lens'
 * import { LensLaws, exact } from 'backprop-lens/laws'
 *
 * // Calls next twice: the rest of the program runs twice.
 * const twice: Lens.Lens<number, number> = (next) => (x) =>
 *   Cont.flatMap(next(x), (d1: number) => Cont.map(next(x), (d2: number) => d1 + d2))
 * console.log(LensLaws.linearity(exact)(Scalar.sin, 1, 1), LensLaws.linearity(exact)(twice, 1, 1)) // true false
 *
 * @category predicates
 */
export const linearity =
  <X>(E: Eq<X>) =>
  <A extends X, B extends X>(lens: Lens.Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    [false, true].every((deferred) => {
      const { outputs, restRuns, cotangents } = runCounted(lens, a, db, deferred)
      return (
        outputs.length === 1 &&
        restRuns === 1 &&
        cotangents.length === 1 &&
        E.equals(outputs[0] as B, fwd(lens, a)) &&
        E.equals(cotangents[0] as A, bwd(lens, a, db))
      )
    })

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw: the lenses under test, their inputs and output cotangents, and
 * for some laws more:
 * - `after`: lenses that run after them in laws 6 and 7 (`pipe(lens, g, h)`); without it
 *   the runners compose `lens` with itself, which needs `B` to be `A` (the types say so);
 * - `pair`: concrete pairs for law 9.2 (default: `toPair` of the drawn lenses);
 * - `reference`, `afterReference`: lenses with independent implementations, for law 8.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { LensLaws, doubleIn, exactNumber, named, scalarLens } from 'backprop-lens/laws'
 *
 * // Your own primitive, checked by every law of this module that it can be.
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * const mine: LensLaws.Arbitraries<number, number> = {
 *   lens: fc.constant(named('cube', cube)),
 *   input: doubleIn(-2, 2),
 *   cotangent: doubleIn(-2, 2),
 *   after: scalarLens()
 * }
 * LensLaws.checkAll(exactNumber, mine)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Arbitraries<A, B> {
  /** The lenses under test. */
  readonly lens: fc.Arbitrary<Lens.Lens<A, B>>
  /** Their inputs. */
  readonly input: fc.Arbitrary<A>
  /** Cotangents of their outputs. */
  readonly cotangent: fc.Arbitrary<B>
  /** Lenses composed after them by laws 6 and 7 (default: `lens` itself, when `B` is `A`). */
  readonly after?: fc.Arbitrary<Lens.Lens<B, B>>
  /** Concrete pairs for law 9.2 (default: `toPair` of the drawn lenses). */
  readonly pair?: fc.Arbitrary<Lens.Pair<A, B>>
  /** The first lenses of law 8, with independent implementations. */
  readonly reference?: fc.Arbitrary<Reference<A, B>>
  /** The second lenses of law 8, with independent implementations. */
  readonly afterReference?: fc.Arbitrary<Reference<B, B>>
}

/**
 * What laws 6 and 7 need besides {@link Arbitraries}: nothing when the lenses map a type to
 * itself (they are composed with themselves), the lenses `after` otherwise.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * // A binary primitive: the composition laws need lenses on its output.
 * const arbitraries: LensLaws.Arbitraries<readonly [number, number], number> & LensLaws.After<readonly [number, number], number> = {
 *   lens: fc.constant(Scalar.mul),
 *   input: fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2)),
 *   cotangent: doubleIn(-2, 2),
 *   after: scalarLens({ maxDepth: 2 })
 * }
 * LensLaws.checkChainRule(exact, arbitraries, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export type After<A, B> = [A] extends [B] ? ([B] extends [A] ? unknown : { readonly after: fc.Arbitrary<Lens.Lens<B, B>> }) : { readonly after: fc.Arbitrary<Lens.Lens<B, B>> }

const law = lawsOf('LensLaws')

/** The lenses composed after the drawn ones: `after`, or (when `B` is `A`, as `After` ensures) the lenses themselves. */
const following = <A, B>(arbitraries: Arbitraries<A, B>): fc.Arbitrary<Lens.Lens<B, B>> =>
  arbitraries.after ?? (arbitraries.lens as unknown as fc.Arbitrary<Lens.Lens<B, B>>)

/**
 * Checks law 5 ({@link identity}) on the given arbitraries; throws a report with the
 * counterexample and the seed on failure.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkIdentity(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkIdentity = <A, B>(eq: NoInfer<Eq<A | B>>, arbitraries: Arbitraries<A, B>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(law('checkIdentity', '5', 'identity'), [lens, input, cotangent], (f, a, db) => holds(identity(eq)(f, a, db)), options)
}

/**
 * Checks law 6 ({@link associativity}): `f` drawn from `lens`, `g` and `h` from `after`.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkAssociativity(exact, { lens: scalarLens({ maxDepth: 3 }), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAssociativity = <A, B>(
  eq: NoInfer<Eq<A | B>>,
  arbitraries: Arbitraries<A, B> & After<A, B>,
  options: RunOptions = {}
): void => {
  const { lens, input, cotangent } = arbitraries
  const then = following(arbitraries)
  runLaw(
    law('checkAssociativity', '6', 'associativity'),
    [lens, then, then, input, cotangent],
    (f, g, h, a, db) => holds(associativity(eq)(f, g, h, a, db)),
    options
  )
}

/**
 * Checks law 7 ({@link chainRule}): `f` drawn from `lens`, `g` from `after`.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkChainRule(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkChainRule = <A, B>(eq: NoInfer<Eq<A | B>>, arbitraries: Arbitraries<A, B> & After<A, B>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(
    law('checkChainRule', '7', 'chain rule'),
    [lens, following(arbitraries), input, cotangent],
    (f, g, a, db) => holds(chainRule(eq)(f, g, a, db)),
    options
  )
}

/**
 * Checks law 8 ({@link order}): `f` drawn from `reference`, `g` from `afterReference`.
 *
 * @example
 * import { LensLaws, exact, lattice, scalarPrimitive } from 'backprop-lens/laws'
 *
 * LensLaws.checkOrder(exact, { reference: scalarPrimitive(), afterReference: scalarPrimitive(), input: lattice(-2, 2) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkOrder = <A, B>(
  eq: NoInfer<Eq<B>>,
  arbitraries: Pick<Arbitraries<A, B>, 'input'> & Required<Pick<Arbitraries<A, B>, 'reference' | 'afterReference'>>,
  options: RunOptions = {}
): void => {
  const { reference, afterReference, input } = arbitraries
  runLaw(law('checkOrder', '8', 'order'), [reference, afterReference, input], (f, g, a) => holds(order(eq)(f, g, a)), options)
}

/**
 * Checks law 9: {@link roundTrip} (9.1) and {@link cpsAgreesWithRunners} (9.3) on the drawn
 * lenses, and {@link pairRoundTrip} (9.2) on `pair` (default: `toPair` of the drawn
 * lenses).
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens, scalarPair } from 'backprop-lens/laws'
 *
 * LensLaws.checkRoundTrip(exact, { lens: scalarLens(), pair: scalarPair(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkRoundTrip = <A, B>(eq: NoInfer<Eq<A | B>>, arbitraries: Arbitraries<A, B>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  const pairs = arbitraries.pair ?? lens.map((l) => Lens.toPair(l))
  runLaw(law('checkRoundTrip', '9.1', 'round trip through the pair'), [lens, input, cotangent], (f, a, db) => holds(roundTrip(eq)(f, a, db)), options)
  runLaw(law('checkRoundTrip', '9.2', 'round trip from the pair'), [pairs, input, cotangent], (p, a, db) => holds(pairRoundTrip(eq)(p, a, db)), options)
  runLaw(
    law('checkRoundTrip', '9.3', 'the CPS term agrees with the runners'),
    [lens, input, cotangent],
    (f, a, db) => holds(cpsAgreesWithRunners(eq)(f, a, db)),
    options
  )
}

/**
 * Checks law 10 ({@link linearity}) on the given arbitraries.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkLinearity(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkLinearity = <A, B>(eq: NoInfer<Eq<A | B>>, arbitraries: Arbitraries<A, B>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(law('checkLinearity', '10', 'linearity of the CPS term'), [lens, input, cotangent], (f, a, db) => holds(linearity(eq)(f, a, db)), options)
}

/**
 * Checks every law of this module: 5, 6, 7, 9 and 10, and 8 when `reference` and
 * `afterReference` are given.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * LensLaws.checkAll(exact, { lens: scalarLens(), input: doubleIn(-3, 3), cotangent: doubleIn(-3, 3) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <A, B>(eq: NoInfer<Eq<A | B>>, arbitraries: Arbitraries<A, B> & After<A, B>, options: RunOptions = {}): void => {
  checkIdentity(eq, arbitraries, options)
  checkAssociativity(eq, arbitraries, options)
  checkChainRule(eq, arbitraries, options)
  const { reference, afterReference, input } = arbitraries
  if (reference !== undefined && afterReference !== undefined) checkOrder(eq, { reference, afterReference, input }, options)
  checkRoundTrip(eq, arbitraries, options)
  checkLinearity(eq, arbitraries, options)
}
