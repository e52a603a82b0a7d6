/**
 * Matrix products in GFLOP/s: the JavaScript kernels (`src/kernels/matmul.ts`, register- and
 * cache-blocked loops) against the WebAssembly SIMD kernels (`src/kernels/assembly/gemm.ts`,
 * packed 4 × 4 f64x2 microkernel, with the host's staging copies included), and the public
 * `ops.matmul` as users call it (kernel choice `auto`; it also allocates the result, checks that
 * it is finite and wraps it in a tensor), in float64 on one thread:
 * - square products NN at 64, 128, 256, 512 and 1024;
 * - the MLP's products at 784-128-10 batch 64 and 784-512-512-10 batch 128: forward
 *   `y = x·w` (NN), and backward `dw = xᵀ·dy` (TN) and `dx = dy·wᵀ` (NT).
 * Every case is checked against the JavaScript kernel (1e-12 × k) before timing. Cells give
 * the median GFLOP/s of the samples and, in brackets, the fastest sample's (on a shared
 * machine the fastest of many short samples is the closest to an idle core); speed-ups are the
 * JavaScript kernel's median time over the case's, in the same run. The target of issue 11:
 * `ops.matmul` ≥ 12 GFLOP/s at 512³ (stretch 18).
 *
 *     npx tsx test/bench/matmul-kernels.bench.ts [--quick]   # this benchmark alone
 *     npm run bench -- matmul                                # through the runner
 *
 * @module bench/matmul-kernels
 */
import { pathToFileURL } from 'node:url'
import { Lens, Tensor, ops } from '../../src/index.js'
import * as Js from '../../src/kernels/matmul.js'
import { kernelBackend, loadedKernels, setKernelBackend } from '../../src/kernels/backend.js'
import { gemm, type Layout } from '../../src/kernels/wasm/gemm.js'
import type { Kernels } from '../../src/kernels/wasm/instance.js'
import * as H from './harness.js'
import { uniforms } from '../../src/internal/random.js'

/** One product `out[m×n] = op(a)·op(b)` to time. */
interface Problem {
  readonly label: string
  readonly layout: Layout
  readonly m: number
  readonly k: number
  readonly n: number
  /** Whether to time `ops.matmul` too (NN only: the op's forward pass). */
  readonly op: boolean
}

const square = (n: number): Problem => ({ label: `${n}³`, layout: 'NN', m: n, k: n, n, op: true })

/** The three products of a dense layer `[batch × inputs] · [inputs × outputs]`. */
const layer = (name: string, batch: number, inputs: number, outputs: number): Array<Problem> => [
  { label: `${name} y = x·w (${batch}×${inputs}·${inputs}×${outputs})`, layout: 'NN', m: batch, k: inputs, n: outputs, op: true },
  { label: `${name} dw = xᵀ·dy (${inputs}×${batch}·${batch}×${outputs})`, layout: 'TN', m: inputs, k: batch, n: outputs, op: false },
  { label: `${name} dx = dy·wᵀ (${batch}×${outputs}·${outputs}×${inputs})`, layout: 'NT', m: batch, k: outputs, n: inputs, op: false }
]

const problems = (quick: boolean): Array<Problem> => [
  ...(quick ? [64, 256, 512] : [64, 128, 256, 512, 1024]).map(square),
  ...layer('784-128-10 b64, layer 1:', 64, 784, 128),
  ...layer('784-128-10 b64, layer 2:', 64, 128, 10),
  ...(quick ? [] : [...layer('784-512-512-10 b128, layer 1:', 128, 784, 512), ...layer('784-512-512-10 b128, layer 2:', 128, 512, 512)])
]

/** Reproducible data in [−0.5, 0.5), from the library's one seeded generator. */
const random = (n: number, seed: number): Float64Array => {
  const next = uniforms(seed)
  return Float64Array.from({ length: n }, () => next() - 0.5)
}

const JS: Record<Layout, typeof Js.matmulNN> = { NN: Js.matmulNN, NT: Js.matmulNT, TN: Js.matmulTN }

const JS_CASE = 'JavaScript kernel'
const WASM_CASE = 'WebAssembly kernel'
const OP_CASE = 'ops.matmul (auto)'

