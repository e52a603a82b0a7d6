/**
 * Checks of an op's backward pass written as a lens (its reverse derivative `R[op]`,
 * `Lens.reverse(op)`), shared by the suites of test/ops/:
 * - {@link checkReverseValues}: `evaluate(reverse(op), [x, dy])` is the first-order
 *   `backPropagateConst(op, dy, x)` exactly, and the op's backward pass written as a lens (its
 *   plan's `rev()`, what higher derivatives differentiate) agrees with it up to re-association, `|p − q| ≤ 1e-12·(1 + |p| + |q|)` per coordinate
 *   (`|p| + |q|` standing for the sum of the terms, which is at least as large), or exactly
 *   where it runs the same arithmetic;
 * - {@link checkSecondOrder}: `reverse(op)` passes the finite-difference gradient check (the
 *   dot-product form of `Gradcheck.check`), which checks the op's second derivative;
 * - {@link checkJvp}: forward mode (`Lens.jvp`, which runs the pullback of the backward pass
 *   without its input part) is the transpose of the first-order backward pass:
 *   `⟨v, J·u⟩ = ⟨Jᵀ·v, u⟩` up to re-association;
 * - {@link checkThirdOrder}: `reverse(reverse(op))` passes it too (the backward lens's own
 *   backward lens, third order);
 * - {@link checkZeroSecondDerivative}: for piecewise-linear ops, the cotangent that the
 *   backward pass of `reverse(op)` gives the input `x` is exactly zero (inputs drawn away from
 *   kinks by the caller).
 *
 * Each takes cases `[op, x]` (ops that depend on options are drawn with their inputs) and
 * draws the cotangents `dy` (and `w`) with the output's structure.
 */
import fc from 'fast-check'
import { expect } from 'vitest'
import { Gradcheck, Lens, VectorSpace } from '../../src/index.js'
import { planOf } from '../../src/internal/plan.js'
import { reassoc } from '../../laws/index.js'
import type { ReadonlyFloat64Array } from '../../src/kernels/index.js'

type AnyLens = Lens.Lens<unknown, unknown>

/** A lens and an input of it. */
export type Case = readonly [AnyLens, unknown]

/** Cases of one fixed lens at inputs drawn from `inputs`. */
export const at = <A, B>(lens: Lens.Lens<A, B>, inputs: fc.Arbitrary<A>): fc.Arbitrary<Case> =>
  inputs.map((x) => [lens as unknown as AnyLens, x] as const)

const COORDINATES = fc.double({ min: -2, max: 2, noNaN: true, noDefaultInfinity: true })

/** A value with the structure of `like`, coordinates from `coordinates`. */
const like = (value: unknown, coordinates: fc.Arbitrary<number>): fc.Arbitrary<unknown> => {
  const V = VectorSpace.infer(value)
  const n = V.size(value)
  return fc.array(coordinates, { minLength: n, maxLength: n }).map((cs) => V.unflatten(value, cs))
}

/** Each case with a cotangent `dy` of its output. */
const withCotangent = (cases: fc.Arbitrary<Case>): fc.Arbitrary<readonly [AnyLens, unknown, unknown]> =>
  cases.chain(([lens, x]) => fc.tuple(fc.constant(lens), fc.constant(x), like(Lens.evaluate(lens, x), COORDINATES)))

/** Each case with a cotangent `dy` of its output and a vector `w` shaped like its input. */
const withCotangents = (cases: fc.Arbitrary<Case>): fc.Arbitrary<readonly [AnyLens, unknown, unknown, unknown]> =>
  withCotangent(cases).chain(([lens, x, dy]) => fc.tuple(fc.constant(lens), fc.constant(x), fc.constant(dy), like(x, COORDINATES)))

const flatten = (value: unknown): Float64Array => VectorSpace.infer(value).flatten(value)

export interface RunOptions {
  readonly name: string
  readonly numRuns?: number
}

export interface ValuesOptions extends RunOptions {
  /** The structural lens runs the same arithmetic as the first-order pass: demand equality (±0 alike). */
  readonly exact?: boolean
}

/**
 * (a) `evaluate(reverse(op), [x, dy])` equals `backPropagateConst(op, dy, x)` exactly (±0
 * alike), and the structural backward lens agrees with it under re-association.
 */
