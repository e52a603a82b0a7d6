import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Lens, Scalar, Tensor, ops } from '../src/index.js'
import { GradientLaws, doubleIn, dyadic, fd, lattice, named, reassoc, scalarLens } from '../laws/index.js'

const { tolerances } = GradientLaws

type Pair = readonly [number, number]
type Unary = Lens.Lens<number, number>

const RUNS = 200

/** Doubles with |x| in [min, max], of either sign. */
const eitherSign = (min: number, max: number): fc.Arbitrary<number> => fc.oneof(doubleIn(min, max), doubleIn(-max, -min))
const pairIn = (a: fc.Arbitrary<number>, b: fc.Arbitrary<number> = a): fc.Arbitrary<Pair> => fc.tuple(a, b)

/**
 * Every unary primitive with its well-conditioned domain (docs/laws.md: log and sqrt at least
 * 0.1, exp at most 5, relu on a lattice that avoids its kink), and a domain of pairs whose
 * product lies in that domain (for the second-derivative law on `pipe(mul, primitive)`,
 * which has two input coordinates).
 */
const unaries: ReadonlyArray<{
  readonly name: string
  readonly lens: Unary
  readonly domain: fc.Arbitrary<number>
  readonly pairs: fc.Arbitrary<Pair>
}> = [
  { name: 'square', lens: Scalar.square, domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'exp', lens: Scalar.exp, domain: doubleIn(-10, 5), pairs: pairIn(doubleIn(-2, 2)) },
  { name: 'log', lens: Scalar.log, domain: doubleIn(0.1, 100), pairs: pairIn(doubleIn(0.4, 3)) },
  { name: 'sin', lens: Scalar.sin, domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'cos', lens: Scalar.cos, domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'tanh', lens: Scalar.tanh, domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'sigmoid', lens: Scalar.sigmoid, domain: doubleIn(-20, 20), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'relu', lens: Scalar.relu, domain: lattice(-3, 3), pairs: pairIn(lattice(-3, 3)) },
  { name: 'neg', lens: Scalar.neg, domain: doubleIn(-100, 100), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'sqrt', lens: Scalar.sqrt, domain: doubleIn(0.1, 100), pairs: pairIn(doubleIn(0.4, 3)) },
  { name: 'scale(-2.5)', lens: Scalar.scale(-2.5), domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'shift(0.75)', lens: Scalar.shift(0.75), domain: doubleIn(-10, 10), pairs: pairIn(doubleIn(-3, 3)) },
  { name: 'pow(3)', lens: Scalar.pow(3), domain: doubleIn(-5, 5), pairs: pairIn(doubleIn(-2, 2)) },
  { name: 'pow(0.5)', lens: Scalar.pow(0.5), domain: doubleIn(0.1, 10), pairs: pairIn(doubleIn(0.4, 3)) },
  { name: 'pow(-2)', lens: Scalar.pow(-2), domain: eitherSign(0.2, 5), pairs: pairIn(eitherSign(0.5, 2)) }
]

const binaries: ReadonlyArray<{ readonly name: string; readonly lens: Lens.Lens<Pair, number>; readonly domain: fc.Arbitrary<Pair> }> = [
  { name: 'add', lens: Scalar.add, domain: pairIn(doubleIn(-10, 10)) },
  { name: 'sub', lens: Scalar.sub, domain: pairIn(doubleIn(-10, 10)) },
  { name: 'mul', lens: Scalar.mul, domain: pairIn(doubleIn(-10, 10)) },
  { name: 'div', lens: Scalar.div, domain: pairIn(doubleIn(-10, 10), eitherSign(0.1, 10)) }
]

/**
 * The gradient law and linearity in the cotangent for a family of primitives with a
 * constant: the constant is drawn too (and names the lens in reports).
 */
const checkFamily = (name: string, family: (c: number) => Unary, constants: fc.Arbitrary<number>, inputs: fc.Arbitrary<number>): void => {
  const arbitraries = { lens: constants.map((c) => named(`${name}(${c})`, family(c))), input: inputs }
  GradientLaws.checkGradient(fd, arbitraries, { numRuns: RUNS })
  GradientLaws.checkCotangentLinearity(reassoc, { ...arbitraries, scalar: fc.double({ min: -4, max: 4, noNaN: true }) }, { numRuns: RUNS })
}

