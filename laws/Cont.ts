/**
 * The laws of `Cont` as a Functor, Applicative and Monad (laws 1–3 of `docs/laws.md`):
 * predicates (plain functions over an `Eq`, as in fp-ts-laws) and fast-check runners.
 *
 * Equality of computations is extensional: two `Cont`s are equal when running both with
 * the same continuation gives equal answers ({@link runEq}). The runners draw the
 * continuation with `fc.func`, and draw computations of every kind (the arbitrary `cont`):
 * pure, aborting (the continuation is never called), multi-shot (called twice, the answers
 * combined in order), escaping through `callCC`, and deferred. Law 4 (stack safety) is
 * checked by the library's own suite (`test/stack.test.ts`).
 *
 * @module ContLaws
 */
// One piece, past 400 lines: the file is the namespace `ContLaws`, and half of it is the runnable
// examples of its doc comments.
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import type { Monad2 } from 'fp-ts/lib/Monad.js'
import * as Cont from '../src/Cont.js'
import { cont } from './arbitraries/cont.js'
import { holds, lawsOf, runLaw, type RunOptions } from './internal/run.js'

// -------------------------------------------------------------------------------------
// equality
// -------------------------------------------------------------------------------------

/**
 * Extensional equality of computations at one continuation: `x ≡ y` when
 * `run(x, k)` equals `run(y, k)` by `E`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const S = ContLaws.runEq(exact, (n: number) => n * 2)
 * console.log(S.equals(Cont.of(3), Cont.make((k) => k(3))), S.equals(Cont.of(3), Cont.of(4))) // true false
 *
 * @category equality
 */
export const runEq = <R, A>(E: Eq<R>, k: (a: A) => R): Eq<Cont.Cont<R, A>> => ({
  equals: (x, y) => E.equals(Cont.run(x, k), Cont.run(y, k))
})

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 1.1, functor identity: `map(fa, a => a) ≡ fa`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ContLaws.functorIdentity(ContLaws.runEq(exact, (n: number) => n + 1))(Cont.of(1))) // true
 *
 * @category predicates
 */
