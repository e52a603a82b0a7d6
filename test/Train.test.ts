import { beforeAll, describe, expect, it } from 'vitest'
import { Layer, Lens, Optimizer, Tensor, Train, ops } from '../src/index.js'
import { type Digits, loadSplit } from '../docs/examples/mnist-data.js'
import { unsafeFromData } from '../src/internal/tensor.js'
import { message } from './support/errors.js'

describe('Train helpers', () => {
  it('take gathers examples along the first axis and checks indices', () => {
    const t = Tensor.fromNested([[1, 2], [3, 4], [5, 6]])
    expect(Tensor.toNested(Train.take(t, [2, 0, 2]))).toEqual([[5, 6], [1, 2], [5, 6]])
    expect(() => Train.take(t, [3])).toThrow('Train.take: index 3 out of range for 3 examples (shape [3,2])')
  })

  it('permutation is a seeded permutation', () => {
    const p = Train.permutation(100, 5)
    expect([...p].sort((a, b) => a - b)).toEqual(Array.from({ length: 100 }, (_, i) => i))
    expect(Train.permutation(100, 5)).toEqual(p)
    expect(Train.permutation(100, 6)).not.toEqual(p)
  })

  it('accuracy counts argmax hits against class indices or one-hot rows', () => {
    const logits = Tensor.fromNested([[2, 1, 0], [0, 3, 1], [5, 4, 9], [1, 0, 0]])
    expect(Train.accuracy(logits, Tensor.fromNested([0, 1, 1, 2]))).toBe(0.5)
    expect(Train.accuracy(logits, Tensor.fromNested([[1, 0, 0], [0, 1, 0], [0, 0, 1], [0, 1, 0]]))).toBe(0.75)
    expect(() => Train.accuracy(logits, Tensor.fromNested([0, 1]))).toThrow(
      'Train.accuracy: predictions [4,3] and targets [2] do not match'
    )
  })

  it('accuracy rejects what would silently score 0: targets that are no class index, an empty batch, non-tensors', () => {
    const logits = Tensor.zeros([2, 3])
    expect(message(() => Train.accuracy(logits, Tensor.fromNested([0, 3])))).toBe('Train.accuracy: target 3 at row 1 is not a class index in [0, 3) (predictions [2,3])')
    expect(message(() => Train.accuracy(logits, Tensor.fromNested([0.5, 1])))).toBe('Train.accuracy: target 0.5 at row 0 is not a class index in [0, 3) (predictions [2,3])')
    expect(message(() => Train.accuracy(Tensor.zeros([0, 3]), Tensor.zeros([0])))).toBe('Train.accuracy: no rows or no classes to score (predictions [0,3])')
    expect(message(() => Train.accuracy([[1]] as never, logits))).toBe('Train.accuracy: expected the predictions as a Tensor, got an array of length 1')
    expect(message(() => Train.accuracy(logits, undefined as never))).toBe('Train.accuracy: expected the targets as a Tensor, got undefined')
  })
})

