/**
 * The machinery behind `Lens`: every lens this library builds carries a *plan* (what it is
 * made of) beside its CPS function. Compositions are flattened into an array of steps by a
 * loop, and the public entry points run that array with a forward loop and a reverse loop
 * (a tape), so that a composition of any length runs in constant JavaScript stack. A lens
 * written by hand as a raw CPS function is a step like any other, run through `Cont`.
 *
 * @internal
 * @module internal
 */
import * as C from './Cont.js'

/** @internal */
export type Flow<A, R> = (a: A) => C.Cont<R, A>
/** @internal */
export type Lens<A, B> = <R>(next: Flow<B, R>) => Flow<A, R>

type Fn = (a: unknown) => unknown
type Bwd = (a: unknown, db: unknown, b: unknown) => unknown
type Pullback = (db: unknown) => unknown
type Vjp = (a: unknown) => readonly [unknown, Pullback]
/** @internal A lens with its types erased, for the machinery. */
export type AnyLens = Lens<unknown, unknown>
type AnyFlow = Flow<unknown, unknown>

/** @internal */
export const PRIM = 0
/** @internal */
export const VJP = 1
const RAW = 2
const SEQ = 3
const ID = 4

/**
 * One class for every kind of plan keeps the hot loops' property loads monomorphic.
 * - PRIM: `forward`, `backward(a, db, b)` (the seed's `Function`, with the output as a bonus);
 * - VJP: `vjp(a) = [b, pullback]` and optionally a cheaper `forward`;
 * - RAW: a CPS function written by hand (`raw`);
 * - SEQ: `parts`, run first to last; ID: nothing.
 *
 * @internal
 */
export class Plan {
  /** Cache of the flattened steps; plans are immutable, so it never goes stale. */
  program: Program | null = null
  constructor(
    readonly tag: number,
    readonly forward: Fn | null,
    readonly backward: Bwd | null,
    readonly vjp: Vjp | null,
    readonly raw: AnyLens | null,
    readonly parts: ReadonlyArray<AnyLens> | null
  ) {}
}

/** @internal A flattened composition: steps are PRIM, VJP or RAW plans. */
export interface Program {
  readonly steps: ReadonlyArray<Plan>
  /** No RAW step: the whole program can run as a tape, without `Cont`. */
  readonly tape: boolean
}

const PLAN: unique symbol = Symbol('backprop-lens/plan')
type Tagged = { readonly [PLAN]?: Plan }

/** Plans of lenses written by hand, without touching the user's function. */
const rawPlans = new WeakMap<AnyLens, Plan>()

/** @internal The plan of any lens: its own, or a RAW plan around a hand-written one. */
export const planOf = (lens: AnyLens): Plan => {
  if (typeof lens !== 'function') {
    throw new TypeError(`Lens: expected a lens (a function of next), got ${lens === null ? 'null' : typeof lens}`)
  }
  const own = (lens as Tagged)[PLAN]
  if (own !== undefined) return own
  let plan = rawPlans.get(lens)
  if (plan === undefined) {
    plan = new Plan(RAW, null, null, null, lens, null)
    rawPlans.set(lens, plan)
  }
  return plan
}

/** @internal Erases a lens's types for the machinery (lenses are invariant). */
export const erase = <A, B>(lens: Lens<A, B>): AnyLens => lens as unknown as AnyLens

/** @internal Builds the public lens of a plan: its CPS function, tagged with the plan. */
export const fromPlan = <A, B>(plan: Plan): Lens<A, B> => {
  const lens = <R>(next: Flow<B, R>): Flow<A, R> =>
    buildFlow(compile(plan), next as unknown as AnyFlow) as unknown as Flow<A, R>
  Object.defineProperty(lens, PLAN, { value: plan })
  return lens
}

