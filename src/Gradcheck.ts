/**
 * Finite-difference gradient checking for any lens whose input and output are vector
 * spaces (numbers, tuples and records of numbers out of the box; any type with a
 * `VectorSpace` instance, such as tensors, by passing the instances).
 *
 * Two modes, both with the tolerances of `docs/laws.md` (law G):
 * - {@link check}, the dot-product test (as JAX `check_vjp` and PyTorch `gradcheck`'s fast
 *   mode): draw unit directions `u` (input) and `v` (output) from a seeded generator and
 *   compare the analytic `⟨bwd(L)(x, v), u⟩` with the central difference
 *   `⟨v, fwd(x + h·u) − fwd(x − h·u)⟩ / 2h`. One backward pass and three forward passes,
 *   whatever the size.
 * - {@link jacobian}, the full comparison for small inputs: the analytic Jacobian from one
 *   backward pass per output coordinate, the numeric one from central differences per
 *   input coordinate, and the worst coordinate.
 *
 * A kink (relu at 0, abs at 0, max at a tie) makes finite differences meaningless: when the
 * one-sided slopes disagree, the case is reported as `'kink'`, neither pass nor fail.
 * A non-finite input, output or gradient is an error naming the coordinate, never a `NaN`
 * comparison. Coordinates are numbered in the flattened layout of the vector spaces and, when
 * the spaces are inferred, also named by their path in the value (`input coordinate 3
 * (layers[0].b[1]) is NaN`; a tensor's coordinates by their multi-index, `W[1, 2]`), in
 * errors and in the worst entry of a report. Random directions come from the library's one
 * seeded generator (`internal/random`: xoshiro128**), so a seed gives the same directions
 * everywhere.
 *
 * @module Gradcheck
 */
// One piece, past 400 lines: the public checks, their options and reports, and the report format
// (the numerics are in `internal/gradcheck.ts`); half of it is doc comments with examples.
import * as Lens from './Lens.js'
import {
  DEFAULTS,
  LOCALIZE_LIMIT,
  compare,
  compareJacobians,
  backwardAt,
  dot,
  flatten,
  forwardAt,
  isKink,
  localizeFailure,
  randomUnit,
  setup,
  showCoordinates,
  unitDirection,
  type Entry,
  type JacobianComparison,
  type SetupOptions,
  type Status
} from './internal/gradcheck.js'
import { checkSeed, uniforms } from './internal/random.js'
import { describe } from './internal/guards.js'
import { ROOT } from './internal/tree.js'
import * as VectorSpace from './VectorSpace.js'

export type { Entry, Status }

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------


/**
 * Options of {@link check}, {@link jacobian} and {@link assert}. Every field is optional.
 * - `name`: how reports call the lens (default `'lens'`);
 * - `input`, `output`: the vector spaces of `A` and `B` (default: inferred from `x` and
 *   from the output, which works for numbers, tuples and records of numbers);
 * - `h`: the step (default `1e-5·max(1, ‖x‖∞)`);
 * - `atol`, `rtol`: a case passes iff `|a − n| ≤ atol + rtol·max(|a|, |n|)`
 *   (defaults `1e-7` and `1e-5`);
 * - `kinkTolerance`: one-sided slopes `s₊`, `s₋` that differ by more than
 *   `kinkTolerance·(1 + |s₊| + |s₋|)` mark a kink (default `1e-3`);
 * - `seed`: the seed of the directions of {@link check}, an integer (default `1`; the
 *   library's one generator, xoshiro128** seeded by SplitMix32, as in `Tensor.randomNormal`);
 * - `u`, `v`: explicit directions for {@link check} (normalised to unit length);
 * - `localize`: whether a failing {@link check} also names its worst coordinate, when the
 *   Jacobian has at most 10,000 entries (default `true`);
 * - `order`: which derivative to check, an integer ≥ 1 (default `1`, the lens's backward
 *   pass). Order 2 checks the backward pass of the backward pass: the lens checked is
 *   `Lens.reverse(lens)`, `(x, w) ↦ J(x)ᵀw`, at `x` paired with an output cotangent `w`
 *   drawn from `seed` (a unit direction), and reports call it `reverse(name)`; order `k`
 *   applies `Lens.reverse` `k − 1` times. The directions `u`, `v` then live in those
 *   larger spaces and are drawn from the seed (giving `u` or `v` is an error).
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const options: Gradcheck.Options<number, number> = { name: 'exp', rtol: 1e-6 }
 * console.log(Gradcheck.check(Scalar.exp, 1, options).status) // pass
 *
 * @category model
 */
