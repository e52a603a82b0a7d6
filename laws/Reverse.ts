/**
 * The reverse-derivative axioms (laws RD.1–RD.7 of `docs/laws.md`; Cockett et al., "Reverse
 * derivative categories", 2019) for `Lens.reverse`, as predicates over a {@link Tolerance} and
 * as fast-check runners. Write `R[f]` for `Lens.reverse(f)` (input `[a, db]`), `⟨f, g⟩` for
 * `fanout`, `π₀`/`π₁` for `fst`/`snd`, and `;` for `pipe`:
 *
 * - RD.1 `R[f + g] = R[f] + R[g]` with `f + g := pipe(fanout(f, g), add)`, and `R[0] = 0`;
 * - RD.2 `R[f](a, b + c) = R[f](a, b) + R[f](a, c)` and `R[f](a, 0) = 0`;
 * - RD.3 `R[id](a, b) = b`, `R[π₀]([a, b], c) = [c, 0]`, `R[π₁]([a, b], c) = [0, c]` (exact);
 * - RD.4 `R[⟨f, g⟩](a, [b, c]) = R[f](a, b) + R[g](a, c)`;
 * - RD.5 `R[f ; g](a, c) = R[f](a, R[g](f(a), c))`;
 * - RD.6 the derivative of `R[f]` in its cotangent argument is `R[f]`: by the second
 *   derivative, `⟨R[f](a, u), w⟩ = ⟨u, d̄b⟩` where `[ā, d̄b] = R[R[f]]([a, b], w)`, and by
 *   finite differences, `(R[f](a, b + h·u) − R[f](a, b − h·u)) / 2h = R[f](a, u)`;
 * - RD.7 symmetric second derivatives of a scalar `ℓ`: `⟨u, H·w⟩ = ⟨w, H·u⟩` with
 *   `H·w = Lens.hvp(ℓ, x, w)`, and `H·w` matches central differences of the gradient.
 *
 * RD.1, 2, 4, 5 and the first half of 6 and 7 hold up to re-association (`reassoc`): each
 * side adds the same terms in another order; the finite-difference halves with `fd`.
 * Values are any type with an inferable `VectorSpace` (numbers, tuples, records, tensors).
 *
 * @module ReverseLaws
 */
import fc from 'fast-check'
import type { Eq } from 'fp-ts/lib/Eq.js'
import * as Lens from '../src/Lens.js'
import * as VectorSpace from '../src/VectorSpace.js'
import { linear, sumOf, zeroOf } from '../src/internal/structure.js'
import { exact, fd, reassoc, type Tolerance } from './Eq.js'
import { holds, lawsOf, runLaw, type RunOptions, type Verdict } from './internal/run.js'

const R = <A, B>(f: Lens.Lens<A, B>, a: A, db: B): A => Lens.evaluate(Lens.reverse(f), [a, db])

/** `[x, y] ↦ x + y` and `a ↦ 0`, for any value with an inferable vector space (and with reverses). */
const addLens = <A>(): Lens.Lens<readonly [A, A], A> =>
  linear<readonly [A, A], A>(
    'add',
    ([x, y]) => sumOf(x, y) as A,
    (_x, w) => [w, w]
  )
const zeroLens = <A>(): Lens.Lens<A, A> =>
  linear<A, A>(
    'zero',
    (a) => zeroOf(a) as A,
    (a) => zeroOf(a) as A
  )

/** Coordinates of `xs` and `ys` agree within `atol + rtol·(|x| + |y| + Σ|terms|)`; the verdict names the first that does not. */
const agree = (tolerance: Tolerance, what: string, x: unknown, y: unknown, terms = 0): Verdict => {
  const X = VectorSpace.infer(x)
  const xs = X.flatten(x)
  const ys = X.flatten(y)
  if (xs.length !== ys.length) return { account: `${what}: the two sides have ${xs.length} and ${ys.length} coordinates` }
  for (let i = 0; i < xs.length; i++) {
    const l = xs[i] as number
    const r = ys[i] as number
    const bound = tolerance.atol + tolerance.rtol * (Math.abs(l) + Math.abs(r) + terms)
    if (!(Math.abs(l - r) <= bound)) return { account: `${what}: ${l} vs ${r} at coordinate ${i}`, ratio: Math.abs(l - r) / bound }
  }
  return null
}

const ok = (verdict: Verdict): boolean => verdict === null

// -------------------------------------------------------------------------------------
// predicates
// -------------------------------------------------------------------------------------

/**
 * RD.1: `R[f + g](a, b) = R[f](a, b) + R[g](a, b)` with `f + g := pipe(fanout(f, g), add)`,
 * and `R[0](a, b) = 0`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ReverseLaws, reassoc } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.additivity(reassoc)(Scalar.sin, Scalar.square, 0.5, 2)) // true
 *
 * @category predicates
 */
