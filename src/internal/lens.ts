/**
 * The model of a lens, shared by `Lens` (which re-exports and documents it) and the modules
 * that build lenses, so that none of them has to import `Lens` itself.
 *
 * @internal
 * @module internal/lens
 */
import type { Cont } from '../Cont.js'

/**
 * A flow from `A` with answer type `R`: given an input, a computation that yields the
 * input's cotangent to its continuation.
 *
 * @category model
 */
export type Flow<A, R> = (a: A) => Cont<R, A>

/**
 * A differentiable program from `A` to `B` in continuation-passing style: it maps the rest
 * of the program (`next`, a flow from `B`) to the flow that starts with it (from `A`).
 *
 * @example
 * import { Cont, Lens } from 'backprop-lens'
 *
 * // A lens written by hand: double forward, double backward.
 * const double: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(2 * x), (dy: number) => 2 * dy)
 * console.log(Lens.evaluate(double, 3), Lens.backPropagateConst(double, 1, 3)) // 6 2
 *
 * @category model
 */
export type Lens<A, B> = <R>(next: Flow<B, R>) => Flow<A, R>

/**
 * The concrete forward/backward pair of a differentiable function (the seed's `Function`).
 * `backward(a, db, b)` receives the input `a`, the output's cotangent `db` and, for
 * convenience, the output `b = forward(a)`; it returns the input's cotangent.
 *
 * @category model
 */
export interface Pair<A, B> {
  /** The output for an input. */
  readonly forward: (a: A) => B
  /** The input's cotangent, from the input `a`, the output's cotangent `db` and the output `b`. */
  readonly backward: (a: A, db: B, b: B) => A
}

/**
 * A primitive to make with `Lens.make`: the forward/backward pair, optionally with a name for
 * messages and its backward pass written as a lens, which makes it differentiable again
 * (`Lens.reverse`, `grad`, `hvp`): `reverse` maps `[a, db]` to the cotangent `backward(a, db)`
 * gives, and must itself be built from differentiable lenses. Without `reverse` the primitive
 * is differentiable once (`backward` is a plain function the library cannot look into).
 *
 * @category model
 */
export interface Primitive<A, B> extends Pair<A, B> {
  /** Names the primitive in messages. */
  readonly name?: string
  /** The backward pass as a lens `[a, db] ↦ da`, for higher-order derivatives. */
  readonly reverse?: Lens<readonly [A, B], A>
}
