/**
 * Differentiable programs as CPS lenses.
 *
 * A `Lens<A, B>` takes the flow of everything that comes after it (`next`, from its output
 * `B`) and returns the flow that starts with it (from its input `A`). A flow, given an
 * input, is a `Cont` that yields the input's cotangent: the forward pass is the chain of
 * calls into `next`, the backward pass the chain of continuation calls that unwinds it.
 * The caller picks the answer type `R`: {@link evaluate} aborts at the end and answers the
 * output, {@link backPropagate} continues and answers the input's cotangent.
 *
 * Laws (checked by `backprop-lens/laws`; `fwd(L)(a) = evaluate(L, a)`,
 * `bwd(L)(a, db) = backPropagateConst(L, db, a)`):
 * - category: `pipe(id(), f) ≡ f ≡ pipe(f, id())`, `pipe(pipe(f, g), h) ≡ pipe(f, pipe(g, h))`;
 * - order: `fwd(pipe(f, g))(a) = fwd(g)(fwd(f)(a))` (`f` runs first);
 * - chain rule: `bwd(pipe(f, g))(a, dc) = bwd(f)(a, bwd(g)(fwd(f)(a), dc))`;
 * - round trip: `make(toPair(L)) ≡ L` and `toPair(make(p)) ≡ p`;
 * - linearity of the CPS term: one run calls `next` once and the continuation once.
 *
 * Every entry point runs compositions of any length (a million lenses, nested either way)
 * in constant stack: compositions are flattened by a loop and run as a tape.
 *
 * @module Lens
 */
// One piece, past 400 lines: this is the namespace users import every combinator from; about two
// thirds of it are doc comments with runnable examples (some 150 lines of code).
import type { Category2 } from 'fp-ts/lib/Category.js'
import type { Semigroupoid2 } from 'fp-ts/lib/Semigroupoid.js'
import { backPropagateLens, evaluateLens, fromPlan, vjpLens } from './internal/cps.js'
import type { Lens, Pair, Primitive } from './internal/lens.js'
import * as P from './internal/plan.js'
import { identity, unitCotangent } from './internal/structure.js'
import type { Tensor } from './internal/tensor.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

