/**
 * The law kit of backprop-lens: law predicates, fast-check runners and arbitraries, so the
 * library's tests and your own suites check the same laws (import from
 * `'backprop-lens/laws'`; it needs `fast-check` installed).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { scalarLens } from 'backprop-lens/laws'
 *
 * const [lens] = fc.sample(scalarLens(), { numRuns: 1, seed: 3 })
 * console.log(Number.isFinite(Lens.evaluate(lens!, 1))) // true
 *
 * @module backprop-lens/laws
 */
export * from './arbitraries/lenses.js'
export * from './Eq.js'
export * as ContLaws from './Cont.js'
export * from './Para.js'
export * from './Gradient.js'
export * from './Cartesian.js'
export * as LensLaws from './Lens.js'
export * from './arbitraries/tensors.js'
