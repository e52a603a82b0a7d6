/**
 * What every optimiser shares: the checks of hyper-parameters and states (with the messages
 * that name the optimiser), the parameters' coordinates as segments read in place and the new
 * parameters rebuilt around them (one walk of `internal/tree` each, any depth), the structure
 * a state records, reusable work buffers, and the owned step `Train.fit` uses.
 * `Optimizer` holds the update rules; a new optimiser uses these.
 *
 * @internal
 * @module internal/optimizer
 */
// One piece, past 400 lines: the structure text, the leaf walk and the owned step's shortcut
// all answer one question (do these parameters have the state's structure?), and the segments
// are built from that same walk; split, each half would import most of the other.
import { zeros } from '../kernels/index.js'
import type { VectorSpace } from '../VectorSpace.js'
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import { describe } from './guards.js'
import { sameShape, showShape, Tensor, unsafeFromData } from './tensor.js'
import * as Tree from './tree.js'

/** A learning rate, as `Optimizer.LearningRate` defines it: a constant or a schedule from the step count. */
type Rate = number | ((count: number) => number)

// -------------------------------------------------------------------------------------
// validation
// -------------------------------------------------------------------------------------

/** @internal A hyper-parameter as messages show it (strings quoted). */
export const show = (x: unknown): string => (typeof x === 'string' ? JSON.stringify(x) : String(x))

/** @internal A learning rate given to a constructor: a finite number > 0 or a schedule. */
export const checkLr = (name: string, lr: unknown): Rate => {
  if (typeof lr === 'function') return lr as (count: number) => number
  if (typeof lr !== 'number' || !Number.isFinite(lr) || lr <= 0) {
    throw new RangeError(`${name}: lr must be a finite number > 0 or a schedule, got ${show(lr)}`)
  }
  return lr
}

/** @internal The rate at step `count`, a schedule's value checked to be finite and >= 0. */
const rateAt = (name: string, lr: Rate, count: number): number => {
  if (typeof lr === 'number') return lr
  const r = lr(count)
  if (typeof r !== 'number' || !Number.isFinite(r) || r < 0) {
    throw new RangeError(`${name}.step: the lr schedule must give a finite number >= 0, got ${show(r)} at step ${count}`)
  }
  return r
}

/** @internal A decay rate in [0, 1). */
export const checkBeta = (name: string, key: string, beta: unknown): number => {
  if (typeof beta !== 'number' || !(beta >= 0 && beta < 1)) {
    throw new RangeError(`${name}: ${key} must be a number in [0, 1), got ${show(beta)}`)
  }
  return beta
}

/** @internal A finite number > 0. */
export const checkPositive = (name: string, key: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x <= 0) {
    throw new RangeError(`${name}: ${key} must be a finite number > 0, got ${show(x)}`)
  }
  return x
}

/** @internal A finite number >= 0. */
export const checkNonNegative = (name: string, key: string, x: unknown): number => {
  if (typeof x !== 'number' || !Number.isFinite(x) || x < 0) {
    throw new RangeError(`${name}: ${key} must be a finite number >= 0, got ${show(x)}`)
  }
  return x
}

/** @internal Checks that `options` is an object with no keys but `known` (a misspelt option is an error, not a default). */
export const checkOptions = (name: string, options: unknown, known: ReadonlyArray<string>): void => {
  if (options === null || typeof options !== 'object') {
    throw new TypeError(`${name}: expected an options object such as { lr: 0.01 }, got ${show(options)}`)
  }
  for (const key of Object.keys(options)) {
    if (!known.includes(key)) throw new TypeError(`${name}: unknown option ${JSON.stringify(key)}; the options are ${known.join(', ')}`)
  }
}

// -------------------------------------------------------------------------------------
// structure
// -------------------------------------------------------------------------------------

/** The parameters' structure, as states record it (see {@link structureOf}); shown shortened in messages. */
const showStructure = (structure: string): string => (structure.length <= 120 ? structure : `${structure.slice(0, 119)}…`)

