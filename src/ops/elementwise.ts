/**
 * Elementwise primitive lenses on tensors: every function of `Scalar`, from the same rule
 * table (so `ops.sin` and `Scalar.sin` agree to the last bit). Each maps a tensor to a
 * tensor of the same shape, and its backward pass applies the rule's backward pass to every
 * element (reusing the output where the derivative is a function of it: `exp`, `tanh`,
 * `sigmoid`, `sqrt`).
 *
 * Domains are those of `Scalar`, checked on every element: out-of-domain input throws a
 * `RangeError` naming the op, the requirement, the value and its index
 * (`ops.log: input must be > 0, got -1 at index [1, 2]`), in the forward pass where the
 * value is outside the function's domain and in the backward pass where the derivative is
 * infinite (`sqrt` at 0, `pow(n)` with `n < 1` at 0).
 *
 * No op answers `NaN` or an infinity for finite input: a result or cotangent that
 * overflows (`exp` above about 709.78, `square` of 1e200, the backward pass of `log` at
 * 5e-324) throws a `RangeError` naming the op, the pass, the first bad index, the shape and
 * the input there (`ops.exp: the result is not finite (Infinity) in the forward pass, at
 * index [1] of shape [2], from input 1000`). Keep inputs in range (for instance with
 * `logSoftmax` rather than `log` of `softmax`).
 *
 * Derivatives at kinks follow PyTorch: `relu′(0) = 0`, `abs′(0) = 0`; `clip(lo, hi)` lets
 * the gradient through on the closed interval `lo ≤ x ≤ hi` (as `torch.clamp`) and
 * nowhere else.
 *
 * Higher order: each op's backward pass is also a lens, `[x, dy] ↦ f′(x)·dy`, with `f′` the
 * rule table's derivative written with these ops (`cos` for `sin`, `1 − tanh²` for `tanh`, a
 * step for `relu`, …), so it can be differentiated again; for the affine ops it is `c·dy`.
 *
 * @module ops/elementwise
 */
// One piece, past 400 lines: one short lens per rule of `internal/rules.ts`, the tensor family
// the rules' derivatives are written in, and their doc comments with runnable examples.
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import { fanout, first, fst, id, pipeAll, snd } from '../Lens.js'
import { cotangentOf, fromPlan } from '../internal/cps.js'
import type { Lens } from '../internal/lens.js'
import { erase, primPlan, type AnyLens } from '../internal/plan.js'
import * as R from '../internal/rules.js'
import { shaped, zeroOf } from '../internal/structure.js'
import { chain, once, validated } from '../internal/tensor-structure.js'
import { checkCotangent, checkFiniteResult, checkTensor, sameShape, showIndex, showShape, unravel, unsafeFromData, type Tensor } from '../internal/tensor.js'
import * as K from '../kernels/index.js'

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const finiteConstant = (op: string, what: string, c: unknown): number => {
  if (typeof c !== 'number' || !Number.isFinite(c)) {
    throw new RangeError(`${op}: ${what} must be a finite number, got ${String(c)}`)
  }
  return c
}

/** Throws naming `op`, the requirement and the first element of `t` outside the domain. */
const requireAll = (op: string, t: Tensor, domain: R.Domain): void => {
  const i = K.findInvalid(t.data, domain.ok)
  if (i >= 0) {
    throw new RangeError(`${op}: ${domain.requirement}, got ${t.data[i] as number} at index ${showIndex(unravel(i, t.shape))}`)
  }
}

/** Loops faster than the rule's per-element functions, for the hottest rules (a test checks they agree). */
interface Fused {
  readonly forward?: (x: ReadonlyFloat64Array) => Float64Array
  readonly backward?: (x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array, y: ReadonlyFloat64Array) => Float64Array
}

/**
 * The tensor lens of an elementwise rule: the rule's function on every element forward,
 * its backward pass on every element backward, domains checked, and every result and
 * cotangent checked finite (the error names the first bad index and the input there).
 */
