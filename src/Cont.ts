/**
 * The continuation monad `Cont<R, A>`: a computation that, given the rest of the program
 * `k: (a: A) => R`, produces the final answer `R`.
 *
 * Conceptually `Cont<R, A> = (k: (a: A) => R) => R`. The representation is a small data
 * structure interpreted by a loop with an explicit continuation stack, so that chains of
 * `flatMap`, `map` and `defer` of any length and nesting run in constant JavaScript stack.
 * Continuations are persistent: a computation may call its continuation any number of
 * times (zero times aborts, twice is multi-shot).
 *
 * Laws (checked by `backprop-lens/laws`, extensionally, by running both sides with the same
 * continuation):
 * - Functor: `map(id) ≡ id`, `map(g ∘ f) ≡ map(g) ∘ map(f)`;
 * - Applicative: identity, homomorphism, interchange, composition;
 * - Monad: `flatMap(of(a), f) ≡ f(a)`, `flatMap(m, of) ≡ m`, associativity.
 *
 * Stack safety: everything built from {@link of}, {@link map}, {@link ap}, {@link flatMap},
 * {@link defer}, {@link callCC} and {@link ChainRec} runs in constant stack. A raw CPS
 * function lifted with {@link make} receives a real JavaScript function as its
 * continuation (it must, to combine the answers of several calls), so each `make` whose
 * continuation is still running holds a few native frames: do not nest thousands of them.
 *
 * @module Cont
 */
// One piece, past 400 lines: the `Cont` namespace (model, constructors, fp-ts instances,
// runners); about two thirds of it are doc comments with runnable examples (some 150 lines of
// code).
import type { Applicative2 } from 'fp-ts/lib/Applicative.js'
import type { Apply2 } from 'fp-ts/lib/Apply.js'
import type { Chain2 } from 'fp-ts/lib/Chain.js'
import type { ChainRec2 } from 'fp-ts/lib/ChainRec.js'
import type { Either } from 'fp-ts/lib/Either.js'
import type { Functor2 } from 'fp-ts/lib/Functor.js'
import type { Monad2 } from 'fp-ts/lib/Monad.js'
import type { Pointed2 } from 'fp-ts/lib/Pointed.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

declare const ContBrand: unique symbol

/**
 * A computation with answer type `R` that yields values of type `A` to its continuation.
 * Build one with {@link make}, {@link of} or the combinators; run it with {@link run}.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const twice = Cont.make<number, number>((k) => k(1) + k(2))
 * console.log(Cont.run(twice, (a) => a * 10)) // 30
 *
 * @category model
 */
export interface Cont<R, A> {
  readonly [ContBrand]: { readonly _R: (r: R) => R; readonly _A: () => A }
}

/** A continuation: the rest of the program, from a value to the final answer. */
type K = (a: unknown) => unknown

const PURE = 0
const MAKE = 1
const MAP = 2
const FLATMAP = 3
const DEFER = 4
const CALLCC = 5
const ESCAPE = 6

/**
 * Every node has the same shape, so the interpreter's property loads stay monomorphic.
 * - PURE a=value; MAKE a=raw CPS function; MAP/FLATMAP a=source node, b=function;
 * - DEFER a=thunk; CALLCC a=f; ESCAPE a=value, b=captured stack, c=captured continuation.
 */
class Node {
  constructor(
    readonly tag: number,
    readonly a: unknown,
    readonly b: unknown,
    readonly c: unknown
  ) {}
}

/** A persistent (shareable) stack of pending `map`/`flatMap` functions. */
class Frame {
  constructor(
    readonly isMap: boolean,
    readonly f: (a: unknown) => unknown,
    readonly next: Frame | null
  ) {}
}

const toCont = <R, A>(node: Node): Cont<R, A> => node as unknown as Cont<R, A>
const toNode = <R, A>(fa: Cont<R, A>): Node => {
  if (!(fa instanceof Node)) {
    throw new TypeError(`Cont: expected a Cont built by this library, got ${describe(fa)}`)
  }
  return fa
}
const describe = (u: unknown): string =>
  typeof u === 'function' ? 'a function (lift raw CPS functions with Cont.make)' : String(u)

