/**
 * softmax, logSoftmax, mse and softmaxCrossEntropy: forward values against hand
 * computations (softmax rows sum to 1, logSoftmax = log(softmax), stability at ±1000),
 * gradients against finite differences over random shapes and axes, the closed-form
 * gradient (softmax − onehot)/batch, error messages, and inputs left untouched.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Layer, Lens, Tensor, VectorSpace, ops } from '../../src/index.js'
import { lattice, tensorOfShape } from '../../laws/index.js'
import { message } from '../support/errors.js'
import { unsafeFromData } from '../../src/internal/tensor.js'
import { shapeArb, tensorOf } from '../support/tensors.js'
import { checkJvp, checkReverseValues, checkSecondOrder, checkThirdOrder, type Case } from '../support/reverse.js'

type T = Tensor.Tensor

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const TS: VectorSpace.VectorSpace<T> = VectorSpace.tensor

/** A tensor of rank 1–4 and an axis of it (maybe negative). */
const withAxis = (lo = -3, hi = 3): fc.Arbitrary<readonly [T, number]> =>
  shapeArb(1, 4).chain((s) =>
    fc.tuple(
      tensorOf(s, lo, hi),
      fc.integer({ min: -s.length, max: s.length - 1 })
    )
  )

const closeTo = (a: number, b: number, tol: number): void => {
  expect(Math.abs(a - b)).toBeLessThanOrEqual(tol * (1 + Math.abs(a) + Math.abs(b)))
}

/** The lines along `axis`: arrays of flat indices. */
const linesOf = (shape: ReadonlyArray<number>, axis: number): Array<Array<number>> => {
  const ax = axis < 0 ? axis + shape.length : axis
  const inner = Tensor.shapeSize(shape.slice(ax + 1))
  const mid = shape[ax] as number
  const outer = Tensor.shapeSize(shape.slice(0, ax))
  const lines: Array<Array<number>> = []
  for (let o = 0; o < outer; o++)
    for (let j = 0; j < inner; j++) lines.push(Array.from({ length: mid }, (_, r) => (o * mid + r) * inner + j))
  return lines
}

const gradcheck = (arb: fc.Arbitrary<readonly [Lens.Lens<T, T>, T]>, numRuns = 300): void => {
  fc.assert(
    fc.property(arb, fc.integer({ min: 0, max: 1e6 }), ([lens, x], seed) => {
      const report = Gradcheck.check(lens, x, { input: TS, output: TS, seed })
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }),
    { numRuns }
  )
}

const untouched = (lens: Lens.Lens<T, T>, x: T): void => {
  const before = Array.from(x.data)
  const [y, pullback] = Lens.vjp(lens, x)
  pullback(Tensor.ones(y.shape))
  Lens.evaluate(lens, x)
  expect(Array.from(x.data)).toEqual(before)
}

// -------------------------------------------------------------------------------------
// softmax, logSoftmax
// -------------------------------------------------------------------------------------

