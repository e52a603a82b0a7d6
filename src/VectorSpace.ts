/**
 * The type class of cotangents: values that can be added, scaled, dotted, and laid out as
 * a flat vector of coordinates (what finite differences and optimisers need).
 *
 * Laws (for every instance, with `x`, `y`, `z` of the same structure): `add` is associative
 * and commutative with `zero(x)` as unit; `scale` distributes over `add`;
 * `scale(1, x) ≡ x`; `dot(x, y) = Σ flatten(x)ᵢ·flatten(y)ᵢ`;
 * `unflatten(x, flatten(x)) ≡ x` and `flatten(unflatten(x, d)) ≡ d`.
 *
 * @module VectorSpace
 */

import * as K from './kernels/index.js'
import { showShape, Tensor, unsafeFromData } from './internal/tensor.js'

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
    const out = new Float64Array(basis.size(x))
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
  add: (x, y) => x + y,
  scale: (s, x) => s * x,
  dot: (x, y) => x * y,
  size: () => 1,
  write: (x, out, offset) => {
    out[offset] = x
  },
  read: (_like, data, offset) => coordinate(data, offset)
})

const tensorOperand = (op: string, x: unknown): Tensor => {
  if (!(x instanceof Tensor)) {
    throw new TypeError(`VectorSpace.tensor.${op}: expected a Tensor, got ${x === null ? 'null' : Array.isArray(x) ? 'an array' : typeof x}`)
  }
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
  zero: (like) => unsafeFromData(tensorOperand('zero', like).shape, new Float64Array(like.size)),
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
    const out = new Float64Array(n)
    for (let i = 0; i < n; i++) out[i] = data[offset + i] as number
    return unsafeFromData(like.shape, out)
  }
})

const sameLength = (op: string, x: ReadonlyArray<unknown>, y: ReadonlyArray<unknown>, n: number): void => {
  if (x.length !== n || y.length !== n) {
    throw new RangeError(`VectorSpace.tuple.${op}: expected tuples of length ${n}, got ${x.length} and ${y.length}`)
  }
}

/**
 * Tuples, coordinate-wise: one instance per component.
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
): VectorSpace<Readonly<Vs>> => {
  const n = spaces.length
  const space = (i: number): VectorSpace<unknown> => spaces[i] as VectorSpace<unknown>
  const zip = (op: string, x: ReadonlyArray<unknown>, y: ReadonlyArray<unknown>, f: (v: VectorSpace<unknown>, a: unknown, b: unknown) => unknown) => {
    sameLength(op, x, y, n)
    return x.map((a, i) => f(space(i), a, y[i]))
  }
  const check = (op: string, x: ReadonlyArray<unknown>): void => {
    if (!Array.isArray(x) || x.length !== n) {
      throw new RangeError(`VectorSpace.tuple.${op}: expected a tuple of length ${n}, got ${Array.isArray(x) ? `length ${x.length}` : typeof x}`)
    }
  }
  return fromCoordinates<Readonly<Vs>>({
    zero: (like) => {
      check('zero', like)
      return like.map((a, i) => space(i).zero(a)) as unknown as Readonly<Vs>
    },
    add: (x, y) => zip('add', x, y, (v, a, b) => v.add(a, b)) as unknown as Readonly<Vs>,
    scale: (s, x) => {
      check('scale', x)
      return x.map((a, i) => space(i).scale(s, a)) as unknown as Readonly<Vs>
    },
    dot: (x, y) => (zip('dot', x, y, (v, a, b) => v.dot(a, b)) as Array<number>).reduce((acc, d) => acc + d, 0),
    size: (like) => {
      check('size', like)
      return like.reduce<number>((acc, a, i) => acc + space(i).size(a), 0)
    },
    write: (x, out, offset) => {
      check('flatten', x)
      let at = offset
      x.forEach((a, i) => {
        space(i).write(a, out, at)
        at += space(i).size(a)
      })
    },
    read: (like, data, offset) => {
      check('unflatten', like)
      let at = offset
      return like.map((a, i) => {
        const v = space(i).read(a, data, at)
        at += space(i).size(a)
        return v
      }) as unknown as Readonly<Vs>
    }
  })
}

/**
 * Records with fixed keys, key-wise: one instance per field. Coordinates are laid out in
 * the order of the keys of `spaces`.
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
  const keys = Object.keys(spaces) as Array<keyof S & string>
  const space = (k: string): VectorSpace<unknown> => (spaces as Record<string, VectorSpace<unknown>>)[k] as VectorSpace<unknown>
  const field = (op: string, x: Readonly<S>, k: string): unknown => {
    if (x === null || typeof x !== 'object' || !(k in x)) {
      throw new RangeError(`VectorSpace.struct.${op}: missing field '${k}'`)
    }
    return (x as Record<string, unknown>)[k]
  }
  const build = (f: (k: string) => unknown): Readonly<S> => {
    const out: Record<string, unknown> = {}
    for (const k of keys) out[k] = f(k)
    return out as Readonly<S>
  }
  return fromCoordinates<Readonly<S>>({
    zero: (like) => build((k) => space(k).zero(field('zero', like, k))),
    add: (x, y) => build((k) => space(k).add(field('add', x, k), field('add', y, k))),
    scale: (s, x) => build((k) => space(k).scale(s, field('scale', x, k))),
    dot: (x, y) => keys.reduce((acc, k) => acc + space(k).dot(field('dot', x, k), field('dot', y, k)), 0),
    size: (like) => keys.reduce((acc, k) => acc + space(k).size(field('size', like, k)), 0),
    write: (x, out, offset) => {
      let at = offset
      for (const k of keys) {
        const a = field('flatten', x, k)
        space(k).write(a, out, at)
        at += space(k).size(a)
      }
    },
    read: (like, data, offset) => {
      let at = offset
      return build((k) => {
        const a = field('unflatten', like, k)
        const v = space(k).read(a, data, at)
        at += space(k).size(a)
        return v
      })
    }
  })
}

/**
 * The instance for a value built from numbers, tensors, arrays (tuples) and plain
 * records, inferred from its structure. Throws a `TypeError` naming the path of a value it cannot
 * handle.
 *
 * @example
 * import { Tensor, VectorSpace } from 'backprop-lens'
 *
 * const V = VectorSpace.infer({ w: [1, 2], b: 3 })
 * console.log(V.flatten({ w: [1, 2], b: 3 })) // Float64Array(3) [ 1, 2, 3 ]
 * const T = VectorSpace.infer({ w: Tensor.fromNested([[1, 2]]), b: 3 })
 * console.log(T.flatten({ w: Tensor.fromNested([[1, 2]]), b: 3 })) // Float64Array(3) [ 1, 2, 3 ]
 *
 * @category instances
 */
export const infer = <V>(value: V): VectorSpace<V> => inferAt(value, '(root)') as VectorSpace<V>

const inferAt = (value: unknown, path: string): VectorSpace<unknown> => {
  if (typeof value === 'number') return number as VectorSpace<unknown>
  if (value instanceof Tensor) return tensor as VectorSpace<unknown>
  if (Array.isArray(value)) {
    return tuple(...value.map((v, i) => inferAt(v, `${path}[${i}]`))) as VectorSpace<unknown>
  }
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    const spaces: Record<string, VectorSpace<unknown>> = {}
    for (const [k, v] of Object.entries(value)) spaces[k] = inferAt(v, `${path}.${k}`)
    return struct(spaces) as VectorSpace<unknown>
  }
  throw new TypeError(`VectorSpace.infer: no vector space for ${value === null ? 'null' : typeof value} at ${path}`)
}
