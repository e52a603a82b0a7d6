/**
 * Structural primitives with backward passes written as lenses: the building blocks that
 * make the combinators, `Para` and `Layer` differentiable to any order.
 *
 * Two kinds, closed under taking the reverse derivative:
 * - {@link linear}: `x ↦ f(x)` for a linear `f` (a projection, a copy, a permutation, a sum),
 *   given with its transpose `t(x, w)`, which may read the shapes of `x` (a projection's
 *   transpose puts a zero of the dropped part's shape beside `w`).
 * - {@link shaped}: `[s, u] ↦ f(s, u)`, linear in `u` and depending on `s` only through its
 *   shapes (so its derivative in `s` is zero), with the transpose `t(s, u, w)` in `u`.
 *
 * The reverse derivative of `linear(f, t)` is `shaped((x, w) ↦ t(x, w))`, whose transpose is
 * `f`; the reverse derivative of `shaped(f, t)` is `shaped(([s, u], w) ↦ [0, t(s, u, w)])`,
 * whose transpose is `(s, u, v) ↦ f(s, v[1])`. So every derivative of these is again one of
 * them, built when first asked.
 *
 * Zeros and sums are inferred with `VectorSpace.infer` from the values at hand, which is
 * right for numbers, tensors, tuples and records.
 *
 * @internal
 * @module internal/structure
 */
import * as VS from '../VectorSpace.js'
import { fromPlan } from './cps.js'
import { asPair } from './guards.js'
import type { Lens } from './lens.js'
import { erase, idPlan, primPlan, type AnyLens } from './plan.js'
import { Tensor, showShape, unsafeFromData } from './tensor.js'

/** @internal The zero shaped like `like` (inferred). */
export const zeroOf = (like: unknown): unknown => (typeof like === 'number' ? 0 : VS.infer(like).zero(like))

/** @internal The sum of two cotangents of one structure (inferred from the first). */
export const sumOf = (x: unknown, y: unknown): unknown => (typeof x === 'number' && typeof y === 'number' ? x + y : VS.infer(x).add(x, y))

type Pair = readonly [unknown, unknown]

const ONE = unsafeFromData(Object.freeze([]), new Float64Array([1]))

/**
 * @internal The cotangent 1 of a scalar output: `1` for a number, a rank-0 tensor of 1 for a
 * rank-0 tensor; anything else is a `TypeError` naming `op` and saying what to do `instead`.
 */
export const unitCotangent = (op: string, b: unknown, instead: string): unknown => {
  if (typeof b === 'number') return 1
  if (b instanceof Tensor && b.shape.length === 0) return ONE
  const got = b instanceof Tensor ? `a Tensor of shape ${showShape(b.shape)}` : `${typeof b === 'object' ? (Array.isArray(b) ? 'an array' : 'an object') : typeof b}`
  throw new TypeError(`${op}: expected a scalar output (a number or a rank-0 tensor), got ${got}; ${instead}`)
}

/**
 * @internal `[s, u] ↦ f(s, u)`, linear in `u`, depending on `s` only through its shapes; `t`
 * is the transpose in `u` (`t(s, u, w)` may read the shapes of `s` and `u`).
 */
export const shaped = <S, U, B>(name: string, f: (s: S, u: U) => B, t: (s: S, u: U, w: B) => U): Lens<readonly [S, U], B> => {
  const forward = (x: unknown): unknown => {
    const [s, u] = asPair(name, 'the input', x)
    return f(s as S, u as U)
  }
  const backward = (x: unknown, w: unknown): unknown => {
    const [s, u] = x as Pair
    return [zeroOf(s), t(s as S, u as U, w as B)]
  }
  const rev = (): AnyLens =>
    erase(
      shaped<readonly [S, U], B, readonly [unknown, U]>(
        `${name}'`,
        ([s, u], w) => [zeroOf(s), t(s, u, w)],
        ([s], _w, v) => f(s, v[1])
      )
    )
  return fromPlan(primPlan(forward, backward, name, null, rev))
}

/**
 * @internal `x ↦ f(x)` for a linear `f`, with its transpose `t(x, w)` (which may read the
 * shapes of `x`).
 */
export const linear = <A, B>(name: string, f: (x: A) => B, t: (x: A, w: B) => A): Lens<A, B> => {
  const rev = (): AnyLens =>
    erase(
      shaped<A, B, A>(
        `${name}'`,
        (x, w) => t(x, w),
        (_x, _w, v) => f(v)
      )
    )
  return fromPlan(primPlan(f as (a: unknown) => unknown, (x, w) => t(x as A, w as B), name, null, rev))
}

/** @internal The identity lens, defined once: `Lens.id` and the Cartesian combinators share it. */
export const identity: AnyLens = fromPlan(idPlan)