describe('ops.softmax and ops.logSoftmax', () => {
  it('softmax: positive entries that sum to 1 along the axis, equal to exp(x)/Σexp(x)', () => {
    fc.assert(
      fc.property(withAxis(), ([x, axis]) => {
        const y = Lens.evaluate(ops.softmax(axis), x)
        expect(y.shape).toEqual(x.shape)
        for (const line of linesOf(x.shape, axis)) {
          const z = line.reduce((acc, i) => acc + Math.exp(x.data[i] as number), 0)
          closeTo(
            line.reduce((acc, i) => acc + (y.data[i] as number), 0),
            1,
            1e-14
          )
          for (const i of line) {
            expect(y.data[i]).toBeGreaterThan(0)
            closeTo(y.data[i] as number, Math.exp(x.data[i] as number) / z, 1e-14)
          }
        }
      }),
      { numRuns: 300 }
    )
  })

  it('logSoftmax = log(softmax)', () => {
    fc.assert(
      fc.property(withAxis(-20, 20), ([x, axis]) => {
        const s = Lens.evaluate(ops.softmax(axis), x)
        const l = Lens.evaluate(ops.logSoftmax(axis), x)
        l.data.forEach((v, i) => closeTo(v, Math.log(s.data[i] as number), 1e-13))
      }),
      { numRuns: 300 }
    )
  })

  it('defaults to the last axis', () => {
    const x = Tensor.randomNormal([3, 4], { seed: 1 })
    expect(Lens.evaluate(ops.softmax(), x)).toEqual(Lens.evaluate(ops.softmax(1), x))
    expect(Lens.evaluate(ops.logSoftmax(), x)).toEqual(Lens.evaluate(ops.logSoftmax(-1), x))
  })

  it('are stable at ±1000 (no overflow, no log of 0)', () => {
    const x = Tensor.fromNested([
      [1000, 1000, 999],
      [-1000, -1000, -1001],
      [1000, -1000, 0]
    ])
    const e = Math.exp(-1)
    const s = Lens.evaluate(ops.softmax(), x)
    const expectedRow = [1 / (2 + e), 1 / (2 + e), e / (2 + e)]
    ;[0, 1].forEach((r) => expectedRow.forEach((v, c) => closeTo(s.data[r * 3 + c] as number, v, 1e-15)))
    expect(Array.from(s.data.subarray(6))).toEqual([1, 0, 0])
    const l = Lens.evaluate(ops.logSoftmax(), x)
    expect(l.data.every(Number.isFinite)).toBe(true)
    closeTo(l.data[7] as number, -2000, 1e-15)
    closeTo(l.data[0] as number, -Math.log(2 + e), 1e-15)
    const g = Lens.backPropagateConst(ops.logSoftmax(), Tensor.ones([3, 3]), x)
    expect(g.data.every(Number.isFinite)).toBe(true)
  })

  it('pass the gradient check on ≥ 300 random shapes and axes each', () => {
    gradcheck(withAxis().map(([x, axis]) => [ops.softmax(axis), x] as const))
    gradcheck(withAxis().map(([x, axis]) => [ops.logSoftmax(axis), x] as const))
  })

  it('name the op, the axis and the shape in their errors', () => {
    expect(message(() => Lens.evaluate(ops.softmax(), Tensor.scalar(1)))).toBe('ops.softmax: axis -1 is out of range for shape []')
    expect(message(() => Lens.evaluate(ops.logSoftmax(2), Tensor.zeros([2, 3])))).toBe(
      'ops.logSoftmax: axis 2 is out of range for shape [2,3]'
    )
    expect(message(() => ops.softmax(0.5))).toBe('ops.softmax: axis must be an integer, got 0.5')
  })

  it('never mutate their input', () => {
    fc.assert(
      fc.property(withAxis(), ([x, axis]) => {
        untouched(ops.softmax(axis), x)
        untouched(ops.logSoftmax(axis), x)
      }),
      { numRuns: 100 }
    )
  })
})

// -------------------------------------------------------------------------------------
// mse
// -------------------------------------------------------------------------------------

const msePairs: fc.Arbitrary<readonly [T, T]> = shapeArb(0, 4).chain((s) => fc.tuple(tensorOf(s, -3, 3), tensorOf(s, -3, 3)))

describe('ops.mse', () => {
  it('is the mean of squared differences, a rank-0 tensor', () => {
    fc.assert(
      fc.property(msePairs, ([x, t]) => {
        const y = Lens.evaluate(ops.mse(t), x)
        expect(y.shape).toEqual([])
        const expected = x.data.reduce((acc, v, i) => acc + (v - (t.data[i] as number)) ** 2, 0) / x.size
        closeTo(y.data[0] as number, expected, 1e-14)
      }),
      { numRuns: 300 }
    )
  })

  it('passes the gradient check on ≥ 300 random shapes', () => {
    gradcheck(msePairs.map(([x, t]) => [ops.mse(t), x] as const))
  })

  it('has gradient 2(x − t)/n', () => {
    const x = Tensor.fromNested([1, 2, 3, 4])
    const t = Tensor.fromNested([0, 2, 5, 4])
    expect(Tensor.toNested(Lens.backPropagateConst(ops.mse(t), Tensor.scalar(2), x))).toEqual([1, 0, -2, 0])
  })

  it('names the op and both shapes when they differ (no broadcasting)', () => {
    expect(message(() => Lens.evaluate(ops.mse(Tensor.zeros([3])), Tensor.zeros([3, 1])))).toBe(
      'ops.mse: prediction shape [3,1] and target shape [3] differ'
    )
    expect(message(() => Lens.evaluate(ops.mse(Tensor.zeros([0])), Tensor.zeros([0])))).toBe('ops.mse: no elements to average (shape [0])')
    expect(message(() => ops.mse([1, 2] as unknown as T))).toBe('ops.mse: expected a Tensor as target, got an array of length 2')
  })

  it('never mutates its input or target', () => {
    fc.assert(
      fc.property(msePairs, ([x, t]) => {
        const before = Array.from(t.data)
        untouched(ops.mse(t), x)
        expect(Array.from(t.data)).toEqual(before)
      }),
      { numRuns: 100 }
    )
  })
})

