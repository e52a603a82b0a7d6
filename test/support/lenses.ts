/**
 * Lenses the tests of `Gradcheck` and of the law kit share: a way to write a unary lens from
 * its derivative, and lenses with known mistakes in their backward passes (the checks must
 * catch them) next to their correct versions.
 */
import * as Lens from '../../src/Lens.js'

type Pair = readonly [number, number]
type Triple = readonly [number, number, number]

/** A unary lens with the forward pass `f` and the backward pass `df(x)·dy`. */
export const unary = (f: (x: number) => number, df: (x: number) => number): Lens.Lens<number, number> =>
  Lens.make({ forward: f, backward: (x, dy) => df(x) * dy })

/** sin with a backward pass 1% too large. */
export const offByOnePercent = unary(Math.sin, (x) => 1.01 * Math.cos(x))

/** sin differentiated with sin. */
export const sinWithSin = unary(Math.sin, Math.sin)

/** abs, with derivative 0 at its kink. */
export const abs = unary(Math.abs, (x) => (x > 0 ? 1 : x < 0 ? -1 : 0))

/** f(a, b, c) = (a·b·c, sin(a) + c²), correct. */
export const f3: Lens.Lens<Triple, Pair> = Lens.make<Triple, Pair>({
  forward: ([a, b, c]) => [a * b * c, Math.sin(a) + c * c],
  backward: ([a, b, c], [d0, d1]) => [b * c * d0 + Math.cos(a) * d1, a * c * d0, a * b * d0 + 2 * c * d1]
})

/** The same with a mistake in ∂f₁/∂c (output 1, input 2): `c` instead of `2c`. */
export const f3wrong: Lens.Lens<Triple, Pair> = Lens.make<Triple, Pair>({
  forward: ([a, b, c]) => [a * b * c, Math.sin(a) + c * c],
  backward: ([a, b, c], [d0, d1]) => [b * c * d0 + Math.cos(a) * d1, a * c * d0, a * b * d0 + c * d1]
})
