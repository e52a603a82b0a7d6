/**
 * Primitive lenses on `number`, and on pairs of numbers (`readonly [number, number]`).
 * Each elementwise function here is the same rule as its tensor twin in `ops` (one table
 * holds both), so `Scalar.sin` and `ops.sin` agree to the last bit.
 *
 * **Errors, never NaN.** Every primitive checks its argument: a non-number is a `TypeError`
 * (`Scalar.square: expected a number, got string 3`), a non-finite number a `RangeError`.
 * Out-of-domain input throws a `RangeError` naming the operation and the value, in the
 * forward pass where the value is outside the function's domain (`log` of 0 or less, `sqrt`
 * below 0, `div` by 0, `pow` of a negative base to a fractional power) and in the backward
 * pass where the function is defined but its derivative is not finite (`sqrt` at 0, `pow`
 * with an exponent below 1 at 0). A finite input whose result or cotangent overflows
 * (`exp(710)`, the backward pass of `log` at 5e-324) throws a `RangeError` that names the
 * pass and the input: `Scalar.exp: the result is not finite (Infinity) in the forward pass,
 * at input 710`. So no primitive answers `NaN` or an infinity. `relu` and `abs` take the
 * derivative 0 at their kink, as PyTorch and JAX do.
 *
 * Every primitive is checked against finite differences by the test suite.
 *
 * @module Scalar
 */
// One piece, past 400 lines: the `Scalar` namespace of primitives, each a line or two on the
// shared rule table; most of the file is their doc comments with runnable examples.
import { cotangentOf, fromPlan } from './internal/cps.js'
import { describe } from './internal/guards.js'
import type { Lens } from './internal/lens.js'
import { erase, primPlan, type AnyLens, type Guard } from './internal/plan.js'
import * as R from './internal/rules.js'
import { linear, shaped } from './internal/structure.js'
import { fanout, first, id, pipeAll, split } from './Lens.js'

/** A number as messages show it (`-0` is not `0`). */
const show = (x: number): string => (Object.is(x, -0) ? '-0' : String(x))

const domain = (op: string, requirement: string, value: number): RangeError => new RangeError(`${op}: ${requirement}, got ${show(value)}`)

const finiteConstant = (op: string, c: number): number => {
  if (typeof c !== 'number' || !Number.isFinite(c)) throw domain(op, 'the constant must be a finite number', c)
  return c
}

/** A non-number or non-finite input, named. */
const badInput = (op: string, x: unknown): Error =>
  typeof x === 'number' ? new RangeError(`${op}: the input must be a finite number, got ${show(x)}`) : new TypeError(`${op}: expected a number, got ${describe(x)}`)

/** A non-finite result of finite inputs, named with the pass and the input that produced it. */
const overflow = (op: string, pass: 'forward' | 'backward', what: string, value: number, at: string): RangeError =>
  new RangeError(`${op}: the ${what} is not finite (${show(value)}) in the ${pass} pass, at ${at}`)

/**
 * The lens of an elementwise rule on numbers. Its plan runs the rule's own functions; the
 * tape checks around them that the input is a finite number and that the result and the
 * cotangent are finite (a few comparisons per step, `v - v !== 0` being true exactly for NaN
 * and ±Infinity), and on failure calls the guard, which throws the error that names the
 * problem. A domain is checked eagerly where a value outside it can give a finite result
 * (`pow(0.5)` at 0, whose derivative is infinite there); elsewhere, the guard finds it.
 */
