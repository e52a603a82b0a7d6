import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import * as Lens from '../../src/Lens.js'
import * as Tensor from '../../src/Tensor.js'
import { ops } from '../../src/index.js'
import { GradientLaws, TensorLaws, broadcastPair, doubleIn, dyadic, exact, fd, lattice, reassoc, tensorOfShape } from '../../laws/index.js'
import { message } from '../support/errors.js'
import { at, checkJvp, checkReverseValues, checkSecondOrder, checkThirdOrder, checkZeroSecondDerivative } from '../support/reverse.js'

type Pair = readonly [Tensor.Tensor, Tensor.Tensor]
type Binary = Lens.Lens<Pair, Tensor.Tensor>

// -------------------------------------------------------------------------------------
// an independent reference: index arithmetic, one output element at a time
// -------------------------------------------------------------------------------------

const padded = (shape: ReadonlyArray<number>, rank: number): Array<number> => [...new Array<number>(rank - shape.length).fill(1), ...shape]

/** The flat index in an operand of shape `shape` of the output multi-index `idx`. */
const sourceIndex = (idx: ReadonlyArray<number>, shape: ReadonlyArray<number>): number => {
  const p = padded(shape, idx.length)
  let flat = 0
  for (let i = 0; i < idx.length; i++) flat = flat * (p[i] as number) + ((p[i] as number) === 1 ? 0 : (idx[i] as number))
  return flat
}

const outShape = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> => {
  const n = Math.max(a.length, b.length)
  const pa = padded(a, n)
  const pb = padded(b, n)
  return pa.map((d, i) => Math.max(d, pb[i] as number))
}

const unravel = (flat: number, shape: ReadonlyArray<number>): Array<number> => {
  const idx = new Array<number>(shape.length).fill(0)
  for (let i = shape.length - 1; i >= 0; i--) {
    idx[i] = flat % (shape[i] as number)
    flat = Math.floor(flat / (shape[i] as number))
  }
  return idx
}

const referenceForward = (f: (x: number, y: number) => number, a: Tensor.Tensor, b: Tensor.Tensor): { shape: Array<number>; data: Array<number> } => {
  const shape = outShape(a.shape, b.shape)
  const n = shape.reduce((p, d) => p * d, 1)
  const data: Array<number> = []
  for (let o = 0; o < n; o++) {
    const idx = unravel(o, shape)
    data.push(f(a.data[sourceIndex(idx, a.shape)] as number, b.data[sourceIndex(idx, b.shape)] as number))
  }
  return { shape, data }
}

/** Σ over the output of `g(o)` into the operand element each output element came from. */
const referenceUnbroadcast = (g: ReadonlyArray<number>, shape: ReadonlyArray<number>, to: Tensor.Tensor): Array<number> => {
  const out = new Array<number>(to.size).fill(0)
  for (let o = 0; o < g.length; o++) {
    const i = sourceIndex(unravel(o, shape), to.shape)
    out[i] = (out[i] as number) + (g[o] as number)
  }
  return out
}

/** A cotangent of the output's shape with dyadic values. */
const withCotangent = (pairs: fc.Arbitrary<Pair>): fc.Arbitrary<readonly [Pair, Tensor.Tensor]> =>
  pairs.chain((p) => fc.tuple(fc.constant(p), tensorOfShape(outShape(p[0].shape, p[1].shape), dyadic(-4, 4))))

const plain = (xs: ArrayLike<number>): Array<number> => Array.from(xs, (v) => v + 0)

// -------------------------------------------------------------------------------------
// the ops and their domains
// -------------------------------------------------------------------------------------

/** Lattices offset by a quarter step: elements of `a` and `b` are never equal (no ties). */
const offLattice = lattice(-3, 3).map((x) => x + 0.00025)

