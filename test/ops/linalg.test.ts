/**
 * matmul (2-D, batched with broadcast batch axes, 1-D operands), matmulLeft/Right,
 * transpose, reshape, concat, slice and index: forward values against naive loops, gradients
 * against finite differences over random shapes (ranks 0–4, dims 1–5), error messages, and
 * inputs left untouched. The matrix kernels are also checked directly at sizes that reach
 * their blocked and unrolled paths.
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Gradcheck, Lens, Tensor, VectorSpace, ops } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'
import { unsafeFromData } from '../../src/internal/tensor.js'
import { GradientLaws, fd, reassoc } from '../../laws/index.js'
import { message } from '../support/errors.js'
import { matmulNNPlain } from '../support/reference-kernels.js'
import { close, indicesOf, shapeArb, tensorOf } from '../support/tensors.js'
import { at, checkJvp, checkReverseValues, checkSecondOrder, checkThirdOrder, checkZeroSecondDerivative, type Case } from '../support/reverse.js'

type T = Tensor.Tensor
type Pair = readonly [T, T]

// -------------------------------------------------------------------------------------
// helpers
// -------------------------------------------------------------------------------------

const TS: VectorSpace.VectorSpace<T> = VectorSpace.tensor
const PS = VectorSpace.tuple(TS, TS)

const tensorArb = (minRank: number, maxRank: number): fc.Arbitrary<T> => shapeArb(minRank, maxRank).chain((s) => tensorOf(s))

const build = (shape: ReadonlyArray<number>, f: (idx: Array<number>) => number): T =>
  Tensor.make(
    shape,
    indicesOf(shape).map((idx) => f(idx))
  )

/** Runs forward and backward and checks that no input's data changed. */
const untouched = <A>(lens: Lens.Lens<A, T>, x: A, tensors: ReadonlyArray<T>): void => {
  const before = tensors.map((t) => Array.from(t.data))
  const [y, pullback] = Lens.vjp(lens, x)
  pullback(Tensor.ones(y.shape))
  Lens.evaluate(lens, x)
  tensors.forEach((t, i) => expect(Array.from(t.data)).toEqual(before[i]))
}

// -------------------------------------------------------------------------------------
// matmul
// -------------------------------------------------------------------------------------

/** numpy's matmul by definition, one output element at a time. */
const naiveMatmul = (a: T, b: T): T => {
  const aVec = a.shape.length === 1
  const bVec = b.shape.length === 1
  const a3 = aVec ? [1, ...a.shape] : a.shape
  const b3 = bVec ? [...b.shape, 1] : b.shape
  const aB = a3.slice(0, -2)
  const bB = b3.slice(0, -2)
  const batch = Tensor.broadcastShapes('naive', aB, bB)
  const m = a3[a3.length - 2] as number
  const k = a3[a3.length - 1] as number
  const n = b3[b3.length - 1] as number
  const pick = (bs: ReadonlyArray<number>, idx: ReadonlyArray<number>): Array<number> =>
    bs.map((d, i) => (d === 1 ? 0 : (idx[i + idx.length - bs.length] as number)))
  const A = Tensor.make(a3, a.data)
  const B = Tensor.make(b3, b.data)
  const full = [...batch, m, n]
  const out = build(full, (idx) => {
    const bi = idx.slice(0, batch.length)
    const i = idx[batch.length] as number
    const j = idx[batch.length + 1] as number
    let s = 0
    for (let p = 0; p < k; p++) s += Tensor.get(A, [...pick(aB, bi), i, p]) * Tensor.get(B, [...pick(bB, bi), p, j])
    return s
  })
  const shape = [...batch, ...(aVec ? [] : [m]), ...(bVec ? [] : [n])]
  return Tensor.make(shape, out.data)
}

/** Pairs of matmul-compatible shapes: broadcast batch axes (1s inserted, leading axes dropped), 1-D operands. */
const matmulShapes: fc.Arbitrary<readonly [Array<number>, Array<number>]> = fc
  .record({
    batch: shapeArb(0, 2),
    m: fc.integer({ min: 1, max: 5 }),
    k: fc.integer({ min: 1, max: 5 }),
    n: fc.integer({ min: 1, max: 5 }),
    aOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    bOnes: fc.array(fc.boolean(), { minLength: 2, maxLength: 2 }),
    aDrop: fc.integer({ min: 0, max: 2 }),
    bDrop: fc.integer({ min: 0, max: 2 }),
    aVec: fc.integer({ min: 0, max: 5 }),
    bVec: fc.integer({ min: 0, max: 5 })
  })
  .map(({ batch, m, k, n, aOnes, bOnes, aDrop, bDrop, aVec, bVec }) => {
    const ab = batch.map((d, i) => (aOnes[i] ? 1 : d)).slice(Math.min(aDrop, batch.length))
    const bb = batch.map((d, i) => (bOnes[i] ? 1 : d)).slice(Math.min(bDrop, batch.length))
    // One time in six, an operand is a vector (then it has no batch axes).
    const a = aVec === 0 ? [k] : [...ab, m, k]
    const b = bVec === 0 ? [k] : [...bb, k, n]
    return [a, b] as const
  })

