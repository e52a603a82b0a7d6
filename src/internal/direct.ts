/**
 * The driver of direct-style programs (`Direct.lens`, `Direct.fn`): runs a program's
 * generators from an explicit stack, applies lenses to its variables, keeps the run's trace,
 * and builds the run as a CPS flow through `Cont`.
 *
 * **A run as CPS.** A program applied to `next` gives the flow `a ↦ Cont` that runs the
 * generator forward. Consecutive applies of plan-backed lenses (primitives, compositions,
 * products: whatever `tape.ts` runs as a tape) are run on the spot and recorded; together
 * they form one *segment*, one `Cont.map` whose function is the segment's backward pass
 * (the reverse loop over its records). A lens whose program needs `Cont` (one written by hand
 * as a CPS function) ends the segment: it is applied, as CPS, to a `next` that resumes the
 * generator (the next segment), and its own `Cont` carries the cotangent of its input back.
 * When the generator returns, the program's `next` receives the output, and the cotangent
 * it yields starts the backward pass. So a program is literally the composition of its
 * applies in CPS, as Lantern's `shift { k => …; k(y); x.d += … }`, with each segment one
 * `shift` whose continuation is the rest of the program.
 *
 * **Variables** hold a value and a cotangent cell (`d`), summed over their uses during the
 * backward pass. A cell counts only when its `epoch` is the run's current backward pass, so
 * a pullback can be run again (`Lens.vjp`) without clearing anything.
 *
 * **The explicit stack.** `yield* Direct.apply(…)` and `yield* f(…)` (a `Direct.fn`) yield a
 * request to the driver, which resumes the generator with the answer. A call of a `Direct.fn`,
 * or the application of another `Direct.lens` program, pushes that program's generator on the
 * run's frame stack instead of nesting native `yield*` frames, so recursion and loops of any
 * length run in constant JavaScript stack. Errors travel down the frame stack as they would
 * down a call stack: an error thrown at a `yield*` (bad input, a primitive's forward pass) is
 * thrown into that generator, which may catch it; one no frame catches leaves the run with the
 * program's name.
 *
 * **The trace** (for `Lens.reverse` of programs, see `Trace` below): `run.steps` lists every
 * lens the run applied, in order, with the variables it read and the variables it made.
 *
 * @internal
 * @module internal/direct
 */
import * as C from '../Cont.js'
import type { Cont } from '../Cont.js'
import * as VS from '../VectorSpace.js'
import type { VectorSpace } from '../VectorSpace.js'
import { describe } from './guards.js'
import type { Flow, Lens } from './lens.js'
import { PRIM, RAW, VJP, Plan, attach, planOf, type AnyLens, type Bwd, type Fn, type Pullback, type Vjp } from './plan.js'
import { compile, output, record, replay, type Tape } from './tape.js'
import { Tensor } from './tensor.js'

type AnyFlow = Flow<unknown, unknown>
type AnyCont = Cont<unknown, unknown>
/** What a program's body returns when called: an iterator of requests (a generator). */
type Body = (...args: Array<unknown>) => Iterator<unknown, unknown, unknown>

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
const FRESH = 0
const WAITING = 1
const ANSWERED = 2

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

const LENS_FRAME = 0
const FN_FRAME = 1

