import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import type { Category2 } from 'fp-ts/lib/Category.js'
import type { Kind2, URIS2 } from 'fp-ts/lib/HKT'
import type { Semigroupoid2 } from 'fp-ts/lib/Semigroupoid.js'
import { Cont, Lens, Scalar, Tensor, ops } from '../src/index.js'
import {
  LensLaws,
  describeLens,
  doubleIn,
  exact,
  lattice,
  named,
  rawLens,
  scalarLens,
  scalarPair,
  scalarPrimitive,
  type Reference
} from '../laws/index.js'

type Pair = readonly [number, number]

const unaryPrimitives: ReadonlyArray<readonly [string, Lens.Lens<number, number>]> = [
  ['square', Scalar.square],
  ['exp', Scalar.exp],
  ['log', Scalar.log],
  ['sin', Scalar.sin],
  ['cos', Scalar.cos],
  ['tanh', Scalar.tanh],
  ['sigmoid', Scalar.sigmoid],
  ['relu', Scalar.relu],
  ['neg', Scalar.neg],
  ['sqrt', Scalar.sqrt],
  ['scale(-1.5)', Scalar.scale(-1.5)],
  ['shift(0.25)', Scalar.shift(0.25)],
  ['pow(3)', Scalar.pow(3)],
  ['pow(0.5)', Scalar.pow(0.5)],
  ['pow(-2)', Scalar.pow(-2)]
]
const binaryPrimitives: ReadonlyArray<readonly [string, Lens.Lens<Pair, number>]> = [
  ['add', Scalar.add],
  ['sub', Scalar.sub],
  ['mul', Scalar.mul],
  ['div', Scalar.div]
]

/** Named so fast-check's report says which primitive failed. */
const labelled = <A, B>(entries: ReadonlyArray<readonly [string, Lens.Lens<A, B>]>): fc.Arbitrary<Lens.Lens<A, B>> =>
  fc.constantFrom(...entries).map(([name, lens]) => named(name, lens))

// Inputs valid for every primitive (log, sqrt, pow(0.5) and pow(-2) need x > 0).
const positive = doubleIn(0.1, 5)
const pairs = fc.tuple(doubleIn(-5, 5), doubleIn(0.1, 5))
const cotangents = doubleIn(-10, 10)
const inputs = doubleIn(-10, 10)

describe('Lens laws on random lens trees (primitives, compositions, raw CPS lenses)', () => {
  const options = { numRuns: 300 }
  const trees = { lens: scalarLens(), input: inputs, cotangent: cotangents }
  it('5: identity', () => LensLaws.checkIdentity(exact, trees, options))
  it('6: associativity', () => LensLaws.checkAssociativity(exact, { ...trees, lens: scalarLens({ maxDepth: 3 }) }, options))
  it('7: chain rule', () => LensLaws.checkChainRule(exact, trees, options))
  it('9: round trip through the concrete pair, and the CPS form agrees with evaluate, backPropagate, valueAndGrad and vjp', () =>
    LensLaws.checkRoundTrip(exact, trees, options))
  it('10: linearity of the CPS term', () => LensLaws.checkLinearity(exact, trees, options))
  it('all of them, through checkAll, on made lenses only', () =>
    LensLaws.checkAll(exact, { lens: scalarLens({ raw: false }), input: inputs, cotangent: cotangents }, { numRuns: 200 }))
})

describe('Lens laws on cheap generators', () => {
  it('8: order: pipe(f, g) computes g(f(a))', () =>
    LensLaws.checkOrder(exact, { reference: scalarPrimitive(), afterReference: scalarPrimitive(), input: lattice(-2, 2) }, { numRuns: 1000 }))
  it('9: round trip, from random concrete pairs too', () =>
    LensLaws.checkRoundTrip(exact, { lens: scalarLens({ maxDepth: 2 }), pair: scalarPair(), input: inputs, cotangent: cotangents }, { numRuns: 1000 }))
})

