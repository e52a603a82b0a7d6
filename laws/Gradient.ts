/**
 * The numeric laws of reverse derivatives (LAWS.md 14, 15 and "Gradient against finite
 * differences"), as predicates and as one-call fast-check runners.
 *
 * - gradient law: `⟨bwd(L)(x, v), u⟩` matches the central difference of `fwd(L)` along `u`
 *   (the dot-product test of `Gradcheck.check`); kinks are discarded;
 * - linearity in the cotangent: `bwd(L)(a, s·u + v) = s·bwd(L)(a, u) + bwd(L)(a, v)` and
 *   `bwd(L)(a, 0) = 0`, up to re-association (`|x − y| ≤ 1e-12·(1 + Σ|terms|)`);
 * - symmetric second derivative: for a scalar-valued `ℓ` with `g(x) = bwd(ℓ)(x, 1)`,
 *   `⟨u, ∂g/∂w⟩ ≈ ⟨w, ∂g/∂u⟩` by central differences (rtol `1e-4`): a backward pass that
 *   is not the gradient of any function fails it. (For one input coordinate it holds
 *   trivially: every function of one variable has an antiderivative.)
 *
 * The runners take your lens and an arbitrary of inputs, run at least 200 cases, and throw
 * fast-check's report (with the seed and the counterexample) plus a readable account of
 * the failing case. They work in any test runner:
 *
 * ```ts
 * import fc from 'fast-check'
 * import { it } from 'vitest'
 * import { checkGradient } from 'backprop-lens/laws'
 *
 * it('cube matches finite differences', () => checkGradient(cube, fc.double({ min: -3, max: 3, noNaN: true })))
 * ```
 *
 * Inputs and outputs are any types with a `VectorSpace` instance (option `input`,
 * `output`); numbers, tuples and records of numbers are inferred.
 *
 * @module gradient
 */
import fc from 'fast-check'
import * as Gradcheck from '../src/Gradcheck.js'
import * as Lens from '../src/Lens.js'
import * as VectorSpace from '../src/VectorSpace.js'
import { describeLens } from './arbitraries/lenses.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The vector spaces of a lens's input and output; each defaults to the instance inferred
 * from the value (numbers, tuples and records of numbers).
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 * import type { Spaces } from 'backprop-lens/laws'
 *
 * const spaces: Spaces<readonly [number, number], number> = { input: VectorSpace.tuple(VectorSpace.number, VectorSpace.number) }
 * console.log(spaces.input?.size([0, 0])) // 2
 *
 * @category model
 */
export interface Spaces<A, B> {
  readonly input?: VectorSpace.VectorSpace<A>
  readonly output?: VectorSpace.VectorSpace<B>
}

/**
 * Options of the second-derivative law: the input space, the step `h` (default
 * `1e-5·max(1, ‖x‖∞)`), the tolerances (defaults `atol = 1e-7`, `rtol = 1e-4`) and the
 * kink guard (default `1e-3`, as in `Gradcheck`).
 *
 * @example
 * import type { SecondDerivativeOptions } from 'backprop-lens/laws'
 *
 * const options: SecondDerivativeOptions<number> = { rtol: 1e-3 }
 * console.log(options) // { rtol: 0.001 }
 *
 * @category model
 */
export interface SecondDerivativeOptions<A> {
  readonly input?: VectorSpace.VectorSpace<A>
  readonly h?: number
  readonly atol?: number
  readonly rtol?: number
  readonly kinkTolerance?: number
}

/**
 * The fast-check parameters the runners pass through (`seed` and `path` replay a failure;
 * `numRuns` is a separate option).
 *
 * @example
 * import type { RunnerParameters } from 'backprop-lens/laws'
 *
 * const replay: RunnerParameters = { seed: 42, path: '0:1', endOnFailure: true }
 * console.log(replay.seed) // 42
 *
 * @category model
 */
export type RunnerParameters = Pick<
  fc.Parameters<unknown>,
  | 'seed'
  | 'path'
  | 'verbose'
  | 'endOnFailure'
  | 'maxSkipsPerRun'
  | 'timeout'
  | 'interruptAfterTimeLimit'
  | 'markInterruptAsFailure'
  | 'skipAllAfterTimeLimit'
>

/**
 * How many cases a runner tries (default 200) and fast-check's other parameters.
 *
 * @example
 * import type { RunOptions } from 'backprop-lens/laws'
 *
 * const options: RunOptions = { numRuns: 500, parameters: { seed: 1 } }
 * console.log(options.numRuns) // 500
 *
 * @category model
 */
