/**
 * The WebAssembly elementwise loops and sums against their JavaScript twins, called directly:
 * the same values exactly (`toEqual` tells −0 from +0, and NaN positions) for the arithmetic on
 * equal shapes, scalars and bias rows, for `affine`, `relu` and its backward pass, and for
 * column sums, over any doubles (NaN, ±Infinity, −0 and subnormals included); the contiguous
 * sums, which add in eight partial sums, within 1e-12 of `Σ|x|`. Then the seam's selecting
 * versions: each pattern goes where it should and gives the JavaScript result, and a call past
 * the staging limit falls back to JavaScript.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as K from '../../src/kernels/index.js'
import * as JsB from '../../src/kernels/broadcast.js'
import * as JsE from '../../src/kernels/elementwise.js'
import * as JsR from '../../src/kernels/reduce.js'
import { loadedKernels } from '../../src/kernels/backend.js'
import { setStagingLimit, stagedCalls, type Kernels } from '../../src/kernels/wasm/instance.js'
import * as W from '../../src/kernels/wasm/vector.js'
import { broadcastShapes } from '../../src/Tensor.js'

const kernels = loadedKernels() as Kernels

afterEach(() => {
  K.setKernelBackend(undefined)
  setStagingLimit(1 << 22)
})

/** Any double, the special ones often. */
const anyDouble = fc.oneof(
  { weight: 4, arbitrary: fc.double() },
  { weight: 1, arbitrary: fc.constantFrom(0, -0, Number.NaN, Infinity, -Infinity, 5e-324, -Number.MAX_VALUE, 1) }
)
const array = (minLength: number, maxLength: number): fc.Arbitrary<Float64Array> =>
  fc.array(anyDouble, { minLength, maxLength }).map((xs) => Float64Array.from(xs))
/** Two arrays of the same length. */
const pair = (maxLength: number): fc.Arbitrary<readonly [Float64Array, Float64Array]> =>
  fc.integer({ min: 0, max: maxLength }).chain((n) => fc.tuple(array(n, n), array(n, n)))
const OPS = [K.ADD, K.SUB, K.MUL, K.DIV] as const
const anOp = fc.constantFrom(...OPS)

describe('WebAssembly elementwise loops', () => {
  it('compute the arithmetic ops of equal-length arrays exactly as JavaScript does', () => {
    fc.assert(
      fc.property(anOp, pair(40), (op, [a, b]) => {
        expect(W.binaryRows(kernels, op, a, false, b, false, 1, a.length)).toEqual(JsE.zip(op, a, b))
      }),
      { numRuns: 300 }
    )
  })

  it('compute an array against a scalar, either side, and against a repeated row (a bias), exactly', () => {
    fc.assert(
      fc.property(anOp, array(1, 40), anyDouble, (op, a, s) => {
        const scalar = Float64Array.of(s)
        const shape = [a.length]
        expect(W.binaryRows(kernels, op, a, false, scalar, true, a.length, 1)).toEqual(JsB.broadcast(op, a, shape, scalar, [], shape, a.length))
        expect(W.binaryRows(kernels, op, scalar, true, a, false, a.length, 1)).toEqual(JsB.broadcast(op, scalar, [], a, shape, shape, a.length))
      }),
      { numRuns: 200 }
    )
    fc.assert(
      fc.property(
        anOp,
        fc.integer({ min: 1, max: 9 }),
        fc.integer({ min: 1, max: 13 }).chain((w) => fc.tuple(fc.constant(w), array(w, w))),
        fc.nat(),
        (op, rows, [w, row], seed) => {
          const m = Float64Array.from({ length: rows * w }, (_, i) => Math.sin(seed + i) * 10)
          const shape = [rows, w]
          expect(W.binaryRows(kernels, op, m, false, row, true, rows, w)).toEqual(JsB.broadcast(op, m, shape, row, [w], shape, rows * w))
          expect(W.binaryRows(kernels, op, row, true, m, false, rows, w)).toEqual(JsB.broadcast(op, row, [1, w], m, shape, shape, rows * w))
        }
      ),
      { numRuns: 200 }
    )
  })

  it('compute affine maps (with the d = 0 and c = 1 special cases) and relu forward and backward exactly', () => {
    fc.assert(
      fc.property(array(0, 40), fc.oneof(anyDouble, fc.constant(1)), fc.oneof(anyDouble, fc.constantFrom(0, -0)), (x, c, d) => {
        expect(W.affine(kernels, x, c, d)).toEqual(JsE.affine(x, c, d))
      }),
      { numRuns: 300 }
    )
    fc.assert(
      fc.property(pair(40), ([x, dy]) => {
        expect(W.relu(kernels, x, x)).toEqual(JsE.relu(x))
        expect(W.relu(kernels, x, dy)).toEqual(JsE.reluBackward(x, dy))
      }),
      { numRuns: 300 }
    )
  })
})

