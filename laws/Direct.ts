/**
 * The laws of direct-style programs (`Direct`, LAWS.md 19–21), as predicates, arbitraries of
 * random programs, and fast-check runners shaped `checkX(eq, arbitraries, options)`:
 *
 * - **point-free twin** (19): a random straight-line program (applications of primitives to
 *   earlier variables, with reuse) equals, on values and gradients, the same program built
 *   with `pipe`/`fanout`/`fst`/`snd`. The twin passes the environment of all variables along
 *   and orders its fan-outs so that it sums each variable's cotangents in the order the
 *   program does (last use first), so the law is exact;
 * - **identity** (20): `lens(function* (x) { return yield* apply(f, x) }) ≡ f`, exact;
 * - **pipe** (20): two applies in sequence ≡ `pipe(f, g)`, exact;
 * - **gradient** (21): random programs with data-dependent `if`, `while`, trip counts and
 *   `Direct.fn` calls pass the finite-difference gradient check, at inputs whose every decision
 *   is at least `margin` away from its boundary (the program measures it as it runs);
 * - **sum of uses** (21): a variable used k times receives the sum of its k contributions,
 *   summed last use first, exact;
 * - **linearity** in the cotangent (LAWS 14), on both kinds of random programs, reassoc.
 *
 * Programs here are on numbers; the arbitraries take your own primitives.
 *
 * The random programs (models, builders, arbitraries) are in `direct-programs.ts`, re-exported
 * here.
 *
 * @module DirectLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Direct from '../src/Direct.js'
import * as Lens from '../src/Lens.js'
import { doubleIn, lattice } from './arbitraries/numbers.js'
import { scalarLens } from './arbitraries/lenses.js'
import { controlFlow, controlFlowProgram, directProgram, pointFreeProgram, straightLine, usedTimes, type Primitive, type StraightLine } from './arbitraries/programs.js'
import { exact, fd, reassoc } from './Eq.js'
import * as GradientLaws from './Gradient.js'

export * from './arbitraries/programs.js'

const fwd = <A, B>(lens: Lens.Lens<A, B>, a: A): B => Lens.evaluate(lens, a)
const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law 19: the straight-line program and its point-free twin agree at `(xs, dys)` on values
 * and input cotangents, by `eq` (exact: the twin sums in the program's order).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * const mul = { name: 'mul', lens: Scalar.mul }
 * const p: DirectLaws.StraightLine = { inputs: 2, steps: [{ kind: 'binary', op: mul, args: [0, 1] }, { kind: 'binary', op: mul, args: [2, 0] }], outputs: [3, 2] }
 * console.log(DirectLaws.pointFree(exact)(p, [1.5, -2], [1, 0.25])) // true
 *
 * @category predicates
 */
export const pointFree =
  (eq: Eq<unknown>) =>
  (p: StraightLine, xs: ReadonlyArray<number>, dys: ReadonlyArray<number>): boolean => {
    const direct = directProgram(p)
    const twin = pointFreeProgram(p)
    return eq.equals(fwd(direct, xs), fwd(twin, xs)) && eq.equals(bwd(direct, xs, dys), bwd(twin, xs, dys))
  }

/**
 * Law 20: the program that applies `f` once is `f`, on values and cotangents, by `eq`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.identity(exact)(Scalar.tanh, 0.5, 2)) // true
 *
 * @category predicates
 */
export const identity =
  (eq: Eq<unknown>) =>
  <A, B>(f: Lens.Lens<A, B>, a: A, db: B): boolean => {
    const once = Direct.lens<A, B>(function* once(x) {
      return yield* Direct.apply(f, x)
    })
    return eq.equals(fwd(once, a), fwd(f, a)) && eq.equals(bwd(once, a, db), bwd(f, a, db))
  }

/**
 * Law 20: applying `f` then `g` in a program is `pipe(f, g)`, on values and cotangents, by `eq`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.sequence(exact)(Scalar.square, Scalar.sin, 1, 1)) // true
 *
 * @category predicates
 */
export const sequence =
  (eq: Eq<unknown>) =>
  <A, B, C>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: A, dc: C): boolean => {
    const twice = Direct.lens<A, C>(function* twice(x) {
      const y = yield* Direct.apply(f, x)
      return yield* Direct.apply(g, y)
    })
    const piped = Lens.pipe(f, g)
    return eq.equals(fwd(twice, a), fwd(piped, a)) && eq.equals(bwd(twice, a, dc), bwd(piped, a, dc))
  }