describe('every unary primitive obeys the numeric laws in its well-conditioned domain', () => {
  for (const { name, lens, domain, pairs } of unaries) {
    describe(name, () => {
      const options = { name, numRuns: RUNS }
      const arbitraries = { lens: fc.constant(lens), input: domain }
      it('matches finite differences (gradient law)', () => GradientLaws.checkGradient(fd, arbitraries, options))
      it('is linear in the cotangent, and 0 at the zero cotangent', () => GradientLaws.checkCotangentLinearity(reassoc, arbitraries, options))
      it('has a symmetric second derivative, alone and after mul (two inputs)', () => {
        GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, arbitraries, options)
        GradientLaws.checkSymmetricSecondDerivative(
          tolerances.secondDerivative,
          { lens: fc.constant(Lens.pipe(Scalar.mul, lens)), input: pairs },
          { name: `pipe(mul, ${name})`, numRuns: RUNS }
        )
      })
    })
  }
})

describe('the families scale, shift and pow obey the gradient law for drawn constants', () => {
  it('scale(c)', () => checkFamily('scale', Scalar.scale, doubleIn(-10, 10), doubleIn(-10, 10)))
  it('shift(c)', () => checkFamily('shift', Scalar.shift, doubleIn(-10, 10), doubleIn(-10, 10)))
  it('pow(n) for integer n ≥ 0 on any base', () => checkFamily('pow', Scalar.pow, fc.integer({ min: 0, max: 6 }), doubleIn(-3, 3)))
  it('pow(n) for integer n < 0 away from 0', () => checkFamily('pow', Scalar.pow, fc.integer({ min: -4, max: -1 }), eitherSign(0.2, 3)))
  it('pow(n) for fractional n on positive bases', () =>
    checkFamily(
      'pow',
      Scalar.pow,
      dyadic(-3, 3, 2).filter((n) => !Number.isInteger(n)),
      doubleIn(0.1, 4)
    ))
})

describe('every binary primitive obeys the numeric laws', () => {
  for (const { name, lens, domain } of binaries) {
    describe(name, () => {
      const options = { name, numRuns: RUNS }
      const arbitraries = { lens: fc.constant(lens), input: domain }
      it('matches finite differences (gradient law)', () => GradientLaws.checkGradient(fd, arbitraries, options))
      it('matches the full Jacobian', () =>
        fc.assert(
          fc.property(domain, (x) => {
            const report = Gradcheck.jacobian(lens, x, { name })
            if (report.status !== 'pass') throw new Error(Gradcheck.format(report))
          }),
          { numRuns: RUNS }
        ))
      it('is linear in the cotangent, and 0 at the zero cotangent', () => GradientLaws.checkCotangentLinearity(reassoc, arbitraries, options))
      it('has a symmetric second derivative', () =>
        GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, arbitraries, options))
    })
  }
})

describe('random composite lenses obey the numeric laws', () => {
  // Trees of primitives and hand-written CPS lenses, composed with pipe, compose and pipeAll.
  it('match finite differences', () => GradientLaws.checkGradient(fd, { lens: scalarLens(), input: doubleIn(-3, 3) }, { numRuns: 300 }))

  it('are linear in the cotangent', () =>
    GradientLaws.checkCotangentLinearity(reassoc, { lens: scalarLens(), input: doubleIn(-3, 3), scalar: doubleIn(-4, 4) }, { numRuns: 300 }))

  it('after mul, have a symmetric second derivative', () =>
    GradientLaws.checkSymmetricSecondDerivative(
      tolerances.secondDerivative,
      { lens: scalarLens().map((lens) => Lens.pipe(Scalar.mul, lens)), input: pairIn(doubleIn(-2, 2)) },
      { numRuns: 300 }
    ))
})