const cycleError = (name: string, what: string) => (path: string): Error =>
  new TypeError(`${name}: the ${what} contain themselves at ${path}; parameters must be a tree`)

/**
 * The structure of parameters as text: `number`, `Tensor[2,3]`, `[number, Tensor[3]]`,
 * `{ w: Tensor[2,3], b: number }`; runs of equal leaves in an array are counted
 * (`[number × 1000]`); a value of another kind by what it is (`a Complex`). States record it,
 * so that stepping parameters of another structure with them is an error naming both.
 */
const structureOf = (name: string, params: unknown): string => (shallowStructure(params, 0, []) ?? structureByWalk(name, params)).replace(/\{  \}/g, '{}')

/** Trees up to this deep are described by {@link shallowStructure}; deeper ones by the walk. */
const SHALLOW = 64

/**
 * {@link structureOf} of a tree at most {@link SHALLOW} deep, by recursion, for the common case
 * (`Train.fit` describes its parameters on every call, and the walk cost more than a small
 * model's step); `null` for a deeper tree or a container inside itself (the walk then
 * describes it, or names the cycle). The same text as {@link structureByWalk} (a test checks
 * it), before the empty records are closed up.
 */
const shallowStructure = (u: unknown, depth: number, open: Array<object>): string | null => {
  const kind = Tree.kindOf(u)
  if (kind === Tree.NUMBER || kind === Tree.TENSOR) return showLeaf(u)
  if (kind === Tree.OTHER) return describe(u)
  if (depth >= SHALLOW || open.includes(u as object)) return null
  const parts: Array<string> = []
  if (kind === Tree.ARRAY) {
    const xs = u as ReadonlyArray<unknown>
    if (xs.length > 0 && xs.every((x) => Tree.kindOf(x) <= Tree.TENSOR)) return `[${leafRuns(xs)}]`
    open.push(xs)
    for (const x of xs) {
      const part = shallowStructure(x, depth + 1, open)
      if (part === null) return null
      parts.push(part)
    }
    open.pop()
    return `[${parts.join(', ')}]`
  }
  const r = u as Readonly<Record<string, unknown>>
  open.push(r)
  for (const k of Object.keys(r)) {
    const part = shallowStructure(r[k], depth + 1, open)
    if (part === null) return null
    parts.push(`${showField(k)}: ${part}`)
  }
  open.pop()
  return `{ ${parts.join(', ')} }`
}

/** An array's leaves (numbers and tensors), runs of equal neighbours counted: `number × 3, Tensor[2]`. */
const leafRuns = (xs: ReadonlyArray<unknown>): string => {
  const parts: Array<string> = []
  for (let i = 0; i < xs.length; ) {
    const leaf = showLeaf(xs[i])
    let j = i + 1
    while (j < xs.length && showLeaf(xs[j]) === leaf) j++
    parts.push(j - i === 1 ? leaf : `${leaf} × ${j - i}`)
    i = j
  }
  return parts.join(', ')
}

/** @internal {@link structureOf} by the general walk (any depth, cycles named), before the empty records are closed up. */
export const structureByWalk = (name: string, params: unknown): string => {
  const out: Array<string> = []
  // Lane b: whether the node is its parent's first child (no comma before it).
  Tree.walk(params, true, undefined, undefined, {
    enter: (u, first, _c, _d, cursor) => {
      if (first !== true) out.push(', ')
      if (typeof cursor.key === 'string') out.push(`${showField(cursor.key)}: `)
      const kind = Tree.kindOf(u)
      if (kind === Tree.ARRAY) {
        const xs = u as ReadonlyArray<unknown>
        if (xs.length > 0 && xs.every((x) => Tree.kindOf(x) <= Tree.TENSOR)) {
          // Leaves only: written here, equal neighbours counted.
          out.push(`[${leafRuns(xs)}]`)
          return undefined
        }
        out.push('[')
        for (let i = xs.length - 1; i >= 0; i--) cursor.push(i, xs[i], i === 0)
        return xs
      }
      if (kind === Tree.RECORD) {
        out.push('{ ')
        const r = u as Readonly<Record<string, unknown>>
        const keys = Object.keys(r)
        for (let i = keys.length - 1; i >= 0; i--) cursor.push(keys[i] as string, r[keys[i] as string], i === 0)
        return r
      }
      out.push(kind === Tree.OTHER ? describe(u) : showLeaf(u))
      return undefined
    },
    leave: (u) => {
      out.push(Array.isArray(u) ? ']' : ' }')
    },
    cycle: cycleError(name, 'parameters')
  })
  return out.join('')
}

