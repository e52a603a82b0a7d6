import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as Gradcheck from '../src/Gradcheck.js'
import * as Lens from '../src/Lens.js'
import * as ops from '../src/ops/index.js'
import * as Optimizer from '../src/Optimizer.js'
import * as Scalar from '../src/Scalar.js'
import * as Tensor from '../src/Tensor.js'
import { unsafeFromData } from '../src/internal/tensor.js'
import * as VectorSpace from '../src/VectorSpace.js'

// -------------------------------------------------------------------------------------
// generators
// -------------------------------------------------------------------------------------

/** A parameter structure: numbers, tensors, tuples and records, nested. */
type Tree = number | Tensor.Tensor | ReadonlyArray<Tree> | { readonly [k: string]: Tree }

const coordinate = fc.double({ min: -1e3, max: 1e3, noNaN: true, noDefaultInfinity: true })

const tensor = fc.array(fc.integer({ min: 1, max: 3 }), { maxLength: 3 }).chain((shape) => {
  const n = shape.reduce((a, d) => a * d, 1)
  return fc.array(coordinate, { minLength: n, maxLength: n }).map((data) => Tensor.make(shape, data))
})

const tree: fc.Arbitrary<Tree> = fc.letrec<{ tree: Tree }>((tie) => ({
  tree: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    coordinate,
    tensor,
    fc.array(tie('tree'), { minLength: 1, maxLength: 3 }),
    fc.dictionary(fc.constantFrom('w', 'b', 'gamma', 'layer0', 'x'), tie('tree'), { minKeys: 1, maxKeys: 3, noNullPrototype: true })
  )
})).tree

/** Coordinates of the same size as `like`, read back into its structure. */
const sameStructure = (like: Tree): fc.Arbitrary<Tree> => {
  const V = VectorSpace.infer(like)
  const n = V.size(like)
  return fc.array(coordinate, { minLength: n, maxLength: n }).map((xs) => V.unflatten(like, xs))
}

/** Parameters and a few gradients of the same structure. */
const problem = tree.chain((params) =>
  fc.record({ params: fc.constant(params), grads: fc.array(sameStructure(params), { minLength: 1, maxLength: 4 }) })
)

const lr = fc.double({ min: 1e-4, max: 2, noNaN: true })

const flat = (x: Tree): Float64Array => VectorSpace.infer(x).flatten(x)

/** Equal coordinate by coordinate with `===` (so -0 equals 0), and the same structure. */
const skeleton = (x: Tree): unknown =>
  typeof x === 'number'
    ? 'n'
    : Tensor.isTensor(x)
      ? `tensor[${x.shape.join(',')}]`
      : Array.isArray(x)
        ? x.map(skeleton)
        : Object.fromEntries(Object.entries(x).map(([k, v]) => [k, skeleton(v)]))

const expectSame = (a: Tree, b: Tree): void => {
  expect(skeleton(a)).toEqual(skeleton(b))
  const x = flat(a)
  const y = flat(b)
  expect(x.length).toBe(y.length)
  for (let i = 0; i < x.length; i++) if (x[i] !== y[i]) expect.fail(`coordinate ${i}: ${x[i]} !== ${y[i]}`)
}

const run = <S>(opt: Optimizer.Optimizer<Tree, S>, params: Tree, grads: ReadonlyArray<Tree>): ReadonlyArray<Tree> => {
  let state = opt.init(params)
  let p = params
  const out: Array<Tree> = []
  for (const g of grads) {
    ;[p, state] = opt.step(state, p, g)
    out.push(p)
  }
  return out
}

// -------------------------------------------------------------------------------------
// a small model: loss(w, b) = (tanh(w₀x₀ + w₁x₁ + b) − t)²
// -------------------------------------------------------------------------------------

interface Neuron {
  readonly w: readonly [number, number]
  readonly b: number
}

const neuronLoss = (x: readonly [number, number], t: number): Lens.Lens<Neuron, number> =>
  Lens.pipe(
    Lens.make<Neuron, number>({
      forward: ({ w, b }) => w[0] * x[0] + w[1] * x[1] + b,
      backward: (_p, dz) => ({ w: [x[0] * dz, x[1] * dz], b: dz })
    }),
    Scalar.tanh,
    Scalar.shift(-t),
    Scalar.square
  )

const NeuronSpace: VectorSpace.VectorSpace<Neuron> = VectorSpace.struct({
  w: VectorSpace.tuple(VectorSpace.number, VectorSpace.number),
  b: VectorSpace.number
})

