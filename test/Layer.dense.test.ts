/**
 * The fused dense layer (issue 11 #7): `Layer.dense(n, m, { activation })` is one primitive,
 * and gives exactly what the composition of ops gives — output, parameter and input
 * cotangents — for every activation, batched and single, and its derivatives of higher order
 * run through that composition.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Layer, Lens, Tensor, ops } from '../src/index.js'
import { programOf } from '../src/internal/cps.js'
import { linear } from '../src/internal/structure.js'

type Act = 'relu' | 'tanh' | 'sigmoid' | 'linear'
const ACTS: ReadonlyArray<Act> = ['relu', 'tanh', 'sigmoid', 'linear']
const opOf: Record<Act, Lens.Lens<Tensor.Tensor, Tensor.Tensor>> = { relu: ops.relu, tanh: ops.tanh, sigmoid: ops.sigmoid, linear: Lens.id() }

/** The dense layer as the composition of ops it was before it was fused. */
const composed = (act: Act): Lens.Lens<readonly [Layer.DenseParams, Tensor.Tensor], Tensor.Tensor> =>
  Lens.pipe(
    linear<readonly [Layer.DenseParams, Tensor.Tensor], readonly [readonly [Tensor.Tensor, Tensor.Tensor], Tensor.Tensor]>(
      'arrange',
      ([p, x]) => [[x, p.W], p.b],
      (_in, [[dx, dW], db]) => [{ W: dW, b: db }, dx]
    ),
    Lens.first(ops.matmul),
    ops.add,
    opOf[act]
  )

const shapes = fc.record({
  k: fc.integer({ min: 1, max: 5 }),
  n: fc.integer({ min: 1, max: 5 }),
  batch: fc.option(fc.integer({ min: 1, max: 6 }), { nil: undefined }),
  seed: fc.integer({ min: 0, max: 1000 }),
  act: fc.constantFrom(...ACTS)
})

describe('Layer.dense, fused', () => {
  it('is one primitive step', () => {
    expect(programOf(Layer.dense(3, 2, { activation: 'relu' }) as never).code.length).toBe(1)
  })

  it('gives exactly the output and both cotangents of the composition, batched or single, for every activation', () => {
    fc.assert(
      fc.property(shapes, ({ k, n, batch, seed, act }) => {
        const p = { W: Tensor.randomNormal([k, n], { seed }), b: Tensor.randomNormal([n], { seed: seed + 1 }) }
        const x = Tensor.randomNormal(batch === undefined ? [k] : [batch, k], { seed: seed + 2 })
        const [y, pull] = Lens.vjp(Layer.dense(k, n, { activation: act }), [p, x])
        const [y0, pull0] = Lens.vjp(composed(act), [p, x])
        expect(y.shape).toEqual(y0.shape)
        expect(y.data).toEqual(y0.data)
        const dy = Tensor.randomNormal(y.shape, { seed: seed + 3 })
        const [[dp, dx], [dp0, dx0]] = [pull(dy), pull0(dy)]
        expect([dp.W.data, dp.b.data, dx.data, dx.shape]).toEqual([dp0.W.data, dp0.b.data, dx0.data, dx0.shape])
      })
    )
  })

  it('passes the finite-difference gradient check for every activation', () => {
    for (const act of ACTS) {
      const p = { W: Tensor.randomNormal([3, 2], { seed: 5 }), b: Tensor.randomNormal([2], { seed: 6 }) }
      const report = Gradcheck.check(Layer.dense(3, 2, { activation: act }), [p, Tensor.randomNormal([4, 3], { seed: 7 })])
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }
  })

  it('has the reverse of the composition: second derivatives agree', () => {
    for (const act of ACTS) {
      const p = { W: Tensor.randomNormal([3, 2], { seed: 8 }), b: Tensor.randomNormal([2], { seed: 9 }) }
      const x = Tensor.randomNormal([4, 3], { seed: 10 })
      const dy = Tensor.randomNormal([4, 2], { seed: 11 })
      const u = [{ W: Tensor.randomNormal([3, 2], { seed: 12 }), b: Tensor.randomNormal([2], { seed: 13 }) }, Tensor.randomNormal([4, 3], { seed: 14 })] as const
      const fused = Lens.backPropagateConst(Lens.reverse(Layer.dense(3, 2, { activation: act })), u, [[p, x], dy])
      const plain = Lens.backPropagateConst(Lens.reverse(composed(act)), u, [[p, x], dy])
      expect(JSON.stringify(fused, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v))).toBe(
        JSON.stringify(plain, (_k, v: unknown) => (v instanceof Float64Array ? Array.from(v) : v))
      )
    }
  })

  it('rejects an unknown activation and a cotangent of another shape, naming the layer', () => {
    expect(() => Layer.dense(2, 3, { activation: 'gelu' as Act })).toThrow("Layer.dense(2, 3): unknown activation 'gelu'")
    const p = { W: Tensor.zeros([2, 3]), b: Tensor.zeros([3]) }
    expect(() => Lens.backPropagateConst(Layer.dense(2, 3), Tensor.zeros([1, 2]), [p, Tensor.zeros([1, 2])])).toThrow(
      'Layer.dense(2, 3): the cotangent has shape [1,2] but the output has shape [1,3]'
    )
  })
})

describe('Layer.dense (fused) under the non-finite policy', () => {
  it('names the layer, the pass, the index, the shape and the operands, forward and backward', () => {
    const params = { W: Tensor.fromNested([[1e200], [1]]), b: Tensor.fromNested([0]) }
    expect(() => Lens.evaluate(Layer.dense(2, 1), [params, Tensor.fromNested([[1e200, 1]])])).toThrow(
      new RangeError(
        'Layer.dense(2, 1): the result is not finite (Infinity) in the forward pass, at index [0, 0] of shape [1,1], from input values up to 1e+200 and weights values up to 1e+200 and bias values up to 0 in magnitude'
      )
    )
    const unit = { W: Tensor.fromNested([[1], [1]]), b: Tensor.fromNested([0]) }
    expect(() => Lens.backPropagateConst(Layer.dense(2, 1), Tensor.fromNested([[1e300]]), [unit, Tensor.fromNested([[1e10, 1]])])).toThrow(
      new RangeError(
        'Layer.dense(2, 1): the cotangent is not finite (Infinity) in the backward pass, at index [0, 0] of shape [2,1], from input values up to 10000000000 and weights values up to 1 and output cotangent values up to 1e+300 in magnitude'
      )
    )
  })
})