const showLeaf = (u: unknown): string => (u instanceof Tensor ? `Tensor${showShape(u.shape)}` : typeof u === 'number' ? 'number' : describe(u))

const showField = (key: string): string => (/^[A-Za-z_$][A-Za-z0-9_$]*$/.test(key) ? key : JSON.stringify(key))

/** What a gradient node is, for messages: `a number`, `a tensor of shape [2,3]`, ... */
const describeNode = (u: unknown): string => (u instanceof Tensor ? `a tensor of shape ${showShape(u.shape)}` : typeof u === 'number' ? 'a number' : describe(u))

/**
 * The parameters' numbers and tensors in flatten order, checking on the way that `grad` has
 * the structure of `params` (the first difference is an error naming its path), with the
 * gradient's leaves beside them. `lenient` (an explicit space) leaves other values alone.
 */
const leavesOf = (
  name: string,
  op: string,
  params: unknown,
  grad: unknown,
  lenient: boolean
): { readonly ps: Array<number | Tensor>; readonly gs: Array<number | Tensor>; readonly n: number } => {
  const ps: Array<number | Tensor> = []
  const gs: Array<number | Tensor> = []
  let n = 0
  const fail = (message: string): never => {
    throw new RangeError(`${op}: the gradient does not match the parameters: ${message}`)
  }
  Tree.walk(params, grad, undefined, undefined, {
    enter: (p, g, _c, _d, cursor) => {
      const kind = Tree.kindOf(p)
      if (kind === Tree.NUMBER) {
        if (typeof g !== 'number') fail(`${cursor.show()}: expected a number, got ${describeNode(g)}`)
        ps.push(p as number)
        gs.push(g as number)
        n++
        return undefined
      }
      if (kind === Tree.TENSOR) {
        const t = p as Tensor
        if (!(g instanceof Tensor)) return fail(`${cursor.show()}: expected a tensor of shape ${showShape(t.shape)}, got ${describeNode(g)}`)
        if (!sameShape(t.shape, g.shape)) fail(`${cursor.show()}: expected shape ${showShape(t.shape)}, got ${showShape(g.shape)}`)
        ps.push(t)
        gs.push(g)
        n += t.size
        return undefined
      }
      if (kind === Tree.ARRAY) {
        const xs = p as ReadonlyArray<unknown>
        if (!Array.isArray(g) || g.length !== xs.length) fail(`${cursor.show()}: expected an array of length ${xs.length}, got ${describeNode(g)}`)
        const ys = g as ReadonlyArray<unknown>
        for (let i = xs.length - 1; i >= 0; i--) cursor.push(i, xs[i], ys[i])
        return xs
      }
      if (kind === Tree.RECORD) {
        const r = p as Readonly<Record<string, unknown>>
        if (!Tree.isRecord(g)) return fail(`${cursor.show()}: expected an object, got ${describeNode(g)}`)
        const keys = Object.keys(r)
        for (const k of keys) if (!Object.prototype.hasOwnProperty.call(g, k)) fail(`missing field '${k}' at ${cursor.show()}`)
        for (const k of Object.keys(g)) if (!Object.prototype.hasOwnProperty.call(r, k)) fail(`unexpected field '${k}' at ${cursor.show()}`)
        for (let i = keys.length - 1; i >= 0; i--) cursor.push(keys[i] as string, r[keys[i] as string], g[keys[i] as string])
        return r
      }
      // With an explicit space, other values are the space's business.
      if (lenient) return undefined
      throw new TypeError(`${op}: the parameters hold ${describe(p)} at ${cursor.show()}; pass their VectorSpace to ${name}`)
    },
    cycle: cycleError(op, 'parameters')
  })
  return { ps, gs, n }
}