const elementwise = (rule: R.UnaryRule, op = `ops.${rule.name}`, fused: Fused = {}): Lens<Tensor, Tensor> => {
  const { domain, backDomain, affine } = rule
  const forwardLoop =
    fused.forward ?? (affine !== null ? (x: ReadonlyFloat64Array) => K.affine(x, affine[0], affine[1]) : (x: ReadonlyFloat64Array) => K.map(x, rule.forward))
  const backwardLoop =
    fused.backward ??
    (affine !== null
      ? (_x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array) => K.affine(dy, affine[0], 0)
      : (x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array, y: ReadonlyFloat64Array) => K.mapVjp(x, dy, y, rule.backward))
  const passThrough = affine !== null && affine[0] === 1
  // the backward lens's own checks, with the first-order pass's messages
  const checkRule = (a: unknown, dy: Tensor): void => {
    const x = checkTensor(op, a)
    checkCotangent(op, dy, x.shape)
    if (domain !== null) requireAll(op, x, domain)
    if (backDomain !== null) requireAll(op, x, backDomain)
  }
  const backward = (a: unknown, db: unknown, b: unknown): Tensor => {
    const x = a as Tensor
    const dy = checkCotangent(op, db, x.shape)
    if (backDomain !== null) requireAll(op, x, backDomain)
    if (passThrough) return dy
    const dx = backwardLoop(x.data, dy.data, (b as Tensor).data)
    checkFiniteResult(op, 'backward', dx, x.shape, (i) => `from input ${x.data[i] as number} and output cotangent ${dy.data[i] as number}`)
    return unsafeFromData(x.shape, dx)
  }
  const plan = primPlan(
    (a) => {
      const x = checkTensor(op, a)
      if (domain !== null) requireAll(op, x, domain)
      const y = forwardLoop(x.data)
      checkFiniteResult(op, 'forward', y, x.shape, (i) => `from input ${x.data[i] as number}`)
      return unsafeFromData(x.shape, y)
    },
    backward,
    op,
    null,
    once(() => (affine !== null ? affineReverse(op, affine[0]) : chain(validated(op, checkRule), family.scaledBy(rule.derivative(family)))))
  )
  // The pullback of [x, dy] ↦ f′(x)·dy at u, in closed form (as Scalar's): [f″(x)·dy·u, f′(x)·u],
  // f″(x)·c being the cotangent of the derivative lens (made when first needed) and f′(x)·u the
  // first-order backward pass; an affine op's f″ is 0.
  let secondDerivative: ((x: unknown, c: unknown) => unknown) | null = null
  plan.second = (x, dy, y, u, wantX) => {
    const du = backward(x, u, y)
    if (!wantX) return [undefined, du]
    if (affine !== null) return [zeroOf(x), du]
    const d = dy as Tensor
    const c = unsafeFromData(d.shape, K.zip(K.MUL, d.data, (u as Tensor).data))
    return [(secondDerivative ??= cotangentOf(erase(rule.derivative(family))))(x, c), du]
  }
  return fromPlan(plan)
}

/**
 * The backward pass of `x ↦ c·x + d` as a lens, `[x, dy] ↦ c·dy`: linear in `dy`, and reading
 * `x` only for its shape.
 */