const small = fc.double({ min: -2, max: 2, noNaN: true })

// -------------------------------------------------------------------------------------
// laws
// -------------------------------------------------------------------------------------

describe('Optimizer.sgd (law 18)', () => {
  it('one step is p − lr·∇p, with ∇p from backPropagateConst matching finite differences', () => {
    fc.assert(
      fc.property(small, small, small, small, small, small, lr, (w0, w1, b, x0, x1, t, rate) => {
        const params: Neuron = { w: [w0, w1], b }
        const loss = neuronLoss([x0, x1], t)
        const grad = Lens.backPropagateConst(loss, 1, params)
        const report = Gradcheck.check(loss, params, { input: NeuronSpace, seed: 7 })
        fc.pre(report.status !== 'kink')
        expect(report.status, Gradcheck.format(report)).toBe('pass')
        const opt = Optimizer.sgd<Neuron>({ lr: rate })
        const [next, state] = opt.step(opt.init(params), params, grad)
        expect(next).toEqual({ w: [w0 - rate * grad.w[0], w1 - rate * grad.w[1]], b: b - rate * grad.b })
        expect(state).toEqual({ count: 1, structure: '{ w: [number × 2], b: number }' })
      }),
      { numRuns: 300 }
    )
  })

  it('the full Jacobian of the small model matches too, and a few steps lower the loss', () => {
    const loss = neuronLoss([0.5, -1.5], 0.25)
    let params: Neuron = { w: [0.3, 0.2], b: -0.1 }
    expect(Gradcheck.jacobian(loss, params, { input: NeuronSpace }).status).toBe('pass')
    const opt = Optimizer.sgd({ lr: 0.1 }, NeuronSpace)
    let state = opt.init(params)
    const before = Lens.evaluate(loss, params)
    for (let i = 0; i < 50; i++) [params, state] = opt.step(state, params, Lens.backPropagateConst(loss, 1, params))
    expect(Lens.evaluate(loss, params)).toBeLessThan(before / 100)
  })

  it('on tensors: one step of a small dense layer is p − lr·∇p, ∇p matching finite differences', () => {
    // loss(W, b) = mse(tanh(x·W + b), y) on a fixed batch x [4, 3], targets y [4, 2]
    interface Dense {
      readonly W: Tensor.Tensor
      readonly b: Tensor.Tensor
    }
    const DenseSpace: VectorSpace.VectorSpace<Dense> = VectorSpace.struct({ W: VectorSpace.tensor, b: VectorSpace.tensor })
    const entries = (n: number) => fc.array(fc.double({ min: -1, max: 1, noNaN: true }), { minLength: n, maxLength: n })
    fc.assert(
      fc.property(entries(6), entries(2), entries(12), entries(8), (w, bias, xs, ys) => {
        const x = Tensor.make([4, 3], xs)
        const y = Tensor.make([4, 2], ys)
        const loss: Lens.Lens<Dense, Tensor.Tensor> = Lens.pipe(
          Lens.make<Dense, readonly [Tensor.Tensor, Tensor.Tensor]>({ forward: ({ W, b }) => [W, b], backward: (_p, [dW, db]) => ({ W: dW, b: db }) }),
          Lens.split(ops.matmulLeft(x), Lens.id<Tensor.Tensor>()),
          ops.add,
          ops.tanh,
          ops.mse(y)
        )
        const params: Dense = { W: Tensor.make([3, 2], w), b: Tensor.make([2], bias) }
        const grad = Lens.backPropagateConst(loss, Tensor.scalar(1), params)
        const report = Gradcheck.check(loss, params, { input: DenseSpace, output: VectorSpace.tensor, seed: 3 })
        fc.pre(report.status !== 'kink')
        expect(report.status, Gradcheck.format(report)).toBe('pass')
        const rate = 0.3
        for (const opt of [Optimizer.sgd({ lr: rate }), Optimizer.sgd({ lr: rate }, DenseSpace)]) {
          const [next] = opt.step(opt.init(params), params, grad)
          expect(next.W.shape).toEqual([3, 2])
          expect(Array.from(next.W.data)).toEqual(w.map((wi, i) => wi - rate * (grad.W.data[i] as number)))
          expect(Array.from(next.b.data)).toEqual(bias.map((bi, i) => bi - rate * (grad.b.data[i] as number)))
        }
      }),
      { numRuns: 200 }
    )
  })

  it('is p − lr·g on any structure, coordinate by coordinate', () => {
    fc.assert(
      fc.property(problem, lr, ({ params, grads }, rate) => {
        const g = grads[0] as Tree
        const opt = Optimizer.sgd<Tree>({ lr: rate })
        const [next] = opt.step(opt.init(params), params, g)
        const p = flat(params)
        const d = flat(g)
        expectSame(next, VectorSpace.infer(params).unflatten(params, p.map((pi, i) => pi - rate * (d[i] as number))))
      }),
      { numRuns: 300 }
    )
  })
})

