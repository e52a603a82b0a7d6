/**
 * The numeric laws of the law kit (`GradientLaws`): they pass right lenses and catch wrong
 * ones, on numbers, tuples, custom spaces and tensors; and their reports.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Lens, Scalar, VectorSpace, ops } from '../../src/index.js'
import { GradientLaws, doubleIn, fd, reassoc, tensor } from '../../laws/index.js'
import { abs, f3, f3wrong, offByOnePercent, sinWithSin, unary } from '../support/lenses.js'

type Pair = readonly [number, number]

const { tolerances } = GradientLaws
/** The arbitraries of one lens. */
const one = <A, B>(lens: Lens.Lens<A, B>, input: fc.Arbitrary<A>): GradientLaws.Arbitraries<A, B> => ({ lens: fc.constant(lens), input })

describe('G: the gradient law catches wrong lenses (the checks can fail)', () => {
  it('passes a right primitive and throws a readable report for a wrong one', () => {
    const cube = unary((x) => x ** 3, (x) => 3 * x * x)
    expect(() => GradientLaws.checkGradient(fd, one(cube, doubleIn(-3, 3)), { name: 'cube' })).not.toThrow()
    const wrongCube = one(unary((x) => x ** 3, (x) => 3 * x), doubleIn(-3, 3))
    expect(() => GradientLaws.checkGradient(fd, wrongCube, { name: 'cube' })).toThrow(/gradient check failed for cube/)
    expect(() => GradientLaws.checkGradient(fd, wrongCube, { name: 'cube' })).toThrow(/Counterexample/)
    expect(() => GradientLaws.checkGradient(fd, wrongCube, { name: 'cube' })).toThrow(/seed/)
    expect(() => GradientLaws.checkGradient(fd, wrongCube, { name: 'cube' })).toThrow(
      /^GradientLaws\.checkGradient: law G \(gradient against finite differences\) of docs\/laws\.md does not hold\n/
    )
  })

  it('catches a backward pass off by 1% and sin differentiated with sin', () => {
    expect(() => GradientLaws.checkGradient(fd, one(offByOnePercent, doubleIn(-3, 3)))).toThrow(/gradient check failed/)
    expect(() => GradientLaws.checkGradient(fd, one(sinWithSin, doubleIn(-3, 3)))).toThrow(/gradient check failed/)
  })

  it('discards kinks and works on tuples and custom spaces', () => {
    expect(() => GradientLaws.checkGradient(fd, one(abs, fc.constantFrom(0, -0.5, 0.5, 2)))).not.toThrow()
    expect(() => GradientLaws.checkGradient(fd, one(f3, fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2), doubleIn(-2, 2))))).not.toThrow()
    expect(() =>
      GradientLaws.checkGradient(fd, one(f3wrong, fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2), doubleIn(0.5, 2))), { name: 'f3' })
    ).toThrow(/gradient check failed for f3/)
    const spaces = { input: VectorSpace.tuple(VectorSpace.number, VectorSpace.number), output: VectorSpace.number }
    expect(() => GradientLaws.checkGradient(fd, { ...one(Scalar.div, fc.tuple(doubleIn(-2, 2), doubleIn(0.5, 2))), spaces })).not.toThrow()
  })

  it('catches a 1% error in every Scalar primitive', () => {
    const perturbed = (lens: Lens.Lens<number, number>): Lens.Lens<number, number> => {
      const { forward, backward } = Lens.toPair(lens)
      return Lens.make({ forward, backward: (x, dy, y) => 1.01 * backward(x, dy, y) })
    }
    const positive = doubleIn(0.5, 3)
    const cases: ReadonlyArray<readonly [string, Lens.Lens<number, number>, fc.Arbitrary<number>]> = [
      ['square', Scalar.square, positive],
      ['exp', Scalar.exp, positive],
      ['log', Scalar.log, positive],
      ['sin', Scalar.sin, doubleIn(0.1, 1.4)],
      ['cos', Scalar.cos, doubleIn(0.1, 1.4)],
      ['tanh', Scalar.tanh, doubleIn(-2, 2)],
      ['sigmoid', Scalar.sigmoid, doubleIn(-2, 2)],
      ['relu', Scalar.relu, positive],
      ['neg', Scalar.neg, positive],
      ['sqrt', Scalar.sqrt, positive],
      ['scale(3)', Scalar.scale(3), positive],
      ['shift(1)', Scalar.shift(1), positive],
      ['pow(2.5)', Scalar.pow(2.5), positive]
    ]
    for (const [name, lens, inputs] of cases) {
      expect(() => GradientLaws.checkGradient(fd, one(perturbed(lens), inputs), { name }), name).toThrow(`gradient check failed for ${name}`)
    }
  })

  it('the predicate behind it, with its tolerance', () => {
    const law = GradientLaws.gradient(fd)
    expect(law(Scalar.sin, 0.5)).toBe(true)
    expect(law(sinWithSin, 0.5)).toBe(false)
    expect(law(Scalar.relu, 0)).toBe(true)
    // A 1% error passes a 2% relative tolerance.
    expect(law(offByOnePercent, 1)).toBe(false)
    expect(GradientLaws.gradient({ atol: 1e-7, rtol: 2e-2 })(offByOnePercent, 1)).toBe(true)
  })
})

