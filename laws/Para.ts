/**
 * The laws of parametric lenses (`Para`, laws 16–17 of `docs/laws.md`): sequential
 * composition is associative up to re-pairing the parameters, `Para.pipe` agrees with nested
 * `Para.seq`, and reparametrisation composes and has the identity as unit. Each law compares
 * outputs, input cotangents and parameter cotangents (after re-pairing) with an `Eq`. Law 18
 * (one optimiser step) is checked by the library's own suite (`test/Optimizer.test.ts`).
 *
 * @module ParaLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Lens from '../src/Lens.js'
import * as Para from '../src/Para.js'
import { holds, lawsOf, runLaw, type RunOptions } from './internal/run.js'

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 16, associativity up to re-pairing: `seq(seq(f, g), h)` at `[[[p, q], r], a]` and
 * `seq(f, seq(g, h))` at `[[p, [q, r]], a]` agree on the output and on every cotangent, once
 * `[[dp, dq], dr]` is re-paired as `[dp, [dq, dr]]`; and `Para.pipe(f, g, h)` at
 * `[[p, q, r], a]` agrees with both.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ParaLaws, exact } from 'backprop-lens/laws'
 *
 * const f = Lens.pipe(Scalar.mul, Scalar.sin)
 * console.log(ParaLaws.associativity(exact)(f, f, f, [1, 2, 3], 0.5, 1)) // true
 *
 * @category predicates
 */
export const associativity =
  (E: Eq<unknown>) =>
  <P, A>(
    f: Para.Para<P, A, A>,
    g: Para.Para<P, A, A>,
    h: Para.Para<P, A, A>,
    params: NoInfer<readonly [P, P, P]>,
    a: NoInfer<A>,
    da: NoInfer<A>
  ): boolean => {
    const [p, q, r] = params
    const [yl, [[[dpl, dql], drl], dal]] = Lens.valueAndGrad(Para.seq(Para.seq(f, g), h), [[[p, q], r], a], da)
    const [yr, [[dpr, [dqr, drr]], dar]] = Lens.valueAndGrad(Para.seq(f, Para.seq(g, h)), [[p, [q, r]], a], da)
    const [yp, [dps, dap]] = Lens.valueAndGrad(Para.pipe(f, g, h), [[p, q, r], a], da)
    return (
      E.equals(yl, yr) &&
      E.equals(dal, dar) &&
      E.equals([dpl, dql, drl], [dpr, dqr, drr]) &&
      E.equals(yl, yp) &&
      E.equals(dal, dap) &&
      E.equals([dpl, dql, drl], dps)
    )
  }

/**
 * Law 17.1, reparametrisation composes: `reparam(reparam(f, α), β) ≡ reparam(f, pipe(β, α))`
 * at `[r, a]` with output cotangent `db`: same output, same input and parameter cotangents.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ParaLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ParaLaws.reparamComposition(exact)(Scalar.mul, Scalar.exp, Scalar.sin, 0.5, 2, 1)) // true
 *
 * @category predicates
 */
export const reparamComposition =
  (E: Eq<unknown>) =>
  <P, Q, R, A, B>(
    f: Para.Para<P, A, B>,
    alpha: Lens.Lens<Q, P>,
    beta: Lens.Lens<R, Q>,
    r: NoInfer<R>,
    a: NoInfer<A>,
    db: NoInfer<B>
  ): boolean =>
    E.equals(
      Lens.valueAndGrad(Para.reparam(Para.reparam(f, alpha), beta), [r, a], db),
      Lens.valueAndGrad(Para.reparam(f, Lens.pipe(beta, alpha)), [r, a], db)
    )

/**
 * Law 17.2, reparametrisation by the identity: `reparam(f, id()) ≡ f` at `[p, a]` with output
 * cotangent `db`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ParaLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ParaLaws.reparamIdentity(exact)(Scalar.mul, 3, 2, 1)) // true
 *
 * @category predicates
 */