const unary = (rule: R.UnaryRule): Lens<number, number> => {
  const op = `Scalar.${rule.name}`
  const { forward: f, backward: b, domain: d, backDomain: bd } = rule
  const guard: Guard = {
    forward: (x, y) => {
      if (typeof x !== 'number' || x - x !== 0) throw badInput(op, x)
      if (d !== null && !d.ok(x)) throw domain(op, d.requirement, x)
      throw overflow(op, 'forward', 'result', y, `input ${show(x)}`)
    },
    backward: (x, dy, dx) => {
      if (bd !== null && !bd.ok(x)) throw domain(op, bd.requirement, x)
      throw overflow(op, 'backward', 'cotangent', dx, `input ${show(x)} and output cotangent ${show(dy)}`)
    }
  }
  const forward =
    d === null
      ? f
      : (x: number): number => {
          if (!d.ok(x)) guard.forward(x, Number.NaN)
          return f(x)
        }
  const rev = (): AnyLens => erase(family.scaledBy(rule.derivative(family)))
  const plan = primPlan(forward as (a: unknown) => unknown, b as (a: unknown, db: unknown, b: unknown) => unknown, op, guard, rev)
  // The pullback of [x, dy] ↦ f′(x)·dy at u: [f″(x)·dy·u, f′(x)·u], with f″(x)·c the
  // cotangent of the derivative lens (made when first needed) and f′(x)·u the rule's backward.
  let dd: ((x: unknown, c: unknown) => unknown) | null = null
  plan.second = (x, dy, y, u, wantX) => [
    wantX ? (dd ??= cotangentOf(erase(rule.derivative(family))))(x, (dy as number) * (u as number)) : undefined,
    b(x as number, u as number, y as number)
  ]
  return fromPlan(plan)
}

type Pair = readonly [number, number]

const asNumbers = (op: string, x: unknown): Pair => {
  if (!Array.isArray(x) || x.length !== 2) throw new TypeError(`${op}: expected a pair of numbers [a, b], got ${describe(x)}`)
  const [a, b] = x as [unknown, unknown]
  if (typeof a !== 'number' || a - a !== 0) throw badInput(`${op} (first input)`, a)
  if (typeof b !== 'number' || b - b !== 0) throw badInput(`${op} (second input)`, b)
  return x as unknown as Pair
}

/** A binary primitive on a pair of numbers, with the same checks as {@link unary}. */
const binary = (
  op: string,
  f: (a: number, b: number) => number,
  b: (a: number, b: number, dy: number, y: number) => Pair,
  rev: () => Lens<readonly [Pair, number], Pair>,
  check?: (a: number, b: number) => void
): Lens<Pair, number> => {
  const forward = (x: Pair): number => {
    const [u, v] = asNumbers(op, x)
    if (check !== undefined) check(u, v)
    const y = f(u, v)
    if (y - y !== 0) throw overflow(op, 'forward', 'result', y, `inputs [${show(u)}, ${show(v)}]`)
    return y
  }
  const backward = (x: Pair, dy: number, y: number): Pair => {
    const d = b(x[0], x[1], dy, y)
    if (d[0] - d[0] !== 0 || d[1] - d[1] !== 0) {
      const bad = d[0] - d[0] !== 0 ? d[0] : d[1]
      throw overflow(op, 'backward', 'cotangent', bad, `inputs [${show(x[0])}, ${show(x[1])}] and output cotangent ${show(dy)}`)
    }
    return d
  }
  return fromPlan(primPlan(forward as (a: unknown) => unknown, backward as (a: unknown, db: unknown, b: unknown) => unknown, op, null, rev as () => AnyLens))
}

// -------------------------------------------------------------------------------------
// unary
// -------------------------------------------------------------------------------------

/**
 * `x²` (the seed's `Square`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.square, 3)) // [ 9, 6 ]
 *
 * @category unary
 */
export const square: Lens<number, number> = unary(R.square)

/**
 * `eˣ` (the seed's `Exp`); the backward pass reuses the output.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.exp, 0)) // [ 1, 1 ]
 *
 * @category unary
 */
export const exp: Lens<number, number> = unary(R.exp)

/**
 * Natural logarithm; throws a `RangeError` unless `x > 0`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.log, 1)) // [ 0, 1 ]
 *
 * @category unary
 */
export const log: Lens<number, number> = unary(R.log)

/**
 * Sine.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.sin, 0)) // [ 0, 1 ]
 *
 * @category unary
 */
export const sin: Lens<number, number> = unary(R.sin)

/**
 * Cosine.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.cos, 0)) // [ 1, -0 ]
 *
 * @category unary
 */
