/**
 * One gradient step of the CNN demo's network (issue 12 item 5): conv 5×5×16 → relu →
 * max-pool 2 → conv 5×5×32 → relu → max-pool 2 → flatten → dense 10, softmax cross-entropy,
 * 28×28×1 inputs (the demo's dropout is left out: tfjs would draw other masks), by:
 * - `Lens.valueAndGrad` of the `Para.pipe` network (`Layer.conv2d`: im2col and the matrix
 *   kernels), over `[params, x]`;
 * - `Train.fit` for one step (sgd), the gradient read back from the update;
 * - the same network with the convolutions as direct loop nests (the alternative to im2col,
 *   issue 12 item 3);
 * - tfjs-cpu and tfjs-wasm (SIMD, one thread) `tf.variableGrads`, float32.
 * A last table times inference alone (the logits of 256 images), which tfjs-wasm runs
 * (its forward convolution is XNNPACK's).
 * Implementations in `cnn-nets.ts`. Every row runs in its own process with the same weights
 * and batch and is checked against the first before timing: the loss to 1e-12 and every
 * gradient tensor to 1e-10 (`max|Δ| / max|ref|`) in float64, 1e-5 and 1e-4 in float32.
 *
 * tfjs-wasm 4.22 has no `Conv2DBackpropFilter` kernel, so it cannot run this step: its row is
 * expected to fail with that error, and tfjs-cpu is the fastest tfjs backend that runs it.
 *
 *     npm run bench -- cnn
 *
 * @module bench/cnn
 */
import * as H from './harness.js'
import { relDiff, sci, subject, worstArrayError, type Benchmark, type Group, type Output, type Row, type Subject, type Verdict } from './model.js'
import { buildLib, buildLibEval, buildLibFit, buildTf, flopsPerStep, makeProblem, type Built } from './cnn-nets.js'
import type { TableRecord } from './results.js'
import { describeTf, loadTf, TFJS_LABEL } from './tfjs.js'

const BATCHES = [32, 64] as const
/** The inference table's batch: the size `Train.evaluate` scores in (1,000) is too slow for tfjs-cpu's samples. */
const EVAL_BATCH = 256
const EVAL = `eval b${EVAL_BATCH}`

const LIB = 'lib Para.pipe CNN step'
const FIT = 'lib Train.fit step (sgd)'
const DIRECT = 'lib, convolutions as direct loops'
const TF_CPU = `${TFJS_LABEL.cpu} variableGrads`
const TF_WASM = `${TFJS_LABEL.wasm} variableGrads`

const ROWS: ReadonlyArray<Row> = [
  { name: LIB },
  { name: FIT },
  { name: DIRECT },
  { name: TF_CPU, float32: true },
  { name: TF_WASM, float32: true, expectError: /Conv2DBackpropFilter/ }
]

const LIB_EVAL = 'lib Lens.evaluate'
const TF_CPU_EVAL = `${TFJS_LABEL.cpu} forward`
const TF_WASM_EVAL = `${TFJS_LABEL.wasm} forward`
const EVAL_ROWS: ReadonlyArray<Row> = [{ name: LIB_EVAL }, { name: TF_CPU_EVAL, float32: true }, { name: TF_WASM_EVAL, float32: true }]

const TOLERANCES = {
  float64: { loss: 1e-12, grads: 1e-10 },
  float32: { loss: 1e-5, grads: 1e-4 }
} as const

const check = (reference: Output, got: Output, row: Row): Verdict => {
  const tol = row.float32 === true ? TOLERANCES.float32 : TOLERANCES.float64
  const dLoss = relDiff(got.scalars[0] ?? NaN, reference.scalars[0] ?? NaN)
  const dGrad = worstArrayError(got, reference)
  return {
    ok: dLoss <= tol.loss && dGrad <= tol.grads,
    text: `loss ${got.scalars[0]} (rel. diff ${sci(dLoss)}, tolerance ${tol.loss}), ${got.arrays.length} gradient tensors (worst ${sci(dGrad)}, tolerance ${tol.grads})`
  }
}

const idOf = (batch: number): string => `b${batch}`

/** Logits only: every entry within 1e-12 (float64) or 1e-5 (float32) of the reference's, relative to the largest. */
const checkLogits = (reference: Output, got: Output, row: Row): Verdict => {
  const tol = row.float32 === true ? TOLERANCES.float32.loss : TOLERANCES.float64.loss
  const d = worstArrayError(got, reference)
  return { ok: d <= tol, text: `${got.arrays[0]?.length ?? 0} logits (worst ${sci(d)}, tolerance ${tol})` }
}

