import fc from 'fast-check'
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Gradcheck, Lens, Scalar, VectorSpace } from '../src/index.js'
import { GradientLaws, fd } from '../laws/index.js'
import { abs, f3, f3wrong, offByOnePercent, sinWithSin, unary } from './support/lenses.js'

type Pair = readonly [number, number]

/** The detail line of a report that names the worst coordinate. */
const worstLine = (report: Gradcheck.Report): string | undefined => Gradcheck.format(report).split('\n').find((l) => l.startsWith('  worst coordinate'))
type Triple = readonly [number, number, number]

const doubles = (min: number, max: number): fc.Arbitrary<number> =>
  fc.double({ min, max, noNaN: true, noDefaultInfinity: true })

describe('Gradcheck.check (dot-product test)', () => {
  it('passes correct primitives and composites, on numbers and tuples', () => {
    expect(Gradcheck.check(Scalar.sin, 0.5).status).toBe('pass')
    expect(Gradcheck.check(Lens.pipe(Scalar.square, Scalar.exp, Scalar.square), 0.5).status).toBe('pass')
    expect(Gradcheck.check(Scalar.mul, [2, -3]).status).toBe('pass')
    expect(Gradcheck.check(f3, [0.3, -1.2, 2]).status).toBe('pass')
  })

  it('fails a backward pass off by 1%, and names the worst coordinate', () => {
    const report = Gradcheck.check(offByOnePercent, 1, { name: 'sin' })
    expect(report.status).toBe('fail')
    expect(Math.abs(report.analytic)).toBeCloseTo(1.01 * Math.cos(1), 12)
    expect(Math.abs(report.numeric)).toBeCloseTo(Math.cos(1), 9)
    expect(report.absError).toBeGreaterThan(report.tolerance)
    // One coordinate: the worst term is the dot product itself.
    expect(report.worst).toMatchObject({ row: 0, col: 0, analytic: report.analytic })
    expect(report.worst?.numeric).toBeCloseTo(report.numeric, 9)
  })

  it('fails the backward pass of sin computed with sin', () => {
    fc.assert(
      fc.property(doubles(-3, 3), fc.nat(), (x, seed) => {
        // cos(x) and sin(x) agree (within tolerance) only near π/4 + kπ.
        fc.pre(Math.abs(Math.cos(x) - Math.sin(x)) > 1e-3)
        const report = Gradcheck.check(sinWithSin, x, { seed })
        expect(report.status).toBe('fail')
        expect(report.worst).toMatchObject({ row: 0, col: 0 })
      }),
      { numRuns: 200 }
    )
  })

  it('localises a wrong entry of a tuple lens to its [output, input] coordinate', () => {
    const report = Gradcheck.check(f3wrong, [0.3, -1.2, 2], { name: 'f3' })
    expect(report.status).toBe('fail')
    // The term v₁·u₂·∂f₁/∂c: analytic c = 2, numeric 2c = 4.
    const vu = (report.v[1] as number) * (report.u[2] as number)
    expect(report.worst).toMatchObject({ row: 1, col: 2, rowPath: '[1]', colPath: '[2]', analytic: expect.closeTo(2 * vu, 12), numeric: expect.closeTo(4 * vu, 6) })
    expect(worstLine(report)).toMatch(/^ {2}worst coordinate \[1, 2\] \(output \[1\], input \[2\]\): analytic /)
    // With explicit spaces the layout is theirs: no names.
    const N = VectorSpace.number
    const explicit = Gradcheck.check(f3wrong, [0.3, -1.2, 2], { input: VectorSpace.tuple(N, N, N), output: VectorSpace.tuple(N, N) })
    expect(explicit.worst).toMatchObject({ row: 1, col: 2, rowPath: null, colPath: null })
    expect(worstLine(explicit)).toMatch(/^ {2}worst coordinate \[1, 2\] \(output 1, input 2\): /)
  })

  it('names coordinates by their path in the structure (issue 8)', () => {
    const lens = Lens.make<{ readonly w: Pair; readonly b: number }, number>({
      forward: ({ w, b }) => w[0] * w[1] + b,
      backward: ({ w }, dy) => ({ w: [w[1] * dy, w[0] * dy], b: dy })
    })
    expect(() => Gradcheck.check(lens, { w: [1, NaN], b: 2 })).toThrow(new RangeError('Gradcheck.check(lens): input coordinate 1 (w[1]) is NaN'))
    const wrong = Lens.make<{ readonly w: Pair; readonly b: number }, number>({
      forward: ({ w, b }) => w[0] * w[1] + b,
      backward: ({ w }, dy) => ({ w: [w[1] * dy, w[0] * dy], b: 2 * dy })
    })
    const report = Gradcheck.check(wrong, { w: [1, 3], b: 2 })
    expect(report.worst).toMatchObject({ row: 0, col: 2, rowPath: '(root)', colPath: 'b' })
    expect(worstLine(report)).toMatch(/^ {2}worst coordinate \[0, 2\] \(output 0, input b\): /)
    expect(() => Gradcheck.check(Scalar.sin, 1, { seed: 1.5 })).toThrow(new TypeError('Gradcheck.check(lens): expected an integer seed, got 1.5'))
  })

  it('names the worst coordinate with the directions of the headline, so the two agree', () => {
    // A backward pass that forgot its cotangent is right for dy = 1 only: the Jacobian (basis
    // cotangents) looks right, the dot-product test (cotangent v) does not.
    const forgotDy = Lens.make<number, number>({ forward: Math.sin, backward: (x) => Math.cos(x) })
    for (const seed of [1, 2, 3, 4, 5, 6]) {
      const report = Gradcheck.check(forgotDy, 0.3, { seed })
      if (report.v[0] === 1) {
        expect(report.status).toBe('pass')
        continue
      }
      expect(report.status).toBe('fail')
      const worst = report.worst
      expect(worst).toMatchObject({ row: 0, col: 0, analytic: report.analytic })
      expect(worst?.numeric).toBeCloseTo(report.numeric, 9)
      expect(worst?.absError).toBeGreaterThan(worst?.tolerance ?? Infinity)
    }
    // Several coordinates: each term is vᵢ·uⱼ·∂fᵢ/∂xⱼ, analytic from the backward pass of vᵢ·eᵢ.
    const report = Gradcheck.check(f3wrong, [0.3, -1.2, 2], { seed: 3 })
    const [u2, v1] = [report.u[2] as number, report.v[1] as number]
    expect(report.worst).toMatchObject({ row: 1, col: 2 })
    expect(report.worst?.analytic).toBeCloseTo(2 * v1 * u2, 12)
    expect(report.worst?.numeric).toBeCloseTo(4 * v1 * u2, 6)
  })

  it('does not localise when told not to, or when the Jacobian is too big', () => {
    expect(Gradcheck.check(f3wrong, [0.3, -1.2, 2], { localize: false }).worst).toBeNull()
    const n = 200
    const big = Lens.make<ReadonlyArray<number>, ReadonlyArray<number>>({
      forward: (xs) => xs.map((x) => 2 * x),
      backward: (_xs, dys) => dys.map((dy) => 3 * dy)
    })
    const report = Gradcheck.check(big, Array.from({ length: n }, (_, i) => i / n))
    expect(report.status).toBe('fail')
    expect(report.worst).toBeNull()
    expect(report.inputSize).toBe(n)
    expect(report.outputSize).toBe(n)
  })

  it('is deterministic for a seed, and the directions depend on it', () => {
    const x: Triple = [0.3, -1.2, 2]
    expect(Gradcheck.check(f3, x, { seed: 5 })).toEqual(Gradcheck.check(f3, x, { seed: 5 }))
    expect(Gradcheck.check(f3, x, { seed: 5 }).analytic).not.toBe(Gradcheck.check(f3, x, { seed: 6 }).analytic)
    expect(Gradcheck.check(f3, x).seed).toBe(1)
  })

  it('uses explicit directions, normalised to unit length', () => {
    // ⟨bwd(mul)([2, 3], 1), (1, 0)⟩ = 3; u = (5, 0) normalises to (1, 0), v = 4 to 1.
    const report = Gradcheck.check(Scalar.mul, [2, 3], { u: [5, 0], v: 4 })
    expect(report.analytic).toBe(3)
    expect(report.numeric).toBeCloseTo(3, 9)
    expect(report.seed).toBeNull()
    // Directions whose squared norm underflows still normalise.
    expect(Gradcheck.check(Scalar.mul, [2, 3], { u: [1e-200, 0], v: 1e-300 }).analytic).toBe(3)
    expect(() => Gradcheck.check(Scalar.mul, [2, 3], { u: [0, 0] })).toThrow(/direction u must be non-zero/)
    expect(() => Gradcheck.check(Scalar.mul, [2, 3], { u: [1, 2, 3] as unknown as Pair })).toThrow(RangeError)
  })

  it('takes the step h = 1e-5·max(1, ‖x‖∞) unless given', () => {
    expect(Gradcheck.check(Scalar.mul, [0.5, -0.25]).h).toBe(1e-5)
    expect(Gradcheck.check(Scalar.mul, [2, -300]).h).toBeCloseTo(3e-3, 15)
    expect(Gradcheck.check(Scalar.mul, [2, -300], { h: 1e-4 }).h).toBe(1e-4)
  })

  it('applies the tolerances atol + rtol·max(|a|, |n|)', () => {
    const report = Gradcheck.check(offByOnePercent, 1)
    expect(report.tolerance).toBeCloseTo(1e-7 + 1e-5 * Math.max(Math.abs(report.analytic), Math.abs(report.numeric)), 15)
    // A 1% error passes with rtol 2e-2, not with 5e-3.
    expect(Gradcheck.check(offByOnePercent, 1, { rtol: 2e-2 }).status).toBe('pass')
    expect(Gradcheck.check(offByOnePercent, 1, { rtol: 5e-3 }).status).toBe('fail')
    // An absolute error of 1e-3 on a derivative near 0 passes only with a large atol.
    const nearlyFlat = unary((x) => x * x, (x) => 2 * x + 1e-3)
    expect(Gradcheck.check(nearlyFlat, 0).status).toBe('fail')
    expect(Gradcheck.check(nearlyFlat, 0, { atol: 2e-3 }).status).toBe('pass')
  })

  it('reports a kink, not a pass or a failure, where one-sided slopes disagree', () => {
    const relu = Gradcheck.check(Scalar.relu, 0)
    expect(relu.status).toBe('kink')
    expect(Math.max(...relu.slopes.map(Math.abs))).toBeCloseTo(1, 9)
    expect(Math.min(...relu.slopes.map(Math.abs))).toBe(0)
    expect(Gradcheck.check(abs, 0).status).toBe('kink')
    // Within h of the kink, still a kink; far from it, a pass.
    expect(Gradcheck.check(abs, 3e-6).status).toBe('kink')
    expect(Gradcheck.check(abs, 0.5).status).toBe('pass')
    expect(Gradcheck.check(Scalar.relu, -0.5).status).toBe('pass')
    // Even a wrong backward pass is a kink at the kink: finite differences say nothing there.
    expect(Gradcheck.check(unary(Math.abs, () => 7), 0).status).toBe('kink')
    // A smooth but curved function is not a kink.
    expect(Gradcheck.check(Scalar.exp, 5).status).toBe('pass')
    expect(Gradcheck.check(Scalar.log, 0.1).status).toBe('pass')
  })

  it('handles a zero-size input or output', () => {
    const constant = Lens.make<readonly [], number>({ forward: () => 42, backward: () => [] })
    const report = Gradcheck.check(constant, [])
    expect(report).toMatchObject({ status: 'pass', analytic: 0, numeric: 0, inputSize: 0, outputSize: 1, h: 1e-5 })
    const discard = Lens.make<number, readonly []>({ forward: () => [], backward: () => 0 })
    expect(Gradcheck.check(discard, 3)).toMatchObject({ status: 'pass', analytic: 0, numeric: 0, inputSize: 1, outputSize: 0 })
  })

  it('throws, naming the coordinate, on a non-finite input, output or gradient', () => {
    expect(() => Gradcheck.check(Scalar.mul, [1, NaN])).toThrow(new RangeError('Gradcheck.check(lens): input coordinate 1 ([1]) is NaN'))
    expect(() => Gradcheck.check(Scalar.sin, Infinity)).toThrow(new RangeError('Gradcheck.check(lens): input coordinate 0 is Infinity'))
    const nanOut = Lens.make<Pair, Pair>({ forward: ([a]) => [a, NaN], backward: (_x, d) => d })
    expect(() => Gradcheck.check(nanOut, [1, 2], { name: 'nanOut' })).toThrow(
      new RangeError('Gradcheck.check(nanOut): output coordinate 1 ([1]) is NaN at x = [1, 2]')
    )
    // Finite at x, infinite at x + h·u or x − h·u.
    const cliff = unary((x) => (x > 1 ? Infinity : x), () => 1)
    expect(() => Gradcheck.check(cliff, 1, { u: 1 })).toThrow(new RangeError('Gradcheck.check(lens): output coordinate 0 is Infinity at x + h·u = [1.00001]'))
    expect(() => Gradcheck.check(cliff, 1, { u: -1 })).toThrow(new RangeError('Gradcheck.check(lens): output coordinate 0 is Infinity at x − h·u = [1.00001]'))
    const nanGrad = Lens.make<Pair, number>({ forward: ([a, b]) => a + b, backward: (_x, dy) => [dy, NaN] })
    expect(() => Gradcheck.check(nanGrad, [1, 2])).toThrow(
      new RangeError('Gradcheck.check(lens): gradient coordinate 1 ([1]) is NaN in the backward pass at x = [1, 2] with cotangent v')
    )
    expect(() => Gradcheck.jacobian(nanGrad, [1, 2])).toThrow(
      new RangeError('Gradcheck.jacobian(lens): gradient coordinate 1 ([1]) is NaN in the backward pass at x = [1, 2] with cotangent e0')
    )
  })

  it('says where the lens threw, keeping the error class', () => {
    // sqrt just above 0: x − h·u leaves the domain.
    expect(() => Gradcheck.check(Scalar.sqrt, 1e-7, { u: 1 })).toThrow(RangeError)
    expect(() => Gradcheck.check(Scalar.sqrt, 1e-7, { u: 1, name: 'sqrt' })).toThrow(
      /Gradcheck\.check\(sqrt\): the lens threw at x − h·u = \[-0\.0000099\d*\]: Scalar\.sqrt: input must be >= 0/
    )
    expect(() => Gradcheck.check(Scalar.sqrt, 0)).toThrow(/in the backward pass at x = \[0\].*derivative is infinite at 0/)
    expect(() => Gradcheck.check(Scalar.log, -1)).toThrow(/the lens threw at x = \[-1\]: Scalar\.log/)
  })

  it('rejects bad options and values without a vector space', () => {
    expect(() => Gradcheck.check(Scalar.sin, 1, { h: 0 })).toThrow(/option h must be a finite number > 0/)
    expect(() => Gradcheck.check(Scalar.sin, 1, { h: NaN })).toThrow(RangeError)
    expect(() => Gradcheck.check(Scalar.sin, 1, { atol: -1 })).toThrow(/option atol must be a finite number >= 0/)
    expect(() => Gradcheck.check(Scalar.sin, 1, { rtol: Infinity })).toThrow(/option rtol/)
    const named = Lens.id<string>()
    expect(() => Gradcheck.check(named, 'x')).toThrow(/cannot infer the vector space of the input.*pass the option 'input'/)
    expect(() => Gradcheck.check(null as unknown as Lens.Lens<number, number>, 1)).toThrow(TypeError)
  })

  it('works with any VectorSpace instance passed as options (records, a custom space)', () => {
    type Affine = { readonly w: number; readonly b: number }
    const affine = Lens.make<Affine, number>({
      forward: ({ w, b }) => Math.tanh(w * 1.5 + b),
      backward: ({ w, b }, dy) => {
        const d = (1 - Math.tanh(w * 1.5 + b) ** 2) * dy
        return { w: 1.5 * d, b: d }
      }
    })
    expect(Gradcheck.check(affine, { w: 0.2, b: -0.1 }).status).toBe('pass')
    // A vector space of Float64Array, as tensors will have.
    const Vec: VectorSpace.VectorSpace<Float64Array> = VectorSpace.fromCoordinates<Float64Array>({
      zero: (like) => new Float64Array(like.length),
      add: (x, y) => x.map((xi, i) => xi + (y[i] as number)),
      scale: (s, x) => x.map((xi) => s * xi),
      dot: (x, y) => x.reduce((acc, xi, i) => acc + xi * (y[i] as number), 0),
      size: (like) => like.length,
      write: (x, out, offset) => out.set(x, offset),
      read: (like, data, offset) => Float64Array.from({ length: like.length }, (_, i) => data[offset + i] as number)
    })
    const sumSquares = Lens.make<Float64Array, number>({
      forward: (x) => x.reduce((acc, xi) => acc + xi * xi, 0),
      backward: (x, dy) => x.map((xi) => 2 * xi * dy)
    })
    const x = new Float64Array([1, -2, 0.5])
    expect(Gradcheck.check(sumSquares, x, { input: Vec }).status).toBe('pass')
    expect(Gradcheck.jacobian(sumSquares, x, { input: Vec }).analytic).toEqual([[2, -4, 1]])
    expect(() => Gradcheck.check(sumSquares, x)).toThrow(/cannot infer the vector space of the input/)
    expect(x).toEqual(new Float64Array([1, -2, 0.5]))
  })

  it('still reports a failure when the localising Jacobian cannot be computed', () => {
    // Wrong ∂/∂b, and the forward pass is undefined for a < 0: the direction u = (0, 1)
    // stays in the domain, but x − h·e₀ leaves it.
    const lens = Lens.make<Pair, number>({
      forward: ([a, b]) => {
        if (a < 0) throw new RangeError('half.forward: a must be >= 0')
        return a + b
      },
      backward: (_x, dy) => [dy, 2 * dy]
    })
    const u: Pair = [0, 1]
    const report = Gradcheck.check(lens, [0, 1], { u })
    expect(report.status).toBe('fail')
    expect(report.worst).toBeNull()
    expect(() => Gradcheck.jacobian(lens, [0, 1])).toThrow(/the lens threw at x − h·e0 = \[-0\.00001, 1\]: half\.forward/)
  })

  it('has types that reject a mismatched input', () => {
    // @ts-expect-error a pair lens checked at a number
    expect(() => Gradcheck.check(Scalar.mul, 1)).toThrow()
    // @ts-expect-error an arbitrary of numbers for a pair lens
    expect(() => GradientLaws.checkGradient(fd, { lens: fc.constant(Scalar.mul), input: doubles(0, 1) })).toThrow()
    expectTypeOf(Gradcheck.check(Scalar.sin, 1)).toEqualTypeOf<Gradcheck.DotReport>()
    expectTypeOf(Gradcheck.assert(Scalar.sin, 1, { mode: 'jacobian' })).toEqualTypeOf<Gradcheck.JacobianReport>()
  })

  it('does not mutate its input', () => {
    const x: Triple = [0.3, -1.2, 2]
    const copy = [...x]
    Gradcheck.check(f3wrong, x)
    Gradcheck.jacobian(f3wrong, x)
    expect(x).toEqual(copy)
  })
})

