/**
 * The WebAssembly matrix products against the JavaScript loops, called directly (whatever
 * backend the project selects): NN, NT and TN on random shapes (edge tiles of every size,
 * k = 0 and 1, blocks of the packed kernel crossed in every dimension), with offsets, into an
 * `out` that already holds values (the kernels accumulate), leaving the inputs and the rest of
 * `out` untouched; the host's blocked path (products larger than the staging limit); and the
 * non-finite check. Both sum each entry's products in order of k, but the packed kernel sums
 * each block of 256 steps in its own accumulator before adding it to `out`, where the loops add
 * to `out` as they go: results are equal exactly when `out` starts at zero and k ≤ 256, and
 * otherwise agree within 1e-12 of the magnitude `|out₀| + Σₚ |a||b|` that bounds their
 * rounding error.
 */
import fc from 'fast-check'
import { afterEach, describe, expect, it } from 'vitest'
import * as Js from '../../src/kernels/matmul.js'
import * as K from '../../src/kernels/index.js'
import { loadedKernels } from '../../src/kernels/backend.js'
import { gemm, type Layout } from '../../src/kernels/wasm/gemm.js'
import { setStagingLimit, stagingLimit } from '../../src/kernels/wasm/instance.js'
import type { Kernels } from '../../src/kernels/wasm/instance.js'
import { uniforms } from '../../src/internal/random.js'

const kernels = loadedKernels() as Kernels

const JS: Record<Layout, typeof Js.matmulNN> = { NN: Js.matmulNN, NT: Js.matmulNT, TN: Js.matmulTN }

/** Reproducible values in [-1, 1), from the library's one seeded generator. */
const values = (n: number, seed: number): Float64Array => {
  const next = uniforms(seed)
  return Float64Array.from({ length: n }, () => 2 * next() - 1)
}

/** Where `op(a)[i, p]` and `op(b)[p, j]` are stored. */
const atA = (layout: Layout, m: number, k: number, i: number, p: number): number => (layout === 'TN' ? p * m + i : i * k + p)
const atB = (layout: Layout, k: number, n: number, p: number, j: number): number => (layout === 'NT' ? j * k + p : p * n + j)

interface Case {
  readonly layout: Layout
  readonly m: number
  readonly k: number
  readonly n: number
  readonly offsets: readonly [number, number, number]
  readonly seed: number
}

/**
 * Runs one case through the JavaScript loop and through WebAssembly and compares them entry by
 * entry, within 1e-12 of the error bound; checks the untouched parts exactly.
 */
const compare = ({ layout, m, k, n, offsets: [ao, bo, oo], seed }: Case): void => {
  const a = values(ao + m * k + 2, seed)
  const b = values(bo + k * n + 3, seed + 1)
  const out0 = values(oo + m * n + 4, seed + 2)
  const [aCopy, bCopy] = [a.slice(), b.slice()]
  const js = out0.slice()
  const wasm = out0.slice()
  JS[layout](a, ao, b, bo, js, oo, m, k, n)
  expect(gemm(kernels, layout, a, ao, b, bo, wasm, oo, m, k, n, false)).toBe(-1)
  expect(a).toEqual(aCopy)
  expect(b).toEqual(bCopy)
  // outside the slice: untouched
  expect(Array.from(wasm.subarray(0, oo))).toEqual(Array.from(out0.subarray(0, oo)))
  expect(Array.from(wasm.subarray(oo + m * n))).toEqual(Array.from(out0.subarray(oo + m * n)))
  let worst = 0
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let bound = Math.abs(out0[oo + i * n + j] as number)
      for (let p = 0; p < k; p++) bound += Math.abs((a[ao + atA(layout, m, k, i, p)] as number) * (b[bo + atB(layout, k, n, p, j)] as number))
      const d = Math.abs((wasm[oo + i * n + j] as number) - (js[oo + i * n + j] as number))
      worst = Math.max(worst, bound === 0 ? d : d / bound)
    }
  }
  expect(worst, `${layout} ${m}×${k}×${n}`).toBeLessThanOrEqual(1e-12)
}

const LAYOUTS: ReadonlyArray<Layout> = ['NN', 'NT', 'TN']

