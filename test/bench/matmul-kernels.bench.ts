/**
 * The matrix kernels of `src/kernels/matmul.ts` against plain loops, at the shapes of the
 * issue-3 MLP (784-128-10, batch 64) and one square case. Per product:
 * - `NN` (`y = x·w`): the plain i-k-j loop with hoisted row offsets (the baseline: what a
 *   careful hand-written loop does) against `matmulNN` (register-blocked 2 rows × 4 of k,
 *   k cut into panels);
 * - `TN` (`dw = xᵀ·dy`): the plain loop in p-i-j order, and a transpose materialised then
 *   the plain i-k-j loop, against `matmulTN`;
 * - `NT` (`dx = dy·wᵀ`): plain dot products, and a transpose materialised then the plain
 *   i-k-j loop, against `matmulNT`.
 * Every case is checked against the baseline's result (1e-12 relative) before timing.
 * The stretch target of issue 3: the blocked kernel ≥ 1.5× faster than plain i-k-j.
 *
 *     npx tsx test/bench/matmul-kernels.bench.ts     # this benchmark alone
 *     npm run bench -- matmul                        # through the runner
 *
 * @module bench/matmul-kernels
 */
import { pathToFileURL } from 'node:url'
import * as K from '../../src/kernels/index.js'
import { matmulNNPlain } from '../support/reference-kernels.js'
import * as H from './harness.js'

type Kernel = (a: Float64Array, aOff: number, b: Float64Array, bOff: number, out: Float64Array, oOff: number, m: number, k: number, n: number) => void

const random = (n: number, seed: number): Float64Array => {
  // A small LCG: the benchmark needs reproducible data, not good randomness.
  let s = seed >>> 0
  const out = new Float64Array(n)
  for (let i = 0; i < n; i++) {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    out[i] = s / 4294967296 - 0.5
  }
  return out
}

/** `at[c×r] = a[r×c]ᵀ` in a fresh array (what the plain-loop alternatives pay for). */
const transposed = (a: Float64Array, r: number, c: number): Float64Array => {
  const out = new Float64Array(r * c)
  for (let i = 0; i < r; i++) for (let j = 0; j < c; j++) out[j * r + i] = a[i * c + j] as number
  return out
}

const plainTN: Kernel = (a, aOff, b, bOff, out, oOff, m, k, n) => {
  for (let p = 0; p < k; p++) {
    const bp = bOff + p * n
    for (let i = 0; i < m; i++) {
      const x = a[aOff + p * m + i] as number
      const oi = oOff + i * n
      for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + x * (b[bp + j] as number)
    }
  }
}

const plainNT: Kernel = (a, aOff, b, bOff, out, oOff, m, k, n) => {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k
    for (let j = 0; j < n; j++) {
      const bj = bOff + j * k
      let s = 0
      for (let p = 0; p < k; p++) s += (a[ai + p] as number) * (b[bj + p] as number)
      out[oOff + i * n + j] = (out[oOff + i * n + j] as number) + s
    }
  }
}

/** One product to time: the operands as the kernel reads them, and the implementations. */
interface Problem {
  readonly label: string
  readonly m: number
  readonly k: number
  readonly n: number
  readonly baseline: string
  readonly impls: ReadonlyArray<readonly [string, (out: Float64Array) => void]>
}

const problems = (): Array<Problem> => {
  const out: Array<Problem> = []
  const shapes: ReadonlyArray<readonly [string, number, number, number]> = [
    ['MLP layer 1 (64×784 · 784×128)', 64, 784, 128],
    ['MLP layer 2 (64×128 · 128×10)', 64, 128, 10],
    ['square 256', 256, 256, 256]
  ]
  for (const [label, m, k, n] of shapes) {
    // NN: y[m×n] = x[m×k] · w[k×n]
    const x = random(m * k, 1)
    const w = random(k * n, 2)
    out.push({
      label: `NN ${label}: y = x·w`,
      m,
      k,
      n,
      baseline: 'plain i-k-j',
      impls: [
        ['plain i-k-j', (o) => matmulNNPlain(x, 0, w, 0, o, 0, m, k, n)],
        ['matmulNN (blocked)', (o) => K.matmulNN(x, 0, w, 0, o, 0, m, k, n)]
      ]
    })
    // TN: dw[k×n] = x[m×k]ᵀ · dy[m×n]
    const dy = random(m * n, 3)
    out.push({
      label: `TN ${label}: dw = xᵀ·dy`,
      m: k,
      k: m,
      n,
      baseline: 'plain p-i-j',
      impls: [
        ['plain p-i-j', (o) => plainTN(x, 0, dy, 0, o, 0, k, m, n)],
        ['transpose + plain i-k-j', (o) => matmulNNPlain(transposed(x, m, k), 0, dy, 0, o, 0, k, m, n)],
        ['matmulTN (blocked)', (o) => K.matmulTN(x, 0, dy, 0, o, 0, k, m, n)]
      ]
    })
    // NT: dx[m×k] = dy[m×n] · w[k×n]ᵀ
    out.push({
      label: `NT ${label}: dx = dy·wᵀ`,
      m,
      k: n,
      n: k,
      baseline: 'plain dot products',
      impls: [
        ['plain dot products', (o) => plainNT(dy, 0, w, 0, o, 0, m, n, k)],
        ['transpose + plain i-k-j', (o) => matmulNNPlain(dy, 0, transposed(w, k, n), 0, o, 0, m, n, k)],
        ['matmulNT (blocked)', (o) => K.matmulNT(dy, 0, w, 0, o, 0, m, n, k)]
      ]
    })
  }
  return out
}

const agree = (x: Float64Array, y: Float64Array): boolean => x.every((v, i) => Math.abs(v - (y[i] as number)) <= 1e-12 * (1 + Math.abs(v)))

/** Runs the benchmark and prints one table per product, then the stretch-target summary. */
export const run = (options: H.BenchOptions = { quick: false }): void => {
  const measureOptions: H.MeasureOptions = options.quick ? { samples: 3, minSampleMs: 5, warmupMs: 20 } : { samples: 9, minSampleMs: 60, warmupMs: 300 }
  const summary: Array<Array<string>> = []
  for (const p of problems()) {
    const flops = 2 * p.m * p.k * p.n
    const reference = new Float64Array(p.m * p.n)
    ;(p.impls[0] as readonly [string, (out: Float64Array) => void])[1](reference)
    const cases: Array<H.Case> = p.impls.map(([name, f]) => ({
      name,
      fn: () => {
        const o = new Float64Array(p.m * p.n)
        f(o)
        return o
      },
      expect: (r) => r instanceof Float64Array && agree(r, reference)
    }))
    const results = H.measure(cases, measureOptions)
    console.log(`\n### ${p.label} — ${(flops / 1e6).toFixed(1)} MFLOP\n`)
    console.log(H.resultTable(results, p.baseline, H.msPer('product')))
    const base = H.byName(results, p.baseline)
    const ours = results[results.length - 1] as H.Result
    const speedup = base.median / ours.median
    summary.push([p.label, ours.name, `${H.fmt((flops / ours.median) * 1)} GFLOP/s`, `${H.fmt(speedup)}×`, H.verdict(1.5, speedup)])
  }
  console.log('\n### Summary: blocked kernel against the plain loop (stretch: ≥ 1.5× faster)\n')
  console.log(H.markdownTable(['product', 'kernel', 'kernel GFLOP/s', 'speed-up vs plain', '≥ 1.5×'], summary))
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(H.machineLine())
  run({ quick: process.argv.includes('--quick') })
}