const cases: ReadonlyArray<{
  readonly name: string
  readonly op: Binary
  readonly f: (x: number, y: number) => number
  readonly values: fc.Arbitrary<number>
  readonly second?: fc.Arbitrary<number>
}> = [
  { name: 'add', op: ops.add, f: (x, y) => x + y, values: doubleIn(-5, 5) },
  { name: 'sub', op: ops.sub, f: (x, y) => x - y, values: doubleIn(-5, 5) },
  { name: 'mul', op: ops.mul, f: (x, y) => x * y, values: doubleIn(-5, 5) },
  { name: 'div', op: ops.div, f: (x, y) => x / y, values: doubleIn(-5, 5), second: fc.oneof(doubleIn(0.5, 4), doubleIn(-4, -0.5)) },
  { name: 'power', op: ops.power, f: (x, y) => x ** y, values: doubleIn(0.1, 3), second: doubleIn(-2, 2) },
  { name: 'maximum', op: ops.maximum, f: Math.max, values: lattice(-3, 3), second: offLattice },
  { name: 'minimum', op: ops.minimum, f: Math.min, values: lattice(-3, 3), second: offLattice }
]

describe('binary ops: gradient against finite differences on broadcast pairs (ranks 0–4, dims 1–5)', () => {
  it.each(cases)('$name', ({ name, op, values, second }) => {
    const input = broadcastPair(second === undefined ? { values } : { values, second })
    GradientLaws.checkGradient(fd, { lens: fc.constant(op), input }, { name: `ops.${name}`, numRuns: 250 })
  })
})

describe('binary ops: the backward pass is linear in the cotangent', () => {
  it.each(cases)('$name', ({ name, op, values, second }) => {
    const input = broadcastPair(second === undefined ? { values, maxDim: 3 } : { values, second, maxDim: 3 })
    GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(op), input }, { name: `ops.${name}`, numRuns: 200 })
  })
})

describe('binary ops: forward agrees with index arithmetic on every broadcast pair', () => {
  it.each(cases)('$name', ({ op, f, values, second }) => {
    fc.assert(
      fc.property(broadcastPair(second === undefined ? { values } : { values, second }), ([a, b]) => {
        const y = Lens.evaluate(op, [a, b])
        const ref = referenceForward(f, a, b)
        expect(y.shape).toEqual(ref.shape)
        expect(Array.from(y.data)).toEqual(ref.data)
      }),
      { numRuns: 300 }
    )
  })
})