export interface RunOptions {
  readonly numRuns?: number
  readonly parameters?: RunnerParameters
}

/**
 * Options of {@link checkGradient}: those of `Gradcheck.check` except the directions,
 * which are drawn by fast-check for each case, plus {@link RunOptions}.
 *
 * @example
 * import type { GradientRunOptions } from 'backprop-lens/laws'
 *
 * const options: GradientRunOptions<number, number> = { name: 'cube', numRuns: 300, rtol: 1e-6 }
 * console.log(options.name) // cube
 *
 * @category model
 */
export interface GradientRunOptions<A, B> extends Omit<Gradcheck.Options<A, B>, 'seed' | 'u' | 'v' | 'localize'>, RunOptions {}

/**
 * Options of {@link checkCotangentLinearity}: the spaces, the scalars `s` and the
 * cotangent coordinates to draw (defaults: doubles in `[-10, 10]`), a name for messages,
 * plus {@link RunOptions}.
 *
 * @example
 * import fc from 'fast-check'
 * import { dyadic, type LinearityRunOptions } from 'backprop-lens/laws'
 *
 * const options: LinearityRunOptions<number, number> = { scalars: dyadic(-4, 4), coordinates: fc.constant(1) }
 * console.log(Object.keys(options)) // [ 'scalars', 'coordinates' ]
 *
 * @category model
 */
export interface LinearityRunOptions<A, B> extends Spaces<A, B>, RunOptions {
  readonly name?: string
  readonly scalars?: fc.Arbitrary<number>
  readonly coordinates?: fc.Arbitrary<number>
}

/**
 * Options of {@link checkSymmetricSecondDerivative}: {@link SecondDerivativeOptions}, a
 * name for messages, plus {@link RunOptions}.
 *
 * @example
 * import type { SecondDerivativeRunOptions } from 'backprop-lens/laws'
 *
 * const options: SecondDerivativeRunOptions<readonly [number, number]> = { name: 'mul', numRuns: 300 }
 * console.log(options.numRuns) // 300
 *
 * @category model
 */
export interface SecondDerivativeRunOptions<A> extends SecondDerivativeOptions<A>, RunOptions {
  readonly name?: string
}

// -------------------------------------------------------------------------------------
// internal helpers
// -------------------------------------------------------------------------------------

const REASSOC = 1e-12

const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

const nameOf = <A, B>(lens: Lens.Lens<A, B>, name: string | undefined): string => {
  if (name !== undefined) return name
  const described = describeLens(lens)
  return described === '<lens>' ? 'lens' : described
}

const show = (xs: ArrayLike<number>): string => `[${Array.from(xs).map(String).join(', ')}]`

/**
 * Linearity in the cotangent at `a`: `null` if it holds, otherwise what differs.
 */
const linearityMismatch = <A, B>(lens: Lens.Lens<A, B>, a: A, s: number, u: B, v: B, spaces: Spaces<A, B>): string | null => {
  const b = Lens.evaluate(lens, a)
  const X = spaces.input ?? VectorSpace.infer(a)
  const Y = spaces.output ?? VectorSpace.infer(b)
  const lhs = X.flatten(bwd(lens, a, Y.add(Y.scale(s, u), v)))
  const du = X.flatten(bwd(lens, a, u))
  const dv = X.flatten(bwd(lens, a, v))
  const dz = X.flatten(bwd(lens, a, Y.zero(b)))
  for (let i = 0; i < lhs.length; i++) {
    const l = lhs[i] as number
    const su = s * (du[i] as number)
    const r = su + (dv[i] as number)
    const terms = Math.abs(l) + Math.abs(su) + Math.abs(dv[i] as number)
    if (!(Math.abs(l - r) <= REASSOC * (1 + terms))) {
      return (
        `bwd(a, s·u + v) ≠ s·bwd(a, u) + bwd(a, v) at coordinate ${i}: ${l} vs ${r} ` +
        `(s = ${s}, u = ${show(Y.flatten(u))}, v = ${show(Y.flatten(v))}, a = ${show(X.flatten(a))})`
      )
    }
  }
  for (let i = 0; i < dz.length; i++) {
    const z = dz[i] as number
    if (!(Math.abs(z) <= REASSOC)) return `bwd(a, 0) ≠ 0 at coordinate ${i}: ${z} (a = ${show(X.flatten(a))})`
  }
  return null
}

interface SecondDerivativeCase {
  readonly status: Gradcheck.Status
  readonly message: string
}