export const cos: Lens<number, number> = unary(R.cos)

/**
 * Hyperbolic tangent; the backward pass reuses the output (`1 − y²`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.tanh, 0)) // [ 0, 1 ]
 *
 * @category unary
 */
export const tanh: Lens<number, number> = unary(R.tanh)

/**
 * The logistic function `1 / (1 + e⁻ˣ)`, computed without overflow for large `|x|`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.sigmoid, 0)) // [ 0.5, 0.25 ]
 *
 * @category unary
 */
export const sigmoid: Lens<number, number> = unary(R.sigmoid)

/**
 * `max(x, 0)`; the derivative at 0 is taken to be 0.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.relu, -2), Lens.valueAndGrad(Scalar.relu, 2)) // [ 0, 0 ] [ 2, 1 ]
 *
 * @category unary
 */
export const relu: Lens<number, number> = unary(R.relu)

/**
 * `|x|`; the derivative at 0 is taken to be 0.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.abs, -3), Lens.valueAndGrad(Scalar.abs, 0)) // [ 3, -1 ] [ 0, 0 ]
 *
 * @category unary
 */
export const abs: Lens<number, number> = unary(R.abs)

/**
 * Clamps to `[lo, hi]` (finite, `lo ≤ hi`); the gradient passes where `lo ≤ x ≤ hi`,
 * boundaries included (as `torch.clamp`), and is 0 outside.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.clip(0, 1), 0.5), Lens.valueAndGrad(Scalar.clip(0, 1), 3)) // [ 0.5, 1 ] [ 1, 0 ]
 *
 * @category unary
 */
export const clip = (lo: number, hi: number): Lens<number, number> => {
  finiteConstant('Scalar.clip', lo)
  finiteConstant('Scalar.clip', hi)
  if (!(lo <= hi)) throw new RangeError(`Scalar.clip: expected lo <= hi, got lo ${show(lo)} and hi ${show(hi)}`)
  return unary(R.clip(lo, hi))
}

/**
 * `−x`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.neg, 2)) // [ -2, -1 ]
 *
 * @category unary
 */
export const neg: Lens<number, number> = unary(R.neg)

/**
 * Square root; throws a `RangeError` below 0, and in the backward pass at 0 (where the
 * derivative is infinite).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.sqrt, 4)) // [ 2, 0.25 ]
 *
 * @category unary
 */
export const sqrt: Lens<number, number> = unary(R.sqrt)

/**
 * `c·x`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.scale(3), 2)) // [ 6, 3 ]
 *
 * @category unary
 */
export const scale = (c: number): Lens<number, number> => unary(R.scale(finiteConstant('Scalar.scale', c)))

/**
 * `x + c`.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.shift(1), 2)) // [ 3, 1 ]
 *
 * @category unary
 */
export const shift = (c: number): Lens<number, number> => unary(R.shift(finiteConstant('Scalar.shift', c)))

/**
 * `xⁿ` for a constant exponent. For a fractional `n` the base must be ≥ 0 (> 0 when
 * `n < 1`, where the derivative at 0 is infinite); a negative integer `n` needs `x ≠ 0`.
 * Otherwise a `RangeError` names the exponent and the base.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.pow(3), 2)) // [ 8, 12 ]
 *
 * @category unary
 */
export const pow = (n: number): Lens<number, number> => unary(R.pow(finiteConstant('Scalar.pow', n)))

// -------------------------------------------------------------------------------------
// binary
// -------------------------------------------------------------------------------------

/**
 * `a + b` on a pair.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.add, [2, 3])) // [ 5, [ 1, 1 ] ]
 *
 * @category binary
 */
export const add: Lens<readonly [number, number], number> = binary(
  'Scalar.add',
  (a, b) => a + b,
  (_a, _b, dy) => [dy, dy],
  () => shaped<Pair, number, Pair>('Scalar.add′', (_ab, dy) => [dy, dy], (_ab, _dy, [p, q]) => p + q)
)

/**
 * `a − b` on a pair.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.sub, [2, 3])) // [ -1, [ 1, -1 ] ]
 *
 * @category binary
 */