describe('un-broadcasting: each operand receives the sum over its broadcast axes (exact on dyadic values)', () => {
  const pairs = broadcastPair({ values: dyadic(-4, 4) })
  const nonZero = broadcastPair({ values: dyadic(-4, 4), second: fc.oneof(dyadic(0.5, 4), dyadic(-4, -0.5)) })

  it('add: [dy summed to a, dy summed to b]', () => {
    fc.assert(
      fc.property(withCotangent(pairs), ([[a, b], dy]) => {
        const [da, db] = Lens.backPropagateConst(ops.add, dy, [a, b])
        expect(da.shape).toEqual(a.shape)
        expect(db.shape).toEqual(b.shape)
        expect(plain(da.data)).toEqual(plain(referenceUnbroadcast(Array.from(dy.data), dy.shape, a)))
        expect(plain(db.data)).toEqual(plain(referenceUnbroadcast(Array.from(dy.data), dy.shape, b)))
      }),
      { numRuns: 300 }
    )
  })

  it('sub: [dy summed to a, −dy summed to b]', () => {
    fc.assert(
      fc.property(withCotangent(pairs), ([[a, b], dy]) => {
        const [da, db] = Lens.backPropagateConst(ops.sub, dy, [a, b])
        expect(plain(da.data)).toEqual(plain(referenceUnbroadcast(Array.from(dy.data), dy.shape, a)))
        expect(plain(db.data)).toEqual(plain(referenceUnbroadcast(Array.from(dy.data, (v) => -v), dy.shape, b)))
      }),
      { numRuns: 300 }
    )
  })

  it('mul: [dy·b summed to a, dy·a summed to b]', () => {
    fc.assert(
      fc.property(withCotangent(pairs), ([[a, b], dy]) => {
        const [da, db] = Lens.backPropagateConst(ops.mul, dy, [a, b])
        const shape = dy.shape
        const gA = Array.from(dy.data, (d, o) => d * (b.data[sourceIndex(unravel(o, shape), b.shape)] as number))
        const gB = Array.from(dy.data, (d, o) => d * (a.data[sourceIndex(unravel(o, shape), a.shape)] as number))
        expect(plain(da.data)).toEqual(plain(referenceUnbroadcast(gA, shape, a)))
        expect(plain(db.data)).toEqual(plain(referenceUnbroadcast(gB, shape, b)))
      }),
      { numRuns: 300 }
    )
  })

  it('div: [dy/b summed to a, −dy·a/b² summed to b] (within rounding)', () => {
    fc.assert(
      fc.property(withCotangent(nonZero), ([[a, b], dy]) => {
        const [da, db] = Lens.backPropagateConst(ops.div, dy, [a, b])
        const shape = dy.shape
        const at = (t: Tensor.Tensor, o: number): number => t.data[sourceIndex(unravel(o, shape), t.shape)] as number
        const gA = referenceUnbroadcast(Array.from(dy.data, (d, o) => d / at(b, o)), shape, a)
        const gB = referenceUnbroadcast(Array.from(dy.data, (d, o) => (-d * at(a, o)) / at(b, o) ** 2), shape, b)
        gA.forEach((v, i) => expect(da.data[i]).toBeCloseTo(v, 10))
        gB.forEach((v, i) => expect(db.data[i]).toBeCloseTo(v, 10))
      }),
      { numRuns: 300 }
    )
  })

  it('the common patterns: bias [n,k]+[k], scalar operand, column [n,1], middle axis [a,1,c]', () => {
    const x = Tensor.fromNested([
      [1, 2, 3],
      [4, 5, 6]
    ])
    const dy = Tensor.fromNested([
      [1, 10, 100],
      [1000, 10000, 100000]
    ])
    const grads = (b: Tensor.Tensor): [Array<number>, Array<number>] => {
      const [da, db] = Lens.backPropagateConst(ops.add, dy, [x, b])
      return [Array.from(da.data), Array.from(db.data)]
    }
    expect(grads(Tensor.zeros([3]))).toEqual([Array.from(dy.data), [1001, 10010, 100100]])
    expect(grads(Tensor.scalar(0))).toEqual([Array.from(dy.data), [111111]])
    expect(grads(Tensor.zeros([2, 1]))).toEqual([Array.from(dy.data), [111, 111000]])
    expect(grads(Tensor.zeros([1, 1]))[1]).toEqual([111111])
    const t = Tensor.make([2, 1, 2], [1, 2, 3, 4])
    const u = Tensor.make([3, 1], [10, 20, 30])
    const y = Lens.evaluate(ops.add, [t, u])
    expect(y.shape).toEqual([2, 3, 2])
    expect(Tensor.toNested(y)).toEqual([
      [
        [11, 12],
        [21, 22],
        [31, 32]
      ],
      [
        [13, 14],
        [23, 24],
        [33, 34]
      ]
    ])
    const [dt, du] = Lens.backPropagateConst(ops.add, Tensor.onesLike(y), [t, u])
    expect(Array.from(dt.data)).toEqual([3, 3, 3, 3])
    expect(Array.from(du.data)).toEqual([4, 4, 4])
  })
})

describe('T.4: every op broadcasts as if its operands were expanded first (exact on dyadic values)', () => {
  // Denominators that are powers of two, so that division does not round either.
  const powersOfTwo = fc.constantFrom(-4, -2, -1, -0.5, 0.5, 1, 2, 4)
  const values = dyadic(-4, 4)
  it.each(cases.filter(({ name }) => name !== 'power' && name !== 'div'))('$name', ({ op }) =>
    TensorLaws.checkBroadcasting(exact, { values, scalar: values, op: fc.constant(op) }, { numRuns: 300 })
  )
  it('div', () => TensorLaws.checkBroadcasting(exact, { values, scalar: values, second: powersOfTwo, op: fc.constant(ops.div) }, { numRuns: 300 }))
  it('the law catches a backward pass that does not sum the broadcast operand', () => {
    const firstRow = Lens.make<Pair, Tensor.Tensor>({
      forward: (p) => Lens.evaluate(ops.add, p),
      backward: ([, b], dy) => [dy, Tensor.make(b.shape, dy.data.slice(0, b.size))]
    })
    expect(() =>
      TensorLaws.checkBroadcasting(exact, { values, scalar: values, shapes: { minRank: 2, maxRank: 2, minDim: 2 }, op: fc.constant(firstRow) })
    ).toThrow(/TensorLaws\.checkBroadcasting: law T\.4 \(broadcasting\)/)
  })
})

