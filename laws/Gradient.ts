/**
 * The numeric laws of reverse derivatives (law G and laws 14–15 of `docs/laws.md`), as
 * predicates over a {@link Tolerance} and as fast-check runners:
 *
 * - G, the gradient law: `⟨bwd(L)(x, v), u⟩` matches the central difference of `fwd(L)` along
 *   `u` (the dot-product test of `Gradcheck.check`); kinks are discarded;
 * - 14, linearity in the cotangent: `bwd(L)(a, s·u + v) = s·bwd(L)(a, u) + bwd(L)(a, v)` and
 *   `bwd(L)(a, 0) = 0`, up to re-association;
 * - 15, symmetric second derivative: with `g(x) = bwd(L)(x, c)` for a fixed cotangent `c`
 *   (`c = 1` for a number output), `⟨u, ∂g/∂w⟩ ≈ ⟨w, ∂g/∂u⟩` by central differences: a
 *   backward pass that is not the gradient of any function (here of `x ↦ ⟨c, fwd(L)(x)⟩`)
 *   fails it. (For one input coordinate it holds trivially: every function of one variable
 *   has an antiderivative.)
 *
 * The runners take arbitraries of lenses and inputs, run 200 cases by default, and throw a
 * report with fast-check's seed and counterexample and the law's account of the failing
 * case. They work in any test runner.
 *
 * Inputs and outputs are any types with a `VectorSpace` instance (the arbitraries' `spaces`);
 * numbers, tuples and records of numbers, and tensors, are inferred.
 *
 * @module GradientLaws
 */
import fc from 'fast-check'
import * as Gradcheck from '../src/Gradcheck.js'
import * as Lens from '../src/Lens.js'
import * as VectorSpace from '../src/VectorSpace.js'
import { describeLens } from './arbitraries/lenses.js'
import { fd, reassoc, type Tolerance } from './Eq.js'
import { label } from './internal/names.js'
import {
  DEFAULT_COORDINATES,
  DIRECTION_COORDINATES,
  gradientCase,
  linearityCase,
  secondDerivativeCase,
  unit,
  valueLike,
  type SecondDerivativeOptions,
  type Spaces
} from './internal/numeric.js'
import { lawsOf, runLaw, type RunOptions } from './internal/run.js'

export type { SecondDerivativeOptions, Spaces } from './internal/numeric.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The tolerances of the three laws, for {@link checkAll}; {@link tolerances} holds those of
 * `docs/laws.md`.
 *
 * @example
 * import { GradientLaws, fd, reassoc } from 'backprop-lens/laws'
 *
 * const looser: GradientLaws.Tolerances = { gradient: { atol: 1e-6, rtol: 1e-4 }, linearity: reassoc, secondDerivative: { atol: 1e-6, rtol: 1e-3 } }
 * console.log(looser.gradient.rtol > fd.rtol) // true
 *
 * @category model
 */
export interface Tolerances {
  /** Law G: `|a − n| ≤ atol + rtol·max(|a|, |n|)`. */
  readonly gradient: Tolerance
  /** Law 14: `|x − y| ≤ atol + rtol·Σ|terms|` coordinate by coordinate; `|bwd(a, 0)| ≤ atol`. */
  readonly linearity: Tolerance
  /** Law 15: `|lhs − rhs| ≤ atol + rtol·max(|lhs|, |rhs|)`. */
  readonly secondDerivative: Tolerance
}

/**
 * The tolerances of `docs/laws.md`: `fd` for the gradient law, `reassoc` for linearity in
 * the cotangent, and `atol = 1e-7`, `rtol = 1e-4` for the second derivative (a finite
 * difference of gradients is less accurate than one of values).
 *
 * @example
 * import { GradientLaws } from 'backprop-lens/laws'
 *
 * console.log(GradientLaws.tolerances.secondDerivative) // { atol: 1e-7, rtol: 0.0001 }
 *
 * @category model
 */
export const tolerances: Tolerances = { gradient: fd, linearity: reassoc, secondDerivative: { atol: 1e-7, rtol: 1e-4 } }

/**
 * What the runners draw: lenses and inputs, and for law 14 the scalars `s` and the
 * coordinates of the cotangents `u`, `v` (default for both: doubles in `[-10, 10]`, half of
 * them eighths, since `fc.double` alone draws mostly tiny values); and the
 * vector spaces, when they cannot be inferred.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { GradientLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * const arbitraries: GradientLaws.Arbitraries<number, number> = { lens: fc.constant(cube), input: doubleIn(-3, 3) }
 * GradientLaws.checkAll(GradientLaws.tolerances, arbitraries, { name: 'cube' })
 * console.log('ok') // ok
 *
 * @category model
 */