describe('Train.fit', () => {
  const xs = Tensor.randomUniform([64, 2], { seed: 1, low: -1, high: 1 })
  const ys = Tensor.make([64], Array.from({ length: 64 }, (_, i) => ((xs.data[2 * i] as number) * (xs.data[2 * i + 1] as number) > 0 ? 1 : 0)))
  const { model, init } = Layer.mlp([2, 16, 2], { activation: 'tanh' })
  const base = {
    model,
    loss: ops.softmaxCrossEntropy,
    optimizer: Optimizer.adam({ lr: 0.03 }),
    params: init(3),
    data: { inputs: xs, targets: ys },
    batchSize: 16,
    seed: 4
  }

  it('is deterministic for a seed and calls back once per step and epoch', () => {
    const steps: Array<string> = []
    const epochs: Array<number> = []
    const a = Train.fit({ ...base, epochs: 3, onStep: (s) => steps.push(`${s.epoch}.${s.step}/${s.stepsPerEpoch}`), onEpoch: (r) => epochs.push(r.epoch) })
    const b = Train.fit({ ...base, epochs: 3 })
    expect(steps).toEqual(['0.0/4', '0.1/4', '0.2/4', '0.3/4', '1.0/4', '1.1/4', '1.2/4', '1.3/4', '2.0/4', '2.1/4', '2.2/4', '2.3/4'])
    expect(epochs).toEqual([0, 1, 2])
    expect(a.history.map((r) => r.loss)).toEqual(b.history.map((r) => r.loss))
    expect(a.params.layers[0]?.W.data).toEqual(b.params.layers[0]?.W.data)
    const c = Train.fit({ ...base, epochs: 3, seed: 5 })
    expect(c.params.layers[0]?.W.data).not.toEqual(a.params.layers[0]?.W.data)
  })

  it('training through atInput (no input cotangent) gives exactly the same run', () => {
    const mlp = Layer.mlp([2, 16, 2], { activation: 'tanh' })
    const plain = Train.fit({ ...base, epochs: 3 })
    const fast = Train.fit({ ...base, atInput: mlp.atInput, epochs: 3 })
    expect(fast.history.map((r) => r.loss)).toEqual(plain.history.map((r) => r.loss))
    fast.params.layers.forEach((layer, i) => expect(layer.W.data).toEqual(plain.params.layers[i]?.W.data))
  })

  it('learns XOR-like quadrants: the loss falls', () => {
    const { history } = Train.fit({ ...base, epochs: 60, validation: { inputs: xs, targets: ys }, metrics: { accuracy: Train.accuracy } })
    expect(history[59]!.loss).toBeLessThan(history[0]!.loss / 2)
    expect(history[59]!.metrics.accuracy).toBeGreaterThan(0.9)
  })

  it('stops on a non-finite loss with the epoch and step', () => {
    let calls = 0
    const poisoned: Train.Loss = (targets) => {
      const inner = ops.softmaxCrossEntropy(targets)
      return Lens.make({
        forward: (x) => (++calls === 6 ? unsafeFromData([], new Float64Array([NaN])) : Lens.evaluate(inner, x)),
        backward: (x, dy) => Lens.backPropagateConst(inner, dy, x)
      })
    }
    expect(() => Train.fit({ ...base, loss: poisoned, epochs: 3 })).toThrow('Train.fit: the loss is not finite (NaN) at epoch 1, step 1')
  })

  it('augments each training minibatch with a seed unique to the step, reproducibly, and checks the shape', () => {
    const seen: Array<string> = []
    const jitter = (x: Tensor.Tensor, at: { readonly epoch: number; readonly step: number; readonly seed: number }): Tensor.Tensor => {
      seen.push(`${at.epoch}.${at.step}:${at.seed}`)
      return Tensor.make(x.shape, Array.from(x.data, (v, i) => v + 1e-3 * Math.sin(at.seed + i)))
    }
    const a = Train.fit({ ...base, epochs: 2, augment: jitter })
    const seeds = seen.map((s) => s.split(':')[1])
    expect(seen).toHaveLength(8)
    expect(new Set(seeds).size).toBe(8)
    const b = Train.fit({ ...base, epochs: 2, augment: jitter })
    expect(b.params.layers[0]?.W.data).toEqual(a.params.layers[0]?.W.data)
    const plain = Train.fit({ ...base, epochs: 2 })
    expect(plain.params.layers[0]?.W.data).not.toEqual(a.params.layers[0]?.W.data)
    expect(() => Train.fit({ ...base, epochs: 1, augment: (x) => Tensor.zeros([1, ...x.shape]) })).toThrow(
      'Train.fit: augment must return inputs of shape [16,2], got [1,16,2] at epoch 0, step 0'
    )
  })

  it('rejects mismatched data and bad settings', () => {
    expect(() => Train.fit({ ...base, epochs: 1, data: { inputs: xs, targets: Tensor.zeros([10]) } })).toThrow(
      'Train.fit: data: inputs [64,2] and targets [10] have different numbers of examples'
    )
    expect(() => Train.fit({ ...base, epochs: 1, batchSize: 0 })).toThrow('Train.fit: batchSize must be a positive integer, got 0')
  })

  it('rejects empty datasets and data that are not tensors', () => {
    const empty = { inputs: Tensor.zeros([0, 2]), targets: Tensor.zeros([0]) }
    expect(message(() => Train.fit({ ...base, epochs: 1, data: empty }))).toBe('Train.fit: data has no examples (inputs of shape [0,2])')
    expect(message(() => Train.fit({ ...base, epochs: 1, validation: empty }))).toBe('Train.fit: validation has no examples (inputs of shape [0,2])')
    expect(message(() => Train.fit({ ...base, epochs: 1, validation: { inputs: xs, targets: Tensor.zeros([3]) } }))).toBe(
      'Train.fit: validation: inputs [64,2] and targets [3] have different numbers of examples'
    )
    expect(message(() => Train.fit({ ...base, epochs: 1, data: { inputs: [[1, 2]], targets: ys } as never }))).toBe(
      'Train.fit: data.inputs must be a Tensor (examples along the first axis), got an array of length 1'
    )
    expect(message(() => Train.fit({ ...base, epochs: 1, data: { inputs: xs } as never }))).toBe(
      'Train.fit: data.targets must be a Tensor (examples along the first axis), got undefined'
    )
    expect(message(() => Train.fit({ ...base, epochs: 1, data: undefined as never }))).toBe('Train.fit: data must be { inputs, targets } of tensors, got undefined')
    expect(message(() => Train.fit({ ...base, epochs: 1, data: { inputs: Tensor.scalar(1), targets: ys } }))).toBe(
      'Train.fit: data.inputs must have examples along a first axis, got shape []'
    )
  })

  it('stops a diverging run at the first non-finite value, with the epoch and the step', () => {
    const one = Layer.mlp([1, 1])
    // exact arithmetic (prediction 4·W, gradient 32 at W = 1), so both kernel paths give these messages
    const params = { layers: [{ W: Tensor.fill([1, 1], 1), b: Tensor.zeros([1]) }] } as ReturnType<typeof one.init>
    const run = { model: one.model, loss: ops.mse, params, data: { inputs: Tensor.fill([8, 1], 4), targets: Tensor.zeros([8, 1]) }, batchSize: 4, seed: 1, epochs: 3 }
    // the parameter overflows in the optimiser's update
    expect(message(() => Train.fit({ ...run, optimizer: Optimizer.sgd({ lr: 1e307 }) }))).toBe(
      'Train.fit: stopped at epoch 0, step 0: Optimizer.sgd.step: the updated parameter at coordinate 0 (layers[0].W[0, 0]) is -Infinity (the parameter is 1, its gradient 32); the step overflows: lower the learning rate or rescale the loss'
    )
    // the parameter stays finite but the next forward pass overflows
    expect(message(() => Train.fit({ ...run, optimizer: Optimizer.sgd({ lr: 1e305 }) }))).toBe(
      'Train.fit: stopped at epoch 0, step 1: ops.mse: the result is not finite (Infinity) in the forward pass, at index [] of shape [], from prediction values up to 1.36e+307 and target values up to 0 in magnitude'
    )
  })
})

