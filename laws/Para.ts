/**
 * The laws of parametric lenses (`Para`), LAWS.md 16–17: sequential composition is
 * associative up to re-pairing the parameters, `Para.pipe` agrees with nested `Para.seq`,
 * and reparametrisation composes and has the identity as unit. Each law compares outputs,
 * input cotangents and parameter cotangents (after re-pairing) with an `Eq`.
 *
 * @module para
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import { Lens, Para } from '../src/index.js'


// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * `seq(seq(f, g), h)` at `[[[p, q], r], a]` and `seq(f, seq(g, h))` at `[[p, [q, r]], a]`
 * agree on the output and on every cotangent, once `[[dp, dq], dr]` is re-paired as
 * `[dp, [dq, dr]]`; and `Para.pipe(f, g, h)` at `[[p, q, r], a]` agrees with both.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { exact, paraAssociativity } from 'backprop-lens/laws'
 *
 * const f = Lens.pipe(Scalar.mul, Scalar.sin)
 * console.log(paraAssociativity(exact)(f, f, f, [1, 2, 3], 0.5, 1)) // true
 *
 * @category predicates
 */
export const paraAssociativity =
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
 * `reparam(reparam(f, α), β) ≡ reparam(f, pipe(β, α))` at `[r, a]` with output cotangent
 * `db`: same output, same input and parameter cotangents.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { exact, reparamComposition } from 'backprop-lens/laws'
 *
 * console.log(reparamComposition(exact)(Scalar.mul, Scalar.exp, Scalar.sin, 0.5, 2, 1)) // true
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
 * `reparam(f, id()) ≡ f` at `[p, a]` with output cotangent `db`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { exact, reparamIdentity } from 'backprop-lens/laws'
 *
 * console.log(reparamIdentity(exact)(Scalar.mul, 3, 2, 1)) // true
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
 * What the `Para` law runners draw from: layers from `A` to `A` with parameters `P`,
 * parameters, inputs and cotangents, and (for reparametrisation) lenses from `P` to `P`.
 *
 * @category runners
 */
export interface ParaArbitraries<P, A> {
  readonly layer: fc.Arbitrary<Para.Para<P, A, A>>
  readonly param: fc.Arbitrary<P>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<A>
  readonly reparametrisation: fc.Arbitrary<Lens.Lens<P, P>>
}

/**
 * Checks {@link paraAssociativity}, {@link reparamComposition} and {@link reparamIdentity}
 * with fast-check (throws with the counterexample and seed on failure).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { checkParaLaws, dyadic, exact } from 'backprop-lens/laws'
 *
 * checkParaLaws(exact, {
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
export const checkParaLaws = <P, A>(
  E: Eq<unknown>,
  arbs: ParaArbitraries<P, A>,
  options: { readonly numRuns?: number } = {}
): void => {
  const numRuns = options.numRuns ?? 200
  fc.assert(
    fc.property(
      arbs.layer,
      arbs.layer,
      arbs.layer,
      fc.tuple(arbs.param, arbs.param, arbs.param),
      arbs.input,
      arbs.cotangent,
      (f, g, h, ps, a, da) => paraAssociativity(E)(f, g, h, ps, a, da)
    ),
    { numRuns }
  )
  fc.assert(
    fc.property(
      arbs.layer,
      arbs.reparametrisation,
      arbs.reparametrisation,
      arbs.param,
      arbs.input,
      arbs.cotangent,
      (f, alpha, beta, r, a, db) => reparamComposition(E)(f, alpha, beta, r, a, db)
    ),
    { numRuns }
  )
  fc.assert(
    fc.property(arbs.layer, arbs.param, arbs.input, arbs.cotangent, (f, p, a, db) => reparamIdentity(E)(f, p, a, db)),
    { numRuns }
  )
}