export interface Arbitraries<A, B> {
  /** The lenses under test. */
  readonly lens: fc.Arbitrary<Lens.Lens<A, B>>
  /** Their inputs. */
  readonly input: fc.Arbitrary<A>
  /** The scalars `s` of law 14 (default: doubles in `[-10, 10]`, half of them eighths). */
  readonly scalar?: fc.Arbitrary<number>
  /** The coordinates of the cotangents `u`, `v` of law 14 (default: as `scalar`'s). */
  readonly coordinate?: fc.Arbitrary<number>
  /** The vector spaces of the input and the output (default: inferred). */
  readonly spaces?: Spaces<A, B>
}

/**
 * Options of the runners: {@link RunOptions}, a name for the reports (default: the drawn
 * lens's description, see `describeLens`), the finite-difference step `h` (default
 * `1e-5·max(1, ‖x‖∞)`) and the kink guard (default `1e-3`, as in `Gradcheck`).
 *
 * @example
 * import type { GradientLaws } from 'backprop-lens/laws'
 *
 * const options: GradientLaws.Options = { name: 'cube', numRuns: 300, parameters: { seed: 1 } }
 * console.log(options.name) // cube
 *
 * @category model
 */
export interface Options extends RunOptions {
  /** How reports call the lens (default: its description, or `'lens'`). */
  readonly name?: string
  /** The finite-difference step (default `1e-5·max(1, ‖x‖∞)`). */
  readonly h?: number
  /** One-sided slopes further apart than this (relative) mark a kink (default `1e-3`). */
  readonly kinkTolerance?: number
}

// -------------------------------------------------------------------------------------
// internal helpers
// -------------------------------------------------------------------------------------

const nameOf = <A, B>(lens: Lens.Lens<A, B>, name: string | undefined): string => {
  if (name !== undefined) return name
  const described = describeLens(lens)
  return described === '<lens>' ? 'lens' : described
}

/**
 * The drawn lenses, each in a box that reports print as its name (a lens is a function, which
 * fast-check would print as its source); the lens itself is neither changed nor wrapped.
 */
const boxed = <A, B>(lenses: fc.Arbitrary<Lens.Lens<A, B>>, name: string | undefined): fc.Arbitrary<{ readonly lens: Lens.Lens<A, B> }> =>
  lenses.map((lens) => label({ lens }, nameOf(lens, name)))

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * Law G, the gradient law at one input: `Gradcheck.check` with the tolerance's `atol` and
 * `rtol` does not fail (a kink counts as holding, since finite differences say nothing there).
 * Throws on a non-finite input, output or gradient.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { GradientLaws, fd } from 'backprop-lens/laws'
 *
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.sin(x) * dy })
 * const law = GradientLaws.gradient(fd)
 * console.log(law(Scalar.sin, 0.5), law(wrong, 0.5), law(Scalar.relu, 0)) // true false true
 *
 * @category predicates
 */
export const gradient =
  (tolerance: Tolerance) =>
  <A, B>(lens: Lens.Lens<A, B>, x: A, options: Omit<Gradcheck.Options<A, B>, 'atol' | 'rtol'> = {}): boolean => {
    const verdict = gradientCase(tolerance, lens, x, options)
    return verdict === null || verdict === 'discard'
  }

/**
 * Law 14, linearity in the cotangent at `a`: `bwd(L)(a, s·u + v) = s·bwd(L)(a, u) +
 * bwd(L)(a, v)` coordinate by coordinate within `atol + rtol·Σ|terms|`, and `bwd(L)(a, 0) = 0`
 * within `atol` (with `reassoc`, re-association: `1e-12·(1 + Σ|terms|)`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { GradientLaws, reassoc } from 'backprop-lens/laws'
 *
 * // A backward pass that squares the cotangent is not linear in it.
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy * dy })
 * const law = GradientLaws.cotangentLinearity(reassoc)
 * console.log(law(Scalar.sin, 0.5, 3, 0.25, -2), law(wrong, 0.5, 3, 0.25, -2)) // true false
 *
 * @category predicates
 */
export const cotangentLinearity =
  (tolerance: Tolerance) =>
  <A, B>(lens: Lens.Lens<A, B>, a: A, s: number, u: NoInfer<B>, v: NoInfer<B>, spaces: Spaces<A, B> = {}): boolean =>
    linearityCase(tolerance, lens, a, s, u, v, spaces, 'lens') === null

