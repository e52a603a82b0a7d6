import { describe, expect, it } from 'vitest'
import { Gradcheck, Layer, Lens, Tensor } from '../src/index.js'

const close = (a: ArrayLike<number>, b: ArrayLike<number>): void => {
  expect(a.length).toBe(b.length)
  for (let i = 0; i < a.length; i++) expect(a[i]).toBeCloseTo(b[i] as number, 12)
}

describe('Layer.dense', () => {
  const params = { W: Tensor.fromNested([[1, -1, 0.5], [2, 0, -2]]), b: Tensor.fromNested([0.5, 1, -1]) }
  const x = Tensor.fromNested([[3, 4], [-1, 0.5]])

  it('computes x·W + b on a batch and on a single example', () => {
    const y = Lens.evaluate(Layer.dense(2, 3), [params, x])
    expect(y.shape).toEqual([2, 3])
    close(y.data, [3 + 8 + 0.5, -3 + 1, 1.5 - 8 - 1, -1 + 1 + 0.5, 1 + 1, -0.5 - 1 - 1])
    close(Lens.evaluate(Layer.dense(2, 3), [params, Tensor.fromNested([3, 4])]).data, [11.5, -2, -7.5])
  })

  it('gives the gradients dW = xᵀ·dy, db = Σ rows dy, dx = dy·Wᵀ', () => {
    const dy = Tensor.fromNested([[1, 0, 2], [0, -1, 1]])
    const [dp, dx] = Lens.backPropagateConst(Layer.dense(2, 3), dy, [params, x])
    close(dp.W.data, [3, 1, 6 - 1, 4, -0.5, 8 + 0.5])
    close(dp.b.data, [1, -1, 3])
    close(dx.data, [1 + 1, 2 - 4, 1 + 0.5, 0 - 2])
  })

  it('passes the finite-difference gradient check on parameters and input', () => {
    const layer = Layer.dense(3, 2)
    for (const seed of [1, 2, 3, 4, 5]) {
      const p = Layer.initDense(3, 2, { seed, init: 'glorot' })
      const withBias = { W: p.W, b: Tensor.randomNormal([2], { seed: seed + 100 }) }
      const input = Tensor.randomNormal([4, 3], { seed: seed + 200 })
      const report = Gradcheck.check(layer, [withBias, input])
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }
  })

  it('names the layer and the shapes when they do not fit', () => {
    const layer = Layer.dense(2, 3)
    expect(() => Lens.evaluate(layer, [params, Tensor.zeros([2, 5])])).toThrow(
      'Layer.dense(2, 3): input has shape [2,5], expected [batch,2] or [2]'
    )
    expect(() => Lens.evaluate(layer, [{ W: Tensor.zeros([3, 2]), b: params.b }, x])).toThrow(
      'Layer.dense(2, 3): W has shape [3,2], expected [2,3]'
    )
    expect(() => Lens.evaluate(layer, [{ W: params.W, b: Tensor.zeros([2]) }, x])).toThrow(
      'Layer.dense(2, 3): b has shape [2], expected [3]'
    )
    expect(() => Layer.dense(0, 3)).toThrow('Layer.dense(0, 3): inputs must be a positive integer, got 0')
  })

  it('never mutates its inputs', () => {
    const before = [params.W.data.slice(), params.b.data.slice(), x.data.slice()]
    Lens.valueAndGrad(Layer.dense(2, 3), [params, x], Tensor.ones([2, 3]))
    expect([params.W.data, params.b.data, x.data]).toEqual(before)
  })
})

