/**
 * How one case of each numeric law is computed (law G through `Gradcheck.check`, laws 14 and
 * 15 here): the verdicts that `GradientLaws`' predicates and runners share.
 *
 * @module internal/numeric
 */
import fc from 'fast-check'
import * as Gradcheck from '../../src/Gradcheck.js'
import * as Lens from '../../src/Lens.js'
import * as VectorSpace from '../../src/VectorSpace.js'
import type { Tolerance } from '../Eq.js'
import type { Verdict } from './run.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The vector spaces of a lens's input and output; each defaults to the instance inferred
 * from the value (numbers, tuples and records of numbers, tensors).
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 * import type { GradientLaws } from 'backprop-lens/laws'
 *
 * const spaces: GradientLaws.Spaces<readonly [number, number], number> = { input: VectorSpace.tuple(VectorSpace.number, VectorSpace.number) }
 * console.log(spaces.input?.size([0, 0])) // 2
 *
 * @category model
 */
export interface Spaces<A, B> {
  /** The vector space of the input. */
  readonly input?: VectorSpace.VectorSpace<A>
  /** The vector space of the output. */
  readonly output?: VectorSpace.VectorSpace<B>
}

/**
 * Options of the second-derivative law at one point: the cotangent `c` (required unless the
 * output is a number, where it is 1), the input space, the step and the kink guard.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 * import type { GradientLaws } from 'backprop-lens/laws'
 *
 * const options: GradientLaws.SecondDerivativeOptions<Tensor.Tensor, Tensor.Tensor> = { cotangent: Tensor.fromNested([1, -1]) }
 * console.log(options.cotangent?.shape) // [ 2 ]
 *
 * @category model
 */
export interface SecondDerivativeOptions<A, B> {
  /** The cotangent `c` of `g(x) = bwd(L)(x, c)` (default 1, for a number output). */
  readonly cotangent?: B
  /** The vector space of the input (default: inferred). */
  readonly input?: VectorSpace.VectorSpace<A>
  /** The finite-difference step (default `1e-5·max(1, ‖x‖∞)`). */
  readonly h?: number
  /** One-sided slopes further apart than this (relative) mark a kink (default `1e-3`). */
  readonly kinkTolerance?: number
}

// -------------------------------------------------------------------------------------
// cases
// -------------------------------------------------------------------------------------

const bwd = <A, B>(lens: Lens.Lens<A, B>, a: A, db: B): A => Lens.backPropagateConst(lens, db, a)

const show = (xs: ArrayLike<number>): string => `[${Array.from(xs).map(String).join(', ')}]`

/**
 * Law G at one case.
 *
 * @internal
 */
export const gradientCase = <A, B>(tolerance: Tolerance, lens: Lens.Lens<A, B>, x: A, options: Gradcheck.Options<A, B>): Verdict => {
  const report = Gradcheck.check(lens, x, { ...options, atol: tolerance.atol, rtol: tolerance.rtol })
  if (report.status === 'kink') return 'discard'
  if (report.status === 'pass') return null
  return { account: Gradcheck.format(report), ratio: report.absError / report.tolerance }
}

/**
 * Law 14 at one case.
 *
 * @internal
 */
export const linearityCase = <A, B>(tolerance: Tolerance, lens: Lens.Lens<A, B>, a: A, s: number, u: B, v: B, spaces: Spaces<A, B>, name: string): Verdict => {
  const b = Lens.evaluate(lens, a)
  const X = spaces.input ?? VectorSpace.infer(a)
  const Y = spaces.output ?? VectorSpace.infer(b)
  const lhs = X.flatten(bwd(lens, a, Y.add(Y.scale(s, u), v)))
  const du = X.flatten(bwd(lens, a, u))
  const dv = X.flatten(bwd(lens, a, v))
  const dz = X.flatten(bwd(lens, a, Y.zero(b)))
  const op = `cotangent linearity failed for ${name}`
  for (let i = 0; i < lhs.length; i++) {
    const l = lhs[i] as number
    const su = s * (du[i] as number)
    const r = su + (dv[i] as number)
    const bound = tolerance.atol + tolerance.rtol * (Math.abs(l) + Math.abs(su) + Math.abs(dv[i] as number))
    if (!(Math.abs(l - r) <= bound)) {
      return {
        account:
          `${op}: bwd(a, s·u + v) ≠ s·bwd(a, u) + bwd(a, v) at coordinate ${i}: ${l} vs ${r} ` +
          `(s = ${s}, u = ${show(Y.flatten(u))}, v = ${show(Y.flatten(v))}, a = ${show(X.flatten(a))})`,
        ratio: Math.abs(l - r) / bound
      }
    }
  }
  for (let i = 0; i < dz.length; i++) {
    const z = dz[i] as number
    if (!(Math.abs(z) <= tolerance.atol)) {
      return { account: `${op}: bwd(a, 0) ≠ 0 at coordinate ${i}: ${z} (a = ${show(X.flatten(a))})`, ratio: Math.abs(z) / tolerance.atol }
    }
  }
  return null
}

