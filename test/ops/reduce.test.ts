/**
 * sum, mean, max and logSumExp over random axes (negative included, keepDims or not):
 * forward values against naive reductions, gradients against finite differences over
 * random shapes (ranks 0–4, dims 1–5), max's tie rule, logSumExp's stability at 1000, error
 * messages, and inputs left untouched.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Lens, Tensor, VectorSpace, ops } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'
import { unsafeFromData } from '../../src/internal/tensor.js'
import { message } from '../support/errors.js'
import { close, indicesOf, shapeArb, tensorOf } from '../support/tensors.js'
import { checkJvp, checkReverseValues, checkSecondOrder, checkThirdOrder, checkZeroSecondDerivative, type Case as ReverseCase } from '../support/reverse.js'

type T = Tensor.Tensor

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const TS: VectorSpace.VectorSpace<T> = VectorSpace.tensor

/**
 * Distinct values on a lattice of step 1e-3: no ties (a three-way tie's even split is not
 * the central difference, whose slope there is (max u + min u)/2; ties are tested on their
 * own below) and no near-ties closer than the finite-difference step.
 */
const latticeTensor = (shape: ReadonlyArray<number>): fc.Arbitrary<T> =>
  fc
    .uniqueArray(fc.integer({ min: -3000, max: 2999 }), {
      minLength: Tensor.shapeSize(shape),
      maxLength: Tensor.shapeSize(shape)
    })
    .map((is) => Tensor.make(shape, is.map((i) => (i + 0.5) / 1000)))

/** A tensor, reduction options (axes omitted, one axis, or a random subset, maybe negative) and the reduced mask. */
interface Case {
  readonly x: T
  readonly options: ops.ReduceOptions | undefined
  readonly reduced: Array<boolean>
  readonly keepDims: boolean
}

const caseOf = (tensor: fc.Arbitrary<T>): fc.Arbitrary<Case> =>
  tensor.chain((x) => {
    const r = x.shape.length
    return fc
      .record({
        kind: fc.integer({ min: 0, max: 3 }),
        mask: fc.array(fc.boolean(), { minLength: r, maxLength: r }),
        order: fc.shuffledSubarray(
          Array.from({ length: r }, (_, i) => i),
          { minLength: r, maxLength: r }
        ),
        negative: fc.array(fc.boolean(), { minLength: r, maxLength: r }),
        keepDims: fc.boolean()
      })
      .map(({ kind, mask, order, negative, keepDims }): Case => {
        const sign = (a: number): number => (negative[a] ? a - r : a)
        if (kind === 0 || r === 0) {
          // omitted axes: everything; sometimes no options at all
          return { x, options: keepDims ? { keepDims } : undefined, reduced: new Array<boolean>(r).fill(true), keepDims }
        }
        if (kind === 1) {
          const a = (order[0] as number) % r
          const reduced = new Array<boolean>(r).fill(false)
          reduced[a] = true
          return { x, options: { axes: sign(a), keepDims }, reduced, keepDims }
        }
        const axes = order.filter((a) => mask[a]).map(sign)
        return { x, options: { axes, keepDims }, reduced: mask, keepDims }
      })
  })

const cases = caseOf(shapeArb(0, 4).chain((s) => tensorOf(s)))

/** The naive reduction: group the elements by their index on the kept axes, combine with `f`. */
const naive = (c: Case, f: (xs: Array<number>) => number): T => {
  const { x, reduced, keepDims } = c
  const outShape = x.shape.flatMap((d, a) => (reduced[a] ? (keepDims ? [1] : []) : [d]))
  const groups = new Map<string, Array<number>>()
  for (const idx of indicesOf(x.shape)) {
    const key = idx.filter((_, a) => !reduced[a]).join(',')
    const g = groups.get(key) ?? []
    g.push(Tensor.get(x, idx))
    groups.set(key, g)
  }
  const keptShape = x.shape.filter((_, a) => !reduced[a])
  return Tensor.make(
    outShape,
    indicesOf(keptShape).map((idx) => f(groups.get(idx.join(',')) ?? []))
  )
}

const gradcheck = (make: (options: ops.ReduceOptions | undefined) => Lens.Lens<T, T>, arb: fc.Arbitrary<Case> = cases): void => {
  fc.assert(
    fc.property(arb, fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
      const report = Gradcheck.check(make(c.options), c.x, { input: TS, output: TS, seed })
      fc.pre(report.status !== 'kink')
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }),
    { numRuns: 300 }
  )
}

const untouched = (lens: Lens.Lens<T, T>, x: T): void => {
  const before = Array.from(x.data)
  const [y, pullback] = Lens.vjp(lens, x)
  pullback(Tensor.ones(y.shape))
  expect(Array.from(x.data)).toEqual(before)
}

