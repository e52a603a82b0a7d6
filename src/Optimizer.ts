/**
 * Optimisers: pure update rules that turn parameters and their gradient into new
 * parameters, over any parameter structure with a {@link VectorSpace.VectorSpace} (numbers,
 * tuples, records, tensors, nested).
 *
 * An optimiser is a pair of pure functions (see {@link Optimizer}):
 * `init(params)` gives the initial state, and `step(state, params, grad)` gives the new
 * parameters and the new state. Neither ever writes into `params`, `grad` or `state`: the
 * results are fresh values, so an old state can be stepped again (or kept for a restart).
 *
 * The vector space is either passed explicitly or inferred from the parameters with
 * `VectorSpace.infer` at every call (a walk over the structure, not over the coordinates;
 * pass the space to skip it). Each step writes the parameters and the gradient into flat
 * `Float64Array` work buffers (`write`), updates all coordinates in one loop, and reads the
 * result back as fresh values (`unflatten`); optimiser state (velocities, moments) is kept
 * as fresh flat `Float64Array`s in the same coordinate order. The work buffers belong to
 * the optimiser and are reused from step to step (allocating arrays of a model's size
 * costs more than the update); they are never handed out. With an explicit space the new
 * coordinates go into a fresh array, in case its `read` keeps views of its input.
 *
 * Bad input throws an error that names the optimiser: hyper-parameters out of range when the
 * optimiser is built, a gradient whose structure differs from the parameters' (naming the
 * path), a state that belongs to parameters of another size, and a gradient coordinate that
 * is `NaN` or infinite (naming the coordinate) — no step silently produces `NaN`s.
 *
 * Laws (checked in `test/Optimizer.test.ts`): one `sgd` step is `p − lr·∇p`; `momentum` with
 * `beta = 0` (plain or Nesterov) equals `sgd` exactly; `adamW` with `weightDecay = 0` equals
 * `adam` exactly.
 *
 * @module Optimizer
 */
import * as VS from './VectorSpace.js'
import type { VectorSpace } from './VectorSpace.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A pure optimiser for parameters `P` with state `S`. `step` never mutates its arguments.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * // Minimise (x − 3)² from x = 0: the gradient is 2(x − 3).
 * const opt = Optimizer.sgd({ lr: 0.25 })
 * let x = 0
 * let state = opt.init(x)
 * for (let i = 0; i < 3; i++) [x, state] = opt.step(state, x, 2 * (x - 3))
 * console.log(x, state) // 2.625 { count: 3 }
 *
 * @category model
 */
export interface Optimizer<P, S> {
  /** The optimiser's name, as used in its error messages (`'Optimizer.adam'`). */
  readonly name: string
  /** The state before the first step, for parameters with the structure of `params`. */
  readonly init: (params: P) => S
  /** One update: the new parameters and the new state. */
  readonly step: (state: S, params: P, grad: P) => readonly [P, S]
}

/**
 * An optimiser that works on parameters of any type: what the constructors return when no
 * vector space is given (it is inferred from the parameters at each call). It is assignable
 * to `Optimizer<P, S>` for every `P`, and `step` gives back the type of the parameters.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt: Optimizer.GenericOptimizer<Optimizer.SgdState> = Optimizer.sgd({ lr: 0.5 })
 * const forPairs: Optimizer.Optimizer<readonly [number, number], Optimizer.SgdState> = opt
 * console.log(opt.step({ count: 0 }, 4, 2), forPairs.step({ count: 0 }, [4, 4], [2, -2])) // [ 3, { count: 1 } ] [ [ 3, 5 ], { count: 1 } ]
 *
 * @category model
 */
export interface GenericOptimizer<S> {
  /** The optimiser's name, as used in its error messages. */
  readonly name: string
  /** The state before the first step, for parameters with the structure of `params`. */
  readonly init: <P>(params: P) => S
  /** One update: the new parameters (of the type of `params`) and the new state. */
  readonly step: <P>(state: S, params: P, grad: NoInfer<P>) => readonly [P, S]
}

