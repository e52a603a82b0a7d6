/**
 * Stack safety: long and deeply nested computations run on Node's default stack, and give
 * exactly what a plain loop gives.
 */
import { describe, it, expect } from 'vitest'
import * as E from 'fp-ts/lib/Either.js'
import { Codec, Cont, Lens, Optimizer, Para, Scalar } from '../src/index.js'
import { rawLens } from '../laws/index.js'

// -------------------------------------------------------------------------------------
// Cont
// -------------------------------------------------------------------------------------

describe('Cont: 100,000 nested steps', () => {
  const N = 100_000

  it('left-nested flatMap', () => {
    let m: Cont.Cont<number, number> = Cont.of(0)
    for (let i = 0; i < N; i++) m = Cont.flatMap(m, (n: number) => Cont.of<number, number>(n + 1))
    expect(Cont.run(m, (n) => n)).toBe(N)
  })

  it('right-nested flatMap, built as it runs', () => {
    const go = (i: number): Cont.Cont<number, number> =>
      i === N ? Cont.of(i) : Cont.flatMap(Cont.of<number, number>(i), (n: number) => go(n + 1))
    expect(Cont.run(go(0), (n) => n)).toBe(N)
  })

  it('right-nested flatMap, built before it runs', () => {
    // m_i = flatMap(of(i), n => m_{i+1} ...): the closures nest, each holding the next.
    let rest: (n: number) => Cont.Cont<number, number> = (n) => Cont.of(n)
    for (let i = 0; i < N; i++) {
      const inner = rest
      rest = (n) => Cont.flatMap(Cont.of<number, number>(n + 1), inner)
    }
    expect(Cont.run(rest(0), (n) => n)).toBe(N)
  })

  it('map chains, over a multi-shot source', () => {
    let m = Cont.make<string, number>((k) => `${k(0)}|${k(1)}`)
    for (let i = 0; i < N; i++) m = Cont.map(m, (n: number) => n + 1)
    expect(Cont.run(m, (n) => `${n}`)).toBe(`${N}|${N + 1}`)
  })

  it('nested maps and flatMaps interleaved, with defer', () => {
    let m: Cont.Cont<number, number> = Cont.of(0)
    for (let i = 0; i < N; i++) {
      const prev = m
      m =
        i % 3 === 0
          ? Cont.map(prev, (n: number) => n + 1)
          : i % 3 === 1
            ? Cont.flatMap(prev, (n: number) => Cont.of<number, number>(n + 1))
            : Cont.defer(() => Cont.map(prev, (n: number) => n + 1))
    }
    expect(Cont.run(m, (n) => n)).toBe(N)
  })

  it('ChainRec: 1,000,000 iterations', () => {
    const M = 1_000_000
    const loop = Cont.ChainRec.chainRec(0, (n: number) =>
      Cont.of<number, E.Either<number, number>>(n < M ? E.left(n + 1) : E.right(n))
    )
    expect(Cont.run(loop, (n) => n)).toBe(M)
  })
})

// -------------------------------------------------------------------------------------
// Lens
// -------------------------------------------------------------------------------------

/**
 * The test's own primitives, so the hand-written loop can repeat their arithmetic exactly.
 * The cycle composes to (nearly) the identity and its derivatives multiply to (nearly) 1, so
 * neither the value nor the gradient of a million of them underflows or overflows.
 */
interface Step {
  readonly lens: Lens.Lens<number, number>
  readonly forward: (x: number) => number
  readonly backward: (x: number, dy: number, y: number) => number
}
const step = (forward: Step['forward'], backward: Step['backward']): Step => ({
  lens: Lens.make({ forward, backward }),
  forward,
  backward
})
const up = 1.5
const down = 1 / 1.5
const cycle: ReadonlyArray<Step> = [
  step(Math.exp, (_x, dy, y) => y * dy),
  step(Math.log, (x, dy) => dy / x),
  step(
    (x) => x * x,
    (x, dy) => 2 * x * dy
  ),
  step(Math.sqrt, (_x, dy, y) => dy / (2 * y)),
  step(
    (x) => up * x,
    (_x, dy) => up * dy
  ),
  step(
    (x) => down * x,
    (_x, dy) => down * dy
  ),
  step(
    (x) => x + 0.25,
    (_x, dy) => dy
  ),
  step(
    (x) => x - 0.25,
    (_x, dy) => dy
  )
]
const stepAt = (i: number): Step => cycle[i % cycle.length] as Step

