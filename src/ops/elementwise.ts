/**
 * Elementwise primitive lenses on tensors: every function of `Scalar`, plus `abs` and
 * `clip`. Each maps a tensor to a tensor of the same shape, and its backward pass
 * multiplies the cotangent by the derivative elementwise (reusing the output where the
 * derivative is a function of it: `exp`, `tanh`, `sigmoid`, `sqrt`).
 *
 * Domains are those of `Scalar`, checked on every element: out-of-domain input throws a
 * `RangeError` naming the op, the requirement, the value and its index
 * (`ops.log: input must be > 0, got -1 at index [1, 2]`), in the forward pass where the
 * value is outside the function's domain and in the backward pass where the derivative is
 * infinite (`sqrt` at 0, `pow(n)` with `n < 1` at 0).
 *
 * Like `Math.exp`, `exp` (and `square`, `pow(n)`) overflow to `Infinity` for inputs too
 * large for float64 (`exp` above about 709.78); keep inputs in range (for instance with
 * `logSoftmax` rather than `log` of `softmax`).
 *
 * Derivatives at kinks follow PyTorch: `relu′(0) = 0`, `abs′(0) = 0`; `clip(lo, hi)` lets
 * the gradient through on the closed interval `lo ≤ x ≤ hi` (as `torch.clamp`) and
 * nowhere else.
 *
 * @module ops/elementwise
 */
import { make, type Lens } from '../Lens.js'
import * as K from '../kernels/index.js'
import { checkCotangent, checkTensor, showIndex, unravel, unsafeFromData, type Tensor } from '../internal/tensor.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const finiteConstant = (op: string, what: string, c: unknown): number => {
  if (typeof c !== 'number' || !Number.isFinite(c)) {
    throw new RangeError(`${op}: ${what} must be a finite number, got ${String(c)}`)
  }
  return c
}

/** Throws naming `op`, the requirement and the first element of `t` that fails `ok`. */
const requireAll = (op: string, t: Tensor, ok: (v: number) => boolean, requirement: string): void => {
  const i = K.findInvalid(t.data, ok)
  if (i >= 0) {
    throw new RangeError(`${op}: ${requirement}, got ${t.data[i] as number} at index ${showIndex(unravel(i, t.shape))}`)
  }
}

/**
 * An elementwise lens from `f` and its derivative `df(x, y)` (which may use the output
 * `y = f(x)`); `check`, if given, validates the input in the forward pass and
 * `checkBackward` in the backward pass.
 */
const elementwise = (
  op: string,
  f: (x: number) => number,
  df: (x: number, y: number) => number,
  check?: (x: Tensor) => void,
  checkBackward?: (x: Tensor) => void
): Lens<Tensor, Tensor> =>
  make<Tensor, Tensor>({
    forward: (x) => {
      const t = checkTensor(op, x)
      if (check !== undefined) check(t)
      return unsafeFromData(t.shape, K.map(t.data, f))
    },
    backward: (x, dy, y) => {
      const d = checkCotangent(op, dy, x.shape)
      if (checkBackward !== undefined) checkBackward(x)
      return unsafeFromData(x.shape, K.mapBackward(x.data, y.data, d.data, df))
    }
  })

// -------------------------------------------------------------------------------------
// smooth functions
// -------------------------------------------------------------------------------------

/**
 * `x²`, elementwise.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, dx] = Lens.valueAndGrad(ops.square, Tensor.fromNested([1, -2]), Tensor.ones([2]))
 * console.log(y.data, dx.data) // Float64Array(2) [ 1, 4 ] Float64Array(2) [ 2, -4 ]
 *
 * @category elementwise
 */
export const square: Lens<Tensor, Tensor> = elementwise(
  'ops.square',
  (x) => x * x,
  (x) => 2 * x
)

/**
 * `eˣ`, elementwise; the backward pass reuses the output.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, dx] = Lens.valueAndGrad(ops.exp, Tensor.fromNested([0, 1]), Tensor.ones([2]))
 * console.log(y.data, dx.data) // Float64Array(2) [ 1, 2.718281828459045 ] Float64Array(2) [ 1, 2.718281828459045 ]
 *
 * @category elementwise
 */
export const exp: Lens<Tensor, Tensor> = make<Tensor, Tensor>({
  forward: (x) => {
    const t = checkTensor('ops.exp', x)
    return unsafeFromData(t.shape, K.map(t.data, Math.exp))
  },
  backward: (x, dy, y) => unsafeFromData(x.shape, K.zip(K.MUL, checkCotangent('ops.exp', dy, x.shape).data, y.data))
})