export const reparamIdentity =
  (E: Eq<unknown>) =>
  <P, A, B>(f: Para.Para<P, A, B>, p: NoInfer<P>, a: NoInfer<A>, db: NoInfer<B>): boolean =>
    E.equals(
      Lens.valueAndGrad(Para.reparam(f, Lens.id<P>()), [p, a], db),
      Lens.valueAndGrad(f, [p, a], db)
    )

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw: layers from `A` to `A` with parameters `P`, parameters, inputs and
 * cotangents, and (for reparametrisation) lenses from `P` to `P`.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ParaLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * const arbitraries: ParaLaws.Arbitraries<number, number> = {
 *   layer: fc.constantFrom(Lens.pipe(Scalar.mul, Scalar.tanh), Scalar.add),
 *   param: dyadic(-2, 2),
 *   input: dyadic(-2, 2),
 *   cotangent: dyadic(-2, 2),
 *   reparametrisation: fc.constantFrom(Scalar.sin, Scalar.scale(0.5))
 * }
 * ParaLaws.checkAll(exact, arbitraries, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export interface Arbitraries<P, A> {
  /** The layers `f`, `g`, `h` of the laws. */
  readonly layer: fc.Arbitrary<Para.Para<P, A, A>>
  /** Their parameters. */
  readonly param: fc.Arbitrary<P>
  /** Their inputs. */
  readonly input: fc.Arbitrary<A>
  /** Cotangents of their outputs. */
  readonly cotangent: fc.Arbitrary<A>
  /** The reparametrisations `α`, `β` of law 17. */
  readonly reparametrisation: fc.Arbitrary<Lens.Lens<P, P>>
}

const law = lawsOf('ParaLaws')

/**
 * Checks law 16 ({@link associativity}); throws a report with the counterexample and the
 * seed on failure.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ParaLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * const layer = fc.constant(Lens.pipe(Scalar.mul, Scalar.sin))
 * ParaLaws.checkAssociativity(exact, { layer, param: dyadic(-2, 2), input: dyadic(-2, 2), cotangent: dyadic(-2, 2) }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAssociativity = <P, A>(
  eq: Eq<unknown>,
  arbitraries: Omit<Arbitraries<P, A>, 'reparametrisation'>,
  options: RunOptions = {}
): void => {
  const { layer, param, input, cotangent } = arbitraries
  runLaw(
    law('checkAssociativity', '16', 'associativity up to re-pairing'),
    [layer, layer, layer, fc.tuple(param, param, param), input, cotangent],
    (f, g, h, ps, a, da) => holds(associativity(eq)(f, g, h, ps, a, da)),
    options
  )
}

/**
 * Checks law 17: {@link reparamComposition} (17.1) and {@link reparamIdentity} (17.2).
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { ParaLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * ParaLaws.checkReparametrisation(exact, {
 *   layer: fc.constant(Scalar.mul),
 *   param: dyadic(-2, 2),
 *   input: dyadic(-2, 2),
 *   cotangent: dyadic(-2, 2),
 *   reparametrisation: fc.constantFrom(Scalar.exp, Scalar.scale(0.5))
 * }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkReparametrisation = <P, A>(eq: Eq<unknown>, arbitraries: Arbitraries<P, A>, options: RunOptions = {}): void => {
  const { layer, param, input, cotangent, reparametrisation } = arbitraries
  runLaw(
    law('checkReparametrisation', '17.1', 'reparametrisation composes'),
    [layer, reparametrisation, reparametrisation, param, input, cotangent],
    (f, alpha, beta, r, a, db) => holds(reparamComposition(eq)(f, alpha, beta, r, a, db)),
    options
  )
  runLaw(
    law('checkReparametrisation', '17.2', 'reparametrisation by the identity'),
    [layer, param, input, cotangent],
    (f, p, a, db) => holds(reparamIdentity(eq)(f, p, a, db)),
    options
  )
}

/**
 * Every law of this module: {@link checkAssociativity} and {@link checkReparametrisation}
 * (laws 16–17).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ParaLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * ParaLaws.checkAll(exact, {
 *   layer: fc.constantFrom(Lens.pipe(Scalar.mul, Scalar.tanh), Scalar.add),
 *   param: dyadic(-2, 2),
 *   input: dyadic(-2, 2),
 *   cotangent: dyadic(-2, 2),
 *   reparametrisation: fc.constantFrom(Scalar.sin, Scalar.scale(0.5))
 * }, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <P, A>(eq: Eq<unknown>, arbitraries: Arbitraries<P, A>, options: RunOptions = {}): void => {
  checkAssociativity(eq, arbitraries, options)
  checkReparametrisation(eq, arbitraries, options)
}