/**
 * A learning rate: a constant (finite, > 0) or a schedule from the number of steps already
 * taken (0 for the first step) to a finite rate ≥ 0.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * // Halve the rate every 10 steps.
 * const opt = Optimizer.sgd({ lr: (count) => 0.1 * 0.5 ** Math.floor(count / 10) })
 * console.log(opt.step(opt.init(1), 1, 1)[0]) // 0.9
 *
 * @category model
 */
export type LearningRate = number | ((count: number) => number)

/**
 * The state of {@link sgd}: the number of steps taken.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.sgd({ lr: 0.1 })
 * console.log(opt.init(5), opt.step(opt.init(5), 5, 1)[1]) // { count: 0 } { count: 1 }
 *
 * @category model
 */
export interface SgdState {
  readonly count: number
}

/**
 * The state of {@link momentum}: the number of steps taken and the velocity, one
 * coordinate per parameter coordinate (in `VectorSpace.flatten` order). Never mutated.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.momentum({ lr: 0.5, beta: 0.5 })
 * const params = { w: [1, 2] }
 * const [, state] = opt.step(opt.init(params), params, { w: [4, -2] })
 * console.log(state) // { count: 1, velocity: Float64Array(2) [ 4, -2 ] }
 *
 * @category model
 */
export interface MomentumState {
  readonly count: number
  readonly velocity: Float64Array
}

/**
 * The state of {@link adam} and {@link adamW}: the number of steps taken and the first and
 * second moment estimates, one coordinate per parameter coordinate (in
 * `VectorSpace.flatten` order). Never mutated.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.adam({ lr: 0.1, beta1: 0.5, beta2: 0.75 })
 * const [, state] = opt.step(opt.init([0, 0]), [0, 0], [2, -4])
 * console.log(state) // { count: 1, m: Float64Array(2) [ 1, -2 ], v: Float64Array(2) [ 1, 4 ] }
 *
 * @category model
 */
export interface AdamState {
  readonly count: number
  readonly m: Float64Array
  readonly v: Float64Array
}

/**
 * Options of {@link sgd}.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const options: Optimizer.SgdOptions = { lr: 0.25 }
 * console.log(Optimizer.sgd(options).step({ count: 0 }, 1, 2)[0]) // 0.5
 *
 * @category model
 */
export interface SgdOptions {
  readonly lr: LearningRate
}

/**
 * Options of {@link momentum}: `beta` in [0, 1) (default 0.9), `nesterov` (default false).
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const options: Optimizer.MomentumOptions = { lr: 0.5, beta: 0.5, nesterov: true }
 * const opt = Optimizer.momentum(options)
 * console.log(opt.step(opt.init(1), 1, 1)[0]) // 0.25
 *
 * @category model
 */
export interface MomentumOptions {
  readonly lr: LearningRate
  readonly beta?: number
  readonly nesterov?: boolean
}

/**
 * Options of {@link adam}: `beta1`, `beta2` in [0, 1) (defaults 0.9 and 0.999) and
 * `eps` > 0 (default 1e-8).
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const options: Optimizer.AdamOptions = { lr: 0.01, beta1: 0.9, beta2: 0.99, eps: 1e-6 }
 * const opt = Optimizer.adam(options)
 * console.log(opt.step(opt.init(1), 1, 3)[0]) // 0.9900000033333323
 *
 * @category model
 */
export interface AdamOptions {
  readonly lr: LearningRate
  readonly beta1?: number
  readonly beta2?: number
  readonly eps?: number
}

/**
 * Options of {@link adamW}: those of {@link adam} and a decoupled `weightDecay` ≥ 0.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const options: Optimizer.AdamWOptions = { lr: 0.01, weightDecay: 0.1 }
 * const opt = Optimizer.adamW(options)
 * console.log(opt.step(opt.init(10), 10, 0)[0]) // 9.99
 *
 * @category model
 */
export interface AdamWOptions extends AdamOptions {
  readonly weightDecay: number
}

// -------------------------------------------------------------------------------------
// validation (internal)
// -------------------------------------------------------------------------------------

const show = (x: unknown): string => (typeof x === 'string' ? JSON.stringify(x) : String(x))

const checkLr = (name: string, lr: unknown): LearningRate => {
  if (typeof lr === 'function') return lr as (count: number) => number
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new RangeError(`${name}: lr must be a finite number > 0 or a schedule, got ${show(lr)}`)
  }
  return lr
}

