/**
 * Parametric lenses (learners): a `Para<P, A, B>` is a lens from a parameter `P` and an
 * input `A` to an output `B`, `Lens<readonly [P, A], B>`. Its backward pass gives the
 * cotangents of both, the parameter's being what an optimiser follows. This is the `Para`
 * construction of "Categorical Foundations of Gradient-Based Learning" (Cruttwell et al.)
 * on the lenses of this library.
 *
 * Laws (checked by `backprop-lens/laws`):
 * - sequential composition is associative up to re-pairing the parameters:
 *   `seq(seq(f, g), h)` with `[[p, q], r]` and `seq(f, seq(g, h))` with `[p, [q, r]]` give the
 *   same output, the same input cotangent and the same parameter cotangents once re-paired;
 * - reparametrisation: `reparam(reparam(f, α), β) ≡ reparam(f, pipe(β, α))` and
 *   `reparam(f, id()) ≡ f`.
 *
 * Every combinator is a composition of lenses (`pipe`, `split` and re-pairings of the
 * parameters), so a model compiles into one flat program like any lens: each part runs once
 * forward and once backward, and models nested a million deep to either side run in
 * constant stack.
 *
 * @module Para
 */
import { withConstFirst } from './Cartesian.js'
import { fromPlan } from './internal/cps.js'
import type { Lens } from './internal/lens.js'
import { describe, expectPair } from './internal/guards.js'
import * as I from './internal/plan.js'
import { shaped } from './internal/structure.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A parametric lens: from a parameter `P` and an input `A` to an output `B`.
 *
 * @example
 * import { Lens, Para } from 'backprop-lens'
 *
 * // y = w·x, with w the parameter.
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * console.log(Lens.valueAndGrad(weight, [3, 2])) // [ 6, [ 2, 3 ] ]
 *
 * @category model
 */
export type Para<P, A, B> = Lens<readonly [P, A], B>

const NO_PARAMS: readonly [] = Object.freeze([]) as readonly []

type Pair = readonly [unknown, unknown]

const pairOf = (op: string, x: unknown): Pair => expectPair(`Para.${op}`, 'the input', x, '[parameters, input]')

/**
 * The combinators are plans built from `pipe`, `split` and these re-pairings (primitive
 * steps), so a model nested to any depth compiles into one flat program like any lens.
 */
const step = (name: string, forward: (x: unknown) => unknown, backward: (d: unknown) => unknown): I.Plan =>
  // A re-pairing is linear and its backward pass is its transpose (its inverse), so its
  // backward pass as a lens is [x, w] ↦ backward(w), whose transpose is forward again.
  I.primPlan(
    forward,
    (_x, d) => backward(d),
    name,
    null,
    () =>
      I.erase(
        shaped<unknown, unknown, unknown>(
          `${name}′`,
          (_x, w) => backward(w),
          (_x, _w, v) => forward(v)
        )
      )
  )

/** The lens of a composition of plans and lenses. */
const seqPipe = <L>(parts: ReadonlyArray<I.Plan | I.AnyLens>): L =>
  fromPlan(I.seqPlan(parts.map((p) => (p instanceof I.Plan ? p : I.planOf(p))))) as L

/** `split(id(), f)`: `f` on the second half, as a plan (no lens of its own needed). */
const onSecond = (f: I.AnyLens): I.Plan => I.pairPlan('split', I.idPlan, I.planOf(f), null)

/** `[[p, q], a] ↦ [q, [p, a]]`: `f` runs on `[p, a]` beside `q`. */
const seqShuffle: I.Plan = step(
  'Para.seq',
  (x) => {
    const [pq, a] = pairOf('seq', x)
    const [p, q] = pairOf('seq', pq)
    return [q, [p, a]]
  },
  (d) => {
    const [dq, dpa] = d as readonly [unknown, Pair]
    return [[dpa[0], dq], dpa[1]]
  }
)

/** `[[p, q], [a, c]] ↦ [[p, a], [q, c]]`. */
const parShuffle: I.Plan = step(
  'Para.par',
  (x) => {
    const [pq, ac] = pairOf('par', x)
    const [p, q] = pairOf('par', pq)
    const [a, c] = pairOf('par', ac)
    return [
      [p, a],
      [q, c]
    ]
  },
  (d) => {
    const [[dp, da], [dq, dc]] = d as readonly [Pair, Pair]
    return [
      [dp, dq],
      [da, dc]
    ]
  }
)

/** `[[], a] ↦ a`. */
const dropNoParams: I.Plan = step(
  'Para.lift',
  (x) => pairOf('lift', x)[1],
  (da) => [NO_PARAMS, da]
)

