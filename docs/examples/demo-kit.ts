/**
 * What the MNIST demos share: where they write (an output folder that git ignores), their
 * options from the environment, a progress bar for `Train.fit`, the check that a saved model
 * reloads and scores the same, and the loss and accuracy curves.
 *
 * The demos never write a tracked file: figures and models go to the output folder
 * (`demo-output/` at the repository's root, or `OUTPUT_DIR`). The figures in `docs/figures/`
 * that the guides show are regenerated only by `npm run figures` (`figures.ts`).
 */
import { mkdirSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Codec, Train } from '../../src/index.js'
import { chart } from './plot.js'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..')

/** The default output folder: `demo-output/` at the repository's root (in `.gitignore`). */
export const DEFAULT_OUTPUT = join(ROOT, 'demo-output')

/** How a demo runs: epochs, the random seed of its initialisation and shuffling, where it writes. */
export interface DemoOptions {
  readonly epochs: number
  /** The random seed of the initial parameters, the shuffling, the augmentation and dropout. */
  readonly seed: number
  /** The folder the model and the curves go to (created if missing). */
  readonly output: string
  /** Also write the curves here (`npm run figures` passes the tracked figure's path). */
  readonly figure?: string
  /** Fewer digits, for the test suite's small run: training and test counts. */
  readonly digits?: { readonly train: number; readonly test: number }
  /** No progress output (tests). */
  readonly quiet?: boolean
}

/** What a demo reports. */
export interface DemoResult {
  readonly accuracy: number
  readonly history: ReadonlyArray<Train.EpochRecord>
  /** Whether the saved and reloaded model scores exactly as the trained one (loss and accuracy). */
  readonly reloadedSame: boolean
  /** Mean wall-clock seconds of an epoch's training steps. */
  readonly secondsPerEpoch: number
  /** Files written. */
  readonly files: ReadonlyArray<string>
}

