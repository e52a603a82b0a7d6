/**
 * The run's trace (issue 9 item 11): its shape, and the reverse derivative of a program built
 * from it as a program (`internal/direct-reverse.ts`) — first order with any lens, and second
 * order when the reverse of each primitive is itself made of lenses.
 */
import { describe, expect, it } from 'vitest'
import { Cont, Direct, Gradcheck, Lens, Scalar, Tensor, ops } from '../src/index.js'
import { traceOf } from '../src/internal/direct.js'
import { Var } from '../src/internal/direct-model.js'
import { reverseProgram, type ReverseRules } from '../src/internal/direct-reverse.js'
import type { AnyLens } from '../src/internal/plan.js'

type V = Direct.Var<number>
type Rec = Generator<Direct.Request, V, unknown>

const erase = <A, B>(l: Lens.Lens<A, B>): AnyLens => l as unknown as AnyLens
const addOf = (value: unknown): AnyLens => (value instanceof Tensor.Tensor ? erase(ops.add) : erase(Scalar.add))

/** First order: `R[f]` from `f`'s backward pass, a primitive that cannot be differentiated again. */
const firstOrder: ReverseRules = {
  reverseOf: (f) =>
    erase(
      Lens.make<readonly [unknown, unknown], unknown>({
        forward: ([x, dy]) => Lens.backPropagateConst(f, dy, x),
        backward: () => {
          throw new Error('first order only')
        }
      })
    ),
  addOf
}

const halve = Direct.fn(function* halveStep(x: V): Rec {
  return Direct.value(x) > 1 ? yield* halve(yield* Direct.mul(x, 0.5)) : x
})
const inner = Direct.lens(function* inner(x: V) {
  return yield* Direct.mul(x, yield* Direct.sin(x))
})
const sinCps: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(Math.sin(x)), (dy: number) => Math.cos(x) * dy)

const programs: ReadonlyArray<readonly [string, Lens.Lens<number, number>, ReadonlyArray<number>]> = [
  ['straight line with reuse', Direct.lens(function* line(x: V) {
    const s = yield* Direct.sin(x)
    return yield* Direct.add(yield* Direct.mul(s, x), yield* Direct.square(s))
  }), [0.3, -1.2]],
  ['a branch', Direct.lens(function* branch(x: V) {
    return Direct.value(x) > 0 ? yield* Direct.square(x) : yield* Direct.sin(x)
  }), [0.7, -0.4]],
  ['a loop whose trip count depends on x', Direct.lens(function* loop(x: V) {
    let y = x
    // x < 1: y shrinks each trip, so the loop ends; how often depends on x.
    while (Direct.value(y) > 0.5) y = yield* Direct.mul(yield* Direct.sin(y), x)
    return y
  }), [0.9, 0.7]],
  ['recursion through Direct.fn', Direct.lens(function* (x: V) { return yield* halve(x) }), [9, 3.5]],
  ['an inline program and a hand-written CPS lens', Direct.lens(function* nested(x: V) {
    const y = yield* Direct.apply(inner, x)
    return yield* Direct.apply(sinCps, y)
  }), [0.6, 2.2]]
]

describe('the trace of a run', () => {
  it('lists every lens applied, in order, with the variables it read and made', () => {
    const program = Direct.lens(function* traced(x: V) {
      let y = x
      for (let i = 0; i < 3; i++) y = yield* Direct.sin(y)
      const z = yield* Direct.apply(inner, y)
      return yield* Direct.mul(z, x)
    })
    const trace = traceOf(erase(program), 0.8)
    expect(trace.program).toBe('traced')
    expect(trace.steps.map((s) => s.op)).toEqual([Scalar.sin, Scalar.sin, Scalar.sin, Scalar.sin, Scalar.mul, Scalar.mul])
    const [s1, s2, s3, s4, m1, m2] = trace.steps as ReadonlyArray<Var>
    expect(s1?.input).toBe(trace.input)
    expect(s2?.input).toBe(s1?.output)
    expect(s3?.input).toBe(s2?.output)
    // The inline program's steps are steps of this run: sin(y), then y · sin(y).
    expect(s4?.input).toBe(s3?.output)
    // (Compared element by element: a variable is an iterator protocol object, which toEqual would iterate.)
    const [m1a, m1b] = m1?.input as ReadonlyArray<unknown>
    const [m2a, m2b] = m2?.input as ReadonlyArray<unknown>
    expect([m1a === s3?.output, m1b === s4?.output, m2a === m1?.output, m2b === trace.input]).toEqual([true, true, true, true])
    expect(trace.output).toBe(m2?.output)
    expect(m2?.primal).toBe(Lens.evaluate(program, 0.8))
  })

  it('resolves control flow: other inputs take other paths', () => {
    const branch = programs[1]?.[1] as Lens.Lens<number, number>
    expect(traceOf(erase(branch), 0.7).steps.map((s) => s.op)).toEqual([Scalar.square])
    expect(traceOf(erase(branch), -0.4).steps.map((s) => s.op)).toEqual([Scalar.sin])
  })
})