describe('Lens laws on every primitive', () => {
  const unary = labelled(unaryPrimitives)
  const binary = labelled(binaryPrimitives)
  const options = { numRuns: 300 }
  // Associativity and the chain rule on primitives come with the random trees above (random
  // compositions of log, sqrt and pow would leave their domains).
  it('unary primitives: identity, round trip (with CPS agreement), linearity', () => {
    const arbitraries = { lens: unary, input: positive, cotangent: cotangents }
    LensLaws.checkIdentity(exact, arbitraries, options)
    LensLaws.checkRoundTrip(exact, arbitraries, options)
    LensLaws.checkLinearity(exact, arbitraries, options)
  })
  it('binary primitives (tuples compared structurally)', () => {
    const arbitraries = { lens: binary, input: pairs, cotangent: cotangents }
    LensLaws.checkIdentity(exact, arbitraries, options)
    LensLaws.checkRoundTrip(exact, arbitraries, options)
    LensLaws.checkLinearity(exact, arbitraries, options)
  })
  it('binary then unary: chain rule and associativity across types', () => {
    const arbitraries = { lens: binary, after: scalarLens({ maxDepth: 2 }), input: pairs, cotangent: cotangents }
    LensLaws.checkChainRule(exact, arbitraries, options)
    LensLaws.checkAssociativity(exact, arbitraries, options)
  })
  it('the composition laws need lenses to compose with when the lens changes type', () => {
    // @ts-expect-error a lens from pairs to numbers cannot be composed with itself: `after` is required
    expect(() => LensLaws.checkChainRule(exact, { lens: binary, input: pairs, cotangent: cotangents }, { numRuns: 1 })).toThrow()
  })
})

describe('the laws can fail', () => {
  it('linearity catches a lens that runs the rest of the program twice', () => {
    const twice: Lens.Lens<number, number> = (next) => (x) =>
      Cont.flatMap(next(x), (d1: number) => Cont.map(next(x), (d2: number) => d1 + d2))
    expect(LensLaws.linearity(exact)(twice, 1, 1)).toBe(false)
    const reruns: Lens.Lens<number, number> = (next) => (x) => {
      const rest = next(x)
      return Cont.flatMap(rest, (d1: number) => Cont.map(rest, (d2: number) => d1 + d2))
    }
    expect(LensLaws.linearity(exact)(reruns, 1, 1)).toBe(false)
    expect(() => LensLaws.checkLinearity(exact, { lens: fc.constant(twice), input: inputs, cotangent: cotangents })).toThrow(/Property failed/)
  })

  it('order catches a wrong reference (f and g swapped)', () => {
    const square: Reference<number, number> = { name: 'square', lens: Scalar.square, forward: (x) => x * x }
    const sinLensSquareRef: Reference<number, number> = { name: 'sin', lens: Scalar.sin, forward: (x) => x * x }
    const sin: Reference<number, number> = { name: 'sin', lens: Scalar.sin, forward: Math.sin }
    expect(LensLaws.order(exact)(square, sin, 1)).toBe(true)
    expect(LensLaws.order(exact)(square, sinLensSquareRef, 1)).toBe(false)
  })

  it('CPS agreement and round trip catch a lens whose answers change from run to run', () => {
    let calls = 0
    const drifting: Lens.Lens<number, number> = (next) => (x) => {
      calls++
      return Cont.map(next(x + calls), (dy: number) => dy)
    }
    expect(LensLaws.cpsAgreesWithRunners(exact)(drifting, 1, 1)).toBe(false)
    expect(LensLaws.roundTrip(exact)(drifting, 1, 1)).toBe(false)
  })

  it('exact equality tells 1 from 1 + ulp', () => {
    expect(LensLaws.agreeAt(exact)(Scalar.shift(0), Scalar.shift(2 ** -52), 1, 1)).toBe(false)
  })
})

describe('order (the seed reversed pipe; this library does not)', () => {
  it('pipe(square, sin) is sin(x²) and pipe(sin, square) is sin(x)²', () => {
    expect(Lens.evaluate(Lens.pipe(Scalar.square, Scalar.sin), 1)).toBe(Math.sin(1))
    expect(Lens.evaluate(Lens.pipe(Scalar.sin, Scalar.square), 1)).toBe(Math.sin(1) ** 2)
    expect(Lens.evaluate(Lens.compose(Scalar.sin, Scalar.square), 1)).toBe(Math.sin(1))
    expect(Lens.evaluate(Lens.Category.compose(Scalar.sin, Scalar.square), 1)).toBe(Math.sin(1))
    expect(Lens.backPropagateConst(Lens.pipe(Scalar.square, Scalar.sin), 1, 1)).toBe(Math.cos(1) * 2)
    expect(Lens.backPropagateConst(Lens.pipe(Scalar.sin, Scalar.square), 1, 1)).toBe(Math.cos(1) * (2 * Math.sin(1)))
  })

  it('pipe of many runs them first to last', () => {
    const f = Lens.pipe(Scalar.shift(1), Scalar.scale(2), Scalar.square, Scalar.neg, Scalar.shift(3))
    expect(Lens.evaluate(f, 1)).toBe(-((2 * (1 + 1)) ** 2) + 3)
    expect(Lens.evaluate(Lens.pipeAll([Scalar.shift(1), Scalar.scale(2), Scalar.square]), 1)).toBe(16)
    expect(Lens.evaluate(Lens.pipeAll<number>([]), 7)).toBe(7)
  })
})