export const additivity =
  (tolerance: Tolerance) =>
  <A>(f: Lens.Lens<A, A>, g: Lens.Lens<A, A>, a: A, b: A): boolean =>
    ok(additivityCase(tolerance, f, g, a, b))

const additivityCase = <A>(tolerance: Tolerance, f: Lens.Lens<A, A>, g: Lens.Lens<A, A>, a: A, b: A): Verdict => {
  const sum = Lens.pipe(Lens.fanout(f, g), addLens<A>())
  const l = R(sum, a, b)
  const r = sumOf(R(f, a, b), R(g, a, b))
  return agree(tolerance, 'R[f + g](a, b) ≠ R[f](a, b) + R[g](a, b)', l, r) ?? agree(exactTolerance, 'R[0](a, b) ≠ 0', R(zeroLens<A>(), a, b), zeroOf(a))
}

const exactTolerance: Tolerance = { atol: 0, rtol: 0 }

/**
 * RD.2: `R[f](a, b + c) = R[f](a, b) + R[f](a, c)` and `R[f](a, 0) = 0`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ReverseLaws, reassoc } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.cotangentAdditivity(reassoc)(Scalar.tanh, 0.3, 1, -2)) // true
 *
 * @category predicates
 */
export const cotangentAdditivity =
  (tolerance: Tolerance) =>
  <A, B>(f: Lens.Lens<A, B>, a: A, b: B, c: B): boolean =>
    ok(cotangentAdditivityCase(tolerance, f, a, b, c))

const cotangentAdditivityCase = <A, B>(tolerance: Tolerance, f: Lens.Lens<A, B>, a: A, b: B, c: B): Verdict =>
  agree(tolerance, 'R[f](a, b + c) ≠ R[f](a, b) + R[f](a, c)', R(f, a, sumOf(b, c) as B), sumOf(R(f, a, b), R(f, a, c))) ??
  agree(tolerance, 'R[f](a, 0) ≠ 0', R(f, a, zeroOf(b) as B), zeroOf(a))

/**
 * RD.3: `R[id](a, b) = b`, `R[fst]([a, b], c) = [c, 0]` and `R[snd]([a, b], c) = [0, c]`,
 * exactly (compared with `eq`).
 *
 * @example
 * import { ReverseLaws, exact } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.structure(exact)(1, 2, 3)) // true
 *
 * @category predicates
 */
export const structure =
  (E: Eq<unknown>) =>
  <A>(a: A, b: A, c: A): boolean =>
    E.equals(R(Lens.id<A>(), a, b), b) &&
    E.equals(R(Lens.fst<A, A>(), [a, b], c), [c, zeroOf(b)]) &&
    E.equals(R(Lens.snd<A, A>(), [a, b], c), [zeroOf(a), c])

/**
 * RD.4: `R[fanout(f, g)](a, [b, c]) = R[f](a, b) + R[g](a, c)`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ReverseLaws, reassoc } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.pairing(reassoc)(Scalar.sin, Scalar.exp, 0.5, 1, 2)) // true
 *
 * @category predicates
 */
export const pairing =
  (tolerance: Tolerance) =>
  <A>(f: Lens.Lens<A, A>, g: Lens.Lens<A, A>, a: A, b: A, c: A): boolean =>
    ok(pairingCase(tolerance, f, g, a, b, c))

const pairingCase = <A>(tolerance: Tolerance, f: Lens.Lens<A, A>, g: Lens.Lens<A, A>, a: A, b: A, c: A): Verdict =>
  agree(tolerance, 'R[⟨f, g⟩](a, [b, c]) ≠ R[f](a, b) + R[g](a, c)', R(Lens.fanout(f, g), a, [b, c] as const), sumOf(R(f, a, b), R(g, a, c)))

/**
 * RD.5, the chain rule as a lens equation: `R[pipe(f, g)](a, c) = R[f](a, R[g](f(a), c))`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ReverseLaws, reassoc } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.chainRule(reassoc)(Scalar.square, Scalar.sin, 0.7, 1)) // true
 *
 * @category predicates
 */
export const chainRule =
  (tolerance: Tolerance) =>
  <A, B, C>(f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: A, c: C): boolean =>
    ok(chainRuleCase(tolerance, f, g, a, c))

const chainRuleCase = <A, B, C>(tolerance: Tolerance, f: Lens.Lens<A, B>, g: Lens.Lens<B, C>, a: A, c: C): Verdict =>
  agree(tolerance, 'R[f ; g](a, c) ≠ R[f](a, R[g](f(a), c))', R(Lens.pipe(f, g), a, c), R(f, a, R(g, Lens.evaluate(f, a), c)))

