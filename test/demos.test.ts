/**
 * The MNIST demos (`docs/examples/mnist.ts`, `docs/examples/cnn.ts`) in small versions: the
 * CNN trains on 1,000 digits for two epochs (well under 30 s of CPU), saves, reloads and
 * re-scores its model; both demos write only into their output folder, which git ignores,
 * and leave every tracked file as it was (the guides' figures change only by
 * `npm run figures`). And `npm run demo` (`docs/examples/demo.ts`) says first that it is the
 * Python gist's example, and prints its value and gradient.
 */
import { execFileSync } from 'node:child_process'
import { relative } from 'node:path'
import { beforeAll, describe, expect, it, vi } from 'vitest'
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

describe('npm run demo', () => {
  it("names the Python gist in its first label and prints the gist's value and gradient", async () => {
    const lines: Array<string> = []
    const log = vi.spyOn(console, 'log').mockImplementation((...args: Array<unknown>) => void lines.push(args.map(String).join(' ')))
    try {
      await import('../docs/examples/demo.js')
    } finally {
      log.mockRestore()
    }
    expect(lines[0]).toBe("the Python gist's example: pipe(square, exp, square) at 0.5")
    const [value, gradient] = [/^ {2}value {5}(\S+)$/, /^ {2}gradient {2}(\S+)$/].map((label, i) => Number(label.exec(lines[i + 1] ?? '')?.[1]))
    // pipe(square, exp, square) at 0.5 is exp(2x²) = e^0.5, its derivative 4x·exp(2x²) = 2·e^0.5
    expect(value).toBeCloseTo(Math.exp(0.5), 14)
    expect(gradient).toBeCloseTo(2 * Math.exp(0.5), 14)
  })
})