/** Value and gradient of the chain of `n` steps by a forward loop and a reverse loop. */
const byHand = (n: number, x: number, dy: number): readonly [number, number] => {
  const values = new Float64Array(n + 1)
  values[0] = x
  for (let i = 0; i < n; i++) values[i + 1] = stepAt(i).forward(values[i] as number)
  let d = dy
  for (let i = n - 1; i >= 0; i--) d = stepAt(i).backward(values[i] as number, d, values[i + 1] as number)
  return [values[n] as number, d]
}

const expectAllRunners = (lens: Lens.Lens<number, number>, n: number, x: number): void => {
  const [value, gradient] = byHand(n, x, 1)
  const [, gradient3] = byHand(n, x, 3)
  expect(Number.isFinite(value) && Number.isFinite(gradient) && gradient !== 0).toBe(true)
  expect(Lens.evaluate(lens, x)).toBe(value)
  expect(Lens.backPropagateConst(lens, 1, x)).toBe(gradient)
  expect(Lens.backPropagate(lens, () => 3, x)).toBe(gradient3)
  expect(Lens.valueAndGrad(lens, x)).toEqual([value, gradient])
  const [y, pullback] = Lens.vjp(lens, x)
  expect(y).toBe(value)
  expect(pullback(1)).toBe(gradient)
  expect(pullback(3)).toBe(gradient3)
}

describe('Lens: compositions of 1,000,000 lenses', () => {
  const N = 1_000_000
  const x = 0.7

  it('one pipeAll over an array', () => {
    const lens = Lens.pipeAll(Array.from({ length: N }, (_, i) => stepAt(i).lens))
    expectAllRunners(lens, N, x)
  })

  it('repeated binary pipe, nested to the left', () => {
    let lens = Lens.id<number>()
    for (let i = 0; i < N; i++) lens = Lens.pipe(lens, stepAt(i).lens)
    expectAllRunners(lens, N, x)
  })

  it('repeated binary pipe, nested to the right', () => {
    let lens = stepAt(N - 1).lens
    for (let i = N - 2; i >= 0; i--) lens = Lens.pipe(stepAt(i).lens, lens)
    expectAllRunners(lens, N, x)
  })

  it('Lens.Category.compose, folded from the identity', () => {
    let lens = Lens.Category.id<number>()
    for (let i = 0; i < N; i++) lens = Lens.Category.compose(stepAt(i).lens, lens)
    expectAllRunners(lens, N, x)
  })
})