const sumOf = (xs: Array<number>): number => xs.reduce((a, b) => a + b, 0)

// -------------------------------------------------------------------------------------
// kernels
// -------------------------------------------------------------------------------------

describe('reduction kernels', () => {
  it('reduceAxes then expandAxes is the identity on ones, for every mask (runs of axes merged)', () => {
    fc.assert(
      fc.property(
        shapeArb(0, 5).chain((s) => fc.tuple(fc.constant(s), fc.array(fc.boolean(), { minLength: s.length, maxLength: s.length }))),
        ([shape, mask]) => {
          const n = Tensor.shapeSize(shape)
          const ones = new Float64Array(n).fill(1)
          const counts = K.reduceAxes(ones, shape, mask, K.sumAxis)
          const count = shape.reduce((acc, d, a) => (mask[a] ? acc * d : acc), 1)
          expect(Array.from(counts).every((c) => c === count)).toBe(true)
          expect(K.expandAxes(counts, shape, mask)).toEqual(new Float64Array(n).fill(count))
        }
      ),
      { numRuns: 300 }
    )
  })
})

// -------------------------------------------------------------------------------------
// forward values
// -------------------------------------------------------------------------------------

describe('forward values against naive reductions', () => {
  it('sum', () => {
    fc.assert(fc.property(cases, (c) => close(Lens.evaluate(ops.sum(c.options), c.x), naive(c, sumOf))), { numRuns: 300 })
  })

  it('mean', () => {
    fc.assert(
      fc.property(cases, (c) => close(Lens.evaluate(ops.mean(c.options), c.x), naive(c, (xs) => sumOf(xs) / xs.length))),
      { numRuns: 300 }
    )
  })

  it('max', () => {
    fc.assert(
      fc.property(cases, (c) => close(Lens.evaluate(ops.max(c.options), c.x), naive(c, (xs) => Math.max(...xs)), 0)),
      { numRuns: 300 }
    )
  })

  it('logSumExp', () => {
    fc.assert(
      fc.property(cases, (c) =>
        close(
          Lens.evaluate(ops.logSumExp(c.options), c.x),
          naive(c, (xs) => Math.log(sumOf(xs.map(Math.exp))))
        )
      ),
      { numRuns: 300 }
    )
  })

  it('gives a rank-0 tensor when every axis is reduced, and keeps 1s with keepDims', () => {
    const x = Tensor.fromNested([
      [1, 2, 3],
      [4, 5, 6]
    ])
    expect(Lens.evaluate(ops.sum(), x).shape).toEqual([])
    expect(Lens.evaluate(ops.sum({ keepDims: true }), x).shape).toEqual([1, 1])
    expect(Lens.evaluate(ops.mean({ axes: [-1, 0], keepDims: true }), x).data).toEqual(Float64Array.of(3.5))
    expect(Tensor.toNested(Lens.evaluate(ops.max({ axes: 0, keepDims: true }), x))).toEqual([[4, 5, 6]])
    // axes: [] reduces nothing
    expect(Tensor.toNested(Lens.evaluate(ops.sum({ axes: [] }), x))).toEqual(Tensor.toNested(x))
  })

  it('logSumExp is stable at 1000 and at -1000', () => {
    const big = Tensor.fromNested([
      [1000, 1000, 1000],
      [-1000, -1000, -1000],
      [1000, -1000, 0]
    ])
    const y = Lens.evaluate(ops.logSumExp({ axes: 1 }), big)
    close(y, Tensor.fromNested([1000 + Math.log(3), -1000 + Math.log(3), 1000]), 1e-15)
    const g = Lens.backPropagateConst(ops.logSumExp({ axes: 1 }), Tensor.ones([3]), big)
    close(
      g,
      Tensor.fromNested([
        [1 / 3, 1 / 3, 1 / 3],
        [1 / 3, 1 / 3, 1 / 3],
        [1, 0, 0]
      ]),
      1e-15
    )
    close(Lens.evaluate(ops.logSumExp(), Tensor.fill([4, 5], 1000)), Tensor.scalar(1000 + Math.log(20)), 1e-15)
  })
})

// -------------------------------------------------------------------------------------
// gradients
// -------------------------------------------------------------------------------------