/**
 * Natural logarithm, elementwise; every element must be > 0.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.backPropagateConst(ops.log, Tensor.ones([2]), Tensor.fromNested([1, 4])).data) // Float64Array(2) [ 1, 0.25 ]
 * try { Lens.evaluate(ops.log, Tensor.fromNested([[1, 2], [3, -1]])) } catch (e) { console.log((e as Error).message) } // ops.log: input must be > 0, got -1 at index [1, 1]
 *
 * @category elementwise
 */
export const log: Lens<Tensor, Tensor> = elementwise(
  'ops.log',
  Math.log,
  (x) => 1 / x,
  (t) => requireAll('ops.log', t, (v) => v > 0, 'input must be > 0')
)

/**
 * Sine, elementwise.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.backPropagateConst(ops.sin, Tensor.ones([1]), Tensor.fromNested([0])).data) // Float64Array(1) [ 1 ]
 *
 * @category elementwise
 */
export const sin: Lens<Tensor, Tensor> = elementwise('ops.sin', Math.sin, Math.cos)

/**
 * Cosine, elementwise.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(ops.cos, Tensor.fromNested([0])).data) // Float64Array(1) [ 1 ]
 *
 * @category elementwise
 */
export const cos: Lens<Tensor, Tensor> = elementwise('ops.cos', Math.cos, (x) => -Math.sin(x))

/**
 * Hyperbolic tangent, elementwise; the backward pass reuses the output (`1 − y²`).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.backPropagateConst(ops.tanh, Tensor.ones([1]), Tensor.fromNested([0])).data) // Float64Array(1) [ 1 ]
 *
 * @category elementwise
 */
export const tanh: Lens<Tensor, Tensor> = elementwise('ops.tanh', Math.tanh, (_x, y) => 1 - y * y)