describe('Lens: chains of hand-written CPS lenses', () => {
  const N = 100_000
  const x = 0.7
  /** The same cycle written as raw CPS lenses (the library runs them through Cont). */
  const raw = cycle.map((s, i) =>
    rawLens(
      `step${i}`,
      s.forward,
      // The derivative: the backward pass at dy = 1 (rawLens multiplies it by dy).
      (xv) => s.backward(xv, 1, s.forward(xv))
    )
  )
  const rawAt = (i: number): Lens.Lens<number, number> => raw[i % raw.length] as Lens.Lens<number, number>

  /** The hand loop for raw steps: df(x)·dy, as rawLens computes it. */
  const rawByHand = (n: number, isRaw: (i: number) => boolean, x0: number, dy: number): readonly [number, number] => {
    const values = new Float64Array(n + 1)
    values[0] = x0
    for (let i = 0; i < n; i++) values[i + 1] = stepAt(i).forward(values[i] as number)
    let d = dy
    for (let i = n - 1; i >= 0; i--) {
      const s = stepAt(i)
      const xi = values[i] as number
      d = isRaw(i) ? s.backward(xi, 1, s.forward(xi)) * d : s.backward(xi, d, values[i + 1] as number)
    }
    return [values[n] as number, d]
  }

  const check = (lens: Lens.Lens<number, number>, isRaw: (i: number) => boolean): void => {
    const [value, gradient] = rawByHand(N, isRaw, x, 1)
    const [, gradient3] = rawByHand(N, isRaw, x, 3)
    expect(Number.isFinite(gradient) && gradient !== 0).toBe(true)
    expect(Lens.evaluate(lens, x)).toBe(value)
    expect(Lens.backPropagateConst(lens, 1, x)).toBe(gradient)
    expect(Lens.valueAndGrad(lens, x)).toEqual([value, gradient])
    const [y, pullback] = Lens.vjp(lens, x)
    expect(y).toBe(value)
    expect(pullback(3)).toBe(gradient3)
    expect(pullback(1)).toBe(gradient)
  }

  it('100,000 raw lenses by pipeAll', () => {
    check(
      Lens.pipeAll(Array.from({ length: N }, (_, i) => rawAt(i))),
      () => true
    )
  })

  it('100,000 raw lenses by binary pipe nested to the right, and run through their CPS form', () => {
    let lens = rawAt(N - 1)
    for (let i = N - 2; i >= 0; i--) lens = Lens.pipe(rawAt(i), lens)
    check(lens, () => true)
    // The CPS function itself, called directly.
    const [value, gradient] = rawByHand(N, () => true, x, 1)
    expect(Cont.run(lens<number>((b) => Cont.make<number, number>(() => b))(x), () => Number.NaN)).toBe(value)
    expect(Cont.run(lens<number>(() => Cont.of(1))(x), (da) => da)).toBe(gradient)
  })

  it('raw and made lenses mixed, nested to the left', () => {
    const isRaw = (i: number): boolean => i % 3 === 0 || i % 7 === 0
    let lens = Lens.id<number>()
    for (let i = 0; i < N; i++) lens = Lens.pipe(lens, isRaw(i) ? rawAt(i) : stepAt(i).lens)
    check(lens, isRaw)
  })
})

// -------------------------------------------------------------------------------------
// Para
// -------------------------------------------------------------------------------------