const matmulPairs: fc.Arbitrary<Pair> = matmulShapes.chain(([a, b]) => fc.tuple(tensorOf(a), tensorOf(b)))

describe('ops.matmul', () => {
  it('computes numpy matmul: 2-D, batched with broadcast batch axes, 1-D operands', () => {
    fc.assert(
      fc.property(matmulPairs, ([a, b]) => {
        close(Lens.evaluate(ops.matmul, [a, b]), naiveMatmul(a, b))
      }),
      { numRuns: 300 }
    )
  })

  it('covers the shapes it claims to (batch broadcast on either side, 1-D on either side)', () => {
    const cases: Array<readonly [Array<number>, Array<number>, Array<number>]> = [
      [[2, 3], [3, 4], [2, 4]],
      [[5, 2, 3], [3, 4], [5, 2, 4]],
      [[2, 3], [5, 3, 4], [5, 2, 4]],
      [[1, 2, 3], [5, 3, 4], [5, 2, 4]],
      [[4, 1, 2, 3], [5, 3, 4], [4, 5, 2, 4]],
      [[3], [3, 4], [4]],
      [[2, 3], [3], [2]],
      [[3], [3], []],
      [[5, 2, 3], [3], [5, 2]],
      [[3], [5, 3, 4], [5, 4]]
    ]
    for (const [sa, sb, sy] of cases) {
      const a = Tensor.randomNormal(sa, { seed: 1 })
      const b = Tensor.randomNormal(sb, { seed: 2 })
      const y = Lens.evaluate(ops.matmul, [a, b])
      expect(y.shape).toEqual(sy)
      close(y, naiveMatmul(a, b))
      const [da, db] = Lens.backPropagateConst(ops.matmul, Tensor.ones(sy), [a, b])
      expect(da.shape).toEqual(sa)
      expect(db.shape).toEqual(sb)
    }
  })

  it('matches a naive triple loop on large matrices (blocked and unrolled kernel paths)', () => {
    for (const [sa, sb] of [
      [[37, 150], [150, 21]],
      [[3, 9, 131], [131, 10]],
      [[2, 8, 260], [2, 260, 9]]
    ] as const) {
      const a = Tensor.randomUniform(sa, { seed: 3, low: -1, high: 1 })
      const b = Tensor.randomUniform(sb, { seed: 4, low: -1, high: 1 })
      close(Lens.evaluate(ops.matmul, [a, b]), naiveMatmul(a, b), 1e-12)
    }
  })

  it('passes the finite-difference gradient check on ≥ 300 random shape pairs', () => {
    GradientLaws.checkGradient(fd, { lens: fc.constant(ops.matmul), input: matmulPairs, spaces: { input: PS, output: TS } }, { name: 'ops.matmul', numRuns: 300 })
  })

  it('is linear in the cotangent (law 14)', () => {
    GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(ops.matmul), input: matmulPairs, spaces: { input: PS, output: TS } }, { name: 'ops.matmul', numRuns: 200 })
  })

  it('sums the gradient of a broadcast operand over its broadcast axes', () => {
    const a = Tensor.randomNormal([4, 2, 3], { seed: 5 })
    const b = Tensor.randomNormal([3, 5], { seed: 6 })
    const dy = Tensor.randomNormal([4, 2, 5], { seed: 7 })
    const [, db] = Lens.backPropagateConst(ops.matmul, dy, [a, b])
    // db = Σ_t a[t]ᵀ · dy[t]
    const expected = build([3, 5], ([p, j]) => {
      let s = 0
      for (let t = 0; t < 4; t++) for (let i = 0; i < 2; i++) s += Tensor.get(a, [t, i, p as number]) * Tensor.get(dy, [t, i, j as number])
      return s
    })
    close(db, expected)
  })

  it('matmulLeft and matmulRight agree with matmul on value and on their operand’s gradient', () => {
    fc.assert(
      fc.property(matmulPairs, ([a, b]) => {
        const y = Lens.evaluate(ops.matmul, [a, b])
        const dy = Tensor.randomNormal(y.shape, { seed: 8 })
        const [da, db] = Lens.backPropagateConst(ops.matmul, dy, [a, b])
        expect(Lens.evaluate(ops.matmulLeft(a), b).data).toEqual(y.data)
        expect(Lens.evaluate(ops.matmulRight(b), a).data).toEqual(y.data)
        expect(Lens.backPropagateConst(ops.matmulLeft(a), dy, b)).toEqual(db)
        expect(Lens.backPropagateConst(ops.matmulRight(b), dy, a)).toEqual(da)
      }),
      { numRuns: 200 }
    )
  })

  it('matmulLeft and matmulRight pass the gradient check on ≥ 200 random shape pairs', () => {
    const left = matmulPairs.map(([a, b]) => [ops.matmulLeft(a), b] as const)
    const right = matmulPairs.map(([a, b]) => [ops.matmulRight(b), a] as const)
    for (const cases of [left, right]) {
      fc.assert(
        fc.property(cases, fc.integer({ min: 0, max: 1e6 }), ([lens, x], seed) => {
          const report = Gradcheck.check(lens, x, { input: TS, output: TS, seed })
          fc.pre(report.status !== 'kink')
          expect(report.status, Gradcheck.format(report)).toBe('pass')
        }),
        { numRuns: 200 }
      )
    }
  })

  it('names the op and both shapes in its errors', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(message(() => Lens.evaluate(ops.matmul, [z(2, 3), z(4, 5)]))).toBe(
      'ops.matmul: shapes [2,3] and [4,5]: inner dimensions 3 and 4 differ'
    )
    expect(message(() => Lens.evaluate(ops.matmul, [z(2, 2, 3), z(5, 3, 4)]))).toBe(
      'ops.matmul: shapes [2,2,3] and [5,3,4]: batch dimensions [2] and [5] do not broadcast'
    )
    expect(message(() => Lens.evaluate(ops.matmul, [z(), z(3, 4)]))).toBe(
      'ops.matmul: shapes [] and [3,4]: operands must have rank at least 1 (use ops.mul to scale by a scalar)'
    )
    expect(message(() => Lens.evaluate(ops.matmul, [z(3), z(4)]))).toBe('ops.matmul: shapes [3] and [4]: inner dimensions 3 and 4 differ')
    expect(message(() => Lens.evaluate(ops.matmulLeft(z(2, 3)), z(2, 2)))).toBe(
      'ops.matmulLeft: shapes [2,3] and [2,2]: inner dimensions 3 and 2 differ'
    )
    expect(message(() => Lens.evaluate(ops.matmulRight(z(2, 3)), z(2, 4)))).toBe(
      'ops.matmulRight: shapes [2,4] and [2,3]: inner dimensions 4 and 2 differ'
    )
    expect(message(() => Lens.evaluate(ops.matmul, [z(2), 3] as unknown as Pair))).toBe(
      'ops.matmul: expected a Tensor as second operand, got 3'
    )
    expect(message(() => ops.matmulLeft([1, 2] as unknown as T))).toBe(
      'ops.matmulLeft: expected a Tensor as the fixed left operand, got an array of length 2'
    )
  })

  it('handles axes of length 0 (an empty inner dimension gives zeros)', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(Lens.evaluate(ops.matmul, [z(2, 0), z(0, 3)])).toEqual(z(2, 3))
    expect(Lens.evaluate(ops.matmul, [z(0, 3), z(3, 2)]).shape).toEqual([0, 2])
    expect(Lens.evaluate(ops.matmul, [z(0, 2, 3), z(4, 1, 3, 2)]).shape).toEqual([4, 0, 2, 2])
    const [da, db] = Lens.backPropagateConst(ops.matmul, z(4, 0, 2, 2), [z(0, 2, 3), z(4, 1, 3, 2)])
    expect([da.shape, db]).toEqual([[0, 2, 3], z(4, 1, 3, 2)])
  })

  it('checks the cotangent’s shape in the backward pass', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(message(() => Lens.backPropagateConst(ops.matmul, z(2, 2), [z(2, 3), z(3, 4)]))).toBe(
      'ops.matmul: the cotangent has shape [2,2] but the output has shape [2,4]'
    )
    expect(message(() => Lens.backPropagateConst(ops.transpose(), z(2, 3), z(2, 3)))).toBe(
      'ops.transpose: the cotangent has shape [2,3] but the output has shape [3,2]'
    )
    expect(message(() => Lens.backPropagateConst(ops.reshape([6]), z(3, 2), z(2, 3)))).toBe(
      'ops.reshape: the cotangent has shape [3,2] but the output has shape [6]'
    )
    expect(message(() => Lens.backPropagateConst(ops.slice(0, 1), z(2, 3), z(2, 3)))).toBe(
      'ops.slice: the cotangent has shape [2,3] but the output has shape [1,3]'
    )
  })

  it('reports a non-finite result or cotangent, naming the pass, the index, the shape and the operand that caused it', () => {
    expect(message(() => Lens.evaluate(ops.matmul, [Tensor.fill([1, 2], 1e200), Tensor.fill([2, 1], 1e200)]))).toBe(
      'ops.matmul: the result is not finite (Infinity) in the forward pass, at index [0, 0] of shape [1,1], from left operand values up to 1e+200 and right operand values up to 1e+200 in magnitude'
    )
    // Tensor.make refuses NaN; an op's result could still carry one into a product
    expect(message(() => Lens.evaluate(ops.matmul, [unsafeFromData([2, 2], Float64Array.of(1, 2, NaN, 4)), Tensor.ones([2, 2])]))).toBe(
      'ops.matmul: the result is not finite (NaN) in the forward pass, at index [1, 0] of shape [2,2], from left operand NaN at index [1, 0]'
    )
    expect(message(() => Lens.evaluate(ops.matmul, [Tensor.ones([2, 2]), unsafeFromData([2, 2], Float64Array.of(1, 2, 3, Infinity))]))).toBe(
      'ops.matmul: the result is not finite (Infinity) in the forward pass, at index [0, 1] of shape [2,2], from right operand Infinity at index [1, 1]'
    )
    expect(message(() => Lens.backPropagateConst(ops.matmul, Tensor.fill([1, 1], 1e200), [Tensor.ones([1, 2]), Tensor.fill([2, 1], 1e200)]))).toBe(
      'ops.matmul: the cotangent is not finite (Infinity) in the backward pass, at index [0, 0] of shape [1,2], from left operand values up to 1 and right operand values up to 1e+200 and output cotangent values up to 1e+200 in magnitude'
    )
    // batched: the tall product (a shared b) and one product per batch item
    const a = Tensor.make([2, 1, 2], [1, 1, 1e200, 1e200])
    for (const b of [Tensor.fill([2, 1], 1e200), Tensor.fill([2, 2, 1], 1e200)]) {
      expect(message(() => Lens.evaluate(ops.matmul, [a, b]))).toBe(
        'ops.matmul: the result is not finite (Infinity) in the forward pass, at index [1, 0, 0] of shape [2,1,1], from left operand values up to 1e+200 and right operand values up to 1e+200 in magnitude'
      )
    }
    expect(message(() => Lens.evaluate(ops.matmulRight(Tensor.fill([2, 1], 1e200)), Tensor.fill([1, 2], 1e200)))).toBe(
      'ops.matmulRight: the result is not finite (Infinity) in the forward pass, at index [0, 0] of shape [1,1], from left operand values up to 1e+200 and right operand values up to 1e+200 in magnitude'
    )
    expect(message(() => Lens.backPropagateConst(ops.matmulLeft(Tensor.fill([1, 2], 1e200)), Tensor.fill([1, 1], 1e200), Tensor.ones([2, 1])))).toBe(
      'ops.matmulLeft: the cotangent is not finite (Infinity) in the backward pass, at index [0, 0] of shape [2,1], from left operand values up to 1e+200 and right operand values up to 1 and output cotangent values up to 1e+200 in magnitude'
    )
  })

  it('finds the first bad entry of a product larger than the WebAssembly staging blocks', () => {
    // 40×40·40×40 = 64,000 multiply-adds: the WebAssembly kernel under auto, JavaScript under js
    const a = Tensor.fill([40, 40], 1)
    const b = Tensor.make([40, 40], Array.from({ length: 1600 }, (_, i) => (i === 37 * 40 + 23 || i === 38 * 40 + 23 ? 1e308 : i % 7)))
    expect(message(() => Lens.evaluate(ops.matmul, [a, b]))).toBe(
      'ops.matmul: the result is not finite (Infinity) in the forward pass, at index [0, 23] of shape [40,40], from left operand values up to 1 and right operand values up to 1e+308 in magnitude'
    )
  })

  it('never mutates its inputs', () => {
    fc.assert(
      fc.property(matmulPairs, ([a, b]) => {
        untouched(ops.matmul, [a, b], [a, b])
        untouched(ops.matmulLeft(a), b, [a, b])
        untouched(ops.matmulRight(b), a, [a, b])
      }),
      { numRuns: 100 }
    )
  })
})

