/**
 * Optimisers' buffer reuse (issue 11 #6): the public `step` always gives fresh values and
 * leaves its arguments alone; `Train.fit` steps its own states with `ownedStep`, which writes
 * the new velocities and moments into the state's buffers, and gives the same numbers.
 */
import { describe, expect, it } from 'vitest'
import { Layer, Lens, Optimizer, Tensor, Train, ops } from '../src/index.js'
import fc from 'fast-check'
import { ownedStep, structureByWalk } from '../src/internal/optimizer.js'

const ONE = Tensor.scalar(1)

/** Parameters mixing tensors and runs of numbers (segments of both kinds). */
const mixed = (): { readonly a: number; readonly W: Tensor.Tensor; readonly rest: readonly [number, number]; readonly b: Tensor.Tensor } => ({
  a: 0.5,
  W: Tensor.fromNested([[1, -2], [3, 0.25]]),
  rest: [2, -1],
  b: Tensor.fromNested([0.125])
})
const gradOf = (k: number): ReturnType<typeof mixed> => ({
  a: 0.25 * k,
  W: Tensor.fromNested([[k, -1], [0.5, 2 * k]]),
  rest: [-k, 3],
  b: Tensor.fromNested([k / 8])
})

const copy = (x: unknown): unknown => JSON.parse(JSON.stringify(x, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v)))