// -------------------------------------------------------------------------------------
// softmaxCrossEntropy
// -------------------------------------------------------------------------------------

/** Logits of rank 1–3 (classes last) and class indices for each row. */
const ceCases: fc.Arbitrary<readonly [T, Array<number>]> = shapeArb(0, 2).chain((batch) =>
  fc.integer({ min: 1, max: 5 }).chain((classes) => {
    const rows = Tensor.shapeSize(batch)
    return fc.tuple(
      tensorOf([...batch, classes], -5, 5),
      fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: rows, maxLength: rows })
    )
  })
)

const oneHot = (logits: T, indices: ReadonlyArray<number>): T => {
  const classes = logits.shape[logits.shape.length - 1] as number
  const data = new Float64Array(logits.size)
  indices.forEach((c, r) => {
    data[r * classes + c] = 1
  })
  return Tensor.make(logits.shape, data)
}

/** Soft targets of a shape: rows (the last axis) of positive entries scaled to sum to 1. */
const distributions = (shape: ReadonlyArray<number>): fc.Arbitrary<T> =>
  tensorOf(shape, 0.01, 1).map((t) => {
    const classes = shape[shape.length - 1] as number
    const data = Float64Array.from(t.data)
    for (let r = 0; r < data.length; r += classes) {
      let s = 0
      for (let c = 0; c < classes; c++) s += data[r + c] as number
      for (let c = 0; c < classes; c++) data[r + c] = (data[r + c] as number) / s
    }
    return Tensor.make(shape, data)
  })

const indexTensor = (logits: T, indices: ReadonlyArray<number>): T => Tensor.make(logits.shape.slice(0, -1), indices)

/** −mean_b log softmax(x_b)[c_b], computed naively in the obvious (unstable) way. */
const naiveCE = (logits: T, indices: ReadonlyArray<number>): number => {
  const classes = logits.shape[logits.shape.length - 1] as number
  let total = 0
  indices.forEach((c, r) => {
    const row = Array.from(logits.data.subarray(r * classes, (r + 1) * classes))
    const z = row.reduce((acc, v) => acc + Math.exp(v), 0)
    total -= Math.log(Math.exp(row[c] as number) / z)
  })
  return total / indices.length
}

