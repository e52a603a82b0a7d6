/**
 * The bridge to `Cont`: the CPS function of every lens the library builds, and the
 * runners behind `Lens.evaluate`, `backPropagate` and `vjp`.
 *
 * Applying a lens to `next` builds a genuine CPS flow (the seed's meaning): the program's
 * instructions are cut at its top-level hand-written (RAW) steps; each run of tape
 * instructions between them is one CPS stage (record, call `next`, replay), and each RAW
 * step is the user's function applied to the rest. The runners skip `Cont` altogether when
 * the program has no RAW step at its top level.
 *
 * @internal
 * @module internal/cps
 */
import * as C from '../Cont.js'
import type { Flow, Lens } from './lens.js'
import { PRIM, RAW, attach, planOf, type AnyLens, type Plan, type Pullback } from './plan.js'
import { applyRaw, compile, forwardOnly, output, record, replay, type Program } from './tape.js'

type AnyFlow = Flow<unknown, unknown>

/** How many hand-written lenses in a row may call `next` without a delay between them. */
const EAGER_RAW = 64

/** Delays a flow, so that a hand-written lens calling `next` eagerly cannot grow the stack. */
const lazy =
  (next: AnyFlow): AnyFlow =>
  (b) =>
    C.defer(() => next(b))

/** A run of tape instructions `[from, to)` as one CPS stage: forward, then `next`, then backward. */
const segmentFlow =
  (code: ReadonlyArray<Plan>, from: number, to: number, next: AnyFlow): AnyFlow =>
  (a) =>
    C.defer(() => {
      const tape = record(code, from, to, a)
      return C.map(next(output(tape)), (db) => replay(tape, db))
    })

/**
 * The CPS function of a program applied to `next`: stages are built from the last to the
 * first by a loop; consecutive tape instructions fuse into one stage.
 */
const buildFlow = (program: Program, next: AnyFlow): AnyFlow => {
  const code = program.code
  let flow = next
  let end = code.length
  // Hand-written lenses may call `next` eagerly, nesting one native call per lens: every
  // EAGER_RAW of them in a row, `next` is delayed, which bounds that nesting. (Delaying every
  // one costs a Cont node per lens: 15–40% on long raw chains.)
  let eager = 0
  while (end > 0) {
    const last = code[end - 1] as Plan
    if (last.tag === RAW) {
      if (eager >= EAGER_RAW) {
        flow = lazy(flow)
        eager = 0
      }
      flow = applyRaw(last.raw as AnyLens, flow)
      eager += 1
      end -= 1
    } else {
      eager = 0
      let start = end - 1
      while (start > 0 && (code[start - 1] as Plan).tag !== RAW) start -= 1
      flow = segmentFlow(code, start, end, flow)
      end = start
    }
  }
  return flow
}

/** @internal The public lens of a plan: its CPS function, tagged with the plan. */
export const fromPlan = <A, B>(plan: Plan): Lens<A, B> => {
  const lens = <R>(next: Flow<B, R>): Flow<A, R> => buildFlow(compile(plan), next as unknown as AnyFlow) as unknown as Flow<A, R>
  return attach(lens, plan)
}

/** @internal The flattened program of any lens. */
export const programOf = (lens: AnyLens): Program => compile(planOf(lens))

/** @internal The forward pass alone. */
export const evaluateLens = (lens: AnyLens, a: unknown): unknown => {
  const program = programOf(lens)
  if (program.tape) return forwardOnly(program.code, 0, program.code.length, a)
  return C.run(
    applyRaw(lens, (b: unknown) => C.make(() => b))(a),
    () => {
      throw new Error('Lens.evaluate: the lens answered without calling next, so it has no output')
    }
  )
}

/** @internal Forward, then backward from the cotangent `loss(b)`. */
export const backPropagateLens = (lens: AnyLens, loss: (b: unknown) => unknown, a: unknown): unknown => {
  const program = programOf(lens)
  if (program.tape) {
    const tape = record(program.code, 0, program.code.length, a)
    return replay(tape, loss(output(tape)))
  }
  return C.run(
    applyRaw(lens, (b: unknown) => C.of<unknown, unknown>(loss(b)))(a),
    (da) => da
  )
}

/**
 * @internal The output and a reusable pullback, from one forward pass. Hand-written lenses
 * run as capture steps (see `tape.ts`), so only single-shot ones have a pullback.
 */
export const vjpLens = (lens: AnyLens, a: unknown): readonly [unknown, Pullback] => {
  const program = compile(planOf(lens), true)
  const tape = record(program.code, 0, program.code.length, a)
  return [output(tape), (db) => replay(tape, db)]
}

/**
 * @internal `(a, db) ↦ da` for a tape lens, made once: a single primitive step is called
 * directly (forward for its output, then backward), anything else recorded and replayed.
 */
export const cotangentOf = (lens: AnyLens): ((a: unknown, db: unknown) => unknown) => {
  const program = programOf(lens)
  const only = program.code[0]
  if (program.tape && program.code.length === 1 && only !== undefined && only.tag === PRIM) {
    const forward = only.forward as (a: unknown) => unknown
    const backward = only.backward as (a: unknown, db: unknown, b: unknown) => unknown
    const guard = only.guard
    if (guard === null) return (a, db) => backward(a, db, forward(a))
    // the tape's checks of a primitive on numbers (see tape.ts)
    return (a, db) => {
      const y = forward(a) as number
      if (typeof a !== 'number' || a - a !== 0 || y - y !== 0) guard.forward(a, y)
      const dx = backward(a, db, y) as number
      if (dx - dx !== 0) guard.backward(a as number, db as number, dx)
      return dx
    }
  }
  return (a, db) => backPropagateLens(lens, () => db, a)
}
