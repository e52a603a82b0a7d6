import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Layer, Lens, Optimizer, Para, Tensor, Train, VectorSpace, ops } from '../src/index.js'
import { GradientLaws, ParaLaws, exact, fd, reassoc, tensorOfShape } from '../laws/index.js'
import { message as messageOf } from './support/errors.js'
import { distinctTensor, values } from './support/windows.js'

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

// -------------------------------------------------------------------------------------
// convolutional layers
// -------------------------------------------------------------------------------------

type T = Tensor.Tensor

describe('Layer.conv2d', () => {
  const params = { W: Tensor.randomNormal([3, 3, 2, 4], { seed: 1 }), b: Tensor.randomNormal([4], { seed: 2 }) }
  const x = Tensor.randomNormal([2, 5, 5, 2], { seed: 3 })

  it('is conv2d(x, W) + b, then the activation', () => {
    const layer = Layer.conv2d(2, 4, 3, { padding: 'same', activation: 'relu' })
    const conv = Lens.evaluate(ops.conv2d({ padding: 'same' }), [x, params.W])
    const want = Lens.evaluate(Lens.pipe(ops.add, ops.relu), [conv, params.b])
    expect(Lens.evaluate(layer, [params, x]).data).toEqual(want.data)
    expect(Lens.evaluate(Layer.conv2d(2, 4, [3, 3]), [params, x]).shape).toEqual([2, 3, 3, 4])
  })

  it('passes the finite-difference gradient check on the parameters and the input (the law kit)', () => {
    const layer = Layer.conv2d(2, 4, [3, 2], { stride: [1, 2], padding: 'same', dilation: [2, 1], activation: 'tanh' })
    const inputs = fc.tuple(tensorOfShape([3, 2, 2, 4], values()), tensorOfShape([4], values()), tensorOfShape([2, 5, 6, 2], values())).map(
      ([W, b, input]) => [{ W, b }, input] as const
    )
    GradientLaws.checkGradient(fd, { lens: fc.constant(layer), input: inputs }, { name: 'Layer.conv2d', numRuns: 200 })
  })

  it('names the layer (or its name) and both shapes when they do not fit', () => {
    const layer = Layer.conv2d(2, 4, 3)
    expect(messageOf(() => Lens.evaluate(layer, [params, Tensor.zeros([2, 5, 5, 3])]))).toBe('Layer.conv2d(2, 4, 3×3): input has shape [2,5,5,3], expected [batch, height, width, 2]')
    expect(messageOf(() => Lens.evaluate(layer, [{ W: Tensor.zeros([3, 3, 4, 2]), b: params.b }, x]))).toBe('Layer.conv2d(2, 4, 3×3): W has shape [3,3,4,2], expected [3,3,2,4]')
    expect(messageOf(() => Lens.evaluate(layer, [{ W: params.W, b: Tensor.zeros([3]) }, x]))).toBe('Layer.conv2d(2, 4, 3×3): b has shape [3], expected [4]')
    expect(messageOf(() => Lens.evaluate(Layer.conv2d(2, 4, 3, { name: 'conv 1' }), [params, Tensor.zeros([2, 2, 2, 2])]))).toBe(
      'conv 1: input shape [2,2,2,2] and filter shape [3,3,2,4]: the 3×3 window does not fit in the 2×2 input with padding [[0, 0], [0, 0]]'
    )
    expect(messageOf(() => Layer.conv2d(2, 0, 3))).toBe('Layer.conv2d(2, 0, 3×3): filters must be a positive integer, got 0')
    expect(messageOf(() => Layer.conv2d(2, 4, 0))).toBe('Layer.conv2d(2, 4, 0): kernel must be a positive integer or a pair [height, width] of them, got 0')
    expect(messageOf(() => Layer.conv2d(3, 4, 3, { groups: 2 }))).toBe('Layer.conv2d(3, 4, 3×3): 3 inputs and 4 filters must both split into 2 groups')
  })

  it('never mutates its inputs', () => {
    const before = [params.W.data.slice(), params.b.data.slice(), x.data.slice()]
    const layer = Layer.conv2d(2, 4, 3, { activation: 'relu' })
    Lens.valueAndGrad(layer, [params, x], Tensor.ones([2, 3, 3, 4]))
    expect([params.W.data, params.b.data, x.data]).toEqual(before)
  })

  it('initConv2d: seeded He (std √(2/fanIn)) and Glorot (within ±√(6/(fanIn + fanOut))), zero biases', () => {
    const he = Layer.initConv2d(16, 32, 5, { seed: 4 })
    expect(he.W.shape).toEqual([5, 5, 16, 32])
    expect(he.W.data).toEqual(Layer.initConv2d(16, 32, 5, { seed: 4 }).W.data)
    expect(he.W.data).not.toEqual(Layer.initConv2d(16, 32, 5, { seed: 5 }).W.data)
    const std = Math.sqrt(he.W.data.reduce((s, v) => s + v * v, 0) / he.W.size)
    expect(std).toBeCloseTo(Math.sqrt(2 / 400), 3)
    expect(Array.from(he.b.data).every((v) => v === 0)).toBe(true)
    const glorot = Layer.initConv2d(8, 6, [3, 2], { seed: 4, init: 'glorot', groups: 2 })
    expect(glorot.W.shape).toEqual([3, 2, 4, 6])
    const limit = Math.sqrt(6 / (3 * 2 * 4 + 3 * 2 * 3))
    expect(Math.max(...glorot.W.data.map(Math.abs))).toBeLessThanOrEqual(limit)
    expect(Math.max(...glorot.W.data.map(Math.abs))).toBeGreaterThan(0.9 * limit)
  })

  it('obeys the Para laws (associativity up to re-pairing, reparametrisation) with shape-preserving convolutions and pooling', () => {
    const cube = [1, 4, 4, 2] as const
    const withNoParams = Lens.make<Layer.Conv2dParams, readonly [Layer.Conv2dParams, readonly []]>({ forward: (p) => [p, []], backward: (_p, [dp]) => dp })
    const layers: ReadonlyArray<Para.Para<Layer.Conv2dParams, T, T>> = [
      Layer.conv2d(2, 2, 3, { padding: 'same', activation: 'tanh' }),
      Layer.conv2d(2, 2, 3, { padding: 'same', dilation: 2 }),
      Para.reparam(Para.seq(Layer.conv2d(2, 2, 3, { padding: 'same', activation: 'relu' }), Layer.maxPool2d(2, { stride: 1, padding: 'same' })), withNoParams)
    ]
    const halve = (t: T): T => Lens.evaluate(ops.scale(0.5), t)
    const halveFilters = Lens.make<Layer.Conv2dParams, Layer.Conv2dParams>({
      forward: (p) => ({ W: halve(p.W), b: p.b }),
      backward: (_p, dp) => ({ W: halve(dp.W), b: dp.b })
    })
    ParaLaws.checkAll(
      exact,
      {
        layer: fc.constantFrom(...layers),
        param: fc.tuple(tensorOfShape([3, 3, 2, 2], values()), tensorOfShape([2], values())).map(([W, b]) => ({ W, b })),
        input: tensorOfShape(cube, values()),
        cotangent: tensorOfShape(cube, values()),
        reparametrisation: fc.constantFrom(Lens.id<Layer.Conv2dParams>(), halveFilters)
      },
      { numRuns: 30 }
    )
  })
})

