import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Lens, Para, Scalar } from '../src/index.js'
import { ParaLaws, dyadic, exact, scalarLens } from '../laws/index.js'

const weight: Para.Para<number, number, number> = Scalar.mul
const affine: Para.Para<readonly [number, number], number, number> = Lens.make({
  forward: ([[w, b], x]) => w * x + b,
  backward: ([[w], x], dy) => [[x * dy, dy], w * dy]
})

/** Layers on numbers with a numeric parameter: the parameter enters through mul or add. */
const layer: fc.Arbitrary<Para.Para<number, number, number>> = fc
  .tuple(fc.constantFrom(Scalar.mul, Scalar.add), scalarLens({ maxDepth: 2 }))
  .map(([enter, after]) => Lens.pipe(enter, after))

describe('Para laws (16–17 of docs/laws.md)', () => {
  it('sequential composition is associative up to re-pairing; reparametrisation composes, with id as unit', () => {
    ParaLaws.checkAll(
      exact,
      {
        layer,
        param: dyadic(-2, 2),
        input: dyadic(-2, 2),
        cotangent: dyadic(-2, 2),
        reparametrisation: scalarLens({ maxDepth: 2 })
      },
      { numRuns: 200 }
    )
  })

  it('re-pairing matters: handing the layers their parameters in another order changes the output', () => {
    const f = Lens.pipe(Scalar.mul, Scalar.sin)
    expect(ParaLaws.associativity(exact)(f, Scalar.add, Scalar.mul, [1, 2, 3], 0.5, 1)).toBe(true)
    const [y1] = Lens.valueAndGrad(Para.seq(Para.seq(f, Scalar.add), Scalar.mul), [[[1, 2], 3], 0.5], 1)
    const [y2] = Lens.valueAndGrad(Para.seq(f, Para.seq(Scalar.add, Scalar.mul)), [[2, [1, 3]], 0.5], 1)
    expect(y1).not.toBe(y2)
  })
})

describe('Para', () => {
  it('seq computes g(q, f(p, a)) and gives every cotangent', () => {
    const [y, [[dw1, dw2], dx]] = Lens.valueAndGrad(Para.seq(weight, weight), [[2, 3], 5])
    expect(y).toBe(30)
    expect([dw1, dw2, dx]).toEqual([15, 10, 6])
  })

  it('par runs both sides on their own inputs and parameters', () => {
    const [y, [[dp, dq], [da, dc]]] = Lens.valueAndGrad(
      Lens.pipe(Para.par(weight, weight), Scalar.add),
      [[2, 3], [5, 7]]
    )
    expect(y).toBe(31)
    expect([dp, dq, da, dc]).toEqual([5, 7, 2, 3])
  })

  it('lift has the empty parameter and passes the input cotangent through', () => {
    expect(Lens.valueAndGrad(Para.lift(Scalar.sin), [[], 0])).toEqual([0, [[], 1]])
  })

  it('reparam carries the parameter cotangent back through alpha', () => {
    // w = exp(s): dy/ds = x·exp(s)
    const [y, [ds, dx]] = Lens.valueAndGrad(Para.reparam(weight, Scalar.exp), [Math.log(3), 2])
    expect(y).toBeCloseTo(6, 14)
    expect(ds).toBeCloseTo(6, 14)
    expect(dx).toBeCloseTo(3, 14)
  })

  it('pipe stacks layers with a flat parameter tuple; pipeAll takes an array', () => {
    const net = Para.pipe(affine, Para.lift(Scalar.tanh), affine)
    const params = [[2, 1], [], [3, -1]] as const
    const x = 0.25
    const h = Math.tanh(2 * x + 1)
    const [y, [[dA1, dNone, dA2], dx]] = Lens.valueAndGrad(net, [params, x])
    expect(y).toBe(3 * h - 1)
    const dh = 3 * (1 - h * h)
    expect(dA2).toEqual([h, 1])
    expect(dNone).toEqual([])
    expect(dA1).toEqual([x * dh, dh])
    expect(dx).toBe(2 * dh)
    expect(Lens.evaluate(Para.pipeAll([weight, weight, weight]), [[2, 3, 4], 1])).toBe(24)
  })

  it('at fixes the parameter', () => {
    expect(Lens.valueAndGrad(Para.at(weight, 3), 2)).toEqual([6, 3])
  })

  it('a pipe of 10,000 layers runs without growing the stack', () => {
    const layers = Array.from({ length: 10_000 }, () => Scalar.add)
    const params = Array.from({ length: 10_000 }, () => 1e-3)
    const [y, [dps, dx]] = Lens.valueAndGrad(Para.pipeAll(layers), [params, 0])
    expect(y).toBeCloseTo(10, 9)
    expect(dx).toBe(1)
    expect(dps.every((d) => d === 1)).toBe(true)
  })

  it('names the problem when parameters or inputs have the wrong structure', () => {
    expect(() => Lens.evaluate(Para.pipe(weight, weight), [[1] as unknown as readonly [number, number], 2])).toThrow(
      'Para.pipe: expected 2 parameters (one per layer), got an array of length 1'
    )
    expect(() => Lens.evaluate(Para.seq(weight, weight), 3 as unknown as readonly [readonly [number, number], number])).toThrow(
      'Para.seq: expected the input to be a pair [parameters, input], got 3'
    )
  })

  it('types: parameters pair up, layers must connect', () => {
    expectTypeOf(Para.seq(weight, affine)).toEqualTypeOf<Para.Para<readonly [number, readonly [number, number]], number, number>>()
    expectTypeOf(Para.pipe(weight, Para.lift(Scalar.sin), affine)).toEqualTypeOf<
      Para.Para<readonly [number, readonly [], readonly [number, number]], number, number>
    >()
    const pairLayer = Para.lift(Lens.id<readonly [number, number]>())
    // @ts-expect-error the first layer outputs a number, the second expects a pair
    Para.seq(weight, pairLayer)
    // @ts-expect-error reparametrisation must produce the layer's parameter type
    Para.reparam(affine, Scalar.exp)
  })
})