describe('raw CPS lenses', () => {
  const double: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(2 * x), (dy: number) => 2 * dy)

  it('run through every runner, alone and mixed with made lenses', () => {
    expect(Lens.evaluate(double, 3)).toBe(6)
    expect(Lens.backPropagateConst(double, 1, 3)).toBe(2)
    expect(Lens.valueAndGrad(double, 3)).toEqual([6, 2])
    const mixed = Lens.pipe(Scalar.square, double, Scalar.sin, double)
    expect(Lens.evaluate(mixed, 0.5)).toBe(2 * Math.sin(2 * 0.25))
    expect(Lens.backPropagateConst(mixed, 1, 0.5)).toBe(2 * 0.5 * (2 * (Math.cos(0.5) * (2 * 1))))
  })

  it('evaluate of a lens that never calls next throws a clear error', () => {
    // Well typed, a lens cannot answer without next (it has no R to answer with) except by
    // yielding a cotangent at once: then evaluate finds no output.
    const silent: Lens.Lens<number, number> = () => () => Cont.of(0)
    expect(() => Lens.evaluate(silent, 1)).toThrow(/Lens\.evaluate: the lens answered without calling next/)
    expect(() => Lens.vjp(silent, 1)).toThrow(/Lens\.vjp: the lens answered without calling next/)
    expect(() => Lens.evaluate(Lens.pipe(Scalar.sin, silent), 1)).toThrow(/without calling next/)
  })

  it('vjp gives a reusable pullback: one forward pass, many backward passes', () => {
    let forwardRuns = 0
    const counted = rawLens(
      'counted sin',
      (x) => {
        forwardRuns++
        return Math.sin(x)
      },
      Math.cos
    )
    const lens = Lens.pipe(Scalar.square, counted, double)
    const [y, pullback] = Lens.vjp(lens, 0.5)
    expect(forwardRuns).toBe(1)
    expect(y).toBe(2 * Math.sin(0.25))
    const g1 = pullback(1)
    expect(g1).toBe(2 * 0.5 * (Math.cos(0.25) * (2 * 1)))
    expect(pullback(10)).toBe(2 * 0.5 * (Math.cos(0.25) * (2 * 10)))
    expect(pullback(1)).toBe(g1)
    expect(forwardRuns).toBe(1)
  })

  it('backPropagate hands the output to the loss and propagates its cotangent', () => {
    // loss ½(y − t)² has cotangent y − t.
    const target = 0.25
    const lens = Lens.pipe(Scalar.sin, double)
    const seen: Array<number> = []
    const g = Lens.backPropagate(lens, (y) => (seen.push(y), y - target), 0.5)
    expect(seen).toEqual([2 * Math.sin(0.5)])
    expect(g).toBe(Math.cos(0.5) * (2 * (2 * Math.sin(0.5) - target)))
  })
})

describe('bad input', () => {
  it('make needs two functions', () => {
    expect(() => Lens.make({ forward: (x: number) => x } as unknown as Lens.Pair<number, number>)).toThrow(
      /Lens\.make: expected \{ forward, backward \} functions/
    )
  })
  it('pipe and pipeAll need lenses', () => {
    expect(() => Lens.pipeAll([Scalar.sin, 3 as unknown as Lens.Lens<number, number>])).toThrow(
      /Lens\.pipe: argument 1 is not a lens \(number\)/
    )
    expect(() => Lens.pipeAll('sin' as unknown as ReadonlyArray<Lens.Lens<number, number>>)).toThrow(TypeError)
  })
  it('running a non-lens throws a TypeError', () => {
    expect(() => Lens.evaluate(null as unknown as Lens.Lens<number, number>, 1)).toThrow(/Lens: expected a lens/)
  })
})

