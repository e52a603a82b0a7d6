/**
 * What the backward passes of `ops` written as lenses are made of, besides the ops
 * themselves: un-broadcasting (a sum to an operand's shape) and broadcasting back, constants
 * that depend on their input only through its shape (`shaped` steps, see
 * `internal/structure.ts`, so their derivatives of every order exist), and
 * {@link withReverse}, which gives a first-order primitive its backward pass as a lens.
 *
 * @internal
 * @module internal/tensor-structure
 */
import { fromPlan } from './cps.js'
import type { Lens } from './lens.js'
import { PRIM, VJP, erase, planOf, primPlan, seqPlan, vjpPlan, type AnyLens, type Bwd, type Fn, type Second, type Vjp } from './plan.js'
import { shaped, zeroOf } from './structure.js'
import { describe } from './guards.js'
import { Tensor, checkCotangent, checkTensor, showShape, unsafeFromData, type Shape } from './tensor.js'
import * as K from '../kernels/index.js'

type Pair = readonly [Tensor, Tensor]

// -------------------------------------------------------------------------------------
// building a primitive's backward pass as a lens
// -------------------------------------------------------------------------------------

/**
 * @internal A backward-lens thunk that builds its lens once: the second-order engine asks a
 * step for its backward lens on every run.
 */
export const once = (make: () => AnyLens): (() => AnyLens) => {
  let made: AnyLens | null = null
  return () => (made ??= make())
}

/**
 * @internal The same primitive as `lens` (a PRIM or VJP plan: its forward and first-order
 * backward pass, untouched), named `name`, with its backward pass written as a lens: `rev`
 * builds it when a higher derivative is first asked for. `second`, for a PRIM, is the pullback
 * of its backward pass in closed form (see `Plan.second`), which the second-order engine runs
 * instead of `rev`'s lens; `'linear'` for an op linear in its input ({@link linearSecond}).
 */
export const withReverse = <A, B>(
  name: string,
  lens: Lens<A, B>,
  rev: () => Lens<readonly [A, B], A>,
  second: Second | 'linear' | null = null
): Lens<A, B> => {
  const p = planOf(erase(lens))
  const thunk = once(rev as () => AnyLens)
  if (p.tag === PRIM) {
    const forward = p.forward as Fn
    const plan = primPlan(forward, p.backward as Bwd, name, p.guard, thunk)
    plan.second = second === 'linear' ? linearSecond(forward) : second
    return fromPlan(plan)
  }
  if (p.tag === VJP) {
    const plan = vjpPlan(p.vjp as Vjp, p.forward, name)
    plan.rev = thunk
    return fromPlan(plan)
  }
  throw new TypeError(`withReverse: ${name} is not a primitive`)
}

/**
 * @internal The closed-form pullback of a *linear* op's backward pass `[x, dy] ↦ Jᵀ·dy` at the
 * cotangent `u`: nothing for `x` (a zero), and `J·u = forward(u)` for `dy`.
 */
export const linearSecond =
  (forward: Fn): Second =>
  (x, _dy, _y, u, wantX) => [wantX ? zeroOf(x) : undefined, forward(u)]

/**
 * @internal The composition of lenses given in the order they run, their types erased: the
 * backward lenses of ops are plumbing of pairs that the types would only clutter (the tests
 * check them against the first-order passes).
 */
export const chain = (...parts: ReadonlyArray<object>): AnyLens =>
  parts.length === 1 ? (parts[0] as AnyLens) : fromPlan(seqPlan(parts.map((part) => planOf(part as AnyLens))))

// -------------------------------------------------------------------------------------
// steps of backward lenses
// -------------------------------------------------------------------------------------

/** Whether `from` broadcasts to `to` (numpy's rules: aligned on the last axis, 1s stretch). */
const broadcastsTo = (from: Shape, to: Shape): boolean => {
  if (from.length > to.length) return false
  const offset = to.length - from.length
  for (let i = 0; i < from.length; i++) {
    const d = from[i] as number
    if (d !== 1 && d !== to[i + offset]) return false
  }
  return true
}