const rateAt = (name: string, lr: LearningRate, count: number): number => {
  if (typeof lr === 'number') return lr
  const r = lr(count)
  if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
    throw new RangeError(`${name}.step: the lr schedule must give a finite number >= 0, got ${show(r)} at step ${count}`)
  }
  return r
}

const checkBeta = (name: string, key: string, beta: unknown): number => {
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
    throw new RangeError(`${name}: ${key} must be a number in [0, 1), got ${show(beta)}`)
  }
  return beta
}

const checkPositive = (name: string, key: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`${name}: ${key} must be a finite number > 0, got ${show(x)}`)
  }
  return x
}

const checkNonNegative = (name: string, key: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new RangeError(`${name}: ${key} must be a finite number >= 0, got ${show(x)}`)
  }
  return x
}

const checkOptions = (name: string, options: unknown): void => {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${name}: expected an options object such as { lr: 0.01 }, got ${show(options)}`)
  }
}

// -------------------------------------------------------------------------------------
// structure (internal)
// -------------------------------------------------------------------------------------

interface TensorLike {
  readonly shape: ReadonlyArray<number>
  readonly data: Float64Array
}

const isTensorLike = (u: unknown): u is TensorLike =>
  typeof u === 'object' && u !== null && 'data' in u && u.data instanceof Float64Array && 'shape' in u && Array.isArray(u.shape)

const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> =>
  typeof u === 'object' && u !== null && Object.getPrototypeOf(u) === Object.prototype

const showPath = (path: string): string => (path === '' ? '(root)' : path)

const join = (path: string, key: string | number): string => (path === '' ? String(key) : `${path}.${key}`)

const describe = (u: unknown): string =>
  u === null
    ? 'null'
    : Array.isArray(u)
      ? `a tuple of length ${u.length}`
      : isTensorLike(u)
        ? `a tensor of shape [${u.shape.join(', ')}]`
        : isRecord(u)
          ? 'a record'
          : typeof u

/**
 * The first place where `grad` does not have the structure of `params`, as a message, or
 * `null`. Looks at numbers, arrays, plain records and tensors; other values are left to
 * the vector space.
 */
const mismatch = (params: unknown, grad: unknown, path: string): string | null => {
  if (typeof params === 'number') {
    return typeof grad === 'number' ? null : `${showPath(path)}: expected a number, got ${describe(grad)}`
  }
  if (Array.isArray(params)) {
    if (!Array.isArray(grad) || grad.length !== params.length) {
      return `${showPath(path)}: expected a tuple of length ${params.length}, got ${describe(grad)}`
    }
    for (let i = 0; i < params.length; i++) {
      const m = mismatch(params[i], grad[i], join(path, i))
      if (m !== null) return m
    }
    return null
  }
  if (isTensorLike(params)) {
    if (!isTensorLike(grad)) return `${showPath(path)}: expected a tensor of shape [${params.shape.join(', ')}], got ${describe(grad)}`
    const a = params.shape
    const b = grad.shape
    if (a.length !== b.length || a.some((d, i) => d !== b[i])) {
      return `${showPath(path)}: expected shape [${a.join(', ')}], got [${b.join(', ')}]`
    }
    return null
  }
  if (isRecord(params)) {
    if (!isRecord(grad)) return `${showPath(path)}: expected a record, got ${describe(grad)}`
    for (const k of Object.keys(params)) {
      if (!(k in grad)) return `missing field '${k}' at ${showPath(path)}`
      const m = mismatch(params[k], grad[k], join(path, k))
      if (m !== null) return m
    }
    for (const k of Object.keys(grad)) {
      if (!(k in params)) return `unexpected field '${k}' at ${showPath(path)}`
    }
    return null
  }
  return null
}

/** The path of flat coordinate `index` in a structure of numbers, arrays, records, tensors. */
const pathOf = (value: unknown, index: number, path: string): string | null => {
  if (typeof value === 'number') return index === 0 ? showPath(path) : null
  if (isTensorLike(value)) return index < value.data.length ? `${showPath(path)}[${index}]` : null
  const entries: ReadonlyArray<readonly [string | number, unknown]> = Array.isArray(value)
    ? value.map((v, i) => [i, v] as const)
    : isRecord(value)
      ? Object.entries(value)
      : []
  let at = index
  for (const [k, v] of entries) {
    const n = countOf(v)
    if (n === null) return null
    if (at < n) return pathOf(v, at, join(path, k))
    at -= n
  }
  return null
}

const countOf = (value: unknown): number | null => {
  if (typeof value === 'number') return 1
  if (isTensorLike(value)) return value.data.length
  if (Array.isArray(value) || isRecord(value)) {
    let n = 0
    for (const v of Object.values(value)) {
      const c = countOf(v)
      if (c === null) return null
      n += c
    }
    return n
  }
  return null
}

/**
 * Work buffers of one optimiser, reused from step to step: allocating fresh
 * `Float64Array`s of a model's size costs more than the update itself. A buffer is taken
 * for the duration of one step and given back at its end, so a re-entrant step gets new
 * ones; no buffer is ever handed to a caller.
 */
class Scratch {
  private readonly free: Array<Float64Array> = []
  take(n: number): Float64Array {
    const i = this.free.findIndex((b) => b.length === n)
    return i < 0 ? new Float64Array(n) : (this.free.splice(i, 1)[0] as Float64Array)
  }
  give(b: Float64Array): void {
    if (this.free.length >= 2) this.free.shift()
    this.free.push(b)
  }
}

interface Prepared<P> {
  readonly space: VectorSpace<P>
  /** The parameters' coordinates: the step writes the new ones into it. */
  readonly p: Float64Array
  readonly g: Float64Array
}

const prepare = <P>(name: string, given: VectorSpace<P> | undefined, params: P, grad: P, scratch: Scratch): Prepared<P> => {
  const m = mismatch(params, grad, '')
  if (m !== null) throw new RangeError(`${name}.step: the gradient does not match the parameters: ${m}`)
  const space = given ?? VS.infer(params)
  const n = space.size(params)
  const ng = space.size(grad)
  if (ng !== n) throw new RangeError(`${name}.step: the gradient has ${ng} coordinates, the parameters have ${n}`)
  const g = scratch.take(n)
  space.write(grad, g, 0)
  // The inferred instances copy in `read`; a user's instance might keep views of `data`,
  // so with an explicit space the new coordinates go into a fresh array.
  const p = given === undefined ? scratch.take(n) : new Float64Array(n)
  space.write(params, p, 0)
  return { space, p, g }
}

/**
 * The error for a gradient coordinate that is NaN or infinite. The update loops check each
 * coordinate as they go (one pass): throwing midway leaves nothing behind, since they only
 * write into work buffers and arrays no caller has seen yet.
 */
const badGradient = (name: string, explicit: boolean, params: unknown, i: number, gi: number): RangeError => {
  const at = explicit ? null : pathOf(params, i, '')
  return new RangeError(`${name}.step: the gradient is ${gi} at coordinate ${i}${at === null ? '' : ` (${at})`}`)
}

/** The new parameters from the updated coordinates; gives the buffers back. */
const finish = <P>(given: VectorSpace<P> | undefined, prepared: Prepared<P>, params: P, scratch: Scratch): P => {
  const out = prepared.space.unflatten(params, prepared.p)
  scratch.give(prepared.g)
  if (given === undefined) scratch.give(prepared.p)
  return out
}

const checkCount = (name: string, count: unknown): number => {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new TypeError(`${name}.step: expected a state from ${name}'s init, its count is ${show(count)}`)
  }
  return count
}

