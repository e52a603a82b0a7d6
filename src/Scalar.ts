/**
 * Primitive lenses on `number`, and on pairs of numbers (`readonly [number, number]`).
 *
 * Out-of-domain input throws a `RangeError` that names the operation and the value, in the
 * forward pass where the value is out of the function's domain (`log` of 0 or less, `sqrt`
 * below 0, `div` by 0, `pow` of a negative base to a fractional power) and in the backward
 * pass where the function is defined but its derivative is not finite (`sqrt` at 0, `pow`
 * with exponent below 1 at 0). No primitive silently answers `NaN` or an infinity for a
 * finite input. `relu` takes the derivative 0 at its kink, as PyTorch and JAX do.
 *
 * Every primitive is checked against finite differences by the test suite.
 *
 * @module Scalar
 */
import { make, type Lens } from './Lens.js'


const domain = (op: string, requirement: string, value: number): RangeError =>
  new RangeError(`Scalar.${op}: ${requirement}, got ${value}`)

const finiteConstant = (op: string, c: number): number => {
  if (typeof c !== 'number' || !Number.isFinite(c)) throw domain(op, 'the constant must be a finite number', c)
  return c
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
export const square: Lens<number, number> = make({
  forward: (x) => x * x,
  backward: (x, dy) => 2 * x * dy
})

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
export const exp: Lens<number, number> = make({
  forward: Math.exp,
  backward: (_x, dy, y) => y * dy
})

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
export const log: Lens<number, number> = make({
  forward: (x) => {
    if (!(x > 0)) throw domain('log', 'input must be > 0', x)
    return Math.log(x)
  },
  backward: (x, dy) => dy / x
})

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
export const sin: Lens<number, number> = make({
  forward: Math.sin,
  backward: (x, dy) => Math.cos(x) * dy
})

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
export const cos: Lens<number, number> = make({
  forward: Math.cos,
  backward: (x, dy) => -Math.sin(x) * dy
})

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
export const tanh: Lens<number, number> = make({
  forward: Math.tanh,
  backward: (_x, dy, y) => (1 - y * y) * dy
})

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
export const sigmoid: Lens<number, number> = make({
  forward: (x) => {
    if (x >= 0) return 1 / (1 + Math.exp(-x))
    const e = Math.exp(x)
    return e / (1 + e)
  },
  backward: (_x, dy, y) => y * (1 - y) * dy
})

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
export const relu: Lens<number, number> = make({
  forward: (x) => (x > 0 ? x : 0),
  backward: (x, dy) => (x > 0 ? dy : 0)
})

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
export const neg: Lens<number, number> = make({
  forward: (x) => -x,
  backward: (_x, dy) => -dy
})

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
export const sqrt: Lens<number, number> = make({
  forward: (x) => {
    if (!(x >= 0)) throw domain('sqrt', 'input must be >= 0', x)
    return Math.sqrt(x)
  },
  backward: (x, dy, y) => {
    if (x === 0) throw domain('sqrt', 'the derivative is infinite at 0', x)
    return dy / (2 * y)
  }
})

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
export const scale = (c: number): Lens<number, number> => {
  finiteConstant('scale', c)
  return make({ forward: (x) => c * x, backward: (_x, dy) => c * dy })
}

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
export const shift = (c: number): Lens<number, number> => {
  finiteConstant('shift', c)
  return make({ forward: (x) => x + c, backward: (_x, dy) => dy })
}

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
export const pow = (n: number): Lens<number, number> => {
  finiteConstant('pow', n)
  const integer = Number.isInteger(n)
  const check = (x: number): void => {
    if (integer ? n < 0 && x === 0 : n < 1 ? !(x > 0) : !(x >= 0)) {
      throw domain(`pow(${n})`, integer ? 'base must be non-zero for a negative exponent' : 'base out of domain', x)
    }
  }
  return make({
    forward: (x) => {
      check(x)
      return x ** n
    },
    backward: (x, dy) => (n === 0 ? 0 : n * x ** (n - 1) * dy)
  })
}

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
export const add: Lens<readonly [number, number], number> = make<readonly [number, number], number>({
  forward: ([a, b]) => a + b,
  backward: (_x, dy) => [dy, dy]
})

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
export const sub: Lens<readonly [number, number], number> = make<readonly [number, number], number>({
  forward: ([a, b]) => a - b,
  backward: (_x, dy) => [dy, -dy]
})

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
export const mul: Lens<readonly [number, number], number> = make<readonly [number, number], number>({
  forward: ([a, b]) => a * b,
  backward: ([a, b], dy) => [b * dy, a * dy]
})

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
export const div: Lens<readonly [number, number], number> = make<readonly [number, number], number>({
  forward: ([a, b]) => {
    if (b === 0) throw domain('div', 'division by zero: the denominator must be non-zero', b)
    return a / b
  },
  // -(a/b)·(dy/b) rather than -a·dy/b², which underflows to 0/0 = NaN for |b| < 1.5e-154;
  // a = 0 or dy = 0 gives exactly 0 (dy/b alone can overflow for subnormal b).
  backward: ([a, b], dy) => [dy / b, a === 0 || dy === 0 ? 0 : -(a / b) * (dy / b)]
})