export interface Options<A, B> extends SetupOptions<A, B> {
  readonly seed?: number
  readonly u?: A
  readonly v?: B
  readonly localize?: boolean
  readonly order?: number
}


/**
 * What {@link check} found. `analytic` is `⟨bwd(L)(x, v), u⟩`, `numeric` its central
 * difference, `slopes` the one-sided differences `[s₊, s₋]` of the kink guard, `input`
 * the coordinates of `x`, `u` and `v` the unit directions (flattened; pass them back as
 * explicit directions to repeat the test). On failure, `worst` names the coordinate that
 * explains it (when `localize` allows it), otherwise it is `null`: of the terms
 * `vᵢ·uⱼ·∂fᵢ/∂xⱼ` of the dot product, the one with the largest error, computed with the
 * same directions (analytic from the backward pass of the cotangent `vᵢ·eᵢ`, numeric from
 * central differences along `eⱼ`; kinks left out). Its `row` is the output coordinate `i`,
 * its `col` the input coordinate `j`; the analytic terms add up to `analytic` when the
 * backward pass is linear in its cotangent, the numeric ones to `numeric` up to the step's
 * error, so a worst term never contradicts the verdict (as an entry of the Jacobian does for a
 * backward pass that ignores its cotangent: it is right for the basis cotangents).
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const report: Gradcheck.DotReport = Gradcheck.check(Scalar.square, 3, { seed: 7 })
 * console.log(report.status, report.analytic === report.numeric || report.absError < 1e-9) // pass true
 *
 * @category model
 */
export interface DotReport {
  readonly mode: 'dot'
  readonly name: string
  readonly status: Status
  readonly analytic: number
  readonly numeric: number
  readonly absError: number
  readonly relError: number
  readonly tolerance: number
  readonly slopes: readonly [number, number]
  readonly h: number
  readonly atol: number
  readonly rtol: number
  readonly seed: number | null
  readonly u: ReadonlyArray<number>
  readonly v: ReadonlyArray<number>
  readonly input: ReadonlyArray<number>
  readonly inputSize: number
  readonly outputSize: number
  readonly worst: Entry | null
}

/**
 * What {@link jacobian} found: both Jacobians (`rows` = output coordinates, `cols` = input
 * coordinates), the largest errors over the entries that are not kinks, the worst entry
 * (the one furthest beyond its tolerance) and the number of kink entries, which are left
 * out of the comparison. The status is `'fail'` if any other entry fails, else `'kink'` if
 * there was a kink, else `'pass'`.
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const report: Gradcheck.JacobianReport = Gradcheck.jacobian(Scalar.mul, [2, 3])
 * console.log(report.status, report.analytic) // pass [ [ 3, 2 ] ]
 *
 * @category model
 */
export interface JacobianReport extends JacobianComparison {
  readonly mode: 'jacobian'
  readonly name: string
  readonly h: number
  readonly atol: number
  readonly rtol: number
  readonly input: ReadonlyArray<number>
}

/**
 * Either report; `mode` tells them apart.
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const reports: ReadonlyArray<Gradcheck.Report> = [Gradcheck.check(Scalar.sin, 1), Gradcheck.jacobian(Scalar.sin, 1)]
 * console.log(reports.map((r) => `${r.mode}: ${r.status}`)) // [ 'dot: pass', 'jacobian: pass' ]
 *
 * @category model
 */
export type Report = DotReport | JacobianReport

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

/** What a check of `options.order` runs on: the lens reversed `order − 1` times, at `x` paired with seeded cotangents. */
interface Lifted {
  readonly lens: Lens.Lens<unknown, unknown>
  readonly x: unknown
  readonly options: Options<unknown, unknown>
}

