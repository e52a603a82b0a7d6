/**
 * One gradient step of a relu perceptron with a softmax cross-entropy (issue 3 item 6,
 * issue 11), at three sizes — tiny 1-16-16-4 batch 8 (bookkeeping dominates),
 * 784-128-10 batch 64 and 784-512-512-10 batch 128 (the matmuls dominate) — by:
 * - `Train.fit`'s default step: one call of fit over one batch (shuffling, gathering, the
 *   loss check and an sgd update included), no `atInput`;
 * - the `Layer.mlp` step alone: `Lens.valueAndGrad` over `[params, x]` (it computes the
 *   input batch's gradient too);
 * - the `Layer.mlp(...).atInput(x)` step (parameters only);
 * - `ops` composed with `Lens.pipe` (first layer `ops.matmulLeft(x)`);
 * - tfjs-cpu and tfjs-wasm (SIMD, one thread) `tf.variableGrads` steps, float32;
 * - hand-written loops over `Float64Array` (the reference) and `Float32Array`.
 * The implementations are in `mlp-nets.ts`. Every row runs in its own process with the same
 * weights and batch, and is checked against the hand-written float64 step before timing:
 * the loss to 1e-14 relative and every gradient tensor to 1e-12 (`max|Δ| / max|ref|`) in
 * float64; 1e-6 and 1e-5 in float32 (measured: ~1e-16 and ~1e-15; ~1e-7 and ~5e-7). The
 * `Train.fit` row's gradient is read back from its update, `(p₀ − p₁) / lr`, which loses a
 * few digits (~1e-14): 1e-12 there too.
 *
 *     npm run bench -- mlp
 *
 * @module bench/mlp
 */
import * as H from './harness.js'
import { relDiff, sci, subject, worstArrayError, type Benchmark, type Group, type Output, type Row, type Subject, type Verdict } from './model.js'
import { buildHand, buildLibAtInput, buildLibFit, buildLibMlp, buildLibOps, buildTf, flopsPerStep, makeProblem, type Built, type Net } from './mlp-nets.js'
import type { TableRecord } from './results.js'
import { describeTf, loadTf, TFJS_LABEL } from './tfjs.js'

const NETS: ReadonlyArray<Net> = [
  { id: 'tiny 1-16-16-4 b8', sizes: [1, 16, 16, 4], batch: 8 },
  { id: '784-128-10 b64', sizes: [784, 128, 10], batch: 64 },
  { id: '784-512-512-10 b128', sizes: [784, 512, 512, 10], batch: 128 }
]

const FIT = 'lib Train.fit step (sgd)'
const MLP = 'lib Layer.mlp step'
const AT_INPUT = 'lib Layer.mlp atInput step'
const OPS = 'lib ops + Lens.pipe'
const TF_CPU = `${TFJS_LABEL.cpu} variableGrads`
const TF_WASM = `${TFJS_LABEL.wasm} variableGrads`
const HAND64 = 'hand-written Float64Array'
const HAND32 = 'hand-written Float32Array'

const ROWS: ReadonlyArray<Row> = [
  { name: FIT },
  { name: MLP },
  { name: AT_INPUT },
  { name: OPS },
  { name: TF_WASM, float32: true },
  { name: TF_CPU, float32: true },
  { name: HAND64 },
  { name: HAND32, float32: true }
]

const TOLERANCES = {
  float64: { loss: 1e-14, grads: 1e-12 },
  fit: { loss: 1e-14, grads: 1e-12 },
  float32: { loss: 1e-6, grads: 1e-5 }
} as const

const check = (reference: Output, got: Output, row: Row): Verdict => {
  const tol = row.float32 === true ? TOLERANCES.float32 : row.name === FIT ? TOLERANCES.fit : TOLERANCES.float64
  const dLoss = relDiff(got.scalars[0] ?? NaN, reference.scalars[0] ?? NaN)
  const dGrad = worstArrayError(got, reference)
  return {
    ok: dLoss <= tol.loss && dGrad <= tol.grads,
    text: `loss ${got.scalars[0]} (rel. diff ${sci(dLoss)}, tolerance ${tol.loss}), ${got.arrays.length} gradient tensors (worst ${sci(dGrad)}, tolerance ${tol.grads})`
  }
}

const groups = (): ReadonlyArray<Group> =>
  NETS.map((net) => {
    const flops = flopsPerStep(net)
    const tiny = net.sizes[0] === 1
    const unit = tiny ? H.usPer('step') : H.msPer('step')
    return {
      id: net.id,
      title: `MLP ${net.sizes.join('-')}, batch ${net.batch} (${(flops / 1e6).toPrecision(3)} MFLOP of matmul per step)`,
      intro: `checked against ${HAND64} (loss and every gradient tensor):`,
      unit,
      rows: ROWS,
      reference: HAND64,
      baselines: [TF_WASM, HAND64, ...(tiny ? [HAND32] : [])],
      check,
      columns: [{ header: 'GFLOP/s', cell: (median: number) => H.fmt(flops / (median / unit.fromNs)) }]
    }
  })

const built = <R>(b: Built<R>, notes?: Readonly<Record<string, string>>): Subject =>
  subject({ run: b.step, output: b.output, ...(notes === undefined ? {} : { notes }) })

const build = async (groupId: string, rowName: string): Promise<Subject> => {
  const net = NETS.find((n) => n.id === groupId)
  if (net === undefined) throw new Error(`mlp: no network ${groupId}`)
  const problem = makeProblem(net)
  switch (rowName) {
    case FIT:
      return built(buildLibFit(problem))
    case MLP:
      return built(buildLibMlp(problem))
    case AT_INPUT:
      return built(buildLibAtInput(problem))
    case OPS:
      return built(buildLibOps(problem))
    case HAND64:
      return built(buildHand(problem, Float64Array))
    case HAND32:
      return built(buildHand(problem, Float32Array))
    case TF_CPU:
    case TF_WASM: {
      const tf = await loadTf(rowName === TF_CPU ? 'cpu' : 'wasm')
      return built(buildTf(tf, problem), { 'loaded as': describeTf(tf) })
    }
    default:
      throw new Error(`mlp: no row ${rowName}`)
  }
}

/** The targets of issue 11 (and issue 3's tiny-network one), from this run's ratios. */
const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const ratio = (id: string, row: string, base: string): number => tables.find((t) => t.id === id)?.rows.find((r) => r.name === row)?.ratios[base] ?? NaN
  const [tiny, mid, big] = NETS.map((n) => n.id) as [string, string, string]
  const rows: Array<Array<string>> = []
  const target = (what: string, r: number, bound: number, stretch?: number): void => {
    rows.push([what, `${H.fmt(r)}×`, H.verdict(r, bound), stretch === undefined ? '—' : H.verdict(r, stretch)])
  }
  target(`${mid}: Train.fit step ≤ 0.5× tfjs-wasm (stretch 0.33×)`, ratio(mid, FIT, TF_WASM), 0.5, 0.33)
  target(`${big}: Train.fit step ≤ 0.5× tfjs-wasm`, ratio(big, FIT, TF_WASM), 0.5)
  target(`${tiny}: Train.fit step ≤ 1.3× hand-written Float32Array`, ratio(tiny, FIT, HAND32), 1.3)
  target(`${tiny}: Layer.mlp step ≤ 1.3× hand-written Float32Array`, ratio(tiny, MLP, HAND32), 1.3)
  console.log('\n### Targets (issue 11; ratios of medians in this run)\n')
  console.log(H.markdownTable(['target', 'measured', 'verdict', 'stretch'], rows))
}

export const benchmark: Benchmark = { name: 'mlp', groups, build, summarise }
