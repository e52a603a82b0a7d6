/**
 * The one recorder and replayer. A plan is flattened by a loop into one instruction array,
 * products included: `split(f, g)` becomes `SPLIT, …f…, MID, …g…, END` (and `fanout` the
 * same with `FANOUT`), so compositions and products nested to any depth run in constant
 * JavaScript stack. The forward loop records each instruction's input; the reverse loop
 * walks the array backwards, where `END` splits the output cotangent, `MID` swaps branches
 * and `SPLIT`/`FANOUT` pair or add the two input cotangents. One value stack per pass holds
 * what waits for the other branch.
 *
 * A lens written by hand is a RAW step. At the top level of a program, `cps.ts` runs it as
 * CPS through `Cont` (so it may call `next` any number of times); inside a product, and for
 * `Lens.vjp`, it becomes a *capture* step: it runs with a `next` that captures the rest of
 * its own computation, which is then its pullback (single-shot lenses only).
 *
 * @internal
 * @module internal/tape
 */
import * as C from '../Cont.js'
import { asPair, describe } from './guards.js'
import {
  END,
  FANOUT,
  ID,
  MID,
  PAIR,
  PRIM,
  RAW,
  SEQ,
  SPLIT,
  VJP,
  instruction,
  type AnyLens,
  type Bwd,
  type Fn,
  Plan,
  type Pullback,
  type Vjp
} from './plan.js'

// -------------------------------------------------------------------------------------
// flattening
// -------------------------------------------------------------------------------------

/** @internal A flattened plan: PRIM and VJP steps, product instructions, and RAW steps at the top level. */
export interface Program {
  readonly code: ReadonlyArray<Plan>
  /** No RAW step: the whole program runs as a tape, without `Cont`. */
  readonly tape: boolean
}

/** The caches of a plan's two flattenings (`program`: RAW kept at the top level; `captured`: all captured). */
interface Compiled {
  program: Program | null
  captured: Program | null
}

const compiled = (plan: Plan): Compiled => {
  let c = plan.program as Compiled | null
  if (c === null) {
    c = { program: null, captured: null }
    plan.program = c
  }
  return c
}

/** Instructions shared by every product of one name (only a fanout's sum is its own). */
const shared = new Map<string, ReadonlyArray<Plan>>()

/** The three instructions of a product plan, made once. */
const productCode = (plan: Plan): ReadonlyArray<Plan> => {
  if (plan.code !== null) return plan.code
  let common = shared.get(plan.name)
  if (common === undefined) {
    common = [instruction(SPLIT, plan.name, null), instruction(MID, plan.name, null), instruction(END, plan.name, null)]
    shared.set(plan.name, common)
  }
  const code = plan.add === null ? common : [instruction(FANOUT, plan.name, plan.add), common[1] as Plan, common[2] as Plan]
  plan.code = code
  return code
}

/**
 * Flattens a plan with an explicit stack, so that compositions and products nested a million
 * deep to either side flatten without recursion. With `captureAll`, every RAW step becomes
 * a capture step (for `vjp`); otherwise only those inside products do.
 *
 * @internal
 */
export const compile = (root: Plan, captureAll = false): Program => {
  const cache = compiled(root)
  const hit = captureAll ? cache.captured : cache.program
  if (hit !== null) return hit
  const code: Array<Plan> = []
  const todo: Array<Plan> = [root]
  let depth = captureAll ? 1 : 0 // open products (captureAll: as if inside one)
  let tape = true
  const push = (step: Plan): void => {
    if (step.tag === RAW) {
      if (depth > 0) step = captureStep(step, captureAll ? 'Lens.vjp' : 'Lens')
      else tape = false
    }
    code.push(step)
  }
  while (todo.length > 0) {
    const plan = todo.pop() as Plan
    switch (plan.tag) {
      case SEQ: {
        const known = (plan.program as Compiled | null)?.program ?? null
        if (known !== null && (known.tape || depth === 0)) {
          for (const step of known.code) push(step)
          break
        }
        const parts = plan.parts as ReadonlyArray<Plan>
        for (let i = parts.length - 1; i >= 0; i--) todo.push(parts[i] as Plan)
        break
      }
      case ID:
        break
      case PAIR: {
        const [begin, mid, end] = productCode(plan) as [Plan, Plan, Plan]
        code.push(begin)
        depth += 1
        todo.push(end, plan.right as Plan, mid, plan.left as Plan)
        break
      }
      case MID:
        code.push(plan)
        break
      case END:
        code.push(plan)
        depth -= 1
        break
      default:
        push(plan)
    }
  }
  const program: Program = { code, tape }
  if (captureAll) cache.captured = program
  else {
    cache.program = program
    if (tape) cache.captured = program
  }
  return program
}

