/**
 * The model of direct-style programs: variables (which are also requests and trace steps),
 * runs, frames, and the trace's shape. The driver is `direct.ts`; structures of variables and
 * cotangent sums are `direct-values.ts`.
 *
 * **Variables** hold a value and a cotangent cell (`d`), summed over their uses during the
 * backward pass. A cell counts only when its `epoch` is the run's current backward pass, so
 * a pullback can be run again (`Lens.vjp`) without clearing anything.
 *
 * @internal
 * @module internal/direct-model
 */
import * as C from '../Cont.js'
import type { VectorSpace } from '../VectorSpace.js'
import type { Flow } from './lens.js'
import { Plan, RAW } from './plan.js'

/** @internal */
export type AnyFlow = Flow<unknown, unknown>
/** @internal What a program's body returns when called: an iterator of requests (a generator). */
export type Body = (...args: Array<unknown>) => Iterator<unknown, unknown, unknown>

// -------------------------------------------------------------------------------------
// variables, requests and steps: one object
// -------------------------------------------------------------------------------------

/** @internal Roles of a `Var` (its `kind`). Requests waiting for the driver: an apply… */
export const APPLY = 0
/** @internal … a call of a `Direct.fn` … */
export const CALL = 1
/** @internal … an apply answered `[output, steps]` (for building the reverse of a program). */
export const TRACED = 2
/** @internal A variable of `run` that no step made (an input, or a part of a structured output). */
export const VARIABLE = 3
/** @internal A constant: usable in any run, never receiving a cotangent. */
export const CONSTANT = 4
/** @internal A `Direct.fn` call the driver has run. */
export const CALLED = 5
/** @internal Steps (a lens the run applied), by how their backward pass runs: `aux` is the input's value. */
export const PRIM_STEP = 6
/** @internal `aux` is the pullback. */
export const VJP_STEP = 7
/** @internal `aux` is the recorded tape of the lens's program. */
export const TAPE_STEP = 8
/** @internal A lens run as CPS (its backward pass lives in its `Cont`); `aux` is the input's value. */
export const CPS_STEP = 9

/** Iterator states: not delegated to yet, waiting for the driver's answer, answered. */
/** @internal */
export const FRESH = 0
/** @internal */
export const WAITING = 1
/** @internal */
export const ANSWERED = 2

/**
 * @internal One object per apply, for speed and memory (a million applies make a million of
 * these): it is the request `yield*` hands to the driver — its own iterator and its own
 * iterator result (`yield*` passes a pending result straight to the driver, and the driver's
 * answer comes back as the second `next`) —, then the run's record of the step (the trace),
 * and, when the lens's output is a single leaf, the output variable itself (`output === this`).
 * Plain variables (inputs, parts of structured outputs) and constants are the same class, so
 * every property load in the hot loops sees one shape.
 *
 * As a variable: `run` owns it, `primal` is its value, `d` the cotangent summed so far in
 * backward pass `epoch` (stale when `epoch` is not the run's). Variables hold leaves (numbers,
 * tensors, other non-structural values); tuples and records of values are tuples and records
 * of variables.
 */
export class Var {
  // the iterator protocol
  done = false
  value: unknown = this
  state = FRESH
  // the variable
  run: Run | null = null
  primal: unknown = undefined
  d: unknown = undefined
  epoch = 0
  // the step
  plan: Plan | null = null
  output: unknown = null
  /** CALL: the function's name; steps: what the backward pass needs (see the step kinds). */
  aux: unknown = null
  constructor(
    public kind: number,
    /** APPLY: the lens; CALL: the body of the `Direct.fn`. */
    readonly op: unknown,
    /** APPLY: the input variables; CALL: the arguments. */
    readonly input: unknown
  ) {}
  [Symbol.iterator](): Var {
    if (this.state === FRESH && this.kind <= TRACED) return this
    // An answered request is the trace's step and often the output variable: both land here.
    throw new TypeError('yield* of a variable, or of a request that has already run: write yield* Direct.apply(lens, input), a new request for each apply')
  }
  next(answer?: unknown): Var {
    if (this.state === FRESH) {
      this.state = WAITING
      return this
    }
    this.state = ANSWERED
    this.done = true
    this.value = answer
    return this
  }
  /** The driver throws errors of the apply into the generator, at its `yield*`. */
  throw(e: unknown): never {
    this.state = ANSWERED
    throw e
  }
  return(value?: unknown): Var {
    this.state = ANSWERED
    this.done = true
    this.value = value
    return this
  }
}

