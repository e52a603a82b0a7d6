/**
 * The laws of `Cont` as a Functor, Applicative and Monad: predicates (plain functions over
 * an `Eq`, as in fp-ts-laws) and fast-check runners.
 *
 * Equality of computations is extensional: two `Cont`s are equal when running both with
 * the same continuation gives equal answers ({@link runEq}). The runners draw the
 * continuation with `fc.func`, and draw computations of every kind ({@link cont}): pure,
 * aborting (the continuation is never called), multi-shot (called twice, the answers
 * combined in order), escaping through `callCC`, and deferred.
 *
 * @module ContLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import type { Monad2 } from 'fp-ts/lib/Monad.js'
import * as Cont from '../src/Cont.js'
import { exact } from './Eq.js'


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
 * Functor identity: `map(fa, a => a) ≡ fa`.
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
 * Functor composition: `map(fa, a => bc(ab(a))) ≡ map(map(fa, ab), bc)`.
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
 * Applicative identity: `ap(of(a => a), fa) ≡ fa`.
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
 * Applicative homomorphism: `ap(of(ab), of(a)) ≡ of(ab(a))`.
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
 * Applicative interchange: `ap(fab, of(a)) ≡ ap(of(f => f(a)), fab)`.
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
 * Applicative (Apply) composition:
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
 * Monad left identity: `flatMap(of(a), afb) ≡ afb(a)`.
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
 * Monad right identity: `flatMap(fa, of) ≡ fa`.
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
 * Monad associativity: `flatMap(flatMap(fa, afb), bfc) ≡ flatMap(fa, a => flatMap(afb(a), bfc))`.
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
 * `map` agrees with `flatMap`: `map(fa, ab) ≡ flatMap(fa, a => of(ab(a)))`.
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
 * `ap` agrees with `flatMap`: `ap(fab, fa) ≡ flatMap(fab, f => map(fa, f))`.
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
// arbitraries
// -------------------------------------------------------------------------------------

/** Names a computation the caller has just built, for fast-check's failure report. */
const named = <R, A>(fa: Cont.Cont<R, A>, name: string): Cont.Cont<R, A> => {
  Object.defineProperty(fa, fc.toStringMethod, { value: () => name })
  return fa
}

/**
 * Computations of every kind, yielding values drawn from `value` with answers of type `R`:
 * pure (`of(a)`, `make(k => k(a))`, `defer(() => of(a))`), aborting (`make(() => r)`),
 * multi-shot (`make(k => combine(k(a1), k(a2)))`) and escaping
 * (`callCC(exit => flatMap(exit(a), () => of(a2)))`, which yields `a`). Each prints as its
 * description in failure reports.
 *
 * @example
 * import fc from 'fast-check'
 * import { Cont } from 'backprop-lens'
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * const arb = ContLaws.cont(fc.integer(), fc.string(), (x, y) => x + y)
 * const answers = fc.sample(arb, { numRuns: 20, seed: 1 }).map((fa) => Cont.run(fa, (n) => `<${n}>`))
 * console.log(answers.every((s) => typeof s === 'string')) // true
 *
 * @category arbitraries
 */
export const cont = <R, A>(
  value: fc.Arbitrary<A>,
  answer: fc.Arbitrary<R>,
  combine: (x: R, y: R) => R
): fc.Arbitrary<Cont.Cont<R, A>> => {
  const show = (u: unknown): string => fc.stringify(u)
  return fc.oneof(
    value.map((a) => named(Cont.of<R, A>(a), `of(${show(a)})`)),
    value.map((a) => named(Cont.make<R, A>((k) => k(a)), `make(k => k(${show(a)}))`)),
    value.map((a) => named(Cont.defer(() => Cont.of<R, A>(a)), `defer(() => of(${show(a)}))`)),
    answer.map((r) => named(Cont.make<R, A>(() => r), `make(() => ${show(r)})`)),
    fc
      .tuple(value, value)
      .map(([a1, a2]) =>
        named(Cont.make<R, A>((k) => combine(k(a1), k(a2))), `make(k => combine(k(${show(a1)}), k(${show(a2)})))`)
      ),
    fc
      .tuple(value, value)
      .map(([a1, a2]) =>
        named(
          Cont.callCC<R, A, A>((exit) => Cont.flatMap(exit(a1), () => Cont.of<R, A>(a2))),
          `callCC(exit => flatMap(exit(${show(a1)}), () => of(${show(a2)})))`
        )
      )
  )
}

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * Options of the runners.
 *
 * @example
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * const options: ContLaws.RunnerOptions = { numRuns: 300, seed: 42 }
 * ContLaws.checkMonad(options)
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface RunnerOptions {
  /** fast-check runs per law (default 1000: the Cont laws are cheap). */
  readonly numRuns?: number
  /** A fixed fast-check seed, to replay a failure. */
  readonly seed?: number
  /** The instance under test (default the library's `Cont.Monad`). */
  readonly instance?: Monad2<Cont.URI>
}