/**
 * Law 21: `x` used by `f_1 … f_k` receives `Σ bwd(f_i)(x, dy_i)`, summed last use first, by
 * `eq` (exact).
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(DirectLaws.sumOfUses(exact)([Scalar.sin, Scalar.exp, Scalar.square], 0.5, [1, 2, 3])) // true
 *
 * @category predicates
 */
export const sumOfUses =
  (eq: Eq<unknown>) =>
  (lenses: ReadonlyArray<Lens.Lens<number, number>>, x: number, dys: ReadonlyArray<number>): boolean => {
    let expected: number | undefined
    for (let i = lenses.length - 1; i >= 0; i--) {
      const d = bwd(lenses[i] as Lens.Lens<number, number>, x, dys[i] as number)
      expected = expected === undefined ? d : expected + d
    }
    return eq.equals(bwd(usedTimes(lenses), x, dys), expected ?? 0)
  }

/**
 * Law 21: a control-flow program passes the gradient check at `x` (`Gradcheck.check`, a kink
 * counts as holding). Runners draw `x` with every decision at least a margin from its boundary.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { DirectLaws } from 'backprop-lens/laws'
 *
 * const p = DirectLaws.controlFlowProgram([{ tag: 'while', threshold: 0.5, max: 4, body: [{ tag: 'op', op: { name: 'sin', lens: Scalar.sin } }] }])
 * console.log(DirectLaws.gradient(p.lens, 1.3)) // true
 *
 * @category predicates
 */