describe('maximum and minimum at ties split the cotangent equally', () => {
  it('maximum', () => {
    const a = Tensor.fromNested([1, 2, 3])
    const b = Tensor.fromNested([3, 2, 1])
    const [da, db] = Lens.backPropagateConst(ops.maximum, Tensor.fromNested([10, 20, 30]), [a, b])
    expect(Array.from(da.data)).toEqual([0, 10, 30])
    expect(Array.from(db.data)).toEqual([10, 10, 0])
  })
  it('minimum, broadcast', () => {
    const a = Tensor.fromNested([1, 2, 3])
    const [da, db] = Lens.backPropagateConst(ops.minimum, Tensor.fromNested([10, 20, 30]), [a, Tensor.scalar(2)])
    expect(Array.from(da.data)).toEqual([10, 10, 0])
    expect(Array.from(db.data)).toEqual([10 + 30])
  })
  it('the gradients of the two operands always add up to the cotangent (no mass lost or doubled)', () => {
    fc.assert(
      fc.property(withCotangent(broadcastPair({ values: dyadic(-2, 2, 1) })), ([[a, b], dy]) => {
        for (const op of [ops.maximum, ops.minimum]) {
          const [da, db] = Lens.backPropagateConst(op, dy, [a, b])
          const total = (t: Tensor.Tensor): number => t.data.reduce((s, v) => s + v, 0)
          expect(total(da) + total(db)).toBe(total(dy))
        }
      }),
      { numRuns: 300 }
    )
  })
})

describe('errors name the op and the shapes or values', () => {
  it('shapes that do not broadcast', () => {
    for (const name of ['add', 'sub', 'mul', 'div', 'power', 'maximum', 'minimum'] as const) {
      const op = ops[name]
      expect(message(() => Lens.evaluate(op, [Tensor.ones([2, 3]), Tensor.ones([4])]))).toBe(
        `ops.${name}: shapes [2,3] and [4] do not broadcast`
      )
      expect(message(() => Lens.evaluate(op, [Tensor.ones([2, 1]), Tensor.ones([8, 4, 3])]))).toBe(
        `ops.${name}: shapes [2,1] and [8,4,3] do not broadcast`
      )
    }
  })

  it('division by zero and a non-positive base', () => {
    expect(message(() => Lens.evaluate(ops.div, [Tensor.ones([2, 2]), Tensor.fromNested([[1, 2], [0, 4]])]))).toBe(
      'ops.div: the denominator must be non-zero, got 0 at index [1, 0] of the second input'
    )
    expect(message(() => Lens.evaluate(ops.power, [Tensor.fromNested([2, -1]), Tensor.scalar(2)]))).toBe(
      'ops.power: the base must be > 0, got -1 at index [1] of the first input'
    )
    expect(message(() => Lens.evaluate(ops.power, [Tensor.fromNested([0]), Tensor.scalar(2)]))).toBe(
      'ops.power: the base must be > 0, got 0 at index [0] of the first input'
    )
  })

  it('inputs that are not a pair of tensors', () => {
    expect(message(() => Lens.evaluate(ops.add, Tensor.ones([2]) as unknown as Pair))).toBe(
      'ops.add: expected the input to be a pair [Tensor, Tensor], got a Tensor of shape [2]'
    )
    expect(message(() => Lens.evaluate(ops.mul, [Tensor.ones([2])] as unknown as Pair))).toBe(
      'ops.mul: expected the input to be a pair [Tensor, Tensor], got an array of length 1'
    )
    expect(message(() => Lens.evaluate(ops.sub, [Tensor.ones([2]), 3] as unknown as Pair))).toBe('ops.sub: expected a Tensor as second operand, got 3')
  })

  it('a cotangent of the wrong shape', () => {
    const pair: Pair = [Tensor.ones([2, 3]), Tensor.ones([3])]
    for (const name of ['add', 'sub', 'mul', 'div', 'power', 'maximum', 'minimum'] as const) {
      expect(message(() => Lens.backPropagateConst(ops[name], Tensor.ones([3]), pair))).toBe(
        `ops.${name}: the cotangent has shape [3] but the output has shape [2,3]`
      )
    }
  })
})

