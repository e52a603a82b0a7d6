/**
 * The rule table: each elementwise primitive's forward function, backward pass and domain,
 * written once and used by `Scalar` (on numbers, `scalar.ts`) and `ops` (on tensors,
 * elementwise over their data). A rule names the primitive (`sin`, `pow(3)`); the module
 * that builds a lens from it adds its prefix (`Scalar.sin`, `ops.sin`) to the messages.
 *
 * `backward(x, dy, y)` has the seed's `Function` form (input, output cotangent, output): it
 * is the plan's backward for numbers as it stands, and the per-element function of the
 * tensor kernel. Where the derivative needs no input at all (the affine rules), `affine`
 * says so, and the tensor ops run the dedicated affine kernel (and pass the cotangent
 * through unchanged for a shift).
 *
 * @internal
 * @module internal/rules
 */
import type { Lens } from './lens.js'

/** @internal A condition on the input of a primitive, and the words that name it in errors. */
export interface Domain {
  readonly ok: (x: number) => boolean
  readonly requirement: string
}

/**
 * @internal The lenses of one domain (numbers for `Scalar`, tensors for `ops`) that
 * derivatives are written with, so that one formula serves both.
 */
export interface Family<X> {
  readonly id: Lens<X, X>
  readonly pipe: (...lenses: ReadonlyArray<Lens<X, X>>) => Lens<X, X>
  /** `x ↦ f(x)·g(x)`. */
  readonly times: (f: Lens<X, X>, g: Lens<X, X>) => Lens<X, X>
  /** `[x, dy] ↦ f(x)·dy`: a rule's backward pass as a lens, from its derivative `f`. */
  readonly scaledBy: (f: Lens<X, X>) => Lens<readonly [X, X], X>
  readonly sin: Lens<X, X>
  readonly cos: Lens<X, X>
  readonly exp: Lens<X, X>
  readonly tanh: Lens<X, X>
  readonly sigmoid: Lens<X, X>
  readonly square: Lens<X, X>
  readonly neg: Lens<X, X>
  readonly scale: (c: number) => Lens<X, X>
  readonly shift: (c: number) => Lens<X, X>
  readonly pow: (n: number) => Lens<X, X>
  /** `x > 0 ? 1 : 0` (relu′). */
  readonly step: Lens<X, X>
  /** `sign(x)`, 0 at 0 (abs′). */
  readonly sign: Lens<X, X>
  /** `lo ≤ x ≤ hi ? 1 : 0` (clip′). */
  readonly indicator: (lo: number, hi: number) => Lens<X, X>
}

/** @internal An elementwise primitive. */
export interface UnaryRule {
  readonly name: string
  readonly forward: (x: number) => number
  /** The input's cotangent from the input `x`, the output's cotangent `dy` and the output `y`. */
  readonly backward: (x: number, dy: number, y: number) => number
  /** Where the function is defined (checked in the forward pass), if not everywhere. */
  readonly domain: Domain | null
  /** Where its derivative is finite (checked in the backward pass), if that is smaller. */
  readonly backDomain: Domain | null
  /** `[c, d]` when the rule is `x ↦ c·x + d`. */
  readonly affine: readonly [number, number] | null
  /**
   * The derivative `x ↦ f′(x)` as a lens of the family's primitives: the backward pass as a
   * lens is `[x, dy] ↦ f′(x)·dy`, which higher-order derivatives differentiate.
   */
  readonly derivative: <X>(F: Family<X>) => Lens<X, X>
}

const rule = (
  name: string,
  forward: UnaryRule['forward'],
  backward: UnaryRule['backward'],
  derivative: UnaryRule['derivative'],
  extra: Partial<Pick<UnaryRule, 'domain' | 'backDomain' | 'affine'>> = {}
): UnaryRule => ({
  name,
  forward,
  backward,
  derivative,
  domain: extra.domain ?? null,
  backDomain: extra.backDomain ?? null,
  affine: extra.affine ?? null
})

/** The constant derivative `x ↦ c` (as `0·x + c`, so it has the input's shape). */
const constant = <X>(F: Family<X>, c: number): Lens<X, X> => F.pipe(F.scale(0), F.shift(c))

const logistic = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

// -------------------------------------------------------------------------------------
// smooth functions
// -------------------------------------------------------------------------------------