describe('Layer pooling and flatten', () => {
  it('are the ops as layers without parameters', () => {
    const x = Tensor.randomNormal([2, 6, 6, 3], { seed: 1 })
    expect(Lens.evaluate(Layer.maxPool2d(2), [[], x]).data).toEqual(Lens.evaluate(ops.maxPool2d(2), x).data)
    expect(Lens.evaluate(Layer.avgPool2d(3, { stride: 3 }), [[], x]).data).toEqual(Lens.evaluate(ops.avgPool2d(3, { stride: 3 }), x).data)
    expect(Lens.evaluate(Layer.flatten(), [[], x]).shape).toEqual([2, 108])
    const [, [dp, dx]] = Lens.valueAndGrad(Layer.maxPool2d(2), [[], x], Tensor.ones([2, 3, 3, 3]))
    expect(dp).toEqual([])
    expect(dx.shape).toEqual(x.shape)
  })
})

describe('Layer.dropout', () => {
  const x = Tensor.ones([40, 50])

  it('zeroes about `rate` of the elements and scales the rest by 1 / (1 − rate); the same key gives the same mask', () => {
    const y = Lens.evaluate(Layer.dropout(0.3, 11), [[], x])
    const zeros = y.data.filter((v) => v === 0).length
    expect(Math.abs(zeros / y.size - 0.3)).toBeLessThan(0.03)
    expect(y.data.every((v) => v === 0 || Math.abs(v - 1 / 0.7) < 1e-15)).toBe(true)
    expect(Lens.evaluate(Layer.dropout(0.3, 11), [[], x]).data).toEqual(y.data)
    expect(Lens.evaluate(Layer.dropout(0.3, 12), [[], x]).data).not.toEqual(y.data)
  })

  it('is the identity for evaluation (no key) and for rate 0', () => {
    expect(Lens.evaluate(Layer.dropout(0.5), [[], x]).data).toEqual(x.data)
    expect(Lens.evaluate(Layer.dropout(0, 3), [[], x]).data).toEqual(x.data)
  })

  it('for a fixed key, passes the gradient check and is linear in the cotangent (the law kit); the backward pass uses the forward mask', () => {
    const layer = Layer.dropout(0.4, 5)
    const inputs = tensorOfShape([3, 7], values()).map((t) => [[], t] as const)
    GradientLaws.checkGradient(fd, { lens: fc.constant(layer), input: inputs }, { name: 'Layer.dropout(0.4, 5)', numRuns: 200 })
    GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(layer), input: inputs }, { name: 'Layer.dropout(0.4, 5)', numRuns: 200 })
    const [y, [, dx]] = Lens.valueAndGrad(layer, [[], Tensor.ones([3, 7])], Tensor.ones([3, 7]))
    expect(dx.data).toEqual(y.data)
  })

  it('its backward pass is a lens (second derivatives through it)', () => {
    const layer = Layer.dropout(0.5, 9)
    const report = Gradcheck.check(Lens.reverse(layer), [[[], Tensor.randomNormal([2, 3], { seed: 1 })], Tensor.randomNormal([2, 3], { seed: 2 })] as const, {
      seed: 1,
      input: VectorSpace.infer([[[] as readonly [], Tensor.zeros([2, 3])], Tensor.zeros([2, 3])] as const)
    })
    expect(report.status, Gradcheck.format(report)).toBe('pass')
  })

  it('checks its rate and key', () => {
    expect(messageOf(() => Layer.dropout(1, 3))).toBe('Layer.dropout: rate must be in [0, 1), got 1')
    expect(messageOf(() => Layer.dropout(0.5, 1.5))).toBe('Layer.dropout(0.5): key must be an integer or undefined, got 1.5')
    expect(messageOf(() => Lens.backPropagateConst(Layer.dropout(0.5, 1), Tensor.ones([2, 2]), [[], Tensor.ones([2, 3])]))).toBe(
      'Layer.dropout(0.5): the cotangent has shape [2,2] but the output has shape [2,3]'
    )
  })

  it('Train.fit trains the network made from each step\'s key and validates the one without dropout', () => {
    const xs = Tensor.randomNormal([64, 4], { seed: 1 })
    const ys = Tensor.make([64], Array.from({ length: 64 }, (_, i) => ((xs.data[4 * i] as number) > 0 ? 1 : 0)))
    const keys: Array<number> = []
    const net = (key?: number): Para.Para<readonly [Layer.DenseParams, readonly [], Layer.DenseParams], T, T> => {
      if (key !== undefined) keys.push(key)
      return Para.pipe(Layer.dense(4, 16), Layer.dropout(0.5, key), Layer.dense(16, 2))
    }
    const params = [Layer.initDense(4, 16, { seed: 1 }), [], Layer.initDense(16, 2, { seed: 2 })] as const
    const base = {
      model: net(),
      training: net,
      loss: ops.softmaxCrossEntropy,
      optimizer: Optimizer.adam({ lr: 0.01 }),
      params,
      data: { inputs: xs, targets: ys },
      validation: { inputs: xs, targets: ys },
      epochs: 2,
      batchSize: 16,
      seed: 3,
      metrics: { accuracy: Train.accuracy }
    }
    const a = Train.fit(base)
    expect(keys.length).toBe(8)
    expect(new Set(keys).size).toBe(8)
    const first = keys.splice(0)
    const b = Train.fit(base)
    expect(keys).toEqual(first)
    expect(b.history).toEqual(a.history.map((r, i) => ({ ...r, milliseconds: b.history[i]!.milliseconds })))
    // the keys are not the augmentation's seeds
    const seeds: Array<number> = []
    Train.fit({ ...base, augment: (inputs, at) => (seeds.push(at.seed), inputs) })
    expect(seeds.some((s) => first.includes(s))).toBe(false)
    // without dropout in the model, the validation loss is the loss of net() at the trained parameters
    const scored = Train.evaluate(net(), a.params, ops.softmaxCrossEntropy, base.validation)
    expect(a.history[1]!.validationLoss).toBe(scored.loss)
  })
})