const logistic = (x: number): number => {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/**
 * The logistic function `1 / (1 + e⁻ˣ)`, elementwise, without overflow for large `|x|`;
 * the backward pass reuses the output (`y·(1 − y)`).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(ops.sigmoid, Tensor.fromNested([0]), Tensor.ones([1])).map((t) => t.data)) // [ Float64Array(1) [ 0.5 ], Float64Array(1) [ 0.25 ] ]
 *
 * @category elementwise
 */
export const sigmoid: Lens<Tensor, Tensor> = elementwise('ops.sigmoid', logistic, (_x, y) => y * (1 - y))

/**
 * `−x`, elementwise.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(ops.neg, Tensor.fromNested([1, -2])).data) // Float64Array(2) [ -1, 2 ]
 *
 * @category elementwise
 */
export const neg: Lens<Tensor, Tensor> = make<Tensor, Tensor>({
  forward: (x) => {
    const t = checkTensor('ops.neg', x)
    return unsafeFromData(t.shape, K.affine(t.data, -1, 0))
  },
  backward: (x, dy) => unsafeFromData(x.shape, K.affine(checkCotangent('ops.neg', dy, x.shape).data, -1, 0))
})

/**
 * Square root, elementwise; every element must be ≥ 0, and > 0 in the backward pass
 * (the derivative is infinite at 0).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(ops.sqrt, Tensor.fromNested([4]), Tensor.ones([1])).map((t) => t.data)) // [ Float64Array(1) [ 2 ], Float64Array(1) [ 0.25 ] ]
 *
 * @category elementwise
 */
export const sqrt: Lens<Tensor, Tensor> = elementwise(
  'ops.sqrt',
  Math.sqrt,
  (_x, y) => 1 / (2 * y),
  (t) => requireAll('ops.sqrt', t, (v) => v >= 0, 'input must be >= 0'),
  (t) => requireAll('ops.sqrt', t, (v) => v !== 0, 'the derivative is infinite at 0')
)

/**
 * `c·x`, elementwise, for a finite constant `c`.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(ops.scale(3), Tensor.fromNested([1, 2])).data) // Float64Array(2) [ 3, 6 ]
 *
 * @category elementwise
 */
export const scale = (c: number): Lens<Tensor, Tensor> => {
  finiteConstant('ops.scale', 'the constant', c)
  return make<Tensor, Tensor>({
    forward: (x) => unsafeFromData(checkTensor('ops.scale', x).shape, K.affine(x.data, c, 0)),
    backward: (x, dy) => unsafeFromData(x.shape, K.affine(checkCotangent('ops.scale', dy, x.shape).data, c, 0))
  })
}

/**
 * `x + c`, elementwise, for a finite constant `c`; the cotangent passes through unchanged.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(ops.shift(1), Tensor.fromNested([1, 2])).data) // Float64Array(2) [ 2, 3 ]
 *
 * @category elementwise
 */
export const shift = (c: number): Lens<Tensor, Tensor> => {
  finiteConstant('ops.shift', 'the constant', c)
  return make<Tensor, Tensor>({
    forward: (x) => unsafeFromData(checkTensor('ops.shift', x).shape, K.affine(x.data, 1, c)),
    backward: (x, dy) => checkCotangent('ops.shift', dy, x.shape)
  })
}

/**
 * `xⁿ`, elementwise, for a constant exponent `n` (for a tensor exponent, see `power`).
 * Domains as `Scalar.pow`: for a fractional `n` every element must be ≥ 0 (> 0 when
 * `n < 1`), and a negative integer `n` needs non-zero elements.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * console.log(Lens.valueAndGrad(ops.pow(3), Tensor.fromNested([2]), Tensor.ones([1])).map((t) => t.data)) // [ Float64Array(1) [ 8 ], Float64Array(1) [ 12 ] ]
 *
 * @category elementwise
 */
export const pow = (n: number): Lens<Tensor, Tensor> => {
  finiteConstant('ops.pow', 'the exponent', n)
  const op = `ops.pow(${n})`
  const check: ((t: Tensor) => void) | undefined = Number.isInteger(n)
    ? n < 0
      ? (t) => requireAll(op, t, (v) => v !== 0, 'base must be non-zero for a negative exponent')
      : undefined
    : n < 1
      ? (t) => requireAll(op, t, (v) => v > 0, 'base must be > 0 for an exponent below 1')
      : (t) => requireAll(op, t, (v) => v >= 0, 'base must be >= 0 for a fractional exponent')
  if (n === 2) return elementwise(op, (x) => x * x, (x) => 2 * x, check)
  return elementwise(
    op,
    (x) => x ** n,
    (x) => (n === 0 ? 0 : n * x ** (n - 1)),
    check
  )
}

// -------------------------------------------------------------------------------------
// piecewise functions
// -------------------------------------------------------------------------------------

/**
 * `max(x, 0)`, elementwise; the derivative at 0 is 0 (as PyTorch and JAX).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, dx] = Lens.valueAndGrad(ops.relu, Tensor.fromNested([-1, 0, 2]), Tensor.ones([3]))
 * console.log(y.data, dx.data) // Float64Array(3) [ 0, 0, 2 ] Float64Array(3) [ 0, 0, 1 ]
 *
 * @category piecewise
 */
export const relu: Lens<Tensor, Tensor> = make<Tensor, Tensor>({
  forward: (x) => unsafeFromData(checkTensor('ops.relu', x).shape, K.relu(x.data)),
  backward: (x, dy) => unsafeFromData(x.shape, K.reluBackward(x.data, checkCotangent('ops.relu', dy, x.shape).data))
})

/**
 * `|x|`, elementwise; the derivative at 0 is 0 (the sign of 0, as PyTorch).
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, dx] = Lens.valueAndGrad(ops.abs, Tensor.fromNested([-3, 0, 2]), Tensor.ones([3]))
 * console.log(y.data, dx.data) // Float64Array(3) [ 3, 0, 2 ] Float64Array(3) [ -1, 0, 1 ]
 *
 * @category piecewise
 */
export const abs: Lens<Tensor, Tensor> = elementwise('ops.abs', Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0))

/**
 * Clamps every element to `[lo, hi]` (finite, `lo ≤ hi`). The gradient passes where
 * `lo ≤ x ≤ hi`, boundaries included (as `torch.clamp`), and is 0 outside.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const [y, dx] = Lens.valueAndGrad(ops.clip(0, 1), Tensor.fromNested([-1, 0.5, 3]), Tensor.ones([3]))
 * console.log(y.data, dx.data) // Float64Array(3) [ 0, 0.5, 1 ] Float64Array(3) [ 0, 1, 0 ]
 *
 * @category piecewise
 */
export const clip = (lo: number, hi: number): Lens<Tensor, Tensor> => {
  finiteConstant('ops.clip', 'the lower bound', lo)
  finiteConstant('ops.clip', 'the upper bound', hi)
  if (!(lo <= hi)) throw new RangeError(`ops.clip: expected lo <= hi, got lo ${lo} and hi ${hi}`)
  return elementwise(
    `ops.clip(${lo}, ${hi})`,
    (x) => (x < lo ? lo : x > hi ? hi : x),
    (x) => (x >= lo && x <= hi ? 1 : 0)
  )
}