const checkBuffer = (name: string, key: string, buffer: unknown, n: number): Float64Array => {
  if (!(buffer instanceof Float64Array)) {
    throw new TypeError(`${name}.step: expected a state from ${name}'s init, its ${key} is not a Float64Array`)
  }
  if (buffer.length !== n) {
    throw new RangeError(`${name}.step: the state's ${key} has ${buffer.length} coordinates, the parameters have ${n}`)
  }
  return buffer
}

const sizeOf = <P>(space: VectorSpace<P> | undefined, params: P): number => (space ?? VS.infer(params)).size(params)

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Stochastic gradient descent: `p ← p − lr·g`.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.sgd({ lr: 0.5 })
 * const params = { w: [1, 2], b: 3 }
 * const [next] = opt.step(opt.init(params), params, { w: [2, -2], b: 1 })
 * console.log(next) // { w: [ 0, 3 ], b: 2.5 }
 *
 * @category constructors
 */
export function sgd(options: SgdOptions): GenericOptimizer<SgdState>
export function sgd<P>(options: SgdOptions, space?: VectorSpace<P>): Optimizer<P, SgdState>
export function sgd<P>(options: SgdOptions, space?: VectorSpace<P>): Optimizer<P, SgdState> {
  const name = 'Optimizer.sgd'
  checkOptions(name, options)
  const lr = checkLr(name, options.lr)
  const scratch = new Scratch()
  return {
    name,
    init: () => ({ count: 0 }),
    step: (state, params, grad) => {
      const count = checkCount(name, state.count)
      const rate = rateAt(name, lr, count)
      const prepared = prepare(name, space, params, grad, scratch)
      const { p, g } = prepared
      const n = p.length
      for (let i = 0; i < n; i++) {
        const gi = g[i] as number
        if (gi - gi !== 0) throw badGradient(name, space !== undefined, params, i, gi)
        p[i] = (p[i] as number) - rate * gi
      }
      return [finish(space, prepared, params, scratch), { count: count + 1 }]
    }
  }
}

