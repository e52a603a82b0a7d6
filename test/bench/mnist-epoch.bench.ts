/**
 * One epoch of the MNIST demo's training (`docs/examples/mnist.ts`; issue 4 item 7, issue 11):
 * `Layer.mlp([784, 128, 10])`, relu, softmax cross-entropy, Adam (β1 0.9, β2 0.999, ε 1e-8)
 * with the demo's cosine learning-rate decay from 1e-3 (over its 10 epochs), batches of 32
 * from the 8,000 standardised training digits of `docs/examples/mnist-data.ts` (250 steps).
 * Not included: the demo's random one-pixel shifts (data augmentation, JavaScript work
 * outside the step; the same batches for tfjs would need them computed alike).
 *
 * Rows, each in its own process, each call one epoch **from the same initial parameters**
 * (the library's `init(1)`, rounded to float32 for tfjs) over **the same batches**
 * (`Train.fit`'s permutation for epoch 0 with seed 1; tfjs gathers its batches with
 * `tf.gather`), every step's loss read back:
 * - `Train.fit` with `atInput`, as the demo trains (no gradient for the input batch);
 * - `Train.fit` with its defaults (the model over `[params, x]`);
 * - tfjs-wasm (SIMD, one thread) and tfjs-cpu: `tf.train.adam` with the same betas, ε and
 *   per-step learning rate, `optimizer.minimize` of the same network, float32.
 * The check compares every step's loss with the `atInput` row's: 1e-12 relative for the
 * library's default path (same arithmetic), and for tfjs, whose float32 trajectory drifts
 * slowly from the float64 one, 1e-4 (`max|Δ| / max|loss|` over the epoch's 250 losses;
 * measured 2e-6).
 * Quick runs train on 512 digits (16 steps).
 *
 *     npm run bench -- mnist
 *
 * @module bench/mnist-epoch
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Layer, Optimizer, Train, ops } from '../../src/index.js'
import { loadSplit, standardise, type Digits } from '../../docs/examples/mnist-data.js'
import * as H from './harness.js'
import { sci, subject, worstArrayError, relDiff, type Benchmark, type BenchOptions, type Group, type Output, type Row, type Subject, type Verdict } from './model.js'
import type { TableRecord } from './results.js'
import { describeTf, loadTf, TFJS_LABEL, type Tf } from './tfjs.js'

const SIZES = [784, 128, 10] as const
const BATCH = 32
const LR = 1e-3
const BETA1 = 0.9
const BETA2 = 0.999
const EPS = 1e-8
/** The demo's run: its schedule decays over 10 epochs of 250 steps. */
const SCHEDULE_STEPS = 10 * Math.ceil(8000 / BATCH)
const schedule = (count: number): number => LR * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, count / SCHEDULE_STEPS)))
const SPLIT = { train: 8000, test: 2000, seed: 2024 } as const
const QUICK_TRAIN = 512
const INIT_SEED = 1
const FIT_SEED = 1

const AT_INPUT = 'lib Train.fit, atInput (as the demo)'
const DEFAULT = 'lib Train.fit, defaults'
const TF_WASM = TFJS_LABEL.wasm
const TF_CPU = TFJS_LABEL.cpu

const TOL64 = 1e-12
/** float32 against float64 over 250 steps of training: measured 2e-6; the drift grows with the steps. */
const TOL32 = 1e-4

// -------------------------------------------------------------------------------------
// the rows
// -------------------------------------------------------------------------------------

const loadData = (options: BenchOptions): Digits => {
  const split = loadSplit(options.quick ? { ...SPLIT, train: QUICK_TRAIN, test: 0 } : SPLIT)
  return standardise(split.train, split.test).train
}

/** An epoch's per-step losses, and their mean weighted by batch size (fit's epoch loss). */
const epochOutput = (losses: ReadonlyArray<number>): Output => ({ scalars: [losses.reduce((a, b) => a + b, 0) / losses.length], arrays: [Float64Array.from(losses)] })

const buildLib = (data: Digits, withAtInput: boolean): Subject => {
  const { model, init, atInput } = Layer.mlp(SIZES, { activation: 'relu' })
  const params = init(INIT_SEED)
  return subject({
    run: () => {
      const losses: Array<number> = []
      Train.fit({
        model,
        ...(withAtInput ? { atInput } : {}),
        loss: ops.softmaxCrossEntropy,
        optimizer: Optimizer.adam({ lr: schedule, beta1: BETA1, beta2: BETA2, eps: EPS }),
        params,
        data,
        epochs: 1,
        batchSize: BATCH,
        seed: FIT_SEED,
        onStep: ({ loss }) => void losses.push(loss)
      })
      return losses
    },
    output: epochOutput
  })
}