/** @internal `x²`. */
export const square = rule(
  'square',
  (x) => x * x,
  (x, dy) => 2 * x * dy,
  (F) => F.scale(2)
)
/** @internal `eˣ`; the backward pass reuses the output. */
export const exp = rule('exp', Math.exp, (_x, dy, y) => y * dy, (F) => F.exp)
/** @internal The natural logarithm, for `x > 0`. */
export const log = rule('log', Math.log, (x, dy) => dy / x, (F) => F.pow(-1), { domain: { ok: (x) => x > 0, requirement: 'input must be > 0' } })
/** @internal Sine. */
export const sin = rule('sin', Math.sin, (x, dy) => Math.cos(x) * dy, (F) => F.cos)
/** @internal Cosine. */
export const cos = rule('cos', Math.cos, (x, dy) => -Math.sin(x) * dy, (F) => F.pipe(F.sin, F.neg))
/** @internal The hyperbolic tangent; the backward pass reuses the output (`1 − y²`). */
export const tanh = rule('tanh', Math.tanh, (_x, dy, y) => (1 - y * y) * dy, (F) => F.pipe(F.tanh, F.square, F.neg, F.shift(1)))
/** @internal The logistic function, without overflow for large `|x|`; backward `y·(1 − y)`. */
export const sigmoid = rule('sigmoid', logistic, (_x, dy, y) => y * (1 - y) * dy, (F) =>
  F.pipe(F.sigmoid, F.times(F.id, F.pipe(F.neg, F.shift(1))))
)
/** @internal The square root, for `x ≥ 0`; its derivative is infinite at 0. */
export const sqrt = rule('sqrt', Math.sqrt, (_x, dy, y) => dy / (2 * y), (F) => F.pipe(F.pow(-0.5), F.scale(0.5)), {
  domain: { ok: (x) => x >= 0, requirement: 'input must be >= 0' },
  backDomain: { ok: (x) => x !== 0, requirement: 'the derivative is infinite at 0' }
})

/**
 * @internal `xⁿ` for a constant exponent: a fractional `n` needs `x ≥ 0` (`x > 0` when
 * `n < 1`, where the derivative at 0 is infinite); a negative integer `n` needs `x ≠ 0`.
 */
export const pow = (n: number): UnaryRule => {
  const domain: Domain | null = Number.isInteger(n)
    ? n < 0
      ? { ok: (x) => x !== 0, requirement: 'base must be non-zero for a negative exponent' }
      : null
    : n < 1
      ? { ok: (x) => x > 0, requirement: 'base must be > 0 for an exponent below 1' }
      : { ok: (x) => x >= 0, requirement: 'base must be >= 0 for a fractional exponent' }
  const forward = n === 2 ? (x: number) => x * x : (x: number) => x ** n
  return rule(
    `pow(${n})`,
    forward,
    (x, dy) => (n === 0 ? 0 : n * x ** (n - 1) * dy),
    (F) => (n === 0 ? constant(F, 0) : F.pipe(F.pow(n - 1), F.scale(n))),
    { domain }
  )
}

// -------------------------------------------------------------------------------------
// affine functions
// -------------------------------------------------------------------------------------

/** @internal `−x`. */
export const neg = rule(
  'neg',
  (x) => -x,
  (_x, dy) => -dy,
  (F) => constant(F, -1),
  { affine: [-1, 0] }
)
/** @internal `c·x`. */
export const scale = (c: number): UnaryRule =>
  rule(
    'scale',
    (x) => c * x,
    (_x, dy) => c * dy,
    (F) => constant(F, c),
    { affine: [c, 0] }
  )
/** @internal `x + c`; the cotangent passes through. */
export const shift = (c: number): UnaryRule =>
  rule(
    'shift',
    (x) => x + c,
    (_x, dy) => dy,
    (F) => constant(F, 1),
    { affine: [1, c] }
  )

// -------------------------------------------------------------------------------------
// piecewise functions (derivatives at kinks as PyTorch: relu′(0) = abs′(0) = 0)
// -------------------------------------------------------------------------------------

/** @internal `max(x, 0)`. */
export const relu = rule(
  'relu',
  (x) => (x > 0 ? x : 0),
  (x, dy) => (x > 0 ? dy : 0),
  (F) => F.step
)
/** @internal `|x|`. */
export const abs = rule('abs', Math.abs, (x, dy) => (x > 0 ? dy : x < 0 ? -dy : 0), (F) => F.sign)
/** @internal `x` clamped to `[lo, hi]`; the gradient passes on the closed interval (as `torch.clamp`). */
export const clip = (lo: number, hi: number): UnaryRule =>
  rule(
    `clip(${lo}, ${hi})`,
    (x) => (x < lo ? lo : x > hi ? hi : x),
    (x, dy) => (x >= lo && x <= hi ? dy : 0),
    (F) => F.indicator(lo, hi)
  )

// -------------------------------------------------------------------------------------
// piecewise-constant functions: the derivatives of the piecewise-linear ones
// -------------------------------------------------------------------------------------

/** @internal `x > 0 ? 1 : 0`, derivative 0. */
export const step = rule(
  'step',
  (x) => (x > 0 ? 1 : 0),
  () => 0,
  (F) => constant(F, 0)
)
/** @internal The sign, 0 at 0; derivative 0. */
export const sign = rule(
  'sign',
  (x) => (x > 0 ? 1 : x < 0 ? -1 : 0),
  () => 0,
  (F) => constant(F, 0)
)
/** @internal `lo ≤ x ≤ hi ? 1 : 0`, derivative 0. */
export const indicator = (lo: number, hi: number): UnaryRule =>
  rule(
    `indicator(${lo}, ${hi})`,
    (x) => (x >= lo && x <= hi ? 1 : 0),
    () => 0,
    (F) => constant(F, 0)
  )