describe('ops.softmaxCrossEntropy', () => {
  it('equals −mean log softmax at the target class, for indices (array or tensor) and one-hot targets alike', () => {
    fc.assert(
      fc.property(ceCases, ([x, c]) => {
        const expected = naiveCE(x, c)
        for (const targets of [c, indexTensor(x, c), oneHot(x, c)]) {
          const y = Lens.evaluate(ops.softmaxCrossEntropy(targets), x)
          expect(y.shape).toEqual([])
          closeTo(y.data[0] as number, expected, 1e-13)
        }
      }),
      { numRuns: 300 }
    )
  })

  it('has gradient (softmax − onehot)/batch', () => {
    fc.assert(
      fc.property(ceCases, ([x, c]) => {
        const rows = c.length
        const p = Lens.evaluate(ops.softmax(), x)
        const t = oneHot(x, c)
        const expected = p.data.map((v, i) => (v - (t.data[i] as number)) / rows)
        for (const targets of [c, indexTensor(x, c), t]) {
          const g = Lens.backPropagateConst(ops.softmaxCrossEntropy(targets), Tensor.scalar(1), x)
          expect(g.shape).toEqual(x.shape)
          g.data.forEach((v, i) => closeTo(v, expected[i] as number, 1e-14))
        }
      }),
      { numRuns: 300 }
    )
  })

  it('passes the gradient check on ≥ 300 random shapes, for indices, one-hot and soft targets', () => {
    gradcheck(ceCases.map(([x, c]) => [ops.softmaxCrossEntropy(c), x] as const))
    gradcheck(ceCases.map(([x, c]) => [ops.softmaxCrossEntropy(oneHot(x, c)), x] as const))
    const soft = ceCases.chain(([x]) => distributions(x.shape).map((t) => [ops.softmaxCrossEntropy(t), x] as const))
    gradcheck(soft)
  })

  it('is stable for logits of ±1000', () => {
    const x = Tensor.fromNested([
      [1000, 0, -1000],
      [1000, 1000, 1000]
    ])
    const y = Lens.evaluate(ops.softmaxCrossEntropy([1, 0]), x)
    closeTo(y.data[0] as number, (1000 + Math.log(3)) / 2, 1e-15)
    const g = Lens.backPropagateConst(ops.softmaxCrossEntropy([1, 0]), Tensor.scalar(1), x)
    ;[0.5, -0.5, 0, -1 / 3, 1 / 6, 1 / 6].forEach((v, i) => closeTo(g.data[i] as number, v, 1e-15))
  })

  it('names the op and the shapes in its errors', () => {
    const x = Tensor.zeros([4, 3])
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(Tensor.zeros([4, 2])), x))).toBe(
      'ops.softmaxCrossEntropy: logits shape [4,3] and target shape [4,2] do not match (expected [4,3] for probabilities or [4] for class indices)'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([0, 1, 2]), x))).toBe(
      'ops.softmaxCrossEntropy: logits shape [4,3] has 4 rows, but 3 class indices were given'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([0, 1, 3, 0]), x))).toBe(
      'ops.softmaxCrossEntropy: class index 3 at position 2 is out of range for logits shape [4,3] (3 classes)'
    )
    expect(message(() => ops.softmaxCrossEntropy([0, 1.5]))).toBe(
      'ops.softmaxCrossEntropy: class indices must be non-negative integers, got 1.5 at position 1'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(Tensor.fromNested([0, -1, 0, 0])), x))).toBe(
      'ops.softmaxCrossEntropy: class indices must be non-negative integers, got -1 at position 1'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([]), Tensor.scalar(1)))).toBe(
      'ops.softmaxCrossEntropy: logits must have rank at least 1 (classes on the last axis), got shape []'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([]), Tensor.zeros([0, 3])))).toBe(
      'ops.softmaxCrossEntropy: logits of shape [0,3] have no classes or no rows'
    )
  })

  it('accepts soft targets only as distributions: entries ≥ 0, rows summing to 1 within 1e-6', () => {
    const x = Tensor.zeros([2, 2, 3])
    const soft = (rows: Array<Array<number>>): T => Tensor.make([2, 2, 3], rows.flat())
    const ok = [[0.2, 0.3, 0.5], [1, 0, 0], [1 / 3, 1 / 3, 1 / 3], [0, 0.5, 0.5 + 9e-7]]
    expect(Tensor.toNested(Lens.evaluate(ops.softmaxCrossEntropy(soft(ok)), x))).toBeCloseTo((Math.log(3) * (4 + 9e-7)) / 4, 12)
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(soft([[0.2, 0.3, 0.5], [1, 0, 0], [0.5, 0.6, -0.1], [1, 0, 0]])), x))).toBe(
      'ops.softmaxCrossEntropy: soft targets must be distributions, but entry -0.1 at index [1, 0, 2] is negative'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(soft([[0.2, 0.3, 0.5], [1, 0, 0], [0, 0.5, 0.5], [0.5, 0.6, 0]])), x))).toBe(
      'ops.softmaxCrossEntropy: soft targets must be distributions, but row [1, 1] sums to 1.1 (not 1 within 1e-6)'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(soft([[0.2, 0.3, 0.5], [1, 0, 0], [0.5, 0.5, 1e-5], [1, 0, 0]])), x))).toBe(
      'ops.softmaxCrossEntropy: soft targets must be distributions, but row [1, 0] sums to 1.00001 (not 1 within 1e-6)'
    )
    // a rank-1 logit vector has one row, index []
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy(Tensor.fromNested([0.5, 0.25])), Tensor.zeros([2])))).toBe(
      'ops.softmaxCrossEntropy: soft targets must be distributions, but row [] sums to 0.75 (not 1 within 1e-6)'
    )
  })

  it('reports a non-finite result or cotangent, naming the pass, the index, the shape and the inputs', () => {
    const t = (xs: Array<number>): T => Tensor.fromNested(xs)
    // Tensor.make refuses NaN; an op's result could still carry one in
    expect(message(() => Lens.evaluate(ops.softmax(), unsafeFromData([2], Float64Array.of(1, NaN))))).toBe(
      'ops.softmax: the result is not finite (NaN) in the forward pass, at index [0] of shape [2], from input NaN at index [1]'
    )
    expect(message(() => Lens.evaluate(ops.logSoftmax(), t([-1.7e308, 1.7e308])))).toBe(
      'ops.logSoftmax: the result is not finite (-Infinity) in the forward pass, at index [0] of shape [2], from input values up to 1.7e+308 in magnitude'
    )
    expect(message(() => Lens.backPropagateConst(ops.logSoftmax(), t([1e308, 1e308]), t([0, 0])))).toBe(
      'ops.logSoftmax: the cotangent is not finite (-Infinity) in the backward pass, at index [0] of shape [2], from input values up to 0 and output cotangent values up to 1e+308 in magnitude'
    )
    expect(message(() => Lens.evaluate(ops.mse(t([-1e200])), t([1e200])))).toBe(
      'ops.mse: the result is not finite (Infinity) in the forward pass, at index [] of shape [], from prediction values up to 1e+200 and target values up to 1e+200 in magnitude'
    )
    expect(message(() => Lens.backPropagateConst(ops.mse(t([0, 0])), Tensor.scalar(1e200), t([1e154, 0])))).toBe(
      'ops.mse: the cotangent is not finite (Infinity) in the backward pass, at index [0] of shape [2], from prediction values up to 1e+154 and target values up to 0 and output cotangent values up to 1e+200 in magnitude'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([1]), t([1e308, -1e308])))).toBe(
      'ops.softmaxCrossEntropy: the result is not finite (Infinity) in the forward pass, at index [] of shape [], from logit values up to 1e+308 in magnitude'
    )
    expect(message(() => Lens.evaluate(ops.softmaxCrossEntropy([1]), unsafeFromData([1, 2], Float64Array.of(0, NaN))))).toBe(
      'ops.softmaxCrossEntropy: the result is not finite (NaN) in the forward pass, at index [] of shape [], from logit NaN at index [0, 1]'
    )
  })

  it('checks the cotangent’s shape in the backward pass', () => {
    expect(message(() => Lens.backPropagateConst(ops.softmaxCrossEntropy([0]), Tensor.ones([1]), Tensor.zeros([1, 2])))).toBe(
      'ops.softmaxCrossEntropy: the cotangent has shape [1] but the output has shape []'
    )
    expect(message(() => Lens.backPropagateConst(ops.softmax(), Tensor.ones([2]), Tensor.zeros([1, 2])))).toBe(
      'ops.softmax: the cotangent has shape [2] but the output has shape [1,2]'
    )
  })

  it('never mutates its input or targets', () => {
    fc.assert(
      fc.property(ceCases, ([x, c]) => {
        const t = oneHot(x, c)
        const before = [...c]
        untouched(ops.softmaxCrossEntropy(c), x)
        untouched(ops.softmaxCrossEntropy(t), x)
        expect(c).toEqual(before)
        expect(Array.from(t.data)).toEqual(Array.from(oneHot(x, c).data))
      }),
      { numRuns: 100 }
    )
  })
})