/**
 * Law 15, the symmetric second derivative at `x`, with `g(x) = bwd(L)(x, c)` (`c` from the
 * options, 1 for a number output) and `u`, `w` normalised to unit length:
 * `⟨u, (g(x+hw) − g(x−hw))/2h⟩ ≈ ⟨w, (g(x+hu) − g(x−hu))/2h⟩` within
 * `atol + rtol·max(|lhs|, |rhs|)`. A kink in the gradient counts as holding.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { GradientLaws } from 'backprop-lens/laws'
 *
 * // (a, b) ↦ (b, 0) is not the gradient of anything: ∂/∂b of the first is 1, ∂/∂a of the second 0.
 * const curl = Lens.make<readonly [number, number], number>({ forward: ([a, b]) => a * b, backward: ([, b], dy) => [b * dy, 0] })
 * const law = GradientLaws.symmetricSecondDerivative(GradientLaws.tolerances.secondDerivative)
 * console.log(law(Scalar.mul, [1, 2], [1, 0], [0, 1])) // true
 * console.log(law(curl, [1, 2], [1, 0], [0, 1])) // false
 *
 * @category predicates
 */
export const symmetricSecondDerivative =
  (tolerance: Tolerance) =>
  <A, B>(lens: Lens.Lens<A, B>, x: A, u: NoInfer<A>, w: NoInfer<A>, options: SecondDerivativeOptions<A, B> = {}): boolean => {
    const verdict = secondDerivativeCase(tolerance, lens, x, u, w, options, 'lens')
    return verdict === null || verdict === 'discard'
  }

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

const law = lawsOf('GradientLaws')

/**
 * Checks law G ({@link gradient}) on the drawn lenses and inputs, with directions drawn for
 * each case; kinks are discarded. On failure, throws fast-check's report (seed,
 * counterexample `[lens, input, directions seed]`) with the formatted gradient-check report.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { GradientLaws, doubleIn, fd } from 'backprop-lens/laws'
 *
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * GradientLaws.checkGradient(fd, { lens: fc.constant(cube), input: doubleIn(-3, 3) }, { name: 'cube' })
 *
 * const wrong = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * dy })
 * try {
 *   GradientLaws.checkGradient(fd, { lens: fc.constant(wrong), input: doubleIn(-3, 3) }, { name: 'cube' })
 * } catch (e) {
 *   console.log((e as Error).message.includes('gradient check failed for cube')) // true
 * }
 *
 * @category runners
 */
export const checkGradient = <A, B>(tolerance: Tolerance, arbitraries: Arbitraries<A, B>, options: Options = {}): void => {
  const { name, h, kinkTolerance } = options
  const { lens, input, spaces = {} } = arbitraries
  const check: Gradcheck.Options<A, B> = {
    ...(spaces.input === undefined ? {} : { input: spaces.input }),
    ...(spaces.output === undefined ? {} : { output: spaces.output }),
    ...(h === undefined ? {} : { h }),
    ...(kinkTolerance === undefined ? {} : { kinkTolerance })
  }
  runLaw(
    law('checkGradient', 'G', 'gradient against finite differences'),
    [boxed(lens, name), input, fc.integer({ min: 0, max: 0x7fffffff })],
    ({ lens: f }, x, seed) => gradientCase(tolerance, f, x, { ...check, name: nameOf(f, name), seed }),
    options
  )
}

/**
 * Checks law 14 ({@link cotangentLinearity}) on the drawn lenses and inputs, with scalars
 * and cotangents drawn from `scalar` and `coordinate`; throws fast-check's report with what
 * differed.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { GradientLaws, doubleIn, reassoc } from 'backprop-lens/laws'
 *
 * GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(Scalar.mul), input: fc.tuple(doubleIn(-5, 5), doubleIn(-5, 5)) })
 * console.log('mul is linear in its cotangent') // mul is linear in its cotangent
 *
 * @category runners
 */