describe('Layer.mlp', () => {
  it('the same seed gives the same parameters, another seed others', () => {
    const { init } = Layer.mlp([5, 4, 3])
    const a = init(7)
    const b = init(7)
    const c = init(8)
    a.layers.forEach((layer, i) => {
      expect(layer.W.data).toEqual(b.layers[i]?.W.data)
      expect(layer.W.data).not.toEqual(c.layers[i]?.W.data)
      expect(Array.from(layer.b.data).every((v) => v === 0)).toBe(true)
    })
  })

  it('He initialisation has the standard deviation √(2/n), Glorot stays within ±√(6/(n+m))', () => {
    const { W } = Layer.initDense(400, 300, { seed: 3, init: 'he' })
    const mean = W.data.reduce((s, v) => s + v, 0) / W.size
    const variance = W.data.reduce((s, v) => s + (v - mean) ** 2, 0) / W.size
    expect(Math.abs(mean)).toBeLessThan(0.002)
    expect(Math.sqrt(variance)).toBeCloseTo(Math.sqrt(2 / 400), 3)
    const glorot = Layer.initDense(400, 300, { seed: 3, init: 'glorot' }).W
    const limit = Math.sqrt(6 / 700)
    expect(Math.max(...glorot.data)).toBeLessThanOrEqual(limit)
    expect(Math.min(...glorot.data)).toBeGreaterThanOrEqual(-limit)
    expect(Math.max(...glorot.data)).toBeGreaterThan(0.99 * limit)
  })

  it('applies the activation between layers and none after the last', () => {
    const { model } = Layer.mlp([1, 1, 1])
    const params = {
      layers: [
        { W: Tensor.fromNested([[1]]), b: Tensor.fromNested([0]) },
        { W: Tensor.fromNested([[-1]]), b: Tensor.fromNested([0]) }
      ]
    }
    // relu(−2) = 0, then the linear last layer: 0·(−1) + 0 = 0; relu(3) = 3 → −3 (no relu at the end).
    expect(Array.from(Lens.evaluate(model, [params, Tensor.fromNested([[-2], [3]])]).data)).toEqual([0, -3])
  })

  it('passes the finite-difference gradient check end to end (tanh and relu)', () => {
    for (const activation of ['tanh', 'relu'] as const) {
      const { model, init } = Layer.mlp([3, 5, 2], { activation })
      for (const seed of [1, 2, 3]) {
        const params = init(seed)
        const input = Tensor.randomNormal([4, 3], { seed: seed + 50 })
        const report = Gradcheck.check(model, [params, input])
        expect(report.status === 'pass' || (activation === 'relu' && report.status === 'kink'), Gradcheck.format(report)).toBe(true)
      }
    }
  })

  it('atInput is the model at a fixed batch: the same output and the same parameter cotangents, exactly', () => {
    const cases = [
      { sizes: [3, 2], activation: 'relu' },
      { sizes: [3, 5, 2], activation: 'relu' },
      { sizes: [3, 4, 5, 2], activation: 'tanh' },
      { sizes: [3, 4, 2], activation: 'linear' }
    ] as const
    for (const { sizes, activation } of cases) {
      const { model, init, atInput } = Layer.mlp(sizes, { activation })
      for (const seed of [1, 2]) {
        const params = init(seed)
        const x = Tensor.randomNormal([6, 3], { seed: seed + 10 })
        const dy = Tensor.randomNormal([6, 2], { seed: seed + 20 })
        const [y, [dParams]] = Lens.valueAndGrad(model, [params, x], dy)
        const [yAt, dAt] = Lens.valueAndGrad(atInput(x), params, dy)
        expect(yAt.data).toEqual(y.data)
        expect(dAt.layers.length).toBe(dParams.layers.length)
        dAt.layers.forEach((layer, i) => {
          expect(layer.W.data).toEqual(dParams.layers[i]?.W.data)
          expect(layer.b.data).toEqual(dParams.layers[i]?.b.data)
        })
        expect(Lens.evaluate(atInput(x), params).data).toEqual(y.data)
      }
    }
  })

  it('denseAt passes the finite-difference gradient check on the parameters', () => {
    for (const seed of [1, 2, 3]) {
      const x = Tensor.randomNormal([4, 3], { seed })
      const params = { W: Tensor.randomNormal([3, 2], { seed: seed + 5 }), b: Tensor.randomNormal([2], { seed: seed + 6 }) }
      const report = Gradcheck.check(Layer.denseAt(3, 2, x), params)
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }
    expect(() => Layer.denseAt(3, 2, Tensor.zeros([4, 5]))).not.toThrow()
    expect(() => Lens.evaluate(Layer.denseAt(3, 2, Tensor.zeros([4, 5])), { W: Tensor.zeros([3, 2]), b: Tensor.zeros([2]) })).toThrow(
      'Layer.dense(3, 2): input has shape [4,5], expected [batch,3] or [3]'
    )
  })

  it('rejects a bad architecture with a message', () => {
    expect(() => Layer.mlp([784])).toThrow('Layer.mlp: expected at least two layer sizes, got [784]')
    expect(() => Layer.mlp([784, 1.5, 10])).toThrow('Layer.mlp: size 1 must be a positive integer, got 1.5')
  })
})