describe('immutability', () => {
  it('no op writes into its inputs or its cotangent', () => {
    fc.assert(
      fc.property(withCotangent(broadcastPair({ values: doubleIn(0.5, 3) })), ([[a, b], dy]) => {
        const before = [Array.from(a.data), Array.from(b.data), Array.from(dy.data)]
        for (const { op } of cases) {
          Lens.evaluate(op, [a, b])
          const [da, db] = Lens.backPropagateConst(op, dy, [a, b])
          expect(da.data).not.toBe(a.data)
          expect(db.data).not.toBe(b.data)
        }
        expect([Array.from(a.data), Array.from(b.data), Array.from(dy.data)]).toEqual(before)
      }),
      { numRuns: 200 }
    )
  })
})

describe('composition', () => {
  it('a small layer, relu(x·w + b), differentiates through broadcasting', () => {
    const layer = Lens.pipe(
      Lens.make<readonly [Tensor.Tensor, Tensor.Tensor, Tensor.Tensor], readonly [Tensor.Tensor, Tensor.Tensor]>({
        forward: ([x, w, b]) => [Lens.evaluate(ops.mul, [x, w]), b],
        backward: ([x, w], [dxw, db]) => {
          const [dx, dw] = Lens.backPropagateConst(ops.mul, dxw, [x, w])
          return [dx, dw, db]
        }
      }),
      ops.add,
      ops.tanh
    )
    const inputs = fc
      .tuple(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 1, max: 4 }))
      .chain(([n, k]) =>
        fc.tuple(tensorOfShape([n, k], doubleIn(-2, 2)), tensorOfShape([k], doubleIn(-2, 2)), tensorOfShape([1, k], doubleIn(-2, 2)))
      )
    GradientLaws.checkGradient(fd, { lens: fc.constant(layer), input: inputs }, { name: 'tanh(x·w + b)', numRuns: 200 })
  })
})

describe('overflow is an error that names the op, the pass, the index, the shape and the inputs', () => {
  const t = (xs: ReadonlyArray<number>): Tensor.Tensor => Tensor.fromNested(xs as Array<number>)
  it.each([
    ['mul of 1e200 · 1e200', () => Lens.evaluate(ops.mul, [t([1, 1e200]), t([2, 1e200])]), 'ops.mul: the result is not finite (Infinity) in the forward pass, at index [1] of shape [2], from inputs 1e+200 and 1e+200'],
    ['add near the largest double', () => Lens.evaluate(ops.add, [t([1.7e308]), Tensor.scalar(1e308)]), 'ops.add: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from inputs 1.7e+308 and 1e+308'],
    ['power 10^400', () => Lens.evaluate(ops.power, [t([10]), t([400])]), 'ops.power: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from inputs 10 and 400'],
    [
      'the backward pass of div at 1e-200',
      () => Lens.backPropagateConst(ops.div, t([1]), [t([1]), t([1e-200])]),
      'ops.div: the cotangent is not finite (-Infinity) in the backward pass, at index [0] of shape [1], from inputs 1 and 1e-200 and output cotangent 1'
    ],
    [
      'a broadcast sum that overflows',
      () => Lens.backPropagateConst(ops.add, t([1e308, 1e308]), [t([1, 2]), Tensor.scalar(0)]),
      'ops.add: the cotangent is not finite (Infinity) in the backward pass, at index [] of shape [], summing the cotangent over the broadcast axes'
    ],
    [
      'exp, dup, sub: Inf − Inf never happens, exp stops first',
      () => Lens.evaluate(Lens.pipe(ops.exp, Lens.dup<Tensor.Tensor>(), ops.sub), t([800])),
      'ops.exp: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from input 800'
    ]
  ] as const)('%s', (_name, run, message) => {
    expect(run).toThrow(RangeError)
    expect(run).toThrow(message)
  })
})

