/**
 * The type class of cotangents: values that can be added, scaled, dotted, and laid out as
 * a flat vector of coordinates (what finite differences and optimisers need).
 *
 * Laws (for every instance, with `x`, `y`, `z` of the same structure): `add` is associative
 * and commutative with `zero(x)` as unit; `scale` distributes over `add`;
 * `scale(1, x) ≡ x`; `dot(x, y) = Σ flatten(x)ᵢ·flatten(y)ᵢ`;
 * `unflatten(x, flatten(x)) ≡ x` and `flatten(unflatten(x, d)) ≡ d`.
 *
 * The instances of structures ({@link tuple}, {@link struct}, {@link infer}) nest to any
 * depth: each operation is one walk with its own stack (a tuple of tuples a million deep, or
 * an instance inferred from the parameters of a `Para` model nested a million deep, runs on
 * the default stack). Their errors name the operation and the path of the offending value,
 * as every message of the library writes paths: `layers[0].W` (`(root)` for the whole value).
 *
 * @module VectorSpace
 */
// One piece, past 400 lines: the walk behind the instances of structures calls the leaf instances
// (`number`, `tensor`) and `fromCoordinates`, and the machinery may not import a public module
// that imports it, so they stay together.

import { zeros } from './kernels/index.js'
import * as K from './kernels/index.js'
import { describe } from './internal/guards.js'
import { showShape, Tensor, unsafeFromData } from './internal/tensor.js'
import * as Tree from './internal/tree.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * A vector space over the reals whose values have a *structure* (a tuple's length, a
 * tensor's shape): `zero`, `size` and `unflatten` take an existing value whose structure
 * they copy. Binary operations require both values to have the same structure and throw
 * an error naming the operation otherwise.
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.tuple(VectorSpace.number, VectorSpace.number)
 * console.log(V.add([1, 2], [10, 20]), V.dot([1, 2], [3, 4]), V.flatten([5, 6])) // [ 11, 22 ] 11 Float64Array(2) [ 5, 6 ]
 *
 * @category model
 */
export interface VectorSpace<V> {
  /** The zero with the structure of `like`. */
  readonly zero: (like: V) => V
  /** The sum of two values of the same structure. */
  readonly add: (x: V, y: V) => V
  /** `s·x`. */
  readonly scale: (s: number, x: V) => V
  /** The inner product `Σ xᵢ·yᵢ` of two values of the same structure. */
  readonly dot: (x: V, y: V) => number
  /** The number of coordinates of values with the structure of `like`. */
  readonly size: (like: V) => number
  /** Writes the coordinates of `x` into `out` from `offset`. */
  readonly write: (x: V, out: Float64Array, offset: number) => void
  /** Reads a value with the structure of `like` from `data` at `offset`. */
  readonly read: (like: V, data: ArrayLike<number>, offset: number) => V
  /** The coordinates of `x`, in a fresh array. */
  readonly flatten: (x: V) => Float64Array
  /** A value with the structure of `like` and the coordinates `data` (of length `size(like)`). */
  readonly unflatten: (like: V, data: ArrayLike<number>) => V
}

/**
 * The operations an instance must define; {@link fromCoordinates} derives the rest.
 *
 * @category model
 */
export type Basis<V> = Omit<VectorSpace<V>, 'flatten' | 'unflatten'>

// -------------------------------------------------------------------------------------
// constructors
// -------------------------------------------------------------------------------------

/**
 * Completes an instance with `flatten` and `unflatten` derived from `size`, `write` and
 * `read`.
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 *
 * // Complex numbers as pairs { re, im }.
 * type Complex = { readonly re: number; readonly im: number }
 * const C: VectorSpace.VectorSpace<Complex> = VectorSpace.fromCoordinates<Complex>({
 *   zero: () => ({ re: 0, im: 0 }),
 *   add: (x, y) => ({ re: x.re + y.re, im: x.im + y.im }),
 *   scale: (s, x) => ({ re: s * x.re, im: s * x.im }),
 *   dot: (x, y) => x.re * y.re + x.im * y.im,
 *   size: () => 2,
 *   write: (x, out, i) => { out[i] = x.re; out[i + 1] = x.im },
 *   read: (_like, d, i) => ({ re: d[i] ?? 0, im: d[i + 1] ?? 0 })
 * })
 * console.log(C.flatten({ re: 1, im: 2 })) // Float64Array(2) [ 1, 2 ]
 *
 * @category constructors
 */