describe('known values', () => {
  const table: ReadonlyArray<readonly [string, Unary, number, number, number]> = [
    ['square', Scalar.square, 3, 9, 6],
    ['square', Scalar.square, -0.5, 0.25, -1],
    ['exp', Scalar.exp, 0, 1, 1],
    ['log', Scalar.log, 1, 0, 1],
    ['log', Scalar.log, 4, Math.log(4), 0.25],
    ['sin', Scalar.sin, 0, 0, 1],
    ['cos', Scalar.cos, 0, 1, -0],
    ['tanh', Scalar.tanh, 0, 0, 1],
    ['sigmoid', Scalar.sigmoid, 0, 0.5, 0.25],
    ['sigmoid', Scalar.sigmoid, -1000, 0, 0],
    ['sigmoid', Scalar.sigmoid, 1000, 1, 0],
    ['relu', Scalar.relu, -2, 0, 0],
    ['relu', Scalar.relu, 0, 0, 0],
    ['relu', Scalar.relu, 2, 2, 1],
    ['neg', Scalar.neg, 2, -2, -1],
    ['sqrt', Scalar.sqrt, 4, 2, 0.25],
    ['sqrt', Scalar.sqrt, 0.25, 0.5, 1],
    ['scale(3)', Scalar.scale(3), 2, 6, 3],
    ['shift(1)', Scalar.shift(1), 2, 3, 1],
    ['pow(3)', Scalar.pow(3), 2, 8, 12],
    ['pow(2)', Scalar.pow(2), -3, 9, -6],
    ['pow(0.5)', Scalar.pow(0.5), 4, 2, 0.25],
    ['pow(-1)', Scalar.pow(-1), 2, 0.5, -0.25],
    ['pow(0)', Scalar.pow(0), 0, 1, 0],
    ['pow(1)', Scalar.pow(1), 0, 0, 1]
  ]
  it.each(table)('%s at %d', (_name, lens, x, value, gradient) => {
    expect(Lens.valueAndGrad(lens, x)).toEqual([value, gradient])
  })

  it('transcendental values, to the last digits', () => {
    expect(Lens.valueAndGrad(Scalar.exp, 1)).toEqual([Math.E, Math.E])
    const [y, dy] = Lens.valueAndGrad(Scalar.sin, Math.PI / 2)
    expect(y).toBe(1)
    expect(Math.abs(dy)).toBeLessThan(1e-16)
    expect(Lens.valueAndGrad(Scalar.tanh, 1)[1]).toBeCloseTo(1 / Math.cosh(1) ** 2, 15)
    expect(Lens.valueAndGrad(Scalar.sigmoid, 2)[1]).toBeCloseTo(Math.exp(-2) / (1 + Math.exp(-2)) ** 2, 15)
  })

  it('binary primitives', () => {
    expect(Lens.valueAndGrad(Scalar.add, [2, 3])).toEqual([5, [1, 1]])
    expect(Lens.valueAndGrad(Scalar.sub, [2, 3])).toEqual([-1, [1, -1]])
    expect(Lens.valueAndGrad(Scalar.mul, [2, 3])).toEqual([6, [3, 2]])
    expect(Lens.valueAndGrad(Scalar.div, [3, 2])).toEqual([1.5, [0.5, -0.75]])
    expect(Lens.valueAndGrad(Scalar.div, [1, -4])).toEqual([-0.25, [-0.25, -0.0625]])
  })

  it("the seed's example", () => {
    expect(Lens.valueAndGrad(Lens.pipe(Scalar.square, Scalar.exp, Scalar.square), 0.5)).toEqual([1.648721270700128, 3.297442541400256])
  })
})

describe('domain errors name the operation and the value', () => {
  const forward = (lens: Unary, x: number) => () => Lens.evaluate(lens, x)
  it.each([
    ['log(0)', forward(Scalar.log, 0), /^Scalar\.log: input must be > 0, got 0$/],
    ['log(-1)', forward(Scalar.log, -1), /^Scalar\.log: input must be > 0, got -1$/],
    ['log(NaN)', forward(Scalar.log, NaN), /^Scalar\.log: .*got NaN$/],
    ['sqrt(-1)', forward(Scalar.sqrt, -1), /^Scalar\.sqrt: input must be >= 0, got -1$/],
    ['sqrt backward at 0', () => Lens.backPropagateConst(Scalar.sqrt, 1, 0), /^Scalar\.sqrt: the derivative is infinite at 0/],
    ['div by 0', () => Lens.evaluate(Scalar.div, [1, 0]), /^Scalar\.div: division by zero.*got 0$/],
    ['div by -0', () => Lens.evaluate(Scalar.div, [1, -0]), /^Scalar\.div: division by zero/],
    ['pow(0.5) of -1', forward(Scalar.pow(0.5), -1), /^Scalar\.pow\(0\.5\): base must be > 0 for an exponent below 1, got -1$/],
    ['pow(-0.5) at 0', forward(Scalar.pow(-0.5), 0), /^Scalar\.pow\(-0\.5\): base must be > 0 for an exponent below 1, got 0$/],
    ['pow(-1) at 0', forward(Scalar.pow(-1), 0), /^Scalar\.pow\(-1\): base must be non-zero for a negative exponent, got 0$/],
    ['scale(NaN)', () => Scalar.scale(NaN), /^Scalar\.scale: the constant must be a finite number, got NaN$/],
    ['shift(Infinity)', () => Scalar.shift(Infinity), /^Scalar\.shift: the constant must be a finite number, got Infinity$/],
    ['pow(NaN)', () => Scalar.pow(NaN), /^Scalar\.pow: the constant must be a finite number, got NaN$/]
  ] as const)('%s throws a RangeError', (_name, run, message) => {
    expect(run).toThrow(RangeError)
    expect(run).toThrow(message)
  })

  it('inside a composite, through every entry point', () => {
    const f = Lens.pipe(Scalar.neg, Scalar.log)
    expect(() => Lens.evaluate(f, 1)).toThrow(/^Scalar\.log: input must be > 0, got -1$/)
    expect(() => Lens.backPropagateConst(f, 1, 1)).toThrow(RangeError)
    expect(() => Lens.valueAndGrad(f, 2)).toThrow(/Scalar\.log/)
    expect(() => Lens.vjp(Lens.pipe(Scalar.shift(-1), Scalar.sqrt), 1)[1](1)).toThrow(/Scalar\.sqrt: the derivative is infinite/)
  })
})

