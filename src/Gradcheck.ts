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
import * as Lens from './Lens.js'
import { describe } from './internal/guards.js'
import { checkSeed, fillNormal, uniforms } from './internal/random.js'
import { coordinatePath, ROOT } from './internal/tree.js'
import * as VectorSpace from './VectorSpace.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The outcome of a check: `'kink'` means the one-sided finite differences disagree (the
 * function is not differentiable there, or too curved for the step), so the case says
 * nothing either way.
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const status: Gradcheck.Status = Gradcheck.check(Scalar.relu, 0).status
 * console.log(status) // kink
 *
 * @category model
 */
export type Status = 'pass' | 'fail' | 'kink'

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
 *   Jacobian has at most 10,000 entries (default `true`).
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const options: Gradcheck.Options<number, number> = { name: 'exp', rtol: 1e-6 }
 * console.log(Gradcheck.check(Scalar.exp, 1, options).status) // pass
 *
 * @category model
 */
export interface Options<A, B> {
  readonly name?: string
  readonly input?: VectorSpace.VectorSpace<A>
  readonly output?: VectorSpace.VectorSpace<B>
  readonly h?: number
  readonly atol?: number
  readonly rtol?: number
  readonly kinkTolerance?: number
  readonly seed?: number
  readonly u?: A
  readonly v?: B
  readonly localize?: boolean
}

/**
 * One entry of the Jacobian, compared: `row` is the output coordinate, `col` the input
 * coordinate (both in the flattened layout of the vector spaces), and `rowPath`, `colPath`
 * their names in the output and the input when the vector spaces were inferred
 * (`layers[0].W[1, 2]`, as every message of the library writes paths; `null` with an
 * explicit space); `analytic` from the backward pass, `numeric` from central differences.
 * `relError` is
 * `absError / max(|analytic|, |numeric|, atol)` (magnitudes below `atol` count as `atol`,
 * so that entries that are zero up to rounding do not show a relative error of 1).
 *
 * @example
 * import { Gradcheck, Scalar } from 'backprop-lens'
 *
 * const entry: Gradcheck.Entry | null = Gradcheck.jacobian(Scalar.square, 3).worst
 * console.log(entry?.row, entry?.col, entry?.analytic) // 0 0 6
 *
 * @category model
 */