describe('fp-ts instances through generic code', () => {
  /** Written against fp-ts's type classes only. */
  const composeAll =
    <F extends URIS2>(C: Category2<F>) =>
    <A>(fs: ReadonlyArray<Kind2<F, A, A>>): Kind2<F, A, A> =>
      fs.reduce((acc, f) => C.compose(f, acc), C.id<A>())
  const andThen =
    <F extends URIS2>(S: Semigroupoid2<F>) =>
    <A, B, C>(ab: Kind2<F, A, B>, bc: Kind2<F, B, C>): Kind2<F, A, C> =>
      S.compose(bc, ab)

  it('Lens.Category composes in fp-ts order (the right argument runs first)', () => {
    const f = composeAll(Lens.Category)([Scalar.square, Scalar.sin, Scalar.scale(3)])
    expect(Lens.evaluate(f, 1)).toBe(3 * Math.sin(1))
    expect(Lens.backPropagateConst(f, 1, 1)).toBe(2 * 1 * (Math.cos(1) * 3))
    expect(Lens.evaluate(composeAll(Lens.Category)<number>([]), 5)).toBe(5)
    expect(Lens.evaluate(andThen(Lens.Semigroupoid)(Scalar.square, Scalar.sin), 1)).toBe(Math.sin(1))
  })

  it('Lens.Category satisfies the category laws through its own compose and id', () => {
    fc.assert(
      fc.property(scalarLens(), scalarLens(), inputs, cotangents, (f, g, a, db) => {
        const agree = LensLaws.agreeAt(exact)
        const C = Lens.Category
        return (
          agree(C.compose(C.id<number>(), f), f, a, db) &&
          agree(C.compose(f, C.id<number>()), f, a, db) &&
          agree(C.compose(g, f), Lens.pipe(f, g), a, db)
        )
      }),
      { numRuns: 200 }
    )
  })
})

describe('the law kit: equality and arbitraries', () => {
  it('exact is SameValueZero on numbers and structural on tuples, records and typed arrays', () => {
    expect(exact.equals(-0, 0)).toBe(true)
    expect(exact.equals(NaN, NaN)).toBe(true)
    expect(exact.equals(1, 1 + 2 ** -52)).toBe(false)
    expect(exact.equals([1, [2, -0]], [1, [2, 0]])).toBe(true)
    expect(exact.equals([1, 2], [1, 2, 3])).toBe(false)
    expect(exact.equals({ a: 1, b: [NaN] }, { b: [NaN], a: 1 })).toBe(true)
    expect(exact.equals({ a: 1 }, { a: 1, b: undefined })).toBe(false)
    expect(exact.equals(new Float64Array([1, -0]), new Float64Array([1, 0]))).toBe(true)
    expect(exact.equals(new Float64Array([1]), new Float32Array([1]))).toBe(false)
    expect(exact.equals(new Float64Array([1]), [1])).toBe(false)
    expect(exact.equals('1', 1)).toBe(false)
  })

  it('exact compares structures of any depth, and ends at a cycle (issue 8)', () => {
    const nest = (n: number, leaf: unknown, leftward: boolean): unknown => {
      let p = leaf
      for (let i = 0; i < n; i++) p = leftward ? [p, i] : { i, next: p }
      return p
    }
    for (const leftward of [true, false]) {
      expect(exact.equals(nest(1_000_000, -0, leftward), nest(1_000_000, 0, leftward))).toBe(true)
      expect(exact.equals(nest(1_000_000, 1, leftward), nest(1_000_000, 2, leftward))).toBe(false)
    }
    const a: Array<unknown> = [1]
    a.push(a)
    const b: Array<unknown> = [1]
    b.push(b)
    expect(exact.equals(a, a)).toBe(true)
    expect(exact.equals([a], [a])).toBe(true)
    expect(exact.equals(a, b)).toBe(false)
  })

  it('lattice stays inside its range and off round numbers; dyadic gives eighths', () => {
    fc.assert(
      fc.property(lattice(-3, 3), (x) => x > -3 && x < 3 && !Number.isInteger(x * 1000)),
      { numRuns: 1000 }
    )
    expect(() => lattice(1, 1.0001)).toThrow(RangeError)
    expect(() => doubleIn(2, 1)).toThrow(/doubleIn: expected finite min <= max, got \[2, 1\]/)
  })

  it('scalarLens mixes made and raw lenses, and keeps values and gradients finite on [-10, 10]', () => {
    const lenses = fc.sample(scalarLens(), { numRuns: 500, seed: 11 })
    const names = lenses.map(describeLens)
    expect(names.some((n) => n.includes('raw.'))).toBe(true)
    expect(names.some((n) => n.includes('seed.'))).toBe(true)
    expect(names.some((n) => n.includes('pipe('))).toBe(true)
    expect(names.some((n) => n.includes('compose('))).toBe(true)
    expect(names.some((n) => n.includes('pipeAll('))).toBe(true)
    for (const lens of lenses) {
      for (const x of [-10, -1.5, 0, 0.5, 10]) {
        const [y, g] = Lens.valueAndGrad(lens, x)
        expect([describeLens(lens), Number.isFinite(y) && Number.isFinite(g)]).toEqual([describeLens(lens), true])
      }
    }
    const made = fc.sample(scalarLens({ raw: false }), { numRuns: 200, seed: 11 }).map(describeLens)
    expect(made.some((n) => /raw\.|seed\.|flat\./.test(n))).toBe(false)
  })

  it('a generated lens prints as its description in fast-check reports', () => {
    expect(() =>
      fc.assert(
        fc.property(scalarLens(), (lens) => !describeLens(lens).includes('tanh')),
        { numRuns: 1000, seed: 3 }
      )
    ).toThrow(/Counterexample: \[.*tanh.*\]/)
  })
})