/** `[q, a]` checked to be a pair (then `α` runs on `q`). */
const reparamCheck: I.Plan = step(
  'Para.reparam',
  (x) => pairOf('reparam', x),
  (d) => d
)

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * A lens as a learner without parameters (its parameter is the empty tuple `[]`).
 *
 * @example
 * import { Lens, Para, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Para.lift(Scalar.square), [[], 3])) // [ 9, [ [], 6 ] ]
 *
 * @category constructors
 */
export const lift = <A, B>(f: Lens<A, B>): Para<readonly [], A, B> =>
  seqPipe([dropNoParams, I.erase(f)])

// -------------------------------------------------------------------------------------
// composition
// -------------------------------------------------------------------------------------

/**
 * Sequential composition: `f` then `g`, their parameters paired `[p, q]`.
 *
 * @example
 * import { Lens, Para } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * const twoLayers = Para.seq(weight, weight)
 * console.log(Lens.valueAndGrad(twoLayers, [[2, 3], 5])) // [ 30, [ [ 15, 10 ], 6 ] ]
 *
 * @category composition
 */
export const seq = <P, A, B, Q, C>(f: Para<P, A, B>, g: Para<Q, B, C>): Para<readonly [P, Q], A, C> =>
  seqPipe([seqShuffle, onSecond(I.erase(f)), I.erase(g)])

/**
 * Parallel composition: `f` on the first input, `g` on the second, parameters paired.
 *
 * @example
 * import { Lens, Para } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * console.log(Lens.evaluate(Para.par(weight, weight), [[2, 3], [5, 7]])) // [ 10, 21 ]
 *
 * @category composition
 */
export const par = <P, A, B, Q, C, D>(
  f: Para<P, A, B>,
  g: Para<Q, C, D>
): Para<readonly [P, Q], readonly [A, C], readonly [B, D]> =>
  seqPipe([parShuffle, I.pairPlan('split', I.planOf(I.erase(f)), I.planOf(I.erase(g)), null)])

/**
 * Reparametrisation: the parameter of `f` computed from a new parameter by the lens
 * `alpha`, whose backward pass carries the parameter cotangent back. Weight tying, fixed
 * sub-parameters and parameter transforms (e.g. a positive scale `exp(s)`) are
 * reparametrisations.
 *
 * @example
 * import { Lens, Para, Scalar } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * // w = exp(s): the weight stays positive while s is trained.
 * const positive = Para.reparam(weight, Scalar.exp)
 * console.log(Lens.valueAndGrad(positive, [0, 5])) // [ 5, [ 5, 1 ] ]
 *
 * @category composition
 */
export const reparam = <P, A, B, Q>(f: Para<P, A, B>, alpha: Lens<Q, P>): Para<Q, A, B> =>
  seqPipe([reparamCheck, I.pairPlan('split', I.planOf(I.erase(alpha)), I.idPlan, null), I.erase(f)])

/**
 * Layers in sequence, first to last, with their parameters in one flat tuple
 * `[p1, p2, …]`: the usual way to stack a network. Runs in one loop, so any number of
 * layers composes.
 *
 * @example
 * import { Lens, Para, Scalar } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * const net = Para.pipe(weight, Para.lift(Scalar.tanh), weight)
 * const [y, [dParams, dx]] = Lens.valueAndGrad(net, [[1, [], 2], 0])
 * console.log(y, dParams, dx) // 0 [ 0, [], 0 ] 2
 *
 * @category composition
 */