/** Options from the environment: EPOCHS, SEED (the random seed), OUTPUT_DIR. */
export const optionsFromEnv = (defaultEpochs: number): DemoOptions => {
  const number = (name: string, fallback: number): number => {
    const raw = process.env[name]
    if (raw === undefined || raw === '') return fallback
    const v = Number(raw)
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${name} must be a non-negative integer, got '${raw}'`)
    return v
  }
  return { epochs: number('EPOCHS', defaultEpochs), seed: number('SEED', 1), output: resolve(process.env.OUTPUT_DIR ?? DEFAULT_OUTPUT) }
}

/** Runs `main` with the environment's options when the module at `url` is the script node was started with. */
export const runIfMain = async (url: string, main: (options: DemoOptions) => Promise<DemoResult>, defaultEpochs: number): Promise<void> => {
  if (process.argv[1] === undefined || pathToFileURL(resolve(process.argv[1])).href !== url) return
  const result = await main(optionsFromEnv(defaultEpochs))
  if (!result.reloadedSame) process.exitCode = 1
}

// -------------------------------------------------------------------------------------
// progress
// -------------------------------------------------------------------------------------

const bar = (fraction: number, width = 30): string => {
  const filled = Math.round(fraction * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}

/** `onStep` and `onEpoch` for `Train.fit`: a progress bar with a running loss (on a terminal), and one line per epoch. */
export const progress = (
  epochs: number,
  quiet = false
): { readonly onStep: NonNullable<Train.FitOptions<unknown, unknown>['onStep']>; readonly onEpoch: NonNullable<Train.FitOptions<unknown, unknown>['onEpoch']> } => {
  const interactive = process.stdout.isTTY === true && !quiet
  let running = 0
  return {
    onStep: ({ epoch, step, stepsPerEpoch, loss }) => {
      running = step === 0 ? loss : 0.9 * running + 0.1 * loss
      if (interactive && (step % 5 === 0 || step === stepsPerEpoch - 1)) {
        process.stdout.write(`\repoch ${epoch + 1}/${epochs} ${bar((step + 1) / stepsPerEpoch)} loss ${running.toFixed(4)}   `)
      }
    },
    onEpoch: (r) => {
      if (quiet) return
      const line = `epoch ${r.epoch + 1}/${epochs} ${bar(1)} loss ${r.loss.toFixed(4)}  test loss ${(r.validationLoss ?? NaN).toFixed(4)}  test accuracy ${((r.metrics.accuracy ?? 0) * 100).toFixed(2)}%  (${(r.milliseconds / 1000).toFixed(1)} s)`
      process.stdout.write(interactive ? `\r${line}\n` : `${line}\n`)
    }
  }
}

// -------------------------------------------------------------------------------------
// saving, reloading, curves
// -------------------------------------------------------------------------------------

/** A model's test loss and accuracy. */
export interface Score {
  readonly loss: number
  readonly accuracy: number
}

/**
 * Saves `params` as `<output>/<name>.json`, reloads them into `template`'s shape and scores
 * the reloaded model; returns the file and whether it scores exactly as `before`.
 */
export const saveAndReload = async <P>(
  output: string,
  name: string,
  params: P,
  template: P,
  score: (params: P) => Score,
  before: Score
): Promise<{ readonly file: string; readonly score: Score; readonly same: boolean }> => {
  mkdirSync(output, { recursive: true })
  const file = join(output, `${name}.json`)
  await Codec.saveParamsFile(file, params)
  const reloaded = await Codec.loadParamsFile(file, template)
  if (reloaded._tag === 'Left') throw new Error(`reloading the saved model failed: ${Codec.formatError(reloaded.left)}`)
  const again = score(reloaded.right)
  return { file, score: again, same: again.loss === before.loss && again.accuracy === before.accuracy }
}

/** The loss and accuracy curves of a run, as an SVG, written to `<output>/<name>-curves.svg` and to `figure` if given. */
export const writeCurves = (history: ReadonlyArray<Train.EpochRecord>, title: string, output: string, name: string, figure?: string): Array<string> => {
  const svg = chart(
    [
      {
        title: 'Loss',
        yLabel: 'softmax cross-entropy',
        series: [
          { name: 'training', values: history.map((r) => r.loss), color: '#1f77b4' },
          { name: 'test', values: history.map((r) => r.validationLoss ?? NaN), color: '#d62728' }
        ]
      },
      {
        title: 'Test accuracy',
        yLabel: 'accuracy (%)',
        series: [{ name: 'test', values: history.map((r) => 100 * (r.metrics.accuracy ?? 0)), color: '#2ca02c' }]
      }
    ],
    { xLabel: 'epoch', title }
  )
  mkdirSync(output, { recursive: true })
  const files = [join(output, `${name}-curves.svg`)]
  if (figure !== undefined) files.push(figure)
  for (const f of files) writeFileSync(f, svg)
  return files
}

/**
 * The end of a demo's run: scores the trained parameters, saves them, reloads and re-scores
 * them, writes the curves, prints what it did, and returns the {@link DemoResult}.
 */
export const finish = async <P>(run: {
  readonly options: DemoOptions
  /** The files' stem: `<output>/<name>.json`, `<output>/<name>-curves.svg`. */
  readonly name: string
  /** The figure's title, from the accuracy as printed. */
  readonly title: (accuracy: string) => string
  /** Decimals of the printed accuracy (in %). */
  readonly decimals: number
  readonly result: Train.FitResult<P, unknown>
  /** Parameters of the right shape to load into. */
  readonly template: P
  readonly score: (params: P) => Score
}): Promise<DemoResult> => {
  const { options, name, result } = run
  const log = (line: string): void => void (options.quiet === true || console.log(line))
  const scored = run.score(result.params)
  const shown = `${(scored.accuracy * 100).toFixed(run.decimals)}%`
  const saved = await saveAndReload(options.output, name, result.params, run.template, run.score, scored)
  log(`saved ${saved.file} and reloaded it: ${saved.same ? 'the reloaded model scores the same' : 'MISMATCH'} (loss ${saved.score.loss}, accuracy ${saved.score.accuracy})`)
  const curves = writeCurves(result.history, run.title(shown), options.output, name, options.figure)
  const secondsPerEpoch = result.history.reduce((s, r) => s + r.milliseconds, 0) / 1000 / Math.max(1, result.history.length)
  log(`trained ${result.history.length} epochs, ${secondsPerEpoch.toFixed(1)} s an epoch; curves written to ${curves.join(' and ')}`)
  log(`test accuracy: ${shown}`)
  return { accuracy: scored.accuracy, history: result.history, reloadedSame: saved.same, secondsPerEpoch, files: [saved.file, ...curves] }
}