/** @internal */
export const primPlan = (forward: Fn, backward: Bwd): Plan => new Plan(PRIM, forward, backward, null, null, null)
/** @internal */
export const vjpPlan = (vjp: Vjp, forward: Fn | null): Plan => new Plan(VJP, forward, null, vjp, null, null)
/** @internal */
export const seqPlan = (parts: ReadonlyArray<AnyLens>): Plan => new Plan(SEQ, null, null, null, null, parts)
/** @internal */
export const idPlan: Plan = new Plan(ID, null, null, null, null, null)

// -------------------------------------------------------------------------------------
// flattening
// -------------------------------------------------------------------------------------

/**
 * Flattens a plan into its steps with an explicit stack, so compositions nested a million
 * deep to the left or to the right flatten without recursion.
 *
 * @internal
 */
export const compile = (root: Plan): Program => {
  if (root.program !== null) return root.program
  const steps: Array<Plan> = []
  const todo: Array<Plan> = [root]
  let tape = true
  while (todo.length > 0) {
    const plan = todo.pop() as Plan
    if (plan.tag === SEQ) {
      if (plan.program !== null) {
        for (const step of plan.program.steps) steps.push(step)
        tape = tape && plan.program.tape
        continue
      }
      const parts = plan.parts as ReadonlyArray<AnyLens>
      for (let i = parts.length - 1; i >= 0; i--) todo.push(planOf(parts[i] as AnyLens))
    } else if (plan.tag !== ID) {
      steps.push(plan)
      if (plan.tag === RAW) tape = false
    }
  }
  const program: Program = { steps, tape }
  root.program = program
  return program
}

// -------------------------------------------------------------------------------------
// running a tape
// -------------------------------------------------------------------------------------

/** @internal Runs the steps `[from, to)` forward and returns only the output. */
export const forwardOnly = (steps: ReadonlyArray<Plan>, from: number, to: number, a: unknown): unknown => {
  let v = a
  for (let i = from; i < to; i++) {
    const step = steps[i] as Plan
    if (step.forward !== null) v = step.forward(v)
    else v = (step.vjp as Vjp)(v)[0]
  }
  return v
}

/**
 * @internal A recorded forward pass: `values[i]` is the input of step `from + i`, the last
 * one the output; `pullbacks[i]` is set for VJP steps.
 */
export interface Tape {
  readonly steps: ReadonlyArray<Plan>
  readonly from: number
  readonly values: Array<unknown>
  readonly pullbacks: Array<Pullback | undefined> | null
}

/** @internal Runs the steps `[from, to)` forward, recording what the backward pass needs. */
export const record = (steps: ReadonlyArray<Plan>, from: number, to: number, a: unknown): Tape => {
  const n = to - from
  const values: Array<unknown> = new Array(n + 1)
  let pullbacks: Array<Pullback | undefined> | null = null
  let v = a
  values[0] = v
  for (let i = 0; i < n; i++) {
    const step = steps[from + i] as Plan
    if (step.tag === PRIM) {
      v = (step.forward as Fn)(v)
    } else {
      const out = (step.vjp as Vjp)(v)
      v = out[0]
      if (pullbacks === null) pullbacks = new Array(n)
      pullbacks[i] = out[1]
    }
    values[i + 1] = v
  }
  return { steps, from, values, pullbacks }
}

/** @internal The output of a recorded forward pass. */
export const output = (tape: Tape): unknown => tape.values[tape.values.length - 1]

/** @internal Runs a recorded tape backward from the output cotangent `db`. */
export const replay = (tape: Tape, db: unknown): unknown => {
  const { steps, from, values, pullbacks } = tape
  let d = db
  for (let i = values.length - 2; i >= 0; i--) {
    const step = steps[from + i] as Plan
    if (step.tag === PRIM) d = (step.backward as Bwd)(values[i], d, values[i + 1])
    else d = ((pullbacks as Array<Pullback>)[i] as Pullback)(d)
  }
  return d
}

// -------------------------------------------------------------------------------------
// the CPS form
// -------------------------------------------------------------------------------------