describe('ownedStep', () => {
  type Mixed = ReturnType<typeof mixed>
  /** Four steps by `step` and by `ownedStep` side by side. */
  const stepBoth = <S extends object>(opt: Optimizer.Optimizer<Mixed, S>): void => {
    let pub = mixed()
    let own = mixed()
    let sPub = opt.init(pub)
    let sOwn = opt.init(own)
    const stepOwned = ownedStep(opt)
    for (let k = 1; k <= 4; k++) {
      const before = copy(sPub)
      const paramsBefore = copy(pub)
      const [p1, s1] = opt.step(sPub, pub, gradOf(k))
      // the old state and parameters are untouched, and stepping them again gives the same
      expect(copy(sPub)).toEqual(before)
      expect(copy(pub)).toEqual(paramsBefore)
      expect(copy(opt.step(sPub, pub, gradOf(k)))).toEqual(copy([p1, s1]))
      const [q1, t1] = stepOwned(sOwn, own, gradOf(k))
      expect(copy([q1, t1])).toEqual(copy([p1, s1]))
      for (const key of ['m', 'v', 'velocity']) {
        const fresh = (s1 as Record<string, unknown>)[key]
        if (fresh === undefined) continue
        expect(fresh).not.toBe((sPub as Record<string, unknown>)[key])
        expect((t1 as Record<string, unknown>)[key]).toBe((sOwn as Record<string, unknown>)[key])
      }
      // new parameters never share arrays with the old ones
      expect(q1.W.data).not.toBe(own.W.data)
      ;[pub, sPub, own, sOwn] = [p1, s1, q1, t1]
    }
  }

  it('gives exactly the numbers of step, writing into the state it is given; step leaves its state valid', () => {
    stepBoth(Optimizer.adam({ lr: 0.1 }))
    stepBoth(Optimizer.adamW({ lr: 0.1, weightDecay: 0.01 }))
    stepBoth(Optimizer.momentum({ lr: 0.1, beta: 0.9 }))
    stepBoth(Optimizer.momentum({ lr: 0.1, beta: 0.5, nesterov: true }))
    stepBoth(Optimizer.sgd({ lr: 0.1 }))
  })

  it('still checks the structure of parameters other than those it returned with the state', () => {
    const opt = Optimizer.adam({ lr: 0.1 })
    const stepOwned = ownedStep(opt)
    const [p1, s1] = stepOwned(opt.init(mixed()), mixed(), gradOf(1))
    expect(() => stepOwned(s1, { ...(p1 as object), rest: [1, 2, 3] }, gradOf(2))).toThrow(
      'Optimizer.adam.step: the state was made for parameters { a: number, W: Tensor[2,2], rest: [number × 2], b: Tensor[1] }, not for { a: number, W: Tensor[2,2], rest: [number × 3], b: Tensor[1] }; make a new state with Optimizer.adam\'s init'
    )
  })

  it("is an optimiser's own step when it has no buffers to reuse", () => {
    const mine: Optimizer.Optimizer<number, number> = { name: 'mine', init: () => 0, step: (s, p, g) => [p - g, s + 1] }
    expect(ownedStep(mine)).toBe(mine.step)
  })

  it('remembers only its own run: two owned runs of one optimiser, interleaved, give the numbers of each alone', () => {
    const opt = Optimizer.momentum({ lr: 0.1, beta: 0.9 })
    const alone = (): unknown => {
      const step = ownedStep<Mixed, Optimizer.MomentumState>(opt)
      let [p, s] = [mixed(), opt.init(mixed())] as const
      for (let k = 1; k <= 3; k++) [p, s] = step(s, p, gradOf(k))
      return copy([p, s])
    }
    const expected = alone()
    const [one, two] = [ownedStep<Mixed, Optimizer.MomentumState>(opt), ownedStep<Mixed, Optimizer.MomentumState>(opt)]
    let [p1, s1] = [mixed(), opt.init(mixed())] as const
    let [p2, s2] = [mixed(), opt.init(mixed())] as const
    for (let k = 1; k <= 3; k++) {
      ;[p1, s1] = one(s1, p1, gradOf(k))
      ;[p2, s2] = two(s2, p2, gradOf(k))
    }
    expect(copy([p1, s1])).toEqual(expected)
    expect(copy([p2, s2])).toEqual(expected)
  })

  it('checks the gradient as the public step does, field by field (a key hidden as non-enumerable does not count)', () => {
    const opt = Optimizer.sgd({ lr: 0.1 })
    const g = { ...gradOf(1) } as Record<string, unknown>
    const b = g.b
    delete g.b
    Object.defineProperty(g, 'b', { value: b, enumerable: false })
    g.extra = 1
    const message = "Optimizer.sgd.step: the gradient does not match the parameters: unexpected field 'extra' at (root)"
    expect(() => opt.step(opt.init(mixed()), mixed(), g as ReturnType<typeof mixed>)).toThrow(message)
    expect(() => ownedStep(opt)(opt.init(mixed()), mixed(), g as ReturnType<typeof mixed>)).toThrow(message)
  })

  it('Train.fit gives the parameters and state of stepping by hand, and its final state steps on like any', () => {
    const { model, init } = Layer.mlp([3, 4, 2])
    const x = Tensor.fromNested([[0.5, -1, 2]])
    const y = Tensor.fromNested([1])
    const opt = Optimizer.adam({ lr: 0.05 })
    const params = init(7)
    const fitted = Train.fit({ model, loss: ops.softmaxCrossEntropy, optimizer: opt, params, data: { inputs: x, targets: y }, epochs: 3, batchSize: 1, seed: 1 })
    let p = params
    let s = opt.init(p)
    const loss = Lens.pipe(model, ops.softmaxCrossEntropy(y))
    for (let i = 0; i < 3; i++) {
      const [, [g]] = Lens.valueAndGrad(loss, [p, x], ONE)
      ;[p, s] = opt.step(s, p, g)
    }
    expect(copy([fitted.params, fitted.state])).toEqual(copy([p, s]))
    const [, [g]] = Lens.valueAndGrad(loss, [p, x], ONE)
    expect(copy(opt.step(fitted.state, fitted.params, g))).toEqual(copy(opt.step(s, p, g)))
  })

  it("describes the parameters' structure by recursion exactly as the general walk does (states record it)", () => {
    const leaf = fc.oneof(fc.double({ min: -2, max: 2, noNaN: true }), fc.constantFrom([2], [3], [2, 2], [], [1, 0]).map((shape) => Tensor.zeros(shape)))
    const key = fc.constantFrom('W', 'b', 'layers', 'a b', '0', 'é', '{  }', '$x')
    const { tree } = fc.letrec<{ tree: unknown }>((tie) => ({
      tree: fc.oneof(
        { depthSize: 'small', withCrossShrink: true },
        leaf,
        fc.array(tie('tree'), { maxLength: 4 }),
        fc.array(leaf, { minLength: 1, maxLength: 5 }),
        fc.dictionary(key, tie('tree'), { maxKeys: 3 })
      )
    }))
    const opt = Optimizer.sgd({ lr: 0.1 })
    fc.assert(
      fc.property(tree, (params) => {
        expect(opt.init(params as never).structure).toBe(structureByWalk('Optimizer.sgd.init', params).replace(/\{  \}/g, '{}'))
      }),
      { numRuns: 300 }
    )
    // deeper than the recursion goes: the walk describes it, with the same text
    let deep: unknown = [1]
    for (let i = 0; i < 100; i++) deep = { inner: deep }
    expect(opt.init(deep as never).structure).toBe(structureByWalk('Optimizer.sgd.init', deep))
    expect(opt.init(deep as never).structure.startsWith('{ inner: { inner: ')).toBe(true)
    // a container inside itself is still named where the path meets itself
    const cyclic: Record<string, unknown> = { w: 1 }
    cyclic.self = { again: cyclic }
    expect(() => opt.init(cyclic as never)).toThrow('Optimizer.sgd.init: the parameters contain themselves at self.again; parameters must be a tree')
  })
})
