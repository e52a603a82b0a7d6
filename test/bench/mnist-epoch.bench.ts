/**
 * One epoch of MNIST training (issue 4 item 7), the 8,000 training digits of
 * `docs/examples/mnist-data.ts`, relu, softmax cross-entropy, Adam (β1 0.9, β2 0.999, ε 1e-8),
 * in two configurations:
 * - `Layer.mlp([784, 64, 10])`, batch 64, lr 2e-3, raw grey levels: the demo as issue 4
 *   states it;
 * - `Layer.mlp([784, 128, 10])`, batch 32, lr 1e-3, standardised grey levels: what
 *   `docs/examples/mnist.ts` trains since it changed (without its cosine learning-rate
 *   schedule and its random pixel shifts, which are not part of the step being compared);
 * trained with backprop-lens `Train.fit` and with tfjs-core 4.22's cpu backend:
 * - the same architecture, optimiser (`tf.train.adam` with the same lr, betas and ε), batch
 *   size and **the same initial parameters** (He normal, std √(2/fan_in), zero biases: the
 *   library's `init(1)`, rounded to float32 for tfjs);
 * - the same shuffled batches: tfjs gets the permutation `Train.fit` draws for each epoch
 *   (`Train.permutation(n, seed·7919 + epoch)`) and gathers its batches with `tf.gather`;
 *   both read the loss of every step back (`Train.fit` checks that it is finite);
 * - tfjs computes in float32, the library in float64.
 *
 * Each implementation runs in its own child processes (so that memory is its own): one
 * warm-up epoch, then the measured epochs; the processes run in mirrored order (lib, tfjs,
 * lib-atInput, lib-atInput, tfjs, lib; the second configuration lib, tfjs, tfjs, lib with one
 * epoch fewer) so that a slow phase of a shared machine hits all alike.
 * Memory per process: the RSS when training starts (data loaded, garbage collected), the
 * peak RSS while training (`VmHWM`, reset when training starts with
 * `echo 5 > /proc/self/clear_refs`), and the peak of the whole process including data
 * loading (`process.resourceUsage().maxRSS`). The parent checks that all three give the same
 * epoch losses (same parameters and batches), and prints the table: median time per epoch
 * over all measured epochs, min–max, the ratio to tfjs, memory, the last epoch's mean
 * training loss and the test accuracy on the 2,000 held-out digits.
 *
 * The third row trains through `Layer.mlp(...).atInput`, the model at a fixed batch as a
 * lens from the parameters alone, which skips the gradient of the input batch (that
 * `Train.fit` would drop anyway).
 *
 *     npm run bench -- mnist             # through the runner
 *     npx tsx test/bench/mnist-epoch.bench.ts
 *
 * @module bench/mnist-epoch
 */
import { spawnSync } from 'node:child_process'
import { readFileSync, writeFileSync } from 'node:fs'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Layer, Optimizer, Train, ops } from '../../src/index.js'
import { loadSplit, standardise, type Digits } from '../../docs/examples/mnist-data.js'
import * as H from './harness.js'
import { loadTf, TFJS_LABEL } from './tfjs.js'

/** A network and training setup. */
interface Config {
  readonly name: string
  readonly label: string
  readonly sizes: readonly [number, number, number]
  readonly batch: number
  readonly lr: number
  /** Standardise the grey levels (`standardise` of mnist-data.ts), as the current demo does. */
  readonly standardise: boolean
}

const CONFIGS: ReadonlyArray<Config> = [
  {
    name: 'brief',
    label: 'MLP 784-64-10 (relu), batch 64, Adam lr 2e-3, raw grey levels (the demo as issue 4 states it)',
    sizes: [784, 64, 10],
    batch: 64,
    lr: 2e-3,
    standardise: false
  },
  {
    name: 'demo',
    label:
      'MLP 784-128-10 (relu), batch 32, Adam lr 1e-3, standardised grey levels (docs/examples/mnist.ts since 10:26 UTC; ' +
      'without its cosine schedule and pixel shifts)',
    sizes: [784, 128, 10],
    batch: 32,
    lr: 1e-3,
    standardise: true
  }
]

