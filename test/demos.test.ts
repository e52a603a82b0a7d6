/**
 * The MNIST demos (`docs/examples/mnist.ts`, `docs/examples/cnn.ts`) in small versions: the
 * CNN trains on 1,000 digits for two epochs (well under 30 s of CPU), saves, reloads and
 * re-scores its model; both demos write only into their output folder, which git ignores,
 * and leave every tracked file as it was (the guides' figures change only by
 * `npm run figures`).
 */
import { execFileSync } from 'node:child_process'
import { relative } from 'node:path'
import { beforeAll, describe, expect, it } from 'vitest'
import { main as cnn } from '../docs/examples/cnn.js'
import { DEFAULT_OUTPUT, type DemoResult } from '../docs/examples/demo-kit.js'
import { main as mlp } from '../docs/examples/mnist.js'

const git = (...args: ReadonlyArray<string>): string => execFileSync('git', args, { encoding: 'utf8' })
const status = (): string => git('status', '--porcelain', '--untracked-files=all')

describe('the MNIST demos, small', () => {
  let before = ''
  let after = ''
  let small: DemoResult
  let perceptron: DemoResult
  beforeAll(async () => {
    before = status()
    small = await cnn({ epochs: 2, seed: 1, output: DEFAULT_OUTPUT, digits: { train: 1000, test: 500 }, quiet: true })
    perceptron = await mlp({ epochs: 1, seed: 1, output: DEFAULT_OUTPUT, digits: { train: 1000, test: 300 }, quiet: true })
    after = status()
  }, 120_000)

  it('the CNN learns: the loss falls and test accuracy is far above chance (10%)', () => {
    expect(small.history.length).toBe(2)
    expect(small.history[1]!.loss).toBeLessThan(small.history[0]!.loss * 0.7)
    expect(small.accuracy).toBeGreaterThan(0.6)
  })

  it('saves the model, reloads it and the reloaded model scores the same', () => {
    expect(small.reloadedSame).toBe(true)
    expect(perceptron.reloadedSame).toBe(true)
  })

  it('write the model and the curves into the output folder only, which git ignores', () => {
    const files = [...small.files, ...perceptron.files].map((f) => relative(process.cwd(), f))
    expect(files).toEqual(['demo-output/mnist-cnn.json', 'demo-output/mnist-cnn-curves.svg', 'demo-output/mnist-mlp.json', 'demo-output/mnist-mlp-curves.svg'])
    expect(git('check-ignore', ...files).trim().split('\n')).toEqual(files)
  })

  it('leave every tracked file as it was (the figures in docs/figures change only by npm run figures)', () => {
    expect(after).toBe(before)
  })
})