// -------------------------------------------------------------------------------------
// a network built from ops and pipe
// -------------------------------------------------------------------------------------

type Params = readonly [readonly [readonly [T, T], T], T]

/** relu(x·W1 + b1)·W2 + b2, then softmax cross-entropy; parameters [[[W1, b1], W2], b2], x and labels fixed. */
const network = (x: T, labels: ReadonlyArray<number>): Lens.Lens<Params, T> => {
  const layer1 = Lens.pipe(Lens.split(ops.matmulLeft(x), Lens.id<T>()), ops.add, ops.relu)
  return Lens.pipe(
    Lens.split(Lens.split(layer1, Lens.id<T>()), Lens.id<T>()),
    Lens.split(ops.matmul, Lens.id<T>()),
    ops.add,
    ops.softmaxCrossEntropy(labels)
  )
}

/** Values on the lattice (i + 0.5)/1000 in (-1, 1): never 0, so relu's kink is rarely near (docs/laws.md). */
const latticeOf = (shape: ReadonlyArray<number>): fc.Arbitrary<T> => tensorOfShape(shape, lattice(-1, 1))

const networks = fc
  .record({
    batch: fc.integer({ min: 1, max: 4 }),
    inputs: fc.integer({ min: 1, max: 4 }),
    hidden: fc.integer({ min: 1, max: 4 }),
    classes: fc.integer({ min: 1, max: 4 })
  })
  .chain(({ batch, inputs, hidden, classes }) =>
    fc.record({
      x: latticeOf([batch, inputs]),
      labels: fc.array(fc.integer({ min: 0, max: classes - 1 }), { minLength: batch, maxLength: batch }),
      params: fc.tuple(
        fc.tuple(fc.tuple(latticeOf([inputs, hidden]), latticeOf([hidden])), latticeOf([hidden, classes])),
        latticeOf([classes])
      )
    })
  )