describe('finite in-domain input: finite results, or an error that names the op (never NaN or an infinity)', () => {
  const anyFinite = fc.double({ noNaN: true, noDefaultInfinity: true })
  const positive = fc.double({ min: Number.MIN_VALUE, noNaN: true, noDefaultInfinity: true })
  const nonZero = anyFinite.filter((x) => x !== 0)
  /** Value and gradient are finite, or the run throws the overflow error of `op` (naming the pass). */
  const noNaN = <A>(lens: Lens.Lens<A, number>, x: A, op = /^Scalar\.\w+/): boolean => {
    let out: readonly [number, A]
    try {
      out = Lens.valueAndGrad(lens, x)
    } catch (e) {
      return e instanceof RangeError && op.test(e.message) && / is not finite \(-?Infinity\) in the (forward|backward) pass, at input/.test(e.message)
    }
    const [y, dx] = out
    return Number.isFinite(y) && [dx].flat().every(Number.isFinite)
  }
  const cases: ReadonlyArray<readonly [string, Unary, fc.Arbitrary<number>]> = [
    ['square', Scalar.square, anyFinite],
    ['exp', Scalar.exp, anyFinite],
    ['log', Scalar.log, positive],
    ['sin', Scalar.sin, anyFinite],
    ['cos', Scalar.cos, anyFinite],
    ['tanh', Scalar.tanh, anyFinite],
    ['sigmoid', Scalar.sigmoid, anyFinite],
    ['relu', Scalar.relu, anyFinite],
    ['neg', Scalar.neg, anyFinite],
    ['sqrt', Scalar.sqrt, positive]
  ]
  it.each(cases)('%s', (_name, lens, domain) => {
    fc.assert(fc.property(domain, (x) => noNaN(lens, x)), { numRuns: 500 })
  })

  it('scale, shift and pow with any finite constant in their domain', () => {
    fc.assert(fc.property(anyFinite, anyFinite, (c, x) => noNaN(Scalar.scale(c), x) && noNaN(Scalar.shift(c), x)), { numRuns: 500 })
    const exponents = dyadic(-8, 8, 2)
    fc.assert(
      fc.property(exponents, anyFinite, (n, x) => {
        const integer = Number.isInteger(n)
        fc.pre(integer ? !(n < 0 && x === 0) : n < 1 ? x > 0 : x >= 0)
        return noNaN(Scalar.pow(n), x)
      }),
      { numRuns: 1000 }
    )
  })

  it.each([
    ['add', Scalar.add, pairIn(anyFinite)],
    ['sub', Scalar.sub, pairIn(anyFinite)],
    ['mul', Scalar.mul, pairIn(anyFinite)],
    ['div', Scalar.div, pairIn(anyFinite, nonZero)]
  ] as const)('%s', (_name, lens, domain) => {
    fc.assert(fc.property(domain, (x) => noNaN(lens, x)), { numRuns: 1000 })
  })

  it('div with a zero numerator and a tiny denominator', () => {
    // b·b underflows to 0 here: the backward pass must not compute 0 / 0.
    const [y, [da, db]] = Lens.valueAndGrad(Scalar.div, [0, 1e-200])
    expect(y).toBe(0)
    expect(da).toBe(1e200)
    expect(Math.abs(db)).toBe(0)
  })
})

