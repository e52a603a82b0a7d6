import { inspect } from 'node:util'
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import * as Tensor from '../src/Tensor.js'
import * as VectorSpace from '../src/VectorSpace.js'
import * as Lens from '../src/Lens.js'
import * as ops from '../src/ops/index.js'
import { TensorLaws, broadcastableShapes, dyadic, exact, shape, tensor, tensorOfShape } from '../laws/index.js'
import { message } from './support/errors.js'

/** numpy's rule, written independently: pad with 1s on the left, then compare axis by axis. */
const referenceBroadcast = (a: ReadonlyArray<number>, b: ReadonlyArray<number>): Array<number> | null => {
  const n = Math.max(a.length, b.length)
  const pa = [...new Array<number>(n - a.length).fill(1), ...a]
  const pb = [...new Array<number>(n - b.length).fill(1), ...b]
  const out: Array<number> = []
  for (let i = 0; i < n; i++) {
    const x = pa[i] as number
    const y = pb[i] as number
    if (x !== y && x !== 1 && y !== 1) return null
    out.push(x === 1 ? y : x)
  }
  return out
}

describe('Tensor construction', () => {
  it('make copies its data: later mutation of the source does not change the tensor, and the source is not written', () => {
    const source = [1, 2, 3, 4, 5, 6]
    const typed = Float64Array.from(source)
    const t = Tensor.make([2, 3], source)
    const u = Tensor.make([3, 2], typed)
    source[0] = 100
    typed[0] = 100
    expect(Array.from(t.data)).toEqual([1, 2, 3, 4, 5, 6])
    expect(Array.from(u.data)).toEqual([1, 2, 3, 4, 5, 6])
    expect(u.data).not.toBe(typed)
    expect(t.shape).toEqual([2, 3])
    expect(t.size).toBe(6)
  })

  it('make copies the shape and freezes it', () => {
    const s = [2, 2]
    const t = Tensor.make(s, [1, 2, 3, 4])
    s[0] = 7
    expect(t.shape).toEqual([2, 2])
    expect(Object.isFrozen(t.shape)).toBe(true)
  })

  it('make rejects a length mismatch, bad dimensions and non-finite values, naming the function and the shape', () => {
    expect(message(() => Tensor.make([2, 3], [1, 2]))).toBe('Tensor.make: shape [2,3] needs 6 values, got 2')
    expect(message(() => Tensor.make([2, -1], []))).toBe('Tensor.make: invalid shape [2,-1]: dimensions must be non-negative integers')
    expect(message(() => Tensor.make([1.5], [1]))).toBe('Tensor.make: invalid shape [1.5]: dimensions must be non-negative integers')
    expect(message(() => Tensor.make([NaN], [1]))).toBe('Tensor.make: invalid shape [NaN]: dimensions must be non-negative integers')
    expect(message(() => Tensor.make([2, 2], [1, 2, NaN, 4]))).toBe(
      'Tensor.make: values must be finite numbers, got NaN at index [1, 0] of a tensor of shape [2,2]'
    )
    expect(message(() => Tensor.make([2], [1, Infinity]))).toBe(
      'Tensor.make: values must be finite numbers, got Infinity at index [1] of a tensor of shape [2]'
    )
    expect(message(() => Tensor.make(3 as unknown as Tensor.Shape, [1]))).toBe(
      'Tensor.make: expected a shape (an array of non-negative integers), got 3'
    )
    expect(() => Tensor.make([2, 3], [1, 2])).toThrow(RangeError)
  })

  it('allows zero-length axes, as numpy does', () => {
    const t = Tensor.make([2, 0], [])
    expect(t.size).toBe(0)
    expect(Tensor.toNested(t)).toEqual([[], []])
    expect(Tensor.fromNested([]).shape).toEqual([0])
  })

  it('scalar, zeros, ones, fill, zerosLike, onesLike', () => {
    expect(Tensor.scalar(2.5).shape).toEqual([])
    expect(Tensor.toNested(Tensor.scalar(2.5))).toBe(2.5)
    expect(Array.from(Tensor.zeros([2, 2]).data)).toEqual([0, 0, 0, 0])
    expect(Array.from(Tensor.ones([3]).data)).toEqual([1, 1, 1])
    expect(Tensor.toNested(Tensor.fill([2, 1], -3))).toEqual([[-3], [-3]])
    const like = Tensor.fromNested([[1, 2, 3]])
    expect(Tensor.zerosLike(like).shape).toEqual([1, 3])
    expect(Array.from(Tensor.onesLike(like).data)).toEqual([1, 1, 1])
    expect(message(() => Tensor.scalar(NaN))).toBe('Tensor.scalar: expected a finite number, got NaN')
    expect(message(() => Tensor.fill([2], Infinity))).toBe('Tensor.fill: expected a finite value for shape [2], got Infinity')
    expect(message(() => Tensor.zeros([-1]))).toBe('Tensor.zeros: invalid shape [-1]: dimensions must be non-negative integers')
    expect(message(() => Tensor.ones([2, 0.5]))).toBe('Tensor.ones: invalid shape [2,0.5]: dimensions must be non-negative integers')
    expect(message(() => Tensor.zerosLike([1, 2] as unknown as Tensor.Tensor))).toBe('Tensor.zerosLike: expected a Tensor, got an array of length 2')
  })

  it('fromNested rejects ragged arrays and non-numbers, naming the path', () => {
    expect(message(() => Tensor.fromNested([[1, 2], [3]]))).toBe('Tensor.fromNested: ragged array at [1]: expected length 2, got 1')
    expect(message(() => Tensor.fromNested([[[1], [2]], [[3], [4, 5]]]))).toBe(
      'Tensor.fromNested: ragged array at [1, 1]: expected length 1, got 2'
    )
    expect(message(() => Tensor.fromNested([[1, 2], 3] as unknown as Tensor.Nested))).toBe(
      'Tensor.fromNested: ragged array at [1]: expected length 2, got 3'
    )
    expect(message(() => Tensor.fromNested([1, [2]] as unknown as Tensor.Nested))).toBe(
      'Tensor.fromNested: expected a finite number at [1], got an array'
    )
    expect(message(() => Tensor.fromNested([[1, NaN]]))).toBe('Tensor.fromNested: expected a finite number at [0, 1], got NaN')
    expect(message(() => Tensor.fromNested([['a']] as unknown as Tensor.Nested))).toBe(
      'Tensor.fromNested: expected a finite number at [0, 0], got "a"'
    )
  })

  it('fromNested and toNested are inverse (ranks 0 to 4)', () => {
    fc.assert(
      fc.property(tensor(), (t) => {
        const back = Tensor.fromNested(Tensor.toNested(t))
        expect(Tensor.equals(back, t)).toBe(true)
        expect(back.shape).toEqual(t.shape)
      }),
      { numRuns: 300 }
    )
  })

  it('make and fromNested agree on row-major order', () => {
    expect(Tensor.toNested(Tensor.make([2, 3], [1, 2, 3, 4, 5, 6]))).toEqual([
      [1, 2, 3],
      [4, 5, 6]
    ])
    expect(Tensor.toNested(Tensor.make([2, 1, 2], [1, 2, 3, 4]))).toEqual([[[1, 2]], [[3, 4]]])
  })

  it('get reads row-major elements and checks the index', () => {
    const t = Tensor.fromNested([
      [1, 2, 3],
      [4, 5, 6]
    ])
    expect(Tensor.get(t, [0, 0])).toBe(1)
    expect(Tensor.get(t, [1, 2])).toBe(6)
    expect(Tensor.get(t, [1, 0])).toBe(4)
    expect(Tensor.get(Tensor.scalar(7), [])).toBe(7)
    expect(message(() => Tensor.get(t, [2, 0]))).toBe('Tensor.get: index [2, 0] is out of bounds for shape [2,3]')
    expect(message(() => Tensor.get(t, [0, -1]))).toBe('Tensor.get: index [0, -1] is out of bounds for shape [2,3]')
    expect(message(() => Tensor.get(t, [0]))).toBe('Tensor.get: index [0] does not fit shape [2,3]')
    fc.assert(
      fc.property(tensor(), fc.nat(), (x, k) => {
        if (x.size === 0) return
        const flat = k % x.size
        expect(Tensor.get(x, Tensor.unravel(flat, x.shape))).toBe(x.data[flat])
      }),
      { numRuns: 300 }
    )
  })

  it('size and rank', () => {
    expect(Tensor.size(Tensor.zeros([2, 3, 4]))).toBe(24)
    expect(Tensor.rank(Tensor.zeros([2, 3, 4]))).toBe(3)
    expect(Tensor.size(Tensor.scalar(1))).toBe(1)
    expect(message(() => Tensor.size({} as Tensor.Tensor))).toBe('Tensor.size: expected a Tensor, got an object')
  })

  it('strides, unravel, showShape, showIndex', () => {
    expect(Tensor.strides([2, 3, 4])).toEqual([12, 4, 1])
    expect(Tensor.strides([])).toEqual([])
    expect(Tensor.unravel(23, [2, 3, 4])).toEqual([1, 2, 3])
    expect(Tensor.showShape([2, 3])).toBe('[2,3]')
    expect(Tensor.showIndex([1, 2])).toBe('[1, 2]')
  })

  it('is typed: readonly shape and data', () => {
    const t = Tensor.zeros([2])
    expectTypeOf(t.shape).toEqualTypeOf<ReadonlyArray<number>>()
    expectTypeOf(t.data).toEqualTypeOf<Tensor.ReadonlyFloat64Array>()
    expect(() => {
      // @ts-expect-error the shape is readonly (and frozen at run time)
      t.shape[0] = 3
    }).toThrow(TypeError)
  })

  it('is typed: data cannot be written through the public type, and reading it is as a Float64Array', () => {
    const t = Tensor.fromNested([1, 2, 3])
    const guard = (): void => {
      // @ts-expect-error no index writes
      t.data[0] = 5
      // @ts-expect-error no set
      t.data.set([1], 0)
      // @ts-expect-error no fill
      t.data.fill(0)
      // @ts-expect-error no copyWithin
      t.data.copyWithin(0, 1)
      // @ts-expect-error no in-place sort or reverse
      t.data.sort()
      // @ts-expect-error a view is read-only too
      t.data.subarray(1)[0] = 5
    }
    expect(typeof guard).toBe('function') // never called: the checks above are the type checker's
    // reading works as on a Float64Array, and copies are ordinary arrays
    expect(t.data[1]).toBe(2)
    expect(Array.from(t.data.subarray(1))).toEqual([2, 3])
    const copy: Float64Array = t.data.slice()
    copy[0] = 9
    expect(t.data[0]).toBe(1)
    const doubled: Float64Array = t.data.map((x) => x * 2)
    expect(Array.from(doubled)).toEqual([2, 4, 6])
    // a Float64Array is a ReadonlyFloat64Array (kernels and users can pass either)
    const readable: Tensor.ReadonlyFloat64Array = new Float64Array(2)
    expect(readable.length).toBe(2)
  })
})