/**
 * The interpreter. `stack` holds what remains of the current run, `k` is the run's final
 * continuation. Only `MAKE` re-enters the loop (from inside the user's function).
 */
const loop = (start: Node, initialStack: Frame | null, initialK: K): unknown => {
  let node = start
  let stack = initialStack
  let k = initialK
  for (;;) {
    switch (node.tag) {
      case PURE: {
        let value = node.a
        for (;;) {
          if (stack === null) return k(value)
          const frame = stack
          stack = frame.next
          if (frame.isMap) {
            value = frame.f(value)
          } else {
            node = toNode(frame.f(value) as Cont<unknown, unknown>)
            break
          }
        }
        break
      }
      case MAP:
        stack = new Frame(true, node.b as (a: unknown) => unknown, stack)
        node = node.a as Node
        break
      case FLATMAP:
        stack = new Frame(false, node.b as (a: unknown) => unknown, stack)
        node = node.a as Node
        break
      case DEFER:
        node = toNode((node.a as () => Cont<unknown, unknown>)())
        break
      case MAKE: {
        const captured = stack
        const kk = k
        return (node.a as (k: K) => unknown)((a) => loop(new Node(PURE, a, null, null), captured, kk))
      }
      case CALLCC: {
        const captured = stack
        const kk = k
        const exit = (a: unknown): Cont<unknown, unknown> => toCont(new Node(ESCAPE, a, captured, kk))
        node = toNode((node.a as (exit: (a: unknown) => Cont<unknown, unknown>) => Cont<unknown, unknown>)(exit))
        break
      }
      case ESCAPE:
        stack = node.b as Frame | null
        k = node.c as K
        node = new Node(PURE, node.a, null, null)
        break
      default:
        throw new TypeError(`Cont: corrupt node tag ${String(node.tag)}`)
    }
  }
}

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Lifts a raw CPS function `(k: (a: A) => R) => R` (the seed's `lambda callback: …`).
 * The function may call `k` once (an ordinary step), never (it aborts with its own answer),
 * or several times (multi-shot), combining the answers.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const abort = Cont.make<string, number>(() => 'stopped')
 * console.log(Cont.run(abort, (n) => `got ${n}`)) // stopped
 *
 * @category constructors
 */
export const make = <R, A>(f: (k: (a: A) => R) => R): Cont<R, A> => toCont(new Node(MAKE, f, null, null))

/**
 * Yields `a` to the continuation: `of(a) = make(k => k(a))`, without native stack.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.of(20), (n) => n + 1)) // 21
 *
 * @category constructors
 */
export const of = <R = never, A = never>(a: A): Cont<R, A> => toCont(new Node(PURE, a, null, null))

/**
 * Delays building a computation until it runs. Use it to write recursive computations
 * that run in constant stack.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const count = (n: number): Cont.Cont<number, number> =>
 *   n === 0 ? Cont.of(0) : Cont.defer(() => Cont.map(count(n - 1), (m) => m + 1))
 * console.log(Cont.run(count(100_000), (n) => n)) // 100000
 *
 * @category constructors
 */
export const defer = <R, A>(thunk: () => Cont<R, A>): Cont<R, A> => toCont(new Node(DEFER, thunk, null, null))

/**
 * Call with current continuation: `f` receives `exit`, and `exit(a)` abandons the rest of
 * `f`'s computation and yields `a` to the continuation of the `callCC` itself.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const firstNegative = (xs: ReadonlyArray<number>) =>
 *   Cont.callCC<string, number | undefined, never>((exit) =>
 *     Cont.map(
 *       xs.reduce<Cont.Cont<string, void>>(
 *         (acc, x) => Cont.flatMap(acc, () => (x < 0 ? Cont.map(exit(x), () => undefined) : Cont.of(undefined))),
 *         Cont.of(undefined)
 *       ),
 *       () => undefined
 *     )
 *   )
 * console.log(Cont.run(firstNegative([3, -2, -5]), (x) => `found ${x}`)) // found -2
 *
 * @category constructors
 */
export const callCC = <R, A, B>(f: (exit: (a: A) => Cont<R, B>) => Cont<R, A>): Cont<R, A> =>
  toCont(new Node(CALLCC, f, null, null))

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * Runs a computation with the final continuation `k` and returns the answer.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.of<string, number>(2), (n) => 'x'.repeat(n))) // xx
 *
 * @category destructors
 */