const configNamed = (name: string | undefined): Config => {
  const c = CONFIGS.find((x) => x.name === name)
  if (c === undefined) throw new Error(`mnist-epoch: unknown configuration ${String(name)}`)
  return c
}

const BETA1 = 0.9
const BETA2 = 0.999
const EPS = 1e-8
/** The demo's split and parameter seed. */
const SPLIT = { train: 8000, test: 2000, seed: 2024 } as const
const INIT_SEED = 1
const FIT_SEED = 1

type Which = 'lib' | 'lib-nodx' | 'tfjs'

/** What a child prints (one JSON line, prefixed by {@link MARK}). */
interface ChildReport {
  readonly which: Which
  /** Milliseconds of each epoch's training steps, the warm-up epoch first. */
  readonly epochMs: ReadonlyArray<number>
  /** Mean training loss of each epoch. */
  readonly losses: ReadonlyArray<number>
  readonly testAccuracy: number
  /** Peak resident set size of the process (data loading included), KiB (`maxRSS`). */
  readonly rssPeakKiB: number
  /** Resident set size when training starts (data loaded, garbage collected), KiB. */
  readonly rssStartKiB: number
  /**
   * Peak resident set size during training, KiB: `VmHWM` of `/proc/self/status`, reset to the
   * current RSS when training starts (`echo 5 > /proc/self/clear_refs`); NaN if unavailable.
   */
  readonly rssTrainingPeakKiB: number
}

const MARK = 'MNIST-EPOCH-REPORT '

// -------------------------------------------------------------------------------------
// children
// -------------------------------------------------------------------------------------

const maxRss = (): number => process.resourceUsage().maxRSS

/** Collects garbage and resets the kernel's peak-RSS mark to the current RSS; returns the RSS in KiB. */
const startMemory = (): number => {
  H.gc()
  try {
    writeFileSync('/proc/self/clear_refs', '5')
  } catch {
    // not Linux, or not allowed: VmHWM then covers data loading too
  }
  return process.memoryUsage().rss / 1024
}

/** `VmHWM` (peak RSS since the last reset) in KiB, or NaN. */
const trainingPeak = (): number => {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(readFileSync('/proc/self/status', 'utf8'))
    return m === null ? NaN : Number(m[1])
  } catch {
    return NaN
  }
}

/** The demo's training and test digits, standardised if the configuration says so. */
const loadData = (config: Config): { readonly train: Digits; readonly test: Digits } => {
  const split = loadSplit(SPLIT)
  return config.standardise ? standardise(split.train, split.test) : split
}

const runLib = (config: Config, epochs: number, withoutInputGradient: boolean): ChildReport => {
  const { train, test } = loadData(config)
  const { model, init, atInput } = Layer.mlp(config.sizes, { activation: 'relu' })
  const params = init(INIT_SEED)
  const rssStartKiB = startMemory()
  const result = Train.fit({
    model,
    ...(withoutInputGradient ? { atInput } : {}),
    loss: ops.softmaxCrossEntropy,
    optimizer: Optimizer.adam({ lr: config.lr, beta1: BETA1, beta2: BETA2, eps: EPS }),
    params,
    data: train,
    epochs,
    batchSize: config.batch,
    seed: FIT_SEED
  })
  const rssTrainingPeakKiB = trainingPeak()
  const rssPeakKiB = maxRss()
  const scored = Train.evaluate(model, result.params, ops.softmaxCrossEntropy, test, { accuracy: Train.accuracy })
  return {
    which: withoutInputGradient ? 'lib-nodx' : 'lib',
    epochMs: result.history.map((r) => r.milliseconds),
    losses: result.history.map((r) => r.loss),
    testAccuracy: scored.metrics.accuracy ?? NaN,
    rssPeakKiB,
    rssStartKiB,
    rssTrainingPeakKiB
  }
}