describe('Gradcheck.jacobian (full comparison)', () => {
  it('compares the Jacobian of mul on pairs', () => {
    const report = Gradcheck.jacobian(Scalar.mul, [2, -3])
    expect(report).toMatchObject({ mode: 'jacobian', status: 'pass', rows: 1, cols: 2, kinks: 0 })
    expect(report.analytic).toEqual([[-3, 2]])
    expect(report.numeric[0]?.[0]).toBeCloseTo(-3, 9)
    expect(report.numeric[0]?.[1]).toBeCloseTo(2, 9)
    expect(report.maxAbsError).toBeLessThan(1e-8)
  })

  it('compares a hand-written Lens<[number, number, number], [number, number]>', () => {
    const [a, b, c] = [0.3, -1.2, 2]
    const report = Gradcheck.jacobian(f3, [a, b, c])
    expect(report.status).toBe('pass')
    expect(report.analytic).toEqual([
      [b * c, a * c, a * b],
      [Math.cos(a), 0, 2 * c]
    ])
    report.numeric.forEach((row, i) => row.forEach((n, j) => expect(n).toBeCloseTo(report.analytic[i]?.[j] ?? NaN, 8)))
  })

  it('fails a wrong entry and names it as the worst coordinate', () => {
    const report = Gradcheck.jacobian(f3wrong, [0.3, -1.2, 2], { name: 'f3' })
    expect(report.status).toBe('fail')
    expect(report.worst).toMatchObject({ row: 1, col: 2, analytic: 2 })
    expect(report.worst?.numeric).toBeCloseTo(4, 6)
    expect(report.maxAbsError).toBeCloseTo(2, 6)
    expect(report.maxRelError).toBeCloseTo(0.5, 6)
  })

  it('catches every wrong entry of a random Jacobian', () => {
    // A linear map x ↦ Mx whose backward pass has one entry of Mᵀ perturbed.
    const entries = doubles(-2, 2)
    fc.assert(
      fc.property(
        fc.integer({ min: 1, max: 4 }),
        fc.integer({ min: 1, max: 4 }),
        fc.array(entries, { minLength: 16, maxLength: 16 }),
        fc.array(entries, { minLength: 4, maxLength: 4 }),
        fc.nat(),
        fc.constantFrom(1e-3, -0.5, 1),
        (m, n, ms, xs, k, delta) => {
          const M = (i: number, j: number): number => ms[i * 4 + j] as number
          const bad = k % (m * n)
          const [bi, bj] = [Math.floor(bad / n), bad % n]
          const lens = Lens.make<ReadonlyArray<number>, ReadonlyArray<number>>({
            forward: (x) => Array.from({ length: m }, (_, i) => x.reduce((acc, xj, j) => acc + M(i, j) * xj, 0)),
            backward: (_x, dy) =>
              Array.from({ length: n }, (_, j) =>
                dy.reduce((acc, dyi, i) => acc + (M(i, j) + (i === bi && j === bj ? delta : 0)) * dyi, 0)
              )
          })
          const report = Gradcheck.jacobian(lens, xs.slice(0, n))
          expect(report.status).toBe('fail')
          expect(report.worst).toMatchObject({ row: bi, col: bj })
        }
      ),
      { numRuns: 200 }
    )
  })

  it('leaves kink entries out and reports them', () => {
    // (relu(a), a·b): the entry [0, 0] is a kink at a = 0, the others are smooth.
    const reluAndMul = (d10: number): Lens.Lens<Pair, Pair> =>
      Lens.make<Pair, Pair>({
        forward: ([a, b]) => [Math.max(a, 0), a * b],
        backward: ([a, b], [d0, d1]) => [(a > 0 ? d0 : 0) + d10 * b * d1, a * d1]
      })
    const kinky = Gradcheck.jacobian(reluAndMul(1), [0, 2])
    expect(kinky).toMatchObject({ status: 'kink', kinks: 1 })
    expect(Gradcheck.format(kinky)).toContain('1 kink entry left out')
    // A wrong smooth entry still fails next to a kink.
    expect(Gradcheck.jacobian(reluAndMul(2), [0, 2])).toMatchObject({ status: 'fail', kinks: 1, worst: { row: 1, col: 0 } })
    expect(Gradcheck.jacobian(Scalar.relu, 0)).toMatchObject({ status: 'kink', kinks: 1, worst: null })
    expect(Gradcheck.jacobian(reluAndMul(1), [0.5, 2]).status).toBe('pass')
  })

  it('handles a zero-size input', () => {
    const constant = Lens.make<readonly [], Pair>({ forward: () => [1, 2], backward: () => [] })
    const report = Gradcheck.jacobian(constant, [])
    expect(report).toMatchObject({ status: 'pass', rows: 2, cols: 0, worst: null, analytic: [[], []], maxAbsError: 0 })
    expect(Gradcheck.format(report)).toContain('no entries compared')
  })
})