const lift = <A, B>(fn: string, lens: Lens.Lens<A, B>, x: A, options: Options<A, B>): Lifted => {
  const erased = { lens, x, options } as unknown as Lifted
  if (options.order === undefined || options.order === 1) return erased
  const op = `Gradcheck.${fn}(${options.name ?? 'lens'})`
  const order = options.order
  if (typeof order !== 'number' || !Number.isInteger(order) || order < 1) {
    throw new RangeError(`${op}: option order must be an integer >= 1, got ${describe(order)}`)
  }
  if (options.u !== undefined || options.v !== undefined) {
    throw new RangeError(`${op}: options u and v are directions of the lens itself; with order ${order} the lens checked is Lens.reverse applied ${order - 1} time${order === 2 ? '' : 's'}, whose directions are drawn from the seed`)
  }
  if (typeof lens !== 'function') throw new TypeError(`${op}: expected a lens, got ${describe(lens)}`)
  const seed = checkSeed(op, options.seed ?? DEFAULTS.seed)
  let current = erased
  for (let k = 1; k < order; k++) {
    const { lens: f, x: a, options: o } = current
    const b = Lens.evaluate(f, a)
    const X = o.input ?? VectorSpace.infer(a)
    const Y = o.output ?? VectorSpace.infer(b)
    // Each level's cotangent from its own stream, independent of the directions u, v.
    const w = Y.unflatten(b, randomUnit(uniforms((seed + k * 0x9e3779b9) >>> 0), Y.size(b)))
    current = {
      lens: Lens.reverse(f) as Lens.Lens<unknown, unknown>,
      x: [a, w],
      options: {
        ...o,
        name: `reverse(${o.name ?? 'lens'})`,
        order: 1,
        // Explicit spaces stay explicit: (X × Y) → X.
        ...(o.input === undefined && o.output === undefined ? {} : { input: VectorSpace.tuple(X, Y) as VectorSpace.VectorSpace<unknown> }),
        ...(o.input === undefined ? {} : { output: X })
      }
    }
  }
  return current
}


/**
 * The dot-product test at `x` (law G of `docs/laws.md`, the gradient law): unit
 * directions `u` and `v`, analytic `⟨bwd(L)(x, v), u⟩` against the central difference
 * `⟨v, fwd(x + h·u) − fwd(x − h·u)⟩ / 2h`, with a kink guard on the one-sided differences.
 * Throws (naming the coordinate) if the input, an output at `x` or `x ± h·u`, or the
 * gradient is not finite, and rethrows any error the lens throws (same class), saying where.
 *
 * @example
 * import { Gradcheck, Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Gradcheck.check(Lens.pipe(Scalar.sin, Scalar.exp), 0.5).status) // pass
 * console.log(Gradcheck.check(Scalar.mul, [2, -3]).status) // pass
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.sin(x) * dy })
 * console.log(Gradcheck.check(wrong, 0.5).status) // fail
 * // The second derivative: the backward pass of Lens.reverse(sin ∘ exp), at (x, w).
 * console.log(Gradcheck.check(Lens.pipe(Scalar.sin, Scalar.exp), 0.5, { order: 2 }).status) // pass
 *
 * @category checks
 */
export const check = <A, B>(lens: Lens.Lens<A, B>, x: A, options: Options<A, B> = {}): DotReport => {
  if (options.order !== undefined && options.order !== 1) {
    const lifted = lift('check', lens, x, options)
    return check(lifted.lens, lifted.x, lifted.options)
  }
  const s = setup('check', lens, x, options)
  const n = s.xs.length
  const m = s.ys.length
  const explicit = options.u !== undefined && options.v !== undefined
  const next = uniforms(checkSeed(s.op, options.seed ?? DEFAULTS.seed))
  const u =
    options.u !== undefined ? unitDirection(s.op, 'u', flatten(s.op, 'direction u', s.X, options.u, n), s.inputPath) : randomUnit(next, n)
  const v =
    options.v !== undefined ? unitDirection(s.op, 'v', flatten(s.op, 'direction v', s.Y, options.v, m), s.outputPath) : randomUnit(next, m)

  const analytic = dot(backwardAt(s, v, 'v'), u)

  const xPlus = new Float64Array(n)
  const xMinus = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    xPlus[i] = (s.xs[i] as number) + s.h * (u[i] as number)
    xMinus[i] = (s.xs[i] as number) - s.h * (u[i] as number)
  }
  const yPlus = forwardAt(s, lens, xPlus, 'x + h·u')
  const yMinus = forwardAt(s, lens, xMinus, 'x − h·u')
  let central = 0
  let forwardSlope = 0
  let backwardSlope = 0
  for (let i = 0; i < m; i++) {
    const vi = v[i] as number
    central += vi * ((yPlus[i] as number) - (yMinus[i] as number))
    forwardSlope += vi * ((yPlus[i] as number) - (s.ys[i] as number))
    backwardSlope += vi * ((s.ys[i] as number) - (yMinus[i] as number))
  }
  const numeric = central / (2 * s.h)
  const slopes = [forwardSlope / s.h, backwardSlope / s.h] as const
  const entry = compare(s.atol, s.rtol, 0, 0, analytic, numeric)
  const status: Status = isKink(s.kinkTolerance, slopes[0], slopes[1])
    ? 'kink'
    : entry.absError <= entry.tolerance
      ? 'pass'
      : 'fail'
  const localize = status === 'fail' && (options.localize ?? true) && n * m <= LOCALIZE_LIMIT
  return {
    mode: 'dot',
    name: s.name,
    status,
    analytic,
    numeric,
    absError: entry.absError,
    relError: entry.relError,
    tolerance: entry.tolerance,
    slopes,
    h: s.h,
    atol: s.atol,
    rtol: s.rtol,
    seed: explicit ? null : options.seed ?? DEFAULTS.seed,
    u: Array.from(u),
    v: Array.from(v),
    input: Array.from(s.xs),
    inputSize: n,
    outputSize: m,
    worst: localize ? localizeFailure(s, lens, u, v) : null
  }
}