const runTfjs = async (config: Config, epochs: number): Promise<ChildReport> => {
  const tf = await loadTf()
  const { train, test } = loadData(config)
  const n = train.targets.size
  const [inputs, , classes] = config.sizes
  const BATCH = config.batch
  const xs = tf.tensor2d(Float32Array.from(train.inputs.data), [n, inputs])
  const ys = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d(Int32Array.from(train.targets.data), 'int32'), classes), 'float32'))
  // The library's initial parameters (He normal, zero biases), in float32.
  const start = Layer.mlp(config.sizes, { activation: 'relu' }).init(INIT_SEED)
  const vars = start.layers.flatMap((d) => [
    tf.variable(tf.tensor2d(Float32Array.from(d.W.data), [d.W.shape[0] as number, d.W.shape[1] as number])),
    tf.variable(tf.tensor1d(Float32Array.from(d.b.data)))
  ])
  const [W1, b1, W2, b2] = vars as [(typeof vars)[number], (typeof vars)[number], (typeof vars)[number], (typeof vars)[number]]
  const forward = (x: ReturnType<typeof tf.tensor2d>): ReturnType<typeof tf.add> => tf.add(tf.matMul(tf.relu(tf.add(tf.matMul(x, W1), b1)), W2), b2)
  const optimizer = tf.train.adam(config.lr, BETA1, BETA2, EPS)
  const rssStartKiB = startMemory()
  const epochMs: Array<number> = []
  const losses: Array<number> = []
  const steps = Math.ceil(n / BATCH)
  for (let epoch = 0; epoch < epochs; epoch++) {
    const t0 = performance.now()
    const order = Int32Array.from(Train.permutation(n, FIT_SEED * 7919 + epoch))
    let total = 0
    for (let step = 0; step < steps; step++) {
      const idx = order.subarray(step * BATCH, Math.min(n, (step + 1) * BATCH))
      const cost = tf.tidy(() => {
        const indices = tf.tensor1d(idx, 'int32')
        const x = tf.gather(xs, indices)
        const y = tf.gather(ys, indices)
        const c = optimizer.minimize(() => tf.losses.softmaxCrossEntropy(y, forward(x)), true, vars)
        if (c === null) throw new Error('tfjs: minimize returned no cost')
        return c
      })
      const value = cost.dataSync()[0] as number
      cost.dispose()
      if (!Number.isFinite(value)) throw new RangeError(`tfjs: the loss is not finite (${value}) at epoch ${epoch}, step ${step}`)
      total += value * idx.length
    }
    epochMs.push(performance.now() - t0)
    losses.push(total / n)
  }
  const rssTrainingPeakKiB = trainingPeak()
  const rssPeakKiB = maxRss()
  const testAccuracy = tf.tidy(() => {
    const logits = forward(tf.tensor2d(Float32Array.from(test.inputs.data), [test.targets.size, inputs]))
    const predicted = tf.argMax(logits, 1).dataSync()
    let correct = 0
    for (let i = 0; i < predicted.length; i++) if (predicted[i] === test.targets.data[i]) correct++
    return correct / test.targets.size
  })
  return { which: 'tfjs', epochMs, losses, testAccuracy, rssPeakKiB, rssStartKiB, rssTrainingPeakKiB }
}

// -------------------------------------------------------------------------------------
// parent
// -------------------------------------------------------------------------------------

const here = fileURLToPath(import.meta.url)

/** Node's arguments for a child that runs this file (tsx's loader, as in this process). */
const nodeArgs = (): Array<string> => {
  const inherited = process.execArgv.filter((a) => !a.startsWith('--cpu-prof') && !a.startsWith('--inspect'))
  return inherited.some((a) => a.includes('tsx')) ? inherited : ['--import', 'tsx', ...inherited]
}

const spawnChild = (config: Config, which: Which, epochs: number): ChildReport => {
  const child = spawnSync(process.execPath, [...nodeArgs(), here, '--child', which, String(epochs), config.name], {
    encoding: 'utf8',
    maxBuffer: 16 * 1024 * 1024,
    timeout: 240_000
  })
  const line = child.stdout.split('\n').find((l) => l.startsWith(MARK))
  if (child.status !== 0 || line === undefined) {
    throw new Error(`mnist-epoch: the ${which} child failed (status ${String(child.status)}, signal ${String(child.signal)}):\n${child.stderr.slice(-2000)}`)
  }
  return JSON.parse(line.slice(MARK.length)) as ChildReport
}