/**
 * Gradient descent with momentum, as PyTorch defines it: `v ← β·v + g`, then
 * `p ← p − lr·v`, or with `nesterov: true` `p ← p − lr·(g + β·v)` (with the new `v`).
 * The velocity starts at 0, so with `beta: 0` both equal {@link sgd} exactly.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.momentum({ lr: 0.1, beta: 0.5 })
 * const [p1, s1] = opt.step(opt.init(1), 1, 1) // v = 1, p = 1 − 0.1
 * const [p2, s2] = opt.step(s1, p1, 1) // v = 0.5 + 1, p = 0.9 − 0.15
 * console.log(p1, p2, s2.velocity) // 0.9 0.75 Float64Array(1) [ 1.5 ]
 *
 * @category constructors
 */
export function momentum(options: MomentumOptions): GenericOptimizer<MomentumState>
export function momentum<P>(options: MomentumOptions, space?: VectorSpace<P>): Optimizer<P, MomentumState>
export function momentum<P>(options: MomentumOptions, space?: VectorSpace<P>): Optimizer<P, MomentumState> {
  const name = 'Optimizer.momentum'
  checkOptions(name, options)
  const lr = checkLr(name, options.lr)
  const beta = checkBeta(name, 'beta', options.beta ?? 0.9)
  const nesterov = options.nesterov ?? false
  if (typeof nesterov !== 'boolean') throw new TypeError(`${name}: nesterov must be a boolean, got ${show(nesterov)}`)
  const scratch = new Scratch()
  return {
    name,
    init: (params) => ({ count: 0, velocity: new Float64Array(sizeOf(space, params)) }),
    step: (state, params, grad) => {
      const count = checkCount(name, state.count)
      const rate = rateAt(name, lr, count)
      const prepared = prepare(name, space, params, grad, scratch)
      const { p, g } = prepared
      const n = p.length
      const v0 = checkBuffer(name, 'velocity', state.velocity, n)
      const v = new Float64Array(n)
      if (nesterov) {
        for (let i = 0; i < n; i++) {
          const gi = g[i] as number
          if (gi - gi !== 0) throw badGradient(name, space !== undefined, params, i, gi)
          const vi = beta * (v0[i] as number) + gi
          v[i] = vi
          p[i] = (p[i] as number) - rate * (gi + beta * vi)
        }
      } else {
        for (let i = 0; i < n; i++) {
          const gi = g[i] as number
          if (gi - gi !== 0) throw badGradient(name, space !== undefined, params, i, gi)
          const vi = beta * (v0[i] as number) + gi
          v[i] = vi
          p[i] = (p[i] as number) - rate * vi
        }
      }
      return [finish(space, prepared, params, scratch), { count: count + 1, velocity: v }]
    }
  }
}