// -------------------------------------------------------------------------------------
// capture steps: a hand-written lens as a VJP step
// -------------------------------------------------------------------------------------

const PENDING: unique symbol = Symbol('backprop-lens/pending')

/**
 * @internal Runs a hand-written lens with a `next` that captures the rest of its
 * computation: the output, and that continuation as the pullback (continuations are
 * multi-shot, so it may be called again and again). `op` names the runner in messages.
 */
/**
 * @internal A hand-written lens applied to the rest of the program: checks that it gave a flow,
 * so that a plain function `x => …` passed where a lens belongs is named as such (not
 * "lens(...) is not a function" from deep inside a run).
 */
export const applyRaw = <F>(lens: AnyLens, next: F): ((a: unknown) => C.Cont<unknown, unknown>) => {
  const flow = (lens as unknown as (next: F) => unknown)(next)
  if (typeof flow !== 'function') {
    throw new TypeError(
      `Lens: expected a lens (next => a => Cont), but a function given as one returned ${describe(flow)} when applied to the rest of the program; ` +
        'a plain function x => … is not a lens: make one with Lens.make({ forward, backward })'
    )
  }
  return flow as (a: unknown) => C.Cont<unknown, unknown>
}

export const captureVjp = (lens: AnyLens, a: unknown, op: string): readonly [unknown, Pullback] => {
  const many = `${op}: the lens called next more than once; only single-shot lenses have a pullback (backPropagate runs any lens at the top level of a program)`
  let captured = null as { readonly b: unknown; readonly k: Pullback } | null
  C.run(
    applyRaw(lens, (b: unknown) =>
      C.make((k) => {
        if (captured !== null) throw new Error(many)
        captured = { b, k }
        return PENDING
      })
    )(a),
    (da) => da
  )
  if (captured === null) throw new Error(`${op}: the lens answered without calling next, so it has no output`)
  const { b, k } = captured
  return [
    b,
    (db) => {
      const da = k(db)
      if (da === PENDING) throw new Error(many)
      return da
    }
  ]
}

/** The capture step of a RAW plan (one per runner name, made once). */
const captureStep = (raw: Plan, op: string): Plan => {
  const steps = (raw.code ?? []) as Array<Plan>
  let step = steps.find((s) => s.name === op)
  if (step === undefined) {
    const lens = raw.raw as AnyLens
    const vjp: Vjp = (a) => captureVjp(lens, a, op)
    // a VJP step that keeps the hand-written lens in `raw` (so higher order can name it)
    step = new Plan(VJP, op, (a) => vjp(a)[0], null, vjp, lens, null, null, null, null)
    // a lens with a reverse of its own (a direct-style program) keeps it as a captured step
    const rev = raw.rev
    if (rev !== null) step.rev = rev
    raw.code = [...steps, step]
  }
  return step
}

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

/** @internal A product instruction, forward: moves values between `v` and the stack. */
export const enter = (step: Plan, v: unknown, stack: Array<unknown>): unknown => {
  switch (step.tag) {
    case SPLIT: {
      const pair = asPair(step.name, 'the input', v)
      stack.push(pair[1])
      return pair[0]
    }
    case FANOUT:
      stack.push(v)
      return v
    case MID: {
      const x = stack.pop()
      stack.push(v)
      return x
    }
    default: {
      const left = stack.pop()
      return [left, v]
    }
  }
}

