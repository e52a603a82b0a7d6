/**
 * The Cartesian structure of lenses: laws 11–13 and single-shot linearity over numbers,
 * tuples, records and tensors; known values; finite differences of composite programs;
 * efficiency (nothing runs twice); stack safety; errors; types.
 */
import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Cont, Gradcheck, Lens, Scalar, Tensor, VectorSpace, ops } from '../src/index.js'
import {
  CartesianLaws,
  GradientLaws,
  LensLaws,
  doubleIn,
  dyadic,
  exact,
  fd,
  lattice,
  pairLens,
  pairOf,
  pairReducer,
  rawLens,
  scalarLens,
  shape,
  tensorOfShape
} from '../laws/index.js'

const { fanoutAddsCotangents, fanoutIsDupSplit, fstProjection, sndProjection, splitComponentwise, splitInterchange, swapInvolution } = CartesianLaws

type P = readonly [number, number]

const numbers = doubleIn(-3, 3)
const cotangents = doubleIn(-2, 2)
const pairs = pairOf(numbers)

// -------------------------------------------------------------------------------------
// laws
// -------------------------------------------------------------------------------------

describe('Cartesian laws over numbers', () => {
  it('11: projections, inferred and explicit zero; 13.3: swap', () => {
    const wide = doubleIn(-100, 100)
    CartesianLaws.checkProjections(exact, { input: wide, cotangent: wide }, { numRuns: 1000 })
    CartesianLaws.checkProjections(exact, { input: dyadic(-4, 4), cotangent: dyadic(-4, 4), space: VectorSpace.number }, { numRuns: 500 })
    fc.assert(fc.property(wide, wide, wide, wide, (a, b, da, db) => swapInvolution(exact)(a, b, da, db)), { numRuns: 1000 })
  })

  it('12: fan-out adds cotangents and is dup then split; 10: it runs the rest once', () => {
    const inferred = { lens: scalarLens(), input: numbers, cotangent: cotangents }
    const explicit = { lens: scalarLens(), input: dyadic(-3, 3), cotangent: dyadic(-2, 2), space: VectorSpace.number }
    CartesianLaws.checkFanout(exact, inferred, { numRuns: 300 })
    CartesianLaws.checkFanout(exact, explicit, { numRuns: 200 })
    CartesianLaws.checkLinearity(exact, inferred, { numRuns: 300 })
    CartesianLaws.checkLinearity(exact, explicit, { numRuns: 200 })
  })

  it('13: split is componentwise and interchanges with pipe; 10: it runs the rest once', () => {
    CartesianLaws.checkInterchange(exact, { lens: scalarLens(), input: numbers, cotangent: cotangents }, { numRuns: 300 })
  })
})

describe('Cartesian laws over tuples', () => {
  it('10–13 with random lenses on pairs built from the combinators themselves', () => {
    CartesianLaws.checkAll(exact, { lens: pairLens(), input: pairs, cotangent: pairOf(cotangents) }, { numRuns: 300 })
  })

  it('10–13 with the explicit tuple vector space', () => {
    const space = VectorSpace.tuple(VectorSpace.number, VectorSpace.number)
    CartesianLaws.checkAll(exact, { lens: pairLens(), input: pairs, cotangent: pairOf(cotangents), space }, { numRuns: 200 })
  })

  it('12: fan-out of random reductions of pairs (inputs are tuples, outputs numbers)', () => {
    fc.assert(
      fc.property(pairReducer(), pairReducer(), pairs, cotangents, cotangents, (f, g, a, db, dc) => {
        return (
          fanoutAddsCotangents(exact)(f, g, a, db, dc) &&
          fanoutIsDupSplit(exact)(f, g, a, db, dc) &&
          LensLaws.linearity(exact)(Lens.fanout(f, g), a, [db, dc] as const)
        )
      }),
      { numRuns: 300 }
    )
  })

  it('13: interchange of lenses between different types (pairs to numbers, numbers to pairs)', () => {
    const toPair = scalarLens({ maxDepth: 2 }).map((f) => Lens.pipe(f, Lens.dup<number>()))
    fc.assert(
      fc.property(pairReducer(), toPair, scalarLens(), pairLens(), pairs, numbers, cotangents, pairOf(cotangents), (f, g, h, k, a, c, dx, dy) =>
        splitInterchange(exact)(f, g, h, k, a, c, dx, dy)
      ),
      { numRuns: 300 }
    )
  })

  it('11: projections of records and nested tuples get structured zeros', () => {
    const record = fc.record({ w: pairs, b: numbers }, { noNullPrototype: true })
    CartesianLaws.checkProjections(exact, { input: record, cotangent: record }, { numRuns: 300 })
    fc.assert(fc.property(record, record, record, record, (a, b, da, db) => swapInvolution(exact)(a, b, da, db)), { numRuns: 300 })
    const nested = fc.tuple(numbers, pairs)
    fc.assert(
      fc.property(nested, nested, nested, (a, b, dc) => fstProjection(exact)(a, b, dc) && sndProjection(exact)(a, b, dc)),
      { numRuns: 300 }
    )
  })
})

