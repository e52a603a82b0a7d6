/**
 * Lazy input cotangents (issue 11 #5): the large products' cotangents are computed when read,
 * so `Train.fit`, which never reads its input batch's, never computes it, while every lens
 * still gives its input's cotangent when asked. The kernels are spied on through the kernel
 * seam, which every op calls.
 */
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest'
import * as K from '../src/kernels/index.js'
import { Layer, Lens, Optimizer, Para, Tensor, Train, ops } from '../src/index.js'
import { lazyFromData, LAZY_MIN_WORK } from '../src/internal/tensor.js'

vi.mock('../src/kernels/index.js', async (importOriginal) => {
  const original = await importOriginal<typeof import('../src/kernels/index.js')>()
  return { ...original, matmulNT: vi.fn(original.matmulNT), col2im: vi.fn(original.col2im) }
})

const nt = vi.mocked(K.matmulNT)
const col2im = vi.mocked(K.col2im)

/** The sizes `[m, k]` of the results of the NT products run (`da = dy·bᵀ` is `m × k`). */
const ntResults = (): Array<string> => nt.mock.calls.map((c) => `${c[6]}×${c[8]}`)

beforeEach(() => {
  nt.mockClear()
  col2im.mockClear()
})
afterEach(() => vi.clearAllMocks())

// 64 inputs, 32 hidden, batch 64: the first layer's dx = dy·W₁ᵀ is 64·32·64 multiply-adds
// (lazy); the second's, 64·10·32, is below the threshold (computed at once).
const sizes = [64, 32, 10]
const batch = 64
const x = Tensor.randomNormal([batch, 64], { seed: 1 })
const labels = Tensor.make([batch], Array.from({ length: batch }, (_, i) => i % 10))

/** dx = dy · Wᵀ by plain loops, for a [batch, n] cotangent and [k, n] weights. */
const dyWt = (dy: Tensor.Tensor, W: Tensor.Tensor): Array<number> => {
  const [m, n] = dy.shape as [number, number]
  const k = W.shape[0] as number
  const out: Array<number> = []
  for (let i = 0; i < m; i++) {
    for (let p = 0; p < k; p++) {
      let s = 0
      for (let j = 0; j < n; j++) s += (dy.data[i * n + j] as number) * (W.data[p * n + j] as number)
      out.push(s)
    }
  }
  return out
}

describe('lazy input cotangents', () => {
  it('the threshold keeps the first layer of the test network lazy and the second eager', () => {
    expect(batch * 32 * 64).toBeGreaterThanOrEqual(LAZY_MIN_WORK)
    expect(batch * 10 * 32).toBeLessThan(LAZY_MIN_WORK)
  })

  it('Train.fit never computes the cotangent of its input batch', () => {
    const { model, init } = Layer.mlp(sizes)
    Train.fit({ model, loss: ops.softmaxCrossEntropy, optimizer: Optimizer.sgd({ lr: 0.1 }), params: init(0), data: { inputs: x, targets: labels }, epochs: 2, batchSize: batch, seed: 3 })
    // two steps: each runs the second layer's dx (64×32) and never the input batch's (64×64)
    expect(ntResults()).toEqual(['64×32', '64×32'])
  })

  it('the same model gives its input cotangent when asked, computed once, equal to dy·Wᵀ', () => {
    const { model, init } = Layer.mlp(sizes)
    const params = init(0)
    const [y, pull] = Lens.vjp(model, [params, x])
    const dy = Tensor.randomNormal(y.shape, { seed: 2 })
    const [, dx] = pull(dy)
    expect(ntResults()).toEqual(['64×32'])
    // the first layer's output cotangent, from the pullback of the rest of the network
    const first = params.layers[0] as Layer.DenseParams
    const [h, pullRest] = Lens.vjp(Para.pipe(Layer.activation('relu'), Layer.dense(32, 10)), [[[], params.layers[1] as Layer.DenseParams], Lens.evaluate(Layer.dense(64, 32), [first, x])])
    expect(h.data).toEqual(y.data)
    const dz = pullRest(dy)[1]
    expect(ntResults()).toEqual(['64×32', '64×32'])
    const expected = dyWt(dz, first.W)
    const got = dx.data
    expect(ntResults()).toEqual(['64×32', '64×32', '64×64'])
    expect(dx.data).toBe(got)
    expect(nt).toHaveBeenCalledTimes(3)
    const scale = Math.max(...expected.map(Math.abs))
    expect(Math.max(...expected.map((v, i) => Math.abs(v - (got[i] as number)))) / scale).toBeLessThan(1e-13)
  })

  it('a convolution computes its input cotangent only when it is read; a dense layer after it gets its cotangent', () => {
    const net = Para.pipe(Layer.conv2d(2, 4, 3, { activation: 'relu' }), Layer.flatten(), Layer.dense(6 * 6 * 4, 3))
    const params = [Layer.initConv2d(2, 4, 3, { seed: 1 }), [], Layer.initDense(144, 3, { seed: 2 })] as const
    const images = Tensor.randomNormal([16, 8, 8, 2], { seed: 3 })
    const [y, pull] = Lens.vjp(net, [params, images])
    const [dParams, dImages] = pull(Tensor.ones(y.shape))
    expect(dParams[0].W.shape).toEqual([3, 3, 2, 4])
    expect(col2im).not.toHaveBeenCalled()
    expect(dImages.shape).toEqual([16, 8, 8, 2])
    expect(Array.from(dImages.data).some((v) => v !== 0)).toBe(true)
    expect(col2im).toHaveBeenCalled()
  })
})

describe('lazyFromData', () => {
  it('is a Tensor to every reader: prototype, keys, equality, printing', () => {
    let runs = 0
    const t = lazyFromData([2, 2], () => {
      runs++
      return Float64Array.of(1, 2, 3, 4)
    })
    expect(runs).toBe(0)
    expect(t).toBeInstanceOf(Tensor.Tensor)
    expect(Object.keys(t)).toEqual(['shape', 'data', 'size'])
    expect(t.size).toBe(4)
    expect(Object.isFrozen(t.shape)).toBe(true)
    expect(runs).toBe(0)
    expect(t).toEqual(Tensor.fromNested([[1, 2], [3, 4]]))
    expect(String(t)).toBe(String(Tensor.fromNested([[1, 2], [3, 4]])))
    expect(t.data).toBe(t.data)
    expect(runs).toBe(1)
    expect(Tensor.toNested(Lens.evaluate(ops.add, [t, t]))).toEqual([[2, 4], [6, 8]])
  })

  it('a computation that throws throws at each read, and leaves the tensor unread', () => {
    const t = lazyFromData([1], () => {
      throw new RangeError('not finite')
    })
    expect(() => t.data).toThrow('not finite')
    expect(() => t.data).toThrow('not finite')
  })
})