/** @internal A product instruction, backward: the transpose of {@link enter}. */
export const leave = (step: Plan, d: unknown, stack: Array<unknown>): unknown => {
  switch (step.tag) {
    case END: {
      const pair = asPair(step.name, 'the output cotangent', d)
      stack.push(pair[0])
      return pair[1]
    }
    case MID: {
      const left = stack.pop()
      stack.push(d)
      return left
    }
    case SPLIT:
      return [d, stack.pop()]
    default:
      return (step.add as (x: unknown, y: unknown) => unknown)(d, stack.pop())
  }
}

/** @internal Runs the instructions `[from, to)` forward (no RAW among them) and returns only the output. */
export const forwardOnly = (code: ReadonlyArray<Plan>, from: number, to: number, a: unknown): unknown => {
  let v = a
  let stack: Array<unknown> | null = null
  for (let i = from; i < to; i++) {
    const step = code[i] as Plan
    const tag = step.tag
    if (tag === PRIM) {
      const y = (step.forward as Fn)(v)
      if (step.guard !== null && !finiteIn(v, y)) step.guard.forward(v, y as number)
      v = y
    } else if (tag === VJP) v = step.forward !== null ? step.forward(v) : (step.vjp as Vjp)(v)[0]
    else v = enter(step, v, (stack ??= []))
  }
  return v
}

/** A guarded step's input is a finite number and so is its result (`v - v` is 0 exactly for finite numbers). */
const finiteIn = (x: unknown, y: unknown): boolean =>
  typeof x === 'number' && x - x === 0 && (y as number) - (y as number) === 0

/**
 * @internal A recorded forward pass: `values[i]` is the value before instruction `from + i`
 * (so `values[i + 1]` is a step's output), the last one the output; `pullbacks[i]` is set
 * for VJP steps.
 */
export interface Tape {
  readonly code: ReadonlyArray<Plan>
  readonly from: number
  readonly values: Array<unknown>
  readonly pullbacks: Array<Pullback | undefined> | null
}

/** @internal Runs the instructions `[from, to)` forward (no RAW among them), recording what the backward pass needs. */
export const record = (code: ReadonlyArray<Plan>, from: number, to: number, a: unknown): Tape => {
  const n = to - from
  const values: Array<unknown> = new Array(n + 1)
  let pullbacks: Array<Pullback | undefined> | null = null
  let stack: Array<unknown> | null = null
  let v = a
  for (let i = 0; i < n; i++) {
    const step = code[from + i] as Plan
    values[i] = v
    const tag = step.tag
    if (tag === PRIM) {
      const y = (step.forward as Fn)(v)
      if (step.guard !== null && !finiteIn(v, y)) step.guard.forward(v, y as number)
      v = y
    } else if (tag === VJP) {
      const out = (step.vjp as Vjp)(v)
      v = out[0]
      ;(pullbacks ??= new Array(n))[i] = out[1]
    } else {
      v = enter(step, v, (stack ??= []))
    }
  }
  values[n] = v
  return { code, from, values, pullbacks }
}

/** @internal The output of a recorded forward pass. */
export const output = (tape: Tape): unknown => tape.values[tape.values.length - 1]

/** @internal Runs a recorded tape backward from the output cotangent `db`; the tape can be replayed again. */
export const replay = (tape: Tape, db: unknown): unknown => {
  const { code, from, values, pullbacks } = tape
  let d = db
  let stack: Array<unknown> | null = null
  for (let i = values.length - 2; i >= 0; i--) {
    const step = code[from + i] as Plan
    const tag = step.tag
    if (tag === PRIM) {
      const dx = (step.backward as Bwd)(values[i], d, values[i + 1])
      if (step.guard !== null && (dx as number) - (dx as number) !== 0) step.guard.backward(values[i] as number, d as number, dx as number)
      d = dx
    } else if (tag === VJP) d = ((pullbacks as Array<Pullback>)[i] as Pullback)(d)
    else d = leave(step, d, (stack ??= []))
  }
  return d
}