describe('Optimizer.momentum', () => {
  it('with beta = 0 equals sgd exactly, plain and Nesterov, over several steps (law 18)', () => {
    fc.assert(
      fc.property(problem, lr, fc.boolean(), ({ params, grads }, rate, nesterov) => {
        const bySgd = run(Optimizer.sgd<Tree>({ lr: rate }), params, grads)
        const byMomentum = run(Optimizer.momentum<Tree>({ lr: rate, beta: 0, nesterov }), params, grads)
        bySgd.forEach((p, i) => expectSame(byMomentum[i] as Tree, p))
      }),
      { numRuns: 300 }
    )
  })

  it('plain and Nesterov follow their formulas (hand computation, exact dyadic numbers)', () => {
    // lr = 1/8, β = 1/2, p₀ = 1, g₁ = 1, g₂ = 2.
    // plain:    v₁ = 1,   p₁ = 1 − 1/8·1 = 0.875;        v₂ = 1/2·1 + 2 = 2.5, p₂ = 0.875 − 1/8·2.5 = 0.5625
    // Nesterov: v₁ = 1,   p₁ = 1 − 1/8·(1 + 1/2·1) = 0.8125; v₂ = 2.5,      p₂ = 0.8125 − 1/8·(2 + 1/2·2.5) = 0.40625
    const plain = run(Optimizer.momentum<Tree>({ lr: 0.125, beta: 0.5 }), 1, [1, 2])
    const nesterov = run(Optimizer.momentum<Tree>({ lr: 0.125, beta: 0.5, nesterov: true }), 1, [1, 2])
    expect(plain).toEqual([0.875, 0.5625])
    expect(nesterov).toEqual([0.8125, 0.40625])
    const opt = Optimizer.momentum<number>({ lr: 0.125, beta: 0.5, nesterov: true })
    const [, s1] = opt.step(opt.init(1), 1, 1)
    const [, s2] = opt.step(s1, 0.8125, 2)
    expect(Array.from(s1.velocity)).toEqual([1])
    expect(Array.from(s2.velocity)).toEqual([2.5])
    expect(s2.count).toBe(2)
  })

  it('Nesterov differs from plain momentum as the formulas say (exact, dyadic numbers)', () => {
    // From the same state v = g₁, one step with g₂: v' = β·g₁ + g₂, plain p − lr·v',
    // Nesterov p − lr·(g₂ + β·v'); they agree only when g₂ + β·v' = v'. Dyadic numbers keep
    // the arithmetic exact.
    const dyadic = fc.integer({ min: -64, max: 64 }).map((k) => k / 8)
    fc.assert(
      fc.property(dyadic, dyadic, dyadic, fc.constantFrom(0.25, 0.5, 0.75), (p, g1, g2, beta) => {
        const lrate = 0.5
        const plain = Optimizer.momentum<number>({ lr: lrate, beta })
        const nest = Optimizer.momentum<number>({ lr: lrate, beta, nesterov: true })
        const [, s] = plain.step(plain.init(p), p, g1) // v = g1 for both
        const [pp] = plain.step(s, p, g2)
        const [pn] = nest.step(s, p, g2)
        const v = beta * g1 + g2
        expect(pp).toBe(p - lrate * v)
        expect(pn).toBe(p - lrate * (g2 + beta * v))
        expect(pn === pp).toBe(g2 + beta * v === v)
      }),
      { numRuns: 300 }
    )
  })
})

