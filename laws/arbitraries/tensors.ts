/**
 * fast-check arbitraries for tensors: shapes (ranks 0–4, dimensions 1–5 by default),
 * tensors of a shape with values from any arbitrary, and pairs of shapes that broadcast
 * together (numpy's rules), made the way `docs/laws.md` asks: draw the output shape, then derive
 * each operand from it by dropping leading axes and replacing dimensions by 1.
 *
 * Every generated tensor prints readably in fast-check's failure reports.
 *
 * @module arbitraries/tensors
 */
import fc from 'fast-check'
import * as Tensor from '../../src/Tensor.js'

// -------------------------------------------------------------------------------------
// shapes
// -------------------------------------------------------------------------------------

/**
 * Options of {@link shape} and of the arbitraries built on it: ranks in
 * `[minRank, maxRank]` (default 0–4) and dimensions in `[minDim, maxDim]` (default 1–5).
 *
 * @category shapes
 */
export interface ShapeOptions {
  readonly minRank?: number
  readonly maxRank?: number
  readonly minDim?: number
  readonly maxDim?: number
}

const limits = (op: string, options: ShapeOptions): Required<ShapeOptions> => {
  const { minRank = 0, maxRank = 4, minDim = 1, maxDim = 5 } = options
  for (const [k, v] of Object.entries({ minRank, maxRank, minDim, maxDim })) {
    if (!Number.isInteger(v) || v < 0) throw new RangeError(`${op}: ${k} must be a non-negative integer, got ${v}`)
  }
  if (minRank > maxRank || minDim > maxDim) {
    throw new RangeError(`${op}: expected minRank <= maxRank and minDim <= maxDim, got ranks [${minRank}, ${maxRank}] and dims [${minDim}, ${maxDim}]`)
  }
  return { minRank, maxRank, minDim, maxDim }
}

/**
 * Random shapes: ranks 0 to 4 and dimensions 1 to 5 unless told otherwise.
 *
 * @example
 * import fc from 'fast-check'
 * import { shape } from 'backprop-lens/laws'
 *
 * const shapes = fc.sample(shape(), { numRuns: 200, seed: 1 })
 * console.log(shapes.every((s) => s.length <= 4 && s.every((d) => d >= 1 && d <= 5))) // true
 * console.log(new Set(shapes.map((s) => s.length)).size) // 5
 *
 * @category shapes
 */
export const shape = (options: ShapeOptions = {}): fc.Arbitrary<Tensor.Shape> => {
  const { minRank, maxRank, minDim, maxDim } = limits('shape', options)
  return fc
    .array(fc.integer({ min: minDim, max: maxDim }), { minLength: minRank, maxLength: maxRank })
    .map((dims) => Object.freeze(dims) as Tensor.Shape)
}

/**
 * Two shapes that broadcast together, and the shape they broadcast to: draw the output
 * shape, then derive each operand from it by dropping some leading axes and replacing
 * some dimensions by 1. Every pair of shapes that broadcasts to a shape with dimensions in
 * range can come out (same shapes, scalars, `[n, k]` with `[k]`, `[a, 1, c]` with `[b, 1]`…).
 *
 * @example
 * import fc from 'fast-check'
 * import { Tensor } from 'backprop-lens'
 * import { broadcastableShapes } from 'backprop-lens/laws'
 *
 * const triples = fc.sample(broadcastableShapes(), { numRuns: 200, seed: 1 })
 * console.log(triples.every(([a, b, out]) => Tensor.sameShape(Tensor.broadcastShapes('check', a, b), out))) // true
 * console.log(triples.some(([a, b]) => a.length !== b.length), triples.some(([a, b]) => !Tensor.sameShape(a, b))) // true true
 *
 * @category shapes
 */
export const broadcastableShapes = (options: ShapeOptions = {}): fc.Arbitrary<readonly [Tensor.Shape, Tensor.Shape, Tensor.Shape]> =>
  shape(options).chain((out) => {
    // One operand keeps the full rank half the time, so the output is not always wider than both.
    const operand = fc
      .tuple(fc.integer({ min: 0, max: out.length }), fc.array(fc.boolean(), { minLength: out.length, maxLength: out.length }))
      .map(([drop, ones]) => out.slice(drop).map((d, i) => (ones[i + drop] === true ? 1 : d)))
    return fc.tuple(operand, operand).map(([a, b]) => {
      // The broadcast of the derived operands may be narrower than `out`: report the real one.
      const result = Tensor.broadcastShapes('broadcastableShapes', a, b)
      return [Object.freeze(a), Object.freeze(b), result] as const
    })
  })