/**
 * RD.6: `R[f](a, ·)` is linear, so its derivative in the cotangent argument is itself. By the
 * second derivative (`tolerance`, re-association): `⟨R[f](a, u), w⟩ = ⟨u, d̄b⟩` with
 * `[ā, d̄b] = R[R[f]]([a, b], w)`; and by central differences (`fdTolerance`):
 * `(R[f](a, b + h·u) − R[f](a, b − h·u)) / 2h = R[f](a, u)`.
 *
 * @example
 * import { Scalar } from 'backprop-lens'
 * import { ReverseLaws, fd, reassoc } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.linearInCotangent(reassoc, fd)(Scalar.sigmoid, 0.4, 1.5, 0.5, -2)) // true
 *
 * @category predicates
 */
export const linearInCotangent =
  (tolerance: Tolerance, fdTolerance: Tolerance = fd) =>
  <A, B>(f: Lens.Lens<A, B>, a: A, b: B, u: B, w: A): boolean =>
    ok(linearInCotangentCase(tolerance, fdTolerance, f, a, b, u, w))

const linearInCotangentCase = <A, B>(tolerance: Tolerance, fdTolerance: Tolerance, f: Lens.Lens<A, B>, a: A, b: B, u: B, w: A): Verdict => {
  const X = VectorSpace.infer(a)
  const Y = VectorSpace.infer(b)
  const ru = R(f, a, u)
  const [, dbar] = Lens.backPropagateConst(Lens.reverse(f), w, [a, b])
  const lhs = X.dot(ru, w)
  const rhs = Y.dot(u, dbar)
  const second = agree(tolerance, '⟨R[f](a, u), w⟩ ≠ ⟨u, d̄b of R[R[f]]([a, b], w)⟩', lhs, rhs, Math.abs(lhs) + Math.abs(rhs))
  if (second !== null) return second
  const h = 1e-5 * Math.max(1, ...Array.from(Y.flatten(b), Math.abs))
  const plus = R(f, a, Y.add(b, Y.scale(h, u)))
  const minus = R(f, a, Y.add(b, Y.scale(-h, u)))
  const central = X.scale(1 / (2 * h), X.add(plus, X.scale(-1, minus)))
  return agree(fdTolerance, '(R[f](a, b + h·u) − R[f](a, b − h·u)) / 2h ≠ R[f](a, u)', central, ru)
}

/**
 * RD.7, symmetric second derivatives of a lens with a number output: `⟨u, H·w⟩ = ⟨w, H·u⟩`
 * with `H·w = Lens.hvp(ℓ, x, w)` (`tolerance`), and `H·w` matches the central difference of
 * the gradient along `w` (`fdTolerance`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 * import { ReverseLaws, fd, reassoc } from 'backprop-lens/laws'
 *
 * const f = Lens.pipe(Lens.split(Scalar.sin, Scalar.exp), Scalar.mul)
 * console.log(ReverseLaws.symmetry(reassoc, fd)(f, [0.3, -0.2], [1, 0], [0.5, 0.5])) // true
 *
 * @category predicates
 */
export const symmetry =
  (tolerance: Tolerance, fdTolerance: Tolerance = fd) =>
  <A>(f: Lens.Lens<A, number>, x: A, u: A, w: A): boolean =>
    ok(symmetryCase(tolerance, fdTolerance, f, x, u, w))

const symmetryCase = <A>(tolerance: Tolerance, fdTolerance: Tolerance, f: Lens.Lens<A, number>, x: A, u: A, w: A): Verdict => {
  const X = VectorSpace.infer(x)
  const hw = Lens.hvp(f, x, w)
  const hu = Lens.hvp(f, x, u)
  const l = X.dot(u, hw)
  const r = X.dot(w, hu)
  const sym = agree(tolerance, '⟨u, H·w⟩ ≠ ⟨w, H·u⟩', l, r, Math.abs(l) + Math.abs(r))
  if (sym !== null) return sym
  const h = 1e-5 * Math.max(1, ...Array.from(X.flatten(x), Math.abs))
  const g = (p: A): A => Lens.backPropagateConst(f, 1, p)
  const central = X.scale(1 / (2 * h), X.add(g(X.add(x, X.scale(h, w))), X.scale(-1, g(X.add(x, X.scale(-h, w))))))
  return agree(fdTolerance, 'H·w ≠ the central difference of the gradient along w', hw, central)
}

// -------------------------------------------------------------------------------------
// runners
// -------------------------------------------------------------------------------------

/**
 * What the runners draw: endo-lenses `f`, `g` whose primitives have backward passes as
 * lenses (the library's own: `Scalar`, `ops`, the combinators), inputs and cotangents, and
 * for RD.7 lenses with a number output (default: `lens` itself, for number inputs).
 *
 * @example
 * import { ReverseLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * const arbitraries: ReverseLaws.Arbitraries<number> = { lens: scalarLens({ raw: false }), input: doubleIn(-2, 2), cotangent: doubleIn(-2, 2) }
 * console.log(typeof arbitraries.lens) // object
 *
 * @category runners
 */
