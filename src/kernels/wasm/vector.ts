/**
 * The host side of the WebAssembly elementwise loops and sums (`assembly/vector.ts`): each
 * stages its operands, runs, and returns the result as a fresh `Float64Array` (a copy out of
 * the module's memory), or `null`, having done nothing, when the memory cannot grow to stage
 * them (the caller then runs the JavaScript loop).
 *
 * @internal
 * @module kernels/wasm/vector
 */
import type { ReadonlyFloat64Array } from '../data.js'
import { staging, type Kernels } from './instance.js'

/**
 * `a ∘ b` over `rows` rows of width `w` (`op` an arithmetic op code): an operand flagged as a
 * row holds `w` values repeated for every row, otherwise `rows·w`.
 *
 * @internal
 */
export const binaryRows = (kernels: Kernels, op: number, a: ReadonlyFloat64Array, aRow: boolean, b: ReadonlyFloat64Array, bRow: boolean, rows: number, w: number): Float64Array | null => {
  const na = a.length
  const nb = b.length
  const n = rows * w
  const heap = staging(kernels, na + nb + n)
  if (heap === null) return null
  const pa = kernels.base
  const pb = pa + na
  const po = pb + nb
  heap.set(a, pa)
  heap.set(b, pb)
  kernels.exports.binary(op, pa * 8, aRow ? 1 : 0, pb * 8, bRow ? 1 : 0, po * 8, rows, w)
  return heap.slice(po, po + n)
}

/** `c·x + d`. @internal */
export const affine = (kernels: Kernels, x: ReadonlyFloat64Array, c: number, d: number): Float64Array | null => {
  const n = x.length
  const heap = staging(kernels, 2 * n)
  if (heap === null) return null
  const px = kernels.base
  heap.set(x, px)
  kernels.exports.affine(px * 8, c, d, (px + n) * 8, n)
  return heap.slice(px + n, px + 2 * n)
}

/** `x > 0 ? y : 0` (`relu` with `y = x`, its backward pass with `y = dy`). @internal */
export const relu = (kernels: Kernels, x: ReadonlyFloat64Array, y: ReadonlyFloat64Array): Float64Array | null => {
  const n = x.length
  const same = x === y
  const heap = staging(kernels, (same ? 2 : 3) * n)
  if (heap === null) return null
  const px = kernels.base
  const py = same ? px : px + n
  const po = py + n
  heap.set(x, px)
  if (!same) heap.set(y, py)
  kernels.exports.relu(px * 8, py * 8, po * 8, n)
  return heap.slice(po, po + n)
}

/** Column sums of `outer` groups of `rows × w` (`x` has `outer·rows·w` values), in row order. @internal */
export const sumRows = (kernels: Kernels, x: ReadonlyFloat64Array, outer: number, rows: number, w: number): Float64Array | null => {
  const n = outer * w
  const heap = staging(kernels, x.length + n)
  if (heap === null) return null
  const px = kernels.base
  const po = px + x.length
  heap.set(x, px)
  kernels.exports.sumRows(px * 8, outer, rows, w, po * 8)
  return heap.slice(po, po + n)
}

/** Sums of `runs` contiguous runs of `len` values (`x` has `runs·len`), in eight partial sums. @internal */
export const sumRuns = (kernels: Kernels, x: ReadonlyFloat64Array, runs: number, len: number): Float64Array | null => {
  const heap = staging(kernels, x.length + runs)
  if (heap === null) return null
  const px = kernels.base
  const po = px + x.length
  heap.set(x, px)
  kernels.exports.sumRuns(px * 8, runs, len, po * 8)
  return heap.slice(po, po + runs)
}