export const sub: Lens<readonly [number, number], number> = binary(
  'Scalar.sub',
  (a, b) => a - b,
  (_a, _b, dy) => [dy, -dy],
  () => shaped<Pair, number, Pair>('Scalar.sub′', (_ab, dy) => [dy, -dy], (_ab, _dy, [p, q]) => p - q)
)

/**
 * `a · b` on a pair.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.mul, [2, 3])) // [ 6, [ 3, 2 ] ]
 *
 * @category binary
 */
export const mul: Lens<readonly [number, number], number> = binary(
  'Scalar.mul',
  (a, b) => a * b,
  (a, b, dy) => [b * dy, a * dy],
  // [[a, b], dy] ↦ [[b, dy], [a, dy]], then both products
  () => pipeAll<unknown>([erase(mulCopies), erase(split(mul, mul))]) as unknown as Lens<readonly [Pair, number], Pair>
)

/**
 * `a / b` on a pair; throws a `RangeError` when `b` is 0.
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(Scalar.div, [3, 2])) // [ 1.5, [ 0.5, -0.75 ] ]
 *
 * @category binary
 */
export const div: Lens<readonly [number, number], number> = binary(
  'Scalar.div',
  (a, b) => a / b,
  // -(a/b)·(dy/b) rather than -a·dy/b², which underflows to 0/0 = NaN for |b| < 1.5e-154;
  // a = 0 or dy = 0 gives exactly 0 (dy/b alone can overflow for subnormal b).
  (a, b, dy) => [dy / b, a === 0 || dy === 0 ? 0 : -(a / b) * (dy / b)],
  // [dy / b, −(a / b)·(dy / b)], from [[dy, b], [[a, b], [dy, b]]]
  () =>
    pipeAll<unknown>([
      erase(divCopies),
      erase(split(div, pipeAll<unknown>([erase(split(div, div)), erase(mul), erase(neg)]) as unknown as Lens<readonly [Pair, Pair], number>))
    ]) as unknown as Lens<readonly [Pair, number], Pair>,
  (_a, b) => {
    if (b === 0) throw domain('Scalar.div', 'division by zero: the denominator must be non-zero', b)
  }
)

// -------------------------------------------------------------------------------------
// higher order: the family the rules' derivatives are written in, and the re-pairings of
// the binary primitives' backward passes
// -------------------------------------------------------------------------------------

const family: R.Family<number> = {
  id: id<number>(),
  pipe: (...lenses) => pipeAll(lenses),
  times: (f, g) => pipeAll<unknown>([erase(fanout(f, g)), erase(mul)]) as unknown as Lens<number, number>,
  scaledBy: (f) => pipeAll<unknown>([erase(first<number, number, number>(f)), erase(mul)]) as unknown as Lens<Pair, number>,
  sin,
  cos,
  exp,
  tanh,
  sigmoid,
  square,
  neg,
  scale,
  shift,
  pow,
  step: unary(R.step),
  sign: unary(R.sign),
  indicator: (lo, hi) => unary(R.indicator(lo, hi))
}

/** `[[a, b], dy] ↦ [[b, dy], [a, dy]]` (its transpose adds the two copies of `dy`). */
const mulCopies = linear<readonly [Pair, number], readonly [Pair, Pair]>(
  'Scalar.mul′',
  ([[a, b], dy]) => [
    [b, dy],
    [a, dy]
  ],
  (_x, [[pb, pdy1], [pa, pdy2]]) => [[pa, pb], pdy1 + pdy2]
)

/** `[[a, b], dy] ↦ [[dy, b], [[a, b], [dy, b]]]`. */
const divCopies = linear<readonly [Pair, number], readonly [Pair, readonly [Pair, Pair]]>(
  'Scalar.div′',
  ([[a, b], dy]) => [
    [dy, b],
    [
      [a, b],
      [dy, b]
    ]
  ],
  (_x, [[pdy1, pb1], [[pa, pb2], [pdy2, pb3]]]) => [[pa, pb1 + pb2 + pb3], pdy1 + pdy2]
)