/** @internal A variable of `run` holding `v` (`run === null`: a constant). */
export const variable = (run: Run | null, v: unknown): Var => {
  const u = new Var(run === null ? CONSTANT : VARIABLE, null, null)
  u.state = ANSWERED
  u.done = true
  u.run = run
  u.primal = v
  return u
}

/** @internal A request for the driver. */
export const request = (kind: number, op: unknown, input: unknown, name: string | null = null): Var => {
  const r = new Var(kind, op, input)
  r.aux = name
  return r
}

// -------------------------------------------------------------------------------------
// programs, runs and the trace
// -------------------------------------------------------------------------------------

/** @internal A program made by `Direct.lens`. */
export interface ProgramDef {
  readonly body: Body
  readonly name: string
  readonly space: VectorSpace<unknown> | undefined
}

/**
 * @internal The trace of one run, in the order things ran: the program's input variables,
 * every step, and the output variables. A step is a `Var` whose `kind` is a step kind: `op`
 * is the lens applied, `input` the structure of variables it read, `output` the structure of
 * variables it made (itself, for a single leaf), `primal` the output's value, and `aux` what
 * its backward pass needs (the input's value, a pullback or a tape). Control flow is resolved:
 * branches not taken and loop trips not made are absent; calls of `Direct.fn` and applies of
 * other programs appear as the steps they made. Every variable is an input, a constant, or
 * the output (or part of the output) of exactly one step, so the trace is a straight-line
 * program in A-normal form over lenses. The reverse derivative of the program at this input is
 * then the reverse of each step's lens applied in reverse order, with the cotangents of
 * variables used several times summed — a program itself (`direct-reverse.ts` builds it,
 * given the reverse of one lens).
 */
export interface Trace {
  readonly program: string
  readonly input: unknown
  readonly steps: ReadonlyArray<Var>
  readonly output: unknown
}

/** @internal Frame kinds: a program (`Direct.lens`), a function (`Direct.fn`). */
export const LENS_FRAME = 0
/** @internal */
export const FN_FRAME = 1

/** @internal One generator on the run's stack. `from >= 0` marks a traced apply (answered with the steps since `from`). */
export class Frame {
  constructor(
    readonly gen: Iterator<unknown, unknown, unknown>,
    readonly kind: number,
    readonly name: string,
    readonly from: number
  ) {}
  get label(): string {
    return `${this.kind === LENS_FRAME ? 'Direct.lens' : 'Direct.fn'}(${this.name})`
  }
}

/** @internal One run of a program: its variables' owner, its trace and its stack. */
export class Run {
  /** The trace: every step, in order. */
  readonly steps: Array<Var> = []
  readonly frames: Array<Frame> = []
  /** The current backward pass (cells of other epochs are stale). */
  epoch = 0
  inputs: unknown = undefined
  result: unknown = undefined
  /** The CPS step the driver stopped at, and whether its apply was traced. */
  pending: Var | null = null
  pendingTraced = false
  constructor(
    readonly def: ProgramDef,
    readonly next: AnyFlow
  ) {}
}

/**
 * V8 keeps an object layout (map) alive only while some object has it: the field
 * transitions from a class's initial map are weak. Between two runs no `Var`, `Run` or `Frame`
 * is alive, so a full garbage collection would drop their maps and deoptimize every function
 * that uses them (the driver, the user's generators) at each major GC — measured: 10× slower
 * for the next ~50 runs. One instance of each, its fields already generalized to any value,
 * keeps the layouts alive (exported only so that nothing counts it unused).
 *
 * @internal
 */
export const pinned: ReadonlyArray<object> = (() => {
  const plan = new Plan(RAW, '', null, null, null, null, null, null, null, null)
  const def: ProgramDef = { body: () => ({ next: () => ({ done: true, value: undefined }) }), name: '', space: undefined }
  const run = new Run(def, () => C.of(undefined))
  const frame = new Frame({ next: () => ({ done: true, value: undefined }) }, LENS_FRAME, '', -1)
  const v = new Var(APPLY, null, null)
  for (const value of [1, 1.5, plan, null, undefined]) {
    v.value = value
    v.primal = value
    v.d = value
    v.aux = value
    v.output = value
    run.inputs = value
    run.result = value
  }
  v.run = run
  v.plan = plan
  run.pending = v
  return [v, run, frame]
})()