const adamLike = <P>(name: string, options: AdamOptions, weightDecay: number, space: VectorSpace<P> | undefined): Optimizer<P, AdamState> => {
  const lr = checkLr(name, options.lr)
  const beta1 = checkBeta(name, 'beta1', options.beta1 ?? 0.9)
  const beta2 = checkBeta(name, 'beta2', options.beta2 ?? 0.999)
  const eps = checkPositive(name, 'eps', options.eps ?? 1e-8)
  const scratch = new Scratch()
  return {
    name,
    init: (params) => {
      const n = sizeOf(space, params)
      return { count: 0, m: new Float64Array(n), v: new Float64Array(n) }
    },
    step: (state, params, grad) => {
      const count = checkCount(name, state.count)
      const rate = rateAt(name, lr, count)
      const prepared = prepare(name, space, params, grad, scratch)
      const { p, g } = prepared
      const n = p.length
      const m0 = checkBuffer(name, 'm', state.m, n)
      const v0 = checkBuffer(name, 'v', state.v, n)
      const m = new Float64Array(n)
      const v = new Float64Array(n)
      const t = count + 1
      const c1 = 1 - beta1 ** t
      const c2 = 1 - beta2 ** t
      const decay = 1 - rate * weightDecay
      for (let i = 0; i < n; i++) {
        const gi = g[i] as number
        if (gi - gi !== 0) throw badGradient(name, space !== undefined, params, i, gi)
        const mi = beta1 * (m0[i] as number) + (1 - beta1) * gi
        const vi = beta2 * (v0[i] as number) + (1 - beta2) * gi * gi
        m[i] = mi
        v[i] = vi
        const pi = weightDecay === 0 ? (p[i] as number) : (p[i] as number) * decay
        p[i] = pi - (rate * (mi / c1)) / (Math.sqrt(vi / c2) + eps)
      }
      return [finish(space, prepared, params, scratch), { count: t, m, v }]
    }
  }
}

/**
 * Adam (Kingma & Ba), with bias correction: at step `t` (1 for the first),
 * `m ← β₁·m + (1 − β₁)·g`, `v ← β₂·v + (1 − β₂)·g²`, `m̂ = m / (1 − β₁ᵗ)`,
 * `v̂ = v / (1 − β₂ᵗ)`, `p ← p − lr·m̂ / (√v̂ + ε)`.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * // The first step moves every coordinate by about lr, against the sign of its gradient.
 * const opt = Optimizer.adam({ lr: 0.1 })
 * const [p1] = opt.step(opt.init([1, 1]), [1, 1], [0.001, -50])
 * console.log(p1) // [ 0.90000099999, 1.09999999998 ]
 *
 * @category constructors
 */
export function adam(options: AdamOptions): GenericOptimizer<AdamState>
export function adam<P>(options: AdamOptions, space?: VectorSpace<P>): Optimizer<P, AdamState>
export function adam<P>(options: AdamOptions, space?: VectorSpace<P>): Optimizer<P, AdamState> {
  const name = 'Optimizer.adam'
  checkOptions(name, options)
  return adamLike(name, options, 0, space)
}

/**
 * AdamW (Loshchilov & Hutter): {@link adam} with decoupled weight decay, applied as
 * PyTorch does before the Adam update: `p ← p·(1 − lr·weightDecay)`. With
 * `weightDecay: 0` it equals {@link adam} exactly.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * // With a zero gradient only the decay acts: 2·(1 − 0.1·0.5).
 * const opt = Optimizer.adamW({ lr: 0.1, weightDecay: 0.5 })
 * console.log(opt.step(opt.init(2), 2, 0)[0]) // 1.9
 *
 * @category constructors
 */
export function adamW(options: AdamWOptions): GenericOptimizer<AdamState>
export function adamW<P>(options: AdamWOptions, space?: VectorSpace<P>): Optimizer<P, AdamState>
export function adamW<P>(options: AdamWOptions, space?: VectorSpace<P>): Optimizer<P, AdamState> {
  const name = 'Optimizer.adamW'
  checkOptions(name, options)
  return adamLike(name, options, checkNonNegative(name, 'weightDecay', options.weightDecay), space)
}
