/**
 * Tensor helpers the op tests share: arbitraries of shapes and tensors (built on the law
 * kit's), every multi-index of a shape, and a closeness check.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import * as Tensor from '../../src/Tensor.js'
import { shape, tensorOfShape } from '../../laws/index.js'

type T = Tensor.Tensor

/** Shapes of ranks `[minRank, maxRank]` and dimensions `[minDim, maxDim]`, as mutable arrays. */
export const shapeArb = (minRank: number, maxRank: number, minDim = 1, maxDim = 5): fc.Arbitrary<Array<number>> =>
  shape({ minRank, maxRank, minDim, maxDim }).map((s) => s.slice())

/** Tensors of the given shape with finite values in `[lo, hi]`. */
export const tensorOf = (shape: ReadonlyArray<number>, lo = -2, hi = 2): fc.Arbitrary<T> =>
  tensorOfShape(shape, fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true }))

/** Every multi-index of a shape, in row-major order (none if an axis has length 0). */
export const indicesOf = (shape: ReadonlyArray<number>): Array<Array<number>> => {
  let out: Array<Array<number>> = [[]]
  for (const d of shape) out = out.flatMap((idx) => Array.from({ length: d }, (_, i) => [...idx, i]))
  return out
}

/** Same shape, and each element within `tol·(1 + |a| + |b|)` of the other's. */
export const close = (a: T, b: T, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape)
  a.data.forEach((v, i) => {
    const w = b.data[i] as number
    expect(Math.abs(v - w)).toBeLessThanOrEqual(tol * (1 + Math.abs(v) + Math.abs(w)))
  })
}