describe('the reverse derivative of a program, built from its trace', () => {
  for (const [name, program, inputs] of programs) {
    it(`first order: R[P](a, db) = bwd(P)(a, db), ${name}`, () => {
      const reverse = reverseProgram(program, firstOrder)
      for (const a of inputs) {
        for (const db of [1, -2.5]) {
          const got = Lens.evaluate(reverse, [a, db])
          const want = Lens.backPropagateConst(program, db, a)
          expect(Math.abs(got - want)).toBeLessThanOrEqual(1e-15 * (1 + Math.abs(want)))
        }
      }
    })
  }

  it('first order on tensors and a Para-style lens', () => {
    const W = Tensor.fromNested([[0.5, -1], [2, 0.25]])
    const program = Direct.lens(function* affine(x: Direct.Var<Tensor.Tensor>) {
      const y = yield* Direct.apply(ops.tanh, yield* Direct.apply(ops.matmulLeft(W), x))
      return yield* Direct.apply(ops.sum(), yield* Direct.mul(y, x))
    })
    const x = Tensor.fromNested([[0.3, -0.7], [1.1, 0.2]])
    const got = Lens.evaluate(reverseProgram(program, firstOrder), [x, Tensor.scalar(1)])
    const want = Lens.backPropagateConst(program, Tensor.scalar(1), x)
    expect(Array.from(got.data).map((g, i) => Math.abs(g - (want.data[i] as number)))).toEqual([0, 0, 0, 0])
  })

  // Second order: the reverse of each primitive written as a program of lenses.
  const pair = <A>(body: (x: V, dy: V) => Generator<Direct.Request, A, unknown>) =>
    Direct.lens(function* reverseRule([x, dy]: readonly [V, V]) {
      return yield* body(x, dy)
    })
  const rules = new Map<AnyLens, AnyLens>([
    [erase(Scalar.sin), erase(pair(function* (x, dy) { return yield* Direct.mul(yield* Direct.cos(x), dy) }))],
    [erase(Scalar.cos), erase(pair(function* (x, dy) { return yield* Direct.mul(yield* Direct.neg(yield* Direct.sin(x)), dy) }))],
    [erase(Scalar.square), erase(pair(function* (x, dy) { return yield* Direct.mul(yield* Direct.mul(x, 2), dy) }))],
    [
      erase(Scalar.mul),
      erase(
        Direct.lens(function* reverseMul([[a, b], dy]: readonly [readonly [V, V], V]) {
          return [yield* Direct.mul(dy, b), yield* Direct.mul(dy, a)] as const
        })
      )
    ],
    [erase(Scalar.add), erase(Direct.lens(function* reverseAdd([, dy]: readonly [readonly [V, V], V]) { return [dy, dy] as const }))]
  ])
  const secondOrder: ReverseRules = {
    reverseOf: (f) => {
      const rule = rules.get(f)
      if (rule === undefined) throw new Error('no reverse rule')
      return rule
    },
    addOf
  }

  it('second order: differentiating R[P] again gives P″, for a loop and a branch (against finite differences of P′)', () => {
    const loop = programs[2]?.[1] as Lens.Lens<number, number>
    const line = programs[0]?.[1] as Lens.Lens<number, number>
    for (const [program, a] of [[loop, 0.9], [loop, 0.7], [line, 0.3], [line, -1.2]] as const) {
      const reverse = reverseProgram(program, secondOrder)
      expect(Lens.evaluate(reverse, [a, 1])).toBeCloseTo(Lens.backPropagateConst(program, 1, a), 14)
      // ∂/∂a of R[P](a, 1) = P″(a); ∂/∂db = P′(a).
      const [d2, d1] = Lens.backPropagateConst(reverse, 1, [a, 1])
      const h = 1e-5
      const fd = (Lens.backPropagateConst(program, 1, a + h) - Lens.backPropagateConst(program, 1, a - h)) / (2 * h)
      expect(Math.abs(d2 - fd)).toBeLessThanOrEqual(1e-6 * (1 + Math.abs(fd)))
      expect(d1).toBeCloseTo(Lens.backPropagateConst(program, 1, a), 14)
      expect(Gradcheck.check(reverse, [a, 1]).status).toBe('pass')
    }
  })
})