/** `xs / ‖xs‖₂` (scaled by the largest coordinate first, so tiny vectors do not underflow). */
const unit = (xs: Float64Array): Float64Array => {
  let big = 0
  for (let i = 0; i < xs.length; i++) big = Math.max(big, Math.abs(xs[i] as number))
  if (!(big > 0)) return xs
  const scaled = xs.map((c) => c / big)
  let n = 0
  for (let i = 0; i < scaled.length; i++) n += (scaled[i] as number) ** 2
  n = Math.sqrt(n)
  return scaled.map((c) => c / n)
}

/**
 * `fc.assert`, with the message of the error that failed the property appended to
 * fast-check's report (which otherwise keeps it only as the `cause`).
 */
const assertProperty = <Ts>(property: fc.IProperty<Ts>, parameters: fc.Parameters<Ts>): void => {
  try {
    fc.assert(property, parameters)
  } catch (e) {
    if (e instanceof Error && e.cause instanceof Error && !e.message.includes(e.cause.message)) {
      throw new Error(`${e.message}\n\n${e.cause.message}`, { cause: e.cause })
    }
    throw e
  }
}

/** ⟨u, g(x + h·w) − g(x − h·w)⟩ / 2h, with the one-sided slopes of the kink guard. */
const directional = (
  g: (xs: Float64Array) => Float64Array,
  xs: Float64Array,
  g0: Float64Array,
  u: Float64Array,
  w: Float64Array,
  h: number
): readonly [number, number, number] => {
  const plus = g(xs.map((c, i) => c + h * (w[i] as number)))
  const minus = g(xs.map((c, i) => c - h * (w[i] as number)))
  let central = 0
  let forward = 0
  let backward = 0
  for (let i = 0; i < xs.length; i++) {
    const ui = u[i] as number
    central += ui * ((plus[i] as number) - (minus[i] as number))
    forward += ui * ((plus[i] as number) - (g0[i] as number))
    backward += ui * ((g0[i] as number) - (minus[i] as number))
  }
  return [central / (2 * h), forward / h, backward / h]
}

const secondDerivativeCase = <A>(
  lens: Lens.Lens<A, number>,
  x: A,
  uIn: A,
  wIn: A,
  options: SecondDerivativeOptions<A>,
  name: string
): SecondDerivativeCase => {
  const op = `symmetricSecondDerivative(${name})`
  const X = options.input ?? VectorSpace.infer(x)
  const xs = X.flatten(x)
  const y = Lens.evaluate(lens, x)
  if (typeof y !== 'number') throw new TypeError(`${op}: the lens must have a number output, got ${typeof y}`)
  const g = (zs: Float64Array): Float64Array => {
    const out = X.flatten(bwd(lens, X.unflatten(x, zs), 1))
    out.forEach((c, i) => {
      if (!Number.isFinite(c)) throw new RangeError(`${op}: gradient coordinate ${i} is ${String(c)} at ${show(zs)}`)
    })
    return out
  }
  let norm = 0
  xs.forEach((c) => (norm = Math.max(norm, Math.abs(c))))
  const h = options.h ?? 1e-5 * Math.max(1, norm)
  const atol = options.atol ?? 1e-7
  const rtol = options.rtol ?? 1e-4
  const kinkTolerance = options.kinkTolerance ?? 1e-3
  const u = unit(X.flatten(uIn))
  const w = unit(X.flatten(wIn))
  const g0 = g(xs)
  const [lhs, lp, lm] = directional(g, xs, g0, u, w, h)
  const [rhs, rp, rm] = directional(g, xs, g0, w, u, h)
  const kink = (p: number, m: number): boolean => Math.abs(p - m) > kinkTolerance * (1 + Math.abs(p) + Math.abs(m))
  if (kink(lp, lm) || kink(rp, rm)) {
    return { status: 'kink', message: `${op}: kink in the gradient at ${show(xs)}, case discarded` }
  }
  const tolerance = atol + rtol * Math.max(Math.abs(lhs), Math.abs(rhs))
  const error = Math.abs(lhs - rhs)
  return {
    status: error <= tolerance ? 'pass' : 'fail',
    message:
      `${op}: ⟨u, ∂g/∂w⟩ = ${lhs} vs ⟨w, ∂g/∂u⟩ = ${rhs} (abs err ${error.toExponential(1)}, tolerance ` +
      `${tolerance.toExponential(1)}) at x = ${show(xs)}, u = ${show(u)}, w = ${show(w)}, h = ${h}: ` +
      `the backward pass is not the gradient of any function`
  }
}