describe('a CNN by Para.pipe', () => {
  const cnn = (key?: number) =>
    Para.pipe(
      Layer.conv2d(1, 3, 3, { activation: 'relu' }),
      Layer.maxPool2d(2),
      Layer.conv2d(3, 4, 2, { padding: 'same', activation: 'tanh' }),
      Layer.flatten(),
      Layer.dropout(0.3, key),
      Layer.dense(64, 3)
    )
  // 10×10×1 → 8×8×3 → 4×4×3 → 4×4×4 → 64 → 3
  const params = [Layer.initConv2d(1, 3, 3, { seed: 1 }), [], Layer.initConv2d(3, 4, 2, { seed: 2, init: 'glorot' }), [], [], Layer.initDense(64, 3, { seed: 3 })] as const

  it('passes the end-to-end gradient check for a fixed dropout key, away from the max-pooling ties', () => {
    fc.assert(
      fc.property(distinctTensor([2, 10, 10, 1]), fc.integer({ min: 0, max: 1e6 }), (x, seed) => {
        const report = Gradcheck.check(cnn(7), [params, x] as const, { seed })
        expect(report.status === 'pass' || report.status === 'kink', Gradcheck.format(report)).toBe(true)
      }),
      { numRuns: 20 }
    )
  })

  it('names the layer that does not fit', () => {
    expect(messageOf(() => Lens.evaluate(cnn(), [params, Tensor.zeros([2, 10, 10, 2])]))).toBe('Layer.conv2d(1, 3, 3×3): input has shape [2,10,10,2], expected [batch, height, width, 1]')
    expect(messageOf(() => Lens.evaluate(cnn(), [params, Tensor.zeros([2, 12, 12, 1])]))).toBe('Layer.dense(64, 3): input has shape [2,100], expected [batch,64] or [64]')
  })
})