const evalGroup = (): Group => {
  const flops = flopsPerStep(EVAL_BATCH, true)
  const unit = H.msPer('batch')
  return {
    id: EVAL,
    title: `The same CNN, inference only (logits), batch ${EVAL_BATCH} (${(flops / 1e6).toPrecision(3)} MFLOP of products)`,
    intro: `checked against ${LIB_EVAL} (every logit):`,
    unit,
    rows: EVAL_ROWS,
    reference: LIB_EVAL,
    baselines: [TF_WASM_EVAL, TF_CPU_EVAL],
    check: checkLogits,
    sampling: { samples: 7 },
    columns: [{ header: 'GFLOP/s', cell: (median: number) => H.fmt(flops / (median / unit.fromNs)) }]
  }
}

const groups = (): ReadonlyArray<Group> => [
  ...BATCHES.map((batch): Group => {
    const flops = flopsPerStep(batch)
    const unit = H.msPer('step')
    return {
      id: idOf(batch),
      title: `CNN 28×28×1 → conv 5×5×16 → pool → conv 5×5×32 → pool → dense 10, batch ${batch} (${(flops / 1e6).toPrecision(3)} MFLOP of products per step)`,
      intro: `checked against ${LIB} (loss and every gradient tensor):`,
      unit,
      rows: ROWS,
      reference: LIB,
      baselines: [TF_CPU],
      check,
      sampling: { samples: 7 },
      columns: [{ header: 'GFLOP/s', cell: (median: number) => H.fmt(flops / (median / unit.fromNs)) }]
    }
  }),
  evalGroup()
]

const built = <R>(b: Built<R>, notes?: Readonly<Record<string, string>>): Subject =>
  subject({ run: b.step, output: b.output, ...(notes === undefined ? {} : { notes }) })

const build = async (groupId: string, rowName: string): Promise<Subject> => {
  if (groupId === EVAL) {
    const problem = makeProblem(EVAL_BATCH)
    if (rowName === LIB_EVAL) return built(buildLibEval(problem))
    if (rowName !== TF_CPU_EVAL && rowName !== TF_WASM_EVAL) throw new Error(`cnn: no row ${rowName}`)
    const tf = await loadTf(rowName === TF_CPU_EVAL ? 'cpu' : 'wasm')
    return built(buildTf(tf, problem, true), { 'loaded as': describeTf(tf) })
  }
  const batch = BATCHES.find((b) => idOf(b) === groupId)
  if (batch === undefined) throw new Error(`cnn: no table ${groupId}`)
  const problem = makeProblem(batch)
  switch (rowName) {
    case LIB:
      return built(buildLib(problem))
    case FIT:
      return built(buildLibFit(problem))
    case DIRECT:
      return built(buildLib(problem, true))
    case TF_CPU:
    case TF_WASM: {
      const tf = await loadTf(rowName === TF_CPU ? 'cpu' : 'wasm')
      return built(buildTf(tf, problem), { 'loaded as': describeTf(tf) })
    }
    default:
      throw new Error(`cnn: no row ${rowName}`)
  }
}

/** Issue 12's target, from this run's ratios: the step ≤ 1.0× the fastest tfjs backend that runs it (stretch 0.5×). */
const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const rows: Array<Array<string>> = []
  for (const batch of BATCHES) {
    const table = tables.find((t) => t.id === idOf(batch))
    if (table === undefined) continue
    for (const name of [LIB, FIT]) {
      const r = table.rows.find((x) => x.name === name)?.ratios[TF_CPU] ?? NaN
      rows.push([`${idOf(batch)}: ${name} ≤ 1.0× ${TF_CPU} (stretch 0.5×)`, `${H.fmt(r)}×`, H.verdict(r, 1), H.verdict(r, 0.5)])
    }
    const wasm = table.rows.find((r) => r.name === TF_WASM)
    if (wasm !== undefined && wasm.error === undefined) console.log(`\nNote: ${TF_WASM} ran at ${idOf(batch)}: compare with it as well.`)
  }
  if (rows.length === 0) return
  console.log(`\n### Targets (issue 12; ratios of medians in this run; ${TFJS_LABEL.wasm} lacks Conv2DBackpropFilter, so tfjs-cpu is the fastest tfjs backend that runs the step)\n`)
  console.log(H.markdownTable(['target', 'measured', 'verdict', 'stretch'], rows))
}

export const benchmark: Benchmark = { name: 'cnn', groups, build, summarise }
