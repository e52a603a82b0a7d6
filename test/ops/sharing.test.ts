/**
 * Which results share a buffer with another tensor: exactly the list in the `Tensor` module's
 * documentation ("Sharing"), checked over every op. Sharing is safe only because nothing
 * writes into a tensor's data; the list says where a cast-away write would spread.
 */
import { describe, expect, it } from 'vitest'
import { Lens, Tensor, ops } from '../../src/index.js'

type T = Tensor.Tensor
type Unary = Lens.Lens<T, T>
type Binary = Lens.Lens<readonly [T, T], T>

const t = (shape: Array<number>, seed: number): T => Tensor.randomUniform(shape, { seed, low: 0.5, high: 1.5 })
/** The two tensors' data overlap in memory (small tensors are views into one shared pool: a shared buffer alone is not sharing). */
const shares = (a: T, b: T): boolean =>
  a.data.buffer === b.data.buffer && a.data.byteOffset < b.data.byteOffset + b.data.byteLength && b.data.byteOffset < a.data.byteOffset + a.data.byteLength

describe('buffer sharing', () => {
  it('is exactly the documented list: reshape and flatten forward; add, sub, shift, scale(1), reshape and flatten backward', () => {
    const x = t([2, 3], 1)
    const img = t([1, 4, 4, 2], 4)
    const unary: ReadonlyArray<readonly [string, Unary, T]> = [
      ...(
        [
          ['square', ops.square], ['exp', ops.exp], ['log', ops.log], ['sin', ops.sin], ['cos', ops.cos], ['tanh', ops.tanh],
          ['sigmoid', ops.sigmoid], ['neg', ops.neg], ['sqrt', ops.sqrt], ['scale(2)', ops.scale(2)], ['scale(1)', ops.scale(1)],
          ['shift(1)', ops.shift(1)], ['pow(3)', ops.pow(3)], ['relu', ops.relu], ['abs', ops.abs], ['clip(0, 1)', ops.clip(0, 1)],
          ['transpose', ops.transpose()], ['reshape', ops.reshape([3, 2])], ['slice', ops.slice(0, 0, 2)], ['index', ops.index(0, 1)],
          ['sum', ops.sum()], ['sum over no axes', ops.sum({ axes: [] })], ['mean', ops.mean()], ['max', ops.max()],
          ['logSumExp', ops.logSumExp()], ['softmax', ops.softmax()], ['logSoftmax', ops.logSoftmax()], ['mse', ops.mse(t([2, 3], 2))],
          ['softmaxCrossEntropy', ops.softmaxCrossEntropy([0, 1])], ['matmulLeft', ops.matmulLeft(t([2, 2], 9))], ['matmulRight', ops.matmulRight(t([3, 2], 9))]
        ] as ReadonlyArray<readonly [string, Unary]>
      ).map(([name, lens]) => [name, lens, x] as const),
      ['maxPool2d', ops.maxPool2d(2), img],
      ['avgPool2d', ops.avgPool2d(2), img],
      ['flatten', ops.flatten(), img]
    ]
    const found: Array<string> = []
    for (const [name, lens, input] of unary) {
      const y = Lens.evaluate(lens, input)
      const dy = Tensor.randomUniform(y.shape, { seed: 7 })
      if (shares(y, input)) found.push(`${name}: result and input`)
      if (shares(Lens.backPropagateConst(lens, dy, input), dy)) found.push(`${name}: gradient and cotangent`)
    }
    const binary: Array<readonly [string, Binary, T, T]> = []
    for (const name of ['add', 'sub', 'mul', 'div', 'power', 'maximum', 'minimum'] as const) {
      binary.push([name, ops[name], x, t([2, 3], 2)], [`${name} (broadcast)`, ops[name], x, t([3], 3)])
    }
    binary.push(['matmul', ops.matmul, x, t([3, 2], 8)], ['conv2d', ops.conv2d() as unknown as Binary, img, t([2, 2, 2, 3], 5)], ['concat', ops.concat(0) as unknown as Binary, x, t([2, 3], 2)])
    for (const [name, lens, a, b] of binary) {
      const y = Lens.evaluate(lens, [a, b])
      const dy = Tensor.randomUniform(y.shape, { seed: 7 })
      const [da, db] = Lens.backPropagateConst(lens, dy, [a, b])
      if (shares(y, a) || shares(y, b)) found.push(`${name}: result and input`)
      if (shares(da, dy)) found.push(`${name}: first gradient and cotangent`)
      if (shares(db, dy)) found.push(`${name}: second gradient and cotangent`)
    }
    expect(found).toEqual([
      'scale(1): gradient and cotangent',
      'shift(1): gradient and cotangent',
      'reshape: result and input',
      'reshape: gradient and cotangent',
      'flatten: result and input',
      'flatten: gradient and cotangent',
      'add: first gradient and cotangent',
      'add: second gradient and cotangent',
      'add (broadcast): first gradient and cotangent',
      'sub: first gradient and cotangent',
      'sub (broadcast): first gradient and cotangent'
    ])
  })

  it('never with a caller’s array: constructors copy, and the class constructor is not public', () => {
    const data = new Float64Array([1, 2, 3])
    const made = Tensor.make([3], data)
    data[0] = 9
    expect(made.data[0]).toBe(1)
    expect(() => new Tensor.Tensor([3], data)).toThrow('new Tensor(...) is not public: build tensors with Tensor.make(shape, data), which checks and copies the data')
    expect('unsafeFromData' in Tensor).toBe(false)
  })
})