describe('Gradcheck.assert and Gradcheck.format', () => {
  it('assert returns the report on a pass or a kink and throws the formatted report on a failure', () => {
    expect(Gradcheck.assert(Scalar.tanh, 0.3).status).toBe('pass')
    expect(Gradcheck.assert(Scalar.relu, 0).status).toBe('kink')
    expect(Gradcheck.assert(f3, [0.3, -1.2, 2], { mode: 'jacobian' }).mode).toBe('jacobian')
    const report = Gradcheck.check(offByOnePercent, 1, { name: 'sin' })
    expect(() => Gradcheck.assert(offByOnePercent, 1, { name: 'sin' })).toThrow(Gradcheck.format(report))
    expect(() => Gradcheck.assert(f3wrong, [0.3, -1.2, 2], { mode: 'jacobian', name: 'f3' })).toThrow(
      /gradient check failed for f3: analytic 2 vs numeric 4 \(abs err 2\.0e\+0, rel err 5\.0e-1, tolerance 4\.0e-5\) at input \[0\.3, -1\.2, 2\], worst coordinate \[1, 2\]/
    )
  })

  it('formats a failure with both values, the errors, the tolerance, the input and the worst coordinate', () => {
    const text = Gradcheck.format(Gradcheck.check(offByOnePercent, 1, { name: 'sin' }))
    const [first, ...rest] = text.split('\n')
    expect(first).toMatch(
      /^gradient check failed for sin: analytic -?0\.5457\d* vs numeric -?0\.5403\d* \(abs err \d\.\de-3, rel err \d\.\de-3, tolerance \d\.\de-6\) at input \[1\], worst coordinate \[0, 0\]$/
    )
    expect(rest.join('\n')).toContain('dot-product test')
    expect(rest.join('\n')).toContain('directions from seed 1')
    // The worst term uses the test's directions: with seed 1, u·v = −1 here.
    expect(rest.join('\n')).toMatch(/worst coordinate \[0, 0\] \(output 0, input 0\): analytic -0\.5457\d* vs numeric -0\.5403\d*/)
    expect(rest.join('\n')).toContain('h = 1.0e-5')
    expect(rest.join('\n')).toContain('≤ 1.0e-7 + 1.0e-5·max(|analytic|, |numeric|)')
  })

  it('formats a pass and a kink', () => {
    expect(Gradcheck.format(Gradcheck.check(Scalar.sin, 0.5, { name: 'sin' }))).toMatch(
      /^gradient check passed for sin: analytic -?0\.877583 vs numeric -?0\.877583 \(abs err [\d.e+-]+, rel err [\d.e+-]+, tolerance 8\.9e-6\) at input \[0\.5\]\n/
    )
    expect(Gradcheck.format(Gradcheck.check(Scalar.relu, 0, { name: 'relu' }))).toMatch(
      /^gradient check inconclusive for relu: kink at input \[0\] \(one-sided slopes -?[01] and -?[01] disagree\), case discarded/
    )
    expect(Gradcheck.format(Gradcheck.check(Scalar.sin, 1, { u: 1, v: 1 }))).toContain('explicit directions')
    expect(Gradcheck.format(Gradcheck.jacobian(f3, [0.3, -1.2, 2]))).toContain('full Jacobian 2×3 (output × input coordinates)')
  })

  it('shows an error just above its tolerance with the digits that tell them apart', () => {
    const barelyWrong = unary(() => 0, () => 1.02e-7)
    const text = Gradcheck.format(Gradcheck.check(barelyWrong, 0.5, { u: 1, v: 1 }))
    expect(text).toContain('analytic 1.02e-7 vs numeric 0 (abs err 1.02e-7, rel err 1.0e+0, tolerance 1.00e-7)')
  })

  it('shows a long input in full precision, truncated to 8 coordinates', () => {
    const sum = Lens.make<ReadonlyArray<number>, number>({
      forward: (xs) => xs.reduce((a, b) => a + b, 0),
      backward: (xs, dy) => xs.map(() => 1.5 * dy)
    })
    const xs = Array.from({ length: 20 }, (_, i) => i + 0.1)
    const text = Gradcheck.format(Gradcheck.check(sum, xs))
    expect(text).toContain('at input [0.1, 1.1, 2.1, 3.1, 4.1, 5.1, 6.1, 7.1, … (20 coordinates)]')
    expect(text).toContain('20 → 1 coordinates')
  })
})