describe('broadcastShapes (numpy rules)', () => {
  // From numpy's broadcasting documentation, plus edge cases (scalars, zero-length axes).
  const table: ReadonlyArray<readonly [Array<number>, Array<number>, Array<number>]> = [
    [[256, 256, 3], [3], [256, 256, 3]],
    [[8, 1, 6, 1], [7, 1, 5], [8, 7, 6, 5]],
    [[5, 4], [1], [5, 4]],
    [[5, 4], [4], [5, 4]],
    [[15, 3, 5], [15, 1, 5], [15, 3, 5]],
    [[15, 3, 5], [3, 5], [15, 3, 5]],
    [[15, 3, 5], [3, 1], [15, 3, 5]],
    [[], [2, 3], [2, 3]],
    [[2, 3], [], [2, 3]],
    [[], [], []],
    [[1], [3, 1, 2], [3, 1, 2]],
    [[0], [1], [0]],
    [[1, 0], [3, 1], [3, 0]],
    [[4, 1], [1, 4], [4, 4]]
  ]
  it.each(table)('%j with %j gives %j', (a, b, out) => {
    expect(Tensor.broadcastShapes('ops.add', a, b)).toEqual(out)
    expect(Tensor.broadcastShapes('ops.add', b, a)).toEqual(out)
  })

  const errors: ReadonlyArray<readonly [Array<number>, Array<number>, string]> = [
    [[2, 3], [4], 'ops.add: shapes [2,3] and [4] do not broadcast'],
    [[3], [4], 'ops.add: shapes [3] and [4] do not broadcast'],
    [[2, 1], [8, 4, 3], 'ops.add: shapes [2,1] and [8,4,3] do not broadcast'],
    [[0], [2], 'ops.add: shapes [0] and [2] do not broadcast']
  ]
  it.each(errors)('%j with %j throws', (a, b, text) => {
    expect(message(() => Tensor.broadcastShapes('ops.add', a, b))).toBe(text)
    expect(() => Tensor.broadcastShapes('ops.add', a, b)).toThrow(RangeError)
  })

  it('agrees with an independent implementation on random shapes (including incompatible ones)', () => {
    fc.assert(
      fc.property(shape({ maxDim: 3 }), shape({ maxDim: 3 }), (a, b) => {
        const expected = referenceBroadcast(a, b)
        if (expected === null) {
          expect(message(() => Tensor.broadcastShapes('op', a, b))).toBe(
            `op: shapes ${Tensor.showShape(a)} and ${Tensor.showShape(b)} do not broadcast`
          )
        } else {
          expect(Tensor.broadcastShapes('op', a, b)).toEqual(expected)
        }
      }),
      { numRuns: 1000 }
    )
  })

  it('the broadcastable-shapes arbitrary only makes compatible pairs', () => {
    fc.assert(
      fc.property(broadcastableShapes(), ([a, b, out]) => {
        expect(referenceBroadcast(a, b)).toEqual(out)
      }),
      { numRuns: 500 }
    )
  })
})