describe('gradients against finite differences (≥ 300 random shapes and axes each)', () => {
  it('sum', () => gradcheck(ops.sum))
  it('mean', () => gradcheck(ops.mean))
  // Distinct lattice values (see latticeTensor): near-ties closer than the finite-difference
  // step would make the numeric slope meaningless, and ties of three or more have no
  // central difference to compare the even split with.
  it('max', () => gradcheck(ops.max, caseOf(shapeArb(0, 4).chain((s) => latticeTensor(s)))))
  it('logSumExp', () => gradcheck(ops.logSumExp))
  it('logSumExp on large inputs (up to ±50)', () => gradcheck(ops.logSumExp, caseOf(shapeArb(1, 3).chain((s) => tensorOf(s, -50, 50)))))
})

describe('max at ties', () => {
  it('splits the cotangent evenly between the maximal elements', () => {
    const x = Tensor.fromNested([
      [1, 3, 3],
      [2, 2, 2],
      [5, 0, 1]
    ])
    expect(Tensor.toNested(Lens.backPropagateConst(ops.max({ axes: 1 }), Tensor.fromNested([1, 3, 6]), x))).toEqual([
      [0, 0.5, 0.5],
      [1, 1, 1],
      [6, 0, 0]
    ])
    // Over several axes the split is over the whole group, not axis by axis.
    const y = Tensor.fromNested([
      [1, 1],
      [1, 0]
    ])
    const g = Lens.backPropagateConst(ops.max(), Tensor.scalar(1), y)
    close(
      g,
      Tensor.fromNested([
        [1 / 3, 1 / 3],
        [1 / 3, 0]
      ]),
      0
    )
  })

  it('the split gradient is a subgradient: it sums to the cotangent', () => {
    fc.assert(
      fc.property(
        caseOf(shapeArb(1, 4).chain((s) => tensorOf(s).map((t) => Tensor.make(s, t.data.map((v) => Math.round(v)))))),
        (c) => {
          const y = Lens.evaluate(ops.max(c.options), c.x)
          const g = Lens.backPropagateConst(ops.max(c.options), Tensor.ones(y.shape), c.x)
          expect(Math.abs(sumOf(Array.from(g.data)) - y.size)).toBeLessThan(1e-9)
          expect(Array.from(g.data).every((v) => v >= 0 && v <= 1)).toBe(true)
        }
      ),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// errors and immutability
// -------------------------------------------------------------------------------------

describe('errors', () => {
  const x = Tensor.zeros([2, 3])
  it('name the op, the axes and the shape', () => {
    expect(message(() => Lens.evaluate(ops.sum({ axes: 2 }), x))).toBe('ops.sum: axis 2 is out of range for shape [2,3]')
    expect(message(() => Lens.evaluate(ops.mean({ axes: [-3] }), x))).toBe('ops.mean: axis -3 is out of range for shape [2,3]')
    expect(message(() => Lens.evaluate(ops.max({ axes: [1, -1] }), x))).toBe('ops.max: axis -1 is repeated in axes [1,-1] for shape [2,3]')
    expect(message(() => Lens.evaluate(ops.logSumExp({ axes: 0 }), Tensor.scalar(1)))).toBe(
      'ops.logSumExp: axis 0 is out of range for shape []'
    )
    expect(message(() => ops.sum({ axes: 0.5 }))).toBe('ops.sum: axes must be an integer, got 0.5')
    expect(message(() => ops.sum({ axes: [0, Number.NaN] }))).toBe('ops.sum: axes[1] must be an integer, got NaN')
    expect(message(() => Lens.evaluate(ops.sum(), 3 as unknown as T))).toBe('ops.sum: expected a Tensor as input, got 3')
  })

  it('refuse to average, maximise or log-sum-exp over zero elements', () => {
    const empty = Tensor.zeros([0, 3])
    expect(message(() => Lens.evaluate(ops.mean({ axes: 0 }), empty))).toBe('ops.mean: no elements to reduce over axes [0] of shape [0,3]')
    expect(message(() => Lens.evaluate(ops.max(), empty))).toBe('ops.max: no elements to reduce over all axes of shape [0,3]')
    expect(message(() => Lens.evaluate(ops.logSumExp({ axes: [0] }), empty))).toBe(
      'ops.logSumExp: no elements to reduce over axes [0] of shape [0,3]'
    )
    // the sum over nothing is 0, and reducing the other axis of an empty tensor is empty
    expect(Lens.evaluate(ops.sum({ axes: 0 }), empty).data).toEqual(new Float64Array(3))
    expect(Lens.evaluate(ops.max({ axes: 1 }), empty).shape).toEqual([0])
  })

  it('check the cotangent’s shape in the backward pass', () => {
    expect(message(() => Lens.backPropagateConst(ops.sum({ axes: 0 }), Tensor.zeros([2]), x))).toBe(
      'ops.sum: the cotangent has shape [2] but the output has shape [3]'
    )
    expect(message(() => Lens.backPropagateConst(ops.logSumExp({ axes: 1, keepDims: true }), Tensor.zeros([2]), x))).toBe(
      'ops.logSumExp: the cotangent has shape [2] but the output has shape [2,1]'
    )
  })

  it('report a non-finite result, naming the pass, the index, the shape and the input', () => {
    expect(message(() => Lens.evaluate(ops.sum(), Tensor.fill([2], 1e308)))).toBe(
      'ops.sum: the result is not finite (Infinity) in the forward pass, at index [] of shape [], from input values up to 1e+308 in magnitude'
    )
    expect(message(() => Lens.evaluate(ops.mean({ axes: 1 }), Tensor.make([2, 2], [1, 2, 1e308, 1e308])))).toBe(
      'ops.mean: the result is not finite (Infinity) in the forward pass, at index [1] of shape [2], from input values up to 1e+308 in magnitude'
    )
    // Tensor.make refuses NaN; an op's result could still carry one in
    const withNaN = unsafeFromData([3], Float64Array.of(1, NaN, 2))
    expect(message(() => Lens.evaluate(ops.logSumExp(), withNaN))).toBe(
      'ops.logSumExp: the result is not finite (NaN) in the forward pass, at index [] of shape [], from input NaN at index [1]'
    )
    // a NaN loses every comparison, so max would answer 2: the input is named instead
    expect(message(() => Lens.evaluate(ops.max(), withNaN))).toBe('ops.max: the input is not finite (NaN) at index [1] of shape [3]')
  })
})

describe('immutability', () => {
  it('no reduction mutates its input', () => {
    fc.assert(
      fc.property(cases, (c) => {
        for (const make of [ops.sum, ops.mean, ops.max, ops.logSumExp]) untouched(make(c.options), c.x)
      }),
      { numRuns: 100 }
    )
  })
})

describe('higher order: the backward passes as lenses', () => {
  type Make = (options: ops.ReduceOptions | undefined) => Lens.Lens<T, T>
  const distinct = caseOf(shapeArb(0, 4).chain((s) => latticeTensor(s)))
  const reductions: ReadonlyArray<readonly [string, Make, fc.Arbitrary<Case>, boolean]> = [
    ['sum', ops.sum, cases, true],
    ['mean', ops.mean, cases, true],
    ['max', ops.max, distinct, true],
    // exp(x − logSumExp(x)) against exp(x − max − log Σ): one rounding apart
    ['logSumExp', ops.logSumExp, cases, false]
  ]
  const drawn = (make: Make, arb: fc.Arbitrary<Case>): fc.Arbitrary<ReverseCase> =>
    arb.map((c): ReverseCase => [make(c.options) as unknown as Lens.Lens<unknown, unknown>, c.x])
  it.each(reductions)('%s: reverse evaluates as the first-order pass, and its structural lens agrees', (name, make, arb, exact) => {
    checkReverseValues(drawn(make, arb), { name: `ops.${name}`, exact, numRuns: 300 })
  })
  it.each(reductions)('%s: the reverse derivative passes the gradient check (second order)', (name, make, arb) => {
    checkSecondOrder(drawn(make, arb), { name: `ops.${name}`, numRuns: 300 })
  })
  it.each(reductions)('%s: forward mode (jvp) is the transpose of the backward pass', (name, make, arb) => {
    checkJvp(drawn(make, arb), { name: `ops.${name}` })
  })
  it.each(reductions)('%s: so does the reverse derivative of that (third order)', (name, make, arb) => {
    checkThirdOrder(drawn(make, arb), { name: `ops.${name}` })
  })
  it.each(reductions.filter(([name]) => name !== 'logSumExp'))('%s: piecewise linear, so its second derivative is 0 away from ties', (name, make, arb) => {
    checkZeroSecondDerivative(drawn(make, arb), { name: `ops.${name}`, numRuns: 300 })
  })
  it('logSumExp on large inputs (up to ±50): second order', () => {
    checkSecondOrder(drawn(ops.logSumExp, caseOf(shapeArb(1, 3).chain((s) => tensorOf(s, -50, 50)))), { name: 'ops.logSumExp' })
  })
  it('the backward lenses check their inputs as the first-order passes do, with the same messages', () => {
    const x = Tensor.zeros([2, 3])
    for (const [name, make] of [['sum', ops.sum], ['mean', ops.mean], ['max', ops.max], ['logSumExp', ops.logSumExp]] as const) {
      expect(message(() => Lens.backPropagateConst(Lens.reverse(make({ axes: 1 })), x, [x, Tensor.zeros([3])]))).toBe(
        `ops.${name}: the cotangent has shape [3] but the output has shape [2]`
      )
    }
  })
})
