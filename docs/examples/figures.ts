/**
 * `npm run figures`: regenerates the tracked figures of the training guide,
 * `docs/figures/mnist-curves.svg` and `docs/figures/cnn-curves.svg`, by running the MNIST
 * demos with their default recipes (10 and 12 epochs, random seed 1). The demos themselves
 * never write there: only this explicit command does. Name one to regenerate only that
 * figure (`npm run figures -- cnn`); OUTPUT_DIR as for the demos.
 */
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { main as cnn } from './cnn.js'
import { optionsFromEnv } from './demo-kit.js'
import { main as mlp } from './mnist.js'

const figures = join(dirname(fileURLToPath(import.meta.url)), '..', 'figures')
const demos = [
  { name: 'mnist', run: mlp, epochs: 10, figure: join(figures, 'mnist-curves.svg') },
  { name: 'cnn', run: cnn, epochs: 12, figure: join(figures, 'cnn-curves.svg') }
] as const

const wanted = process.argv.slice(2)
const unknown = wanted.filter((w) => !demos.some((d) => d.name === w))
if (unknown.length > 0) throw new Error(`figures: no demo named ${unknown.join(', ')} (known: ${demos.map((d) => d.name).join(', ')})`)
for (const demo of demos.filter((d) => wanted.length === 0 || wanted.includes(d.name))) {
  // the recipe of the figure: its own epoch count and seed 1, whatever EPOCHS and SEED say
  const result = await demo.run({ ...optionsFromEnv(demo.epochs), epochs: demo.epochs, seed: 1, figure: demo.figure })
  if (!result.reloadedSame) process.exitCode = 1
}