describe('random tensors', () => {
  const moments = (data: Tensor.ReadonlyFloat64Array): readonly [number, number] => {
    let m = 0
    for (const x of data) m += x
    m /= data.length
    let v = 0
    for (const x of data) v += (x - m) ** 2
    return [m, v / data.length]
  }

  it('randomNormal is reproducible: same seed same data, different seed different data', () => {
    fc.assert(
      fc.property(fc.integer(), fc.integer(), shape({ minRank: 1 }), (s1, s2, sh) => {
        const a = Tensor.randomNormal(sh, { seed: s1 })
        const b = Tensor.randomNormal(sh, { seed: s1 })
        expect(Tensor.equals(a, b)).toBe(true)
        if (s1 !== s2 && a.size >= 2) expect(Tensor.equals(a, Tensor.randomNormal(sh, { seed: s2 }))).toBe(false)
      }),
      { numRuns: 200 }
    )
  })

  it('randomNormal has roughly the requested mean and variance', () => {
    const [m, v] = moments(Tensor.randomNormal([200_000], { seed: 7 }).data)
    // Standard errors: 1/√n ≈ 0.0022 for the mean, √(2/n) ≈ 0.0032 for the variance.
    expect(Math.abs(m)).toBeLessThan(0.01)
    expect(Math.abs(v - 1)).toBeLessThan(0.015)
    const [m2, v2] = moments(Tensor.randomNormal([200_000], { seed: 8, mean: 3, std: 0.5 }).data)
    expect(Math.abs(m2 - 3)).toBeLessThan(0.005)
    expect(Math.abs(v2 - 0.25)).toBeLessThan(0.004)
    // Tails: about 4.55% beyond two standard deviations.
    const data = Tensor.randomNormal([200_000], { seed: 9 }).data
    const tail = data.filter((x) => Math.abs(x) > 2).length / data.length
    expect(Math.abs(tail - 0.0455)).toBeLessThan(0.003)
  })

  it('randomUniform stays in [low, high) with the right moments, reproducibly', () => {
    const t = Tensor.randomUniform([100_000], { seed: 3, low: -2, high: 4 })
    expect(t.data.every((x) => x >= -2 && x < 4)).toBe(true)
    const [m, v] = moments(t.data)
    expect(Math.abs(m - 1)).toBeLessThan(0.03)
    expect(Math.abs(v - 3)).toBeLessThan(0.05) // (high − low)² / 12
    expect(Tensor.equals(t, Tensor.randomUniform([100_000], { seed: 3, low: -2, high: 4 }))).toBe(true)
    const u = Tensor.randomUniform([1000], { seed: 1 })
    expect(u.data.every((x) => x >= 0 && x < 1)).toBe(true)
  })

  it('validates its options', () => {
    expect(message(() => Tensor.randomNormal([2], { seed: 1.5 }))).toBe('Tensor.randomNormal: expected an integer seed, got 1.5')
    expect(message(() => Tensor.randomNormal([2], { seed: 1, std: -1 }))).toBe('Tensor.randomNormal: std must be >= 0, got -1')
    expect(message(() => Tensor.randomNormal([2], { seed: 1, mean: NaN }))).toBe('Tensor.randomNormal: mean must be a finite number, got NaN')
    expect(message(() => Tensor.randomUniform([2], { seed: 1, low: 2, high: 1 }))).toBe(
      'Tensor.randomUniform: expected low <= high, got low 2 and high 1'
    )
    expect(message(() => Tensor.randomUniform([-2], { seed: 1 }))).toBe(
      'Tensor.randomUniform: invalid shape [-2]: dimensions must be non-negative integers'
    )
  })
})