export const gradient = (lens: Lens.Lens<number, number>, x: number): boolean => GradientLaws.gradient(fd)(lens, x)

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw (every field has a default): `lens` for the identity, sequence and
 * sum-of-uses laws (default `scalarLens()`, hand-written CPS lenses included); `input` and
 * `cotangent` numbers (defaults `lattice(-2, 2)` and `doubleIn(-3, 3)`); and the `unary` and
 * `binary` primitives random programs are made of (defaults: {@link unaryPrimitives} and
 * {@link binaryPrimitives} for straight-line programs, {@link boundedPrimitives} for
 * control-flow programs).
 *
 * @example
 * import { DirectLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const arbitraries: DirectLaws.DirectArbitraries = { cotangent: doubleIn(-1, 1) }
 * console.log(Object.keys(arbitraries)) // [ 'cotangent' ]
 *
 * @category runners
 */
export interface DirectArbitraries {
  readonly lens?: fc.Arbitrary<Lens.Lens<number, number>>
  readonly input?: fc.Arbitrary<number>
  readonly cotangent?: fc.Arbitrary<number>
  readonly unary?: ReadonlyArray<Primitive<number, number>>
  readonly binary?: ReadonlyArray<Primitive<readonly [number, number], number>>
}

/**
 * How runners run: cases per law (default 200), a fast-check seed to replay a failure, and
 * the margin the gradient law keeps from every decision boundary (default `0.01`).
 *
 * @example
 * import type { DirectLaws } from 'backprop-lens/laws'
 *
 * const options: DirectLaws.RunOptions = { numRuns: 500, seed: 7 }
 * console.log(options.numRuns) // 500
 *
 * @category runners
 */
export interface RunOptions {
  readonly numRuns?: number
  readonly seed?: number
  readonly margin?: number
}

/**
 * The value of a random program at `x`, or NaN where its values overflow (squares of squares
 * of a few loop trips can): such cases are discarded, any other error is a failure.
 */
const finiteValue = (lens: Lens.Lens<number, number>, x: number): number => {
  try {
    return fwd(lens, x)
  } catch (e) {
    if (e instanceof RangeError && /not finite/.test(e.message)) return NaN
    throw e
  }
}

const parameters = <Ts>(options: RunOptions): fc.Parameters<Ts> => {
  const numRuns = options.numRuns ?? 200
  return options.seed === undefined ? { numRuns } : { numRuns, seed: options.seed }
}

const inputOf = (a: DirectArbitraries): fc.Arbitrary<number> => a.input ?? lattice(-2, 2)
const cotangentOf = (a: DirectArbitraries): fc.Arbitrary<number> => a.cotangent ?? doubleIn(-3, 3)
const lensOf = (a: DirectArbitraries): fc.Arbitrary<Lens.Lens<number, number>> => a.lens ?? scalarLens()

const lineCases = (a: DirectArbitraries) =>
  straightLine(a.unary, a.binary).chain((p) =>
    fc.tuple(fc.constant(p), fc.array(inputOf(a), { minLength: p.inputs, maxLength: p.inputs }), fc.array(cotangentOf(a), { minLength: p.outputs.length, maxLength: p.outputs.length }))
  )

/**
 * Checks law 19 (point-free twin) on random straight-line programs.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkPointFree(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkPointFree = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = pointFree(eq)
  fc.assert(
    fc.property(lineCases(arbitraries), ([p, xs, dys]) => law(p, xs, dys)),
    parameters(options)
  )
}

/**
 * Checks law 20 (a program applying `f` once is `f`) on the drawn lenses.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkIdentity(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkIdentity = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = identity(eq)
  fc.assert(
    fc.property(lensOf(arbitraries), inputOf(arbitraries), cotangentOf(arbitraries), (f, a, db) => law(f, a, db)),
    parameters(options)
  )
}

/**
 * Checks law 20 (two applies in sequence are `pipe`) on pairs of drawn lenses.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkSequence(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSequence = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = sequence(eq)
  const lens = lensOf(arbitraries)
  fc.assert(
    fc.property(lens, lens, inputOf(arbitraries), cotangentOf(arbitraries), (f, g, a, dc) => law(f, g, a, dc)),
    parameters(options)
  )
}

/**
 * Checks law 21 (a variable used k times, k = 1…6, receives the sum of its contributions).
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkSumOfUses(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSumOfUses = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const law = sumOfUses(eq)
  const cases = fc
    .array(lensOf(arbitraries), { minLength: 1, maxLength: 6 })
    .chain((ls) => fc.tuple(fc.constant(ls), inputOf(arbitraries), fc.array(cotangentOf(arbitraries), { minLength: ls.length, maxLength: ls.length })))
  fc.assert(
    fc.property(cases, ([ls, x, dys]) => law(ls, x, dys)),
    parameters(options)
  )
}

/**
 * Checks law 21 (gradient) on random control-flow programs, at inputs whose every decision is
 * at least `options.margin` from its boundary (others are discarded). `eq` is unused: the law
 * compares with finite differences.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkGradient(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkGradient = (_eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const margin = options.margin ?? 0.01
  fc.assert(
    fc.property(controlFlow(arbitraries.unary, arbitraries.binary), inputOf(arbitraries), (p, x) => {
      const program = controlFlowProgram(p)
      fc.pre(Number.isFinite(finiteValue(program.lens, x)) && program.margin() >= margin)
      return gradient(program.lens, x)
    }),
    parameters(options)
  )
}

/**
 * Checks linearity in the cotangent (LAWS 14, reassoc) on random straight-line and
 * control-flow programs. `eq` is unused: the law compares up to re-association.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkLinearity(exact, {}, { numRuns: 50 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkLinearity = (_eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  const scalar = doubleIn(-3, 3)
  fc.assert(
    fc.property(lineCases(arbitraries), scalar, ([p, xs, u], s) => {
      const v = u.map((d, i) => (i % 2 === 0 ? -d : d / 2))
      return GradientLaws.cotangentLinearity(reassoc)(directProgram(p), xs, s, u, v)
    }),
    parameters(options)
  )
  fc.assert(
    fc.property(controlFlow(arbitraries.unary, arbitraries.binary), inputOf(arbitraries), scalar, cotangentOf(arbitraries), cotangentOf(arbitraries), (p, x, s, u, v) => {
      const program = controlFlowProgram(p).lens
      fc.pre(Number.isFinite(finiteValue(program, x)))
      return GradientLaws.cotangentLinearity(reassoc)(program, x, s, u, v)
    }),
    parameters(options)
  )
}

/**
 * Checks every law of this module: point-free twin, identity, sequence, sum of uses,
 * gradient and linearity.
 *
 * @example
 * import { DirectLaws, exact } from 'backprop-lens/laws'
 *
 * DirectLaws.checkAll(exact, {}, { numRuns: 30 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = (eq: Eq<unknown> = exact, arbitraries: DirectArbitraries = {}, options: RunOptions = {}): void => {
  checkPointFree(eq, arbitraries, options)
  checkIdentity(eq, arbitraries, options)
  checkSequence(eq, arbitraries, options)
  checkSumOfUses(eq, arbitraries, options)
  checkGradient(eq, arbitraries, options)
  checkLinearity(eq, arbitraries, options)
}
