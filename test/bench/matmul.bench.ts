/**
 * Matrix product throughput (issue 11): the public `ops.matmul` (forward, float64, whatever
 * kernels the library runs) against tfjs-wasm's `tf.matMul` (SIMD, one thread, float32), in
 * GFLOP/s (2·m·k·n per product), for square products 64…1024 and the forward products of the
 * MLP benchmark's networks. Each row of each shape in its own process; the library's
 * product is checked against nothing but itself and tfjs's against it (1e-5, float32).
 *
 * What is timed: `Lens.evaluate(ops.matmul, [a, b])`, a fresh `Float64Array` product, and
 * `tf.matMul(a, b)` then `dispose()` of the product, which stays in WebAssembly memory (the
 * wasm backend runs its kernels synchronously).
 *
 *     npm run bench -- matmul
 *
 * @module bench/matmul
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Lens, Tensor, ops } from '../../src/index.js'
import * as H from './harness.js'
import { sci, subject, worstArrayError, type Benchmark, type Group, type Output, type Row, type Subject, type Verdict } from './model.js'
import type { TableRecord } from './results.js'
import { describeTf, loadTf, TFJS_LABEL } from './tfjs.js'

interface Shape {
  readonly id: string
  readonly m: number
  readonly k: number
  readonly n: number
}

const square = (s: number): Shape => ({ id: `${s}³`, m: s, k: s, n: s })
const product = (m: number, k: number, n: number, of: string): Shape => ({ id: `${m}×${k} · ${k}×${n} (${of})`, m, k, n })

const SHAPES: ReadonlyArray<Shape> = [
  ...[64, 128, 256, 512, 1024].map(square),
  product(64, 784, 128, '784-128-10 b64, layer 1'),
  product(64, 128, 10, '784-128-10 b64, layer 2'),
  product(128, 784, 512, '784-512-512-10 b128, layer 1'),
  product(128, 512, 512, '784-512-512-10 b128, layer 2'),
  product(128, 512, 10, '784-512-512-10 b128, layer 3')
]

const LIB = 'lib ops.matmul (float64)'
const TF_WASM = `${TFJS_LABEL.wasm} tf.matMul (float32)`
const ROWS: ReadonlyArray<Row> = [{ name: LIB }, { name: TF_WASM, float32: true }]
const TOL32 = 1e-5

const flops = (s: Shape): number => 2 * s.m * s.k * s.n

/**
 * Which kernels the library's matmul runs, if the library says: its kernel seam's
 * `kernelBackend()` and `kernelChoice()` (`src/kernels/backend.ts`, internal, present once the
 * library has more than one kernel path). Without that module, the library has one path and
 * does not name it.
 */
const kernelPath = async (): Promise<string> => {
  try {
    const backend: unknown = await import(new URL(`../../src/kernels/backend.${import.meta.url.endsWith('.ts') ? 'ts' : 'js'}`, import.meta.url).href)
    const ask = (name: string): string | undefined => {
      const f = typeof backend === 'object' && backend !== null ? (backend as Record<string, unknown>)[name] : undefined
      return typeof f === 'function' ? String((f as () => unknown)()) : undefined
    }
    const used = ask('kernelBackend')
    const choice = ask('kernelChoice')
    if (used !== undefined) return `${used}${choice === undefined ? '' : ` (choice: ${choice})`}, as src/kernels/backend.ts reports it`
    return 'not reported (src/kernels/backend.ts has no kernelBackend())'
  } catch {
    return 'not reported by the library (one kernel path, no src/kernels/backend.ts)'
  }
}

const check = (reference: Output, got: Output, row: Row): Verdict => {
  const worst = worstArrayError(got, reference)
  const tol = row.float32 === true ? TOL32 : 0
  return { ok: worst <= tol, text: `product max|Δ| / max|ref| ${sci(worst)} (tolerance ${tol})` }
}

const groups = (): ReadonlyArray<Group> =>
  SHAPES.map((s) => ({
    id: s.id,
    title: `${s.id}: ${(flops(s) / 1e6).toPrecision(3)} MFLOP`,
    unit: H.msPer('product'),
    rows: ROWS,
    reference: LIB,
    baselines: [TF_WASM],
    check,
    columns: [{ header: 'GFLOP/s', cell: (ms: number) => H.fmt(flops(s) / (ms * 1e6)) }]
  }))

const operands = (s: Shape): readonly [Tensor.Tensor, Tensor.Tensor] => [
  Tensor.randomUniform([s.m, s.k], { seed: 1, low: -1, high: 1 }),
  Tensor.randomUniform([s.k, s.n], { seed: 2, low: -1, high: 1 })
]

const build = async (groupId: string, rowName: string): Promise<Subject> => {
  const s = SHAPES.find((x) => x.id === groupId)
  if (s === undefined) throw new Error(`matmul: no shape ${groupId}`)
  const [a, b] = operands(s)
  if (rowName === LIB) {
    const pair = [a, b] as const
    return subject({
      run: () => Lens.evaluate(ops.matmul, pair),
      output: (c: Tensor.Tensor) => ({ scalars: [], arrays: [c.data] }),
      notes: { 'kernel path': await kernelPath() }
    })
  }
  if (rowName !== TF_WASM) throw new Error(`matmul: no row ${rowName}`)
  const tf = await loadTf('wasm')
  const ta = tf.tensor2d(Float32Array.from(a.data), [s.m, s.k])
  const tb = tf.tensor2d(Float32Array.from(b.data), [s.k, s.n])
  return subject({
    run: () => tf.matMul(ta, tb).dispose(),
    output: () => {
      const c: TF.Tensor = tf.matMul(ta, tb)
      const data = Float32Array.from(c.dataSync())
      c.dispose()
      return { scalars: [], arrays: [data] }
    },
    notes: { 'loaded as': describeTf(tf) }
  })
}

/** GFLOP/s of both, side by side, and the target of issue 11. */
const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const gflops = (t: TableRecord, row: string): number => {
    const s = SHAPES.find((x) => x.id === t.id)
    const ms = t.rows.find((r) => r.name === row)?.median ?? null
    return s === undefined || ms === null ? NaN : flops(s) / (ms * 1e6)
  }
  console.log('\n### GFLOP/s (medians of this run)\n')
  console.log(
    H.markdownTable(
      ['product', LIB, TF_WASM, 'lib ÷ tfjs-wasm (time)'],
      tables.map((t) => [t.id, H.fmt(gflops(t, LIB)), H.fmt(gflops(t, TF_WASM)), H.fmt(gflops(t, TF_WASM) / gflops(t, LIB))])
    )
  )
  const at512 = tables.find((t) => t.id === square(512).id)
  const g = at512 === undefined ? NaN : gflops(at512, LIB)
  console.log(`\nkernel path: ${tables[0]?.rows.find((r) => r.name === LIB)?.notes?.['kernel path'] ?? 'unknown'}`)
  console.log('\n### Target (issue 11)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict', 'stretch'],
      [['ops.matmul float64 ≥ 12 GFLOP/s at 512³, one thread (stretch 18)', `${H.fmt(g)} GFLOP/s`, H.verdict(12, g), H.verdict(18, g)]]
    )
  )
}

export const benchmark: Benchmark = { name: 'matmul', groups, build, summarise }