/**
 * @internal A stretch of coordinates an update loop runs over in one pass: the parameters `p`
 * and the gradient `g` (read), the new parameters `out` (written; `p` itself when `p` is a
 * work array), starting at coordinate `at` of the flat order (states' buffers and messages
 * use it).
 */
export interface Segment {
  readonly p: ReadonlyFloat64Array
  readonly g: ReadonlyFloat64Array
  readonly out: Float64Array
  readonly at: number
}

interface Prepared<P> {
  /** The number of coordinates. */
  readonly n: number
  /** The coordinates in flat order: each tensor its own segment (read in place), each run of numbers one. */
  readonly segments: ReadonlyArray<Segment>
  /** The new parameters from the segments' `out` (whose arrays they keep); gives the work buffers back. */
  readonly finish: () => P
}

/**
 * Segments of the leaves: a tensor's data is read where it is and its new data is a fresh
 * array the new tensor keeps (no copy in, none out); consecutive numbers are gathered into one
 * fresh array, updated in place.
 */
const segmentsOf = (ps: ReadonlyArray<number | Tensor>, gs: ReadonlyArray<number | Tensor>): Array<Segment> => {
  const segments: Array<Segment> = []
  let at = 0
  for (let i = 0; i < ps.length; ) {
    const leaf = ps[i] as number | Tensor
    if (typeof leaf !== 'number') {
      segments.push({ p: leaf.data, g: (gs[i] as Tensor).data, out: zeros(leaf.size), at })
      at += leaf.size
      i++
      continue
    }
    let j = i
    while (j < ps.length && typeof ps[j] === 'number') j++
    const p = zeros(j - i)
    const g = zeros(j - i)
    for (let k = i; k < j; k++) {
      p[k - i] = ps[k] as number
      g[k - i] = gs[k] as number
    }
    segments.push({ p, g, out: p, at })
    at += j - i
    i = j
  }
  return segments
}

/**
 * The leaves of `params` and `grad` in flatten order, when `grad` has exactly the structure of
 * `params` (the same kinds, array lengths, record keys and tensor shapes); `null` at the first
 * difference or at a value that is not a number, tensor, array or plain record, and then
 * {@link leavesOf} finds and names it. A loop over two explicit stacks instead of the general
 * walk: a step of a small model spent more time walking than updating. It is driven by
 * `params`, which every caller has checked to be a tree first (the state's structure, walked
 * or known from the owned step that built them), so it ends whatever `grad` holds.
 */
const matchingLeaves = (params: unknown, grad: unknown): { readonly ps: Array<number | Tensor>; readonly gs: Array<number | Tensor>; readonly n: number } | null => {
  const ps: Array<number | Tensor> = []
  const gs: Array<number | Tensor> = []
  let n = 0
  const pStack: Array<unknown> = [params]
  const gStack: Array<unknown> = [grad]
  while (pStack.length > 0) {
    const p = pStack.pop()
    const g = gStack.pop()
    if (typeof p === 'number') {
      if (typeof g !== 'number') return null
      ps.push(p)
      gs.push(g)
      n++
    } else if (p instanceof Tensor) {
      if (!(g instanceof Tensor) || !sameShape(p.shape, g.shape)) return null
      ps.push(p)
      gs.push(g)
      n += p.size
    } else if (Array.isArray(p)) {
      if (!Array.isArray(g) || g.length !== p.length) return null
      for (let i = p.length - 1; i >= 0; i--) {
        pStack.push(p[i])
        gStack.push(g[i])
      }
    } else if (Tree.isRecord(p)) {
      if (!Tree.isRecord(g)) return null
      const keys = Object.keys(p)
      if (Object.keys(g).length !== keys.length) return null
      for (let i = keys.length - 1; i >= 0; i--) {
        const k = keys[i] as string
        if (!Object.prototype.propertyIsEnumerable.call(g, k)) return null
        pStack.push(p[k])
        gStack.push(g[k])
      }
    } else return null
  }
  return { ps, gs, n }
}