describe('14: linearity in the cotangent', () => {
  it('catches a nonlinear or affine backward pass', () => {
    const squaresCotangent = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy * dy })
    const affine = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy + 1e-9 })
    const xs = doubleIn(-3, 3)
    expect(() => GradientLaws.checkCotangentLinearity(reassoc, one(Scalar.sin, xs))).not.toThrow()
    expect(() => GradientLaws.checkCotangentLinearity(reassoc, one(squaresCotangent, xs), { name: 'sq' })).toThrow(/cotangent linearity failed for sq/)
    expect(() => GradientLaws.checkCotangentLinearity(reassoc, one(affine, xs))).toThrow(
      /bwd\(a, s·u \+ v\) ≠ s·bwd\(a, u\) \+ bwd\(a, v\)|bwd\(a, 0\) ≠ 0/
    )
    const law = GradientLaws.cotangentLinearity(reassoc)
    // The zero law alone: an affine backward pass is not 0 at the zero cotangent.
    expect(law(affine, 1, 0, 0, 0)).toBe(false)
    expect(law(Scalar.mul, [2, 3], 0.5, 4, -1)).toBe(true)
    expect(() => GradientLaws.checkCotangentLinearity(reassoc, one(f3, fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2), doubleIn(-2, 2))))).not.toThrow()
  })
})

describe('14: linearity in the cotangent, whatever the seed', () => {
  it('catches a backward pass that squares its cotangent with every seed (its default cotangents are not all near 0)', () => {
    const squaresCotangent = Lens.make<number, number>({ forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy * dy })
    for (let seed = 0; seed < 60; seed++) {
      expect(() => GradientLaws.checkCotangentLinearity(reassoc, one(squaresCotangent, doubleIn(-3, 3)), { parameters: { seed } }), `seed ${seed}`).toThrow(
        /cotangent linearity failed/
      )
    }
  })
})

describe('15: the symmetric second derivative', () => {
  const pairs = fc.tuple(doubleIn(-3, 3), doubleIn(-3, 3))
  // (a, b) ↦ (b, 0) has ∂/∂b of its first coordinate 1 but ∂/∂a of its second 0.
  const curl = Lens.make<Pair, number>({ forward: ([a, b]) => a * b, backward: ([, b], dy) => [b * dy, 0] })

  it('catches a backward pass that is no gradient', () => {
    const law = GradientLaws.symmetricSecondDerivative(tolerances.secondDerivative)
    expect(() => GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, one(curl, pairs), { name: 'curl' })).toThrow(
      /not the gradient of any function/
    )
    expect(law(curl, [1, 2], [1, 0], [0, 1])).toBe(false)
    expect(law(Scalar.mul, [1, 2], [1, 0], [0, 1])).toBe(true)
    expect(() => GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, one(Lens.pipe(Scalar.mul, Scalar.sin), pairs))).not.toThrow()
    // A kink in the gradient is discarded, not failed.
    const absOfSum = Lens.pipe(Scalar.add, abs)
    expect(law(absOfSum, [1, -1], [1, 0], [0, 1])).toBe(true)
    expect(() => law(Lens.id<Pair>(), [1, 2], [1, 0], [0, 1])).toThrow(
      /^symmetricSecondDerivative\(lens\): give a cotangent for a lens whose output is not a number \(got object\)$/
    )
  })

  it('applies to any output with a drawn cotangent: g(x) = bwd(L)(x, c)', () => {
    // The curl again, with an output of two coordinates: (a, b) ↦ (a·b, a·b), backward (b·(d0 + d1), 0).
    const twice = Lens.make<Pair, Pair>({ forward: ([a, b]) => [a * b, a * b], backward: ([, b], [d0, d1]) => [b * (d0 + d1), 0] })
    const law = GradientLaws.symmetricSecondDerivative(tolerances.secondDerivative)
    expect(law(twice, [1, 2], [1, 0], [0, 1], { cotangent: [1, 1] })).toBe(false)
    expect(law(Lens.fanout(Scalar.mul, Scalar.add), [1, 2], [1, 0], [0, 1], { cotangent: [1, -1] })).toBe(true)
    expect(() => GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, one(twice, pairs), { name: 'twice' })).toThrow(
      /not the gradient of any function/
    )
    // Tensors: an elementwise op's Jacobian is diagonal, so symmetric.
    expect(() =>
      GradientLaws.checkSymmetricSecondDerivative(tolerances.secondDerivative, one(ops.tanh, tensor({ values: doubleIn(-2, 2), maxDim: 3 })), { numRuns: 50 })
    ).not.toThrow()
  })
})

describe('checkAll runs G, 14 and 15 with their tolerances', () => {
  it('passes right lenses on numbers, pairs and tensors, and fails a wrong one', () => {
    expect(() => GradientLaws.checkAll(tolerances, one(Lens.pipe(Scalar.mul, Scalar.tanh), fc.tuple(doubleIn(-2, 2), doubleIn(-2, 2))))).not.toThrow()
    expect(() => GradientLaws.checkAll(tolerances, one(ops.sigmoid, tensor({ values: doubleIn(-3, 3), maxDim: 3 })), { numRuns: 50 })).not.toThrow()
    expect(() => GradientLaws.checkAll(tolerances, one(sinWithSin, doubleIn(-3, 3)))).toThrow(
      /GradientLaws\.checkGradient: law G/
    )
  })
})