export const checkReverseValues = (cases: fc.Arbitrary<Case>, { name, numRuns = 200, exact = false }: ValuesOptions): void => {
  const { atol, rtol } = exact ? { atol: 0, rtol: 0 } : reassoc
  fc.assert(
    fc.property(withCotangent(cases), ([lens, x, dy]) => {
      const first = flatten(Lens.backPropagateConst(lens, dy, x))
      const fast = flatten(Lens.evaluate(Lens.reverse(lens), [x, dy]))
      const rev = planOf(lens).rev
      expect(rev, `${name}: a backward pass written as a lens`).not.toBeNull()
      const structural = flatten(Lens.evaluate((rev as () => AnyLens)(), [x, dy]))
      expect(fast.length, name).toBe(first.length)
      expect(structural.length, name).toBe(first.length)
      for (let i = 0; i < first.length; i++) {
        const p = first[i] as number
        const q = structural[i] as number
        expect(fast[i] === p, `${name}: evaluate(reverse) ≠ backPropagateConst at coordinate ${i}: ${fast[i]} vs ${p}`).toBe(true)
        expect(Math.abs(p - q) <= atol + rtol * (Math.abs(p) + Math.abs(q)), `${name}: the structural backward lens gives ${q}, the first-order pass ${p}, at coordinate ${i}`).toBe(
          true
        )
      }
    }),
    { numRuns }
  )
}

/** (b) `reverse(op)` passes the finite-difference gradient check at `[x, dy]`; kinks are discarded. */
export const checkSecondOrder = (cases: fc.Arbitrary<Case>, { name, numRuns = 200 }: RunOptions): void => {
  fc.assert(
    fc.property(withCotangent(cases), fc.integer({ min: 0, max: 0x7fffffff }), ([lens, x, dy], seed) => {
      const report = Gradcheck.check(Lens.reverse(lens), [x, dy], { name: `reverse(${name})`, seed })
      fc.pre(report.status !== 'kink')
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }),
    { numRuns }
  )
}

/** `⟨v, jvp(op, x, u)⟩ = ⟨backPropagateConst(op, v, x), u⟩` within `1e-12·(1 + Σ|terms|)`. */
export const checkJvp = (cases: fc.Arbitrary<Case>, { name, numRuns = 200 }: RunOptions): void => {
  fc.assert(
    fc.property(withCotangents(cases), ([lens, x, v, u]) => {
      const [y, tangent] = Lens.jvp(lens, x, u)
      expect(flatten(y), `${name}: jvp's output`).toEqual(flatten(Lens.evaluate(lens, x)))
      const dot = (p: ReadonlyFloat64Array, q: ReadonlyFloat64Array): readonly [number, number] => {
        let sum = 0
        let terms = 0
        for (let i = 0; i < p.length; i++) {
          sum += (p[i] as number) * (q[i] as number)
          terms += Math.abs((p[i] as number) * (q[i] as number))
        }
        return [sum, terms]
      }
      const [forward, t1] = dot(flatten(v), flatten(tangent))
      const [backward, t2] = dot(flatten(Lens.backPropagateConst(lens, v, x)), flatten(u))
      expect(Math.abs(forward - backward) <= reassoc.atol + reassoc.rtol * (t1 + t2), `${name}: ⟨v, J·u⟩ = ${forward} but ⟨Jᵀ·v, u⟩ = ${backward}`).toBe(true)
    }),
    { numRuns }
  )
}

/** `reverse(reverse(op))` passes the finite-difference gradient check at `[[x, dy], w]`; kinks are discarded. */
export const checkThirdOrder = (cases: fc.Arbitrary<Case>, { name, numRuns = 100 }: RunOptions): void => {
  fc.assert(
    fc.property(withCotangents(cases), fc.integer({ min: 0, max: 0x7fffffff }), ([lens, x, dy, w], seed) => {
      const report = Gradcheck.check(Lens.reverse(Lens.reverse(lens)), [[x, dy], w], { name: `reverse(reverse(${name}))`, seed })
      fc.pre(report.status !== 'kink')
      expect(report.status, Gradcheck.format(report)).toBe('pass')
    }),
    { numRuns }
  )
}

/**
 * (c) The second derivative of a piecewise-linear op is zero away from its kinks: the
 * backward pass of `reverse(op)` at `[x, dy]` gives `x` a cotangent that is exactly zero,
 * for every cotangent `w`.
 */
export const checkZeroSecondDerivative = (cases: fc.Arbitrary<Case>, { name, numRuns = 200 }: RunOptions): void => {
  fc.assert(
    fc.property(withCotangents(cases), ([lens, x, dy, w]) => {
      const [dx] = Lens.backPropagateConst(Lens.reverse(lens), w, [x, dy])
      flatten(dx).forEach((c, i) => expect(c === 0, `${name}: the second derivative is ${c} at coordinate ${i}`).toBe(true))
    }),
    { numRuns }
  )
}