describe('printing', () => {
  it('prints like numpy, aligned', () => {
    expect(Tensor.fromNested([[1, 2, 3], [4, 5, 6]]).toString()).toBe('Tensor([[1, 2, 3],\n        [4, 5, 6]])')
    expect(Tensor.fromNested([0.5, -2, 10]).toString()).toBe('Tensor([0.5,  -2,  10])')
    expect(Tensor.scalar(3).toString()).toBe('Tensor(3)')
    expect(Tensor.zeros([2, 0]).toString()).toBe('Tensor([], shape=[2,0])')
    expect(Tensor.fromNested([[[1, 2]], [[3, 4]]]).toString()).toBe('Tensor([[[1, 2]],\n\n        [[3, 4]]])')
    expect(Tensor.fromNested([0.1 + 0.2, 1e-7]).toString()).toBe('Tensor([ 0.3, 1e-7])')
  })

  it('console.log prints the same text', () => {
    const t = Tensor.fromNested([1, 2])
    expect(inspect(t)).toBe('Tensor([1, 2])')
  })

  it('truncates big tensors', () => {
    const text = Tensor.zeros([100, 100]).toString()
    expect(text.split('\n')).toHaveLength(7)
    expect(text).toContain('...')
    expect(text.endsWith('shape=[100,100])')).toBe(true)
    expect(text.length).toBeLessThan(400)
  })
})

