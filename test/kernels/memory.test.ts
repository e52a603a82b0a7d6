/**
 * Memory of the WebAssembly kernels: users manage none. Operands are staged in one reusable
 * region that grows to the largest call so far and no further, so a long training loop stops
 * growing after its first steps; products larger than the staging limit run in blocks instead
 * of growing the memory; and inputs stay untouched JavaScript arrays throughout.
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Layer, Lens, Optimizer, Tensor, Train, ops } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'
import { loadedKernels } from '../../src/kernels/backend.js'
import { memoryBytes, setStagingLimit, type Kernels } from '../../src/kernels/wasm/instance.js'

afterEach(() => {
  K.setKernelBackend(undefined)
  setStagingLimit(1 << 22)
})

describe('WebAssembly memory', () => {
  it('stops growing after warm-up in a 10,000-step training loop of a tiny net (every kernel call through WebAssembly)', () => {
    K.setKernelBackend('wasm')
    const kernels = loadedKernels() as Kernels
    // 84 examples in batches of 8: ten full batches and one of 4 per epoch (two sizes of every product)
    const xs = Tensor.randomUniform([84, 1], { seed: 3, low: -1, high: 1 })
    const ys = Tensor.make(
      [84],
      Array.from(xs.data, (x) => Math.min(3, Math.floor((x + 1) * 2)))
    )
    const { model, init } = Layer.mlp([1, 16, 16, 4])
    const sizes: Array<number> = []
    const losses: Array<number> = []
    const epochs = 910 // 11 steps each: 10,010 steps
    const result = Train.fit({
      model,
      loss: ops.softmaxCrossEntropy,
      optimizer: Optimizer.sgd({ lr: 0.1 }),
      params: init(0),
      data: { inputs: xs, targets: ys },
      epochs,
      batchSize: 8,
      seed: 1,
      onStep: ({ step, loss }) => {
        if (step === 0) {
          sizes.push(memoryBytes(kernels))
          losses.push(loss)
        }
      }
    })
    expect(sizes).toHaveLength(epochs)
    const warm = sizes[1] as number
    expect(warm).toBeGreaterThan(0)
    expect(sizes.slice(1).every((s) => s === warm)).toBe(true)
    expect(memoryBytes(kernels)).toBe(warm)
    // and it trained: the loss fell
    expect(losses[losses.length - 1] as number).toBeLessThan((losses[0] as number) / 2)
    expect(result.history).toHaveLength(epochs)
  })

  it('grows to the largest product so far, then reuses it; beyond the staging limit it runs in blocks instead of growing', () => {
    K.setKernelBackend('wasm')
    const kernels = loadedKernels() as Kernels
    const square = (n: number, seed: number): Tensor.Tensor => Tensor.randomUniform([n, n], { seed })
    const product = (n: number): Tensor.ReadonlyFloat64Array => Lens.evaluate(ops.matmul, [square(n, 1), square(n, 2)]).data
    product(300)
    const after300 = memoryBytes(kernels)
    expect(after300).toBeGreaterThanOrEqual(3 * 300 * 300 * 8)
    product(300)
    product(100)
    expect(memoryBytes(kernels)).toBe(after300)
    // a limit below the product's size: blocks of at most the limit, no growth
    const previous = setStagingLimit(3 * 200 * 200)
    expect(previous).toBe(1 << 22)
    const blocked = product(500)
    expect(memoryBytes(kernels)).toBe(after300)
    setStagingLimit(previous)
    const whole = product(500)
    expect(memoryBytes(kernels)).toBeGreaterThan(after300)
    // the same product either way, up to the summation order of the blocks
    let worst = 0
    blocked.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (whole[i] as number)))
    })
    expect(worst).toBeLessThan(1e-12 * 500)
  })

  it('leaves the operands as they were and returns fresh JavaScript arrays (nothing to dispose)', () => {
    K.setKernelBackend('wasm')
    const a = Tensor.randomUniform([40, 30], { seed: 5 })
    const b = Tensor.randomUniform([30, 20], { seed: 6 })
    const [aData, bData] = [a.data.slice(), b.data.slice()]
    const y1 = Lens.evaluate(ops.matmul, [a, b])
    const y2 = Lens.evaluate(ops.matmul, [a, b])
    expect(a.data).toEqual(aData)
    expect(b.data).toEqual(bData)
    expect(y1.data).toBeInstanceOf(Float64Array)
    expect(y1.data.buffer).not.toBe(y2.data.buffer)
    expect(y1.data.buffer).not.toBe((loadedKernels() as Kernels).exports.memory.buffer)
    expect(y1.data).toEqual(y2.data)
  })
})