export const fromCoordinates = <V>(basis: Basis<V>): VectorSpace<V> => ({
  ...basis,
  flatten: (x) => {
    const out = zeros(basis.size(x))
    basis.write(x, out, 0)
    return out
  },
  unflatten: (like, data) => {
    const n = basis.size(like)
    if (data.length !== n) {
      throw new RangeError(`VectorSpace.unflatten: the structure has ${n} coordinates, got ${data.length}`)
    }
    return basis.read(like, data, 0)
  }
})

// -------------------------------------------------------------------------------------
// instances
// -------------------------------------------------------------------------------------

const numberOperand = (op: string, x: unknown): number => {
  if (typeof x !== 'number') throw new TypeError(`VectorSpace.number.${op}: expected a number, got ${describe(x)}`)
  return x
}

const coordinate = (data: ArrayLike<number>, i: number): number => {
  const v = data[i]
  if (v === undefined) throw new RangeError(`VectorSpace.read: no coordinate at index ${i}`)
  return v
}

/**
 * The real numbers.
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 *
 * console.log(VectorSpace.number.add(1, 2), VectorSpace.number.dot(3, 4)) // 3 12
 *
 * @category instances
 */
export const number: VectorSpace<number> = fromCoordinates<number>({
  zero: () => 0,
  add: (x, y) => numberOperand('add', x) + numberOperand('add', y),
  scale: (s, x) => s * numberOperand('scale', x),
  dot: (x, y) => numberOperand('dot', x) * numberOperand('dot', y),
  size: () => 1,
  write: (x, out, offset) => {
    out[offset] = numberOperand('flatten', x)
  },
  read: (_like, data, offset) => coordinate(data, offset)
})

const tensorOperand = (op: string, x: unknown): Tensor => {
  if (!(x instanceof Tensor)) throw new TypeError(`VectorSpace.tensor.${op}: expected a Tensor, got ${describe(x)}`)
  return x
}

const sameShapes = (op: string, x: unknown, y: unknown): void => {
  const a = tensorOperand(op, x)
  const b = tensorOperand(op, y)
  if (a.shape === b.shape) return
  const sa = a.shape
  const sb = b.shape
  let same = sa.length === sb.length
  for (let i = 0; same && i < sa.length; i++) same = sa[i] === sb[i]
  if (!same) throw new RangeError(`VectorSpace.tensor.${op}: shapes ${showShape(sa)} and ${showShape(sb)} differ`)
}

/**
 * Tensors of one shape, coordinate-wise (the coordinates are the row-major data). Binary
 * operations throw a `RangeError` naming both shapes when they differ; nothing broadcasts.
 *
 * @example
 * import { Tensor, VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.tensor
 * const x = Tensor.fromNested([[1, 2], [3, 4]])
 * console.log(V.add(x, x).data, V.dot(x, x), V.zero(x).shape) // Float64Array(4) [ 2, 4, 6, 8 ] 30 [ 2, 2 ]
 * try { V.add(x, Tensor.zeros([4])) } catch (e) { console.log((e as Error).message) } // VectorSpace.tensor.add: shapes [2,2] and [4] differ
 *
 * @category instances
 */
