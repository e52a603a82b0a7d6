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
 * **The explicit stack.** `yield* Direct.apply(…)` and `yield* f(…)` (a `Direct.fn`) yield a
 * request to the driver, which resumes the generator with the answer. A call of a `Direct.fn`,
 * or the application of another `Direct.lens` program, pushes that program's generator on the
 * run's frame stack instead of nesting native `yield*` frames, so recursion and loops of any
 * length run in constant JavaScript stack. Errors travel down the frame stack as they would
 * down a call stack: an error thrown at a `yield*` (bad input, a primitive's forward pass) is
 * thrown into that generator, which may catch it; one no frame catches leaves the run with the
 * program's name.
 *
 * **The trace** (for `Lens.reverse` of programs, see `Trace` in `direct-model.ts`): `run.steps`
 * lists every lens the run applied, in order, with the variables it read and the variables it
 * made.
 *
 * @internal
 * @module internal/direct
 */
// One piece, a little past 400 lines: the driver and the run as CPS share the run's state (its
// frame stack, its open segment, its trace) and each half keeps the other's invariants.
import * as C from '../Cont.js'
import type { Cont } from '../Cont.js'
import {
  CALL,
  CALLED,
  CPS_STEP,
  FN_FRAME,
  Frame,
  LENS_FRAME,
  PRIM_STEP,
  Run,
  TAPE_STEP,
  TRACED,
  VJP_STEP,
  Var,
  WAITING,
  type AnyFlow,
  type Body,
  type ProgramDef,
  type Trace
} from './direct-model.js'
import { NONE, accumulate, at, badPath, cotangentOf, fill, gather, isRecord, notVariables, rewrap, toVars, why } from './direct-values.js'
import { describe } from './guards.js'
import type { Lens } from './lens.js'
import { PRIM, RAW, VJP, Plan, attach, planOf, type AnyLens, type Bwd, type Fn, type Pullback, type Vjp } from './plan.js'
import { compile, output, record, replay, type Tape } from './tape.js'
import { Tensor } from './tensor.js'

type AnyCont = Cont<unknown, unknown>

/** The definitions of `Direct.lens` programs, by plan (to run them inline). */
const programs = new WeakMap<Plan, ProgramDef>()

/** @internal The program behind a lens made by `Direct.lens`, if it is one. */
export const programOf = (lens: AnyLens): ProgramDef | undefined => {
  const plan = planOf(lens)
  return plan.tag === RAW ? programs.get(plan) : undefined
}

const lensName = (step: Var): string => {
  const name = (step.plan as Plan).name
  return name === '' ? '' : ` ('${name}')`
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