/**
 * The answer type of the runners is `string` and multi-shot computations concatenate their
 * answers with a separator, so that order and multiplicity show in the answer.
 */
type R = string
const combine = (x: R, y: R): R => `${x}|${y}`
const answers: fc.Arbitrary<R> = fc.string({ maxLength: 4 })
const numbers = fc.integer({ min: -1000, max: 1000 })
const strings = fc.string({ maxLength: 3 })
const contOf = <A>(value: fc.Arbitrary<A>): fc.Arbitrary<Cont.Cont<R, A>> => cont(value, answers, combine)
const continuation = fc.func(answers)

const assert = <Ts extends [unknown, ...Array<unknown>]>(
  arbs: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  predicate: (...args: Ts) => boolean,
  options: RunnerOptions
): void => {
  const params: fc.Parameters<Ts> = { numRuns: options.numRuns ?? 1000 }
  fc.assert(fc.property(...arbs, predicate), options.seed === undefined ? params : { ...params, seed: options.seed })
}

/**
 * Checks the Functor laws (identity, composition) with fast-check; throws with the
 * counterexample and the seed on failure.
 *
 * @example
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * ContLaws.checkFunctor({ numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkFunctor = (options: RunnerOptions = {}): void => {
  const M = options.instance ?? Cont.Monad
  assert(
    [contOf(numbers), continuation],
    (fa, k) => functorIdentity(runEq(exact, k), M)(fa),
    options
  )
  assert(
    [contOf(numbers), fc.func(strings), fc.func(numbers), continuation],
    (fa, ab, bc, k) => functorComposition<R, number>(runEq(exact, k), M)(fa, ab, bc),
    options
  )
}

/**
 * Checks the Applicative laws (identity, homomorphism, interchange, composition).
 *
 * @example
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * ContLaws.checkApplicative({ numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkApplicative = (options: RunnerOptions = {}): void => {
  const M = options.instance ?? Cont.Monad
  assert(
    [contOf(numbers), continuation],
    (fa, k) => applicativeIdentity(runEq(exact, k), M)(fa),
    options
  )
  assert(
    [numbers, fc.func(strings), continuation],
    (a, ab, k) => applicativeHomomorphism<R, string>(runEq(exact, k), M)(a, ab),
    options
  )
  assert(
    [numbers, contOf(fc.func(strings)), continuation],
    (a, fab, k) => applicativeInterchange<R, string>(runEq(exact, k), M)(a, fab),
    options
  )
  assert(
    [contOf(numbers), contOf(fc.func(strings)), contOf(fc.func(numbers)), continuation],
    (fa, fab, fbc, k) => applicativeComposition<R, number>(runEq(exact, k), M)(fa, fab, fbc),
    options
  )
}

/**
 * Checks the Monad laws (left and right identity, associativity) and that `map` and `ap`
 * agree with `flatMap`.
 *
 * @example
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * ContLaws.checkMonad({ numRuns: 200 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkMonad = (options: RunnerOptions = {}): void => {
  const M = options.instance ?? Cont.Monad
  assert(
    [numbers, fc.func(contOf(strings)), continuation],
    (a, afb, k) => monadLeftIdentity<R, string>(runEq(exact, k), M)(a, afb),
    options
  )
  assert(
    [contOf(numbers), continuation],
    (fa, k) => monadRightIdentity(runEq(exact, k), M)(fa),
    options
  )
  assert(
    [contOf(numbers), fc.func(contOf(strings)), fc.func(contOf(numbers)), continuation],
    (fa, afb, bfc, k) => monadAssociativity<R, number>(runEq(exact, k), M)(fa, afb, bfc),
    options
  )
  assert(
    [contOf(numbers), fc.func(strings), continuation],
    (fa, ab, k) => mapAgreesWithFlatMap<R, string>(runEq(exact, k), M)(fa, ab),
    options
  )
  assert(
    [contOf(fc.func(strings)), contOf(numbers), continuation],
    (fab, fa, k) => apAgreesWithFlatMap<R, string>(runEq(exact, k), M)(fab, fa),
    options
  )
}

/**
 * Checks every law of this module: {@link checkFunctor}, {@link checkApplicative},
 * {@link checkMonad}.
 *
 * @example
 * import { ContLaws } from 'backprop-lens/laws'
 *
 * ContLaws.checkAll({ numRuns: 100 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = (options: RunnerOptions = {}): void => {
  checkFunctor(options)
  checkApplicative(options)
  checkMonad(options)
}