describe('VectorSpace.tensor', () => {
  const V = VectorSpace.tensor
  const dyadicTensors: TensorLaws.Arbitraries = { values: dyadic(-8, 8), scalar: dyadic(-4, 4) }

  it('T.1: add is associative and commutative with zero as unit (dyadic values: exact)', () =>
    TensorLaws.checkAddition(exact, dyadicTensors, { numRuns: 300 }))

  it('T.2: scale distributes and scale(1) is the identity', () => TensorLaws.checkScaling(exact, dyadicTensors, { numRuns: 300 }))

  it('T.3: dot is the sum of products of the flattened coordinates; flatten and unflatten are inverse', () =>
    TensorLaws.checkCoordinates(exact, dyadicTensors, { numRuns: 300 }))

  it('the laws can fail: a space whose add drops the last coordinate, whose scale ignores 1', () => {
    const dropsLast: VectorSpace.VectorSpace<Tensor.Tensor> = {
      ...V,
      add: (x, y) => Tensor.make(x.shape, V.add(x, y).data.map((v, i, all) => (i === all.length - 1 ? x.data[i] ?? v : v)))
    }
    expect(() => TensorLaws.checkAddition(exact, { ...dyadicTensors, space: dropsLast })).toThrow(/TensorLaws\.checkAddition: law T\.1 \(addition\)/)
    const scaledTwice: VectorSpace.VectorSpace<Tensor.Tensor> = { ...V, scale: (s, x) => V.scale(s === 1 ? 2 : s, x) }
    expect(TensorLaws.scaling(exact)(Tensor.fromNested([1]), Tensor.fromNested([1]), 1, 0, scaledTwice)).toBe(false)
  })

  it('never mutates or aliases its arguments', () => {
    const a = Tensor.fromNested([1, 2])
    const flat = V.flatten(a)
    flat[0] = 99
    expect(Array.from(a.data)).toEqual([1, 2])
    const d = [5, 6]
    const u = V.unflatten(a, d)
    d[0] = 0
    expect(Array.from(u.data)).toEqual([5, 6])
  })

  it('rejects different shapes, naming both', () => {
    const a = Tensor.zeros([2, 3])
    const b = Tensor.zeros([3, 2])
    expect(message(() => V.add(a, b))).toBe('VectorSpace.tensor.add: shapes [2,3] and [3,2] differ')
    expect(message(() => V.dot(a, Tensor.zeros([6])))).toBe('VectorSpace.tensor.dot: shapes [2,3] and [6] differ')
    expect(message(() => V.unflatten(a, [1, 2]))).toBe('VectorSpace.unflatten: the structure has 6 coordinates, got 2')
    expect(message(() => V.add(a, 1 as unknown as Tensor.Tensor))).toBe('VectorSpace.tensor.add: expected a Tensor, got 1')
  })

  it('infer recognises tensors, also inside tuples and records', () => {
    const t = Tensor.fromNested([[1, 2]])
    expect(VectorSpace.infer(t)).toBe(VectorSpace.tensor)
    const S = VectorSpace.infer({ w: t, b: [Tensor.scalar(3), 4] })
    expect(Array.from(S.flatten({ w: t, b: [Tensor.scalar(3), 4] }))).toEqual([1, 2, 3, 4])
    const back = S.unflatten({ w: t, b: [Tensor.scalar(3), 4] }, [5, 6, 7, 8])
    expect(Tensor.toNested(back.w)).toEqual([[5, 6]])
  })
})