/**
 * The full Jacobian comparison at `x`, for small inputs and outputs: one backward pass per
 * output coordinate (the pullback of each basis vector) and two forward passes per input
 * coordinate. Entries where the one-sided differences disagree are kinks and are left out
 * of the comparison. Same errors as {@link check}.
 *
 * @example
 * import { Gradcheck, Lens } from 'backprop-lens'
 *
 * // f(a, b, c) = (a·b, b + c), written by hand with a mistake in ∂f₁/∂c.
 * const f = Lens.make<readonly [number, number, number], readonly [number, number]>({
 *   forward: ([a, b, c]) => [a * b, b + c],
 *   backward: ([a, b], [d0, d1]) => [b * d0, a * d0 + d1, 2 * d1]
 * })
 * const report = Gradcheck.jacobian(f, [1, 2, 3], { name: 'f' })
 * console.log(report.status, report.worst?.row, report.worst?.col, report.analytic) // fail 1 2 [ [ 2, 1, 0 ], [ 0, 1, 2 ] ]
 *
 * @category checks
 */
export const jacobian = <A, B>(lens: Lens.Lens<A, B>, x: A, options: Omit<Options<A, B>, 'u' | 'v' | 'seed' | 'localize'> = {}): JacobianReport => {
  if (options.order !== undefined && options.order !== 1) {
    const lifted = lift('jacobian', lens, x, options)
    return jacobian(lifted.lens, lifted.x, lifted.options)
  }
  const s = setup('jacobian', lens, x, options)
  return {
    mode: 'jacobian',
    name: s.name,
    ...compareJacobians(s, lens),
    h: s.h,
    atol: s.atol,
    rtol: s.rtol,
    input: Array.from(s.xs)
  }
}

/**
 * Runs {@link check} (or {@link jacobian} with `mode: 'jacobian'`) and throws an `Error`
 * whose message is the {@link format}ted report if the check fails. A kink is not a
 * failure: the report (status `'kink'`) is returned, as for a pass.
 *
 * @example
 * import { Gradcheck, Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Gradcheck.assert(Scalar.tanh, 0.3).status) // pass
 * const wrong = Lens.make<number, number>({ forward: (x) => x * x, backward: (x, dy) => 2.02 * x * dy })
 * try {
 *   Gradcheck.assert(wrong, 1, { name: 'square' })
 * } catch (e) {
 *   console.log((e as Error).message.split(':')[0]) // gradient check failed for square
 * }
 *
 * @category checks
 */
export function assert<A, B>(lens: Lens.Lens<A, B>, x: A, options?: Options<A, B> & { readonly mode?: 'dot' }): DotReport
/**
 * With `mode: 'jacobian'`: runs {@link jacobian} and throws the formatted report if any
 * entry fails; returns the {@link JacobianReport} otherwise.
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const report = Gradcheck.assert(Scalar.mul, [2, 3], { mode: 'jacobian' })
 * console.log(report.mode, report.status, report.analytic) // jacobian pass [ [ 3, 2 ] ]
 *
 * @category checks
 */
export function assert<A, B>(
  lens: Lens.Lens<A, B>,
  x: A,
  options: Omit<Options<A, B>, 'u' | 'v' | 'seed' | 'localize'> & { readonly mode: 'jacobian' }
): JacobianReport
export function assert<A, B>(
  lens: Lens.Lens<A, B>,
  x: A,
  options: Options<A, B> & { readonly mode?: 'dot' | 'jacobian' } = {}
): Report {
  const { mode, ...rest } = options
  const report = mode === 'jacobian' ? jacobian(lens, x, rest) : check(lens, x, rest)
  if (report.status === 'fail') throw new Error(format(report))
  return report
}

