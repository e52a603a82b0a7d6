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
 * Each combinator runs its parts with one forward pass each and keeps their pullbacks, so
 * the rest of the program never runs twice.
 *
 * @module Para
 */
import * as I from './internal.js'
import type { Lens } from './Lens.js'

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

type Pullback = (d: unknown) => unknown
type AnyVjp = (a: unknown) => readonly [unknown, Pullback]

const pairOf = (op: string, x: unknown): readonly [unknown, unknown] => {
  if (!Array.isArray(x) || x.length !== 2) {
    throw new TypeError(`Para.${op}: expected a pair [parameters, input], got ${Array.isArray(x) ? `an array of length ${x.length}` : typeof x}`)
  }
  return x as unknown as readonly [unknown, unknown]
}

const fromVjp = <A, B>(vjp: AnyVjp, forward: (a: unknown) => unknown): Lens<A, B> =>
  I.fromPlan(I.vjpPlan(vjp, forward))

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
export const lift = <A, B>(f: Lens<A, B>): Para<readonly [], A, B> => {
  const lens = I.erase(f)
  return fromVjp(
    (x) => {
      const [, a] = pairOf('lift', x)
      const [b, pullback] = I.vjpLens(lens, a)
      return [b, (db) => [NO_PARAMS, pullback(db)]]
    },
    (x) => I.evaluateLens(lens, pairOf('lift', x)[1])
  )
}

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
export const seq = <P, A, B, Q, C>(f: Para<P, A, B>, g: Para<Q, B, C>): Para<readonly [P, Q], A, C> => {
  const lf = I.erase(f)
  const lg = I.erase(g)
  return fromVjp(
    (x) => {
      const [pq, a] = pairOf('seq', x)
      const [p, q] = pairOf('seq', pq)
      const [b, pullF] = I.vjpLens(lf, [p, a])
      const [c, pullG] = I.vjpLens(lg, [q, b])
      return [
        c,
        (dc) => {
          const [dq, db] = pullG(dc) as readonly [unknown, unknown]
          const [dp, da] = pullF(db) as readonly [unknown, unknown]
          return [[dp, dq], da]
        }
      ]
    },
    (x) => {
      const [pq, a] = pairOf('seq', x)
      const [p, q] = pairOf('seq', pq)
      return I.evaluateLens(lg, [q, I.evaluateLens(lf, [p, a])])
    }
  )
}

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
): Para<readonly [P, Q], readonly [A, C], readonly [B, D]> => {
  const lf = I.erase(f)
  const lg = I.erase(g)
  return fromVjp(
    (x) => {
      const [pq, ac] = pairOf('par', x)
      const [p, q] = pairOf('par', pq)
      const [a, c] = pairOf('par', ac)
      const [b, pullF] = I.vjpLens(lf, [p, a])
      const [d, pullG] = I.vjpLens(lg, [q, c])
      return [
        [b, d],
        (dbd) => {
          const [db, dd] = pairOf('par', dbd)
          const [dp, da] = pullF(db) as readonly [unknown, unknown]
          const [dq, dc] = pullG(dd) as readonly [unknown, unknown]
          return [
            [dp, dq],
            [da, dc]
          ]
        }
      ]
    },
    (x) => {
      const [pq, ac] = pairOf('par', x)
      const [p, q] = pairOf('par', pq)
      const [a, c] = pairOf('par', ac)
      return [I.evaluateLens(lf, [p, a]), I.evaluateLens(lg, [q, c])]
    }
  )
}

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
export const reparam = <P, A, B, Q>(f: Para<P, A, B>, alpha: Lens<Q, P>): Para<Q, A, B> => {
  const lf = I.erase(f)
  const la = I.erase(alpha)
  return fromVjp(
    (x) => {
      const [q, a] = pairOf('reparam', x)
      const [p, pullAlpha] = I.vjpLens(la, q)
      const [b, pullF] = I.vjpLens(lf, [p, a])
      return [
        b,
        (db) => {
          const [dp, da] = pullF(db) as readonly [unknown, unknown]
          return [pullAlpha(dp), da]
        }
      ]
    },
    (x) => {
      const [q, a] = pairOf('reparam', x)
      return I.evaluateLens(lf, [I.evaluateLens(la, q), a])
    }
  )
}

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
  const paramsOf = (op: string, ps: unknown): ReadonlyArray<unknown> => {
    if (!Array.isArray(ps) || ps.length !== n) {
      throw new TypeError(
        `Para.${op}: expected ${n} parameters (one per layer), got ${Array.isArray(ps) ? ps.length : typeof ps}`
      )
    }
    return ps
  }
  return fromVjp(
    (x) => {
      const [pRaw, a] = pairOf('pipe', x)
      const ps = paramsOf('pipe', pRaw)
      const pullbacks: Array<Pullback> = new Array(n)
      let v = a
      for (let i = 0; i < n; i++) {
        const [out, pullback] = I.vjpLens(lenses[i] as I.AnyLens, [ps[i], v])
        pullbacks[i] = pullback
        v = out
      }
      return [
        v,
        (dv) => {
          const dps: Array<unknown> = new Array(n)
          let d = dv
          for (let i = n - 1; i >= 0; i--) {
            const [dp, da] = (pullbacks[i] as Pullback)(d) as readonly [unknown, unknown]
            dps[i] = dp
            d = da
          }
          return [dps, d]
        }
      ]
    },
    (x) => {
      const [pRaw, a] = pairOf('pipe', x)
      const ps = paramsOf('pipe', pRaw)
      let v = a
      for (let i = 0; i < n; i++) v = I.evaluateLens(lenses[i] as I.AnyLens, [ps[i], v])
      return v
    }
  )
}

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
export const at = <P, A, B>(f: Para<P, A, B>, params: P): Lens<A, B> => {
  const lf = I.erase(f)
  return fromVjp(
    (a) => {
      const [b, pullback] = I.vjpLens(lf, [params, a])
      return [b, (db) => (pullback(db) as readonly [unknown, unknown])[1]]
    },
    (a) => I.evaluateLens(lf, [params, a])
  )
}