describe('bad arguments and overflow get an error that names the op, the pass and the input', () => {
  it.each([
    ['square of a string', () => Lens.evaluate(Scalar.square, '3' as unknown as number), TypeError, 'Scalar.square: expected a number, got "3"'],
    ['square(NaN)', () => Lens.evaluate(Scalar.square, NaN), RangeError, 'Scalar.square: the input must be a finite number, got NaN'],
    ['sin(Infinity)', () => Lens.evaluate(Scalar.sin, Infinity), RangeError, 'Scalar.sin: the input must be a finite number, got Infinity'],
    ['log(-0)', () => Lens.evaluate(Scalar.log, -0), RangeError, 'Scalar.log: input must be > 0, got -0'],
    ['exp(710)', () => Lens.evaluate(Scalar.exp, 710), RangeError, 'Scalar.exp: the result is not finite (Infinity) in the forward pass, at input 710'],
    ['square(1e200)', () => Lens.evaluate(Scalar.square, 1e200), RangeError, 'Scalar.square: the result is not finite (Infinity) in the forward pass, at input 1e+200'],
    [
      'the backward pass of log at 5e-324',
      () => Lens.backPropagateConst(Scalar.log, 1, 5e-324),
      RangeError,
      'Scalar.log: the cotangent is not finite (Infinity) in the backward pass, at input 5e-324 and output cotangent 1'
    ],
    ['add of a number', () => Lens.evaluate(Scalar.add, 3 as unknown as readonly [number, number]), TypeError, 'Scalar.add: expected a pair of numbers [a, b], got 3'],
    ['mul with a string', () => Lens.evaluate(Scalar.mul, [2, 'x'] as unknown as readonly [number, number]), TypeError, 'Scalar.mul (second input): expected a number, got "x"'],
    ['mul(1e200, 1e200)', () => Lens.evaluate(Scalar.mul, [1e200, 1e200]), RangeError, 'Scalar.mul: the result is not finite (Infinity) in the forward pass, at inputs [1e+200, 1e+200]'],
    [
      "div([1, 1e-200])'s backward",
      () => Lens.backPropagateConst(Scalar.div, 1, [1, 1e-200]),
      RangeError,
      'Scalar.div: the cotangent is not finite (-Infinity) in the backward pass, at inputs [1, 1e-200] and output cotangent 1'
    ]
  ] as const)('%s', (_name, run, type, message) => {
    expect(run).toThrow(type)
    expect(run).toThrow(message)
    try {
      run()
    } catch (e) {
      expect((e as Error).message).toBe(message)
    }
  })

  it('the gist pipeline and every other in-range use are untouched: 1 − exp(−x) stays finite', () => {
    const f = Lens.pipe(Scalar.neg, Scalar.exp, Scalar.neg, Scalar.shift(1))
    expect(Lens.valueAndGrad(f, 700)).toEqual([1, Math.exp(-700)])
  })
})

describe('one rule per derivative: Scalar and ops agree to the last bit', () => {
  const x = fc.double({ min: -3, max: 3, noNaN: true, noDefaultInfinity: true })
  const positive = fc.double({ min: 0.1, max: 5, noNaN: true, noDefaultInfinity: true })
  const pairs: ReadonlyArray<readonly [string, Unary, Lens.Lens<Tensor.Tensor, Tensor.Tensor>, fc.Arbitrary<number>]> = [
    ['square', Scalar.square, ops.square, x],
    ['exp', Scalar.exp, ops.exp, x],
    ['log', Scalar.log, ops.log, positive],
    ['sin', Scalar.sin, ops.sin, x],
    ['cos', Scalar.cos, ops.cos, x],
    ['tanh', Scalar.tanh, ops.tanh, x],
    ['sigmoid', Scalar.sigmoid, ops.sigmoid, x],
    ['relu', Scalar.relu, ops.relu, x],
    ['abs', Scalar.abs, ops.abs, x],
    ['neg', Scalar.neg, ops.neg, x],
    ['sqrt', Scalar.sqrt, ops.sqrt, positive],
    ['scale(-1.5)', Scalar.scale(-1.5), ops.scale(-1.5), x],
    ['shift(2)', Scalar.shift(2), ops.shift(2), x],
    ['pow(3)', Scalar.pow(3), ops.pow(3), x],
    ['pow(0.5)', Scalar.pow(0.5), ops.pow(0.5), positive],
    ['clip(-1, 1)', Scalar.clip(-1, 1), ops.clip(-1, 1), x]
  ]
  it.each(pairs)('%s', (_name, scalar, tensor, arb) => {
    fc.assert(
      fc.property(arb, x, (v, dy) => {
        const [y, dx] = Lens.valueAndGrad(scalar, v, dy)
        const [ty, tdx] = Lens.valueAndGrad(tensor, Tensor.fromNested([v]), Tensor.fromNested([dy]))
        return Object.is(y, ty.data[0]) && Object.is(dx, tdx.data[0])
      }),
      { numRuns: 300 }
    )
  })
})