// -------------------------------------------------------------------------------------
// reports
// -------------------------------------------------------------------------------------

/** Six significant digits: enough to see a difference of 1e-5 relative. */
const num = (x: number): string => String(Number(x.toPrecision(6)))
const err = (x: number, digits = 1): string => (x === 0 ? '0' : x.toExponential(digits))

/** An error and its tolerance, with as many digits as it takes to tell them apart. */
const errorVsTolerance = (absError: number, tolerance: number): readonly [string, string] => {
  let digits = 1
  while (digits < 6 && absError !== tolerance && err(absError, digits) === err(tolerance, digits)) digits++
  return [err(absError, digits), err(tolerance, digits)]
}

const showErrors = (absError: number, relError: number, tolerance: number): string => {
  const [abs, tol] = errorVsTolerance(absError, tolerance)
  return `(abs err ${abs}, rel err ${err(relError)}, tolerance ${tol})`
}

const showEntry = (e: Entry): string =>
  `analytic ${num(e.analytic)} vs numeric ${num(e.numeric)} ${showErrors(e.absError, e.relError, e.tolerance)}`

const verdict = (status: Status): string =>
  status === 'pass' ? 'passed' : status === 'fail' ? 'failed' : 'inconclusive (kink)'

/**
 * A report as text: one line saying what was compared and how it went, then details
 * (the worst coordinate as `[output, input]`, the step, the tolerances, the directions'
 * seed). Values are shown to 6 significant digits, errors to 2 (more when an error and its
 * tolerance would otherwise look equal), the input in full precision.
 *
 * @example
 * import { Gradcheck, Lens } from 'backprop-lens'
 *
 * const wrong = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => 1.01 * Math.cos(x) * dy })
 * const text = Gradcheck.format(Gradcheck.check(wrong, 1, { name: 'sin' }))
 * console.log(text.split('\n')[0]) // gradient check failed for sin: analytic -0.545705 vs numeric -0.540302 (abs err 5.4e-3, rel err 9.9e-3, tolerance 5.6e-6) at input [1], worst coordinate [0, 0]
 *
 * @category reports
 */
export const format = (report: Report): string => {
  const lines: Array<string> = []
  const input = `at input ${showCoordinates(report.input)}`
  const worst = report.worst === null ? '' : `, worst coordinate [${report.worst.row}, ${report.worst.col}]`
  if (report.mode === 'dot') {
    const sizes = `${report.inputSize} → ${report.outputSize} coordinates`
    if (report.status === 'kink') {
      lines.push(
        `gradient check inconclusive for ${report.name}: kink ${input} ` +
          `(one-sided slopes ${num(report.slopes[0])} and ${num(report.slopes[1])} disagree), case discarded`
      )
    } else {
      lines.push(
        `gradient check ${verdict(report.status)} for ${report.name}: ` +
          `analytic ${num(report.analytic)} vs numeric ${num(report.numeric)} ` +
          `${showErrors(report.absError, report.relError, report.tolerance)} ${input}${worst}`
      )
    }
    lines.push(
      `  dot-product test ⟨bwd(x, v), u⟩ vs central difference, ${sizes}, ` +
        `${report.seed === null ? 'explicit directions' : `directions from seed ${report.seed}`}`
    )
  } else {
    lines.push(
      `gradient check ${verdict(report.status)} for ${report.name}: ` +
        (report.worst === null ? `no entries compared ${input}` : `${showEntry(report.worst)} ${input}${worst}`)
    )
    lines.push(
      `  full Jacobian ${report.rows}×${report.cols} (output × input coordinates): ` +
        `max abs err ${err(report.maxAbsError)}, max rel err ${err(report.maxRelError)}` +
        (report.kinks > 0 ? `, ${report.kinks} kink entr${report.kinks === 1 ? 'y' : 'ies'} left out` : '')
    )
  }
  if (report.worst !== null && report.mode === 'dot') {
    const { row, col, rowPath, colPath } = report.worst
    const name = (i: number, path: string | null): string => (path === null || path === ROOT ? String(i) : path)
    lines.push(`  worst coordinate [${row}, ${col}] (output ${name(row, rowPath)}, input ${name(col, colPath)}): ${showEntry(report.worst)}`)
  }
  lines.push(`  h = ${err(report.h)}, pass iff |analytic − numeric| ≤ ${err(report.atol)} + ${err(report.rtol)}·max(|analytic|, |numeric|)`)
  return lines.join('\n')
}