export type { Flow, Lens, Pair, Primitive } from './internal/lens.js'

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A primitive lens from its forward and backward functions (the seed's `Function`). Give
 * `reverse`, the backward pass as a lens, to make it differentiable again, and `name` to
 * name it in messages.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * console.log(Lens.evaluate(cube, 2), Lens.backPropagateConst(cube, 1, 2)) // 8 12
 *
 * // [x, dy] ↦ 3x²·dy, written with lenses: now cube has a second derivative, 6x.
 * const threeSquared = Lens.pipe(Scalar.square, Scalar.scale(3))
 * const cube2 = Lens.make<number, number>({
 *   name: 'cube',
 *   forward: (x) => x ** 3,
 *   backward: (x, dy) => 3 * x * x * dy,
 *   reverse: Lens.pipe(Lens.first(threeSquared), Scalar.mul)
 * })
 * console.log(Lens.evaluate(Lens.grad(Lens.grad(cube2)), 2)) // 12
 *
 * @category constructors
 */
export const make = <A, B>(primitive: Primitive<A, B>): Lens<A, B> => {
  const { forward, backward, name, reverse: rev } = primitive
  if (typeof forward !== 'function' || typeof backward !== 'function') {
    throw new TypeError('Lens.make: expected { forward, backward } functions')
  }
  if (rev !== undefined && typeof rev !== 'function') throw new TypeError('Lens.make: reverse must be a lens [a, db] ↦ da')
  if (name !== undefined && typeof name !== 'string') throw new TypeError('Lens.make: name must be a string')
  const thunk = rev === undefined ? null : (): P.AnyLens => P.erase(rev)
  return fromPlan(P.primPlan(forward as P.Fn, backward as P.Bwd, name ?? '', null, thunk))
}

/**
 * A primitive lens from a vector-Jacobian product: `vjp(a)` returns the output and its
 * pullback (from the output's cotangent to the input's). Use it when the backward pass
 * needs intermediate results of the forward pass. `forward`, if given, computes the output
 * alone (for {@link evaluate}).
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * const softplus = Lens.fromVjp((x: number) => {
 *   const e = Math.exp(x)
 *   return [Math.log1p(e), (dy: number) => (dy * e) / (1 + e)]
 * })
 * console.log(Lens.backPropagateConst(softplus, 1, 0)) // 0.5
 *
 * @category constructors
 */
export const fromVjp = <A, B>(
  vjp: (a: A) => readonly [B, (db: B) => A],
  forward?: (a: A) => B
): Lens<A, B> => {
  if (typeof vjp !== 'function' || (forward !== undefined && typeof forward !== 'function')) {
    throw new TypeError('Lens.fromVjp: expected a function a => [b, pullback] (and optionally a forward function)')
  }
  return fromPlan(P.vjpPlan(vjp as unknown as P.Vjp, (forward ?? null) as P.Fn | null))
}

/**
 * The identity lens: output = input, cotangent passed through unchanged.
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.id<number>(), 4)) // 4
 *
 * @category constructors
 */
export const id = <A>(): Lens<A, A> => identity as unknown as Lens<A, A>

// -------------------------------------------------------------------------------------
// composition
// -------------------------------------------------------------------------------------

/**
 * Composes lenses left to right: `pipe(f, g)` runs `f` first, then `g` (so it computes
 * `g(f(a))`). Unlike the seed, whose `pipe` ran `second` first. Any number of lenses;
 * compositions nest to any depth without growing the stack.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const f = Lens.pipe(Scalar.square, Scalar.sin) // sin(x²)
 * console.log(Lens.evaluate(f, 1)) // 0.8414709848078965
 *
 * @category composition
 */
export function pipe<A, B>(ab: Lens<A, B>): Lens<A, B>
export function pipe<A, B, C>(ab: Lens<A, B>, bc: Lens<B, C>): Lens<A, C>
export function pipe<A, B, C, D>(ab: Lens<A, B>, bc: Lens<B, C>, cd: Lens<C, D>): Lens<A, D>
export function pipe<A, B, C, D, E>(ab: Lens<A, B>, bc: Lens<B, C>, cd: Lens<C, D>, de: Lens<D, E>): Lens<A, E>
export function pipe<A, B, C, D, E, F>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>
): Lens<A, F>
export function pipe<A, B, C, D, E, F, G>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>
): Lens<A, G>
export function pipe<A, B, C, D, E, F, G, H>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>,
  gh: Lens<G, H>
): Lens<A, H>
export function pipe<A, B, C, D, E, F, G, H, I>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>,
  gh: Lens<G, H>,
  hi: Lens<H, I>
): Lens<A, I>
export function pipe<A, B, C, D, E, F, G, H, I, J>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>,
  gh: Lens<G, H>,
  hi: Lens<H, I>,
  ij: Lens<I, J>
): Lens<A, J>
export function pipe<A, B, C, D, E, F, G, H, I, J, K>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>,
  gh: Lens<G, H>,
  hi: Lens<H, I>,
  ij: Lens<I, J>,
  jk: Lens<J, K>
): Lens<A, K>
export function pipe<A, B, C, D, E, F, G, H, I, J, K, L>(
  ab: Lens<A, B>,
  bc: Lens<B, C>,
  cd: Lens<C, D>,
  de: Lens<D, E>,
  ef: Lens<E, F>,
  fg: Lens<F, G>,
  gh: Lens<G, H>,
  hi: Lens<H, I>,
  ij: Lens<I, J>,
  jk: Lens<J, K>,
  kl: Lens<K, L>
): Lens<A, L>
export function pipe<A>(...lenses: ReadonlyArray<Lens<A, A>>): Lens<A, A>
export function pipe(...lenses: ReadonlyArray<Lens<unknown, unknown>>): Lens<unknown, unknown> {
  return pipeAll(lenses)
}