/**
 * `xs / ‖xs‖₂` (scaled by the largest coordinate first, so tiny vectors do not underflow).
 *
 * @internal
 */
export const unit = (xs: Float64Array): Float64Array => {
  let big = 0
  for (let i = 0; i < xs.length; i++) big = Math.max(big, Math.abs(xs[i] as number))
  if (!(big > 0)) return xs
  const scaled = xs.map((c) => c / big)
  let n = 0
  for (let i = 0; i < scaled.length; i++) n += (scaled[i] as number) ** 2
  n = Math.sqrt(n)
  return scaled.map((c) => c / n)
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

/**
 * Law 15 at one case.
 *
 * @internal
 */
export const secondDerivativeCase = <A, B>(
  tolerance: Tolerance,
  lens: Lens.Lens<A, B>,
  x: A,
  uIn: A,
  wIn: A,
  options: SecondDerivativeOptions<A, B>,
  name: string
): Verdict => {
  const op = `symmetricSecondDerivative(${name})`
  const X = options.input ?? VectorSpace.infer(x)
  const xs = X.flatten(x)
  let c = options.cotangent
  if (c === undefined) {
    const y = Lens.evaluate(lens, x)
    if (typeof y !== 'number') throw new TypeError(`${op}: give a cotangent for a lens whose output is not a number (got ${typeof y})`)
    c = 1 as B
  }
  const dc = c
  const g = (zs: Float64Array): Float64Array => {
    const out = X.flatten(bwd(lens, X.unflatten(x, zs), dc))
    out.forEach((v, i) => {
      if (!Number.isFinite(v)) throw new RangeError(`${op}: gradient coordinate ${i} is ${String(v)} at ${show(zs)}`)
    })
    return out
  }
  let norm = 0
  xs.forEach((v) => (norm = Math.max(norm, Math.abs(v))))
  const h = options.h ?? 1e-5 * Math.max(1, norm)
  const kinkTolerance = options.kinkTolerance ?? 1e-3
  const u = unit(X.flatten(uIn))
  const w = unit(X.flatten(wIn))
  const g0 = g(xs)
  const [lhs, lp, lm] = directional(g, xs, g0, u, w, h)
  const [rhs, rp, rm] = directional(g, xs, g0, w, u, h)
  const kink = (p: number, m: number): boolean => Math.abs(p - m) > kinkTolerance * (1 + Math.abs(p) + Math.abs(m))
  if (kink(lp, lm) || kink(rp, rm)) return 'discard'
  const bound = tolerance.atol + tolerance.rtol * Math.max(Math.abs(lhs), Math.abs(rhs))
  const error = Math.abs(lhs - rhs)
  if (error <= bound) return null
  return {
    account:
      `${op}: ⟨u, ∂g/∂w⟩ = ${lhs} vs ⟨w, ∂g/∂u⟩ = ${rhs} (abs err ${error.toExponential(1)}, tolerance ` +
      `${bound.toExponential(1)}) at x = ${show(xs)}, u = ${show(u)}, w = ${show(w)}, h = ${h}: ` +
      `the backward pass is not the gradient of any function`,
    ratio: error / bound
  }
}

/**
 * Coordinates of a value with the structure of `like`, drawn by fast-check.
 *
 * @internal
 */
export const valueLike = <V>(V: VectorSpace.VectorSpace<V>, like: V, coordinates: fc.Arbitrary<number>): fc.Arbitrary<V> => {
  const n = V.size(like)
  return fc.array(coordinates, { minLength: n, maxLength: n }).map((cs) => V.unflatten(like, cs))
}

/**
 * The default scalars and cotangent coordinates of law 14: doubles in `[-10, 10]`, half of
 * them eighths. `fc.double` alone is uniform over the representable doubles, so most of its
 * values are tiny, and a backward pass that is not linear in its cotangent (one that squares
 * it) looks linear at tiny cotangents: with doubles alone, one seed in twenty or so missed it.
 *
 * @internal
 */
export const DEFAULT_COORDINATES = fc.oneof(
  fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true }),
  fc.integer({ min: -80, max: 80 }).map((k) => k / 8)
)
/**
 * The coordinates of the directions of law 15, before normalisation.
 *
 * @internal
 */
export const DIRECTION_COORDINATES = fc.double({ min: -1, max: 1, noNaN: true, noDefaultInfinity: true })