describe('Para: models nested 1,000,000 deep', () => {
  const N = 1_000_000
  const x = 0.7
  /** `[w, v] ↦ w·v`, a one-weight layer. */
  const weight: Para.Para<number, number, number> = Lens.make({
    forward: ([w, v]) => w * v,
    backward: ([w, v], dy) => [v * dy, w * dy]
  })
  // Weights alternate so that neither the value nor any gradient under- or overflows.
  const w = (i: number): number => (i % 2 === 0 ? up : down)

  /** Value, weight gradients and input gradient of n weights in sequence, by hand. */
  const byHandSeq = (n: number, dy: number): { value: number; dw: Float64Array; dx: number } => {
    const v = new Float64Array(n + 1)
    v[0] = x
    for (let i = 0; i < n; i++) v[i + 1] = w(i) * (v[i] as number)
    const dw = new Float64Array(n)
    let d = dy
    for (let i = n - 1; i >= 0; i--) {
      dw[i] = (v[i] as number) * d
      d = w(i) * d
    }
    return { value: v[n] as number, dw, dx: d }
  }

  /** Runs every runner and compares the value, the input cotangent and the parameter cotangents (read by `weightsOf`). */
  const expectRunners = <P>(model: Para.Para<P, number, number>, params: P, weightsOf: (dp: P) => ReadonlyArray<number>): void => {
    const hand = byHandSeq(N, 1)
    const hand3 = byHandSeq(N, 3)
    expect(Lens.evaluate(model, [params, x])).toBe(hand.value)
    const check = ([dp, dx]: readonly [P, number], h: typeof hand): void => {
      expect(dx).toBe(h.dx)
      const dws = weightsOf(dp)
      expect(dws.length).toBe(N)
      let same = true
      for (let i = 0; i < N; i++) same &&= dws[i] === h.dw[i]
      expect(same).toBe(true)
    }
    check(Lens.backPropagateConst(model, 1, [params, x]), hand)
    check(Lens.backPropagate(model, () => 3, [params, x]), hand3)
    const [y, grad] = Lens.valueAndGrad(model, [params, x])
    expect(y).toBe(hand.value)
    check(grad, hand)
    const [y2, pullback] = Lens.vjp(model, [params, x])
    expect(y2).toBe(hand.value)
    check(pullback(3), hand3)
  }

  type Nest = number | readonly [Nest, Nest]
  /** The leaves of a nest of pairs, left to right, by a loop. */
  const leaves = (nest: unknown): Array<number> => {
    const out: Array<number> = []
    const todo: Array<unknown> = [nest]
    while (todo.length > 0) {
      const t = todo.pop()
      if (typeof t === 'number') out.push(t)
      else {
        const [a, b] = t as readonly [unknown, unknown]
        todo.push(b, a)
      }
    }
    return out
  }

  it('seq nested to the left: parameters [[[w0, w1], w2], …]', () => {
    let model = weight as Para.Para<Nest, number, number>
    let params: Nest = w(0)
    for (let i = 1; i < N; i++) {
      model = Para.seq(model, weight) as unknown as Para.Para<Nest, number, number>
      params = [params, w(i)]
    }
    expectRunners(model, params, leaves)
  })

  it('seq nested to the right: parameters [w0, [w1, [w2, …]]]', () => {
    let model = weight as Para.Para<Nest, number, number>
    let params: Nest = w(N - 1)
    for (let i = N - 2; i >= 0; i--) {
      model = Para.seq(weight, model) as unknown as Para.Para<Nest, number, number>
      params = [w(i), params]
    }
    expectRunners(model, params, leaves)
  })

  it('pipeAll of a million layers, parameters in one array', () => {
    const model = Para.pipeAll(Array.from({ length: N }, () => weight))
    expectRunners(model, Array.from({ length: N }, (_, i) => w(i)), (dp) => dp)
  })

  it('reparam nested a million deep: one weight through a million reparametrisations', () => {
    // reparam(reparam(weight, α0), α1)…: the weight is α0(α1(…(q))). With α_i = scale by
    // w(i) the weight is q·Π w(i) and dq = Π w(i) · dy · x.
    const scales = Array.from({ length: 8 }, (_, i) => Scalar.scale(w(i)))
    let model = weight
    for (let i = 0; i < N; i++) model = Para.reparam(model, scales[i % 8] as Lens.Lens<number, number>)
    let p = 2
    for (let i = N - 1; i >= 0; i--) p = w(i) * p
    let dq = x
    for (let i = 0; i < N; i++) dq = w(i) * dq
    expect(Lens.evaluate(model, [2, x])).toBe(p * x)
    expect(Lens.backPropagateConst(model, 1, [2, x])).toEqual([dq, p])
    expect(Lens.valueAndGrad(model, [2, x])).toEqual([p * x, [dq, p]])
    const [, pullback] = Lens.vjp(model, [2, x])
    expect(pullback(1)).toEqual([dq, p])
  })

  it('par nested to the left: a million weights side by side', () => {
    // par(par(w, w), w)…: inputs and parameters nested alike; each output is w_i·x_i.
    let model = weight as unknown as Para.Para<Nest, Nest, Nest>
    let params: Nest = w(0)
    let input: Nest = x
    for (let i = 1; i < N; i++) {
      model = Para.par(model, weight) as unknown as Para.Para<Nest, Nest, Nest>
      params = [params, w(i)]
      input = [input, x]
    }
    const out = leaves(Lens.evaluate(model, [params, input]))
    expect(out.length).toBe(N)
    expect(out.every((y, i) => y === w(i) * x)).toBe(true)
    let ones: Nest = 1
    for (let i = 1; i < N; i++) ones = [ones, 1]
    const [dp, dx] = Lens.backPropagateConst(model, ones, [params, input])
    expect(leaves(dp).every((d) => d === x)).toBe(true)
    expect(leaves(dx).every((d, i) => d === w(i))).toBe(true)
  })

  /** Parameters nested a million deep, to the left `[[[w0, w1], w2], …]` or to the right `[w0, [w1, …]]`, with leaf `i` given by `leaf(i)`. */
  const nestOf = (leftward: boolean, leaf: (i: number) => number): Nest => {
    let nest: Nest = leftward ? leaf(0) : leaf(N - 1)
    if (leftward) for (let i = 1; i < N; i++) nest = [nest, leaf(i)]
    else for (let i = N - 2; i >= 0; i--) nest = [leaf(i), nest]
    return nest
  }
  /** Gradient coordinates exact in binary, of both signs. */
  const g = (i: number): number => ((i % 7) - 3) / 8

  /** The same leaves, and nested the same way (the depth of the first leaf, by a loop). */
  const expectNest = (actual: unknown, leftward: boolean, expected: ReadonlyArray<number>): void => {
    const got = leaves(actual)
    expect(got.length).toBe(N)
    let same = true
    for (let i = 0; i < N; i++) same &&= Object.is(got[i], expected[i])
    expect(same).toBe(true)
    let depth = 0
    for (let t = actual; Array.isArray(t); t = (t as unknown as readonly [unknown, unknown])[leftward ? 0 : 1]) depth++
    expect(depth).toBe(N - 1)
  }

  it('one optimiser step (sgd, adam) on parameters nested a million deep', () => {
    const params = nestOf(true, w)
    const grad = nestOf(true, g)
    const lr = 0.5
    const sgd = Optimizer.sgd({ lr })
    const [bySgd] = sgd.step(sgd.init(params), params, grad)
    expectNest(bySgd, true, Array.from({ length: N }, (_, i) => w(i) - lr * g(i)))
    // Adam's first step, coordinate by coordinate as its formula says.
    const adam = Optimizer.adam({ lr })
    const [byAdam, state] = adam.step(adam.init(params), params, grad)
    const adamStep = (i: number): number => {
      const m = (1 - 0.9) * g(i)
      const v = (1 - 0.999) * g(i) * g(i)
      return w(i) - (lr * (m / (1 - 0.9))) / (Math.sqrt(v / (1 - 0.999)) + 1e-8)
    }
    expectNest(byAdam, true, Array.from({ length: N }, (_, i) => adamStep(i)))
    expect(state.count).toBe(1)
    expect(state.m.length).toBe(N)
    // A state made for these parameters refuses the other nesting.
    // (Both structures are shown shortened to 120 characters.)
    expect(() => adam.step(state, nestOf(false, w), nestOf(false, g))).toThrow(
      `Optimizer.adam.step: the state was made for parameters ${'['.repeat(119)}…, not for ${'[number, '.repeat(13)}[n…; make a new state with Optimizer.adam's init`
    )
  })

  it.each([
    ['to the left', true],
    ['to the right', false]
  ])('a model file round trip of parameters nested a million deep %s', (_name, leftward) => {
    // -0 and a subnormal among the weights: the round trip is bit for bit.
    const weight = (i: number): number => (i === 1 ? -0 : i === 2 ? 5e-324 : w(i))
    const params = nestOf(leftward, weight)
    const text = Codec.saveParams(params)
    const loaded = Codec.loadParams(text, nestOf(leftward, () => 0))
    if (E.isLeft(loaded)) return expect.fail(Codec.formatError(loaded.left))
    expectNest(loaded.right, leftward, Array.from({ length: N }, (_, i) => weight(i)))
  })
})
