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
 * The vector space is either passed explicitly or, by default, the one `VectorSpace.infer`
 * gives: the parameters are numbers, tensors, arrays and plain records, nested to any depth
 * (walked with an explicit stack: a `Para` model nested a million deep steps like any other).
 * Each step reads the parameters' and the gradient's tensors where they are and updates every
 * coordinate in one pass, writing the new parameters straight into the arrays of the fresh
 * tensors it returns (numbers are gathered into one array per run); optimiser state
 * (velocities, moments) is kept as fresh flat `Float64Array`s in the same coordinate order
 * (`VectorSpace.flatten`'s). `Train.fit`, whose states nobody else sees until it returns,
 * lets the optimiser write each new state into the previous one's buffers. With an explicit
 * space the parameters are written into a fresh flat array (in case its `read` keeps views
 * of its input) and the gradient into a work buffer the optimiser reuses.

 * A state records the structure of the parameters it was made for (`structure`, as text such
 * as `{ w: Tensor[2,3], b: number }`), and stepping parameters of another structure with it
 * is an error naming both. Bad input throws an error that names the optimiser: an unknown
 * option (`momentum({ momentum: 0.9 })`; the option is `beta`) or a hyper-parameter out of
 * range when the optimiser is built; a gradient whose structure differs from the parameters'
 * (naming the path, as `layers[0].W`); a gradient coordinate that is `NaN` or infinite; and
 * an update that overflows — a new parameter, velocity or moment that is not finite (naming
 * the coordinate, its path and the value). No step silently produces `NaN`s or infinities,
 * and a step that throws leaves nothing behind.
 *
 * The machinery every optimiser shares (checks, gathering and rebuilding the parameters, the
 * state's structure) is in `internal/optimizer.ts`; this module holds the update rules.
 *
 * Laws (checked in `test/Optimizer.test.ts`): one `sgd` step is `p − lr·∇p`; `momentum` with
 * `beta = 0` (plain or Nesterov) equals `sgd` exactly; `adamW` with `weightDecay = 0` equals
 * `adam` exactly.
 *
 * @module Optimizer
 */
// One piece, past 400 lines: the `Optimizer` namespace (what every optimiser shares is in
// `internal/optimizer.ts`); more than half of it is doc comments with runnable examples.
import { zeros } from './kernels/index.js'
import {
  Scratch,
  beginStep,
  badGradient,
  badUpdate,
  checkBeta,
  checkBuffer,
  checkLr,
  checkNonNegative,
  checkOptions,
  checkPositive,
  initial,
  show,
  stepped,
  withOwnedStep,
  type Owned
} from './internal/optimizer.js'
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
 * console.log(x, state) // 2.625 { count: 3, structure: 'number' }
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
 * console.log(opt.step(opt.init(4), 4, 2)[0], forPairs.step(forPairs.init([4, 4]), [4, 4], [2, -2])[0]) // 3 [ 3, 5 ]
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
 * The state of {@link sgd}: the number of steps taken and the structure of the parameters it
 * was made for (see {@link Optimizer}: stepping parameters of another structure is an
 * error).
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.sgd({ lr: 0.1 })
 * console.log(opt.init(5), opt.step(opt.init(5), 5, 1)[1]) // { count: 0, structure: 'number' } { count: 1, structure: 'number' }
 *
 * @category model
 */
export interface SgdState {
  readonly count: number
  /** The structure of the parameters the state was made for, as text (`{ w: Tensor[2,3], b: number }`). */
  readonly structure: string
}

/**
 * The state of {@link momentum}: the number of steps taken, the structure of the parameters
 * and the velocity, one coordinate per parameter coordinate (in `VectorSpace.flatten`
 * order). Never mutated.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.momentum({ lr: 0.5, beta: 0.5 })
 * const params = { w: [1, 2] }
 * const [, state] = opt.step(opt.init(params), params, { w: [4, -2] })
 * console.log(state) // { count: 1, structure: '{ w: [number × 2] }', velocity: Float64Array(2) [ 4, -2 ] }
 *
 * @category model
 */
export interface MomentumState {
  readonly count: number
  /** The structure of the parameters the state was made for, as text. */
  readonly structure: string
  readonly velocity: Float64Array
}

/**
 * The state of {@link adam} and {@link adamW}: the number of steps taken, the structure of
 * the parameters and the first and second moment estimates, one coordinate per parameter
 * coordinate (in `VectorSpace.flatten` order). Never mutated.
 *
 * @example
 * import { Optimizer } from 'backprop-lens'
 *
 * const opt = Optimizer.adam({ lr: 0.1, beta1: 0.5, beta2: 0.75 })
 * const [, state] = opt.step(opt.init([0, 0]), [0, 0], [2, -4])
 * console.log(state) // { count: 1, structure: '[number × 2]', m: Float64Array(2) [ 1, -2 ], v: Float64Array(2) [ 1, 4 ] }
 *
 * @category model
 */
export interface AdamState {
  readonly count: number
  /** The structure of the parameters the state was made for, as text. */
  readonly structure: string
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
 * const opt = Optimizer.sgd(options)
 * console.log(opt.step(opt.init(1), 1, 2)[0]) // 0.5
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
/**
 * With `space`: the optimiser of the parameters that `space` describes (any `VectorSpace`, here
 * tensors), typed by it; without, it works on any parameters that `VectorSpace.infer` knows.
 *
 * @example
 * import { Optimizer, Tensor, VectorSpace } from 'backprop-lens'
 *
 * const opt = Optimizer.sgd({ lr: 0.5 }, VectorSpace.tensor)
 * const w = Tensor.make([2], [1, 2])
 * const [next] = opt.step(opt.init(w), w, Tensor.make([2], [2, 1]))
 * console.log(Array.from(next.data)) // [ 0, 1.5 ]
 *
 * @category constructors
 */
export function sgd<P>(options: SgdOptions, space?: VectorSpace<P>): Optimizer<P, SgdState>
export function sgd<P>(options: SgdOptions, space?: VectorSpace<P>): Optimizer<P, SgdState> {
  const name = 'Optimizer.sgd'
  checkOptions(name, options, ['lr'])
  const lr = checkLr(name, options.lr)
  const scratch = new Scratch()
  const explicit = space !== undefined
  const run = (state: SgdState, params: P, grad: P, owned: Owned | null): readonly [P, SgdState] => {
    const { count, structure, rate, segments, finish } = beginStep(name, lr, space, scratch, state, params, grad, owned)
    // Checks each coordinate as it goes, throwing at the first non-finite gradient or update.
    const checked = (): void => {
      for (const { p, g, out, at } of segments) {
        for (let j = 0; j < p.length; j++) {
          const gi = g[j] as number
          if (gi - gi !== 0) throw badGradient(name, explicit, params, at + j, gi)
          const pi = p[j] as number
          const next = pi - rate * gi
          if (next - next !== 0) throw badUpdate(name, explicit, params, at + j, 'updated parameter', next, pi, gi)
          out[j] = next
        }
      }
    }
    // Where no segment is updated in place (tensors, without an explicit space): one pass
    // without a branch per coordinate, 1.9x faster on a large model. A non-finite gradient or
    // update makes `bad` NaN; then the checking pass runs again from the unchanged parameters
    // and names the first one. The arrays written are fresh, seen by no one.
    if (segments.every((segment) => segment.out !== segment.p)) {
      let bad = 0
      for (const { p, g, out } of segments) {
        for (let j = 0; j < p.length; j++) {
          const next = (p[j] as number) - rate * (g[j] as number)
          bad += next - next
          out[j] = next
        }
      }
      if (bad !== 0) checked()
    } else checked()
    return stepped(owned, finish(), { count: count + 1, structure })
  }
  return withOwnedStep(
    {
      name,
      init: (params: P): SgdState => {
        const { count, structure } = initial(name, space, params)
        return { count, structure }
      },
      step: (state: SgdState, params: P, grad: P) => run(state, params, grad, null)
    },
    run
  )
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
/**
 * With `space`: the optimiser of the parameters that `space` describes (any `VectorSpace`, here
 * tensors), typed by it; without, it works on any parameters that `VectorSpace.infer` knows.
 *
 * @example
 * import { Optimizer, Tensor, VectorSpace } from 'backprop-lens'
 *
 * const opt = Optimizer.momentum({ lr: 0.5 }, VectorSpace.tensor)
 * const w = Tensor.make([2], [1, 2])
 * const [next] = opt.step(opt.init(w), w, Tensor.make([2], [2, 1]))
 * console.log(Array.from(next.data)) // [ 0, 1.5 ]
 *
 * @category constructors
 */
export function momentum<P>(options: MomentumOptions, space?: VectorSpace<P>): Optimizer<P, MomentumState>
export function momentum<P>(options: MomentumOptions, space?: VectorSpace<P>): Optimizer<P, MomentumState> {
  const name = 'Optimizer.momentum'
  checkOptions(name, options, ['lr', 'beta', 'nesterov'])
  const lr = checkLr(name, options.lr)
  const beta = checkBeta(name, 'beta', options.beta ?? 0.9)
  const nesterov = options.nesterov ?? false
  if (typeof nesterov !== 'boolean') throw new TypeError(`${name}: nesterov must be a boolean, got ${show(nesterov)}`)
  const scratch = new Scratch()
  const explicit = space !== undefined
  // owned: the new velocity goes into the state's own buffer (see ownedStep)
  const run = (state: MomentumState, params: P, grad: P, owned: Owned | null): readonly [P, MomentumState] => {
    const { count, structure, rate, n, segments, finish } = beginStep(name, lr, space, scratch, state, params, grad, owned)
    const v0 = checkBuffer(name, 'velocity', state.velocity, n)
    const v = owned !== null ? v0 : zeros(n)
    for (const { p, g, out, at } of segments) {
      for (let j = 0; j < p.length; j++) {
        const i = at + j
        const gi = g[j] as number
        if (gi - gi !== 0) throw badGradient(name, explicit, params, i, gi)
        const vi = beta * (v0[i] as number) + gi
        const pi = p[j] as number
        const next = nesterov ? pi - rate * (gi + beta * vi) : pi - rate * vi
        if (vi - vi !== 0) throw badUpdate(name, explicit, params, i, 'velocity', vi, pi, gi)
        if (next - next !== 0) throw badUpdate(name, explicit, params, i, 'updated parameter', next, pi, gi)
        v[i] = vi
        out[j] = next
      }
    }
    return stepped(owned, finish(), { count: count + 1, structure, velocity: v })
  }
  return withOwnedStep(
    {
      name,
      init: (params: P): MomentumState => {
        const { count, structure, n } = initial(name, space, params)
        return { count, structure, velocity: zeros(n) }
      },
      step: (state: MomentumState, params: P, grad: P) => run(state, params, grad, null)
    },
    run
  )
}

const adamLike = <P>(name: string, options: AdamOptions, weightDecay: number, space: VectorSpace<P> | undefined): Optimizer<P, AdamState> => {
  const lr = checkLr(name, options.lr)
  const beta1 = checkBeta(name, 'beta1', options.beta1 ?? 0.9)
  const beta2 = checkBeta(name, 'beta2', options.beta2 ?? 0.999)
  const eps = checkPositive(name, 'eps', options.eps ?? 1e-8)
  const scratch = new Scratch()
  const explicit = space !== undefined
  // owned: the new moments go into the state's own buffers (see ownedStep)
  const run = (state: AdamState, params: P, grad: P, owned: Owned | null): readonly [P, AdamState] => {
    const { count, structure, rate, n, segments, finish } = beginStep(name, lr, space, scratch, state, params, grad, owned)
    const m0 = checkBuffer(name, 'm', state.m, n)
    const v0 = checkBuffer(name, 'v', state.v, n)
    const m = owned !== null ? m0 : zeros(n)
    const v = owned !== null ? v0 : zeros(n)
    const t = count + 1
    const c1 = 1 - beta1 ** t
    const c2 = 1 - beta2 ** t
    const decay = weightDecay === 0 ? 1 : 1 - rate * weightDecay
    for (const { p, g, out, at } of segments) {
      for (let j = 0; j < p.length; j++) {
        const i = at + j
        const gi = g[j] as number
        if (gi - gi !== 0) throw badGradient(name, explicit, params, i, gi)
        const mi = beta1 * (m0[i] as number) + (1 - beta1) * gi
        const vi = beta2 * (v0[i] as number) + (1 - beta2) * gi * gi
        const pi = p[j] as number
        const next = pi * decay - (rate * (mi / c1)) / (Math.sqrt(vi / c2) + eps)
        if (mi - mi !== 0) throw badUpdate(name, explicit, params, i, 'first moment m', mi, pi, gi)
        if (vi - vi !== 0) throw badUpdate(name, explicit, params, i, 'second moment v', vi, pi, gi)
        if (next - next !== 0) throw badUpdate(name, explicit, params, i, 'updated parameter', next, pi, gi)
        m[i] = mi
        v[i] = vi
        out[j] = next
      }
    }
    return stepped(owned, finish(), { count: t, structure, m, v })
  }
  return withOwnedStep(
    {
      name,
      init: (params: P): AdamState => {
        const { count, structure, n } = initial(name, space, params)
        return { count, structure, m: zeros(n), v: zeros(n) }
      },
      step: (state: AdamState, params: P, grad: P) => run(state, params, grad, null)
    },
    run
  )
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
/**
 * With `space`: the optimiser of the parameters that `space` describes (any `VectorSpace`, here
 * tensors), typed by it; without, it works on any parameters that `VectorSpace.infer` knows.
 *
 * @example
 * import { Optimizer, Tensor, VectorSpace } from 'backprop-lens'
 *
 * const opt = Optimizer.adam({ lr: 0.1 }, VectorSpace.tensor)
 * const w = Tensor.make([2], [1, 2])
 * const [next] = opt.step(opt.init(w), w, Tensor.make([2], [2, 1]))
 * console.log(Array.from(next.data, (v) => v.toFixed(4))) // [ '0.9000', '1.9000' ]
 *
 * @category constructors
 */
export function adam<P>(options: AdamOptions, space?: VectorSpace<P>): Optimizer<P, AdamState>
export function adam<P>(options: AdamOptions, space?: VectorSpace<P>): Optimizer<P, AdamState> {
  const name = 'Optimizer.adam'
  checkOptions(name, options, ['lr', 'beta1', 'beta2', 'eps'])
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
/**
 * With `space`: the optimiser of the parameters that `space` describes (any `VectorSpace`, here
 * tensors), typed by it; without, it works on any parameters that `VectorSpace.infer` knows.
 *
 * @example
 * import { Optimizer, Tensor, VectorSpace } from 'backprop-lens'
 *
 * const opt = Optimizer.adamW({ lr: 0.1, weightDecay: 0 }, VectorSpace.tensor)
 * const w = Tensor.make([2], [1, 2])
 * const [next] = opt.step(opt.init(w), w, Tensor.make([2], [2, 1]))
 * console.log(Array.from(next.data, (v) => v.toFixed(4))) // [ '0.9000', '1.9000' ]
 *
 * @category constructors
 */
export function adamW<P>(options: AdamWOptions, space?: VectorSpace<P>): Optimizer<P, AdamState>
export function adamW<P>(options: AdamWOptions, space?: VectorSpace<P>): Optimizer<P, AdamState> {
  const name = 'Optimizer.adamW'
  checkOptions(name, options, ['lr', 'beta1', 'beta2', 'eps', 'weightDecay'])
  return adamLike(name, options, checkNonNegative(name, 'weightDecay', options.weightDecay), space)
}
