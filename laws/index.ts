/**
 * The law kit of backprop-lens: the laws of `docs/laws.md` as predicates (plain functions
 * over an `Eq`, or a `Tolerance` for the numeric laws) and as fast-check runners, one
 * namespace per module (`ContLaws`, `LensLaws`, `CartesianLaws`, `ParaLaws`, `TensorLaws`,
 * `GradientLaws`), plus the arbitraries and equalities they use, so the library's tests and your own suites
 * check the same laws (import from `'backprop-lens/laws'`; it needs `fast-check` installed).
 *
 * Every runner has the same shape, `XLaws.checkLaw(eq, arbitraries, options)`, and every
 * namespace has a `checkAll` with that shape.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { LensLaws, doubleIn, exact, scalarLens } from 'backprop-lens/laws'
 *
 * const [lens] = fc.sample(scalarLens(), { numRuns: 1, seed: 3 })
 * console.log(Number.isFinite(Lens.evaluate(lens!, 1))) // true
 * LensLaws.checkAll(exact, { lens: scalarLens(), input: doubleIn(-1, 1), cotangent: doubleIn(-1, 1) }, { numRuns: 20 })
 *
 * @module backprop-lens/laws
 */
export * from './Eq.js'
export type { RunOptions, RunnerParameters } from './internal/run.js'
export * from './arbitraries/numbers.js'
export * from './arbitraries/lenses.js'
export * from './arbitraries/pairs.js'
export * from './arbitraries/cont.js'
export * from './arbitraries/tensors.js'
/**
 * Laws 1–3: `Cont` is a Functor, an Applicative and a Monad.
 *
 * @category laws
 */
export * as ContLaws from './Cont.js'
/**
 * Laws 5–10: lenses form a category (identity, associativity, chain rule, order), round trip
 * through their concrete pairs, and their CPS terms are single-shot.
 *
 * @category laws
 */
export * as LensLaws from './Lens.js'
/**
 * Laws 10–13 for the Cartesian combinators: projections, fan-out, interchange.
 *
 * @category laws
 */
export * as CartesianLaws from './Cartesian.js'
/**
 * Laws 16–17: `Para` composition is associative up to re-pairing; reparametrisation.
 *
 * @category laws
 */
export * as ParaLaws from './Para.js'
/**
 * Laws T.1–T.4: tensors form a vector space with row-major coordinates, and binary ops
 * broadcast as if their operands were expanded first.
 *
 * @category laws
 */
export * as TensorLaws from './Tensor.js'
/**
 * Law G and laws 14–15: gradients match finite differences, are linear in the cotangent and
 * have symmetric second derivatives.
 *
 * @category laws
 */
export * as GradientLaws from './Gradient.js'
/**
 * Laws 19–21: direct-style programs equal their point-free twins, and pass the gradient law
 * with control flow.
 *
 * @category laws
 */
export * as DirectLaws from './Direct.js'
/**
 * Laws RD.1–RD.7: `Lens.reverse` satisfies the axioms of a reverse derivative category
 * (Cockett et al., 2019), to second order.
 *
 * @category laws
 */
export * as ReverseLaws from './Reverse.js'