// -------------------------------------------------------------------------------------
// tensors
// -------------------------------------------------------------------------------------

const show = (t: Tensor.Tensor): string => `Tensor.make(${JSON.stringify(t.shape)}, [${Array.from(t.data).join(', ')}])`

/** A tensor that fast-check prints as the code that builds it. */
const printable = (t: Tensor.Tensor): Tensor.Tensor => {
  Object.defineProperty(t, fc.toStringMethod, { value: () => show(t) })
  return t
}

/**
 * Tensors of a given shape with values from `values` (default: doubles in `[-10, 10]`).
 *
 * @example
 * import fc from 'fast-check'
 * import { lattice, tensorOfShape } from 'backprop-lens/laws'
 *
 * const [t] = fc.sample(tensorOfShape([2, 3], lattice(-1, 1)), { numRuns: 1, seed: 1 })
 * console.log(t!.shape, t!.data.every((x) => x > -1 && x < 1)) // [ 2, 3 ] true
 *
 * @category tensors
 */
export const tensorOfShape = (shape: Tensor.Shape, values: fc.Arbitrary<number> = DEFAULT_VALUES): fc.Arbitrary<Tensor.Tensor> => {
  const s = Tensor.checkShape('tensorOfShape', shape)
  const n = Tensor.shapeSize(s)
  return fc
    .array(values, { minLength: n, maxLength: n })
    .map((xs) => printable(Tensor.make(s, xs)))
}

const DEFAULT_VALUES = fc.double({ min: -10, max: 10, noNaN: true, noDefaultInfinity: true })

/**
 * Options of {@link tensor}, {@link tensors} and {@link broadcastPair}: {@link ShapeOptions}
 * and the arbitrary of the values (default: doubles in `[-10, 10]`).
 *
 * @category tensors
 */
export interface TensorOptions extends ShapeOptions {
  readonly values?: fc.Arbitrary<number>
}

/**
 * Tensors of random shape (ranks 0–4, dimensions 1–5 by default) with values from
 * `options.values`.
 *
 * @example
 * import fc from 'fast-check'
 * import { doubleIn, tensor } from 'backprop-lens/laws'
 *
 * const ts = fc.sample(tensor({ values: doubleIn(0.1, 5) }), { numRuns: 100, seed: 2 })
 * console.log(ts.every((t) => t.data.every((x) => x >= 0.1 && x <= 5))) // true
 *
 * @category tensors
 */
export const tensor = (options: TensorOptions = {}): fc.Arbitrary<Tensor.Tensor> =>
  shape(options).chain((s) => tensorOfShape(s, options.values))

/**
 * `count` tensors of one random shape (for laws of vector spaces: `x`, `y`, `z` that can
 * be added).
 *
 * @example
 * import fc from 'fast-check'
 * import { Tensor } from 'backprop-lens'
 * import { tensors } from 'backprop-lens/laws'
 *
 * const [x, y, z] = fc.sample(tensors(3), { numRuns: 1, seed: 3 })[0] ?? []
 * console.log(Tensor.sameShape(x!.shape, y!.shape) && Tensor.sameShape(y!.shape, z!.shape)) // true
 *
 * @category tensors
 */
export const tensors = (count: number, options: TensorOptions = {}): fc.Arbitrary<ReadonlyArray<Tensor.Tensor>> => {
  if (!Number.isInteger(count) || count < 0) throw new RangeError(`tensors: count must be a non-negative integer, got ${count}`)
  return shape(options).chain((s) => fc.array(tensorOfShape(s, options.values), { minLength: count, maxLength: count }))
}

/**
 * Pairs of tensors whose shapes broadcast together ({@link broadcastableShapes}), with values
 * from `options.values` (the same arbitrary for both, or one per operand with `second`):
 * the input of a binary op.
 *
 * @example
 * import fc from 'fast-check'
 * import { Lens, ops } from 'backprop-lens'
 * import { broadcastPair } from 'backprop-lens/laws'
 *
 * const pairs = fc.sample(broadcastPair(), { numRuns: 100, seed: 4 })
 * console.log(pairs.every((p) => Lens.evaluate(ops.add, p).size >= Math.max(p[0].size, p[1].size))) // true
 *
 * @category tensors
 */
export const broadcastPair = (
  options: TensorOptions & { readonly second?: fc.Arbitrary<number> } = {}
): fc.Arbitrary<readonly [Tensor.Tensor, Tensor.Tensor]> =>
  broadcastableShapes(options).chain(([a, b]) =>
    fc.tuple(tensorOfShape(a, options.values), tensorOfShape(b, options.second ?? options.values))
  )