describe('matrix kernels', () => {
  const rand = (n: number, seed: number): Tensor.ReadonlyFloat64Array => Tensor.randomUniform([n], { seed, low: -1, high: 1 }).data
  const naive = (a: Tensor.ReadonlyFloat64Array, b: Tensor.ReadonlyFloat64Array, m: number, k: number, n: number, ta: boolean, tb: boolean): Float64Array => {
    const out = new Float64Array(m * n)
    for (let i = 0; i < m; i++)
      for (let j = 0; j < n; j++) {
        let s = 0
        for (let p = 0; p < k; p++) s += (a[ta ? p * m + i : i * k + p] as number) * (b[tb ? j * k + p : p * n + j] as number)
        out[i * n + j] = s
      }
    return out
  }
  const near = (x: Float64Array, y: Float64Array): void => {
    expect(x.length).toBe(y.length)
    let worst = 0
    x.forEach((v, i) => {
      worst = Math.max(worst, Math.abs(v - (y[i] as number)))
    })
    expect(worst).toBeLessThan(1e-12)
  }
  const sizes = [
    [1, 1, 1],
    [3, 5, 7],
    [7, 130, 9],
    [16, 257, 33],
    [2, 3, 300],
    [64, 129, 10],
    [5, 70, 130],
    [1, 9, 3],
    [2, 1, 1]
  ] as const

  it('NN (plain and register-blocked), NT and TN agree with a naive loop, accumulate into out, and honour offsets', () => {
    for (const [m, k, n] of sizes) {
      const a = rand(m * k + 3, m)
      const b = rand(k * n + 5, n)
      const aT = rand(k * m + 3, k)
      const bT = rand(n * k + 5, k + 1)
      const base = rand(m * n + 2, 99)
      const check = (kernel: (out: Float64Array) => void, expected: Float64Array): void => {
        const out = base.slice()
        kernel(out)
        near(out.subarray(2), expected.map((v, i) => v + (base[i + 2] as number)))
        expect(Array.from(out.subarray(0, 2))).toEqual(Array.from(base.subarray(0, 2)))
      }
      const nn = naive(a.subarray(3), b.subarray(5), m, k, n, false, false)
      check((out) => matmulNNPlain(a, 3, b, 5, out, 2, m, k, n), nn)
      check((out) => K.matmulNN(a, 3, b, 5, out, 2, m, k, n), nn)
      check((out) => K.matmulNT(a, 3, bT, 5, out, 2, m, k, n), naive(a.subarray(3), bT.subarray(5), m, k, n, false, true))
      check((out) => K.matmulTN(aT, 3, b, 5, out, 2, m, k, n), naive(aT.subarray(3), b.subarray(5), m, k, n, true, false))
    }
  })
})