export interface Entry {
  readonly row: number
  readonly col: number
  readonly analytic: number
  readonly numeric: number
  readonly absError: number
  readonly relError: number
  readonly tolerance: number
  readonly rowPath: string | null
  readonly colPath: string | null
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
export interface JacobianReport {
  readonly mode: 'jacobian'
  readonly name: string
  readonly status: Status
  readonly rows: number
  readonly cols: number
  readonly analytic: ReadonlyArray<ReadonlyArray<number>>
  readonly numeric: ReadonlyArray<ReadonlyArray<number>>
  readonly maxAbsError: number
  readonly maxRelError: number
  readonly worst: Entry | null
  readonly kinks: number
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
// internal helpers
// -------------------------------------------------------------------------------------

const DEFAULTS = { atol: 1e-7, rtol: 1e-5, kinkTolerance: 1e-3, seed: 1 } as const

/** Localisation of a failing dot-product test compares at most this many entries. */
const LOCALIZE_LIMIT = 10_000

interface Setup<A, B> {
  readonly op: string
  readonly name: string
  readonly X: VectorSpace.VectorSpace<A>
  readonly Y: VectorSpace.VectorSpace<B>
  readonly x: A
  readonly xs: Float64Array
  readonly y: B
  readonly ys: Float64Array
  /** The paths of input and output coordinates (`null` with an explicit space: its layout is its own). */
  readonly inputPath: (i: number) => string | null
  readonly outputPath: (i: number) => string | null
  readonly pullback: (db: B) => A
  readonly h: number
  readonly atol: number
  readonly rtol: number
  readonly kinkTolerance: number
}

const describeValue = (v: number): string => (Number.isNaN(v) ? 'NaN' : String(v))

const nonNegative = (op: string, option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${op}: option ${option} must be a finite number >= 0, got ${String(value)}`)
  }
  return value
}

/** Shows coordinates in full precision (so a failing input can be reproduced), at most 8. */
const showCoordinates = (xs: ArrayLike<number>): string => {
  const shown: Array<string> = []
  const n = Math.min(xs.length, 8)
  for (let i = 0; i < n; i++) shown.push(String(xs[i]))
  if (xs.length > n) shown.push(`… (${xs.length} coordinates)`)
  return `[${shown.join(', ')}]`
}

const infer = <V>(op: string, what: string, value: V): VectorSpace.VectorSpace<V> => {
  try {
    return VectorSpace.infer(value)
  } catch (e) {
    throw new TypeError(
      `${op}: cannot infer the vector space of the ${what} (${e instanceof Error ? e.message : String(e)}); pass the option '${what}'`,
      { cause: e }
    )
  }
}

const flatten = <V>(op: string, what: string, V: VectorSpace.VectorSpace<V>, value: V, size: number | null): Float64Array => {
  const out = V.flatten(value)
  if (size !== null && out.length !== size) {
    throw new RangeError(`${op}: the ${what} has ${out.length} coordinates, expected ${size}`)
  }
  return out
}

/** Names the coordinates of a value whose vector space was inferred (`w[1]`, `W[1, 2]`). */
const pathsOf =
  (inferred: boolean, value: unknown) =>
  (i: number): string | null =>
    inferred ? coordinatePath(value, i) : null

/** Coordinate `i`, named when its path says more than the index: `coordinate 3 (b[1])`. */
const coordinate = (i: number, path: (i: number) => string | null): string => {
  const at = path(i)
  return at === null || at === ROOT ? `coordinate ${i}` : `coordinate ${i} (${at})`
}

const assertFinite = (op: string, what: string, where: string, xs: Float64Array, path: (i: number) => string | null): void => {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number
    if (!Number.isFinite(v)) {
      throw new RangeError(`${op}: ${what} ${coordinate(i, path)} is ${describeValue(v)}${where === '' ? '' : ` ${where}`}`)
    }
  }
}

/** Runs `f`, adding where it ran to any error it throws (keeping the error's class). */
const at = <T>(op: string, where: string, f: () => T): T => {
  try {
    return f()
  } catch (e) {
    const message = `${op}: the lens threw ${where}: ${e instanceof Error ? e.message : String(e)}`
    if (e instanceof RangeError) throw new RangeError(message, { cause: e })
    if (e instanceof TypeError) throw new TypeError(message, { cause: e })
    throw new Error(message, { cause: e })
  }
}

const setup = <A, B>(fn: string, lens: Lens.Lens<A, B>, x: A, options: Options<A, B>): Setup<A, B> => {
  const name = options.name ?? 'lens'
  const op = `Gradcheck.${fn}(${name})`
  if (typeof lens !== 'function') throw new TypeError(`${op}: expected a lens, got ${describe(lens)}`)
  const X = options.input ?? infer(op, 'input', x)
  const xs = flatten(op, 'input', X, x, null)
  const inputPath = pathsOf(options.input === undefined, x)
  assertFinite(op, 'input', '', xs, inputPath)
  let norm = 0
  for (let i = 0; i < xs.length; i++) norm = Math.max(norm, Math.abs(xs[i] as number))
  const h = options.h ?? 1e-5 * Math.max(1, norm)
  if (typeof h !== 'number' || !(h > 0) || !Number.isFinite(h)) {
    throw new RangeError(`${op}: option h must be a finite number > 0, got ${String(h)}`)
  }
  const [y, pullback] = at(op, `at x = ${showCoordinates(xs)}`, () => Lens.vjp(lens, x))
  const Y = options.output ?? infer(op, 'output', y)
  const ys = flatten(op, 'output', Y, y, null)
  const outputPath = pathsOf(options.output === undefined, y)
  assertFinite(op, 'output', `at x = ${showCoordinates(xs)}`, ys, outputPath)
  return {
    op,
    name,
    X,
    Y,
    x,
    xs,
    y,
    ys,
    inputPath,
    outputPath,
    pullback,
    h,
    atol: nonNegative(op, 'atol', options.atol, DEFAULTS.atol),
    rtol: nonNegative(op, 'rtol', options.rtol, DEFAULTS.rtol),
    kinkTolerance: nonNegative(op, 'kinkTolerance', options.kinkTolerance, DEFAULTS.kinkTolerance)
  }
}

/** The output coordinates at the input coordinates `xs`, checked to be finite. */
const forwardAt = <A, B>(s: Setup<A, B>, lens: Lens.Lens<A, B>, xs: Float64Array, label: string): Float64Array => {
  const where = `at ${label} = ${showCoordinates(xs)}`
  const input = s.X.unflatten(s.x, xs)
  const out = flatten(s.op, 'output', s.Y, at(s.op, where, () => Lens.evaluate(lens, input)), s.ys.length)
  assertFinite(s.op, 'output', where, out, s.outputPath)
  return out
}

/** The input cotangent for the output cotangent with coordinates `vs`, checked to be finite. */
const backwardAt = <A, B>(s: Setup<A, B>, vs: Float64Array, label: string): Float64Array => {
  const where = `in the backward pass at x = ${showCoordinates(s.xs)} with cotangent ${label}`
  const db = s.Y.unflatten(s.y, vs)
  const out = flatten(s.op, 'gradient', s.X, at(s.op, where, () => s.pullback(db)), s.xs.length)
  assertFinite(s.op, 'gradient', where, out, s.inputPath)
  return out
}

/** A direction uniform on the unit sphere: normalised standard normals (`internal/random`). */
const randomUnit = (uniform: () => number, n: number): Float64Array => {
  const out = new Float64Array(n)
  for (;;) {
    fillNormal(uniform, out)
    if (n === 0 || norm2(out) > 1e-3) return normalise(out)
  }
}

/** `xs / ‖xs‖` in place, scaled by the largest coordinate first (so that ±1 stays ±1 and tiny directions do not underflow). */
const normalise = (xs: Float64Array): Float64Array => {
  let big = 0
  for (let i = 0; i < xs.length; i++) big = Math.max(big, Math.abs(xs[i] as number))
  scaleInPlace(xs, 1 / big)
  return scaleInPlace(xs, 1 / norm2(xs))
}

const norm2 = (xs: Float64Array): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i] as number) ** 2
  return Math.sqrt(s)
}

const scaleInPlace = (xs: Float64Array, c: number): Float64Array => {
  for (let i = 0; i < xs.length; i++) xs[i] = (xs[i] as number) * c
  return xs
}

const unitDirection = (op: string, what: string, coordinates: Float64Array, path: (i: number) => string | null): Float64Array => {
  assertFinite(op, `direction ${what}`, '', coordinates, path)
  if (coordinates.length === 0) return coordinates
  let big = 0
  for (let i = 0; i < coordinates.length; i++) big = Math.max(big, Math.abs(coordinates[i] as number))
  if (!(big > 0)) throw new RangeError(`${op}: direction ${what} must be non-zero`)
  return normalise(Float64Array.from(coordinates))
}

const dot = (xs: Float64Array, ys: Float64Array): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i] as number) * (ys[i] as number)
  return s
}

const compare = (atol: number, rtol: number, row: number, col: number, analytic: number, numeric: number): Entry => {
  const absError = Math.abs(analytic - numeric)
  const magnitude = Math.max(Math.abs(analytic), Math.abs(numeric))
  return {
    row,
    col,
    analytic,
    numeric,
    absError,
    relError: absError / Math.max(magnitude, atol, Number.MIN_VALUE),
    tolerance: atol + rtol * magnitude,
    rowPath: null,
    colPath: null
  }
}

const isKink = (kinkTolerance: number, sPlus: number, sMinus: number): boolean =>
  Math.abs(sPlus - sMinus) > kinkTolerance * (1 + Math.abs(sPlus) + Math.abs(sMinus))

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

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
 *
 * @category checks
 */
export const check = <A, B>(lens: Lens.Lens<A, B>, x: A, options: Options<A, B> = {}): DotReport => {
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
 * Central differences along the input coordinate `j`: for each output coordinate `i`, the
 * derivative `∂fᵢ/∂xⱼ` and whether its one-sided differences disagree (a kink).
 */
const alongBasis = <A, B>(s: Setup<A, B>, lens: Lens.Lens<A, B>, j: number) => {
  const xj = s.xs[j] as number
  const xPlus = Float64Array.from(s.xs)
  const xMinus = Float64Array.from(s.xs)
  xPlus[j] = xj + s.h
  xMinus[j] = xj - s.h
  // The steps actually taken, after rounding x ± h.
  const hPlus = (xPlus[j] as number) - xj
  const hMinus = xj - (xMinus[j] as number)
  const yPlus = forwardAt(s, lens, xPlus, `x + h·e${j}`)
  const yMinus = forwardAt(s, lens, xMinus, `x − h·e${j}`)
  return {
    derivative: (i: number): number => ((yPlus[i] as number) - (yMinus[i] as number)) / (hPlus + hMinus),
    kink: (i: number): boolean => {
      const yi = s.ys[i] as number
      return isKink(s.kinkTolerance, ((yPlus[i] as number) - yi) / hPlus, (yi - (yMinus[i] as number)) / hMinus)
    }
  }
}

/** The worst term of a failing check (see {@link DotReport}), or `null` if the comparison itself fails. */
const localizeFailure = <A, B>(s: Setup<A, B>, lens: Lens.Lens<A, B>, u: Float64Array, v: Float64Array): Entry | null => {
  try {
    return worstTerm(s, lens, u, v)
  } catch {
    // E.g. the lens leaves its domain at x ± h·eⱼ although not at x ± h·u: the dot-product
    // verdict stands, without a coordinate.
    return null
  }
}

/**
 * The term `vᵢ·uⱼ·∂fᵢ/∂xⱼ` of the dot product with the largest error. The Jacobian's entries
 * would be checked with the basis cotangents instead of `v`, and a backward pass that is
 * wrong only for some cotangents (one that ignores its cotangent is right for `eᵢ`) would
 * fail the test while its worst entry passed.
 */
const worstTerm = <A, B>(s: Setup<A, B>, lens: Lens.Lens<A, B>, u: Float64Array, v: Float64Array): Entry | null => {
  const n = s.xs.length
  const m = s.ys.length
  // analytic[i][j] = (bwd(x, vᵢ·eᵢ))ⱼ
  const analytic: Array<Float64Array> = []
  const cotangent = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    cotangent.fill(0)
    cotangent[i] = v[i] as number
    analytic.push(backwardAt(s, cotangent, `v${i}·e${i}`))
  }
  let worst: Entry | null = null
  for (let j = 0; j < n; j++) {
    const column = alongBasis(s, lens, j)
    const uj = u[j] as number
    for (let i = 0; i < m; i++) {
      if (column.kink(i)) continue
      const e = compare(s.atol, s.rtol, i, j, ((analytic[i] as Float64Array)[j] as number) * uj, (v[i] as number) * uj * column.derivative(i))
      if (worst === null || e.absError > worst.absError) worst = e
    }
  }
  return worst === null ? null : named(s, worst)
}

/** An entry with the paths of its coordinates (when the spaces were inferred). */
const named = <A, B>(s: Setup<A, B>, e: Entry): Entry => ({ ...e, rowPath: s.outputPath(e.row), colPath: s.inputPath(e.col) })

const compareJacobians = <A, B>(s: Setup<A, B>, lens: Lens.Lens<A, B>): Omit<JacobianReport, 'mode' | 'name' | 'h' | 'atol' | 'rtol' | 'input'> => {
  const n = s.xs.length
  const m = s.ys.length
  const analytic: Array<Array<number>> = []
  const basis = new Float64Array(m)
  for (let i = 0; i < m; i++) {
    basis.fill(0)
    basis[i] = 1
    analytic.push(Array.from(backwardAt(s, basis, `e${i}`)))
  }
  const numeric: Array<Array<number>> = Array.from({ length: m }, () => new Array<number>(n).fill(0))
  const kink: Array<Array<boolean>> = Array.from({ length: m }, () => new Array<boolean>(n).fill(false))
  for (let j = 0; j < n; j++) {
    const column = alongBasis(s, lens, j)
    for (let i = 0; i < m; i++) {
      ;(numeric[i] as Array<number>)[j] = column.derivative(i)
      ;(kink[i] as Array<boolean>)[j] = column.kink(i)
    }
  }
  let worst: Entry | null = null
  let worstRatio = -1
  let maxAbsError = 0
  let maxRelError = 0
  let kinks = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      if ((kink[i] as Array<boolean>)[j]) {
        kinks++
        continue
      }
      const e = compare(s.atol, s.rtol, i, j, (analytic[i] as Array<number>)[j] as number, (numeric[i] as Array<number>)[j] as number)
      maxAbsError = Math.max(maxAbsError, e.absError)
      maxRelError = Math.max(maxRelError, e.relError)
      const ratio = e.absError / e.tolerance
      if (ratio > worstRatio) {
        worstRatio = ratio
        worst = e
      }
    }
  }
  const status: Status = worstRatio > 1 ? 'fail' : kinks > 0 ? 'kink' : 'pass'
  return { status, rows: m, cols: n, analytic, numeric, maxAbsError, maxRelError, worst: worst === null ? null : named(s, worst), kinks }
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