describe('misuse gets a clear error', () => {
  it('vjp of a lens that calls next twice throws instead of answering garbage; backPropagate still runs it', () => {
    const twice: Lens.Lens<number, number> = (next) => (x) =>
      Cont.flatMap(next(x), (d1: number) => Cont.map(next(x + 1), (d2: number) => d1 + d2))
    expect(Lens.backPropagateConst(twice, 1, 1)).toBe(2)
    const [y, pullback] = Lens.vjp(twice, 1)
    expect(y).toBe(1)
    expect(() => pullback(1)).toThrow('Lens.vjp: the lens called next more than once')
  })

  it('fromVjp checks its arguments when the lens is made', () => {
    expect(() => Lens.fromVjp(3 as never)).toThrow('Lens.fromVjp: expected a function')
    expect(() => Lens.fromVjp((x: number) => [x, (d: number) => d], 'f' as never)).toThrow('Lens.fromVjp: expected a function')
  })
})

describe('valueAndGrad defaults the cotangent to 1 for scalar outputs', () => {
  it('a rank-0 tensor output (every ops loss) gets the rank-0 tensor 1', () => {
    const loss = Lens.pipe(ops.square, ops.sum())
    const [value, grad] = Lens.valueAndGrad(loss, Tensor.fromNested([1, -2]))
    expect(value.shape).toEqual([])
    expect(Array.from(grad.data)).toEqual([2, -4])
  })

  it('another output asks for its cotangent; a number where a rank-0 tensor cotangent belongs says how to make one', () => {
    expect(() => Lens.valueAndGrad(ops.square, Tensor.fromNested([1, 2]))).toThrow(
      "Lens.valueAndGrad: expected a scalar output (a number or a rank-0 tensor), got a Tensor of shape [2]; the default cotangent 1 is for those: pass the output's cotangent as the third argument"
    )
    const loss = Lens.pipe(ops.square, ops.sum())
    expect(() => Lens.backPropagateConst(loss, 1 as unknown as Tensor.Tensor, Tensor.fromNested([1, 2]))).toThrow(
      'ops.sum: expected the cotangent as a Tensor of shape [], got 1 (the cotangent of a rank-0 tensor is one too: Tensor.scalar(1); Lens.valueAndGrad(lens, x) gives it 1 by default)'
    )
  })
})

describe('a plain function where a lens belongs (issue 13, runners)', () => {
  const message =
    'Lens: expected a lens (next => a => Cont), but a function given as one returned NaN when applied to the rest of the program; a plain function x => … is not a lens: make one with Lens.make({ forward, backward })'
  const double = ((x: number) => x * 2) as unknown as Lens.Lens<number, number>

  it('is named by every runner, alone and inside a composition or a product', () => {
    expect(() => Lens.evaluate(double, 3)).toThrow(new TypeError(message))
    expect(() => Lens.backPropagateConst(double, 1, 3)).toThrow(new TypeError(message))
    expect(() => Lens.valueAndGrad(Lens.pipe(Scalar.sin, double), 3)).toThrow(new TypeError(message))
    expect(() => Lens.vjp(Lens.pipe(Scalar.sin, double), 3)).toThrow(new TypeError(message))
    expect(() => Lens.evaluate(Lens.fanout(Scalar.sin, double), 3)).toThrow(new TypeError(message))
  })

  it('says what the function returned', () => {
    const five = (() => 5) as unknown as Lens.Lens<number, number>
    expect(() => Lens.evaluate(five, 3)).toThrow(new TypeError(message.replace('returned NaN', 'returned 5')))
  })
})