describe('Cartesian laws over tensors', () => {
  type T = Tensor.Tensor
  const leaf = fc.constantFrom<readonly [string, Lens.Lens<T, T>]>(
    ['sin', ops.sin],
    ['tanh', ops.tanh],
    ['sigmoid', ops.sigmoid],
    ['neg', ops.neg],
    ['scale(0.5)', ops.scale(0.5)],
    ['shift(1)', ops.shift(1)],
    ['pipe(tanh, square)', Lens.pipe(ops.tanh, ops.square)],
    ['fanout(sin, cos);mul', Lens.pipe(Lens.fanout(ops.sin, ops.cos), ops.mul)],
    ['fanout(id, tanh);add', Lens.pipe(Lens.fanout(Lens.id<T>(), ops.tanh), ops.add)]
  )
  const tensorLens: fc.Arbitrary<Lens.Lens<T, T>> = fc
    .array(leaf, { minLength: 1, maxLength: 3 })
    .map((ls) => {
      const lens = Lens.pipe(Lens.pipeAll(ls.map(([, l]) => l)), Lens.id<T>())
      Object.defineProperty(lens, fc.toStringMethod, { value: () => `pipe(${ls.map(([n]) => n).join(', ')})` })
      return lens
    })
  /** Tensors of one random shape (ranks 0–3, dims 1–4): inputs and cotangents that fit together. */
  const ofOneShape = (count: number) =>
    shape({ maxRank: 3, maxDim: 4 }).chain((s) => fc.array(tensorOfShape(s, lattice(-2, 2)), { minLength: count, maxLength: count }))

  it('11: projections give a tensor zero of the dropped shape (inferred and explicit)', () => {
    fc.assert(
      fc.property(ofOneShape(2), ofOneShape(1), ([a, dc], [b]) =>
        fstProjection(exact)(a as T, b as T, dc as T) &&
        fstProjection(exact)(a as T, b as T, dc as T, VectorSpace.tensor) &&
        sndProjection(exact)(b as T, a as T, dc as T) &&
        swapInvolution(exact)(a as T, b as T, dc as T, b as T)
      ),
      { numRuns: 200 }
    )
  })

  it('12: fan-out on tensors adds the tensor cotangents, is dup then split, runs the rest once', () => {
    fc.assert(
      fc.property(tensorLens, tensorLens, ofOneShape(3), (f, g, [a, db, dc]) => {
        const [x, u, w] = [a as T, db as T, dc as T]
        return (
          fanoutAddsCotangents(exact)(f, g, x, u, w) &&
          fanoutAddsCotangents(exact)(f, g, x, u, w, VectorSpace.tensor) &&
          fanoutIsDupSplit(exact)(f, g, x, u, w) &&
          LensLaws.linearity(exact)(Lens.fanout(f, g), x, [u, w] as const)
        )
      }),
      { numRuns: 200 }
    )
  })

  it('13: interchange and split componentwise on tensors of different shapes', () => {
    fc.assert(
      fc.property(fc.tuple(tensorLens, tensorLens, tensorLens, tensorLens), ofOneShape(2), ofOneShape(2), ([f, g, h, k], [a, dx], [c, dy]) =>
        splitInterchange(exact)(f, g, h, k, a as T, c as T, dx as T, dy as T) &&
        splitComponentwise(exact)(f, g, a as T, c as T, dx as T, dy as T) &&
        LensLaws.linearity(exact)(Lens.split(f, g), [a as T, c as T] as const, [dx as T, dy as T] as const)
      ),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// known values
// -------------------------------------------------------------------------------------

describe('known values', () => {
  it('x² · sin x by fan-out: value and derivative 2x·sin x + x²·cos x', () => {
    const f = Lens.pipe(Lens.fanout(Scalar.square, Scalar.sin), Scalar.mul)
    fc.assert(
      fc.property(doubleIn(-10, 10), (x) => {
        const [y, dy] = Lens.valueAndGrad(f, x)
        expect(y).toBe(x * x * Math.sin(x))
        expect(dy).toBe(2 * x * Math.sin(x) + x * x * Math.cos(x))
      }),
      { numRuns: 200 }
    )
  })

  it('split runs each lens on its half; the backward pass keeps the halves apart', () => {
    const f = Lens.split(Scalar.square, Scalar.exp)
    expect(Lens.evaluate(f, [3, 0])).toEqual([9, 1])
    expect(Lens.backPropagateConst(f, [1, 10], [3, 0])).toEqual([6, 10])
  })

  it('first and second are split with the identity', () => {
    expect(Lens.valueAndGrad(Lens.first<number, number, number>(Scalar.square), [3, 7], [1, 2])).toEqual([[9, 7], [6, 2]])
    expect(Lens.valueAndGrad(Lens.second<number, number, number>(Scalar.square), [3, 7], [1, 2])).toEqual([[3, 49], [1, 28]])
  })

  it('dup copies forward and adds backward; fanout of tuples adds coordinate-wise', () => {
    expect(Lens.valueAndGrad(Lens.dup<number>(), 2, [3, 4])).toEqual([[2, 2], 7])
    const f = Lens.fanout(Scalar.add, Scalar.mul) // [a + b, a·b]
    expect(Lens.valueAndGrad(f, [2, 5], [1, 1])).toEqual([[7, 10], [6, 3]])
    const g = Lens.dup<P>()
    expect(Lens.backPropagateConst(g, [[1, 2], [10, 20]], [0, 0])).toEqual([11, 22])
  })

  it('fst and snd drop a component and give it a zero of its structure', () => {
    const f = Lens.fst<number, { readonly w: P; readonly b: number }>()
    expect(Lens.evaluate(f, [1, { w: [2, 3], b: 4 }])).toBe(1)
    expect(Lens.backPropagateConst(f, 5, [1, { w: [2, 3], b: 4 }])).toEqual([5, { w: [0, 0], b: 0 }])
    const t = Tensor.fromNested([[1, 2, 3]])
    const [, [dt, dx]] = Lens.valueAndGrad(Lens.snd<Tensor.Tensor, number>(), [t, 7], 1)
    expect(dx).toBe(1)
    expect(Tensor.toNested(dt)).toEqual([[0, 0, 0]])
    expect(dt.shape).toEqual([1, 3])
  })

  it('swap exchanges the halves and the cotangent halves', () => {
    expect(Lens.valueAndGrad(Lens.pipe(Lens.swap<number, number>(), Scalar.sub), [1, 5])).toEqual([4, [-1, 1]])
    expect(Lens.valueAndGrad(Lens.swap<number, string>(), [1, 'a'], ['b', 2])).toEqual([['a', 1], [2, 'b']])
  })

  it('constants: withConst feeds a target to a loss, withConstFirst a first operand, constant a zero', () => {
    const loss = Lens.pipe(Lens.withConst(3), Scalar.sub, Scalar.square) // (x − 3)²
    expect(Lens.valueAndGrad(loss, 5)).toEqual([4, 4])
    expect(Lens.valueAndGrad(Lens.pipe(Lens.withConstFirst(1), Scalar.sub), 0.25)).toEqual([0.75, -1])
    const c = Lens.constant<P, number>(10)
    expect(Lens.valueAndGrad(c, [1, 2])).toEqual([10, [0, 0]])
    expect(Lens.valueAndGrad(Lens.pipe(Lens.fanout(Lens.id<number>(), Lens.constant<number, number>(10)), Scalar.mul), 2)).toEqual([20, 10])
  })

  it('a tensor loss against a fixed target: mse(x, target) by withConst', () => {
    const target = Tensor.fromNested([1, 2, 3])
    const loss = Lens.pipe(Lens.withConst(target), ops.sub, ops.square, ops.sum())
    const x = Tensor.fromNested([2, 2, 5])
    const [y, dx] = Lens.valueAndGrad(Lens.pipe(loss, Lens.make<Tensor.Tensor, number>({ forward: (t) => Tensor.get(t, []), backward: (_t, d) => Tensor.scalar(d) })), x)
    expect(y).toBe(1 + 0 + 4)
    expect(Tensor.toNested(dx)).toEqual([2, 0, 4])
  })

  it('the pullback of a nested program can be called again and again', () => {
    const f = Lens.pipe(Lens.fanout(Lens.pipe(Lens.fanout(Scalar.sin, Scalar.cos), Scalar.mul), Scalar.square), Scalar.add)
    const [, pullback] = Lens.vjp(f, 0.7)
    const once = pullback(1)
    expect(pullback(1)).toBe(once)
    expect(pullback(2)).toBe(2 * once)
    expect(once).toBe(Lens.backPropagateConst(f, 1, 0.7))
  })
})

// -------------------------------------------------------------------------------------
// finite differences
// -------------------------------------------------------------------------------------

describe('gradients against finite differences', () => {
  it('random reductions of pairs built from split, fanout, fst, snd, dup, swap, constants', () => {
    GradientLaws.checkGradient(fd, { lens: pairReducer(), input: pairs }, { numRuns: 300 })
  })

  it('deeper random nests of the combinators (tree depth up to 8, no bias to leaves): laws and full Jacobian', () => {
    const deep = pairLens({ maxDepth: 8, depthSize: 'max' })
    CartesianLaws.checkAll(exact, { lens: deep, input: pairs, cotangent: pairOf(cotangents) }, { numRuns: 200 })
    fc.assert(
      fc.property(deep, pairs, (f, x) => {
        const report = Gradcheck.jacobian(f, x)
        fc.pre(report.status !== 'kink')
        if (report.status === 'fail') throw new Error(Gradcheck.format(report))
      }),
      { numRuns: 200 }
    )
  })

  it('random lenses from pairs to pairs (full Jacobian)', () => {
    fc.assert(
      fc.property(pairLens(), pairs, (f, x) => {
        const report = Gradcheck.jacobian(f, x)
        fc.pre(report.status !== 'kink')
        if (report.status === 'fail') throw new Error(Gradcheck.format(report))
      }),
      { numRuns: 200 }
    )
  })

  it('a residual tensor network with a fixed target', () => {
    type T = Tensor.Tensor
    const w = Tensor.fromNested([
      [0.5, -0.25, 0.125],
      [0.75, 0.5, -0.5]
    ])
    const target = Tensor.fromNested([[0.1, -0.2, 0.3]])
    // x ↦ x + tanh(x·w) then squared error against the target, summed
    const layer = Lens.pipe(Lens.withConst(w), ops.matmul, ops.tanh)
    const residual: Lens.Lens<T, T> = Lens.pipe(Lens.fanout(Lens.pipe(Lens.withConst(Tensor.fromNested([[1, 0, 0], [0, 1, 0]])), ops.matmul), layer), ops.add)
    const loss = Lens.pipe(residual, Lens.withConst(target), ops.sub, ops.square, ops.sum())
    fc.assert(
      fc.property(tensorOfShape([1, 2], lattice(-2, 2)), (x) => {
        const report = Gradcheck.check(loss, x, { input: VectorSpace.tensor, output: VectorSpace.tensor })
        expect(report.status).not.toBe('fail')
      }),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// efficiency: nothing runs twice
// -------------------------------------------------------------------------------------

describe('single shot', () => {
  const counting = (counts: Record<string, number>, name: string, lens: Lens.Lens<number, number>): Lens.Lens<number, number> => {
    const { forward, backward } = Lens.toPair(lens)
    return Lens.make({
      forward: (x) => {
        counts[name] = (counts[name] ?? 0) + 1
        return forward(x)
      },
      backward
    })
  }

  it('fanout runs each branch once and the rest once (tape and vjp)', () => {
    const counts: Record<string, number> = {}
    const f = counting(counts, 'f', Scalar.sin)
    const g = counting(counts, 'g', Scalar.cos)
    const rest = counting(counts, 'rest', Scalar.exp)
    const program = Lens.pipe(Scalar.square, Lens.fanout(Lens.pipe(f, Scalar.tanh), g), Scalar.mul, rest)
    Lens.backPropagateConst(program, 1, 0.3)
    expect(counts).toEqual({ f: 1, g: 1, rest: 1 })
    const [, pullback] = Lens.vjp(program, 0.3)
    pullback(1)
    pullback(2)
    expect(counts).toEqual({ f: 2, g: 2, rest: 2 })
  })

  it('with hand-written CPS lenses before, inside and after the fan-out, next and the continuation run once', () => {
    const counts: Record<string, number> = {}
    const after = rawLens('exp', (x) => {
      counts.after = (counts.after ?? 0) + 1
      return Math.exp(x)
    }, Math.exp)
    const inside = rawLens('sin', (x) => {
      counts.inside = (counts.inside ?? 0) + 1
      return Math.sin(x)
    }, Math.cos)
    const program = Lens.pipe(rawLens('tanh', Math.tanh, (x) => 1 - Math.tanh(x) ** 2), Lens.fanout(inside, Scalar.cos), Scalar.mul, after)
    expect(LensLaws.linearity(exact)(program, 0.4, 1)).toBe(true)
    // The linearity law runs the program three times (in CPS, forward only, and backward) for
    // each of its two kinds of continuation (given at once, deferred).
    expect(counts).toEqual({ after: 6, inside: 6 })
    const x = 0.4
    const t = Math.tanh(x)
    const expected = Math.exp(Math.sin(t) * Math.cos(t)) * (Math.cos(t) * Math.cos(t) - Math.sin(t) * Math.sin(t)) * (1 - t * t)
    expect(Math.abs(Lens.backPropagateConst(program, 1, x) - expected)).toBeLessThan(1e-15)
  })
})

// -------------------------------------------------------------------------------------
// stack safety
// -------------------------------------------------------------------------------------

describe('stack safety', () => {
  it('a pipe of a million lenses, a third of them fan-outs', () => {
    const block = Lens.pipe(Lens.fanout(Lens.id<number>(), Scalar.sin), Scalar.add) // x + sin x
    const n = 333_334
    const program = Lens.pipeAll(Array.from({ length: n }, () => block))
    const [y, dy] = Lens.valueAndGrad(program, 0.5)
    // the same maths by hand, in the same order
    const xs = new Float64Array(n)
    let x = 0.5
    for (let i = 0; i < n; i++) {
      xs[i] = x
      x = x + Math.sin(x)
    }
    let d = 1
    for (let i = n - 1; i >= 0; i--) d = d + Math.cos(xs[i] as number) * d
    expect(y).toBe(x)
    expect(dy).toBe(d)
    expect(Lens.evaluate(program, 0.5)).toBe(x)
  })

  it('a branch that is a pipe of a million lenses', () => {
    const program = Lens.split(Lens.pipeAll(Array.from({ length: 1_000_000 }, () => Scalar.sin)), Scalar.cos)
    const [[y, c], [dy, dc]] = Lens.valueAndGrad(program, [0.5, 0.5], [1, 1])
    expect(c).toBe(Math.cos(0.5))
    expect(dc).toBe(-Math.sin(0.5))
    expect(y).toBeGreaterThan(0)
    expect(dy).toBeGreaterThan(0)
  })

  it('fan-outs and splits nested 30,000 deep (running branches recursively overflows at a few thousand), left and right', () => {
    const depth = 30_000
    let left: Lens.Lens<number, number> = Scalar.sin
    let right: Lens.Lens<number, number> = Scalar.sin
    let splits: Lens.Lens<P, P> = Lens.split(Scalar.sin, Scalar.cos)
    for (let i = 0; i < depth; i++) {
      left = Lens.pipe(Lens.fanout(left, Lens.id<number>()), Scalar.mul) // x·f(x)
      right = Lens.pipe(Lens.fanout(Scalar.scale(0.5), right), Scalar.add) // x/2 + f(x)
      splits = Lens.split(Lens.pipe(Lens.dup<number>(), splits, Scalar.mul), Scalar.sin) // [a, b] ↦ [∏ splits([a, a]), sin b]
    }
    // x·f(x) nested: f_n = xⁿ·sin x
    const [yl, dl] = Lens.valueAndGrad(left, 0.999)
    expect(yl).toBeGreaterThan(0)
    expect(Number.isFinite(dl)).toBe(true)
    expect(Lens.evaluate(left, 0.999)).toBe(yl)
    const [yr, dr] = Lens.valueAndGrad(right, 0.5)
    let y = Math.sin(0.5)
    let d = Math.cos(0.5)
    for (let i = 0; i < depth; i++) {
      y = 0.25 + y
      d = 0.5 + d
    }
    expect(yr).toBe(y)
    expect(dr).toBe(d)
    expect(Math.abs(yr - (depth * 0.25 + Math.sin(0.5)))).toBeLessThan(1e-9)
    const [ys, ds] = Lens.valueAndGrad(splits, [1, 2], [1, 1])
    expect(ys.every(Number.isFinite) && ds.every(Number.isFinite)).toBe(true)
  })

  it('deep nesting of fan-outs whose branches are compositions', () => {
    const depth = 30_000
    let lens: Lens.Lens<number, number> = Scalar.tanh
    for (let i = 0; i < depth; i++) lens = Lens.pipe(Lens.fanout(Lens.pipe(lens, Scalar.scale(0.5)), Lens.pipe(Scalar.sin, Scalar.scale(0)), VectorSpace.number), Scalar.add)
    // f_{n+1}(x) = f_n(x)/2 + 0: value tanh(x)/2ⁿ underflows to 0, the structure is what is tested
    const [, pullback] = Lens.vjp(lens, 0.3)
    expect(pullback(1)).toBe(0)
    expect(Lens.evaluate(lens, 0.3)).toBe(0)
  })
})

// -------------------------------------------------------------------------------------
// errors
// -------------------------------------------------------------------------------------

describe('errors', () => {
  it('a non-pair input names the combinator and what it got', () => {
    expect(() => Lens.evaluate(Lens.fst<number, number>(), 3 as unknown as P)).toThrow('Lens.fst: expected the input to be a pair [x, y], got 3')
    expect(() => Lens.evaluate(Lens.snd<number, number>(), [1, 2, 3] as unknown as P)).toThrow('Lens.snd: expected the input to be a pair [x, y], got an array of length 3')
    expect(() => Lens.evaluate(Lens.swap<number, number>(), { a: 1 } as unknown as P)).toThrow('Lens.swap: expected the input to be a pair [x, y], got an object')
    expect(() => Lens.evaluate(Lens.split(Scalar.sin, Scalar.cos), Tensor.fromNested([1, 2]) as unknown as P)).toThrow(
      'Lens.split: expected the input to be a pair [x, y], got a Tensor of shape [2]'
    )
    expect(() => Lens.valueAndGrad(Lens.split(Scalar.sin, Scalar.cos), null as unknown as P, [1, 1])).toThrow(
      'Lens.split: expected the input to be a pair [x, y], got null'
    )
  })

  it('a malformed output cotangent names the combinator', () => {
    expect(() => Lens.backPropagateConst(Lens.fanout(Scalar.sin, Scalar.cos), 1 as unknown as P, 0)).toThrow(
      'Lens.fanout: expected the output cotangent to be a pair [x, y], got 1'
    )
    expect(() => Lens.backPropagateConst(Lens.dup<number>(), [1] as unknown as P, 0)).toThrow('Lens.dup: expected the output cotangent to be a pair')
    expect(() => Lens.backPropagateConst(Lens.withConst(2), 'x' as unknown as P, 0)).toThrow('Lens.withConst: expected the output cotangent to be a pair')
    const nested = Lens.fanout(Lens.pipe(Scalar.sin, Scalar.cos), Lens.pipe(Scalar.sin, Scalar.cos))
    expect(() => Lens.backPropagateConst(nested, [1, 2, 3] as unknown as P, 0)).toThrow('Lens.fanout: expected the output cotangent to be a pair')
  })

  it('a branch that is not a lens, and a last argument that is not a vector space', () => {
    expect(() => Lens.split(Scalar.sin, 3 as unknown as Lens.Lens<number, number>)).toThrow('Lens.split: the second argument is not a lens (got 3)')
    expect(() => Lens.fanout(null as unknown as Lens.Lens<number, number>, Scalar.sin)).toThrow('Lens.fanout: the first argument is not a lens (got null)')
    expect(() => Lens.fanout(Scalar.sin, Scalar.cos, {} as unknown as VectorSpace.VectorSpace<number>)).toThrow(
      'Lens.fanout: the last argument must be a VectorSpace'
    )
  })

  it('a cotangent the inferred vector space cannot handle asks for the instance', () => {
    class Complex {
      constructor(
        readonly re: number,
        readonly im: number
      ) {}
    }
    const C = VectorSpace.fromCoordinates<Complex>({
      zero: () => new Complex(0, 0),
      add: (x, y) => new Complex(x.re + y.re, x.im + y.im),
      scale: (s, x) => new Complex(s * x.re, s * x.im),
      dot: (x, y) => x.re * y.re + x.im * y.im,
      size: () => 2,
      write: (x, out, i) => {
        out[i] = x.re
        out[i + 1] = x.im
      },
      read: (_like, d, i) => new Complex(d[i] ?? 0, d[i + 1] ?? 0)
    })
    const conj = Lens.make<Complex, Complex>({ forward: (z) => new Complex(z.re, -z.im), backward: (_z, d) => new Complex(d.re, -d.im) })
    const z = new Complex(1, 2)
    expect(() => Lens.backPropagateConst(Lens.fanout(conj, conj), [z, z], z)).toThrow(
      /Lens\.fanout: cannot infer the vector space of the cotangents to add \(VectorSpace\.infer: .*\); pass its VectorSpace as the last argument/
    )
    expect(Lens.backPropagateConst(Lens.fanout(conj, conj, C), [z, z], z)).toEqual(new Complex(2, -4))
    expect(() => Lens.backPropagateConst(Lens.fst<number, Complex>(), 1, [1, z])).toThrow('Lens.fst: cannot infer the vector space of the dropped value')
    expect(Lens.backPropagateConst(Lens.fst<number, Complex>(C), 1, [1, z])).toEqual([1, new Complex(0, 0)])
  })

  it('branches whose cotangents do not add up name fanout', () => {
    const bad = Lens.make<number, number>({ forward: (x) => x, backward: () => [1, 2] as unknown as number })
    expect(() => Lens.backPropagateConst(Lens.fanout(Scalar.sin, bad), [1, 1], 0)).toThrow(
      'Lens.fanout: cannot add the cotangents of the two uses of the input (number and an array of length 2)'
    )
    const pairs3 = Lens.make<P, P>({ forward: (x) => x, backward: () => [1, 2, 3] as unknown as P })
    expect(() => Lens.backPropagateConst(Lens.fanout(Lens.id<P>(), pairs3), [[1, 1], [1, 1]], [0, 0])).toThrow(
      /Lens\.fanout: cannot add the cotangents of the two uses of the input \(VectorSpace\.tuple\.add/
    )
  })
})

// -------------------------------------------------------------------------------------
// types
// -------------------------------------------------------------------------------------

describe('types', () => {
  it('split, fanout, projections and constants have the product types', () => {
    expectTypeOf(Lens.split(Scalar.square, Scalar.add)).toEqualTypeOf<Lens.Lens<readonly [number, P], readonly [number, number]>>()
    expectTypeOf(Lens.fanout(Scalar.add, Lens.fst<number, number>())).toEqualTypeOf<Lens.Lens<P, readonly [number, number]>>()
    expectTypeOf(Lens.fst<string, number>()).toEqualTypeOf<Lens.Lens<readonly [string, number], string>>()
    expectTypeOf(Lens.snd<string, number>()).toEqualTypeOf<Lens.Lens<readonly [string, number], number>>()
    expectTypeOf(Lens.swap<string, number>()).toEqualTypeOf<Lens.Lens<readonly [string, number], readonly [number, string]>>()
    expectTypeOf(Lens.dup<number>()).toEqualTypeOf<Lens.Lens<number, readonly [number, number]>>()
    expectTypeOf(Lens.first<number, number, string>(Scalar.sin)).toEqualTypeOf<Lens.Lens<readonly [number, string], readonly [number, string]>>()
    expectTypeOf(Lens.withConst<number, string>('c')).toEqualTypeOf<Lens.Lens<number, readonly [number, string]>>()
    expectTypeOf(Lens.constant<number, string>('c')).toEqualTypeOf<Lens.Lens<number, string>>()
    // inference through pipe
    expectTypeOf(Lens.pipe(Lens.fanout(Scalar.square, Scalar.sin), Scalar.mul)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Lens.withConst(3), Scalar.sub)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Lens.split(Scalar.sin, Scalar.cos), Lens.swap(), Scalar.sub)).toEqualTypeOf<Lens.Lens<P, number>>()
  })

  it('mismatched pairs do not compile', () => {
    // @ts-expect-error a pair is not a number
    Lens.pipe(Lens.split(Scalar.sin, Scalar.cos), Scalar.sin)
    // @ts-expect-error the branches of a fan-out must read the same input
    Lens.fanout(Scalar.sin, Scalar.add)
    // @ts-expect-error a pair of a pair and a number is not a pair of numbers
    Lens.pipe(Lens.fanout(Lens.dup<number>(), Scalar.sin), Scalar.mul)
    // @ts-expect-error the vector space must be that of the input
    Lens.fanout(Scalar.sin, Scalar.cos, VectorSpace.tensor)
    // @ts-expect-error fst's zero is for the second component
    Lens.fst<number, string>(VectorSpace.number)
    expect(true).toBe(true)
  })

  it('lenses built here are the library lenses (CPS functions)', () => {
    const lens = Lens.fanout(Scalar.sin, Scalar.cos)
    // answer type number: the rest of the program aborts with the sum of the outputs
    const answer = Cont.run(lens<number>((b) => Cont.make<number, P>(() => b[0] + b[1]))(0), (x) => x)
    expect(answer).toBe(Math.sin(0) + Math.cos(0))
  })
})

describe('records in point-free code: prop and fanoutRecord', () => {
  type P = { readonly w: number; readonly b: number; readonly t: Tensor.Tensor }
  const p: P = { w: 3, b: -1, t: Tensor.fromNested([1, 2]) }
  it('prop projects a field; its backward pass puts zeros (of the right structure) on the other fields', () => {
    const w = Lens.prop<P, 'w'>('w')
    expect(Lens.evaluate(w, p)).toBe(3)
    const d = Lens.backPropagateConst(w, 5, p)
    expect(d.w).toBe(5)
    expect(d.b).toBe(0)
    expect(Array.from(d.t.data)).toEqual([0, 0])
    expect(Object.keys(d)).toEqual(['w', 'b', 't'])
    expect(() => Lens.evaluate(Lens.prop<P, 'w'>('w'), { b: 1 } as unknown as P)).toThrow("Lens.prop('w'): expected a record with the field 'w', got an object")
  })

  it('prop takes the record type from the pipe it is in', () => {
    const rec = Lens.fanoutRecord({ w: Scalar.sin, b: Scalar.cos })
    const f = Lens.pipe(rec, Lens.prop('w'), Scalar.square)
    expectTypeOf(f).toEqualTypeOf<Lens.Lens<number, number>>()
    expect(Lens.valueAndGrad(f, 0.5)).toEqual([Math.sin(0.5) ** 2, 2 * Math.sin(0.5) * Math.cos(0.5)])
    // @ts-expect-error no such field
    expect(() => Lens.pipe(rec, Lens.prop('c'))).not.toThrow()
  })

  it('fanoutRecord is fanout with named outputs: outputs, and the sum of the branch cotangents', () => {
    fc.assert(
      fc.property(fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), fc.double({ min: -3, max: 3, noNaN: true }), (a, ds, dq) => {
        const rec = Lens.fanoutRecord({ s: Scalar.sin, q: Scalar.square })
        const pair = Lens.fanout(Scalar.sin, Scalar.square)
        const [y, da] = Lens.valueAndGrad(rec, a, { s: ds, q: dq })
        const [py, pda] = Lens.valueAndGrad(pair, a, [ds, dq])
        return Object.is(y.s, py[0]) && Object.is(y.q, py[1]) && Object.is(da, pda)
      })
    )
    expect(Lens.evaluate(Lens.fanoutRecord({ only: Scalar.exp }), 0)).toEqual({ only: 1 })
    expect(Lens.evaluate(Lens.fanoutRecord({}), 1 as never)).toEqual({})
    // @ts-expect-error the fields' lenses must share their input type
    expect(() => Lens.fanoutRecord({ s: Scalar.sin, t: ops.sin })).not.toThrow()
    expect(() => Lens.backPropagateConst(Lens.fanoutRecord({ s: Scalar.sin, q: Scalar.square }), { s: 1 } as never, 0)).toThrow(
      "Lens.fanoutRecord: expected the output cotangent to be a record with the field 'q', got an object"
    )
  })

  it('both have second derivatives', () => {
    const f = Lens.pipe(Lens.fanoutRecord({ s: Scalar.sin, q: Scalar.square }), Lens.prop('s'), Scalar.exp)
    const g = (v: number): number => Lens.evaluate(Lens.grad(f), v)
    const h = 1e-5
    expect(Lens.evaluate(Lens.grad(Lens.grad(f)), 0.3)).toBeCloseTo((g(0.3 + h) - g(0.3 - h)) / (2 * h), 8)
  })
})