/**
 * Parameters of the structure of `params` with the new coordinates of `segments` (fresh
 * tensors keeping the segments' arrays; records rebuilt as plain objects with their keys in
 * order), built in flatten order from an explicit stack. `params` is a tree (see
 * {@link matchingLeaves}).
 */
const rebuild = (params: unknown, segments: ReadonlyArray<Segment>): unknown => {
  const root: Array<unknown> = [undefined]
  const nodes: Array<unknown> = [params]
  const parents: Array<Array<unknown> | Record<string, unknown>> = [root]
  const keys: Array<Tree.Key> = [0]
  let s = 0
  let at = 0
  while (nodes.length > 0) {
    const p = nodes.pop()
    const out = parents.pop() as Array<unknown> | Record<string, unknown>
    const key = keys.pop() as Tree.Key
    if (typeof p === 'number') {
      const segment = segments[s] as Segment
      Tree.put(out, key, segment.out[at++])
      if (at === segment.out.length) {
        s++
        at = 0
      }
    } else if (p instanceof Tensor) {
      Tree.put(out, key, unsafeFromData(p.shape, (segments[s++] as Segment).out))
    } else if (Array.isArray(p)) {
      const made = new Array<unknown>(p.length)
      Tree.put(out, key, made)
      for (let i = p.length - 1; i >= 0; i--) {
        nodes.push(p[i])
        parents.push(made)
        keys.push(i)
      }
    } else {
      const r = p as Readonly<Record<string, unknown>>
      const ks = Object.keys(r)
      const made = Tree.emptyLike(r, Tree.RECORD, ks) as Record<string, unknown>
      Tree.put(out, key, made)
      for (let i = ks.length - 1; i >= 0; i--) {
        nodes.push(r[ks[i] as string])
        parents.push(made)
        keys.push(ks[i] as string)
      }
    }
  }
  return root[0]
}

/**
 * @internal Work buffers of one optimiser, reused from step to step: allocating fresh
 * `Float64Array`s of a model's size costs more than the update itself. A buffer is taken
 * for the duration of one step and given back at its end, so a re-entrant step gets new
 * ones; no buffer is ever handed to a caller.
 */
export class Scratch {
  private readonly free: Array<Float64Array> = []
  take(n: number): Float64Array {
    const i = this.free.findIndex((b) => b.length === n)
    return i < 0 ? zeros(n) : (this.free.splice(i, 1)[0] as Float64Array)
  }
  give(b: Float64Array): void {
    if (this.free.length >= 2) this.free.shift()
    this.free.push(b)
  }
}

/**
 * @internal The parameters and the gradient as segments of coordinates (checking that their
 * structures agree), and how to build the new parameters from them. Without a space, tensors
 * are read in place and their new data written straight into the new tensors' arrays.
 */
