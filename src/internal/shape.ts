/**
 * Shapes and indices, as ops check them and messages print them: the size of a shape,
 * equality, numpy's broadcasting of two shapes, and the multi-index of a flat index.
 * Re-exported by `internal/tensor.ts` (and by the public `Tensor`).
 *
 * @internal
 * @module internal/shape
 */
import { showShape } from './guards.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A shape: the length of each axis, outermost first. `[]` is the shape of a scalar.
 *
 * @category model
 */
export type Shape = ReadonlyArray<number>

// -------------------------------------------------------------------------------------
// shapes
// -------------------------------------------------------------------------------------

/**
 * The number of elements of a shape (1 for `[]`).
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.shapeSize([2, 3, 4]), Tensor.shapeSize([])) // 24 1
 *
 * @category shapes
 */
export const shapeSize = (shape: Shape): number => {
  let n = 1
  for (let i = 0; i < shape.length; i++) n *= shape[i] as number
  return n
}

/**
 * Whether two shapes are equal.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.sameShape([2, 3], [2, 3]), Tensor.sameShape([2, 3], [3, 2])) // true false
 *
 * @category shapes
 */
export const sameShape = (a: Shape, b: Shape): boolean => {
  if (a === b) return true
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

/**
 * The shape two shapes broadcast to, by numpy's rules: align the shapes on their last
 * axis; along each axis the lengths must be equal or one of them 1 (a missing axis counts
 * as 1); the result takes the larger length. Throws a `RangeError` naming `op` and both
 * shapes when they do not broadcast.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.broadcastShapes('ops.add', [2, 1, 3], [4, 1])) // [ 2, 4, 3 ]
 * try { Tensor.broadcastShapes('ops.add', [2, 3], [4]) } catch (e) { console.log((e as Error).message) } // ops.add: shapes [2,3] and [4] do not broadcast
 *
 * @category shapes
 */
export const broadcastShapes = (op: string, a: Shape, b: Shape): Shape => {
  if (sameShape(a, b)) return a
  const n = Math.max(a.length, b.length)
  const out = new Array<number>(n)
  for (let i = 0; i < n; i++) {
    const da = i < n - a.length ? 1 : (a[i - (n - a.length)] as number)
    const db = i < n - b.length ? 1 : (b[i - (n - b.length)] as number)
    if (da === db || db === 1) out[i] = da
    else if (da === 1) out[i] = db
    else throw new RangeError(`${op}: shapes ${showShape(a)} and ${showShape(b)} do not broadcast`)
  }
  return Object.freeze(out)
}

// -------------------------------------------------------------------------------------
// indices (for error messages)
// -------------------------------------------------------------------------------------

/**
 * The multi-index of a row-major flat index.
 *
 * @example
 * import { Tensor } from 'backprop-lens'
 *
 * console.log(Tensor.unravel(5, [2, 3])) // [ 1, 2 ]
 *
 * @category indices
 */
export const unravel = (flat: number, shape: Shape): Array<number> => {
  const out = new Array<number>(shape.length)
  let r = flat
  for (let i = shape.length - 1; i >= 0; i--) {
    const d = shape[i] as number
    out[i] = d === 0 ? 0 : r % d
    r = d === 0 ? 0 : Math.floor(r / d)
  }
  return out
}