export interface Arbitraries<A> {
  readonly lens: fc.Arbitrary<Lens.Lens<A, A>>
  readonly input: fc.Arbitrary<A>
  readonly cotangent: fc.Arbitrary<A>
  /** Lenses with a number output, for RD.7 (default: `lens`, when `A` is `number`). */
  readonly scalar?: fc.Arbitrary<Lens.Lens<A, number>>
}

/**
 * The tolerances of the runners: `reassoc` for the laws that only reorder sums, `fd` for
 * the finite-difference halves of RD.6 and RD.7, and `exact` equality for RD.3.
 *
 * @example
 * import { ReverseLaws } from 'backprop-lens/laws'
 *
 * console.log(ReverseLaws.tolerances.reassoc.rtol) // 1e-12
 *
 * @category runners
 */
export const tolerances = { reassoc, fd, exact } as const

/**
 * The tolerances {@link checkAll} takes (see {@link tolerances}).
 *
 * @category runners
 */
export interface Tolerances {
  readonly reassoc: Tolerance
  readonly fd: Tolerance
  readonly exact: Eq<unknown>
}

const law = lawsOf('ReverseLaws')

/**
 * Checks RD.1–RD.5 on lenses drawn from `arbitraries` (with `reassoc`, exact for RD.3).
 *
 * @example
 * import { ReverseLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * ReverseLaws.checkFirstOrder(ReverseLaws.tolerances, { lens: scalarLens({ raw: false }), input: doubleIn(-2, 2), cotangent: doubleIn(-2, 2) }, { numRuns: 20 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkFirstOrder = <A>(tol: Tolerances, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(law('checkFirstOrder', 'RD.1', 'additivity'), [lens, lens, input, cotangent], (f, g, a, b) => additivityCase(tol.reassoc, f, g, a, b), options)
  runLaw(law('checkFirstOrder', 'RD.2', 'linearity in the cotangent'), [lens, input, cotangent, cotangent], (f, a, b, c) => cotangentAdditivityCase(tol.reassoc, f, a, b, c), options)
  runLaw(law('checkFirstOrder', 'RD.3', 'identity and projections'), [input, input, cotangent], (a, b, c) => holds(structure(tol.exact)(a, b, c)), options)
  runLaw(law('checkFirstOrder', 'RD.4', 'pairing'), [lens, lens, input, cotangent, cotangent], (f, g, a, b, c) => pairingCase(tol.reassoc, f, g, a, b, c), options)
  runLaw(law('checkFirstOrder', 'RD.5', 'the chain rule'), [lens, lens, input, cotangent], (f, g, a, c) => chainRuleCase(tol.reassoc, f, g, a, c), options)
}

/**
 * Checks RD.6 and RD.7: the second-order laws, on lenses drawn from `arbitraries`.
 *
 * @example
 * import { ReverseLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * ReverseLaws.checkSecondOrder(ReverseLaws.tolerances, { lens: scalarLens({ raw: false }), input: doubleIn(-2, 2), cotangent: doubleIn(-2, 2) }, { numRuns: 20 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkSecondOrder = <A>(tol: Tolerances, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  const { lens, input, cotangent } = arbitraries
  runLaw(
    law('checkSecondOrder', 'RD.6', 'the derivative in the cotangent is R[f] itself'),
    [lens, input, cotangent, cotangent, input],
    (f, a, b, u, w) => linearInCotangentCase(tol.reassoc, tol.fd, f, a, b, u, w),
    options
  )
  const scalar = arbitraries.scalar ?? (lens as unknown as fc.Arbitrary<Lens.Lens<A, number>>)
  runLaw(
    law('checkSecondOrder', 'RD.7', 'symmetric second derivatives'),
    [scalar, input, input, input],
    (f, x, u, w) => symmetryCase(tol.reassoc, tol.fd, f, x, u, w),
    options
  )
}

/**
 * Every axiom: {@link checkFirstOrder} (RD.1–RD.5) and {@link checkSecondOrder} (RD.6–RD.7).
 *
 * @example
 * import { ReverseLaws, doubleIn, scalarLens } from 'backprop-lens/laws'
 *
 * ReverseLaws.checkAll(ReverseLaws.tolerances, { lens: scalarLens({ raw: false }), input: doubleIn(-2, 2), cotangent: doubleIn(-2, 2) }, { numRuns: 10 })
 * console.log('ok') // ok
 *
 * @category runners
 */
export const checkAll = <A>(tol: Tolerances, arbitraries: Arbitraries<A>, options: RunOptions = {}): void => {
  checkFirstOrder(tol, arbitraries, options)
  checkSecondOrder(tol, arbitraries, options)
}