const prepare = <P>(name: string, given: VectorSpace<P> | undefined, params: P, grad: P, scratch: Scratch): Prepared<P> => {
  if (given === undefined) {
    const { ps, gs, n } = matchingLeaves(params, grad) ?? leavesOf(name, `${name}.step`, params, grad, false)
    const segments = segmentsOf(ps, gs)
    return { n, segments, finish: () => rebuild(params, segments) as P }
  }
  leavesOf(name, `${name}.step`, params, grad, true)
  const size = given.size(params)
  const sizeOfGrad = given.size(grad)
  if (sizeOfGrad !== size) throw new RangeError(`${name}.step: the gradient has ${sizeOfGrad} coordinates, the parameters have ${size}`)
  const g = scratch.take(size)
  given.write(grad, g, 0)
  // A user's instance might keep views of `data` in `read`, so the new coordinates go into a
  // fresh array.
  const p = zeros(size)
  given.write(params, p, 0)
  return {
    n: size,
    segments: [{ p, g, out: p, at: 0 }],
    finish: () => {
      const out = given.unflatten(params, p)
      scratch.give(g)
      return out
    }
  }
}

/**
 * @internal What one run of owned steps remembers: the state and the parameters its last step
 * returned. Given exactly those next (as `Train.fit` does), a step knows they have the state's
 * structure and skips the walk that checks it. One slot per run, not a table keyed by every
 * state ever made: a `WeakMap` entry per step made each minor collection of a small model's
 * training loop 27 times slower (measured: 9 ms instead of 0.33 ms).
 */
export class Owned {
  state: object | null = null
  params: unknown = undefined
}

/** @internal An optimiser's step, told whether it runs owned (see {@link ownedStep}). */
export type StepWith<S, P> = (state: S, params: P, grad: P, owned: Owned | null) => readonly [P, S]

/**
 * @internal A step to run on states that no one else holds (`Train.fit`'s own, from `init`
 * and from this step), with its own {@link Owned} memory: the library's optimisers write the
 * new velocities and moments into the given state's buffers instead of fresh ones, and skip
 * the structure walk when given the parameters they returned with that state (or, with
 * `initial`, the state their `init` just made and its parameters); any other optimiser's
 * `step`. The new parameters are fresh values as always.
 */
export const ownedStep = <P, S>(
  optimizer: { readonly step: (state: S, params: P, grad: P) => readonly [P, S] },
  initial?: readonly [S, P]
): ((state: S, params: P, grad: P) => readonly [P, S]) => {
  const step = inPlace.get(optimizer) as StepWith<S, P> | undefined
  if (step === undefined) return optimizer.step
  const owned = new Owned()
  // `initial`: a state the library optimiser's own init just made from these parameters
  if (initial !== undefined) stepped(owned, initial[1], initial[0] as S & object)
  return (state, params, grad) => step(state, params, grad, owned)
}

/**
 * @internal The state's structure checked against `params` (see {@link checkStructure}),
 * without the walk when `params` and `state` are what the last owned step returned.
 */
const checkStructureOwned = (name: string, state: { readonly structure: unknown }, params: unknown, owned: Owned | null): string =>
  owned !== null && owned.state === state && owned.params === params && typeof state.structure === 'string' ? state.structure : checkStructure(name, state.structure, params)

/** @internal The result of a step; an owned one is remembered for {@link checkStructureOwned}. */
export const stepped = <P, S extends object>(owned: Owned | null, params: P, state: S): readonly [P, S] => {
  if (owned !== null) {
    owned.state = state
    owned.params = params
  }
  return [params, state]
}

const inPlace = new WeakMap<object, StepWith<never, never>>()

/** @internal Registers the step of `optimizer` that, run owned, reuses the buffers of the state it is given (see {@link ownedStep}). */
export const withOwnedStep = <O extends object, S, P>(optimizer: O, step: StepWith<S, P>): O => {
  inPlace.set(optimizer, step as unknown as StepWith<never, never>)
  return optimizer
}

/** Where coordinate `i` is, for messages: ` (w[1])`, or nothing with an explicit space (its layout is its own). */
const whereIs = (explicit: boolean, params: unknown, i: number): string => {
  const path = explicit ? null : Tree.coordinatePath(params, i)
  return path === null ? '' : ` (${path})`
}

