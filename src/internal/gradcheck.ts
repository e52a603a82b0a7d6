/**
 * The numerics of `Gradcheck`: a check's setup (spaces, step, tolerances, the lens's value
 * and pullback at `x`), forward and backward passes at coordinates with every value checked
 * finite and named by its path, unit directions, comparisons, the kink guard, the worst term
 * of a failing dot-product test and the full Jacobian comparison. `Gradcheck` holds the
 * public checks built from these and the report format.
 *
 * @internal
 * @module internal/gradcheck
 */
// One piece, past 400 lines: the setup, the passes at coordinates, the directions and the two
// comparisons (dot-product test and full Jacobian) share the Setup record and its checks.
import { evaluateLens, vjpLens } from './cps.js'
import { describe } from './guards.js'
import type { Lens } from './lens.js'
import { erase } from './plan.js'
import { fillNormal } from './random.js'
import { coordinatePath, ROOT } from './tree.js'
import * as VectorSpace from '../VectorSpace.js'

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

/** The options {@link setup} reads (a part of `Gradcheck.Options`). */
export interface SetupOptions<A, B> {
  readonly name?: string
  readonly input?: VectorSpace.VectorSpace<A>
  readonly output?: VectorSpace.VectorSpace<B>
  readonly h?: number
  readonly atol?: number
  readonly rtol?: number
  readonly kinkTolerance?: number
}

/** What {@link compareJacobians} finds (a `Gradcheck.JacobianReport` without its setup). */
export interface JacobianComparison {
  readonly status: Status
  readonly rows: number
  readonly cols: number
  readonly analytic: ReadonlyArray<ReadonlyArray<number>>
  readonly numeric: ReadonlyArray<ReadonlyArray<number>>
  readonly maxAbsError: number
  readonly maxRelError: number
  readonly worst: Entry | null
  readonly kinks: number
}

// -------------------------------------------------------------------------------------
// setup, passes and comparisons
// -------------------------------------------------------------------------------------

export const DEFAULTS = { atol: 1e-7, rtol: 1e-5, kinkTolerance: 1e-3, seed: 1 } as const

/** Localisation of a failing dot-product test compares at most this many entries. */
export const LOCALIZE_LIMIT = 10_000

export interface Setup<A, B> {
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

export const describeValue = (v: number): string => (Number.isNaN(v) ? 'NaN' : String(v))

export const nonNegative = (op: string, option: string, value: number | undefined, fallback: number): number => {
  if (value === undefined) return fallback
  if (typeof value !== 'number' || !(value >= 0) || !Number.isFinite(value)) {
    throw new RangeError(`${op}: option ${option} must be a finite number >= 0, got ${String(value)}`)
  }
  return value
}

/** Shows coordinates in full precision (so a failing input can be reproduced), at most 8. */
export const showCoordinates = (xs: ArrayLike<number>): string => {
  const shown: Array<string> = []
  const n = Math.min(xs.length, 8)
  for (let i = 0; i < n; i++) shown.push(String(xs[i]))
  if (xs.length > n) shown.push(`… (${xs.length} coordinates)`)
  return `[${shown.join(', ')}]`
}

export const infer = <V>(op: string, what: string, value: V): VectorSpace.VectorSpace<V> => {
  try {
    return VectorSpace.infer(value)
  } catch (e) {
    throw new TypeError(
      `${op}: cannot infer the vector space of the ${what} (${e instanceof Error ? e.message : String(e)}); pass the option '${what}'`,
      { cause: e }
    )
  }
}

export const flatten = <V>(op: string, what: string, V: VectorSpace.VectorSpace<V>, value: V, size: number | null): Float64Array => {
  const out = V.flatten(value)
  if (size !== null && out.length !== size) {
    throw new RangeError(`${op}: the ${what} has ${out.length} coordinates, expected ${size}`)
  }
  return out
}

/** Names the coordinates of a value whose vector space was inferred (`w[1]`, `W[1, 2]`). */
export const pathsOf =
  (inferred: boolean, value: unknown) =>
  (i: number): string | null =>
    inferred ? coordinatePath(value, i) : null

/** Coordinate `i`, named when its path says more than the index: `coordinate 3 (b[1])`. */
export const coordinate = (i: number, path: (i: number) => string | null): string => {
  const at = path(i)
  return at === null || at === ROOT ? `coordinate ${i}` : `coordinate ${i} (${at})`
}

export const assertFinite = (op: string, what: string, where: string, xs: Float64Array, path: (i: number) => string | null): void => {
  for (let i = 0; i < xs.length; i++) {
    const v = xs[i] as number
    if (!Number.isFinite(v)) {
      throw new RangeError(`${op}: ${what} ${coordinate(i, path)} is ${describeValue(v)}${where === '' ? '' : ` ${where}`}`)
    }
  }
}

/** Runs `f`, adding where it ran to any error it throws (keeping the error's class). */
export const at = <T>(op: string, where: string, f: () => T): T => {
  try {
    return f()
  } catch (e) {
    const message = `${op}: the lens threw ${where}: ${e instanceof Error ? e.message : String(e)}`
    if (e instanceof RangeError) throw new RangeError(message, { cause: e })
    if (e instanceof TypeError) throw new TypeError(message, { cause: e })
    throw new Error(message, { cause: e })
  }
}

export const setup = <A, B>(fn: string, lens: Lens<A, B>, x: A, options: SetupOptions<A, B>): Setup<A, B> => {
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
  const [y, pullback] = at(op, `at x = ${showCoordinates(xs)}`, () => vjpLens(erase(lens), x) as unknown as readonly [B, (db: B) => A])
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
export const forwardAt = <A, B>(s: Setup<A, B>, lens: Lens<A, B>, xs: Float64Array, label: string): Float64Array => {
  const where = `at ${label} = ${showCoordinates(xs)}`
  const input = s.X.unflatten(s.x, xs)
  const out = flatten(s.op, 'output', s.Y, at(s.op, where, () => evaluateLens(erase(lens), input) as B), s.ys.length)
  assertFinite(s.op, 'output', where, out, s.outputPath)
  return out
}

/** The input cotangent for the output cotangent with coordinates `vs`, checked to be finite. */
export const backwardAt = <A, B>(s: Setup<A, B>, vs: Float64Array, label: string): Float64Array => {
  const where = `in the backward pass at x = ${showCoordinates(s.xs)} with cotangent ${label}`
  const db = s.Y.unflatten(s.y, vs)
  const out = flatten(s.op, 'gradient', s.X, at(s.op, where, () => s.pullback(db)), s.xs.length)
  assertFinite(s.op, 'gradient', where, out, s.inputPath)
  return out
}

/** A direction uniform on the unit sphere: normalised standard normals (`internal/random`). */
export const randomUnit = (uniform: () => number, n: number): Float64Array => {
  const out = new Float64Array(n)
  for (;;) {
    fillNormal(uniform, out)
    if (n === 0 || norm2(out) > 1e-3) return normalise(out)
  }
}

/** `xs / ‖xs‖` in place, scaled by the largest coordinate first (so that ±1 stays ±1 and tiny directions do not underflow). */
export const normalise = (xs: Float64Array): Float64Array => {
  let big = 0
  for (let i = 0; i < xs.length; i++) big = Math.max(big, Math.abs(xs[i] as number))
  scaleInPlace(xs, 1 / big)
  return scaleInPlace(xs, 1 / norm2(xs))
}

export const norm2 = (xs: Float64Array): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i] as number) ** 2
  return Math.sqrt(s)
}