/** Coordinates of a value with the structure of `like`, drawn by fast-check. */
const valueLike = <V>(V: VectorSpace.VectorSpace<V>, like: V, coordinates: fc.Arbitrary<number>): fc.Arbitrary<V> => {
  const n = V.size(like)
  return fc.array(coordinates, { minLength: n, maxLength: n }).map((cs) => V.unflatten(like, cs))
}

const DEFAULT_COORDINATES = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })
const DIRECTION_COORDINATES = fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true })

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * The gradient law at one input: `Gradcheck.check` does not fail (a kink counts as
 * holding, since finite differences say nothing there). Throws on a non-finite input,
 * output or gradient.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { gradientLaw } from 'backprop-lens/laws'
 *
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.sin(x) * dy })
 * console.log(gradientLaw(Scalar.sin, 0.5), gradientLaw(wrong, 0.5), gradientLaw(Scalar.relu, 0)) // true false true
 *
 * @category predicates
 */
export const gradientLaw = <A, B>(lens: Lens.Lens<A, B>, x: A, options: Gradcheck.Options<A, B> = {}): boolean =>
  Gradcheck.check(lens, x, options).status !== 'fail'

/**
 * Linearity in the cotangent (LAWS 14) at `a`: `bwd(L)(a, s·u + v) = s·bwd(L)(a, u) +
 * bwd(L)(a, v)` coordinate by coordinate up to re-association, `|x − y| ≤ 1e-12·(1 +
 * Σ|terms|)`, and `bwd(L)(a, 0) = 0` (`|x| ≤ 1e-12`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { cotangentLinearity } from 'backprop-lens/laws'
 *
 * // A backward pass that squares the cotangent is not linear in it.
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy * dy })
 * console.log(cotangentLinearity(Scalar.sin, 0.5, 3, 0.25, -2), cotangentLinearity(wrong, 0.5, 3, 0.25, -2)) // true false
 *
 * @category predicates
 */
export const cotangentLinearity = <A, B>(
  lens: Lens.Lens<A, B>,
  a: A,
  s: number,
  u: NoInfer<B>,
  v: NoInfer<B>,
  spaces: Spaces<A, B> = {}
): boolean =>
  linearityMismatch(lens, a, s, u, v, spaces) === null

/**
 * The symmetric second derivative (LAWS 15) at `x` for a scalar-valued lens, with
 * `g(x) = bwd(ℓ)(x, 1)` and `u`, `w` normalised to unit length:
 * `⟨u, (g(x+hw) − g(x−hw))/2h⟩ ≈ ⟨w, (g(x+hu) − g(x−hu))/2h⟩` within
 * `atol + rtol·max(|lhs|, |rhs|)`. A kink in the gradient counts as holding.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { symmetricSecondDerivative } from 'backprop-lens/laws'
 *
 * // (a, b) ↦ (b, 0) is not the gradient of anything: ∂/∂b of the first is 1, ∂/∂a of the second 0.
 * const curl = Lens.make<readonly [number, number], number>({ forward: ([a, b]) => a * b, backward: ([, b], dy) => [b * dy, 0] })
 * console.log(symmetricSecondDerivative(Scalar.mul, [1, 2], [1, 0], [0, 1])) // true
 * console.log(symmetricSecondDerivative(curl, [1, 2], [1, 0], [0, 1])) // false
 *
 * @category predicates
 */
export const symmetricSecondDerivative = <A>(
  lens: Lens.Lens<A, number>,
  x: A,
  u: NoInfer<A>,
  w: NoInfer<A>,
  options: SecondDerivativeOptions<A> = {}
): boolean => secondDerivativeCase(lens, x, u, w, options, 'lens').status !== 'fail'

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * The one call that checks your own lens against finite differences: for at least 200
 * inputs drawn from `inputs` (and random directions), runs the dot-product test of
 * `Gradcheck.check`, discards kinks (`fc.pre`), and on failure throws fast-check's report
 * (seed, counterexample) with the formatted gradient-check report. Works in any test
 * runner (`it('…', () => checkGradient(myLens, fc.double(…)))`).
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens } from 'backprop-lens'
 * import { checkGradient } from 'backprop-lens/laws'
 *
 * const cube = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * x * dy })
 * checkGradient(cube, fc.double({ min: -3, max: 3, noNaN: true }), { name: 'cube' })
 *
 * const wrong = Lens.make<number, number>({ forward: (x) => x ** 3, backward: (x, dy) => 3 * x * dy })
 * try {
 *   checkGradient(wrong, fc.double({ min: -3, max: 3, noNaN: true }), { name: 'cube' })
 * } catch (e) {
 *   console.log((e as Error).message.includes('gradient check failed for cube')) // true
 * }
 *
 * @category runners
 */
