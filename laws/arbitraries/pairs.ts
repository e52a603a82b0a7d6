/**
 * Arbitraries for the Cartesian laws: pairs of values, and random lenses on pairs of numbers
 * built as trees of the Cartesian combinators themselves, with random scalar lenses at the
 * leaves. Each prints as its description in fast-check's failure reports.
 *
 * @module arbitraries/pairs
 */
import fc from 'fast-check'
import * as Lens from '../../src/Lens.js'
import * as Scalar from '../../src/Scalar.js'
import { label } from '../internal/names.js'
import { scalarLens, type ScalarLensOptions } from './lenses.js'

type Pair<A, B> = readonly [A, B]
type Endo<A> = Lens.Lens<A, A>

type P = Pair<number, number>

const show = (u: unknown): string => fc.stringify(u)

/** A fresh lens object with the behaviour of `lens` (so it can be named). */
const fresh = <A, B>(lens: Lens.Lens<A, B>): Lens.Lens<A, B> => Lens.pipe(lens, Lens.id<B>())

/**
 * Pairs of values drawn from `arb`.
 *
 * @example
 * import fc from 'fast-check'
 * import { dyadic, pairOf } from 'backprop-lens/laws'
 *
 * const [p] = fc.sample(pairOf(dyadic(0, 0)), { numRuns: 1, seed: 1 })
 * console.log(p) // [ 0, 0 ]
 *
 * @category arbitraries
 */
export const pairOf = <A>(arb: fc.Arbitrary<A>): fc.Arbitrary<readonly [A, A]> => fc.tuple(arb, arb).map(([a, b]) => [a, b] as const)

/**
 * Options of {@link pairLens} and {@link pairReducer}.
 *
 * @category arbitraries
 */
export interface PairLensOptions {
  /** Maximal depth of the tree of combinators (default 3). */
  readonly maxDepth?: number
  /**
   * How strongly fast-check favours leaves as the tree grows (`fc.oneof`'s `depthSize`;
   * default `'small'`, shallow trees; `'large'` or `'max'` build deeper ones).
   */
  readonly depthSize?: fc.DepthSize
  /** Options of the scalar lenses at the leaves (default `{ maxDepth: 2 }`). */
  readonly scalar?: ScalarLensOptions
}

const trees = (options: PairLensOptions) => {
  const maxDepth = options.maxDepth ?? 3
  const depthSize = options.depthSize ?? 'small'
  const scalar = scalarLens(options.scalar ?? { maxDepth: 2 })
  const constant = fc.integer({ min: -16, max: 16 }).map((k) => k / 8)
  // Binary reductions that keep values moderate: the product is of tanh's.
  const binary = fc.constantFrom<readonly [string, () => Lens.Lens<P, number>]>(
    ['add', () => fresh(Scalar.add)],
    ['sub', () => fresh(Scalar.sub)],
    ['mul∘tanh²', () => Lens.pipe(Lens.split(Scalar.tanh, Scalar.tanh), Scalar.mul)]
  )
  return fc.letrec<{ pair: Endo<P>; pairNode: Endo<P>; reduce: Lens.Lens<P, number> }>((tie) => ({
    pair: fc.oneof(
      { maxDepth, depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(scalar, scalar).map(([f, g]) => label(Lens.split(f, g), `split(${show(f)}, ${show(g)})`)),
      scalar.map((f) => label(Lens.first<number, number, number>(f), `first(${show(f)})`)),
      scalar.map((f) => label(Lens.second<number, number, number>(f), `second(${show(f)})`)),
      fc.constant(null).map(() => label(fresh(Lens.swap<number, number>()), 'swap')),
      fc.constant(null).map(() => label(Lens.pipe(Lens.fst<number, number>(), Lens.dup<number>()), 'pipe(fst, dup)')),
      constant.map((c) => label(Lens.pipe(Lens.snd<number, number>(), Lens.withConstFirst(c)), `pipe(snd, withConstFirst(${c}))`)),
      constant.map((c) =>
        label(Lens.fanout(Lens.fst<number, number>(), Lens.constant<P, number>(c)), `fanout(fst, constant(${c}))`)
      ),
      { arbitrary: tie('pairNode'), weight: 8 }
    ),
    pairNode: fc.oneof(
      { depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(tie('pair'), tie('pair')).map(([p, q]) => label(Lens.pipe(p, q), `pipe(${show(p)}, ${show(q)})`)),
      fc.tuple(tie('reduce'), tie('reduce')).map(([r, s]) => label(Lens.fanout(r, s), `fanout(${show(r)}, ${show(s)})`))
    ),
    reduce: fc.oneof(
      { maxDepth, depthSize, depthIdentifier: 'pairLens' },
      fc.tuple(tie('pair'), binary).map(([p, [name, op]]) => label(Lens.pipe(p, op()), `pipe(${show(p)}, ${name})`)),
      fc.tuple(tie('pair'), scalar).map(([p, f]) => label(Lens.pipe(p, Lens.fst<number, number>(), f), `pipe(${show(p)}, fst, ${show(f)})`)),
      fc.tuple(tie('pair'), scalar).map(([p, f]) => label(Lens.pipe(p, Lens.snd<number, number>(), f), `pipe(${show(p)}, snd, ${show(f)})`))
    )
  }))
}

/**
 * Random lenses from pairs of numbers to pairs of numbers, built as trees of the Cartesian
 * combinators (`split`, `first`, `second`, `swap`, `fanout`, `fst`, `snd`, `dup`,
 * `constant`, `withConstFirst`) and `pipe`, with random scalar lenses (hand-written CPS
 * ones included) at the leaves. Each prints as its description in fast-check's reports.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { pairLens } from 'backprop-lens/laws'
 *
 * const lenses = fc.sample(pairLens(), { numRuns: 20, seed: 5 })
 * console.log(lenses.every((l) => Lens.evaluate(l, [0.5, -1]).every(Number.isFinite))) // true
 *
 * @category arbitraries
 */
export const pairLens = (options: PairLensOptions = {}): fc.Arbitrary<Lens.Lens<readonly [number, number], readonly [number, number]>> =>
  trees(options).pair

/**
 * Random lenses from pairs of numbers to a number: a {@link pairLens} followed by `add`,
 * `sub`, a product of `tanh`'s, or a projection and a scalar lens.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { pairReducer } from 'backprop-lens/laws'
 *
 * const lenses = fc.sample(pairReducer(), { numRuns: 20, seed: 5 })
 * console.log(lenses.every((l) => Number.isFinite(Lens.evaluate(l, [0.5, -1])))) // true
 *
 * @category arbitraries
 */
export const pairReducer = (options: PairLensOptions = {}): fc.Arbitrary<Lens.Lens<readonly [number, number], number>> =>
  trees(options).reduce
