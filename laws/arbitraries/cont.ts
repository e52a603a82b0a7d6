/**
 * Arbitraries of `Cont` computations for the laws of `ContLaws`: every kind a computation can
 * be (pure, aborting, multi-shot, escaping, deferred), each printed as its description in
 * fast-check's failure reports.
 *
 * @module arbitraries/cont
 */
import fc from 'fast-check'
import * as Cont from '../../src/Cont.js'
import { label } from '../internal/names.js'

/** Names a computation the caller has just built, for fast-check's failure report. */
const named = <R, A>(fa: Cont.Cont<R, A>, name: string): Cont.Cont<R, A> => label(fa, name)

/**
 * Computations of every kind, yielding values drawn from `value` with answers of type `R`:
 * pure (`of(a)`, `make(k => k(a))`, `defer(() => of(a))`), aborting (`make(() => r)`),
 * multi-shot (`make(k => combine(k(a1), k(a2)))`) and escaping
 * (`callCC(exit => flatMap(exit(a), () => of(a2)))`, which yields `a`). Each prints as its
 * description in failure reports.
 *
 * @example
 * import fc from 'fast-check'
 * import { Cont } from 'backprop-lens'
 * import { cont } from 'backprop-lens/laws'
 *
 * const arb = cont(fc.integer(), fc.string(), (x, y) => x + y)
 * const answers = fc.sample(arb, { numRuns: 20, seed: 1 }).map((fa) => Cont.run(fa, (n) => `<${n}>`))
 * console.log(answers.every((s) => typeof s === 'string')) // true
 *
 * @category arbitraries
 */
export const cont = <R, A>(
  value: fc.Arbitrary<A>,
  answer: fc.Arbitrary<R>,
  combine: (x: R, y: R) => R
): fc.Arbitrary<Cont.Cont<R, A>> => {
  const show = (u: unknown): string => fc.stringify(u)
  return fc.oneof(
    value.map((a) => named(Cont.of<R, A>(a), `of(${show(a)})`)),
    value.map((a) => named(Cont.make<R, A>((k) => k(a)), `make(k => k(${show(a)}))`)),
    value.map((a) => named(Cont.defer(() => Cont.of<R, A>(a)), `defer(() => of(${show(a)}))`)),
    answer.map((r) => named(Cont.make<R, A>(() => r), `make(() => ${show(r)})`)),
    fc
      .tuple(value, value)
      .map(([a1, a2]) =>
        named(Cont.make<R, A>((k) => combine(k(a1), k(a2))), `make(k => combine(k(${show(a1)}), k(${show(a2)})))`)
      ),
    fc
      .tuple(value, value)
      .map(([a1, a2]) =>
        named(
          Cont.callCC<R, A, A>((exit) => Cont.flatMap(exit(a1), () => Cont.of<R, A>(a2))),
          `callCC(exit => flatMap(exit(${show(a1)}), () => of(${show(a2)})))`
        )
      )
  )
}