export const checkCotangentLinearity = <A, B>(tolerance: Tolerance, arbitraries: Arbitraries<A, B>, options: Options = {}): void => {
  const { name } = options
  const { lens, input, scalar = DEFAULT_COORDINATES, coordinate = DEFAULT_COORDINATES, spaces = {} } = arbitraries
  const cases = fc.tuple(boxed(lens, name), input).chain(([f, a]) => {
    const b = Lens.evaluate(f.lens, a)
    const Y = spaces.output ?? VectorSpace.infer(b)
    return fc.tuple(fc.constant(f), fc.constant(a), scalar, valueLike(Y, b, coordinate), valueLike(Y, b, coordinate))
  })
  runLaw(
    law('checkCotangentLinearity', '14', 'linearity in the cotangent'),
    [cases],
    ([{ lens: f }, a, s, u, v]) => linearityCase(tolerance, f, a, s, u, v, spaces, nameOf(f, name)),
    options
  )
}

/**
 * Checks law 15 ({@link symmetricSecondDerivative}) on the drawn lenses and inputs, with
 * random directions `u`, `w` (and, for an output that is not a number, a random unit
 * cotangent `c`); kinks are discarded. Throws fast-check's report with both directional
 * second derivatives.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { GradientLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const pairs = fc.tuple(doubleIn(-3, 3), doubleIn(-3, 3))
 * const tolerance = GradientLaws.tolerances.secondDerivative
 * GradientLaws.checkSymmetricSecondDerivative(tolerance, { lens: fc.constant(Lens.pipe(Scalar.mul, Scalar.sin)), input: pairs })
 * const curl = Lens.make<readonly [number, number], number>({ forward: ([a, b]) => a * b, backward: ([, b], dy) => [b * dy, 0] })
 * try {
 *   GradientLaws.checkSymmetricSecondDerivative(tolerance, { lens: fc.constant(curl), input: pairs }, { name: 'curl' })
 * } catch (e) {
 *   console.log((e as Error).message.includes('not the gradient of any function')) // true
 * }
 *
 * @category runners
 */
export const checkSymmetricSecondDerivative = <A, B>(tolerance: Tolerance, arbitraries: Arbitraries<A, B>, options: Options = {}): void => {
  const { name, h, kinkTolerance } = options
  const { lens, input, spaces = {} } = arbitraries
  const cases = fc.tuple(boxed(lens, name), input).chain(([f, x]) => {
    const X = spaces.input ?? VectorSpace.infer(x)
    const y = Lens.evaluate(f.lens, x)
    const Y = spaces.output ?? VectorSpace.infer(y)
    // A unit cotangent (not 0, which would make the law hold vacuously); 1 for a number output.
    const c: fc.Arbitrary<B | undefined> =
      typeof y === 'number'
        ? fc.constant(undefined)
        : Y.size(y) === 0
          ? fc.constant(y)
          : valueLike(Y, y, DIRECTION_COORDINATES)
            .filter((v) => Y.flatten(v).some((z) => z !== 0))
            .map((v) => Y.unflatten(v, unit(Y.flatten(v))))
    return fc.tuple(fc.constant(f), fc.constant(x), valueLike(X, x, DIRECTION_COORDINATES), valueLike(X, x, DIRECTION_COORDINATES), c)
  })
  runLaw(
    law('checkSymmetricSecondDerivative', '15', 'symmetric second derivative'),
    [cases],
    ([{ lens: f }, x, u, w, c]) =>
      secondDerivativeCase(
        tolerance,
        f,
        x,
        u,
        w,
        {
          ...(c === undefined ? {} : { cotangent: c }),
          ...(spaces.input === undefined ? {} : { input: spaces.input }),
          ...(h === undefined ? {} : { h }),
          ...(kinkTolerance === undefined ? {} : { kinkTolerance })
        },
        nameOf(f, name)
      ),
    options
  )
}

/**
 * Every law of this module, each with its tolerance: {@link checkGradient} (G),
 * {@link checkCotangentLinearity} (14) and {@link checkSymmetricSecondDerivative} (15).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { GradientLaws, doubleIn } from 'backprop-lens/laws'
 *
 * const hypot = Lens.make<readonly [number, number], number>({
 *   forward: ([a, b]) => Math.hypot(a, b),
 *   backward: ([a, b], dr, r) => [(a / r) * dr, (b / r) * dr]
 * })
 * GradientLaws.checkAll(GradientLaws.tolerances, { lens: fc.constant(hypot), input: fc.tuple(doubleIn(0.5, 3), doubleIn(0.5, 3)) }, { name: 'hypot' })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <A, B>(tolerances: Tolerances, arbitraries: Arbitraries<A, B>, options: Options = {}): void => {
  checkGradient(tolerances.gradient, arbitraries, options)
  checkCotangentLinearity(tolerances.linearity, arbitraries, options)
  checkSymmetricSecondDerivative(tolerances.secondDerivative, arbitraries, options)
}
