/**
 * The reverse-derivative axioms RD.1–RD.7 (ReverseLaws) on random lens trees: scalar
 * programs, programs on pairs built from the combinators, and the predicates' own failure
 * on a backward pass that is not a reverse derivative.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Lens, Scalar } from '../../src/index.js'
import { ReverseLaws, doubleIn, pairLens, pairOf, reassoc, scalarLens } from '../../laws/index.js'

const x = doubleIn(-2, 2)
const pairs = pairOf(x)
// RD.7 needs a number output: a pair program followed by a product
const pairToNumber = pairLens({ scalar: { raw: false } }).map((f) => Lens.pipe(f, Scalar.mul))

describe('ReverseLaws: the reverse-derivative axioms, 200 cases each', () => {
  it('RD.1–RD.7 on random scalar programs', () => {
    ReverseLaws.checkAll(ReverseLaws.tolerances, { lens: scalarLens({ raw: false }), input: x, cotangent: x }, { numRuns: 200 })
  })

  it('RD.1–RD.7 on random programs on pairs (split, fanout, fst, snd, swap, dup nested)', () => {
    ReverseLaws.checkAll(ReverseLaws.tolerances, { lens: pairLens({ scalar: { raw: false } }), input: pairs, cotangent: pairs, scalar: pairToNumber }, { numRuns: 200 })
  })
})

describe('ReverseLaws fail where they should', () => {
  // A backward pass whose own backward lens is wrong: it claims d/dx of cos(x)·dy is +sin(x)·dy.
  const wrongSecond = Lens.make<number, number>({
    forward: Math.sin,
    backward: (v, dy) => Math.cos(v) * dy,
    reverse: Lens.pipe(Lens.first<number, number, number>(Lens.pipe(Scalar.sin, Scalar.neg, Scalar.neg, Scalar.shift(0), Scalar.cos)), Scalar.mul)
  })
  // A backward lens that is not linear in the cotangent: [x, dy] ↦ cos(x)·dy².
  const squared = Lens.make<number, number>({
    forward: Math.sin,
    backward: (v, dy) => Math.cos(v) * dy,
    reverse: Lens.pipe(Lens.split(Scalar.cos, Scalar.square), Scalar.mul)
  })

  it('RD.6 catches a backward lens that is not linear in its cotangent', () => {
    expect(() => ReverseLaws.checkSecondOrder(ReverseLaws.tolerances, { lens: fc.constant(squared), input: x, cotangent: x }, { numRuns: 100 })).toThrow(
      /ReverseLaws.checkSecondOrder: law RD.6 \(the derivative in the cotangent is R\[f\] itself\) of docs\/laws.md does not hold/
    )
  })

  it('RD.7 catches a wrong second derivative (it is checked against finite differences of the gradient)', () => {
    expect(ReverseLaws.symmetry(reassoc)(wrongSecond, 0.7, 1, 1)).toBe(false)
    expect(ReverseLaws.symmetry(reassoc)(Scalar.sin, 0.7, 1, 1)).toBe(true)
  })
})