export function pipe<P1, A, B>(l1: Para<P1, A, B>): Para<readonly [P1], A, B>
export function pipe<P1, P2, A, B, C>(l1: Para<P1, A, B>, l2: Para<P2, B, C>): Para<readonly [P1, P2], A, C>
export function pipe<P1, P2, P3, A, B, C, D>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>
): Para<readonly [P1, P2, P3], A, D>
export function pipe<P1, P2, P3, P4, A, B, C, D, E>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>,
  l4: Para<P4, D, E>
): Para<readonly [P1, P2, P3, P4], A, E>
export function pipe<P1, P2, P3, P4, P5, A, B, C, D, E, F>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>,
  l4: Para<P4, D, E>,
  l5: Para<P5, E, F>
): Para<readonly [P1, P2, P3, P4, P5], A, F>
export function pipe<P1, P2, P3, P4, P5, P6, A, B, C, D, E, F, G>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>,
  l4: Para<P4, D, E>,
  l5: Para<P5, E, F>,
  l6: Para<P6, F, G>
): Para<readonly [P1, P2, P3, P4, P5, P6], A, G>
export function pipe<P1, P2, P3, P4, P5, P6, P7, A, B, C, D, E, F, G, H>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>,
  l4: Para<P4, D, E>,
  l5: Para<P5, E, F>,
  l6: Para<P6, F, G>,
  l7: Para<P7, G, H>
): Para<readonly [P1, P2, P3, P4, P5, P6, P7], A, H>
export function pipe<P1, P2, P3, P4, P5, P6, P7, P8, A, B, C, D, E, F, G, H, I>(
  l1: Para<P1, A, B>,
  l2: Para<P2, B, C>,
  l3: Para<P3, C, D>,
  l4: Para<P4, D, E>,
  l5: Para<P5, E, F>,
  l6: Para<P6, F, G>,
  l7: Para<P7, G, H>,
  l8: Para<P8, H, I>
): Para<readonly [P1, P2, P3, P4, P5, P6, P7, P8], A, I>
export function pipe<P, A>(...layers: ReadonlyArray<Para<P, A, A>>): Para<ReadonlyArray<P>, A, A>
export function pipe(...layers: ReadonlyArray<unknown>): unknown {
  return pipeAll(layers as ReadonlyArray<Para<unknown, unknown, unknown>>)
}

/**
 * {@link pipe} over an array of layers of one type, parameters in an array.
 *
 * @example
 * import { Lens, Para } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * const deep = Para.pipeAll([weight, weight, weight])
 * console.log(Lens.evaluate(deep, [[2, 3, 4], 1])) // 24
 *
 * @category composition
 */
export const pipeAll = <P, A>(layers: ReadonlyArray<Para<P, A, A>>): Para<ReadonlyArray<P>, A, A> => {
  const lenses = layers.map((layer, i) => {
    if (typeof layer !== 'function') throw new TypeError(`Para.pipe: layer ${i} is not a lens (${typeof layer})`)
    return I.erase(layer)
  })
  const n = lenses.length
  // The parameters travel as a list [p_i, [p_i+1, … [p_n, []]]] beside the running value:
  // each layer takes its head (`uncons`), so n layers are 2n + 2 flat steps.
  const spread = step(
    'Para.pipe',
    (x) => {
      const [ps, a] = pairOf('pipe', x)
      if (!Array.isArray(ps) || ps.length !== n) {
        throw new TypeError(`Para.pipe: expected ${n} parameters (one per layer), got ${describe(ps)}`)
      }
      let list: unknown = NO_PARAMS
      for (let i = n - 1; i >= 0; i--) list = [ps[i], list]
      return [list, a]
    },
    (d) => {
      const [dList, da] = d as Pair
      const dps: Array<unknown> = new Array(n)
      let node = dList as Pair
      for (let i = 0; i < n; i++) {
        dps[i] = node[0]
        node = node[1] as Pair
      }
      return [dps, da]
    }
  )
  const parts: Array<I.Plan> = [spread]
  for (const lens of lenses) parts.push(uncons, onSecond(lens))
  parts.push(dropEmptyList)
  return seqPipe(parts)
}

/** `[[p, rest], v] ↦ [rest, [p, v]]`. */
const uncons: I.Plan = step(
  'Para.pipe',
  (x) => {
    const [[p, rest], v] = x as readonly [Pair, unknown]
    return [rest, [p, v]]
  },
  (d) => {
    const [dRest, [dp, dv]] = d as readonly [unknown, Pair]
    return [[dp, dRest], dv]
  }
)

/** `[[], v] ↦ v`: every layer has taken its parameters. */
const dropEmptyList: I.Plan = step(
  'Para.pipe',
  (x) => (x as Pair)[1],
  (dv) => [NO_PARAMS, dv]
)

// -------------------------------------------------------------------------------------
// destructors
// -------------------------------------------------------------------------------------

/**
 * Fixes the parameter: the plain lens from `A` to `B` that the learner is at `params`
 * (the parameter's cotangent is dropped).
 *
 * @example
 * import { Lens, Para } from 'backprop-lens'
 *
 * const weight: Para.Para<number, number, number> = Lens.make({
 *   forward: ([w, x]) => w * x,
 *   backward: ([w, x], dy) => [x * dy, w * dy]
 * })
 * console.log(Lens.valueAndGrad(Para.at(weight, 3), 2)) // [ 6, 3 ]
 *
 * @category destructors
 */
export const at = <P, A, B>(f: Para<P, A, B>, params: P): Lens<A, B> =>
  seqPipe([I.erase(withConstFirst(params)), I.erase(f)])