describe('higher order: the backward pass as a lens, on broadcast pairs', () => {
  const pairs = (values: fc.Arbitrary<number>, second: fc.Arbitrary<number> | undefined) =>
    broadcastPair(second === undefined ? { values, maxDim: 4 } : { values, second, maxDim: 4 })
  it.each(cases)('$name: reverse evaluates as the first-order pass, and its structural lens agrees exactly (the same arithmetic)', ({ name, op, values, second }) => {
    checkReverseValues(at(op, pairs(values, second)), { name: `ops.${name}`, exact: true })
  })
  it.each(cases)('$name: the reverse derivative passes the gradient check (second order)', ({ name, op, values, second }) => {
    checkSecondOrder(at(op, pairs(values, second)), { name: `ops.${name}` })
  })
  it.each(cases)('$name: forward mode (jvp) is the transpose of the backward pass', ({ name, op, values, second }) => {
    checkJvp(at(op, pairs(values, second)), { name: `ops.${name}` })
  })
  it.each(cases)('$name: so does the reverse derivative of that (third order)', ({ name, op, values, second }) => {
    checkThirdOrder(at(op, pairs(values, second)), { name: `ops.${name}` })
  })
  it.each(cases.filter((c) => ['add', 'sub', 'maximum', 'minimum'].includes(c.name)))(
    '$name: piecewise linear, so its second derivative is 0 away from ties',
    ({ name, op, values, second }) => {
      checkZeroSecondDerivative(at(op, pairs(values, second)), { name: `ops.${name}` })
    }
  )
  it('mul has the Hessian [[0, I], [I, 0]]: along (u, 0), the second derivative of Σ a·b is (0, ∇_b Σ u·b), exactly on dyadic values', () => {
    fc.assert(
      fc.property(broadcastPair({ values: dyadic(-4, 4) }).chain(([a, b]) => fc.tuple(fc.constant([a, b] as const), tensorOfShape(a.shape, dyadic(-4, 4)))), ([[a, b], u]) => {
        const f = Lens.pipe(ops.mul, ops.sum())
        const [[ha, hb]] = Lens.backPropagateConst(Lens.reverse(f), [u, Tensor.zerosLike(b)], [[a, b], Tensor.scalar(1)])
        expect(plain(ha.data)).toEqual(new Array<number>(a.size).fill(0))
        expect(plain(hb.data)).toEqual(plain(Lens.backPropagateConst(f, Tensor.scalar(1), [u, b])[1].data))
      })
    )
  })
  it('the backward lenses check their inputs as the first-order passes do, with the same messages', () => {
    const ab = [Tensor.zeros([2, 3]), Tensor.ones([3])] as const
    for (const name of ['add', 'sub', 'mul', 'div', 'power', 'maximum', 'minimum'] as const) {
      expect(message(() => Lens.backPropagateConst(Lens.reverse(ops[name]), [Tensor.zeros([2, 3]), Tensor.zeros([3])], [[Tensor.ones([2, 3]), ab[1]], Tensor.zeros([3, 2])]))).toBe(
        `ops.${name}: the cotangent has shape [3,2] but the output has shape [2,3]`
      )
    }
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.div), [ab[0], ab[1]], [[ab[0], Tensor.fromNested([1, 0, 1])], Tensor.ones([2, 3])]))).toBe(
      'ops.div: the denominator must be non-zero, got 0 at index [1] of the second input'
    )
  })
})
