/**
 * Stack safety of direct-style programs: loops of a million applies, recursion through
 * `Direct.fn` and through programs applying themselves 100,000 deep, and long runs of
 * hand-written CPS lenses, evaluated and back-propagated on Node's default stack, giving what
 * a plain loop gives.
 */
import { describe, expect, it } from 'vitest'
import { Cont, Direct, Lens, Scalar } from '../src/index.js'

type V = Direct.Var<number>
type Rec = Generator<Direct.Request, V, unknown>

/** sin applied n times, and its derivative, by a plain loop. */
const sinChain = (x: number, n: number): readonly [number, number] => {
  let v = x
  let d = 1
  for (let i = 0; i < n; i++) {
    d *= Math.cos(v)
    v = Math.sin(v)
  }
  return [v, d]
}

describe('Direct: a for loop of 1,000,000 applies', () => {
  const N = 1_000_000
  const loop = Direct.lens(function* loop(x: V) {
    for (let i = 0; i < N; i++) x = yield* Direct.apply(Scalar.sin, x)
    return x
  })

  it('evaluates and back-propagates', () => {
    const [value, d] = sinChain(0.5, N)
    expect(Lens.evaluate(loop, 0.5)).toBe(value)
    const [y, dx] = Lens.valueAndGrad(loop, 0.5)
    expect(y).toBe(value)
    // The program multiplies cotangents last step first, the plain loop first step first.
    expect(Math.abs(dx - d)).toBeLessThanOrEqual(1e-12 * Math.abs(d))
  })
})

describe('Direct: recursion 100,000 deep', () => {
  const N = 100_000

  it('through Direct.fn', () => {
    const down = Direct.fn(function* downStep(x: V, n: number): Rec {
      if (n === 0) return x
      return yield* down(yield* Direct.sin(x), n - 1)
    })
    const program = Direct.lens(function* (x: V) {
      return yield* down(x, N)
    })
    const [value, d] = sinChain(0.5, N)
    expect(Lens.evaluate(program, 0.5)).toBe(value)
    const [y, dx] = Lens.valueAndGrad(program, 0.5)
    expect(y).toBe(value)
    expect(Math.abs(dx - d)).toBeLessThanOrEqual(1e-12 * Math.abs(d))
  })

  it('through Direct.fn, with the work after the recursive call (a real stack of pending frames)', () => {
    // f(x, n) = sin(f(x, n − 1)) + 0: every frame waits for its callee, then applies.
    const up = Direct.fn(function* upStep(x: V, n: number): Rec {
      if (n === 0) return x
      const inner = yield* up(x, n - 1)
      return yield* Direct.sin(inner)
    })
    const program = Direct.lens(function* (x: V) {
      return yield* up(x, N)
    })
    const [value] = sinChain(0.5, N)
    expect(Lens.evaluate(program, 0.5)).toBe(value)
    expect(Lens.valueAndGrad(program, 0.5)[0]).toBe(value)
  })

  it('through a program applying itself', () => {
    let depth = 0
    const self: Lens.Lens<number, number> = Direct.lens(function* selfStep(x: V) {
      if (depth === N) return x
      depth += 1
      return yield* Direct.apply(self, yield* Direct.sin(x))
    })
    const [value, d] = sinChain(0.5, N)
    depth = 0
    expect(Lens.evaluate(self, 0.5)).toBe(value)
    depth = 0
    const [y, dx] = Lens.valueAndGrad(self, 0.5)
    expect(y).toBe(value)
    expect(Math.abs(dx - d)).toBeLessThanOrEqual(1e-12 * Math.abs(d))
  })
})

describe('Direct: 100,000 hand-written CPS lenses in a row, each run as CPS', () => {
  it('evaluates and back-propagates', () => {
    const N = 100_000
    const sinCps: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(Math.sin(x)), (dy: number) => Math.cos(x) * dy)
    const program = Direct.lens(function* rawLoop(x: V) {
      for (let i = 0; i < N; i++) x = yield* Direct.apply(sinCps, x)
      return x
    })
    const [value, d] = sinChain(0.5, N)
    expect(Lens.evaluate(program, 0.5)).toBe(value)
    const [y, dx] = Lens.valueAndGrad(program, 0.5)
    expect(y).toBe(value)
    expect(Math.abs(dx - d)).toBeLessThanOrEqual(1e-12 * Math.abs(d))
  })
})