export const run = <R, A>(fa: Cont<R, A>, k: (a: A) => R): R => loop(toNode(fa), null, k as K) as R

// -------------------------------------------------------------------------------------
// combinators
// -------------------------------------------------------------------------------------

const _mapImpl = <R, A, B>(fa: Cont<R, A>, f: (a: A) => B): Cont<R, B> => toCont(new Node(MAP, toNode(fa), f, null))
const _flatMapImpl = <R, A, B>(ma: Cont<R, A>, f: (a: A) => Cont<R, B>): Cont<R, B> =>
  toCont(new Node(FLATMAP, toNode(ma), f, null))

/**
 * Transforms the value passed to the continuation. Data-first `map(fa, f)` or data-last
 * `map(f)(fa)`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.map(Cont.of(3), (n: number) => n * n), (n) => n)) // 9
 *
 * @category combinators
 */
export const map: {
  <A, B>(f: (a: A) => B): <R>(fa: Cont<R, A>) => Cont<R, B>
  <R, A, B>(fa: Cont<R, A>, f: (a: A) => B): Cont<R, B>
} = function <R, A, B>(
  ...args: [f: (a: A) => B] | [fa: Cont<R, A>, f: (a: A) => B]
): Cont<R, B> | (<R>(fa: Cont<R, A>) => Cont<R, B>) {
  if (args.length === 2) return _mapImpl(args[0], args[1])
  const f = args[0]
  return <R>(fa: Cont<R, A>) => _mapImpl(fa, f)
} as never

/**
 * Sequences two computations: the value of `ma` chooses the next computation.
 * Data-first `flatMap(ma, f)` or data-last `flatMap(f)(ma)`. Stack-safe at any depth.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const m = Cont.flatMap(Cont.of<number, number>(2), (n) => Cont.of<number, number>(n + 40))
 * console.log(Cont.run(m, (n) => n)) // 42
 *
 * @category combinators
 */
export const flatMap: {
  <A, R, B>(f: (a: A) => Cont<R, B>): (ma: Cont<R, A>) => Cont<R, B>
  <R, A, B>(ma: Cont<R, A>, f: (a: A) => Cont<R, B>): Cont<R, B>
} = function <R, A, B>(
  ...args: [f: (a: A) => Cont<R, B>] | [ma: Cont<R, A>, f: (a: A) => Cont<R, B>]
): Cont<R, B> | ((ma: Cont<R, A>) => Cont<R, B>) {
  if (args.length === 2) return _flatMapImpl(args[0], args[1])
  const f = args[0]
  return (ma: Cont<R, A>) => _flatMapImpl(ma, f)
} as never

/**
 * Applies a function inside a computation to a value inside another (function first).
 * Data-last: `ap(fa)(fab)`.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const fab = Cont.of<number, (n: number) => number>((n) => n * 2)
 * console.log(Cont.run(Cont.ap(Cont.of<number, number>(21))(fab), (n) => n)) // 42
 *
 * @category combinators
 */
export const ap =
  <R, A>(fa: Cont<R, A>) =>
  <B>(fab: Cont<R, (a: A) => B>): Cont<R, B> =>
    _flatMapImpl(fab, (f) => _mapImpl(fa, f))

/**
 * Flattens a computation of a computation.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.flatten(Cont.of(Cont.of<number, number>(7))), (n) => n)) // 7
 *
 * @category combinators
 */