/**
 * Composes an array of lenses left to right, of any length (a spread `pipe(...xs)` of a
 * million lenses would exceed JavaScript's argument limit; this does not).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const chain = Lens.pipeAll(Array.from({ length: 100_000 }, () => Scalar.sin))
 * console.log(Lens.evaluate(chain, 1) > 0) // true
 *
 * @category composition
 */
export const pipeAll = <A>(lenses: ReadonlyArray<Lens<A, A>>): Lens<A, A> => {
  if (!Array.isArray(lenses)) throw new TypeError('Lens.pipeAll: expected an array of lenses')
  lenses.forEach((lens, i) => {
    if (typeof lens !== 'function') throw new TypeError(`Lens.pipe: argument ${i} is not a lens (${typeof lens})`)
  })
  if (lenses.length === 0) return id<A>()
  if (lenses.length === 1) return lenses[0] as Lens<A, A>
  return fromPlan(P.seqPlan(lenses.map((lens) => P.planOf(P.erase(lens)))))
}

/**
 * Composition in fp-ts's argument order: `compose(bc, ab) = pipe(ab, bc)`, so `ab` runs
 * first. Prefer {@link pipe}, which reads in the order things run.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.compose(Scalar.sin, Scalar.square), 1)) // 0.8414709848078965
 *
 * @category composition
 */
export const compose = <A, B, C>(bc: Lens<B, C>, ab: Lens<A, B>): Lens<A, C> =>
  fromPlan(P.seqPlan([P.planOf(P.erase(ab)), P.planOf(P.erase(bc))]))

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

/**
 * Runs the forward pass and returns the output (the seed's `evaluate`). In CPS terms: the
 * final flow aborts, answering the output without calling its continuation.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.pipe(Scalar.square, Scalar.exp, Scalar.square), 0.5)) // 1.648721270700128
 *
 * @category running
 */
export const evaluate = <A, B>(lens: Lens<A, B>, a: NoInfer<A>): B => evaluateLens(P.erase(lens), a) as B

/**
 * Runs forward then backward: `loss` maps the output to its cotangent (the gradient of the
 * loss with respect to the output), which is propagated back to the input (the seed's
 * `back_propagate`). In CPS terms: the final flow calls its continuation with `loss(b)`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * // d/dx of ½·sin(x)² is sin(x)·cos(x): the cotangent of ½y² is y.
 * console.log(Lens.backPropagate(Scalar.sin, (y) => y, 0.5)) // 0.42073549240394825
 *
 * @category running
 */
export const backPropagate = <A, B>(lens: Lens<A, B>, loss: (b: NoInfer<B>) => NoInfer<B>, a: NoInfer<A>): A =>
  backPropagateLens(P.erase(lens), loss as (b: unknown) => unknown, a) as A

/**
 * Propagates a fixed output cotangent `db` back to the input (the seed's
 * `back_propagate_const`): with `db = 1` on a scalar output, the gradient.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.backPropagateConst(Lens.pipe(Scalar.square, Scalar.exp, Scalar.square), 1, 0.5)) // 3.297442541400256
 *
 * @category running
 */
export const backPropagateConst = <A, B>(lens: Lens<A, B>, db: NoInfer<B>, a: NoInfer<A>): A => backPropagate(lens, () => db, a)

/**
 * The output and the gradient from one run, for a lens with a numeric output: the output's
 * cotangent is `1`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.square, 3)) // [ 9, 6 ]
 *
 * @category running
 */
export function valueAndGrad<A>(lens: Lens<A, number>, a: NoInfer<A>): readonly [number, A]
/**
 * The output and the gradient from one run, for a lens with a rank-0 tensor output (every
 * `ops` loss): the output's cotangent is the rank-0 tensor `1`. Another shape is an error
 * that asks for the cotangent.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const loss = Lens.pipe(ops.square, ops.sum())
 * const [value, grad] = Lens.valueAndGrad(loss, Tensor.fromNested([1, 2]))
 * console.log(value.data, grad.data) // Float64Array(1) [ 5 ] Float64Array(2) [ 2, 4 ]
 *
 * @category running
 */
