/**
 * ops.maxPool2d, ops.avgPool2d and ops.flatten: forward values against the definitions over
 * random windows, strides and paddings; backward passes against finite differences with the
 * law kit (`checkGradient`, ≥ 200 cases each) and linear in the cotangent; backward passes as
 * lenses (`Lens.reverse`) against finite differences; ties, NaN and overflow; error messages
 * exactly; inputs left untouched. The comparison with TensorFlow.js is in `conv-tfjs.test.ts`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Lens, Tensor, VectorSpace, ops } from '../../src/index.js'
import { GradientLaws, fd, reassoc, shape, tensorOfShape } from '../../laws/index.js'
import { unsafeFromData } from '../../src/internal/tensor.js'
import { message as messageOf } from '../support/errors.js'
import { distinctTensor, poolCase, referencePool, values, type PoolCase } from '../support/windows.js'

type T = Tensor.Tensor

const TS = VectorSpace.tensor


const pool = (kind: 'max' | 'avg', c: PoolCase): Lens.Lens<T, T> =>
  kind === 'max' ? ops.maxPool2d(c.size, c.options) : ops.avgPool2d(c.size, c.options)

const worst = (a: T, b: T): number => a.data.reduce((m, v, i) => Math.max(m, Math.abs(v - (b.data[i] as number)) / (1 + Math.abs(v))), 0)

for (const kind of ['max', 'avg'] as const) {
  const name = kind === 'max' ? 'ops.maxPool2d' : 'ops.avgPool2d'

  describe(name, () => {
    it('equals the definition over random windows, strides and paddings', () => {
      fc.assert(
        fc.property(poolCase(), (c) => {
          const y = Lens.evaluate(pool(kind, c), c.x)
          const want = referencePool(c, kind)
          expect(y.shape).toEqual(want.shape)
          expect(worst(y, want)).toBeLessThanOrEqual(1e-14)
        }),
        { numRuns: 300 }
      )
    })

    it('matches finite differences over random windows, strides and paddings (the law kit, 240 cases)', () => {
      fc.assert(
        fc.property(poolCase(), (c) => {
          // max pooling away from ties (values 0.01 apart), average pooling anywhere
          const inputs = kind === 'max' ? distinctTensor(c.x.shape) : tensorOfShape(c.x.shape, values(-5, 5))
          GradientLaws.checkGradient(
            fd,
            { lens: fc.constant(pool(kind, c)), input: inputs, spaces: { input: TS, output: TS } },
            { name: `${name}(${JSON.stringify(c.size)}, ${JSON.stringify(c.options)})`, numRuns: 4 }
          )
        }),
        { numRuns: 60 }
      )
    })

    it('is linear in the cotangent (LAWS 14)', () => {
      const lens = pool(kind, { size: [3, 2], options: { stride: [2, 1], padding: 'same' }, x: Tensor.zeros([1, 1, 1, 1]) })
      GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(lens), input: tensorOfShape([2, 5, 4, 3], values()), spaces: { input: TS, output: TS } }, { name, numRuns: 200 })
    })

    it('Lens.reverse: its backward pass matches finite differences', () => {
      fc.assert(
        fc.property(poolCase().chain((c) => distinctTensor(c.x.shape).map((x) => ({ ...c, x }))), fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
          const lens = pool(kind, c)
          const y = Lens.evaluate(lens, c.x)
          const report = Gradcheck.check(Lens.reverse(lens), [c.x, Tensor.randomNormal(y.shape, { seed })] as const, { seed, name: `Lens.reverse(${name})` })
          expect(report.status, Gradcheck.format(report)).toBe('pass')
        }),
        { numRuns: 100 }
      )
    })

    it('leaves its input untouched', () => {
      fc.assert(
        fc.property(poolCase(), (c) => {
          const before = Array.from(c.x.data)
          const lens = pool(kind, c)
          const [y, pullback] = Lens.vjp(lens, c.x)
          pullback(Tensor.ones(y.shape))
          Lens.backPropagateConst(Lens.reverse(lens), Tensor.onesLike(c.x), [c.x, Tensor.ones(y.shape)])
          expect(Array.from(c.x.data)).toEqual(before)
        }),
        { numRuns: 50 }
      )
    })
  })
}

describe('ops.maxPool2d details', () => {
  it('sends the cotangent of a tie to the first maximum in scan order', () => {
    const x = Tensor.make([1, 2, 2, 1], [3, 3, 3, 3])
    expect(Array.from(Lens.backPropagateConst(ops.maxPool2d(2), Tensor.make([1, 1, 1, 1], [7]), x).data)).toEqual([7, 0, 0, 0])
  })

  it('adds the cotangents of overlapping windows that share a maximum', () => {
    const x = Tensor.make([1, 1, 3, 1], [0, 5, 0])
    const dx = Lens.backPropagateConst(ops.maxPool2d([1, 2], { stride: 1 }), Tensor.make([1, 1, 2, 1], [2, 3]), x)
    expect(Array.from(dx.data)).toEqual([0, 5, 0])
  })

  it('reports a NaN in a window (a comparison would drop it)', () => {
    const x = unsafeFromData([1, 2, 2, 1], Float64Array.of(1, 2, NaN, 0))
    expect(messageOf(() => Lens.evaluate(ops.maxPool2d(2), x))).toBe(
      'ops.maxPool2d: the result is not finite (NaN) in the forward pass, at index [0, 0, 0, 0] of shape [1,1,1,1], from input NaN at index [0, 1, 0, 0]'
    )
  })

  it('throws when the added cotangents overflow', () => {
    const x = Tensor.make([1, 1, 3, 1], [0, 5, 0])
    expect(messageOf(() => Lens.backPropagateConst(ops.maxPool2d([1, 2], { stride: 1 }), Tensor.make([1, 1, 2, 1], [1e308, 1e308]), x))).toBe(
      'ops.maxPool2d: the cotangent is not finite (Infinity) in the backward pass, at index [0, 0, 1, 0] of shape [1,1,3,1], from output cotangent values up to 1e+308 in magnitude'
    )
  })
})

describe('ops.avgPool2d details', () => {
  it("does not count the padding ('same', as TensorFlow)", () => {
    const x = Tensor.make([1, 1, 3, 1], [1, 2, 6])
    expect(Array.from(Lens.evaluate(ops.avgPool2d([1, 2], { stride: 2, padding: 'same' }), x).data)).toEqual([1.5, 6])
  })

  it('throws when a mean overflows', () => {
    expect(messageOf(() => Lens.evaluate(ops.avgPool2d(2), Tensor.fill([1, 2, 2, 1], 1e308)))).toBe(
      'ops.avgPool2d: the result is not finite (Infinity) in the forward pass, at index [0, 0, 0, 0] of shape [1,1,1,1], from input values up to 1e+308 in magnitude'
    )
  })
})

describe('pooling errors', () => {
  it('names the op, the shape and the window', () => {
    expect(messageOf(() => Lens.evaluate(ops.maxPool2d(2), Tensor.zeros([2, 2, 1])))).toBe(
      'ops.maxPool2d: input shape [2,2,1] and window 2×2: the input must have rank 4 ([batch, height, width, channels]), got rank 3'
    )
    expect(messageOf(() => Lens.evaluate(ops.avgPool2d([3, 1]), Tensor.zeros([1, 2, 2, 1])))).toBe(
      'ops.avgPool2d: input shape [1,2,2,1] and window 3×1: the 3×1 window does not fit in the 2×2 input with padding [[0, 0], [0, 0]]'
    )
    expect(messageOf(() => Lens.backPropagateConst(ops.maxPool2d(2), Tensor.zeros([1, 2, 1, 1]), Tensor.zeros([1, 2, 2, 1])))).toBe(
      'ops.maxPool2d: the cotangent has shape [1,2,1,1] but the output has shape [1,1,1,1]'
    )
    expect(messageOf(() => Lens.evaluate(ops.maxPool2d(2), 3 as unknown as T))).toBe('ops.maxPool2d: expected a Tensor as input, got 3')
  })

  it('checks its options when built', () => {
    expect(messageOf(() => ops.maxPool2d(0))).toBe('ops.maxPool2d: the window size must be a positive integer or a pair [height, width] of them, got 0')
    expect(messageOf(() => ops.avgPool2d(2, { stride: [1, 0] }))).toBe('ops.avgPool2d: stride must be a positive integer or a pair [height, width] of them, got [1, 0]')
    expect(messageOf(() => ops.maxPool2d(2, { padding: [[2, 0], [0, 0]] }))).toBe(
      'ops.maxPool2d: padding [[2, 0], [0, 0]] must be smaller than the 2×2 window (a window on padding alone has no value)'
    )
    expect(messageOf(() => ops.maxPool2d(2, { size: 2 } as ops.Pool2dOptions))).toBe("ops.maxPool2d: unknown option 'size' (known: stride, padding)")
  })
})

describe('ops.flatten', () => {
  it('merges the axes from the given one, sharing the data', () => {
    const x = Tensor.randomNormal([2, 3, 4, 5], { seed: 1 })
    const y = Lens.evaluate(ops.flatten(), x)
    expect(y.shape).toEqual([2, 60])
    expect(y.data).toBe(x.data)
    expect(Lens.evaluate(ops.flatten(2), x).shape).toEqual([2, 3, 20])
    expect(Lens.evaluate(ops.flatten(0), x).shape).toEqual([120])
  })

  it('matches finite differences and is linear in the cotangent (the law kit)', () => {
    const inputs = shape({ minRank: 2, maxRank: 4, minDim: 1, maxDim: 4 }).chain((s) => tensorOfShape(s, values()))
    const arbitraries = { lens: fc.constant(ops.flatten()), input: inputs, spaces: { input: TS, output: TS } }
    GradientLaws.checkGradient(fd, arbitraries, { name: 'ops.flatten', numRuns: 200 })
    GradientLaws.checkCotangentLinearity(reassoc, arbitraries, { name: 'ops.flatten', numRuns: 200 })
  })

  it('names the shape it cannot flatten and the cotangent it cannot take', () => {
    expect(messageOf(() => Lens.evaluate(ops.flatten(2), Tensor.zeros([3, 4])))).toBe('ops.flatten: expected rank at least 3 to merge axes 2 to the last, got shape [3,4]')
    expect(messageOf(() => Lens.backPropagateConst(ops.flatten(), Tensor.zeros([3, 5]), Tensor.zeros([3, 2, 2])))).toBe(
      'ops.flatten: the cotangent has shape [3,5] but the output has shape [3,4]'
    )
    expect(messageOf(() => ops.flatten(-1))).toBe('ops.flatten: axis must be >= 0, got -1')
  })
})