// -------------------------------------------------------------------------------------
// transpose
// -------------------------------------------------------------------------------------

const permuted = (x: T, perm: ReadonlyArray<number>): T =>
  build(
    perm.map((p) => x.shape[p] as number),
    (idx) => {
      const src = new Array<number>(perm.length)
      perm.forEach((p, i) => {
        src[p] = idx[i] as number
      })
      return Tensor.get(x, src)
    }
  )

const withPerm: fc.Arbitrary<readonly [T, Array<number>]> = tensorArb(0, 4).chain((x) =>
  fc
    .shuffledSubarray(
      x.shape.map((_, i) => i),
      { minLength: x.shape.length, maxLength: x.shape.length }
    )
    .map((perm) => [x, perm] as const)
)

describe('ops.transpose', () => {
  it('permutes axes like numpy (default: reversed), including negative axes', () => {
    fc.assert(
      fc.property(withPerm, fc.boolean(), ([x, perm], negative) => {
        const given = negative ? perm.map((p) => p - perm.length) : perm
        close(Lens.evaluate(ops.transpose(given), x), permuted(x, perm))
        close(
          Lens.evaluate(ops.transpose(), x),
          permuted(
            x,
            x.shape.map((_, i) => x.shape.length - 1 - i)
          )
        )
      }),
      { numRuns: 300 }
    )
  })

  it('transposes a large matrix (tiled path) exactly', () => {
    const x = Tensor.randomNormal([70, 45], { seed: 9 })
    close(Lens.evaluate(ops.transpose(), x), permuted(x, [1, 0]), 0)
  })

  it('passes the gradient check on ≥ 300 random shapes and permutations (ranks 0–4)', () => {
    fc.assert(
      fc.property(withPerm, fc.integer({ min: 0, max: 1e6 }), ([x, perm], seed) => {
        const report = Gradcheck.check(ops.transpose(perm), x, { input: TS, output: TS, seed })
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 300 }
    )
  })

  it('names the op, the permutation and the shape in its errors', () => {
    const x = Tensor.zeros([2, 3])
    expect(message(() => Lens.evaluate(ops.transpose([0, 0]), x))).toBe(
      'ops.transpose: perm [0,0] is not a permutation of the 2 axes of shape [2,3]'
    )
    expect(message(() => Lens.evaluate(ops.transpose([0, 1, 2]), x))).toBe(
      'ops.transpose: perm [0,1,2] is not a permutation of the 2 axes of shape [2,3]'
    )
    expect(message(() => Lens.evaluate(ops.transpose([0, 2]), x))).toBe(
      'ops.transpose: perm [0,2] is not a permutation of the 2 axes of shape [2,3]'
    )
    expect(message(() => ops.transpose([0, 0.5]))).toBe('ops.transpose: perm[1] must be an integer, got 0.5')
  })

  it('never mutates its input', () => {
    fc.assert(fc.property(withPerm, ([x, perm]) => untouched(ops.transpose(perm), x, [x])), { numRuns: 100 })
  })
})

// -------------------------------------------------------------------------------------
// reshape
// -------------------------------------------------------------------------------------

/** A tensor and another shape of the same size (axes merged, 1s inserted), given with or without a -1. */
const withReshape: fc.Arbitrary<readonly [T, Array<number>, Array<number>]> = tensorArb(0, 4).chain((x) =>
  fc
    .record({
      merge: fc.array(fc.boolean(), { minLength: x.shape.length, maxLength: x.shape.length }),
      ones: fc.integer({ min: 0, max: 2 }),
      at: fc.nat(),
      free: fc.integer({ min: -1, max: 4 })
    })
    .map(({ merge, ones, at, free }) => {
      const target: Array<number> = []
      x.shape.forEach((d, i) => {
        if (merge[i] && target.length > 0) target[target.length - 1] = (target[target.length - 1] as number) * d
        else target.push(d)
      })
      for (let j = 0; j < ones; j++) target.splice(at % (target.length + 1), 0, 1)
      const given = target.map((d, i) => (i === free ? -1 : d))
      return [x, target, given] as const
    })
)

describe('ops.reshape', () => {
  it('keeps the data in row-major order and infers one -1', () => {
    fc.assert(
      fc.property(withReshape, ([x, target, given]) => {
        const y = Lens.evaluate(ops.reshape(given), x)
        expect(y.shape).toEqual(target)
        expect(y.data).toEqual(x.data)
      }),
      { numRuns: 300 }
    )
  })

  it('passes the gradient check on ≥ 200 random shapes', () => {
    fc.assert(
      fc.property(withReshape, fc.integer({ min: 0, max: 1e6 }), ([x, , given], seed) => {
        const report = Gradcheck.check(ops.reshape(given), x, { input: TS, output: TS, seed })
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 200 }
    )
  })

  it('names the op and both shapes in its errors', () => {
    const x = Tensor.zeros([2, 3])
    expect(message(() => Lens.evaluate(ops.reshape([4, 2]), x))).toBe(
      'ops.reshape: cannot reshape shape [2,3] (6 elements) into [4,2] (8 elements)'
    )
    expect(message(() => Lens.evaluate(ops.reshape([4, -1]), x))).toBe('ops.reshape: cannot reshape shape [2,3] (6 elements) into [4,-1]')
    expect(message(() => ops.reshape([-1, -1]))).toBe('ops.reshape: shape [-1,-1] has more than one -1')
    expect(message(() => ops.reshape([2, -3]))).toBe(
      'ops.reshape: invalid shape [2,-3]: dimensions must be non-negative integers or one -1'
    )
  })

  it('does not keep or freeze the caller’s shape array, and never mutates its input', () => {
    const shape = [3, 2]
    const x = Tensor.randomNormal([2, 3], { seed: 1 })
    const y = Lens.evaluate(ops.reshape(shape), x)
    expect(Object.isFrozen(shape)).toBe(false)
    shape[0] = 6
    expect(y.shape).toEqual([3, 2])
    expect(Lens.evaluate(ops.reshape(shape.slice(0, 1)), x).shape).toEqual([6])
    untouched(ops.reshape([6]), x, [x])
  })
})

// -------------------------------------------------------------------------------------
// concat
// -------------------------------------------------------------------------------------

/** 1 to 3 tensors that agree outside a random axis, and that axis (maybe negative). */
const withConcat: fc.Arbitrary<readonly [Array<T>, number]> = shapeArb(1, 4).chain((shape) =>
  fc.integer({ min: 0, max: shape.length - 1 }).chain((axis) =>
    fc
      .array(
        fc.integer({ min: 1, max: 4 }).chain((d) => {
          const s = shape.slice()
          s[axis] = d
          return tensorOf(s)
        }),
        { minLength: 1, maxLength: 3 }
      )
      .chain((xs) => fc.boolean().map((neg) => [xs, neg ? axis - shape.length : axis] as const))
  )
)

const naiveConcat = (xs: ReadonlyArray<T>, axis: number): T => {
  const r = (xs[0] as T).shape.length
  const ax = axis < 0 ? axis + r : axis
  const shape = (xs[0] as T).shape.slice()
  shape[ax] = xs.reduce((acc, t) => acc + (t.shape[ax] as number), 0)
  return build(shape, (idx) => {
    let i = idx[ax] as number
    for (const t of xs) {
      const d = t.shape[ax] as number
      if (i < d) return Tensor.get(t, idx.map((v, a) => (a === ax ? i : v)))
      i -= d
    }
    throw new Error('unreachable')
  })
}

describe('ops.concat', () => {
  it('joins tensors along an axis', () => {
    fc.assert(
      fc.property(withConcat, ([xs, axis]) => {
        close(Lens.evaluate(ops.concat(axis), xs), naiveConcat(xs, axis), 0)
      }),
      { numRuns: 300 }
    )
  })

  it('passes the gradient check on ≥ 200 random shapes (1 to 3 tensors)', () => {
    fc.assert(
      fc.property(withConcat, fc.integer({ min: 0, max: 1e6 }), ([xs, axis], seed) => {
        const space = VectorSpace.tuple(...xs.map(() => TS)) as unknown as VectorSpace.VectorSpace<ReadonlyArray<T>>
        const report = Gradcheck.check(ops.concat(axis), xs, { input: space, output: TS, seed })
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 200 }
    )
  })

  it('infers its input type where it is used', () => {
    const joined = Lens.pipe(Lens.fanout(ops.relu, ops.exp), ops.concat(0))
    expectTypeOf(joined).toEqualTypeOf<Lens.Lens<T, T>>()
    const sideBySide = Lens.pipe(Lens.split(ops.relu, ops.exp), ops.concat(-1))
    expectTypeOf(sideBySide).toEqualTypeOf<Lens.Lens<Pair, T>>()
    expectTypeOf(ops.concat(0)).toEqualTypeOf<Lens.Lens<ReadonlyArray<T>, T>>()
    // @ts-expect-error: a pair of tensors is not a tensor
    Lens.pipe(ops.relu, ops.concat(0))
  })

  it('works on a typed pair', () => {
    const pairConcat: Lens.Lens<Pair, T> = ops.concat<Pair>(1)
    const a = Tensor.fromNested([[1], [2]])
    const b = Tensor.fromNested([[3, 4], [5, 6]])
    const [da, db] = Lens.backPropagateConst(pairConcat, Tensor.fromNested([[1, 2, 3], [4, 5, 6]]), [a, b])
    expect(Tensor.toNested(da)).toEqual([[1], [4]])
    expect(Tensor.toNested(db)).toEqual([
      [2, 3],
      [5, 6]
    ])
  })

  it('names the op and the shapes in its errors', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(message(() => Lens.evaluate(ops.concat(1), [z(2, 3), z(3, 3)]))).toBe('ops.concat: shapes [2,3] and [3,3] differ outside axis 1')
    expect(message(() => Lens.evaluate(ops.concat(0), [z(2, 3), z(2, 3), z(2)]))).toBe(
      'ops.concat: shapes [2,3], [2,3] and [2] differ outside axis 0'
    )
    expect(message(() => Lens.evaluate(ops.concat(2), [z(2, 3), z(2, 3)]))).toBe(
      'ops.concat: axis 2 is out of range for shapes [2,3] and [2,3]'
    )
    expect(message(() => Lens.evaluate(ops.concat(0), [z(), z()]))).toBe('ops.concat: axis 0 is out of range for shapes [] and []')
    expect(message(() => Lens.evaluate(ops.concat(0), []))).toBe('ops.concat: expected a non-empty array of tensors, got an empty array')
  })

  it('never mutates its inputs', () => {
    fc.assert(fc.property(withConcat, ([xs, axis]) => untouched(ops.concat(axis), xs, xs)), { numRuns: 100 })
  })
})

// -------------------------------------------------------------------------------------
// slice and index
// -------------------------------------------------------------------------------------

const withSlice: fc.Arbitrary<readonly [T, number, number, number]> = tensorArb(1, 4).chain((x) =>
  fc.integer({ min: 0, max: x.shape.length - 1 }).chain((axis) => {
    const d = x.shape[axis] as number
    return fc
      .tuple(fc.integer({ min: 0, max: d }), fc.integer({ min: 0, max: d }))
      .map(([s, e]) => [x, axis, Math.min(s, e), Math.max(s, e)] as const)
  })
)

describe('ops.slice and ops.index', () => {
  it('slice picks [start, end) along an axis, with negative axis/start/end counting from the end', () => {
    fc.assert(
      fc.property(withSlice, fc.boolean(), ([x, axis, start, end], negative) => {
        const d = x.shape[axis] as number
        const expected = build(
          x.shape.map((n, a) => (a === axis ? end - start : n)),
          (idx) => Tensor.get(x, idx.map((v, a) => (a === axis ? v + start : v)))
        )
        close(Lens.evaluate(ops.slice(axis, start, end), x), expected, 0)
        if (negative && start < d && end < d) {
          close(Lens.evaluate(ops.slice(axis - x.shape.length, start - d, end - d), x), expected, 0)
        }
        if (end === d) close(Lens.evaluate(ops.slice(axis, start), x), expected, 0)
      }),
      { numRuns: 300 }
    )
  })

  it('index picks one position and drops the axis', () => {
    fc.assert(
      fc.property(
        withSlice.filter(([, , s, e]) => s < e),
        ([x, axis, i]) => {
          const expected = build(
            x.shape.filter((_, a) => a !== axis),
            (idx) => Tensor.get(x, [...idx.slice(0, axis), i, ...idx.slice(axis)])
          )
          close(Lens.evaluate(ops.index(axis, i), x), expected, 0)
          close(Lens.evaluate(ops.index(axis, i - (x.shape[axis] as number)), x), expected, 0)
        }
      ),
      { numRuns: 300 }
    )
  })

  it('slice and index pass the gradient check on ≥ 200 random shapes each', () => {
    fc.assert(
      fc.property(withSlice, fc.integer({ min: 0, max: 1e6 }), ([x, axis, start, end], seed) => {
        fc.pre(end > start)
        for (const lens of [ops.slice(axis, start, end), ops.index(axis, start)]) {
          const report = Gradcheck.check(lens, x, { input: TS, output: TS, seed })
          expect(report.status, Gradcheck.format(report)).toBe('pass')
        }
      }),
      { numRuns: 250 }
    )
  })

  it('scatters the cotangent into zeros', () => {
    const x = Tensor.fromNested([
      [1, 2, 3],
      [4, 5, 6]
    ])
    expect(Tensor.toNested(Lens.backPropagateConst(ops.index(1, 1), Tensor.fromNested([7, 8]), x))).toEqual([
      [0, 7, 0],
      [0, 8, 0]
    ])
  })

  it('names the op, the range and the shape in its errors', () => {
    const x = Tensor.zeros([2, 3])
    expect(message(() => Lens.evaluate(ops.slice(1, 1, 5), x))).toBe('ops.slice: range [1, 5) is out of bounds for axis 1 of shape [2,3]')
    expect(message(() => Lens.evaluate(ops.slice(0, 2, 1), x))).toBe('ops.slice: range [2, 1) is out of bounds for axis 0 of shape [2,3]')
    expect(message(() => Lens.evaluate(ops.slice(2, 0), x))).toBe('ops.slice: axis 2 is out of range for shape [2,3]')
    expect(message(() => Lens.evaluate(ops.index(1, 3), x))).toBe('ops.index: index 3 is out of bounds for axis 1 of shape [2,3]')
    expect(message(() => Lens.evaluate(ops.index(0, -3), x))).toBe('ops.index: index -3 is out of bounds for axis 0 of shape [2,3]')
    expect(message(() => Lens.evaluate(ops.index(0, 0), Tensor.scalar(1)))).toBe('ops.index: axis 0 is out of range for shape []')
    expect(message(() => ops.slice(0, 1.5))).toBe('ops.slice: start must be an integer, got 1.5')
  })

  it('never mutate their input', () => {
    fc.assert(
      fc.property(withSlice, ([x, axis, start, end]) => {
        untouched(ops.slice(axis, start, end), x, [x])
        if (end > start) untouched(ops.index(axis, start), x, [x])
      }),
      { numRuns: 100 }
    )
  })
})

// -------------------------------------------------------------------------------------
// higher order
// -------------------------------------------------------------------------------------

describe('higher order: the backward passes as lenses', () => {
  const lens = <A>(l: Lens.Lens<A, T>): Lens.Lens<unknown, unknown> => l as unknown as Lens.Lens<unknown, unknown>
  const linearCases: ReadonlyArray<readonly [string, fc.Arbitrary<Case>]> = [
    ['matmulLeft', matmulPairs.map(([a, b]): Case => [lens(ops.matmulLeft(a)), b])],
    ['matmulRight', matmulPairs.map(([a, b]): Case => [lens(ops.matmulRight(b)), a])],
    ['transpose', withPerm.map(([x, perm]): Case => [lens(ops.transpose(perm)), x])],
    ['reshape', withReshape.map(([x, , given]): Case => [lens(ops.reshape(given)), x])],
    ['concat', withConcat.map(([xs, axis]): Case => [lens(ops.concat(axis)), xs])],
    ['slice', withSlice.filter(([, , s, e]) => e > s).map(([x, axis, s, e]): Case => [lens(ops.slice(axis, s, e)), x])],
    ['index', withSlice.filter(([, , s, e]) => e > s).map(([x, axis, s]): Case => [lens(ops.index(axis, s)), x])]
  ]
  const all: ReadonlyArray<readonly [string, fc.Arbitrary<Case>]> = [['matmul', at(ops.matmul, matmulPairs)], ...linearCases]

  it.each(all)('%s: reverse evaluates as the first-order pass, and its structural lens agrees (exactly: the same kernels)', (name, cases) => {
    checkReverseValues(cases, { name: `ops.${name}`, exact: true })
  })
  it.each(all)('%s: the reverse derivative passes the gradient check (second order)', (name, cases) => {
    checkSecondOrder(cases, { name: `ops.${name}` })
  })
  it.each(linearCases)('%s: linear in its input, so its second derivative is 0', (name, cases) => {
    checkZeroSecondDerivative(cases, { name: `ops.${name}` })
  })
  it.each(all)('%s: forward mode (jvp) is the transpose of the backward pass', (name, cases) => {
    checkJvp(cases, { name: `ops.${name}` })
  })
  it.each(all)('%s: so does the reverse derivative of that (third order)', (name, cases) => {
    checkThirdOrder(cases, { name: `ops.${name}` })
  })
  it('the backward lenses check their inputs as the first-order passes do, with the same messages', () => {
    const z = (...s: Array<number>) => Tensor.zeros(s)
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.matmul), [z(2, 3), z(3, 4)], [[z(2, 3), z(3, 4)], z(2, 3)]))).toBe(
      'ops.matmul: the cotangent has shape [2,3] but the output has shape [2,4]'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.matmulLeft(z(2, 3))), z(3, 4), [z(3, 4), z(3, 4)]))).toBe(
      'ops.matmulLeft: the cotangent has shape [3,4] but the output has shape [2,4]'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.transpose()), z(2, 3), [z(2, 3), z(2, 3)]))).toBe(
      'ops.transpose: the cotangent has shape [2,3] but the output has shape [3,2]'
    )
    expect(message(() => Lens.backPropagateConst(Lens.reverse(ops.slice(0, 1)), z(2, 3), [z(2, 3), z(2, 3)]))).toBe(
      'ops.slice: the cotangent has shape [2,3] but the output has shape [1,3]'
    )
  })
})