export const functorIdentity =
  <R, A>(S: Eq<Cont.Cont<R, A>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  (fa: Cont.Cont<R, A>): boolean =>
    S.equals(
      M.map(fa, (a) => a),
      fa
    )

/**
 * Law 1.2, functor composition: `map(fa, a => bc(ab(a))) ≡ map(map(fa, ab), bc)`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const law = ContLaws.functorComposition(ContLaws.runEq(exact, (s: string) => s.length))
 * console.log(law(Cont.of(2), (n: number) => n * 10, (n: number) => String(n))) // true
 *
 * @category predicates
 */
export const functorComposition =
  <R, C>(S: Eq<Cont.Cont<R, C>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A, B>(fa: Cont.Cont<R, A>, ab: (a: A) => B, bc: (b: B) => C): boolean =>
    S.equals(
      M.map(fa, (a) => bc(ab(a))),
      M.map(M.map(fa, ab), bc)
    )

/**
 * Law 2.1, applicative identity: `ap(of(a => a), fa) ≡ fa`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ContLaws.applicativeIdentity(ContLaws.runEq(exact, (n: number) => n))(Cont.make(() => 7))) // true
 *
 * @category predicates
 */
export const applicativeIdentity =
  <R, A>(S: Eq<Cont.Cont<R, A>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  (fa: Cont.Cont<R, A>): boolean =>
    S.equals(
      M.ap(
        M.of<R, (a: A) => A>((a) => a),
        fa
      ),
      fa
    )

/**
 * Law 2.2, applicative homomorphism: `ap(of(ab), of(a)) ≡ of(ab(a))`.
 *
 * @example
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ContLaws.applicativeHomomorphism(ContLaws.runEq(exact, (s: string) => s))(3, (n: number) => 'x'.repeat(n))) // true
 *
 * @category predicates
 */
export const applicativeHomomorphism =
  <R, B>(S: Eq<Cont.Cont<R, B>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A>(a: A, ab: (a: A) => B): boolean =>
    S.equals(M.ap(M.of<R, (a: A) => B>(ab), M.of<R, A>(a)), M.of<R, B>(ab(a)))

/**
 * Law 2.3, applicative interchange: `ap(fab, of(a)) ≡ ap(of(f => f(a)), fab)`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const fab = Cont.of<number, (n: number) => number>((n) => n + 1)
 * console.log(ContLaws.applicativeInterchange(ContLaws.runEq(exact, (n: number) => n))(1, fab)) // true
 *
 * @category predicates
 */
export const applicativeInterchange =
  <R, B>(S: Eq<Cont.Cont<R, B>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A>(a: A, fab: Cont.Cont<R, (a: A) => B>): boolean =>
    S.equals(
      M.ap(fab, M.of<R, A>(a)),
      M.ap(
        M.of<R, (f: (a: A) => B) => B>((f) => f(a)),
        fab
      )
    )

/**
 * Law 2.4, applicative (Apply) composition:
 * `ap(ap(map(fbc, bc => ab => a => bc(ab(a))), fab), fa) ≡ ap(fbc, ap(fab, fa))`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const law = ContLaws.applicativeComposition(ContLaws.runEq(exact, (n: number) => n))
 * console.log(law(Cont.of(2), Cont.of((n: number) => n * 3), Cont.of((n: number) => n + 1))) // true
 *
 * @category predicates
 */
export const applicativeComposition =
  <R, C>(S: Eq<Cont.Cont<R, C>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A, B>(fa: Cont.Cont<R, A>, fab: Cont.Cont<R, (a: A) => B>, fbc: Cont.Cont<R, (b: B) => C>): boolean =>
    S.equals(
      M.ap(
        M.ap(
          M.map(fbc, (bc) => (ab: (a: A) => B) => (a: A) => bc(ab(a))),
          fab
        ),
        fa
      ),
      M.ap(fbc, M.ap(fab, fa))
    )

/**
 * Law 3.1, monad left identity: `flatMap(of(a), afb) ≡ afb(a)`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const afb = (n: number) => Cont.make<number, number>((k) => k(n) + k(-n))
 * console.log(ContLaws.monadLeftIdentity(ContLaws.runEq(exact, (n: number) => n * n))(3, afb)) // true
 *
 * @category predicates
 */
export const monadLeftIdentity =
  <R, B>(S: Eq<Cont.Cont<R, B>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A>(a: A, afb: (a: A) => Cont.Cont<R, B>): boolean =>
    S.equals(M.chain(M.of<R, A>(a), afb), afb(a))

/**
 * Law 3.2, monad right identity: `flatMap(fa, of) ≡ fa`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ContLaws.monadRightIdentity(ContLaws.runEq(exact, (n: number) => n))(Cont.make((k) => k(1) * k(2)))) // true
 *
 * @category predicates
 */
export const monadRightIdentity =
  <R, A>(S: Eq<Cont.Cont<R, A>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  (fa: Cont.Cont<R, A>): boolean =>
    S.equals(
      M.chain(fa, (a) => M.of<R, A>(a)),
      fa
    )

/**
 * Law 3.3, monad associativity: `flatMap(flatMap(fa, afb), bfc) ≡ flatMap(fa, a => flatMap(afb(a), bfc))`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const law = ContLaws.monadAssociativity(ContLaws.runEq(exact, (s: string) => s))
 * console.log(law(Cont.of(1), (n: number) => Cont.of(n + 1), (n: number) => Cont.of(String(n)))) // true
 *
 * @category predicates
 */
export const monadAssociativity =
  <R, C>(S: Eq<Cont.Cont<R, C>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A, B>(fa: Cont.Cont<R, A>, afb: (a: A) => Cont.Cont<R, B>, bfc: (b: B) => Cont.Cont<R, C>): boolean =>
    S.equals(
      M.chain(M.chain(fa, afb), bfc),
      M.chain(fa, (a) => M.chain(afb(a), bfc))
    )

/**
 * Law 3.4, `map` agrees with `flatMap`: `map(fa, ab) ≡ flatMap(fa, a => of(ab(a)))`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ContLaws.mapAgreesWithFlatMap(ContLaws.runEq(exact, (n: number) => n))(Cont.of(2), (n: number) => n * 4)) // true
 *
 * @category predicates
 */
export const mapAgreesWithFlatMap =
  <R, B>(S: Eq<Cont.Cont<R, B>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A>(fa: Cont.Cont<R, A>, ab: (a: A) => B): boolean =>
    S.equals(
      M.map(fa, ab),
      M.chain(fa, (a) => M.of<R, B>(ab(a)))
    )

/**
 * Law 3.5, `ap` agrees with `flatMap`: `ap(fab, fa) ≡ flatMap(fab, f => map(fa, f))`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const law = ContLaws.apAgreesWithFlatMap(ContLaws.runEq(exact, (n: number) => n))
 * console.log(law(Cont.of((n: number) => n + 1), Cont.of(41))) // true
 *
 * @category predicates
 */
export const apAgreesWithFlatMap =
  <R, B>(S: Eq<Cont.Cont<R, B>>, M: Monad2<Cont.URI> = Cont.Monad) =>
  <A>(fab: Cont.Cont<R, (a: A) => B>, fa: Cont.Cont<R, A>): boolean =>
    S.equals(
      M.ap(fab, fa),
      M.chain(fab, (f) => M.map(fa, f))
    )

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw from besides their own values (numbers, strings and functions
 * between them): the answers of type `R` that aborting computations and continuations give
 * (`fc.func(answer)`), and how multi-shot computations combine the answers of their two
 * calls. Choose a `combine` in which order and multiplicity show (a concatenation with a
 * separator does; an addition does not see the order).
 *
 * @example
 * import fc from 'fast-check'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const strings: ContLaws.Arbitraries<string> = { answer: fc.string({ maxLength: 4 }), combine: (x, y) => `${x}|${y}` }
 * ContLaws.checkAll(exact, strings, { numRuns: 100 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Arbitraries<R> {
  /** Answers of aborting computations and of continuations. */
  readonly answer: fc.Arbitrary<R>
  /** How a multi-shot computation combines the answers of its two calls. */
  readonly combine: (x: R, y: R) => R
}

/**
 * Options of the runners: {@link RunOptions} (default 1000 runs per law: the Cont laws are
 * cheap) and the instance under test (default the library's `Cont.Monad`).
 *
 * @example
 * import fc from 'fast-check'
 * import { Cont } from 'backprop-lens'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * const options: ContLaws.Options = { numRuns: 300, parameters: { seed: 42 }, instance: Cont.Monad }
 * ContLaws.checkMonad(exact, { answer: fc.string(), combine: (x, y) => `${x}|${y}` }, options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Options extends RunOptions {
  /** The instance under test (default `Cont.Monad`). */
  readonly instance?: Monad2<Cont.URI>
}

const RUNS = 1000
const numbers = fc.integer({ min: -1000, max: 1000 })
const strings = fc.string({ maxLength: 3 })

const law = lawsOf('ContLaws')

/** Runs one law of this module; `k` is always the last drawn argument, the continuation. */
const run = <Ts extends [unknown, ...Array<unknown>]>(
  runner: string,
  number: string,
  name: string,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => boolean,
  options: Options
): void => runLaw(law(runner, number, name), arbitraries, (...args: Ts) => holds(check(...args)), options, RUNS)

/**
 * Law 1, Functor: identity (1.1) and composition (1.2), each with its own fast-check run;
 * throws a report with the counterexample and the seed on failure.
 *
 * @example
 * import fc from 'fast-check'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * ContLaws.checkFunctor(exact, { answer: fc.string(), combine: (x, y) => `${x}|${y}` }, { numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkFunctor = <R>(eq: Eq<R>, arbitraries: Arbitraries<R>, options: Options = {}): void => {
  const M = options.instance ?? Cont.Monad
  const { answer, combine } = arbitraries
  const continuation = fc.func(answer)
  run('checkFunctor', '1.1', 'functor identity', [cont(numbers, answer, combine), continuation], (fa, k) => functorIdentity(runEq(eq, k), M)(fa), options)
  run(
    'checkFunctor',
    '1.2',
    'functor composition',
    [cont(numbers, answer, combine), fc.func(strings), fc.func(numbers), continuation],
    (fa, ab, bc, k) => functorComposition<R, number>(runEq(eq, k), M)(fa, ab, bc),
    options
  )
}

/**
 * Law 2, Applicative: identity (2.1), homomorphism (2.2), interchange (2.3) and composition
 * (2.4).
 *
 * @example
 * import fc from 'fast-check'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * ContLaws.checkApplicative(exact, { answer: fc.string(), combine: (x, y) => `${x}|${y}` }, { numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkApplicative = <R>(eq: Eq<R>, arbitraries: Arbitraries<R>, options: Options = {}): void => {
  const M = options.instance ?? Cont.Monad
  const { answer, combine } = arbitraries
  const continuation = fc.func(answer)
  const of = <A>(value: fc.Arbitrary<A>): fc.Arbitrary<Cont.Cont<R, A>> => cont(value, answer, combine)
  run('checkApplicative', '2.1', 'applicative identity', [of(numbers), continuation], (fa, k) => applicativeIdentity(runEq(eq, k), M)(fa), options)
  run(
    'checkApplicative',
    '2.2',
    'applicative homomorphism',
    [numbers, fc.func(strings), continuation],
    (a, ab, k) => applicativeHomomorphism<R, string>(runEq(eq, k), M)(a, ab),
    options
  )
  run(
    'checkApplicative',
    '2.3',
    'applicative interchange',
    [numbers, of(fc.func(strings)), continuation],
    (a, fab, k) => applicativeInterchange<R, string>(runEq(eq, k), M)(a, fab),
    options
  )
  run(
    'checkApplicative',
    '2.4',
    'applicative composition',
    [of(numbers), of(fc.func(strings)), of(fc.func(numbers)), continuation],
    (fa, fab, fbc, k) => applicativeComposition<R, number>(runEq(eq, k), M)(fa, fab, fbc),
    options
  )
}

/**
 * Law 3, Monad: left identity (3.1), right identity (3.2), associativity (3.3), and `map`
 * (3.4) and `ap` (3.5) agree with `flatMap`.
 *
 * @example
 * import fc from 'fast-check'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * ContLaws.checkMonad(exact, { answer: fc.string(), combine: (x, y) => `${x}|${y}` }, { numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkMonad = <R>(eq: Eq<R>, arbitraries: Arbitraries<R>, options: Options = {}): void => {
  const M = options.instance ?? Cont.Monad
  const { answer, combine } = arbitraries
  const continuation = fc.func(answer)
  const of = <A>(value: fc.Arbitrary<A>): fc.Arbitrary<Cont.Cont<R, A>> => cont(value, answer, combine)
  run(
    'checkMonad',
    '3.1',
    'monad left identity',
    [numbers, fc.func(of(strings)), continuation],
    (a, afb, k) => monadLeftIdentity<R, string>(runEq(eq, k), M)(a, afb),
    options
  )
  run('checkMonad', '3.2', 'monad right identity', [of(numbers), continuation], (fa, k) => monadRightIdentity(runEq(eq, k), M)(fa), options)
  run(
    'checkMonad',
    '3.3',
    'monad associativity',
    [of(numbers), fc.func(of(strings)), fc.func(of(numbers)), continuation],
    (fa, afb, bfc, k) => monadAssociativity<R, number>(runEq(eq, k), M)(fa, afb, bfc),
    options
  )
  run(
    'checkMonad',
    '3.4',
    'map agrees with flatMap',
    [of(numbers), fc.func(strings), continuation],
    (fa, ab, k) => mapAgreesWithFlatMap<R, string>(runEq(eq, k), M)(fa, ab),
    options
  )
  run(
    'checkMonad',
    '3.5',
    'ap agrees with flatMap',
    [of(fc.func(strings)), of(numbers), continuation],
    (fab, fa, k) => apAgreesWithFlatMap<R, string>(runEq(eq, k), M)(fab, fa),
    options
  )
}

/**
 * Every law of this module: {@link checkFunctor}, {@link checkApplicative},
 * {@link checkMonad} (laws 1–3).
 *
 * @example
 * import fc from 'fast-check'
 * import { ContLaws, exact } from 'backprop-lens/laws'
 *
 * ContLaws.checkAll(exact, { answer: fc.string(), combine: (x, y) => `${x}|${y}` }, { numRuns: 100 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <R>(eq: Eq<R>, arbitraries: Arbitraries<R>, options: Options = {}): void => {
  checkFunctor(eq, arbitraries, options)
  checkApplicative(eq, arbitraries, options)
  checkMonad(eq, arbitraries, options)
}