/** Times one problem; returns its table row. */
const measureProblem = (
  kernels: Kernels,
  p: Problem,
  options: H.MeasureOptions
): { readonly row: Array<string>; readonly opGflops: number; readonly opBest: number } => {
  const { layout, m, k, n } = p
  const a = random(m * k, 1)
  const b = random(k * n, 2)
  const reference = new Float64Array(m * n)
  JS[layout](a, 0, b, 0, reference, 0, m, k, n)
  const agrees = (r: unknown): boolean => {
    const data = r instanceof Float64Array ? r : Tensor.isTensor(r) ? r.data : undefined
    return data !== undefined && data.length === reference.length && data.every((v, i) => Math.abs(v - (reference[i] as number)) <= 1e-12 * k)
  }
  const cases: Array<H.Case> = [
    {
      name: JS_CASE,
      budgetMs: 6000, // the slow case at 1024³: fewer samples
      fn: () => {
        const out = new Float64Array(m * n)
        JS[layout](a, 0, b, 0, out, 0, m, k, n)
        return out
      },
      expect: agrees
    },
    {
      name: WASM_CASE,
      fn: () => {
        const out = new Float64Array(m * n)
        gemm(kernels, layout, a, 0, b, 0, out, 0, m, k, n, false)
        return out
      },
      expect: agrees
    }
  ]
  if (p.op) {
    const A = Tensor.make([m, k], a)
    const B = Tensor.make([k, n], b)
    cases.push({ name: OP_CASE, fn: () => Lens.evaluate(ops.matmul, [A, B]), expect: agrees })
  }
  const results = H.measure(cases, options)
  const flops = 2 * m * k * n
  const gflops = (r: H.Result | undefined): number => (r === undefined || r.error !== undefined ? NaN : flops / r.median)
  const [js, wasm, op] = [results[0], results[1], results[2]]
  const best = (r: H.Result | undefined): number => (r === undefined || r.error !== undefined ? NaN : flops / r.min)
  const cell = (r: H.Result | undefined): string =>
    r === undefined ? '—' : r.error !== undefined ? (r.error.split(':')[0] ?? r.error) : `${H.fmt(gflops(r))} (${H.fmt(best(r))})`
  const speedup = (r: H.Result | undefined): string => (r === undefined || r.error !== undefined || js === undefined ? '—' : `${H.fmt(js.median / r.median)}×`)
  return {
    row: [p.label, H.fmt(flops / 1e6), cell(js), cell(wasm), speedup(wasm), cell(op), speedup(op)],
    opGflops: p.label === '512³' ? gflops(op) : NaN,
    opBest: p.label === '512³' ? best(op) : NaN
  }
}

/** Runs the benchmark and prints the GFLOP/s table and the target. */
export const run = (options: H.BenchOptions = { quick: false }): void => {
  const previous = kernelBackend()
  setKernelBackend('auto')
  const kernels = loadedKernels()
  if (kernels === null || kernelBackend() !== 'wasm') {
    console.log('matmul-kernels: this runtime has no WebAssembly SIMD; nothing to compare')
    return
  }
  // many short samples: on a shared machine the fastest one says what an idle core does
  const measureOptions: H.MeasureOptions = options.quick ? { samples: 3, minSampleMs: 10, warmupMs: 20 } : { samples: 41, minSampleMs: 5, warmupMs: 300 }
  const rows: Array<Array<string>> = []
  let target = NaN
  let targetBest = NaN
  for (const p of problems(options.quick)) {
    const { row, opGflops, opBest } = measureProblem(kernels, p, measureOptions)
    rows.push(row)
    if (Number.isFinite(opGflops)) [target, targetBest] = [opGflops, opBest]
  }
  console.log(
    'GFLOP/s: median of the samples (fastest sample); float64, one thread; speed-ups: the JavaScript kernel\'s median time ÷ this median, same run\n'
  )
  console.log(H.markdownTable(['product', 'MFLOP', 'JS kernel', 'wasm kernel', 'wasm speed-up', 'ops.matmul', 'ops.matmul speed-up'], rows))
  const verdict = !Number.isFinite(target) ? 'not measured' : target >= 18 ? 'PASS (stretch too)' : target >= 12 ? 'PASS' : 'MISS'
  console.log(
    `\nTarget: ops.matmul ≥ 12 GFLOP/s at 512³ (stretch 18): ${Number.isFinite(target) ? H.fmt(target) : '—'} GFLOP/s (median), ${verdict}; fastest sample ${H.fmt(targetBest)}`
  )
  setKernelBackend(previous === 'js' ? 'js' : undefined)
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  console.log(H.machineLine())
  run({ quick: process.argv.includes('--quick') })
}