const buildTfEpoch = (tf: Tf, data: Digits): Subject => {
  const n = data.targets.size
  const [inputs, , classes] = SIZES
  const xs = tf.tensor2d(Float32Array.from(data.inputs.data), [n, inputs])
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(data.targets.data), 'int32'), classes), 'float32'))
  const start = Layer.mlp(SIZES, { activation: 'relu' }).init(INIT_SEED)
  const initial: ReadonlyArray<TF.Tensor> = start.layers.flatMap((d) => [
    tf.tensor2d(Float32Array.from(d.W.data), [d.W.shape[0] as number, d.W.shape[1] as number]),
    tf.tensor1d(Float32Array.from(d.b.data))
  ])
  const vars: Array<TF.Variable> = initial.map((t) => tf.variable(t.clone()))
  const [W1, b1, W2, b2] = vars as [TF.Variable, TF.Variable, TF.Variable, TF.Variable]
  const forward = (x: TF.Tensor2D): TF.Tensor => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2)
  const steps = Math.ceil(n / BATCH)
  const order = Int32Array.from(Train.permutation(n, FIT_SEED * 7919))
  return subject({
    run: () => {
      vars.forEach((v, i) => v.assign(initial[i] as TF.Tensor))
      const optimizer = tf.train.adam(schedule(0), BETA1, BETA2, EPS)
      // tfjs reads `learningRate` at every step; the library's schedule gets the step count
      const rate = optimizer as unknown as { learningRate: number }
      const losses: Array<number> = []
      for (let step = 0; step < steps; step++) {
        rate.learningRate = schedule(step)
        const idx = order.subarray(step * BATCH, Math.min(n, (step + 1) * BATCH))
        const cost = tf.tidy(() => {
          const indices = tf.tensor1d(idx, 'int32')
          const x = tf.gather(xs, indices)
          const y = tf.gather(ys, indices)
          const c = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)), true, vars)
          if (c === null) throw new Error('tfjs: minimize returned no cost')
          return c
        })
        losses.push(cost.dataSync()[0] as number)
        cost.dispose()
      }
      optimizer.dispose()
      return losses
    },
    output: epochOutput,
    notes: { 'loaded as': describeTf(tf) }
  })
}

// -------------------------------------------------------------------------------------
// the table
// -------------------------------------------------------------------------------------

const ROWS: ReadonlyArray<Row> = [{ name: AT_INPUT }, { name: DEFAULT }, { name: TF_WASM, float32: true }, { name: TF_CPU, float32: true }]

const check = (reference: Output, got: Output, row: Row): Verdict => {
  const tol = row.float32 === true ? TOL32 : TOL64
  const worst = worstArrayError(got, reference)
  const steps = got.arrays[0]?.length ?? 0
  return {
    ok: worst <= tol,
    text: `${steps} step losses, mean ${(got.scalars[0] ?? NaN).toFixed(6)} (rel. diff ${sci(relDiff(got.scalars[0] ?? NaN, reference.scalars[0] ?? NaN))}); worst step ${sci(worst)} (tolerance ${tol})`
  }
}

const groups = (options: BenchOptions): ReadonlyArray<Group> => [
  {
    id: 'demo epoch',
    title: `MNIST epoch: MLP 784-128-10, batch ${BATCH}, Adam with the demo's cosine decay from ${LR}, ${options.quick ? QUICK_TRAIN : SPLIT.train} standardised digits`,
    intro: `every step's loss checked against ${AT_INPUT}:`,
    unit: { label: 's/epoch', fromNs: 1e-9 },
    rows: ROWS,
    reference: AT_INPUT,
    baselines: [TF_WASM, TF_CPU],
    check,
    sampling: { samples: 3, minSampleMs: 0, budgetMs: Infinity }
  }
]

const build = async (_group: string, rowName: string, options: BenchOptions): Promise<Subject> => {
  const data = loadData(options)
  if (rowName === AT_INPUT || rowName === DEFAULT) return buildLib(data, rowName === AT_INPUT)
  if (rowName === TF_WASM || rowName === TF_CPU) return buildTfEpoch(await loadTf(rowName === TF_WASM ? 'wasm' : 'cpu'), data)
  throw new Error(`mnist-epoch: no row ${rowName}`)
}

const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const rows = tables[0]?.rows ?? []
  console.log(`\nPeak RSS of each row's process (data loading included): ${rows.map((r) => `${r.name} ${H.fmt(r.rssPeakMiB ?? NaN)} MiB`).join(', ')}`)
  const r = rows.find((x) => x.name === AT_INPUT)?.ratios[TF_WASM] ?? NaN
  const rDefault = rows.find((x) => x.name === DEFAULT)?.ratios[TF_WASM] ?? NaN
  console.log('\n### Target (issue 11; ratio of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict'],
      [
        ['MNIST epoch ≤ 0.5× tfjs-wasm (Train.fit with atInput, as the demo)', `${H.fmt(r)}×`, H.verdict(r, 0.5)],
        ['MNIST epoch ≤ 0.5× tfjs-wasm (Train.fit with its defaults)', `${H.fmt(rDefault)}×`, H.verdict(rDefault, 0.5)]
      ]
    )
  )
}

export const benchmark: Benchmark = { name: 'mnist-epoch', groups, build, summarise }