export const flatten = <R, A>(mma: Cont<R, Cont<R, A>>): Cont<R, A> => _flatMapImpl(mma, (ma) => ma)

/**
 * Repeats `f` until it returns `Right`: `Left(a)` loops again from `a`. Stack-safe.
 *
 * @example
 * import { Cont } from 'backprop-lens'
 * import * as E from 'fp-ts/lib/Either.js'
 *
 * const sumTo = Cont.tailRec([0, 0] as readonly [number, number], ([i, acc]) =>
 *   Cont.of<number, E.Either<readonly [number, number], number>>(i > 100_000 ? E.right(acc) : E.left([i + 1, acc + i]))
 * )
 * console.log(Cont.run(sumTo, (n) => n)) // 5000050000
 *
 * @category combinators
 */
export const tailRec = <R, A, B>(a: A, f: (a: A) => Cont<R, Either<A, B>>): Cont<R, B> => {
  const step = (e: Either<A, B>): Cont<R, B> => (e._tag === 'Left' ? _flatMapImpl(f(e.left), step) : of(e.right))
  return _flatMapImpl(f(a), step)
}

// -------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------

const _map: Functor2<URI>['map'] = _mapImpl
const _ap: Apply2<URI>['ap'] = (fab, fa) => ap(fa)(fab)
const _flatMap: Chain2<URI>['chain'] = _flatMapImpl

/**
 * The fp-ts URI of `Cont`, namespaced to this package: fp-ts's type classes find `Cont`
 * through it (`Monad2<Cont.URI>`).
 *
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.URI, Cont.Monad.URI === Cont.URI) // backprop-lens/Cont true
 *
 * @category type lambdas
 */
export const URI = 'backprop-lens/Cont'

/**
 * The type of {@link URI}.
 *
 * @category type lambdas
 */
export type URI = typeof URI

declare module 'fp-ts/lib/HKT' {
  interface URItoKind2<E, A> {
    readonly 'backprop-lens/Cont': Cont<E, A>
  }
}

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.Functor.map(Cont.of(1), (n: number) => n + 1), (n) => n)) // 2
 */
export const Functor: Functor2<URI> = { URI, map: _map }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.Pointed.of<number, number>(5), (n) => n)) // 5
 */
export const Pointed: Pointed2<URI> = { URI, of }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const r = Cont.Apply.ap(Cont.of<number, (n: number) => number>((n) => n + 1), Cont.of(1))
 * console.log(Cont.run(r, (n) => n)) // 2
 */
export const Apply: Apply2<URI> = { URI, map: _map, ap: _ap }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * console.log(Cont.run(Cont.Applicative.of<number, number>(3), (n) => n)) // 3
 */
export const Applicative: Applicative2<URI> = { URI, map: _map, ap: _ap, of }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const r = Cont.Chain.chain(Cont.of<number, number>(1), (n) => Cont.of<number, number>(n + 1))
 * console.log(Cont.run(r, (n) => n)) // 2
 */
export const Chain: Chain2<URI> = { URI, map: _map, ap: _ap, chain: _flatMap }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 *
 * const r = Cont.Monad.chain(Cont.Monad.of<number, number>(1), (n: number) => Cont.of<number, number>(n * 5))
 * console.log(Cont.run(r, (n) => n)) // 5
 */
export const Monad: Monad2<URI> = { URI, map: _map, ap: _ap, of, chain: _flatMap }

/**
 * @category instances
 * @example
 * import { Cont } from 'backprop-lens'
 * import * as E from 'fp-ts/lib/Either.js'
 *
 * const r = Cont.ChainRec.chainRec(0, (n: number) => Cont.of<number, E.Either<number, number>>(n < 10 ? E.left(n + 1) : E.right(n)))
 * console.log(Cont.run(r, (n) => n)) // 10
 */
export const ChainRec: ChainRec2<URI> = { URI, map: _map, ap: _ap, chain: _flatMap, chainRec: tailRec }