describe('Optimizer.adam', () => {
  it('matches a hand computation of its first two steps, bias correction included', () => {
    // lr = 0.1, β₁ = 0.9, β₂ = 0.999, ε = 1e-8, p₀ = 1, g₁ = 0.5, g₂ = −0.25, in exact decimals:
    // step 1: m = 0.1·0.5 = 0.05, v = 0.001·0.25 = 0.00025, m̂ = 0.05/0.1 = 0.5, v̂ = 0.00025/0.001 = 0.25,
    //         p₁ = 1 − 0.1·0.5/(0.5 + 1e-8)                         = 0.90000000199999996000000079999…
    // step 2: m = 0.9·0.05 + 0.1·(−0.25) = 0.02, v = 0.999·0.00025 + 0.001·0.0625 = 0.00031225,
    //         m̂ = 0.02/(1 − 0.81) = 0.02/0.19, v̂ = 0.00031225/(1 − 0.998001) = 0.00031225/0.001999,
    //         p₂ = p₁ − 0.1·m̂/(√v̂ + 1e-8)                          = 0.87336629870784616255937640…
    // float64 rounds 0.9, 0.999 and the cancellation 1 − 0.999 amplifies that by 1000, so the
    // comparison allows a relative 1e-12 (forgetting the bias correction is off by > 1e-2).
    const opt = Optimizer.adam<number>({ lr: 0.1, beta1: 0.9, beta2: 0.999, eps: 1e-8 })
    const s0 = opt.init(1)
    const [p1, s1] = opt.step(s0, 1, 0.5)
    const [p2, s2] = opt.step(s1, p1, -0.25)
    const close = (x: number, y: number): void => expect(Math.abs(x - y)).toBeLessThanOrEqual(1e-12 * Math.abs(y))
    close(p1, 0.900000001999999960000000799)
    close(s1.m[0] as number, 0.05)
    close(s1.v[0] as number, 0.00025)
    close(p2, 0.873366298707846162559376402)
    close(s2.m[0] as number, 0.02)
    close(s2.v[0] as number, 0.00031225)
    expect([s0.count, s1.count, s2.count]).toEqual([0, 1, 2])
    expect(Array.from(s0.m)).toEqual([0])
    // without bias correction the first step would be 1 − 0.1·0.05/(√0.00025 + ε) = 0.6837…
    expect(Math.abs(p1 - 0.6837722)).toBeGreaterThan(0.2)
  })

  it('moves each coordinate by lr·|g|/(|g| + ε) on the first step, against its gradient', () => {
    fc.assert(
      fc.property(problem, ({ params, grads }) => {
        const g = grads[0] as Tree
        const opt = Optimizer.adam<Tree>({ lr: 0.01, eps: 1e-6 })
        const [next] = opt.step(opt.init(params), params, g)
        const p = flat(params)
        const q = flat(next)
        flat(g).forEach((gi, i) => {
          const pi = p[i] as number
          const expected = (0.01 * Math.sign(gi) * Math.abs(gi)) / (Math.abs(gi) + 1e-6)
          // a few ulps of the bias-corrected moments, and of p − move
          expect(Math.abs(pi - (q[i] as number) - expected)).toBeLessThanOrEqual(1e-17 + 1e-15 * Math.abs(expected) + 4.5e-16 * Math.abs(pi))
        })
      }),
      { numRuns: 200 }
    )
  })

  it('adamW with weightDecay = 0 equals adam exactly; with decay it shrinks p by (1 − lr·wd) first', () => {
    fc.assert(
      fc.property(problem, lr, ({ params, grads }, rate) => {
        const byAdam = run(Optimizer.adam<Tree>({ lr: rate }), params, grads)
        const byAdamW = run(Optimizer.adamW<Tree>({ lr: rate, weightDecay: 0 }), params, grads)
        byAdam.forEach((p, i) => expectSame(byAdamW[i] as Tree, p))
      }),
      { numRuns: 200 }
    )
    const opt = Optimizer.adamW<number>({ lr: 0.5, weightDecay: 0.25, eps: 1e-8 })
    const [p1] = opt.step(opt.init(4), 4, 2)
    // 4·(1 − 0.5·0.25) − 0.5·m̂/(√v̂ + ε) with m̂ = 2, v̂ = 4 on the first step
    expect(Math.abs(p1 - (3.5 - (0.5 * 2) / (2 + 1e-8)))).toBeLessThanOrEqual(4e-16 * 3)
  })
})

// -------------------------------------------------------------------------------------
// structures, purity, spaces
// -------------------------------------------------------------------------------------

/** Forgets the state type (it is invariant), for tables of optimisers. */
const erase = <P, S>(opt: Optimizer.Optimizer<P, S>): Optimizer.Optimizer<P, unknown> => opt as unknown as Optimizer.Optimizer<P, unknown>

