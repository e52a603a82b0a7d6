/**
 * The seed's example (../shared/seed/backprop_combinators.py), and the order of `pipe`.
 *
 * The seed's `pipe(first, second)` is `next => second(first(next))`, so `second` runs first;
 * its example `pipe(Square, pipe(Exp, Square))` hides this because it is symmetric. This
 * library's `pipe` runs its first lens first; the non-commuting example shows it.
 */
import { describe, it, expect } from 'vitest'
import { Cont, Lens, Scalar } from '../src/index.js'

// exp(0.25)² in float64. (e^0.5 itself is 1.6487212707001282, one ulp above: the seed's
// program squares exp(0.25), so its answer is this one, in Python as in JavaScript.)
const SEED_VALUE = 1.648721270700128
// 2·0.5 · exp(0.25) · 2·exp(0.25)
const SEED_GRADIENT = 3.297442541400256

describe("the seed's example: pipe(square, exp, square) at 0.5", () => {
  const F = Lens.pipe(Scalar.square, Scalar.exp, Scalar.square)

  it('value and gradient, exactly', () => {
    expect(Lens.evaluate(F, 0.5) === SEED_VALUE).toBe(true)
    expect(Lens.backPropagateConst(F, 1, 0.5) === SEED_GRADIENT).toBe(true)
    expect(Lens.valueAndGrad(F, 0.5)).toEqual([SEED_VALUE, SEED_GRADIENT])
    const [y, pullback] = Lens.vjp(F, 0.5)
    expect(y).toBe(SEED_VALUE)
    expect(pullback(1)).toBe(SEED_GRADIENT)
  })

  it('the literals are what the arithmetic gives', () => {
    const e = Math.exp(0.25)
    expect(SEED_VALUE).toBe(e * e)
    expect(SEED_GRADIENT).toBe(2 * 0.5 * (e * (2 * e * 1)))
    expect(SEED_VALUE).not.toBe(Math.exp(0.5))
  })

  it('nested either way, as the seed nests it', () => {
    for (const G of [
      Lens.pipe(Scalar.square, Lens.pipe(Scalar.exp, Scalar.square)),
      Lens.pipe(Lens.pipe(Scalar.square, Scalar.exp), Scalar.square),
      Lens.compose(Scalar.square, Lens.compose(Scalar.exp, Scalar.square))
    ]) {
      expect(Lens.evaluate(G, 0.5)).toBe(SEED_VALUE)
      expect(Lens.backPropagateConst(G, 1, 0.5)).toBe(SEED_GRADIENT)
    }
  })

  it("backPropagate with a loss: ½(y − t)² has cotangent y − t", () => {
    const t = 1
    const seen: Array<number> = []
    const g = Lens.backPropagate(
      F,
      (y) => {
        seen.push(y)
        return y - t
      },
      0.5
    )
    expect(seen).toEqual([SEED_VALUE])
    const e = Math.exp(0.25)
    expect(g).toBe(2 * 0.5 * (e * (2 * e * (SEED_VALUE - t))))
    expect(g).toBe(2.1391211155178333)
    expect(Lens.backPropagate(F, () => 1, 0.5)).toBe(SEED_GRADIENT)
  })

  it("the seed's own combinators, written as raw CPS lenses, agree", () => {
    // class Function: f1(x) = f2(callback) = next(forward(x))(dy => callback(backward(x, dy)))
    const seedFunction = (forward: (x: number) => number, backward: (x: number, dy: number) => number): Lens.Lens<number, number> =>
      <R>(next: Lens.Flow<number, R>) =>
      (x: number) =>
        Cont.make<R, number>((callback) => Cont.run(next(forward(x)), (dy) => callback(backward(x, dy))))
    const Square = (): Lens.Lens<number, number> => seedFunction((x) => x ** 2, (x, dy) => 2 * (x * dy))
    const Exp = (): Lens.Lens<number, number> => seedFunction(Math.exp, (x, dy) => Math.exp(x) * dy)
    // The seed's pipe: second runs first.
    const seedPipe =
      (first: Lens.Lens<number, number>, second: Lens.Lens<number, number>): Lens.Lens<number, number> =>
      (next) =>
        second(first(next))
    const F = seedPipe(Square(), seedPipe(Exp(), Square()))
    // evaluate: lens(y => _ => y)(input)(_ => None)
    const seedEvaluate = Cont.run(
      F<number>((y) => Cont.make<number, number>(() => y))(0.5),
      () => Number.NaN
    )
    // back_propagate_const: lens(y => callback => callback(1))(input)(id)
    const seedGradient = Cont.run(
      F<number>(() => Cont.of(1))(0.5),
      (dx) => dx
    )
    expect(seedEvaluate).toBe(SEED_VALUE)
    expect(seedGradient).toBe(SEED_GRADIENT)
    expect(Lens.evaluate(F, 0.5)).toBe(SEED_VALUE)
    expect(Lens.backPropagateConst(F, 1, 0.5)).toBe(SEED_GRADIENT)
    // The seed's pipe is this library's compose.
    const sinOfSquare = seedPipe(Scalar.sin, Scalar.square)
    expect(Lens.evaluate(sinOfSquare, 1)).toBe(Lens.evaluate(Lens.compose(Scalar.sin, Scalar.square), 1))
  })
})

describe('order: operations that do not commute', () => {
  it('pipe(square, sin) at 1 is sin(1²) = sin(1), not sin(1)²', () => {
    const f = Lens.pipe(Scalar.square, Scalar.sin)
    expect(Lens.evaluate(f, 1)).toBe(0.8414709848078965)
    expect(Lens.evaluate(f, 1)).not.toBe(0.7080734182735712)
    expect(0.8414709848078965).toBe(Math.sin(1))
    // d/dx sin(x²) = 2x·cos(x²) = 2·cos(1) at 1
    expect(Lens.backPropagateConst(f, 1, 1)).toBe(1.0806046117362795)
    expect(1.0806046117362795).toBe(Math.cos(1) * (2 * 1 * 1))
  })

  it('pipe(sin, square) at 1 is sin(1)²', () => {
    const f = Lens.pipe(Scalar.sin, Scalar.square)
    expect(Lens.evaluate(f, 1)).toBe(0.7080734182735712)
    expect(0.7080734182735712).toBe(Math.sin(1) * Math.sin(1))
    // d/dx sin(x)² = 2·sin(x)·cos(x) (= sin 2x up to rounding)
    expect(Lens.backPropagateConst(f, 1, 1)).toBe(0.9092974268256818)
    expect(0.9092974268256818).toBe(Math.cos(1) * (2 * Math.sin(1) * 1))
  })

  it('compose reads the other way round', () => {
    expect(Lens.evaluate(Lens.compose(Scalar.sin, Scalar.square), 1)).toBe(0.8414709848078965)
    expect(Lens.evaluate(Lens.compose(Scalar.square, Scalar.sin), 1)).toBe(0.7080734182735712)
  })
})