export const tensor: VectorSpace<Tensor> = fromCoordinates<Tensor>({
  zero: (like) => unsafeFromData(tensorOperand('zero', like).shape, zeros(like.size)),
  add: (x, y) => {
    sameShapes('add', x, y)
    return unsafeFromData(x.shape, K.zip(K.ADD, x.data, y.data))
  },
  scale: (s, x) => unsafeFromData(tensorOperand('scale', x).shape, K.affine(x.data, s, 0)),
  dot: (x, y) => {
    sameShapes('dot', x, y)
    const a = x.data
    const b = y.data
    let sum = 0
    for (let i = 0; i < a.length; i++) sum += (a[i] as number) * (b[i] as number)
    return sum
  },
  size: (like) => tensorOperand('size', like).size,
  write: (x, out, offset) => {
    tensorOperand('flatten', x)
    if (offset + x.size > out.length) {
      throw new RangeError(`VectorSpace.tensor.write: ${x.size} coordinates of shape ${showShape(x.shape)} do not fit at offset ${offset} of ${out.length}`)
    }
    out.set(x.data, offset)
  },
  read: (like, data, offset) => {
    const n = tensorOperand('unflatten', like).size
    if (offset + n > data.length) {
      throw new RangeError(`VectorSpace.tensor.read: shape ${showShape(like.shape)} needs ${n} coordinates at offset ${offset}, but only ${Math.max(0, data.length - offset)} remain`)
    }
    if (data instanceof Float64Array) return unsafeFromData(like.shape, data.slice(offset, offset + n))
    const out = zeros(n)
    for (let i = 0; i < n; i++) out[i] = data[offset + i] as number
    return unsafeFromData(like.shape, out)
  }
})

// -------------------------------------------------------------------------------------
// structures (internal)
// -------------------------------------------------------------------------------------

// An instance of a structure (tuple, struct, infer) keeps what it is made of as a *spec*, a
// tree that one walk with its own stack runs however deep it nests (a million nested tuples,
// or parameters nested a million deep): an array for a tuple, a record for a struct, a number
// or a tensor for `number` or `tensor` (that is what an inferred template holds), a `Leaf`
// for any other instance. A tuple of tuples gets the inner tuples' specs, not their methods.
const SPEC: unique symbol = Symbol('backprop-lens/VectorSpace.spec') as never

class Leaf {
  constructor(readonly space: VectorSpace<unknown>) {}
}

const specOf = (space: VectorSpace<unknown>): unknown => {
  const spec = (space as { readonly [SPEC]?: unknown })[SPEC]
  return spec !== undefined ? spec : new Leaf(space)
}

type Container = Array<unknown> | Record<string, unknown>

const at = (cursor: Tree.Cursor): string => (cursor.depth === 0 ? '' : ` at ${cursor.show()}`)

/** An error of a leaf instance inside a structure, with the path added (same class). */
const withPath = (path: string, e: unknown): unknown => {
  if (!(e instanceof Error)) return e
  const message = `${e.message} at ${path}`
  return e instanceof RangeError ? new RangeError(message, { cause: e }) : e instanceof TypeError ? new TypeError(message, { cause: e }) : new Error(message, { cause: e })
}

/** The instance of a leaf of a spec. */
const leafSpace = (s: unknown): VectorSpace<unknown> =>
  (typeof s === 'number' ? number : s instanceof Tensor ? tensor : (s as Leaf).space) as VectorSpace<unknown>

const allLeaves = (specs: ReadonlyArray<unknown>): boolean => {
  for (let i = 0; i < specs.length; i++) {
    const s = specs[i]
    if (typeof s !== 'number' && !(s instanceof Tensor) && !(s instanceof Leaf)) return false
  }
  return true
}

const expectTuple = (op: string, n: number, u: unknown, cursor: Tree.Cursor): ReadonlyArray<unknown> => {
  if (!Array.isArray(u) || u.length !== n) throw new RangeError(`VectorSpace.tuple.${op}: expected a tuple of length ${n}, got ${describe(u)}${at(cursor)}`)
  return u
}

const field = (op: string, u: unknown, k: string, cursor: Tree.Cursor): unknown => {
  if (u === null || typeof u !== 'object' || !(k in u)) throw new RangeError(`VectorSpace.struct.${op}: missing field '${k}' at ${cursor.show()}`)
  return (u as Record<string, unknown>)[k]
}

/**
 * The one loop behind every operation of a structural instance: visits the operands `x`
 * (and `y` for binary operations) along the instance's spec, in flatten order, checking that
 * they have its structure; `leaf` does the work of the leaf instances. With `build`, the
 * results of `leaf` are assembled into a fresh value of the same structure.
 */