export const scaleInPlace = (xs: Float64Array, c: number): Float64Array => {
  for (let i = 0; i < xs.length; i++) xs[i] = (xs[i] as number) * c
  return xs
}

export const unitDirection = (op: string, what: string, coordinates: Float64Array, path: (i: number) => string | null): Float64Array => {
  assertFinite(op, `direction ${what}`, '', coordinates, path)
  if (coordinates.length === 0) return coordinates
  let big = 0
  for (let i = 0; i < coordinates.length; i++) big = Math.max(big, Math.abs(coordinates[i] as number))
  if (!(big > 0)) throw new RangeError(`${op}: direction ${what} must be non-zero`)
  return normalise(Float64Array.from(coordinates))
}

export const dot = (xs: Float64Array, ys: Float64Array): number => {
  let s = 0
  for (let i = 0; i < xs.length; i++) s += (xs[i] as number) * (ys[i] as number)
  return s
}

export const compare = (atol: number, rtol: number, row: number, col: number, analytic: number, numeric: number): Entry => {
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

export const isKink = (kinkTolerance: number, sPlus: number, sMinus: number): boolean =>
  Math.abs(sPlus - sMinus) > kinkTolerance * (1 + Math.abs(sPlus) + Math.abs(sMinus))

/**
 * Central differences along the input coordinate `j`: for each output coordinate `i`, the
 * derivative `∂fᵢ/∂xⱼ` and whether its one-sided differences disagree (a kink).
 */
export const alongBasis = <A, B>(s: Setup<A, B>, lens: Lens<A, B>, j: number) => {
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

/** The worst term of a failing check (see `DotReport`), or `null` if the comparison itself fails. */
export const localizeFailure = <A, B>(s: Setup<A, B>, lens: Lens<A, B>, u: Float64Array, v: Float64Array): Entry | null => {
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
export const worstTerm = <A, B>(s: Setup<A, B>, lens: Lens<A, B>, u: Float64Array, v: Float64Array): Entry | null => {
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
export const named = <A, B>(s: Setup<A, B>, e: Entry): Entry => ({ ...e, rowPath: s.outputPath(e.row), colPath: s.inputPath(e.col) })

export const compareJacobians = <A, B>(s: Setup<A, B>, lens: Lens<A, B>): JacobianComparison => {
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