type Make = (space?: VectorSpace.VectorSpace<Tree>) => Optimizer.Optimizer<Tree, unknown>

const optimisers: ReadonlyArray<readonly [string, Make]> = [
  ['sgd', (V) => erase(Optimizer.sgd<Tree>({ lr: 0.1 }, V))],
  ['momentum', (V) => erase(Optimizer.momentum<Tree>({ lr: 0.1, beta: 0.9 }, V))],
  ['nesterov', (V) => erase(Optimizer.momentum<Tree>({ lr: 0.1, beta: 0.9, nesterov: true }, V))],
  ['adam', (V) => erase(Optimizer.adam<Tree>({ lr: 0.1 }, V))],
  ['adamW', (V) => erase(Optimizer.adamW<Tree>({ lr: 0.1, weightDecay: 0.01 }, V))]
]

const deepCopy = (s: unknown): unknown =>
  s instanceof Float64Array
    ? Float64Array.from(s)
    : Array.isArray(s)
      ? s.map(deepCopy)
      : s !== null && typeof s === 'object'
        ? Object.fromEntries(Object.entries(s).map(([k, v]) => [k, deepCopy(v)]))
        : s

describe.each(optimisers)('Optimizer.%s on any structure', (_name, make) => {
  it('acts coordinate-wise: stepping a structure is stepping its flat coordinates', () => {
    fc.assert(
      fc.property(problem, ({ params, grads }) => {
        const structured = run(make(), params, grads)
        const flatParams = Array.from(flat(params))
        const flatRuns = run(make(), flatParams, grads.map((g) => Array.from(flat(g))))
        structured.forEach((p, i) => expect(Array.from(flat(p))).toEqual(flatRuns[i]))
      }),
      { numRuns: 200 }
    )
  })

  it('is pure: params, grads and states are never written, an old state steps again the same way', () => {
    fc.assert(
      fc.property(problem, ({ params, grads }) => {
        const opt = make()
        const paramsCopy = deepCopy(params)
        const gradsCopy = deepCopy(grads)
        const s0 = opt.init(params)
        const [p1, s1] = opt.step(s0, params, grads[0] as Tree)
        const s1Copy = deepCopy(s1)
        const [p2, s2] = opt.step(s1, p1, grads[0] as Tree)
        expect(params).toEqual(paramsCopy)
        expect(grads).toEqual(gradsCopy)
        expect(s1).toEqual(s1Copy)
        expect(deepCopy(s0)).toEqual(deepCopy(opt.init(params)))
        const [p2again, s2again] = opt.step(s1, p1, grads[0] as Tree)
        expectSame(p2again, p2)
        expect(s2again).toEqual(s2)
        if (p1 !== null && typeof p1 === 'object') expect(p1).not.toBe(params)
      }),
      { numRuns: 200 }
    )
  })

  it('gives the same result with an explicit space as with the inferred one', () => {
    fc.assert(
      fc.property(problem, ({ params, grads }) => {
        const inferred = run(make(), params, grads)
        const explicit = run(make(VectorSpace.infer(params)), params, grads)
        inferred.forEach((p, i) => expectSame(explicit[i] as Tree, p))
      }),
      { numRuns: 100 }
    )
  })

  it('rejects a gradient of another structure, naming the path', () => {
    const opt = make()
    const params = { layers: [{ W: [1, 2], b: 0 }, { W: [3, 4], b: 1 }] }
    const s = opt.init(params)
    expect(() => opt.step(s, params, { layers: [{ W: [1, 2], b: 0 }, { W: [3], b: 1 }] })).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: layers[1].W: expected an array of length 2, got an array of length 1`
    )
    expect(() => opt.step(s, params, { layers: [{ W: [1, 2], b: 0 }, { W: [3, 4] }] })).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: missing field 'b' at layers[1]`
    )
    expect(() => opt.step(s, params, { layers: [{ W: [1, 2], b: 0, c: 1 }, { W: [3, 4], b: 1 }] })).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: unexpected field 'c' at layers[0]`
    )
    expect(() => opt.step(s, params, { layers: [{ W: [1, 2], b: 0 }, { W: [3, 'x'], b: 1 }] } as unknown as typeof params)).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: layers[1].W[1]: expected a number, got "x"`
    )
  })

  it('rejects a tensor gradient of another shape, naming the path and both shapes', () => {
    const opt = make()
    const params = { W: Tensor.zeros([2, 3]), b: Tensor.zeros([3]) }
    expect(() => opt.step(opt.init(params), params, { W: Tensor.zeros([3, 2]), b: Tensor.zeros([3]) })).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: W: expected shape [2,3], got [3,2]`
    )
    expect(() => opt.step(opt.init(params), params, { W: Tensor.zeros([2, 3]), b: 0 } as unknown as typeof params)).toThrow(
      `${opt.name}.step: the gradient does not match the parameters: b: expected a tensor of shape [3], got a number`
    )
  })

  it('rejects a NaN or infinite gradient, naming the coordinate and its path', () => {
    const opt = make()
    const params = { w: [1, 2], b: 3 }
    expect(() => opt.step(opt.init(params), params, { w: [0, NaN], b: 0 })).toThrow(
      `${opt.name}.step: the gradient is NaN at coordinate 1 (w[1])`
    )
    expect(() => opt.step(opt.init(params), params, { w: [0, 0], b: -Infinity })).toThrow(
      `${opt.name}.step: the gradient is -Infinity at coordinate 2 (b)`
    )
    const tensors = { a: 1, W: Tensor.zeros([2, 2]) }
    const nan = unsafeFromData([2, 2], Float64Array.from([0, 0, NaN, 0]))
    expect(() => opt.step(opt.init(tensors), tensors, { a: 0, W: nan })).toThrow(`${opt.name}.step: the gradient is NaN at coordinate 3 (W[1, 0])`)
    // tensors only (sgd's one pass without a branch, then the checking pass): the same message
    expect(() => opt.step(opt.init({ W: tensors.W }), { W: tensors.W }, { W: nan })).toThrow(`${opt.name}.step: the gradient is NaN at coordinate 2 (W[1, 0])`)
    // a step that throws midway changes nothing: the same state steps on as if it never happened
    const s1 = opt.step(opt.init(tensors), tensors, { a: 1, W: Tensor.fromNested([[1, 2], [3, 4]]) })[1]
    const copy = deepCopy(s1)
    expect(() => opt.step(s1, tensors, { a: 0.5, W: nan })).toThrow('NaN at coordinate 3')
    expect(deepCopy(s1)).toEqual(copy)
    expect(Array.from(tensors.W.data)).toEqual([0, 0, 0, 0])
    const good = { a: 2, W: Tensor.fromNested([[-1, 0.5], [0, 1]]) }
    const [after] = opt.step(s1, tensors, good)
    const [fresh] = make().step(s1, tensors, good)
    expectSame(after, fresh)
  })

  it('rejects a state that is not from its init, or whose buffers have another size', () => {
    const opt = make()
    const s = opt.init([1, 2, 3]) as Readonly<Record<string, unknown>>
    expect(() => opt.step({ ...s, count: -1 }, [1, 2, 3], [0, 0, 0])).toThrow(`${opt.name}.step: expected a state from ${opt.name}'s init, its count is -1`)
    const { structure: _, ...withoutStructure } = s
    expect(() => opt.step(withoutStructure, [1, 2, 3], [0, 0, 0])).toThrow(
      `${opt.name}.step: expected a state from ${opt.name}'s init, its structure is undefined`
    )
    if (opt.name !== 'Optimizer.sgd') {
      // A state doctored to claim another structure: the buffers are checked too.
      const key = opt.name === 'Optimizer.momentum' ? 'velocity' : 'm'
      expect(() => opt.step({ ...s, structure: '[number × 2]' }, [1, 2], [0, 0])).toThrow(
        `${opt.name}.step: the state's ${key} has 3 coordinates, the parameters have 2`
      )
    }
  })

  it('rejects a state made for parameters of another structure, naming both (issue 13)', () => {
    const opt = make()
    const s = opt.init({ w: Tensor.zeros([2, 3]) })
    expect(() => opt.step(s, { v: Tensor.zeros([6]) }, { v: Tensor.zeros([6]) })).toThrow(
      `${opt.name}.step: the state was made for parameters { w: Tensor[2,3] }, not for { v: Tensor[6] }; make a new state with ${opt.name}'s init`
    )
    expect(() => opt.step(opt.init([1, 2, 3]), [1, 2], [0, 0])).toThrow(
      `${opt.name}.step: the state was made for parameters [number × 3], not for [number × 2]; make a new state with ${opt.name}'s init`
    )
    // with an explicit space too
    const explicit = make(VectorSpace.infer<Tree>([[1], 2]))
    expect(() => explicit.step(explicit.init([[1], 2]), [1, [2]], [0, [0]])).toThrow(
      `${opt.name}.step: the state was made for parameters [[number], number], not for [number, [number]]; make a new state with ${opt.name}'s init`
    )
  })

  it('rejects an update that overflows, naming the coordinate, its path and the value (issue 13)', () => {
    const opt = make()
    const params = { w: [1, 1.7e308] }
    const what = opt.name.startsWith('Optimizer.adam') ? 'second moment v' : 'updated parameter'
    expect(() => opt.step(opt.init(params), params, { w: [0, -1e308] })).toThrow(
      `${opt.name}.step: the ${what} at coordinate 1 (w[1]) is Infinity (the parameter is 1.7e+308, its gradient -1e+308); ` +
        'the step overflows: lower the learning rate or rescale the loss'
    )
    // tensors (updated into fresh arrays, in one pass without a branch for sgd): the same first coordinate named
    const tensors = { b: Tensor.fromNested([3]), W: Tensor.fromNested([1, 2, 1.7e308, 5]) }
    const grad = { b: Tensor.fromNested([0.5]), W: Tensor.fromNested([0, 1, -1e308, -1e308]) }
    expect(() => opt.step(opt.init(tensors), tensors, grad)).toThrow(
      `${opt.name}.step: the ${what} at coordinate 3 (W[2]) is Infinity (the parameter is 1.7e+308, its gradient -1e+308); ` +
        'the step overflows: lower the learning rate or rescale the loss'
    )
  })
})