/** One generator on the run's stack. `from >= 0` marks a traced apply (answered with the steps since `from`). */
class Frame {
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

/** The definitions of `Direct.lens` programs, by plan (to run them inline). */
const programs = new WeakMap<Plan, ProgramDef>()

/** @internal The program behind a lens made by `Direct.lens`, if it is one. */
export const programOf = (lens: AnyLens): ProgramDef | undefined => {
  const plan = planOf(lens)
  return plan.tag === RAW ? programs.get(plan) : undefined
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

// -------------------------------------------------------------------------------------
// structures of variables
// -------------------------------------------------------------------------------------

/** @internal A plain record (not an array, not a class instance): taken apart into variables. */
export const isRecord = (u: unknown): u is Readonly<Record<string, unknown>> => {
  if (u === null || typeof u !== 'object' || Array.isArray(u)) return false
  const proto = Object.getPrototypeOf(u) as unknown
  return proto === Object.prototype || proto === null
}

/** @internal A value as variables of `run` (`null`: constants). */
export const toVars = (run: Run | null, y: unknown): unknown => {
  if (typeof y === 'number' || y instanceof Tensor) return variable(run, y)
  if (Array.isArray(y)) {
    const out = new Array<unknown>(y.length)
    for (let i = 0; i < y.length; i++) out[i] = toVars(run, y[i])
    return out
  }
  if (isRecord(y)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(y)) out[k] = toVars(run, y[k])
    return out
  }
  return variable(run, y)
}

/** A variable `run` may use (`run === null`: any run's, as `Direct.value` reads them). */
const usable = (run: Run | null, u: Var): boolean => (u.run !== null && (run === null || u.run === run)) || u.kind === CONSTANT

/** Where in a structure the first thing that is not a usable variable sits (`''`: the root; null: nowhere). */
const badPath = (run: Run | null, u: unknown): string | null => {
  if (u instanceof Var) return usable(run, u) ? null : ''
  if (Array.isArray(u)) {
    for (let i = 0; i < u.length; i++) {
      const p = badPath(run, u[i])
      if (p !== null) return `[${i}]${p}`
    }
    return null
  }
  if (isRecord(u)) {
    for (const k of Object.keys(u)) {
      const p = badPath(run, u[k])
      if (p !== null) return `.${k}${p}`
    }
    return null
  }
  return ''
}

const at = (path: string, u: unknown): unknown => {
  let v = u
  for (const m of path.matchAll(/\[(\d+)\]|\.([^.[]+)/g)) {
    v = m[1] !== undefined ? (v as ReadonlyArray<unknown>)[Number(m[1])] : (v as Record<string, unknown>)[m[2] as string]
  }
  return v
}

/** @internal The error for a structure that is not made of variables `run` may use. */
export const notVariables = (op: string, what: string, run: Run | null, u: unknown): TypeError => {
  const path = badPath(run, u) ?? ''
  const where = path === '' ? what : `${what} at ${path}`
  const bad = at(path, u)
  if (bad instanceof Var) {
    if (bad.kind <= TRACED) return new TypeError(`${op}: ${where} is a request that has not run (write yield* before Direct.apply)`)
    return new TypeError(`${op}: ${where} is a variable of another run (a variable lives for one run of its program; pass values in through the program's input)`)
  }
  return new TypeError(`${op}: ${where} is ${describe(bad)}, not a variable (make constants with Direct.constant)`)
}

/** @internal The values of a structure of variables `run` may use, or an error naming `op` and `what`. */
export const gather = (op: string, what: string, run: Run | null, u: unknown): unknown => {
  if (u instanceof Var && usable(run, u)) return u.primal
  return gatherSlow(op, what, run, u, u)
}

const gatherSlow = (op: string, what: string, run: Run | null, u: unknown, root: unknown): unknown => {
  if (u instanceof Var) {
    if (usable(run, u)) return u.primal
    throw notVariables(op, what, run, root)
  }
  if (Array.isArray(u)) {
    const out = new Array<unknown>(u.length)
    for (let i = 0; i < u.length; i++) out[i] = gatherSlow(op, what, run, u[i], root)
    return out
  }
  if (isRecord(u)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(u)) out[k] = gatherSlow(op, what, run, u[k], root)
    return out
  }
  throw notVariables(op, what, run, root)
}

/** @internal The same structure with every variable replaced by a constant holding its value. */
export const constants = (op: string, u: unknown): unknown => {
  if (u instanceof Var && usable(null, u)) return u.kind === CONSTANT ? u : variable(null, u.primal)
  if (Array.isArray(u)) return u.map((v) => constants(op, v))
  if (isRecord(u)) {
    const out: Record<string, unknown> = {}
    for (const k of Object.keys(u)) out[k] = constants(op, u[k])
    return out
  }
  throw notVariables(op, 'the argument', null, u)
}

// -------------------------------------------------------------------------------------
// cotangents
// -------------------------------------------------------------------------------------

const NONE: unique symbol = Symbol('backprop-lens/no-cotangent')

const why = (e: unknown): string => (e instanceof Error ? e.message : String(e))

const sum = (run: Run, a: unknown, b: unknown): unknown => {
  if (typeof a === 'number' && typeof b === 'number') return a + b
  const space = run.def.space
  try {
    if (space !== undefined) return space.add(a, b)
    if (typeof a === 'number' || typeof b === 'number') throw new TypeError(`${describe(a)} and ${describe(b)}`)
    if (a instanceof Tensor) return VS.tensor.add(a, b as Tensor)
    return VS.infer(a).add(a, b)
  } catch (e) {
    throw new RangeError(`cannot add the cotangents of a variable used more than once (${why(e)}); give the program its VectorSpace with the space option`, { cause: e })
  }
}

const zeroOf = (run: Run, v: Var): unknown => {
  const value = v.primal
  if (typeof value === 'number') return 0
  const space = run.def.space
  try {
    if (space !== undefined) return space.zero(value)
    if (value instanceof Tensor) return VS.tensor.zero(value)
    return VS.infer(value).zero(value)
  } catch (e) {
    throw new TypeError(`cannot make a zero cotangent for a variable holding ${describe(value)} (${why(e)}); give the program its VectorSpace with the space option`, { cause: e })
  }
}

/** Adds `d` to the cells of the variables `u` (a structure matching `d`); constants drop theirs. */
const accumulate = (run: Run, u: unknown, d: unknown): void => {
  if (u instanceof Var) {
    if (u.run !== run) return
    if (u.epoch !== run.epoch) {
      u.d = d
      u.epoch = run.epoch
    } else u.d = sum(run, u.d, d)
    return
  }
  if (Array.isArray(u)) {
    if (!Array.isArray(d) || d.length !== u.length) {
      throw new TypeError(`the cotangent (${describe(d)}) does not match the structure of the input (an array of length ${u.length})`)
    }
    for (let i = 0; i < u.length; i++) accumulate(run, u[i], d[i])
    return
  }
  const record = u as Readonly<Record<string, unknown>>
  if (d === null || typeof d !== 'object') {
    throw new TypeError(`the cotangent (${describe(d)}) does not match the structure of the input (a record)`)
  }
  const dr = d as Readonly<Record<string, unknown>>
  for (const k of Object.keys(record)) {
    if (!(k in dr)) throw new TypeError(`the cotangent has no field '${k}' of the input`)
    accumulate(run, record[k], dr[k])
  }
}

const reached = (run: Run, u: unknown): boolean => {
  if (u instanceof Var) return u.epoch === run.epoch && u.run === run
  if (Array.isArray(u)) return u.some((v) => reached(run, v))
  if (isRecord(u)) return Object.keys(u).some((k) => reached(run, u[k]))
  return false
}

/** @internal The cotangent of a structure of variables, zeros where none was received. */
export const fill = (run: Run, u: unknown): unknown => {
  if (u instanceof Var) return u.epoch === run.epoch && u.run === run ? u.d : zeroOf(run, u)
  if (Array.isArray(u)) return u.map((v) => fill(run, v))
  const out: Record<string, unknown> = {}
  const record = u as Readonly<Record<string, unknown>>
  for (const k of Object.keys(record)) out[k] = fill(run, record[k])
  return out
}

/** The cotangent of a step's output, or NONE when no part of it received one (the step is skipped). */
const cotangentOf = (run: Run, u: unknown): unknown => {
  if (u instanceof Var) return u.epoch === run.epoch ? u.d : NONE
  return reached(run, u) ? fill(run, u) : NONE
}

const lensName = (step: Var): string => {
  const name = (step.plan as Plan).name
  return name === '' ? '' : ` ('${name}')`
}

/** @internal Rewraps an error with where it happened, keeping its class and cause. */
export const rewrap = (where: string, e: unknown): Error => {
  const message = `${where}: ${why(e)}`
  if (e instanceof RangeError) return new RangeError(message, { cause: e })
  if (e instanceof TypeError) return new TypeError(message, { cause: e })
  return new Error(message, { cause: e })
}

const backwardError = (run: Run, i: number, e: unknown): Error => {
  // The lens's name, unless its own message starts with it.
  const name = (run.steps[i] as Var).plan?.name ?? ''
  const named = name !== '' && why(e).startsWith(name) ? '' : lensName(run.steps[i] as Var)
  return rewrap(`Direct.lens(${run.def.name}): backward pass of step ${i}${named}`, e)
}

/** The backward pass of the steps `[from, to)` (none of them CPS), last to first. */
const backward = (run: Run, from: number, to: number): void => {
  const steps = run.steps
  for (let i = to - 1; i >= from; i--) {
    const step = steps[i] as Var
    const dy = cotangentOf(run, step.output)
    if (dy === NONE) continue
    try {
      const kind = step.kind
      let dx: unknown
      if (kind === PRIM_STEP) {
        const plan = step.plan as Plan
        dx = (plan.backward as Bwd)(step.aux, dy, step.primal)
        if (plan.guard !== null && (dx as number) - (dx as number) !== 0) plan.guard.backward(step.aux as number, dy as number, dx as number)
      } else dx = kind === VJP_STEP ? (step.aux as Pullback)(dy) : replay(step.aux as Tape, dy)
      accumulate(run, step.input, dx)
    } catch (e) {
      throw backwardError(run, i, e)
    }
  }
}

// -------------------------------------------------------------------------------------
// the driver
// -------------------------------------------------------------------------------------

const DONE = 0
const STOPPED = 1
/** Answers of `answer` that are not variables: a frame was pushed; the driver stops at a CPS lens. */
const PUSHED: unique symbol = Symbol('backprop-lens/pushed')
const CPS: unique symbol = Symbol('backprop-lens/cps')

const isIterator = (u: unknown): u is Iterator<unknown, unknown, unknown> =>
  u !== null && typeof u === 'object' && typeof (u as { next?: unknown }).next === 'function'

/** Calls a program's body; a generator function gives the iterator the driver runs. */
const open = (label: string, body: Body, args: ReadonlyArray<unknown>): Iterator<unknown, unknown, unknown> => {
  let it: unknown
  try {
    it = body(...args)
  } catch (e) {
    // Only a plain function can throw here (a generator's body starts at the first next).
    throw rewrap(label, e)
  }
  if (!isIterator(it) || it instanceof Var) {
    const asyncToo = it !== null && typeof it === 'object' && Symbol.asyncIterator in it
    throw new TypeError(
      asyncToo
        ? `${label}: the program is an async generator; programs run synchronously (use function*, not async function*)`
        : `${label}: the program must be a generator function (function*); calling it returned ${describe(it)}`
    )
  }
  return it
}

/** Gives step `r` its output `y`: the step itself for a leaf, else new variables. */
const outputOf = (run: Run, r: Var, y: unknown): unknown => {
  r.primal = y
  let out: unknown
  if (typeof y === 'number' || y instanceof Tensor || !(Array.isArray(y) || isRecord(y))) {
    r.run = run
    out = r
  } else out = toVars(run, y)
  r.output = out
  return out
}

/** Records step `r` (kind, plan, what its backward pass needs) and makes its output variables. */
const made = (run: Run, r: Var, kind: number, plan: Plan, y: unknown, aux: unknown): unknown => {
  r.kind = kind
  r.plan = plan
  r.aux = aux
  run.steps.push(r)
  return outputOf(run, r, y)
}

/** Applies `r.op` to `r.input`: runs it now (plan-backed), inline (a program), or stops the driver (CPS). */
const applyLens = (run: Run, r: Var): unknown => {
  const lens = r.op
  if (typeof lens !== 'function') throw new TypeError(`Direct.apply: expected a lens, got ${describe(lens)}`)
  const plan = planOf(lens as AnyLens)
  const tag = plan.tag
  const input = r.input
  if (tag === PRIM) {
    const x = gather('Direct.apply', 'the input', run, input)
    const y = (plan.forward as Fn)(x)
    // A guarded primitive on numbers: the tape's check (finite input and output), the rule's error.
    const guard = plan.guard
    if (guard !== null && !((x as number) - (x as number) === 0 && (y as number) - (y as number) === 0)) guard.forward(x, y as number)
    return made(run, r, PRIM_STEP, plan, y, x)
  }
  if (tag === VJP) {
    const x = gather('Direct.apply', 'the input', run, input)
    const [y, pullback] = (plan.vjp as Vjp)(x)
    return made(run, r, VJP_STEP, plan, y, pullback)
  }
  if (tag === RAW) {
    // (A function the library did not build: checked here, off the path of primitives.)
    if (isGeneratorFunction(lens)) throw new TypeError(`Direct.apply: expected a lens, got the generator function ${lens.name}${NAMING}`)
    const def = programs.get(plan)
    if (def !== undefined && (def.space === undefined || def.space === run.def.space)) {
      // Another program: run inline, from this run's stack (its steps join this trace).
      if (badPath(run, input) !== null) throw notVariables('Direct.apply', 'the input', run, input)
      const gen = open(`Direct.lens(${def.name})`, def.body, [input])
      run.frames.push(new Frame(gen, LENS_FRAME, def.name, r.kind === TRACED ? run.steps.length : -1))
      return PUSHED
    }
  }
  const x = gather('Direct.apply', 'the input', run, input)
  const program = compile(plan)
  if (program.tape) {
    const tape = record(program.code, 0, program.code.length, x)
    return made(run, r, TAPE_STEP, plan, output(tape), tape)
  }
  run.pendingTraced = r.kind === TRACED
  r.kind = CPS_STEP
  r.plan = plan
  r.aux = x
  run.steps.push(r)
  run.pending = r
  return CPS
}

/** The driver's answer to a request: output variables, PUSHED or CPS. */
const answer = (run: Run, r: Var): unknown => {
  const kind = r.kind
  if (kind === CALL) {
    const name = r.aux as string
    r.kind = CALLED
    run.frames.push(new Frame(open(`Direct.fn(${name})`, r.op as Body, r.input as ReadonlyArray<unknown>), FN_FRAME, name, -1))
    return PUSHED
  }
  const out = applyLens(run, r)
  return kind === TRACED && out !== PUSHED && out !== CPS ? [out, [r]] : out
}

const checkOutput = (label: string, run: Run, value: unknown): void => {
  const path = badPath(run, value)
  if (path === null) return
  if (value instanceof Var && value.kind <= TRACED) {
    throw new TypeError(`${label}: returned a request that has not run; write return yield* … to return its result`)
  }
  const part = path === '' ? '' : ` (with ${describe(at(path, value))} at ${path})`
  throw new TypeError(`${label}: returned ${describe(value)}${part}, which is neither a variable nor a tuple or record of variables`)
}

/**
 * The pitfall of a named generator: in `const f = Direct.fn(function* f(…) { … f(…) … })` the
 * inner `f` is the generator itself, whose calls nest native frames (and whose programs are
 * not lenses).
 */
const NAMING =
  ' (inside function* f, the name f is the generator itself, not the Direct.fn or Direct.lens it was given to: name the generator differently from the constant)'

const isGeneratorFunction = (f: unknown): f is (...args: Array<unknown>) => unknown =>
  typeof f === 'function' && f.constructor?.name === 'GeneratorFunction'

/** The error that leaves the run: the program's name, and the program it came from. */
const leaving = (run: Run, origin: string, e: unknown): Error => {
  const root = `Direct.lens(${run.def.name})`
  const error = rewrap(origin === root ? root : `${root}, in ${origin}`, e)
  if (e instanceof RangeError && /call stack/.test(e.message)) error.message += NAMING
  return error
}

/**
 * Runs the program's generators until it returns (DONE, `run.result` set) or stops at a
 * lens to run as CPS (STOPPED, `run.pending` set). `sent` is the answer to the request the
 * top generator waits on, or the error to throw into it.
 */
const drive = (run: Run, sent: unknown, throwing: boolean): number => {
  const frames = run.frames
  let frame = frames[frames.length - 1] as Frame
  let error: unknown = throwing ? sent : undefined
  let escaped: unknown = NONE
  let origin = ''
  for (;;) {
    let r: IteratorResult<unknown, unknown>
    try {
      if (throwing) {
        const gen = frame.gen
        if (typeof gen.throw !== 'function') throw error
        r = gen.throw(error)
      } else r = frame.gen.next(sent)
    } catch (e) {
      // The frame did not catch it: unwind to its caller, as a call stack does.
      if (e !== escaped) {
        escaped = e
        origin = frame.label
      }
      frames.pop()
      if (frames.length === 0) throw leaving(run, origin, e)
      frame = frames[frames.length - 1] as Frame
      error = e
      throwing = true
      continue
    }
    throwing = false
    if (r instanceof Var && r.state === WAITING) {
      try {
        sent = answer(run, r)
      } catch (e) {
        error = e
        throwing = true
        continue
      }
      if (sent === PUSHED) {
        frame = frames[frames.length - 1] as Frame
        sent = undefined
      } else if (sent === CPS) return STOPPED
      continue
    }
    if (r.done === true) {
      frames.pop()
      const value = r.value
      if (frame.kind === LENS_FRAME) {
        try {
          checkOutput(frame.label, run, value)
        } catch (e) {
          if (frames.length === 0) throw e
          frame = frames[frames.length - 1] as Frame
          error = e
          throwing = true
          continue
        }
      }
      if (frames.length === 0) {
        run.result = value
        return DONE
      }
      sent = frame.from >= 0 ? [value, run.steps.slice(frame.from)] : value
      frame = frames[frames.length - 1] as Frame
      continue
    }
    error = new TypeError(`yielded ${describe(r.value)}; apply lenses with yield* Direct.apply(lens, input)`)
    throwing = true
  }
}

// -------------------------------------------------------------------------------------
// the run as CPS
// -------------------------------------------------------------------------------------

const inputCotangent = (run: Run): unknown => fill(run, run.inputs)

/**
 * Drives the program from where it waits and returns the `Cont` of the rest of the run:
 * the forward pass up to the next CPS lens (or the end), then, when the cotangent comes
 * back, the backward pass of the steps from `from`, answering `up(run)`.
 */
const segment = (run: Run, sent: unknown, throwing: boolean, from: number, up: (run: Run) => unknown): AnyCont => {
  const status = drive(run, sent, throwing)
  const steps = run.steps
  if (status === DONE) {
    const out = run.result
    const b = gather('Direct.lens', 'the output', run, out)
    const to = steps.length
    return C.map(run.next(b), (db) => {
      run.epoch += 1
      try {
        accumulate(run, out, db)
      } catch (e) {
        throw rewrap(`Direct.lens(${run.def.name}): the output cotangent`, e)
      }
      backward(run, from, to)
      return up(run)
    })
  }
  const step = run.pending as Var
  const traced = run.pendingTraced
  run.pending = null
  const index = steps.length - 1
  const who = `Direct.lens(${run.def.name}): the lens applied at step ${index}${lensName(step)}`
  let called = false
  let resumed = false
  const resume: AnyFlow = (y) => {
    if (called) {
      throw new Error(`${who} called next more than once; a program resumes once (generators are one-shot), so a lens applied in it must call next exactly once`)
    }
    called = true
    return C.defer(() => {
      resumed = true
      const out = outputOf(run, step, y)
      return segment(run, traced ? [out, [step]] : out, false, index + 1, (r) => fill(r, out))
    })
  }
  let flow: AnyCont
  try {
    flow = (step.op as AnyLens)(resume)(step.aux)
  } catch (e) {
    // A lens that fails as it is applied fails at the program's yield*, like any other.
    steps.pop()
    return segment(run, e, true, from, up)
  }
  return C.map(flow, (dx) => {
    if (!resumed) {
      throw new Error(`${who} answered without calling next (it aborts), so the program has no output; a lens applied in a program must call next exactly once`)
    }
    try {
      accumulate(run, step.input, dx)
    } catch (e) {
      throw backwardError(run, index, e)
    }
    backward(run, from, index)
    return up(run)
  })
}

/** @internal Starts a run of `def` on input `a` with the rest of the program `next`. */
export const startRun = (def: ProgramDef, next: AnyFlow, a: unknown, onRun?: (run: Run) => void): AnyCont => {
  const run = new Run(def, next)
  const inputs = toVars(run, a)
  run.inputs = inputs
  run.frames.push(new Frame(open(`Direct.lens(${def.name})`, def.body, [inputs]), LENS_FRAME, def.name, -1))
  if (onRun !== undefined) onRun(run)
  return segment(run, undefined, false, 0, inputCotangent)
}

/** @internal The lens of a program: a CPS function under a RAW plan, known to the driver. */
export const programLens = <A, B>(def: ProgramDef): Lens<A, B> => {
  const cps = (next: AnyFlow): AnyFlow => (a) => C.defer(() => startRun(def, next, a))
  const plan = new Plan(RAW, def.name, null, null, null, cps as AnyLens, null, null, null, null)
  programs.set(plan, def)
  return attach(cps, plan) as unknown as Lens<A, B>
}

/** @internal The trace of a run of a program on `a` (its forward pass only). */
export const traceOf = (lens: AnyLens, a: unknown): Trace => {
  const def = programOf(lens)
  if (def === undefined) throw new TypeError('Direct.trace: expected a lens made by Direct.lens')
  let seen: Run | null = null
  const stop: AnyFlow = (b) => C.make(() => b)
  C.run(
    C.defer(() => startRun(def, stop, a, (run) => (seen = run))),
    (da) => da
  )
  const run = seen as unknown as Run
  return { program: def.name, input: run.inputs, steps: run.steps, output: run.result }
}