/** Random cases with dimensions up to `maxMN` (m, n) and `maxK`, offsets up to `maxOffset`. */
const cases = (maxMN: number, maxK: number, maxOffset: number): fc.Arbitrary<Case> =>
  fc.record({
    layout: fc.constantFrom(...LAYOUTS),
    m: fc.integer({ min: 1, max: maxMN }),
    k: fc.integer({ min: 0, max: maxK }),
    n: fc.integer({ min: 1, max: maxMN }),
    offsets: fc.tuple(fc.nat(maxOffset), fc.nat(maxOffset), fc.nat(maxOffset)),
    seed: fc.nat()
  })

describe('WebAssembly matrix products', () => {
  afterEach(() => {
    setStagingLimit(1 << 22)
  })

  it('agree with the JavaScript loops on the edge cases: empty, 1 × 1, k = 0 and 1, every edge-tile size', () => {
    const shapes: ReadonlyArray<readonly [number, number, number]> = [
      [0, 3, 4],
      [3, 0, 4],
      [3, 4, 0],
      [1, 1, 1],
      [1, 7, 1],
      [5, 1, 6],
      [2, 3, 300],
      [3, 5, 7],
      [4, 4, 4],
      [6, 9, 5],
      [7, 130, 9],
      [16, 257, 33],
      [64, 129, 10]
    ]
    for (const layout of LAYOUTS) for (const [m, k, n] of shapes) compare({ layout, m, k, n, offsets: [3, 5, 2], seed: m * 100 + k * 10 + n })
  })

  it('agree with the JavaScript loops on random shapes and offsets', () => {
    fc.assert(fc.property(cases(40, 70, 9), compare), { numRuns: 150 })
  })

  it('agree across the packed kernel blocks: k past 256 (KC), m past 128 (MC), n past 1024 (NC)', () => {
    for (const layout of LAYOUTS) {
      compare({ layout, m: 9, k: 515, n: 11, offsets: [1, 2, 3], seed: 7 })
      compare({ layout, m: 261, k: 6, n: 7, offsets: [0, 0, 0], seed: 8 })
      compare({ layout, m: 5, k: 3, n: 1030, offsets: [2, 0, 1], seed: 9 })
    }
  })

  it('agree exactly where both sum in the same order: out = 0 and k ≤ 256 (one block of the packed kernel)', () => {
    fc.assert(
      fc.property(cases(40, 256, 5), ({ layout, m, k, n, offsets: [ao, bo, oo], seed }) => {
        const a = values(ao + m * k, seed)
        const b = values(bo + k * n, seed + 1)
        const js = new Float64Array(oo + m * n)
        const wasm = new Float64Array(oo + m * n)
        JS[layout](a, ao, b, bo, js, oo, m, k, n)
        gemm(kernels, layout, a, ao, b, bo, wasm, oo, m, k, n, false)
        expect(wasm).toEqual(js)
      }),
      { numRuns: 100 }
    )
  })

  it('cut products larger than the staging limit into blocks, with the same results', () => {
    // side = largest multiple of 4 with 3·side² ≤ limit: 8 here, so every dimension is cut
    setStagingLimit(3 * 8 * 8 + 10)
    expect(stagingLimit()).toBe(202)
    fc.assert(fc.property(cases(30, 30, 5), compare), { numRuns: 100 })
    expect(setStagingLimit(1)).toBe(202)
    expect(stagingLimit()).toBe(48)
  })

  it('report the first non-finite entry of the result when asked (whole and blocked), -1 when all are finite', () => {
    const m = 6
    const k = 5
    const n = 7
    const a = values(m * k, 1)
    const b = values(k * n, 2)
    a[2 * k + 3] = Infinity // row 2 of a: row 2 of the result is ±Infinity or NaN
    b[4] = Number.NaN // column 4 of b: column 4 of every row is NaN
    const expected = 4 // row 0, column 4
    for (const limit of [1 << 22, 48]) {
      setStagingLimit(limit)
      for (const layout of ['NN'] as const) {
        const out = new Float64Array(m * n)
        expect(gemm(kernels, layout, a, 0, b, 0, out, 0, m, k, n, true)).toBe(expected)
        const finite = new Float64Array(m * n)
        expect(gemm(kernels, layout, values(m * k, 3), 0, values(k * n, 4), 0, finite, 0, m, k, n, true)).toBe(-1)
      }
    }
    // the seam's kernels report the same index on either backend
    const out = new Float64Array(m * n + 1)
    expect(K.matmulNN(a, 0, b, 0, out, 1, m, k, n, true)).toBe(expected)
    expect(K.matmulNN(a, 0, b, 0, new Float64Array(m * n), 0, m, k, n)).toBe(-1) // not asked: not checked
  })
})