const requireBroadcast = (op: string, from: Shape, to: Shape): void => {
  if (!broadcastsTo(from, to)) throw new RangeError(`${op}: shape ${showShape(from)} does not broadcast to ${showShape(to)}`)
}

/**
 * @internal `w` broadcast to `shape` (which `w`'s shape broadcasts to): the transpose of
 * summing to `w`'s shape. Returns `w` itself when nothing is broadcast.
 */
export const broadcastTo = (w: Tensor, shape: Shape): Tensor => {
  if (w.size === K.product(shape)) return w.shape === shape ? w : unsafeFromData(shape, w.data)
  const offset = shape.length - w.shape.length
  const reduced = shape.map((d, i) => i < offset || (w.shape[i - offset] as number) !== d)
  return unsafeFromData(shape, K.expandAxes(w.data, shape, reduced))
}

/**
 * @internal `u` summed over the axes along which `shape` is broadcast to `u`'s shape (the
 * cotangent of a broadcast operand). Returns `u` itself when nothing is broadcast.
 */
export const sumToShape = (u: Tensor, shape: Shape): Tensor => {
  const size = K.product(shape)
  if (size === u.size) return u.shape === shape ? u : unsafeFromData(shape, u.data)
  return unsafeFromData(shape, K.sumTo(u.data, u.shape, shape, size))
}

/**
 * @internal `[s, u] ↦ u` summed to the shape of `s` (un-broadcasting: the cotangent of an
 * operand `s` from one of the broadcast output's shape); its transpose broadcasts back. The
 * derivative in `s` is zero: only its shape is read.
 */
export const sumToShapeOf: Lens<Pair, Tensor> = shaped<Tensor, Tensor, Tensor>(
  'sumTo',
  (s, u) => {
    checkTensor('sumTo', s)
    checkTensor('sumTo', u)
    requireBroadcast('sumTo', s.shape, u.shape)
    return sumToShape(u, s.shape)
  },
  (s, u, w) => broadcastTo(checkCotangent('sumTo′', w, s.shape), u.shape)
)

/**
 * @internal A lens `x ↦ f(x)` whose value depends on `x` only through its shape (a constant
 * for each shape: the dense targets of a loss): its backward pass is zero, to every order.
 */
export const shapeConstant = <A, B>(name: string, f: (x: A) => B): Lens<A, B> =>
  fromPlan(
    primPlan(
      f as (x: unknown) => unknown,
      (x) => zeroOf(x),
      name,
      null,
      once(() =>
        erase(
          shaped<A, B, A>(
            `${name}′`,
            (x) => zeroOf(x) as A,
            (_x, dy) => zeroOf(dy) as B
          )
        )
      )
    )
  )

/**
 * @internal The identity on `[x, dy]` that first runs `check(x, dy)`: the first step of a
 * backward lens written with other ops, so that a cotangent of the wrong shape (or an input
 * outside the derivative's domain) is named after the op rather than after a step inside it.
 * Only the forward pass checks: its backward passes, of every order, are identities on
 * cotangents, which the checks are not about.
 */
export const validated = <A>(op: string, check: (x: A, dy: Tensor) => void): Lens<readonly [A, Tensor], readonly [A, Tensor]> =>
  fromPlan(
    primPlan(
      (xdy) => {
        if (!Array.isArray(xdy) || xdy.length !== 2) throw new TypeError(`${op}: expected a pair [input, cotangent], got ${describe(xdy)}`)
        check(xdy[0] as A, xdy[1] as Tensor)
        return xdy
      },
      (_xdy, w) => w,
      `${op} (checks)`,
      null,
      // [[x, dy], w] ↦ w: linear in w, reading [x, dy] for nothing
      once(() => erase(shaped<unknown, unknown, unknown>(`${op} (checks)′`, (_xdy, w) => w, (_xdy, _w, v) => v)))
    )
  )