const run = (
  op: string,
  spec: unknown,
  x: unknown,
  y: unknown,
  binary: boolean,
  build: boolean,
  leaf: (space: VectorSpace<unknown>, x: unknown, y: unknown) => unknown
): unknown => {
  const result: Array<unknown> = [undefined]
  Tree.walk(spec, x, y, result, {
    enter: (s, a, b, out, cursor) => {
      const key = cursor.key ?? 0
      const kind = Tree.kindOf(s)
      if (kind === Tree.ARRAY) {
        const specs = s as ReadonlyArray<unknown>
        const xs = expectTuple(op, specs.length, a, cursor)
        const ys = binary ? expectTuple(op, specs.length, b, cursor) : null
        const made = build ? new Array<unknown>(specs.length) : null
        if (build) Tree.put(out as Container, key, made)
        if (allLeaves(specs)) {
          // A tuple of leaves (a million numbers, say) is handled here, without a visit per item.
          for (let i = 0; i < specs.length; i++) {
            let v: unknown
            try {
              v = leaf(leafSpace(specs[i]), xs[i], ys === null ? undefined : ys[i])
            } catch (e) {
              throw withPath(cursor.showChild(i), e)
            }
            if (made !== null) made[i] = v
          }
          return undefined
        }
        for (let i = specs.length - 1; i >= 0; i--) cursor.push(i, specs[i], xs[i], ys === null ? undefined : ys[i], made)
        return specs
      }
      if (kind === Tree.RECORD) {
        const specs = s as Readonly<Record<string, unknown>>
        const keys = Object.keys(specs)
        const made = build ? Tree.emptyLike(undefined, Tree.RECORD, keys) : null
        if (build) Tree.put(out as Container, key, made)
        // Checked first to last (so that the first missing field is the one named), pushed last to first.
        for (const k of keys) {
          field(op, a, k, cursor)
          if (binary) field(op, b, k, cursor)
        }
        for (let i = keys.length - 1; i >= 0; i--) {
          const k = keys[i] as string
          cursor.push(k, specs[k], (a as Record<string, unknown>)[k], binary ? (b as Record<string, unknown>)[k] : undefined, made)
        }
        return specs
      }
      let v: unknown
      try {
        v = leaf(leafSpace(s), a, b)
      } catch (e) {
        throw cursor.depth === 0 ? e : withPath(cursor.show(), e)
      }
      if (build) Tree.put(out as Container, key, v)
      return undefined
    },
    cycle: (path) => new TypeError(`VectorSpace.${op}: the instance contains itself at ${path}`)
  })
  return result[0]
}

/** An instance of a structure, given its spec: every operation is one {@link run}. */
const structural = <V>(spec: unknown): VectorSpace<V> => {
  const map1 = (op: string, x: unknown, f: (v: VectorSpace<unknown>, a: unknown) => unknown): unknown => run(op, spec, x, undefined, false, true, (v, a) => f(v, a))
  const space = fromCoordinates<unknown>({
    zero: (like) => map1('zero', like, (v, a) => v.zero(a)),
    add: (x, y) => run('add', spec, x, y, true, true, (v, a, b) => v.add(a, b)),
    scale: (s, x) => map1('scale', x, (v, a) => v.scale(s, a)),
    dot: (x, y) => {
      let sum = 0
      run('dot', spec, x, y, true, false, (v, a, b) => (sum += v.dot(a, b)))
      return sum
    },
    size: (like) => {
      let n = 0
      run('size', spec, like, undefined, false, false, (v, a) => (n += v.size(a)))
      return n
    },
    write: (x, out, offset) => {
      let i = offset
      run('flatten', spec, x, undefined, false, false, (v, a) => {
        v.write(a, out, i)
        i += v.size(a)
      })
    },
    read: (like, data, offset) => {
      let i = offset
      return map1('unflatten', like, (v, a) => {
        const value = v.read(a, data, i)
        i += v.size(a)
        return value
      })
    }
  })
  return { ...space, [SPEC]: spec } as unknown as VectorSpace<V>
}

// -------------------------------------------------------------------------------------
// instances of structures
// -------------------------------------------------------------------------------------

