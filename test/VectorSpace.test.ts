/**
 * VectorSpace: the instances of structures (tuple, struct, infer) at any depth, their
 * messages (with the path), and agreement with the flat coordinates.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Tensor, VectorSpace } from '../src/index.js'

const message = (f: () => unknown): string => {
  try {
    f()
  } catch (e) {
    return e instanceof Error ? `${e.constructor.name}: ${e.message}` : String(e)
  }
  return 'no error'
}

type Nest = number | readonly [Nest, Nest]

/** `[[[x, 0], 1], 2]…` (leftward) or `[0, [1, [2, …x]]]`, n deep. */
const nest = (n: number, leftward: boolean, leaf: (i: number) => number): Nest => {
  let p: Nest = leaf(n)
  for (let i = n - 1; i >= 0; i--) p = leftward ? [p, leaf(i)] : [leaf(i), p]
  return p
}

describe('instances of structures nested to any depth (issue 8)', () => {
  const N = 200_000

  it.each([
    ['to the left', true],
    ['to the right', false]
  ])('infer: every operation on values nested %s 200,000 deep agrees with the flat coordinates', (_name, leftward) => {
    const x = nest(N, leftward, (i) => i % 5)
    const y = nest(N, leftward, (i) => (i % 3) - 1)
    const V = VectorSpace.infer(x)
    const fx = V.flatten(x)
    const fy = V.flatten(y)
    expect(V.size(x)).toBe(N + 1)
    const flat = (f: (a: number, b: number) => number): Float64Array => fx.map((a, i) => f(a, fy[i] as number))
    expect(V.flatten(V.add(x, y))).toEqual(flat((a, b) => a + b))
    expect(V.flatten(V.scale(-2, x))).toEqual(flat((a) => -2 * a))
    expect(V.flatten(V.zero(x))).toEqual(new Float64Array(N + 1))
    let dot = 0
    for (let i = 0; i <= N; i++) dot += (fx[i] as number) * (fy[i] as number)
    expect(V.dot(x, y)).toBe(dot)
    expect(V.flatten(V.unflatten(x, fy))).toEqual(fy)
  })

  it('tuple of tuples of tuples…, 200,000 deep, built with a loop', () => {
    let V: VectorSpace.VectorSpace<unknown> = VectorSpace.number as VectorSpace.VectorSpace<unknown>
    let x: unknown = 3
    for (let i = 0; i < N; i++) {
      V = VectorSpace.tuple(V, VectorSpace.number) as VectorSpace.VectorSpace<unknown>
      x = [x, i]
    }
    expect(V.size(x)).toBe(N + 1)
    const f = V.flatten(x)
    expect([f[0], f[1], f[N]]).toEqual([3, 0, N - 1])
    expect(V.flatten(V.add(x, x))).toEqual(f.map((a) => 2 * a))
  })
})

describe('messages name the operation and the path', () => {
  const V = VectorSpace.infer({ layers: [{ W: Tensor.zeros([2, 3]), b: [0, 0] }], s: 0 })
  const good = { layers: [{ W: Tensor.zeros([2, 3]), b: [1, 2] }], s: 3 }

  it('a tuple of another length, a missing field, a leaf instance’s error (a number is checked too)', () => {
    expect(message(() => V.add(good, { layers: [{ W: Tensor.zeros([2, 3]), b: [1] }], s: 3 } as never))).toBe(
      'RangeError: VectorSpace.tuple.add: expected a tuple of length 2, got an array of length 1 at layers[0].b'
    )
    expect(message(() => V.dot(good, { layers: [{ W: Tensor.zeros([2, 3]) }], s: 3 } as never))).toBe(
      "RangeError: VectorSpace.struct.dot: missing field 'b' at layers[0]"
    )
    expect(message(() => V.add(good, { layers: [{ W: Tensor.zeros([3, 2]), b: [1, 2] }], s: 3 }))).toBe(
      'RangeError: VectorSpace.tensor.add: shapes [2,3] and [3,2] differ at layers[0].W'
    )
    expect(message(() => VectorSpace.number.add(1, '2' as never))).toBe('TypeError: VectorSpace.number.add: expected a number, got "2"')
    expect(message(() => V.flatten({ layers: [{ W: Tensor.zeros([2, 3]), b: [1, 'x'] }], s: 3 } as never))).toBe(
      'TypeError: VectorSpace.number.flatten: expected a number, got "x" at layers[0].b[1]'
    )
  })

  it('infer names what it cannot handle, and a value that contains itself', () => {
    expect(message(() => VectorSpace.infer({ w: [1, 'x'] }))).toBe('TypeError: VectorSpace.infer: no vector space for "x" at w[1]')
    expect(message(() => VectorSpace.infer([1, [2, null]]))).toBe('TypeError: VectorSpace.infer: no vector space for null at [1][1]')
    expect(message(() => VectorSpace.infer({ 'a b': new Date(0) }))).toBe('TypeError: VectorSpace.infer: no vector space for a Date at ["a b"]')
    const loop: Array<unknown> = [1]
    loop.push({ back: loop })
    expect(message(() => VectorSpace.infer(loop))).toBe('TypeError: VectorSpace.infer: the value contains itself at [1].back')
    // sharing is not a cycle
    const shared = [1, 2]
    expect(VectorSpace.infer([shared, shared]).size([shared, shared])).toBe(4)
  })
})

describe('inferred instances agree with the explicit ones', () => {
  const leaf = fc.oneof(fc.double({ min: -10, max: 10, noNaN: true }), fc.constant(Tensor.fromNested([[1, 2], [3, 4]])))
  const value = fc.letrec<{ v: unknown }>((tie) => ({
    v: fc.oneof({ depthSize: 'small' }, leaf, fc.array(tie('v'), { maxLength: 3 }), fc.dictionary(fc.constantFrom('a', 'b', 'c d'), tie('v'), { maxKeys: 3 }))
  })).v
  /** The explicit instance of a value's structure, built by hand. */
  const explicit = (u: unknown): VectorSpace.VectorSpace<unknown> =>
    (typeof u === 'number'
      ? VectorSpace.number
      : u instanceof Tensor.Tensor
        ? VectorSpace.tensor
        : Array.isArray(u)
          ? VectorSpace.tuple(...u.map(explicit))
          : VectorSpace.struct(Object.fromEntries(Object.entries(u as object).map(([k, v]) => [k, explicit(v)])))) as VectorSpace.VectorSpace<unknown>

  it('flatten, scale, add and unflatten', () => {
    fc.assert(
      fc.property(value, (u) => {
        const I = VectorSpace.infer(u)
        const E = explicit(u)
        expect(I.flatten(u)).toEqual(E.flatten(u))
        expect(I.flatten(I.scale(3, u))).toEqual(E.flatten(E.scale(3, u)))
        expect(I.flatten(I.add(u, u))).toEqual(E.flatten(E.add(u, u)))
        const d = E.flatten(u).map((c, i) => c + i)
        expect(I.flatten(I.unflatten(u, d))).toEqual(d)
        expect(E.flatten(E.unflatten(u, d))).toEqual(d)
      }),
      { numRuns: 300 }
    )
  })
})