/** How many hand-written lenses in a row may call `next` without a delay between them. */
const EAGER_RAW = 64

/** Delays a flow, so that a hand-written lens calling `next` eagerly cannot grow the stack. */
const lazy =
  (next: AnyFlow): AnyFlow =>
  (b) =>
    C.defer(() => next(b))

/** A run of tape steps `[from, to)` as one CPS stage: forward, then `next`, then backward. */
const segmentFlow =
  (steps: ReadonlyArray<Plan>, from: number, to: number, next: AnyFlow): AnyFlow =>
  (a) =>
    C.defer(() => {
      const tape = record(steps, from, to, a)
      return C.map(next(output(tape)), (db) => replay(tape, db))
    })

/**
 * The CPS function of a program applied to `next`: stages are built from the last to the
 * first by a loop; consecutive tape steps fuse into one stage.
 */
const buildFlow = (program: Program, next: AnyFlow): AnyFlow => {
  const steps = program.steps
  let flow = next
  let end = steps.length
  // Hand-written lenses may call `next` eagerly, nesting one native call per lens: every
  // EAGER_RAW of them in a row, `next` is delayed, which bounds that nesting. (Delaying every
  // one costs a Cont node per lens: 15–40% on long raw chains.)
  let eager = 0
  while (end > 0) {
    const last = steps[end - 1] as Plan
    if (last.tag === RAW) {
      if (eager >= EAGER_RAW) {
        flow = lazy(flow)
        eager = 0
      }
      flow = (last.raw as AnyLens)(flow)
      eager += 1
      end -= 1
    } else {
      eager = 0
      let start = end - 1
      while (start > 0 && (steps[start - 1] as Plan).tag !== RAW) start -= 1
      flow = segmentFlow(steps, start, end, flow)
      end = start
    }
  }
  return flow
}

// -------------------------------------------------------------------------------------
// running a lens (shared by Lens and the combinators built on plans)
// -------------------------------------------------------------------------------------

/** @internal The flattened program of any lens. */
export const programOf = (lens: AnyLens): Program => compile(planOf(lens))

/** @internal The forward pass alone. */
export const evaluateLens = (lens: AnyLens, a: unknown): unknown => {
  const program = programOf(lens)
  if (program.tape) return forwardOnly(program.steps, 0, program.steps.length, a)
  return C.run(
    lens((b) => C.make(() => b))(a),
    () => {
      throw new Error('Lens.evaluate: the lens answered without calling next, so it has no output')
    }
  )
}

const PENDING: unique symbol = Symbol('backprop-lens/pending')
const MANY = 'Lens.vjp: the lens called next more than once; only single-shot lenses have a pullback (backPropagate runs any lens)'

/** @internal The output and a reusable pullback, from one forward pass. */
export const vjpLens = (lens: AnyLens, a: unknown): readonly [unknown, Pullback] => {
  const program = programOf(lens)
  if (program.tape) {
    const tape = record(program.steps, 0, program.steps.length, a)
    return [output(tape), (db) => replay(tape, db)]
  }
  // A hand-written lens: the continuation captured at the end of the forward pass *is*
  // the pullback (continuations are multi-shot, so it may be called again and again).
  // Only single-shot lenses have a pullback: a lens that calls `next` again (from inside a
  // pullback) would need the answers of both calls, which this capture cannot give.
  let captured = null as { readonly b: unknown; readonly k: Pullback } | null
  C.run(
    lens((b) =>
      C.make((k) => {
        if (captured !== null) throw new Error(MANY)
        captured = { b, k }
        return PENDING
      })
    )(a),
    (da) => da
  )
  if (captured === null) throw new Error('Lens.vjp: the lens answered without calling next, so it has no output')
  const { b, k } = captured
  return [
    b,
    (db) => {
      const da = k(db)
      if (da === PENDING) throw new Error(MANY)
      return da
    }
  ]
}
