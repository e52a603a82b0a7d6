/**
 * The reverse derivative of a program, built from its trace: the hook for `Lens.reverse` of
 * direct-style programs (the higher-order issue).
 *
 * `reverseProgram(P, reverseOf)` is the program `R[P]: [a, db] ↦ da`. It applies `P` to `a`
 * *inside its own run* as a traced apply — so `P`'s steps are recorded as steps of `R[P]`'s run,
 * with control flow decided on the values at `a` — and receives those steps (see `Trace` in
 * `direct.ts`). Then, last step first, it applies `reverseOf(step.op)` — the reverse derivative
 * `[x, dy] ↦ dx` of the step's lens, as a lens — to the step's input variables and its output's
 * cotangent variables, and sums the cotangent variables of variables used several times with
 * addition lenses. Every operation of the backward pass is thus an apply of a lens in a program:
 * when `reverseOf` gives lenses whose own backward passes are lenses (the rule table's second
 * form), `R[P]` can be differentiated again, and the second derivative of a program with `if`,
 * loops and recursion needs no second tracing mechanism: the decisions taken at `a` are
 * constants of the reverse program, as they are of the first derivative.
 *
 * @internal
 * @module internal/direct-reverse
 */
import type { Lens } from './lens.js'
import { programLens, programOf } from './direct.js'
import { APPLY, TRACED, Var, request, variable, type ProgramDef } from './direct-model.js'
import { isRecord } from './direct-values.js'
import { erase, type AnyLens } from './plan.js'
import { linear, sumOf, zeroOf } from './structure.js'

/** How to reverse one lens, and how to add two cotangents of a leaf's value, as lenses. */
export interface ReverseRules {
  /** `R[f]`: the lens `[x, dy] ↦ dx` of `f`'s reverse derivative. */
  readonly reverseOf: (lens: AnyLens) => AnyLens
  /** The lens `[d1, d2] ↦ d1 + d2` for cotangents of a variable holding `value` (default: a linear sum, differentiable to any order). */
  readonly addOf?: (value: unknown) => AnyLens
}

/** `[d1, d2] ↦ d1 + d2` (inferred), whose transpose copies: linear, so differentiable to any order. */
const sum: AnyLens = erase(linear<readonly [unknown, unknown], unknown>('sum', ([x, y]) => sumOf(x, y), (_x, w) => [w, w]))
const sumAny = (): AnyLens => sum

type Body = (...args: Array<unknown>) => Generator<unknown, unknown, unknown>

/** A request to the driver, delegated to with `yield*` like `Direct.apply`. */
const ask = (kind: number, op: unknown, input: unknown): Iterable<unknown, unknown, unknown> =>
  request(kind, op, input) as unknown as Iterable<unknown, unknown, unknown>


/**
 * @internal The reverse derivative of `lens` (a program or any lens) as a program from
 * `[a, db]` to `da`, from its trace at `a` (see the module's notes).
 */
export const reverseProgram = <A, B>(lens: Lens<A, B>, rules: ReverseRules): Lens<readonly [A, B], A> => {
  const inner = lens as unknown as AnyLens
  const addOf = rules.addOf ?? sumAny
  const name = programOf(inner)?.name ?? (inner.name === '' ? 'lens' : inner.name)
  const body = function* reverse(input: unknown): Generator<unknown, unknown, unknown> {
    const [a, db] = input as readonly [unknown, unknown]
    const [b, steps] = (yield* ask(TRACED, inner, a)) as readonly [unknown, ReadonlyArray<Var>]
    // The cotangent variable of each forward variable reached so far.
    const cotangent = new Map<Var, unknown>()
    const add = function* (v: unknown, d: unknown): Generator<unknown, void, unknown> {
      if (v instanceof Var) {
        if (v.run === null) return
        const old = cotangent.get(v)
        cotangent.set(v, old === undefined ? d : yield* ask(APPLY, addOf(v.primal), [old, d]))
        return
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) yield* add(v[i], (d as ReadonlyArray<unknown>)[i])
      } else if (isRecord(v)) {
        for (const k of Object.keys(v)) yield* add(v[k], (d as Readonly<Record<string, unknown>>)[k])
      }
    }
    const reached = (v: unknown): boolean =>
      v instanceof Var ? cotangent.has(v) : Array.isArray(v) ? v.some(reached) : isRecord(v) ? Object.keys(v).some((k) => reached(v[k])) : false
    const of = (v: unknown): unknown => {
      if (v instanceof Var) return cotangent.get(v) ?? variable(null, zeroOf(v.primal))
      if (Array.isArray(v)) return v.map(of)
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(v as object)) out[k] = of((v as Record<string, unknown>)[k])
      return out
    }
    yield* add(b, db)
    for (let i = steps.length - 1; i >= 0; i--) {
      const step = steps[i] as Var
      if (!reached(step.output)) continue
      const dx = yield* ask(APPLY, rules.reverseOf(step.op as AnyLens), [step.input, of(step.output)])
      yield* add(step.input, dx)
    }
    return of(a)
  }
  const def: ProgramDef = { body: body as unknown as Body as never, name: `reverse(${name})`, space: undefined }
  return programLens(def)
}