describe('WebAssembly sums', () => {
  it('add columns row after row, exactly as JavaScript does (sums over a middle axis, a bias cotangent)', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 4 }), fc.integer({ min: 0, max: 9 }), fc.integer({ min: 2, max: 11 }), fc.nat(), (outer, mid, inner, seed) => {
        const src = Float64Array.from({ length: outer * mid * inner }, (_, i) => (i % 7 === 3 ? -0 : Math.sin(seed + i * 1.7) * 1e3))
        expect(W.sumRows(kernels, src, outer, mid, inner)).toEqual(JsR.sumAxis(src, outer, mid, inner))
        if (outer === 1 && mid > 1) expect(W.sumRows(kernels, src, 1, mid, inner)).toEqual(JsB.sumTo(src, [mid, inner], [inner], inner))
      }),
      { numRuns: 200 }
    )
  })

  it('sum contiguous runs within 1e-12 of Σ|x| (eight partial sums), with NaN and ±Infinity as JavaScript', () => {
    fc.assert(
      fc.property(fc.integer({ min: 1, max: 5 }), fc.integer({ min: 0, max: 70 }), fc.nat(), (runs, len, seed) => {
        const src = Float64Array.from({ length: runs * len }, (_, i) => Math.sin(seed + i * 0.37) * 10 ** ((i % 5) - 2))
        const wasm = W.sumRuns(kernels, src, runs, len) as Float64Array
        const js = JsR.sumAxis(src, runs, len, 1)
        for (let r = 0; r < runs; r++) {
          let bound = 0
          for (let i = 0; i < len; i++) bound += Math.abs(src[r * len + i] as number)
          expect(Math.abs((wasm[r] as number) - (js[r] as number))).toBeLessThanOrEqual(1e-12 * bound)
        }
      }),
      { numRuns: 200 }
    )
    const special = Float64Array.from({ length: 37 }, (_, i) => i)
    special[20] = Infinity
    expect(W.sumRuns(kernels, special, 1, 37)).toEqual(Float64Array.of(Infinity))
    special[30] = -Infinity
    expect(W.sumRuns(kernels, special, 1, 37)).toEqual(Float64Array.of(Number.NaN))
    special[30] = Number.NaN
    special[20] = 1
    expect(W.sumRuns(kernels, special, 1, 37)).toEqual(Float64Array.of(Number.NaN))
  })
})

describe("the seam's selecting kernels", () => {
  const values = (n: number, seed: number): Float64Array => Float64Array.from({ length: n }, (_, i) => Math.sin(seed + i))

  it('give the JavaScript results on every broadcast pattern (the ones WebAssembly does not take too)', () => {
    K.setKernelBackend('wasm')
    // [a's shape, b's shape, a ∘ b in WebAssembly, b's cotangent (sumTo) in WebAssembly]
    const cases: ReadonlyArray<readonly [ReadonlyArray<number>, ReadonlyArray<number>, boolean, boolean]> = [
      [[6, 7], [6, 7], true, false], // nothing to sum
      [[6, 7], [], true, true], // a total
      [[], [6, 7], true, false],
      [[6, 7], [7], true, true], // a bias
      [[1, 7], [6, 7], true, false],
      [[6, 7], [6, 1], false, false], // a column: the general loop nests, in JavaScript
      [[2, 1, 4], [3, 1], false, false]
    ]
    for (const [as, bs, inWasm, sumInWasm] of cases) {
      const shape = broadcastShapes('test', as, bs)
      const size = K.product(shape)
      const a = values(K.product(as), 1)
      const b = values(K.product(bs), 2)
      for (const op of OPS) {
        const before = stagedCalls()
        expect(K.broadcast(op, a, as, b, bs, shape, size), `${String(as)} ∘ ${String(bs)}`).toEqual(JsB.broadcast(op, a, as, b, bs, shape, size))
        expect(stagedCalls() - before, `${String(as)} ∘ ${String(bs)} in WebAssembly`).toBe(inWasm ? 1 : 0)
      }
      expect(K.broadcast(Math.atan2, a, as, b, bs, shape, size)).toEqual(JsB.broadcast(Math.atan2, a, as, b, bs, shape, size))
      const dy = values(size, 3)
      const [wasm, js] = [K.sumTo(dy, shape, bs, b.length), JsB.sumTo(dy, shape, bs, b.length)]
      const before = stagedCalls()
      K.sumTo(dy, shape, bs, b.length)
      expect(stagedCalls() - before, `sumTo ${String(bs)} in WebAssembly`).toBe(sumInWasm ? 1 : 0)
      if (b.length > 1) expect(wasm).toEqual(js)
      else expect(Math.abs((wasm[0] as number) - (js[0] as number))).toBeLessThanOrEqual(1e-12 * dy.reduce((s, v) => s + Math.abs(v), 0)) // a total: eight partial sums
    }
  })

  it('fall back to JavaScript past the staging limit, with the same results', () => {
    K.setKernelBackend('wasm')
    setStagingLimit(100)
    const x = values(200, 4)
    const y = values(200, 5)
    expect(W.binaryRows(kernels, K.ADD, x, false, y, false, 1, 200)).toBeNull()
    expect(K.zip(K.ADD, x, y)).toEqual(JsE.zip(K.ADD, x, y))
    expect(K.relu(x)).toEqual(JsE.relu(x))
    expect(K.sumAxis(x, 10, 20, 1)).toEqual(JsR.sumAxis(x, 10, 20, 1)) // JavaScript's order: exactly
    setStagingLimit(1 << 22)
    const before = stagedCalls()
    K.zip(K.ADD, x, y)
    K.zip(Math.hypot, x, y) // a function: JavaScript
    expect(stagedCalls() - before).toBe(1)
  })
})