const median = (xs: ReadonlyArray<number>): number => {
  const s = [...xs].sort((a, b) => a - b)
  const mid = s.length >> 1
  return s.length % 2 === 1 ? (s[mid] as number) : ((s[mid - 1] as number) + (s[mid] as number)) / 2
}

const NAMES: Readonly<Record<Which, string>> = {
  lib: 'backprop-lens Train.fit, Layer.mlp (float64)',
  'lib-nodx': 'backprop-lens Train.fit with atInput (float64)',
  tfjs: `${TFJS_LABEL} (float32)`
}

/** Runs both configurations: the children, the check, the table and the target of issue 4. */
export const run = (options: H.BenchOptions = { quick: false }): void => {
  for (const config of CONFIGS) {
    console.log(`\n### ${config.label}\n`)
    runConfig(config, options)
  }
}

const runConfig = (config: Config, options: H.BenchOptions): void => {
  // one warm-up epoch, then the measured ones; two processes each, in mirrored order
  // (the second configuration: 1 + 2 epochs, without the atInput row, to keep the run short)
  const first = config === CONFIGS[0]
  const epochs = options.quick ? 2 : first ? 4 : 3
  const order: ReadonlyArray<Which> = options.quick
    ? ['lib', 'tfjs', 'lib-nodx']
    : first
      ? ['lib', 'tfjs', 'lib-nodx', 'lib-nodx', 'tfjs', 'lib']
      : ['lib', 'tfjs', 'tfjs', 'lib']
  const BATCH = config.batch
  console.log(
    `Adam (β1 ${BETA1}, β2 ${BETA2}, ε ${EPS}), ${SPLIT.train} training digits ` +
      `(${Math.ceil(SPLIT.train / BATCH)} steps per epoch), the same initial parameters and batches; per process: 1 warm-up epoch + ` +
      `${epochs - 1} measured; processes in the order ${order.join(', ')}\n`
  )
  const reports: Array<ChildReport> = []
  for (const which of order) {
    const t0 = H.now()
    const report = spawnChild(config, which, epochs)
    reports.push(report)
    console.log(
      `  ${which} process: epochs ${report.epochMs.map((ms) => `${H.fmt(ms)} ms`).join(', ')} (first is warm-up); ` +
        `losses ${report.losses.map((l) => l.toFixed(4)).join(', ')}; test accuracy ${(100 * report.testAccuracy).toFixed(1)}%; ` +
        `RSS ${H.fmt(report.rssStartKiB / 1024)} MiB at start of training, peak ${H.fmt(report.rssTrainingPeakKiB / 1024)} MiB while training, ` +
        `${H.fmt(report.rssPeakKiB / 1024)} MiB with data loading (${H.fmt((H.now() - t0) / 1000)} s)`
    )
  }
  // Check: the same initial parameters and batches give the same epoch losses. float32 and
  // float64 trajectories drift apart slowly (~1e-5 relative after 4 epochs of raw pixels,
  // ~1e-3 with standardised inputs); a different setup (init, lr, batches) differs by far
  // more than 1e-2.
  const lossesOf = (which: Which): ReadonlyArray<number> => reports.find((r) => r.which === which)?.losses ?? []
  const agree = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): number =>
    a.length === 0 || a.length !== b.length ? Infinity : Math.max(...a.map((x, i) => Math.abs(x - (b[i] as number)) / Math.abs(b[i] as number)))
  const dTf = agree(lossesOf('tfjs'), lossesOf('lib'))
  const withProto = order.includes('lib-nodx')
  const dProto = withProto ? agree(lossesOf('lib-nodx'), lossesOf('lib')) : 0
  console.log(
    `\ncheck: epoch losses against lib's, worst relative difference: tfjs ${dTf.toExponential(1)} (float32; tolerance 1e-2) ${dTf <= 1e-2 ? 'ok' : 'MISMATCH'}` +
      (withProto ? `, atInput ${dProto.toExponential(1)} (tolerance 1e-12) ${dProto <= 1e-12 ? 'ok' : 'MISMATCH'}` : '')
  )
  if (!(dTf <= 1e-2 && dProto <= 1e-12)) process.exitCode = 1
  const rows = (['lib', 'lib-nodx', 'tfjs'] as const).filter((which) => order.includes(which)).map((which) => {
    const mine = reports.filter((r) => r.which === which)
    const measured = mine.flatMap((r) => r.epochMs.slice(1))
    return {
      which,
      median: median(measured),
      min: Math.min(...measured),
      max: Math.max(...measured),
      count: measured.length,
      peak: Math.max(...mine.map((r) => r.rssPeakKiB)) / 1024,
      start: Math.max(...mine.map((r) => r.rssStartKiB)) / 1024,
      trainingPeak: Math.max(...mine.map((r) => r.rssTrainingPeakKiB)) / 1024,
      loss: mine[0]?.losses[mine[0].losses.length - 1] ?? NaN,
      accuracy: mine[0]?.testAccuracy ?? NaN
    }
  })
  const tfMedian = rows.find((r) => r.which === 'tfjs')?.median ?? NaN
  const ratioOf = (which: Which): number => (rows.find((r) => r.which === which)?.median ?? NaN) / tfMedian
  console.log()
  console.log(
    H.markdownTable(
      [
        'implementation',
        's/epoch (median)',
        'min–max',
        'epochs',
        'ratio to tfjs-cpu',
        'RSS at start of training (MiB)',
        'peak RSS while training (MiB)',
        'peak RSS incl. data loading (MiB)',
        `loss of epoch ${epochs}`,
        `test accuracy after ${epochs}`
      ],
      rows.map((r) => [
        NAMES[r.which],
        H.fmt(r.median / 1000),
        `${H.fmt(r.min / 1000)}–${H.fmt(r.max / 1000)}`,
        String(r.count),
        r.which === 'tfjs' ? '1.00' : H.fmt(r.median / tfMedian),
        H.fmt(r.start),
        H.fmt(r.trainingPeak),
        H.fmt(r.peak),
        r.loss.toFixed(4),
        `${(100 * r.accuracy).toFixed(1)}%`
      ])
    )
  )
  const ratio = ratioOf('lib')
  console.log('\n### Target (issue 4; ratio of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict'],
      [
        ['time per epoch ≤ 1.0× tfjs-cpu (Train.fit with Layer.mlp)', `${H.fmt(ratio)}×`, H.verdict(ratio, 1)],
        ...(withProto ? [['time per epoch ≤ 1.0× tfjs-cpu (Train.fit with Layer.mlp atInput)', `${H.fmt(ratioOf('lib-nodx'))}×`, H.verdict(ratioOf('lib-nodx'), 1)]] : [])
      ]
    )
  )
}

// -------------------------------------------------------------------------------------
// entry points
// -------------------------------------------------------------------------------------

const argv = process.argv
if (argv.includes('--child')) {
  const which = argv[argv.indexOf('--child') + 1]
  const epochs = Number(argv[argv.indexOf('--child') + 2])
  const config = configNamed(argv[argv.indexOf('--child') + 3])
  const go = async (): Promise<ChildReport> => {
    if (which === 'lib') return runLib(config, epochs, false)
    if (which === 'lib-nodx') return runLib(config, epochs, true)
    if (which === 'tfjs') return runTfjs(config, epochs)
    throw new Error(`mnist-epoch: unknown child ${String(which)}`)
  }
  go()
    .then((report) => console.log(`${MARK}${JSON.stringify(report)}`))
    .catch((e: unknown) => {
      console.error(e)
      process.exitCode = 1
    })
} else if (import.meta.url === pathToFileURL(argv[1] ?? '').href) {
  run({ quick: argv.includes('--quick') })
}