describe('sizes are checked before allocating', () => {
  const tooBig = (op: string, shape: string, n: number, gib: number): string =>
    `${op}: a tensor of shape ${shape} would hold ${n} elements (${gib} GiB of float64), more than can be allocated`

  it('names the constructor, the shape and the element count instead of the engine’s "Invalid typed array length"', () => {
    const s = [1e6, 1e6]
    const cases: ReadonlyArray<readonly [string, () => unknown]> = [
      ['Tensor.zeros', () => Tensor.zeros(s)],
      ['Tensor.ones', () => Tensor.ones(s)],
      ['Tensor.fill', () => Tensor.fill(s, 2)],
      ['Tensor.make', () => Tensor.make(s, [1])],
      ['Tensor.randomNormal', () => Tensor.randomNormal(s, { seed: 1 })],
      ['Tensor.randomUniform', () => Tensor.randomUniform(s, { seed: 1 })]
    ]
    for (const [op, f] of cases) expect(message(f)).toBe(tooBig(op, '[1000000,1000000]', 1e12, 7451))
  })

  it('names the op and the result’s shape for broadcasting, products and convolutions', () => {
    expect(message(() => Lens.evaluate(ops.add, [Tensor.zeros([1e6, 1]), Tensor.zeros([1, 1e6])]))).toBe(tooBig('ops.add', '[1000000,1000000]', 1e12, 7451))
    expect(message(() => Lens.evaluate(ops.matmul, [Tensor.zeros([1e5, 1]), Tensor.zeros([1, 1e5])]))).toBe(tooBig('ops.matmul', '[100000,100000]', 1e10, 75))
    expect(message(() => Lens.evaluate(ops.conv2d({ padding: 70000 }), [Tensor.zeros([1, 1, 1, 1]), Tensor.zeros([1, 1, 1, 1])]))).toBe(
      tooBig('ops.conv2d', '[1,140001,140001,1]', 19600280001, 146)
    )
  })
})