export const checkGradient = <A, B>(lens: Lens.Lens<A, B>, inputs: fc.Arbitrary<A>, options: GradientRunOptions<A, B> = {}): void => {
  const { numRuns = 200, parameters = {}, name, ...check } = options
  const label = nameOf(lens, name)
  assertProperty(
    fc.property(inputs, fc.integer({ min: 0, max: 0x7fffffff }), (x, seed) => {
      const report = Gradcheck.check(lens, x, { ...check, name: label, seed })
      fc.pre(report.status !== 'kink')
      if (report.status === 'fail') throw new Error(Gradcheck.format(report))
    }),
    { ...parameters, numRuns }
  )
}

/**
 * Checks linearity in the cotangent (LAWS 14) for at least 200 inputs drawn from
 * `inputs`, with scalars and cotangents drawn by fast-check (doubles in `[-10, 10]` by
 * default); throws fast-check's report with what differed.
 *
 * @example
 * import fc from 'fast-check'
 * import { Scalar } from 'backprop-lens'
 * import { checkCotangentLinearity } from 'backprop-lens/laws'
 *
 * checkCotangentLinearity(Scalar.mul, fc.tuple(fc.double({ min: -5, max: 5, noNaN: true }), fc.double({ min: -5, max: 5, noNaN: true })))
 * console.log('mul is linear in its cotangent') // mul is linear in its cotangent
 *
 * @category runners
 */
export const checkCotangentLinearity = <A, B>(lens: Lens.Lens<A, B>, inputs: fc.Arbitrary<A>, options: LinearityRunOptions<A, B> = {}): void => {
  const { numRuns = 200, parameters = {}, name, scalars = DEFAULT_COORDINATES, coordinates = DEFAULT_COORDINATES, ...spaces } = options
  const label = nameOf(lens, name)
  const cases = inputs.chain((a) => {
    const b = Lens.evaluate(lens, a)
    const Y = spaces.output ?? VectorSpace.infer(b)
    return fc.tuple(fc.constant(a), scalars, valueLike(Y, b, coordinates), valueLike(Y, b, coordinates))
  })
  assertProperty(
    fc.property(cases, ([a, s, u, v]) => {
      const mismatch = linearityMismatch(lens, a, s, u, v, spaces)
      if (mismatch !== null) throw new Error(`cotangent linearity failed for ${label}: ${mismatch}`)
    }),
    { ...parameters, numRuns }
  )
}

/**
 * Checks the symmetric second derivative (LAWS 15) of a scalar-valued lens for at least
 * 200 inputs drawn from `inputs` and random directions `u`, `w`; kinks are discarded.
 * Throws fast-check's report with both directional second derivatives.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, Scalar } from 'backprop-lens'
 * import { checkSymmetricSecondDerivative } from 'backprop-lens/laws'
 *
 * const pairs = fc.tuple(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }))
 * checkSymmetricSecondDerivative(Lens.pipe(Scalar.mul, Scalar.sin), pairs)
 * const curl = Lens.make<readonly [number, number], number>({ forward: ([a, b]) => a * b, backward: ([, b], dy) => [b * dy, 0] })
 * try {
 *   checkSymmetricSecondDerivative(curl, pairs, { name: 'curl' })
 * } catch (e) {
 *   console.log((e as Error).message.includes('not the gradient of any function')) // true
 * }
 *
 * @category runners
 */
export const checkSymmetricSecondDerivative = <A>(
  lens: Lens.Lens<A, number>,
  inputs: fc.Arbitrary<A>,
  options: SecondDerivativeRunOptions<A> = {}
): void => {
  const { numRuns = 200, parameters = {}, name, ...rest } = options
  const label = nameOf(lens, name)
  const cases = inputs.chain((x) => {
    const X = rest.input ?? VectorSpace.infer(x)
    return fc.tuple(fc.constant(x), valueLike(X, x, DIRECTION_COORDINATES), valueLike(X, x, DIRECTION_COORDINATES))
  })
  assertProperty(
    fc.property(cases, ([x, u, w]) => {
      const result = secondDerivativeCase(lens, x, u, w, rest, label)
      fc.pre(result.status !== 'kink')
      if (result.status === 'fail') throw new Error(result.message)
    }),
    { ...parameters, numRuns }
  )
}
