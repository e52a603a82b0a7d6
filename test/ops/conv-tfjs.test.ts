/**
 * ops.conv2d, ops.maxPool2d and ops.avgPool2d against TensorFlow.js (tfjs-core 4.22 and its
 * cpu backend, loaded as the benchmarks load it: one esbuild bundle of tfjs-core's ES build
 * with every gradient registered; see `test/bench/tfjs.ts`): forward values and gradients
 * over random shapes, strides and paddings, to float32 accuracy. Runs when tfjs is installed
 * (a devDependency). Where tfjs has no gradient the cases rest on finite differences alone
 * (`conv.test.ts`, `pool.test.ts`):
 * - tfjs-core 4.22 refuses the gradient of `conv2d` with a dilation above 1 (its forward
 *   pass is compared);
 * - tfjs's `conv2d` has no groups (grouped convolutions are compared with the definition);
 * - the gradient of `avgPool` with `'same'` padding in tfjs divides by the whole window,
 *   padding included, while its forward pass (and this library's, both passes) counts the
 *   covered positions only: that gradient is not the derivative of tfjs's own forward pass,
 *   so only `'valid'` gradients are compared.
 */
import { createRequire } from 'node:module'
import fc from 'fast-check'
import { beforeAll, describe, expect, it } from 'vitest'
import type * as TF from '@tensorflow/tfjs-core'
import { Lens, Tensor, ops } from '../../src/index.js'
import { convCase, distinctTensor, poolCase, type ConvCase, type PoolCase } from '../support/windows.js'

type T = Tensor.Tensor

const installed = ((): boolean => {
  try {
    createRequire(import.meta.url).resolve('@tensorflow/tfjs-core')
    return true
  } catch {
    return false
  }
})()

let tf: typeof TF

/** `max|a − b| / (1 + max|b|)`, with equal shapes required. */
const relativeGap = (a: T, b: TF.Tensor): number => {
  expect(a.shape).toEqual(b.shape)
  const want = b.dataSync()
  let gap = 0
  let scale = 0
  a.data.forEach((v, i) => {
    gap = Math.max(gap, Math.abs(v - (want[i] as number)))
    scale = Math.max(scale, Math.abs(want[i] as number))
  })
  return gap / (1 + scale)
}

/** float32 against float64 over sums of at most a few hundred terms. */
const TOLERANCE = 1e-5

const toTf = (t: T): TF.Tensor => tf.tensor(Float32Array.from(t.data), [...t.shape])

type TfPadding = 'valid' | 'same' | Array<[number, number]>

const tfPadding = (p: ops.Padding): TfPadding =>
  p === 'valid' || p === 'same'
    ? p
    : typeof p === 'number'
      ? [
          [0, 0],
          [p, p],
          [p, p],
          [0, 0]
        ]
      : [[0, 0], [p[0][0], p[0][1]], [p[1][0], p[1][1]], [0, 0]]

describe.skipIf(!installed)('against TensorFlow.js (tfjs-cpu 4.22)', () => {
  beforeAll(async () => {
    const { loadTf } = await import('../bench/tfjs.js')
    tf = await loadTf('cpu')
  }, 60_000)

  const conv = (c: ConvCase, x: TF.Tensor, w: TF.Tensor): TF.Tensor =>
    tf.conv2d(x as TF.Tensor4D, w as TF.Tensor4D, [...c.options.stride], tfPadding(c.options.padding) as 'valid', 'NHWC', [...c.options.dilation])

  it('conv2d: the same outputs, and with dilation 1 the same gradients, over random shapes, strides and paddings', () => {
    let gradients = 0
    // tfjs takes strides above 1 or dilations above 1, not both
    const cases = convCase({ maxGroups: 1, maxDilation: 2 }).filter((c) => c.options.stride.every((s) => s === 1) || c.options.dilation.every((d) => d === 1))
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
        const lens = ops.conv2d(c.options)
        const y = Lens.evaluate(lens, [c.x, c.w])
        tf.tidy(() => {
          const [x, w] = [toTf(c.x), toTf(c.w)]
          expect(relativeGap(y, conv(c, x, w))).toBeLessThanOrEqual(TOLERANCE)
          if (c.options.dilation[0] > 1 || c.options.dilation[1] > 1) return
          gradients++
          const dy = Tensor.randomNormal(y.shape, { seed })
          const [dx, dw] = Lens.backPropagateConst(lens, dy, [c.x, c.w])
          const [tdx, tdw] = tf.grads((a: TF.Tensor, b: TF.Tensor) => tf.sum(tf.mul(conv(c, a, b), toTf(dy))))([x, w]) as [TF.Tensor, TF.Tensor]
          expect(relativeGap(dx, tdx)).toBeLessThanOrEqual(TOLERANCE)
          expect(relativeGap(dw, tdw)).toBeLessThanOrEqual(TOLERANCE)
        })
      }),
      { numRuns: 150 }
    )
    expect(gradients).toBeGreaterThan(30)
  })

  const poolTf = (kind: 'max' | 'avg', c: PoolCase, x: TF.Tensor): TF.Tensor => {
    const pad = c.options.padding as 'valid' | 'same'
    return kind === 'max' ? tf.maxPool(x as TF.Tensor4D, [...c.size], [...c.options.stride], pad) : tf.avgPool(x as TF.Tensor4D, [...c.size], [...c.options.stride], pad)
  }

  for (const kind of ['max', 'avg'] as const) {
    it(`${kind}Pool2d: the same outputs and gradients over random windows, strides and 'valid' or 'same' padding`, () => {
      // max pooling away from ties (values 0.01 apart: rounding to float32 makes none)
      const cases = poolCase()
        .filter((c) => c.options.padding === 'valid' || c.options.padding === 'same')
        .chain((c) => (kind === 'max' ? distinctTensor(c.x.shape).map((x) => ({ ...c, x })) : fc.constant(c)))
      fc.assert(
        fc.property(cases, fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
          const lens = kind === 'max' ? ops.maxPool2d(c.size, c.options) : ops.avgPool2d(c.size, c.options)
          const y = Lens.evaluate(lens, c.x)
          tf.tidy(() => {
            const x = toTf(c.x)
            expect(relativeGap(y, poolTf(kind, c, x))).toBeLessThanOrEqual(TOLERANCE)
            if (kind === 'avg' && c.options.padding === 'same') return // see the notes above
            const dy = Tensor.randomNormal(y.shape, { seed })
            const dx = Lens.backPropagateConst(lens, dy, c.x)
            const tdx = tf.grad((a: TF.Tensor) => tf.sum(tf.mul(poolTf(kind, c, a), toTf(dy))))(x)
            expect(relativeGap(dx, tdx)).toBeLessThanOrEqual(TOLERANCE)
          })
        }),
        { numRuns: 150 }
      )
    })
  }
})