describe('Train.evaluate', () => {
  const { model, init } = Layer.mlp([2, 3])
  const data = { inputs: Tensor.zeros([4, 2]), targets: Tensor.fromNested([0, 1, 2, 0]) }

  it('validates its batch size as Train.fit does (0 used to loop forever)', () => {
    for (const b of [0, NaN, -5, 2.5]) {
      expect(message(() => Train.evaluate(model, init(0), ops.softmaxCrossEntropy, data, {}, b))).toBe(`Train.evaluate: batchSize must be a positive integer, got ${b}`)
    }
    expect(Train.evaluate(model, init(0), ops.softmaxCrossEntropy, data, {}, 3).loss).toBeCloseTo(Math.log(3), 12)
  })

  it('rejects an empty dataset and data that are not tensors', () => {
    expect(message(() => Train.evaluate(model, init(0), ops.softmaxCrossEntropy, { inputs: Tensor.zeros([0, 2]), targets: Tensor.zeros([0]) }))).toBe(
      'Train.evaluate: data has no examples (inputs of shape [0,2])'
    )
    expect(message(() => Train.evaluate(model, init(0), ops.softmaxCrossEntropy, { inputs: 3, targets: data.targets } as never))).toBe(
      'Train.evaluate: data.inputs must be a Tensor (examples along the first axis), got 3'
    )
  })
})

describe('MNIST (a small run on real digits)', () => {
  let data: { readonly train: Digits; readonly test: Digits }
  beforeAll(() => {
    data = loadSplit({ train: 1000, test: 300, seed: 11 })
  })

  it('the loss falls and test accuracy beats chance (10%) by a wide margin', () => {
    const { model, init } = Layer.mlp([784, 32, 10])
    const { history } = Train.fit({
      model,
      loss: ops.softmaxCrossEntropy,
      optimizer: Optimizer.adam({ lr: 2e-3 }),
      params: init(1),
      data: data.train,
      validation: data.test,
      epochs: 4,
      batchSize: 32,
      seed: 1,
      metrics: { accuracy: Train.accuracy }
    })
    expect(history[3]!.loss).toBeLessThan(history[0]!.loss * 0.6)
    expect(history[3]!.validationLoss).toBeLessThan(history[0]!.validationLoss!)
    expect(history[3]!.metrics.accuracy).toBeGreaterThan(0.75)
  })
})
