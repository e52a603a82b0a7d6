/**
 * Plans: what a lens is made of. Every lens the library builds carries a plan beside its
 * CPS function (under a private symbol); a lens written by hand gets a RAW plan around it.
 * `tape.ts` flattens plans into one instruction array and runs it; `cps.ts` turns a plan
 * into the lens's CPS function. See `docs/architecture.md`.
 *
 * @internal
 * @module internal/plan
 */
import type { Lens } from './lens.js'

/** @internal A lens with its types erased, for the machinery. */
export type AnyLens = Lens<unknown, unknown>
/** @internal */
export type Fn = (a: unknown) => unknown
/** @internal A backward function in the seed's form: `(a, db, b) ↦ da`. */
export type Bwd = (a: unknown, db: unknown, b: unknown) => unknown
/** @internal */
export type Pullback = (db: unknown) => unknown
/** @internal A vector-Jacobian product: `a ↦ [b, pullback]`. */
export type Vjp = (a: unknown) => readonly [unknown, Pullback]
/** @internal See `Plan.second`. */
export type Second = (x: unknown, dy: unknown, y: unknown, u: unknown, wantX: boolean) => readonly [unknown, unknown]

/** @internal A sum of two cotangents. */
export type Add = (x: unknown, y: unknown) => unknown

/**
 * @internal The checks of a primitive on numbers, run by the tape around its plain
 * `forward`/`backward` (so the hot loop calls the rule's own functions, with no wrapper):
 * the tape tests that the input is a finite number and that the result and the cotangent
 * are finite, and calls these to throw the primitive's own error when one is not.
 */
export interface Guard {
  readonly forward: (x: unknown, y: number) => never
  readonly backward: (x: number, dy: number, dx: number) => never
}

// Plan kinds (what a lens is), then the instructions that only flattened programs hold.
/** @internal A primitive: `forward`, `backward(a, db, b)` (the seed's `Function`). */
export const PRIM = 0
/** @internal A primitive given by `vjp(a) = [b, pullback]` (and optionally a cheaper `forward`). */
export const VJP = 1
/** @internal A lens written by hand as a CPS function (`raw`). */
export const RAW = 2
/** @internal A composition: `parts`, run first to last. */
export const SEQ = 3
/** @internal The identity. */
export const ID = 4
/** @internal A product: `left` and `right` side by side (`split`) or on one input (`fanout`, with `add`). */
export const PAIR = 5
/** @internal Instruction: a split begins; the input pair's second half waits on the stack. */
export const SPLIT = 6
/** @internal Instruction: a fanout begins; the input waits on the stack for the right branch. */
export const FANOUT = 7
/** @internal Instruction: the left branch has ended; the right branch begins. */
export const MID = 8
/** @internal Instruction: the right branch has ended; the two outputs are paired. */
export const END = 9

/**
 * One class for every kind of plan and instruction keeps the hot loops' property loads
 * monomorphic. Plans are immutable but for their caches.
 *
 * @internal
 */
export class Plan {
  /** Cache of the flattened program (see `tape.ts`); plans are immutable, so it never goes stale. */
  program: unknown = null
  /** PAIR: its three instructions, made when first flattened. RAW: its capture step (`tape.ts`). */
  code: ReadonlyArray<Plan> | null = null
  /** PRIM on numbers: the checks the tape runs around it. */
  guard: Guard | null = null
  /**
   * PRIM and VJP: the backward pass written as a lens `[a, db] ↦ da` (made when first asked:
   * its parts' own backward lenses are made lazily too), for higher-order derivatives.
   * `null`: a plain-function backward, first order only.
   */
  rev: (() => AnyLens) | null = null
  /**
   * PRIM: the pullback of its backward pass at `(x, dy)` for the cotangent `u` of `dx`,
   * computed directly: `[x̄, d̄y]` (`x̄` only when `wantX`). A rule's is
   * `[R[f′](x, dy·u), backward(x, u, y)]`. `null`: from `rev`.
   */
  second: Second | null = null
  constructor(
    readonly tag: number,
    /** The name messages use: `'split'`, `'fanout'`, or a primitive's name (`''` if none). */
    readonly name: string,
    readonly forward: Fn | null,
    readonly backward: Bwd | null,
    readonly vjp: Vjp | null,
    readonly raw: AnyLens | null,
    readonly parts: ReadonlyArray<Plan> | null,
    readonly left: Plan | null,
    readonly right: Plan | null,
    readonly add: Add | null
  ) {}
}

const PLAN: unique symbol = Symbol('backprop-lens/plan')
type Tagged = { readonly [PLAN]?: Plan }

/** Plans of lenses written by hand, without touching the user's function. */
const rawPlans = new WeakMap<AnyLens, Plan>()

const describe = (u: unknown): string => (u === null ? 'null' : Array.isArray(u) ? 'an array' : typeof u)

/** @internal The plan of any lens: its own, or a RAW plan around a hand-written one. */
export const planOf = (lens: AnyLens): Plan => {
  if (typeof lens !== 'function') throw new TypeError(`Lens: expected a lens (a function of next), got ${describe(lens)}`)
  const own = (lens as Tagged)[PLAN]
  if (own !== undefined) return own
  let plan = rawPlans.get(lens)
  if (plan === undefined) {
    plan = new Plan(RAW, lens.name, null, null, null, lens, null, null, null, null)
    rawPlans.set(lens, plan)
  }
  return plan
}

/**
 * @internal Tags a lens's CPS function with its plan. (A plain assignment: building a
 * million lenses with `Object.defineProperty` costs several times more.)
 */
export const attach = <L extends object>(lens: L, plan: Plan): L => {
  ;(lens as { [PLAN]?: Plan })[PLAN] = plan
  return lens
}

/** @internal Erases a lens's types for the machinery (lenses are invariant). */
export const erase = <A, B>(lens: Lens<A, B>): AnyLens => lens as unknown as AnyLens

/** @internal */
export const primPlan = (forward: Fn, backward: Bwd, name = '', guard: Guard | null = null, rev: (() => AnyLens) | null = null): Plan => {
  const plan = new Plan(PRIM, name, forward, backward, null, null, null, null, null, null)
  plan.guard = guard
  plan.rev = rev
  return plan
}
/** @internal */
export const vjpPlan = (vjp: Vjp, forward: Fn | null, name = ''): Plan =>
  new Plan(VJP, name, forward, null, vjp, null, null, null, null, null)
/** @internal */
export const seqPlan = (parts: ReadonlyArray<Plan>): Plan => new Plan(SEQ, '', null, null, null, null, parts, null, null, null)
/** @internal */
export const idPlan: Plan = new Plan(ID, 'id', null, null, null, null, null, null, null, null)
/**
 * @internal A product: `add === null` runs `left` and `right` on the two halves of a pair
 * (`split`); otherwise both on the same input, adding the two cotangents (`fanout`).
 */
export const pairPlan = (name: string, left: Plan, right: Plan, add: Add | null): Plan =>
  new Plan(PAIR, name, null, null, null, null, null, left, right, add)
/** @internal An instruction of a flattened product (see `tape.ts`). */
export const instruction = (tag: number, name: string, add: Add | null): Plan =>
  new Plan(tag, name, null, null, null, null, null, null, null, add)