describe('Gradcheck order (checking the backward pass of the backward pass)', () => {
  // sin with a correct backward pass but a wrong second derivative: its `reverse` lens
  // (x, dy) ↦ cos(x)·dy differentiates cos as +sin.
  const cosWrong = Lens.make<number, number>({ forward: Math.cos, backward: (x, dy) => Math.sin(x) * dy })
  const sinWrongSecond = Lens.make<number, number>({
    name: 'sin',
    forward: Math.sin,
    backward: (x, dy) => Math.cos(x) * dy,
    reverse: Lens.pipe(Lens.first<number, number, number>(cosWrong), Scalar.mul)
  })

  it('finds a wrong second derivative that order 1 cannot see', () => {
    expect(Gradcheck.check(sinWrongSecond, 0.7).status).toBe('pass')
    const report = Gradcheck.check(sinWrongSecond, 0.7, { order: 2, name: 'sin' })
    expect(report.status).toBe('fail')
    expect(report.name).toBe('reverse(sin)')
    expect(report.inputSize).toBe(2)
    expect(Gradcheck.jacobian(sinWrongSecond, 0.7, { order: 2 }).status).toBe('fail')
    expect(() => Gradcheck.assert(sinWrongSecond, 0.7, { order: 2 })).toThrow(/^gradient check failed for reverse\(lens\): /)
  })

  it('passes the library primitives at orders 2 and 3, with inferred and explicit spaces', () => {
    for (const order of [2, 3]) {
      expect(Gradcheck.check(Scalar.sin, 0.7, { order }).status).toBe('pass')
      expect(Gradcheck.check(Lens.pipe(Scalar.mul, Scalar.exp), [0.3, 0.5], { order }).status).toBe('pass')
      expect(Gradcheck.jacobian(Scalar.tanh, 0.4, { order }).status).toBe('pass')
    }
    const R = VectorSpace.number
    expect(Gradcheck.check(Scalar.sin, 0.7, { order: 2, input: R, output: R }).status).toBe('pass')
  })

  it('draws each level cotangent from the seed: the same seed gives the same report', () => {
    const a = Gradcheck.check(Lens.pipe(Scalar.mul, Scalar.sin), [0.3, 0.5], { order: 2, seed: 7 })
    const b = Gradcheck.check(Lens.pipe(Scalar.mul, Scalar.sin), [0.3, 0.5], { order: 2, seed: 7 })
    const c = Gradcheck.check(Lens.pipe(Scalar.mul, Scalar.sin), [0.3, 0.5], { order: 2, seed: 8 })
    expect(a.input).toEqual(b.input)
    expect(a.input.slice(0, 2)).toEqual([0.3, 0.5])
    expect(Math.abs(a.input[2] as number)).toBe(1)
    expect(c.u).not.toEqual(a.u)
  })

  it('rejects a bad order and directions given with it', () => {
    expect(() => Gradcheck.check(Scalar.sin, 1, { order: 0 })).toThrow(new RangeError('Gradcheck.check(lens): option order must be an integer >= 1, got 0'))
    expect(() => Gradcheck.check(Scalar.sin, 1, { order: 1.5, name: 'sin' })).toThrow(
      new RangeError('Gradcheck.check(sin): option order must be an integer >= 1, got 1.5')
    )
    expect(() => Gradcheck.check(Scalar.sin, 1, { order: 2, u: 1 })).toThrow(
      new RangeError(
        'Gradcheck.check(lens): options u and v are directions of the lens itself; with order 2 the lens checked is Lens.reverse applied 1 time, whose directions are drawn from the seed'
      )
    )
  })
})