describe('hyper-parameters', () => {
  it('are validated with messages naming the optimiser and the value', () => {
    expect(() => Optimizer.sgd({ lr: 0 })).toThrow('Optimizer.sgd: lr must be a finite number > 0 or a schedule, got 0')
    expect(() => Optimizer.sgd({ lr: NaN })).toThrow('Optimizer.sgd: lr must be a finite number > 0 or a schedule, got NaN')
    expect(() => Optimizer.sgd({ lr: Infinity })).toThrow('Optimizer.sgd: lr must be a finite number > 0 or a schedule, got Infinity')
    expect(() => Optimizer.momentum({ lr: -1 })).toThrow('Optimizer.momentum: lr must be a finite number > 0 or a schedule, got -1')
    expect(() => Optimizer.momentum({ lr: 0.1, beta: 1 })).toThrow('Optimizer.momentum: beta must be a number in [0, 1), got 1')
    expect(() => Optimizer.momentum({ lr: 0.1, beta: -0.1 })).toThrow('Optimizer.momentum: beta must be a number in [0, 1), got -0.1')
    expect(() => Optimizer.adam({ lr: 0.1, beta1: NaN })).toThrow('Optimizer.adam: beta1 must be a number in [0, 1), got NaN')
    expect(() => Optimizer.adam({ lr: 0.1, beta2: 1.5 })).toThrow('Optimizer.adam: beta2 must be a number in [0, 1), got 1.5')
    expect(() => Optimizer.adam({ lr: 0.1, eps: 0 })).toThrow('Optimizer.adam: eps must be a finite number > 0, got 0')
    expect(() => Optimizer.adamW({ lr: 0.1, weightDecay: -1 })).toThrow('Optimizer.adamW: weightDecay must be a finite number >= 0, got -1')
    expect(() => Optimizer.adamW({ lr: 0.1, beta1: 1, weightDecay: 0 })).toThrow('Optimizer.adamW: beta1 must be a number in [0, 1), got 1')
    expect(() => Optimizer.sgd(undefined as unknown as Optimizer.SgdOptions)).toThrow('Optimizer.sgd: expected an options object such as { lr: 0.01 }, got undefined')
  })

  it('an unknown option is an error naming it and the known ones (issue 13)', () => {
    // @ts-expect-error the option is `beta`
    expect(() => Optimizer.momentum({ lr: 0.1, momentum: 0.99 })).toThrow('Optimizer.momentum: unknown option "momentum"; the options are lr, beta, nesterov')
    expect(() => Optimizer.sgd({ lr: 0.1, beta: 0.9 } as Optimizer.SgdOptions)).toThrow('Optimizer.sgd: unknown option "beta"; the options are lr')
    expect(() => Optimizer.adam({ lr: 0.1, weightDecay: 0.1 } as Optimizer.AdamOptions)).toThrow(
      'Optimizer.adam: unknown option "weightDecay"; the options are lr, beta1, beta2, eps'
    )
    expect(() => Optimizer.adamW({ lr: 0.1, weightDecay: 0, beta3: 1 } as Optimizer.AdamWOptions)).toThrow(
      'Optimizer.adamW: unknown option "beta3"; the options are lr, beta1, beta2, eps, weightDecay'
    )
    expect(Optimizer.momentum({ lr: 0.1, beta: 0.5, nesterov: true }).name).toBe('Optimizer.momentum')
  })

  it('a schedule is called with the step count, and its value is validated at that step', () => {
    const seen: Array<number> = []
    const opt = Optimizer.sgd<number>({ lr: (c) => (seen.push(c), 0.5 ** (c + 1)) })
    const out = run(opt as Optimizer.Optimizer<Tree, Optimizer.SgdState>, 1, [1, 1, 1])
    expect(seen).toEqual([0, 1, 2])
    expect(out).toEqual([0.5, 0.25, 0.125])
    const bad = Optimizer.adam<number>({ lr: (c) => (c < 1 ? 0.1 : NaN) })
    const [p1, s1] = bad.step(bad.init(1), 1, 1)
    expect(() => bad.step(s1, p1, 1)).toThrow('Optimizer.adam.step: the lr schedule must give a finite number >= 0, got NaN at step 1')
  })
})