/**
 * @internal The error for a gradient coordinate that is NaN or infinite. The update loops check each
 * coordinate as they go (one pass): throwing midway leaves nothing behind, since they only
 * write into work buffers and arrays no caller has seen yet.
 */
export const badGradient = (name: string, explicit: boolean, params: unknown, i: number, gi: number): RangeError =>
  new RangeError(`${name}.step: the gradient is ${gi} at coordinate ${i}${whereIs(explicit, params, i)}`)

/**
 * @internal The error for an update that is not finite: the new parameter, or the optimiser's state for
 * it (`what`), overflowed from finite values.
 */
export const badUpdate = (name: string, explicit: boolean, params: unknown, i: number, what: string, value: number, pi: number, gi: number): RangeError =>
  new RangeError(
    `${name}.step: the ${what} at coordinate ${i}${whereIs(explicit, params, i)} is ${value} (the parameter is ${pi}, its gradient ${gi}); ` +
      'the step overflows: lower the learning rate or rescale the loss'
  )

/** @internal A state's step count, a non-negative integer. */
const checkCount = (name: string, count: unknown): number => {
  if (typeof count !== 'number' || !Number.isInteger(count) || count < 0) {
    throw new TypeError(`${name}.step: expected a state from ${name}'s init, its count is ${show(count)}`)
  }
  return count
}

/** @internal What a step of the library's optimisers starts from (see {@link beginStep}). */
export interface Begun<P> extends Prepared<P> {
  /** The state's step count, checked. */
  readonly count: number
  /** The state's structure, checked against the parameters. */
  readonly structure: string
  /** The learning rate at this count. */
  readonly rate: number
}

/**
 * @internal The start every step shares: the state's count and structure checked against
 * `params` (without the walk when `owned` knows them), the rate at that count, and the
 * segments of coordinates to update.
 */
export const beginStep = <P>(
  name: string,
  lr: Rate,
  space: VectorSpace<P> | undefined,
  scratch: Scratch,
  state: { readonly count: unknown; readonly structure: unknown },
  params: P,
  grad: P,
  owned: Owned | null
): Begun<P> => {
  const count = checkCount(name, state.count)
  const structure = checkStructureOwned(name, state, params, owned)
  const rate = rateAt(name, lr, count)
  return { count, structure, rate, ...prepare(name, space, params, grad, scratch) }
}

/** @internal The state's structure, checked to be the structure of `params` (both named otherwise). */
export const checkStructure = (name: string, structure: unknown, params: unknown): string => {
  if (typeof structure !== 'string') {
    throw new TypeError(`${name}.step: expected a state from ${name}'s init, its structure is ${describe(structure)}`)
  }
  const actual = structureOf(`${name}.step`, params)
  if (actual !== structure) {
    throw new RangeError(
      `${name}.step: the state was made for parameters ${showStructure(structure)}, not for ${showStructure(actual)}; make a new state with ${name}'s init`
    )
  }
  return structure
}

/** @internal A state's buffer (velocity, moments): a `Float64Array` of the parameters' size. */
export const checkBuffer = (name: string, key: string, buffer: unknown, n: number): Float64Array => {
  if (!(buffer instanceof Float64Array)) {
    throw new TypeError(`${name}.step: expected a state from ${name}'s init, its ${key} is not a Float64Array`)
  }
  if (buffer.length !== n) {
    throw new RangeError(`${name}.step: the state's ${key} has ${buffer.length} coordinates, the parameters have ${n}`)
  }
  return buffer
}

/** @internal The state's count and structure before the first step, and the parameters' number of coordinates. */
export const initial = <P>(name: string, space: VectorSpace<P> | undefined, params: P): { readonly count: 0; readonly structure: string; readonly n: number } => {
  const structure = structureOf(`${name}.init`, params)
  const n = space !== undefined ? space.size(params) : (matchingLeaves(params, params) ?? leavesOf(name, `${name}.init`, params, params, false)).n
  return { count: 0, structure, n }
}