/**
 * Tuples, coordinate-wise: one instance per component. Operations check that the operands
 * are arrays of the tuple's length (`VectorSpace.tuple.add: expected a tuple of length 2,
 * got an array of length 3 at w`, with the path inside nested structures), and instances
 * of tuples and records nest to any depth.
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.tuple(VectorSpace.number, VectorSpace.tuple(VectorSpace.number, VectorSpace.number))
 * console.log(V.scale(2, [1, [2, 3]]), V.size([0, [0, 0]])) // [ 2, [ 4, 6 ] ] 3
 *
 * @category instances
 */
export const tuple = <const Vs extends ReadonlyArray<unknown>>(
  ...spaces: { readonly [K in keyof Vs]: VectorSpace<Vs[K]> }
): VectorSpace<Readonly<Vs>> => structural<Readonly<Vs>>((spaces as ReadonlyArray<VectorSpace<unknown>>).map(specOf))

/**
 * Records with fixed keys, key-wise: one instance per field. Coordinates are laid out in
 * the order of the keys of `spaces`. Operations check that each field is there
 * (`VectorSpace.struct.add: missing field 'b' at (root)`); other fields are ignored.
 *
 * @example
 * import { VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.struct({ w: VectorSpace.number, b: VectorSpace.number })
 * console.log(V.add({ w: 1, b: 2 }, { w: 3, b: 4 }), V.flatten({ w: 1, b: 2 })) // { w: 4, b: 6 } Float64Array(2) [ 1, 2 ]
 *
 * @category instances
 */
export const struct = <S extends Readonly<Record<string, unknown>>>(
  spaces: { readonly [K in keyof S]: VectorSpace<S[K]> }
): VectorSpace<Readonly<S>> => {
  const spec: Record<string, unknown> = {}
  for (const k of Object.keys(spaces)) Tree.setField(spec, k, specOf((spaces as Record<string, VectorSpace<unknown>>)[k] as VectorSpace<unknown>))
  return structural<Readonly<S>>(spec)
}

/**
 * The instance for a value built from numbers, tensors, arrays (tuples) and plain records,
 * inferred from its structure (the value's arrays and records are the instance's tuples and
 * records, at any depth): {@link number} for a number, {@link tensor} for a tensor. Throws a
 * `TypeError` naming the path of a value it cannot handle, or of an array or record that
 * contains itself.
 *
 * @example
 * import { Tensor, VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.infer({ w: [1, 2], b: 3 })
 * console.log(V.flatten({ w: [1, 2], b: 3 })) // Float64Array(3) [ 1, 2, 3 ]
 * const T = VectorSpace.infer({ w: Tensor.fromNested([[1, 2]]), b: 3 })
 * console.log(T.flatten({ w: Tensor.fromNested([[1, 2]]), b: 3 })) // Float64Array(3) [ 1, 2, 3 ]
 * try { VectorSpace.infer({ w: [1, 'x'] }) } catch (e) { console.log((e as Error).message) } // VectorSpace.infer: no vector space for "x" at w[1]
 *
 * @category instances
 */
export const infer = <V>(value: V): VectorSpace<V> => {
  const kind = Tree.kindOf(value)
  if (kind === Tree.NUMBER) return number as unknown as VectorSpace<V>
  if (kind === Tree.TENSOR) return tensor as unknown as VectorSpace<V>
  Tree.forEach(
    value,
    (u, k, cursor) => {
      if (k === Tree.OTHER) throw new TypeError(`VectorSpace.infer: no vector space for ${describe(u)} at ${cursor.show()}`)
      if (k === Tree.ARRAY) {
        // The numbers and tensors of an array are checked here, without a visit per item.
        const xs = u as ReadonlyArray<unknown>
        let leaves = true
        for (let i = 0; i < xs.length; i++) {
          const x = xs[i]
          if (typeof x === 'number' || x instanceof Tensor) continue
          leaves = false
          if (Tree.kindOf(x) === Tree.OTHER) throw new TypeError(`VectorSpace.infer: no vector space for ${describe(x)} at ${cursor.showChild(i)}`)
        }
        if (leaves) return false
      }
      return true
    },
    (path) => new TypeError(`VectorSpace.infer: the value contains itself at ${path}`)
  )
  return structural<V>(value)
}