describe('convergence and types', () => {
  it('each optimiser minimises a badly scaled quadratic', () => {
    // f(x, y) = (x − 3)² + 10·(y + 1)², minimum at (3, −1).
    const grad = ([x, y]: readonly [number, number]): readonly [number, number] => [2 * (x - 3), 20 * (y + 1)]
    type P = readonly [number, number]
    const cases: ReadonlyArray<Optimizer.Optimizer<P, unknown>> = [
      erase(Optimizer.sgd<P>({ lr: 0.04 })),
      erase(Optimizer.momentum<P>({ lr: 0.02, beta: 0.9 })),
      erase(Optimizer.momentum<P>({ lr: 0.02, beta: 0.9, nesterov: true })),
      erase(Optimizer.adam<P>({ lr: 0.05 })),
      erase(Optimizer.adamW<P>({ lr: 0.05, weightDecay: 0 }))
    ]
    for (const opt of cases) {
      let p: readonly [number, number] = [0, 0]
      let s = opt.init(p)
      for (let i = 0; i < 2000; i++) [p, s] = opt.step(s, p, grad(p))
      expect(Math.abs(p[0] - 3) + Math.abs(p[1] + 1), opt.name).toBeLessThan(1e-6)
    }
  })

  it('types: the state type follows the optimiser, params keep their type', () => {
    const opt = Optimizer.adam<{ readonly w: readonly [number, number] }>({ lr: 0.1 })
    expectTypeOf(opt.init({ w: [1, 2] })).toEqualTypeOf<Optimizer.AdamState>()
    expectTypeOf(opt.step).returns.toEqualTypeOf<readonly [{ readonly w: readonly [number, number] }, Optimizer.AdamState]>()
    // without a space: one optimiser for every parameter type
    const generic = Optimizer.momentum({ lr: 0.1 })
    expectTypeOf(generic).toEqualTypeOf<Optimizer.GenericOptimizer<Optimizer.MomentumState>>()
    expectTypeOf(generic).toMatchTypeOf<Optimizer.Optimizer<{ readonly w: readonly [number, number] }, Optimizer.MomentumState>>()
    expectTypeOf(generic).toMatchTypeOf<Optimizer.Optimizer<number, Optimizer.MomentumState>>()
    const params = { w: [1, 2], b: 3 }
    expectTypeOf(generic.step(generic.init(params), params, { w: [0, 0], b: 0 })).toEqualTypeOf<readonly [{ w: Array<number>; b: number }, Optimizer.MomentumState]>()
    // @ts-expect-error the gradient must have the parameters' type
    expect(() => generic.step(generic.init(params), params, { w: [0, 0] })).toThrow("missing field 'b' at (root)")
    // with a space: the space fixes the type
    expectTypeOf(Optimizer.sgd({ lr: 0.1 }, VectorSpace.number)).toEqualTypeOf<Optimizer.Optimizer<number, Optimizer.SgdState>>()
    // @ts-expect-error a gradient of another type does not compile
    expect(() => opt.step(opt.init({ w: [1, 2] }), { w: [1, 2] }, { w: [1] })).toThrow()
  })
})