export function valueAndGrad<A>(lens: Lens<A, Tensor>, a: NoInfer<A>): readonly [Tensor, A]
/**
 * The output and the input's cotangent from one run, for the output cotangent `db`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Lens.fanout(Scalar.sin, Scalar.square), 0, [2, 1])) // [ [ 0, 0 ], 2 ]
 *
 * @category running
 */
export function valueAndGrad<A, B>(lens: Lens<A, B>, a: NoInfer<A>, db: NoInfer<B>): readonly [B, A]
export function valueAndGrad<A, B>(lens: Lens<A, B>, a: A, ...rest: [] | [B]): readonly [B, A] {
  const [b, pullback] = vjp(lens, a)
  if (rest.length === 0) return [b, pullback(unitCotangent('Lens.valueAndGrad', b, "the default cotangent 1 is for those: pass the output's cotangent as the third argument") as B)]
  return [b, pullback(rest[0] as B)]
}

/**
 * The output and the pullback, a function from the output's cotangent to the input's,
 * callable any number of times (one forward pass, many backward passes).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const [y, pullback] = Lens.vjp(Scalar.square, 3)
 * console.log(y, pullback(1), pullback(10)) // 9 6 60
 *
 * @category running
 */
export const vjp = <A, B>(lens: Lens<A, B>, a: NoInfer<A>): readonly [B, (db: B) => A] =>
  vjpLens(P.erase(lens), a) as unknown as readonly [B, (db: B) => A]

/**
 * The concrete forward/backward pair of any lens: the way back from CPS (the round trip
 * `make(toPair(L)) ≡ L` is a law). For a lens built by {@link make} it is the original pair.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const { forward, backward } = Lens.toPair(Lens.pipe(Scalar.square, Scalar.sin))
 * console.log(forward(1), backward(1, 1, forward(1))) // 0.8414709848078965 1.0806046117362795
 *
 * @category running
 */
export const toPair = <A, B>(lens: Lens<A, B>): Pair<A, B> => {
  const plan = P.planOf(P.erase(lens))
  if (plan.tag === P.PRIM && plan.guard === null) {
    return { forward: plan.forward, backward: plan.backward } as unknown as Pair<A, B>
  }
  return {
    forward: (a) => evaluate(lens, a),
    backward: (a, db) => backPropagateConst(lens, db, a)
  }
}

// -------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------

/**
 * The fp-ts URI of `Lens`, namespaced to this package: fp-ts's type classes find `Lens`
 * through it (`Category2<Lens.URI>`).
 *
 * @example
 * import { Lens } from 'backprop-lens'
 *
 * console.log(Lens.URI, Lens.Category.URI === Lens.URI) // backprop-lens/Lens true
 *
 * @category type lambdas
 */
export const URI = 'backprop-lens/Lens'

/**
 * The type of {@link URI}.
 *
 * @category type lambdas
 */
export type URI = typeof URI

declare module 'fp-ts/lib/HKT' {
  interface URItoKind2<E, A> {
    readonly 'backprop-lens/Lens': Lens<E, A>
  }
}

/**
 * Lenses compose: `compose(bc, ab)` runs `ab` first.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.Semigroupoid.compose(Scalar.sin, Scalar.square), 1)) // 0.8414709848078965
 *
 * @category instances
 */
export const Semigroupoid: Semigroupoid2<URI> = { URI, compose }

/**
 * Lenses form a category with {@link id} and {@link compose}.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Lens.Category.compose(Lens.Category.id<number>(), Scalar.exp), 0)) // 1
 *
 * @category instances
 */
export const Category: Category2<URI> = { URI, compose, id }
export { split, first, second, fanout, dup, fst, snd, swap, withConst, withConstFirst, constant, prop, fanoutRecord, type InputOf, type OutputOf } from './Cartesian.js'
export { reverse, grad, jvp, hvp, hessian, jacobian, type MatrixOptions } from './Reverse.js'