describe('a two-layer network built from ops and pipe', () => {
  const PS = VectorSpace.tuple(VectorSpace.tuple(VectorSpace.tuple(TS, TS), TS), TS) as VectorSpace.VectorSpace<Params>

  it('passes the gradient check in all its parameters on ≥ 200 random networks', () => {
    fc.assert(
      fc.property(networks, fc.integer({ min: 0, max: 1e6 }), ({ x, labels, params }, seed) => {
        const report = Gradcheck.check(network(x, labels), params as Params, { input: PS, output: TS, seed })
        fc.pre(report.status !== 'kink') // relu at 0
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// higher order
// -------------------------------------------------------------------------------------

describe('higher order: the backward passes as lenses', () => {
  const erased = (lens: Lens.Lens<T, T>): Lens.Lens<unknown, unknown> => lens as unknown as Lens.Lens<unknown, unknown>
  const soft = ceCases.chain(([x]) => distributions(x.shape).map((t) => [t, x] as const))
  const all: ReadonlyArray<readonly [string, fc.Arbitrary<Case>]> = [
    ['softmax', withAxis().map(([x, axis]): Case => [erased(ops.softmax(axis)), x])],
    ['logSoftmax', withAxis().map(([x, axis]): Case => [erased(ops.logSoftmax(axis)), x])],
    ['mse', msePairs.map(([x, t]): Case => [erased(ops.mse(t)), x])],
    ['softmaxCrossEntropy (an array of class indices)', ceCases.map(([x, c]): Case => [erased(ops.softmaxCrossEntropy(c)), x])],
    ['softmaxCrossEntropy (a tensor of class indices)', ceCases.map(([x, c]): Case => [erased(ops.softmaxCrossEntropy(indexTensor(x, c))), x])],
    ['softmaxCrossEntropy (one-hot rows)', ceCases.map(([x, c]): Case => [erased(ops.softmaxCrossEntropy(oneHot(x, c))), x])],
    ['softmaxCrossEntropy (soft targets)', soft.map(([t, x]): Case => [erased(ops.softmaxCrossEntropy(t)), x])]
  ]

  it.each(all)('%s: reverse evaluates as the first-order pass, and its structural lens agrees', (name, cases) => {
    checkReverseValues(cases, { name: `ops.${name}`, numRuns: 300 })
  })
  it.each(all)('%s: the reverse derivative passes the gradient check (second order)', (name, cases) => {
    checkSecondOrder(cases, { name: `ops.${name}`, numRuns: 300 })
  })

  it.each(all)('%s: forward mode (jvp) is the transpose of the backward pass', (name, cases) => {
    checkJvp(cases, { name: `ops.${name}` })
  })
  it.each(all)('%s: so does the reverse derivative of that (third order)', (name, cases) => {
    checkThirdOrder(cases, { name: `ops.${name}` })
  })

  it('Lens.grad(Lens.grad(f)) of f(x) = log(eˣ + e²ˣ), from ops, is σ(x)·(1 − σ(x))', () => {
    const f = Lens.pipe(ops.reshape([1]), Lens.fanout(Lens.id<T>(), ops.scale(2)), ops.concat<readonly [T, T]>(0), ops.logSumExp())
    const d2 = Lens.grad(Lens.grad(f))
    fc.assert(
      fc.property(fc.double({ min: -5, max: 5, noNaN: true }), (x) => {
        const s = 1 / (1 + Math.exp(-x))
        closeTo(Lens.evaluate(d2, Tensor.scalar(x)).data[0] as number, s * (1 - s), 1e-14)
      }),
      { numRuns: 200 }
    )
  })

  it('a Layer.mlp loss differentiates twice: Lens.grad(loss) passes the gradient check in the parameters', () => {
    const cases = fc.record({
      activation: fc.constantFrom('relu' as const, 'tanh' as const, 'sigmoid' as const),
      seed: fc.integer({ min: 0, max: 1000 }),
      batch: fc.integer({ min: 1, max: 4 })
    })
    fc.assert(
      fc.property(cases, ({ activation, seed, batch }) => {
        const { atInput, init } = Layer.mlp([3, 4, 3], { activation })
        const x = Tensor.randomNormal([batch, 3], { seed })
        const labels = Array.from({ length: batch }, (_, i) => (seed + i) % 3)
        const loss = Lens.pipe(atInput(x), ops.softmaxCrossEntropy(labels))
        const report = Gradcheck.check(Lens.grad(loss), init(seed), { seed })
        fc.pre(report.status !== 'kink')
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 60 }
    )
  })

  it('an MLP loss (matmul, add with broadcasting, relu, softmaxCrossEntropy): Hessian-vector products match finite differences of the gradient', () => {
    const PS = VectorSpace.tuple(VectorSpace.tuple(VectorSpace.tuple(TS, TS), TS), TS) as VectorSpace.VectorSpace<Params>
    const cases = networks.chain((n) => fc.tuple(fc.constant(n), tensorOfShape([PS.size(n.params as Params)], fc.double({ min: -1, max: 1, noNaN: true }))))
    fc.assert(
      fc.property(cases, fc.integer({ min: 0, max: 1e6 }), ([{ x, labels, params }, direction], seed) => {
        const p = params as Params
        const loss = network(x, labels)
        const v = PS.unflatten(p, direction.data)
        // H·v by reverse over reverse, against (∇f(p + h·v) − ∇f(p − h·v)) / 2h
        const hv = PS.flatten(Lens.backPropagateConst(Lens.grad(loss), v, p))
        const grad = (q: Params): Float64Array => PS.flatten(Lens.backPropagateConst(loss, Tensor.scalar(1), q))
        const h = 1e-5
        const plus = grad(PS.add(p, PS.scale(h, v)))
        const minus = grad(PS.add(p, PS.scale(-h, v)))
        const zero = grad(p)
        const numeric = plus.map((g, i) => (g - (minus[i] as number)) / (2 * h))
        // a relu kink between p − h·v and p + h·v: the one-sided differences disagree, skip the case
        const kink = plus.some((g, i) => Math.abs(g - 2 * (zero[i] as number) + (minus[i] as number)) / h > 1e-3 * (1 + Math.abs(numeric[i] as number)))
        fc.pre(!kink)
        hv.forEach((a, i) => expect(Math.abs(a - (numeric[i] as number))).toBeLessThanOrEqual(1e-6 + 1e-5 * Math.abs(a)))
        // and Lens.grad(loss) passes the dot-product gradient check: the second-order check
        const report = Gradcheck.check(Lens.grad(loss), p, { input: PS, output: PS, seed })
        fc.pre(report.status !== 'kink')
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 200 }
    )
  })
  it('the backward lenses check their inputs as the first-order passes do, with the same messages', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.softmax()), z(2, 3), [z(2, 3), z(2)]))).toBe(
      'ops.softmax: the cotangent has shape [2] but the output has shape [2,3]'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.mse(z(2, 3))), z(3, 2), [z(3, 2), Tensor.scalar(1)]))).toBe(
      'ops.mse: prediction shape [3,2] and target shape [2,3] differ'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.mse(z(2, 3))), z(2, 3), [z(2, 3), z(1)]))).toBe(
      'ops.mse: the cotangent has shape [1] but the output has shape []'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.softmaxCrossEntropy([0, 5])), z(2, 3), [z(2, 3), Tensor.scalar(1)]))).toBe(
      'ops.softmaxCrossEntropy: class index 5 at position 1 is out of range for logits shape [2,3] (3 classes)'
    )
  })
})