describe('plain arithmetic for data preparation', () => {
  const pairs = broadcastableShapes().chain(([a, b]) => fc.tuple(tensorOfShape(a), tensorOfShape(b)))

  it('add, sub, mul and div equal the ops (the same kernels, broadcast alike) and leave their inputs alone', () => {
    const cases = [
      [Tensor.add, ops.add],
      [Tensor.sub, ops.sub],
      [Tensor.mul, ops.mul]
    ] as const
    fc.assert(
      fc.property(pairs, ([a, b]) => {
        const before = [Array.from(a.data), Array.from(b.data)]
        for (const [plain, op] of cases) expect(plain(a, b)).toEqual(Lens.evaluate(op, [a, b]))
        const positive = Tensor.map(b, (v) => Math.abs(v) + 1)
        expect(Tensor.div(a, positive)).toEqual(Lens.evaluate(ops.div, [a, positive]))
        expect([Array.from(a.data), Array.from(b.data)]).toEqual(before)
      }),
      { numRuns: 200 }
    )
  })

  it('scale, map and matmul equal their ops', () => {
    fc.assert(
      fc.property(tensor(), fc.double({ min: -4, max: 4, noNaN: true }), (t, c) => {
        expect(Tensor.scale(t, c)).toEqual(Lens.evaluate(ops.scale(c), t))
        expect(Tensor.map(t, Math.sin)).toEqual(Lens.evaluate(ops.sin, t))
      }),
      { numRuns: 200 }
    )
    const dims = fc.tuple(fc.integer({ min: 1, max: 6 }), fc.integer({ min: 0, max: 6 }), fc.integer({ min: 1, max: 6 }))
    fc.assert(
      fc.property(dims.chain(([m, k, n]) => fc.tuple(tensorOfShape([m, k]), tensorOfShape([k, n]))), ([a, b]) => {
        expect(Tensor.matmul(a, b)).toEqual(Lens.evaluate(ops.matmul, [a, b]))
      }),
      { numRuns: 200 }
    )
  })

  it('names the function, the shapes and the first non-finite entry in its errors', () => {
    const x = Tensor.fromNested([[1, 2], [3, 4]])
    expect(message(() => Tensor.add(x, Tensor.zeros([3])))).toBe('Tensor.add: shapes [2,2] and [3] do not broadcast')
    expect(message(() => Tensor.mul(Tensor.fromNested([1e200]), Tensor.fromNested([1e200])))).toBe(
      'Tensor.mul: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from inputs 1e+200 and 1e+200'
    )
    expect(message(() => Tensor.div(Tensor.fromNested([1, 2]), Tensor.fromNested([1, 0])))).toBe(
      'Tensor.div: the result is not finite (Infinity) in the forward pass, at index [1] of shape [2], from inputs 2 and 0'
    )
    expect(message(() => Tensor.scale(x, NaN))).toBe('Tensor.scale: the factor must be a finite number, got NaN')
    expect(message(() => Tensor.scale(Tensor.fromNested([1e300]), 1e10))).toBe(
      'Tensor.scale: the result is not finite (Infinity) in the forward pass, at index [0] of shape [1], from input 1e+300'
    )
    expect(message(() => Tensor.map(Tensor.fromNested([4, -1]), Math.sqrt))).toBe(
      'Tensor.map: the result is not finite (NaN) in the forward pass, at index [1] of shape [2], from input -1'
    )
    expect(message(() => Tensor.map(x, (() => 'a') as never))).toBe('Tensor.map: the function returned "a" at index [0, 0], from input 1')
    expect(message(() => Tensor.matmul(x, Tensor.zeros([3, 1])))).toBe('Tensor.matmul: shapes [2,2] and [3,1]: inner dimensions 2 and 3 differ')
    expect(message(() => Tensor.matmul(x, Tensor.zeros([2])))).toBe(
      'Tensor.matmul: shapes [2,2] and [2]: operands must have rank 2 (ops.matmul takes batches and vectors)'
    )
    expect(message(() => Tensor.matmul(Tensor.fill([1, 2], 1e200), Tensor.fill([2, 1], 1e200)))).toBe(
      'Tensor.matmul: the result is not finite (Infinity) in the forward pass, at index [0, 0] of shape [1,1], from left operand values up to 1e+200 and right operand values up to 1e+200 in magnitude'
    )
    expect(message(() => Tensor.add(Tensor.zeros([1e6, 1]), Tensor.zeros([1, 1e6])))).toBe(
      'Tensor.add: a tensor of shape [1000000,1000000] would hold 1000000000000 elements (7451 GiB of float64), more than can be allocated'
    )
    expect(message(() => Tensor.add([1] as never, x))).toBe('Tensor.add: expected a Tensor, got an array of length 1')
  })
})