const affineReverse = (op: string, c: number): AnyLens => {
  // named `op` where it runs as the op's backward pass, `op′` as that pass's own backward pass
  const times = (name: string, shape: Tensor['shape'], w: unknown): Tensor => {
    const t = checkCotangent(name, w, shape)
    if (c === 1) return t
    const out = K.affine(t.data, c, 0)
    checkFiniteResult(name, 'backward', out, shape, (i) => `from cotangent ${t.data[i] as number}`)
    return unsafeFromData(shape, out)
  }
  return erase(
    shaped<Tensor, Tensor, Tensor>(
      `${op}′`,
      (x, dy) => times(op, checkTensor(op, x).shape, dy),
      (_x, dy, w) => times(`${op}′`, dy.shape, w)
    )
  )
}

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
export const square: Lens<Tensor, Tensor> = elementwise(R.square)

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
export const exp: Lens<Tensor, Tensor> = elementwise(R.exp, 'ops.exp', { backward: (_x, dy, y) => K.zip(K.MUL, dy, y) })

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
export const log: Lens<Tensor, Tensor> = elementwise(R.log)

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
export const sin: Lens<Tensor, Tensor> = elementwise(R.sin)

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
export const cos: Lens<Tensor, Tensor> = elementwise(R.cos)

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
export const tanh: Lens<Tensor, Tensor> = elementwise(R.tanh)

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
export const sigmoid: Lens<Tensor, Tensor> = elementwise(R.sigmoid)

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
export const neg: Lens<Tensor, Tensor> = elementwise(R.neg)

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
export const sqrt: Lens<Tensor, Tensor> = elementwise(R.sqrt)

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
export const scale = (c: number): Lens<Tensor, Tensor> => elementwise(R.scale(finiteConstant('ops.scale', 'the constant', c)))

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
export const shift = (c: number): Lens<Tensor, Tensor> => elementwise(R.shift(finiteConstant('ops.shift', 'the constant', c)))

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
export const pow = (n: number): Lens<Tensor, Tensor> => elementwise(R.pow(finiteConstant('ops.pow', 'the exponent', n)))

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
export const relu: Lens<Tensor, Tensor> = elementwise(R.relu, 'ops.relu', { forward: K.relu, backward: (x, dy) => K.reluBackward(x, dy) })

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
export const abs: Lens<Tensor, Tensor> = elementwise(R.abs)

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
  return elementwise(R.clip(lo, hi))
}

// -------------------------------------------------------------------------------------
// higher order: the family the rules' derivatives are written in
// -------------------------------------------------------------------------------------

/**
 * `[a, b] ↦ a·b` for tensors of one shape: the product the rules' backward passes are written
 * with (kept here rather than borrowing `ops.mul`, whose module builds on this one).
 */
const product: Lens<readonly [Tensor, Tensor], Tensor> = fromPlan(
  primPlan(
    (ab) => {
      const op = 'ops.mul (same shapes)'
      if (!Array.isArray(ab) || ab.length !== 2) throw new TypeError(`${op}: expected a pair of tensors`)
      const a = checkTensor(`${op} (first input)`, ab[0])
      const b = checkTensor(`${op} (second input)`, ab[1])
      if (!sameShape(a.shape, b.shape)) {
        throw new RangeError(`${op}: shapes ${showShape(a.shape)} and ${showShape(b.shape)} differ`)
      }
      const y = K.zip(K.MUL, a.data, b.data)
      checkFiniteResult(op, 'forward', y, a.shape, (i) => `from inputs ${a.data[i] as number} and ${b.data[i] as number}`)
      return unsafeFromData(a.shape, y)
    },
    (ab, dy) => {
      const [a, b] = ab as readonly [Tensor, Tensor]
      const d = checkCotangent('ops.mul (same shapes)', dy, a.shape)
      return [unsafeFromData(a.shape, K.zip(K.MUL, d.data, b.data)), unsafeFromData(a.shape, K.zip(K.MUL, d.data, a.data))]
    },
    'ops.mul (same shapes)',
    null,
    // [[a, b], dy] ↦ [dy·b, dy·a]
    once(() => erase(fanout(chain(fanout(erase(snd()), chain(fst(), snd())), product), chain(fanout(erase(snd()), chain(fst(), fst())), product))))
  )
)

const family: R.Family<Tensor> = {
  id: id<Tensor>(),
  pipe: (...lenses) => pipeAll(lenses),
  times: (f, g) => chain(fanout(f, g), product) as unknown as Lens<Tensor, Tensor>,
  scaledBy: (f) => chain(first(f), product) as unknown as Lens<readonly [Tensor, Tensor], Tensor>,
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
  step: elementwise(R.step, 'ops.step'),
  sign: elementwise(R.sign, 'ops.sign'),
  indicator: (lo, hi) => elementwise(R.indicator(lo, hi))
}
