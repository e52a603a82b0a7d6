/**
 * Type tests: checked by `tsc --noEmit` (part of `npm test`). Every `@ts-expect-error` line
 * must fail to compile, or the type check fails. The `it` blocks also run, so the
 * expressions are real.
 */
import { describe, it, expect, expectTypeOf } from 'vitest'
import type { Category2 } from 'fp-ts/lib/Category.js'
import type { ChainRec2 } from 'fp-ts/lib/ChainRec.js'
import type { Kind2 } from 'fp-ts/lib/HKT'
import type { Monad2 } from 'fp-ts/lib/Monad.js'
import type { Semigroupoid2 } from 'fp-ts/lib/Semigroupoid.js'
import { Cont, Lens, Scalar } from '../src/index.js'

type Pair = readonly [number, number]

describe('Lens types', () => {
  it('pipe infers the composite from its ends', () => {
    expectTypeOf(Lens.pipe(Scalar.square, Scalar.sin)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Scalar.add, Scalar.sin)).toEqualTypeOf<Lens.Lens<Pair, number>>()
    const toPair = Lens.make<number, Pair>({ forward: (x) => [x, x], backward: (_x, [da, db]) => da + db })
    expectTypeOf(Lens.pipe(Scalar.sin, toPair, Scalar.mul, Scalar.exp)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(toPair, Scalar.mul)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Scalar.sin, toPair)).toEqualTypeOf<Lens.Lens<number, Pair>>()
    // Typed overloads reach eleven lenses of different types.
    const s = Scalar.sin
    expectTypeOf(Lens.pipe(toPair, Scalar.add, s, s, s, s, s, s, s, s, toPair)).toEqualTypeOf<Lens.Lens<number, Pair>>()
    expectTypeOf(Lens.pipeAll([s, s, s])).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.compose(Scalar.sin, Scalar.add)).toEqualTypeOf<Lens.Lens<Pair, number>>()
    expectTypeOf(Lens.id<string>()).toEqualTypeOf<Lens.Lens<string, string>>()
    expect(Lens.evaluate(Lens.pipe(toPair, Scalar.mul), 3)).toBe(9)
  })

  it('make infers Lens<A, B> from the pair', () => {
    const len = Lens.make({ forward: (s: string) => s.length, backward: (s: string, dn: number) => s.repeat(dn) })
    expectTypeOf(len).toEqualTypeOf<Lens.Lens<string, number>>()
    const cube = Lens.make({ forward: (x: number) => x ** 3, backward: (x: number, dy: number) => 3 * x * x * dy })
    expectTypeOf(cube).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.toPair(len)).toEqualTypeOf<Lens.Pair<string, number>>()
    expectTypeOf(Lens.fromVjp((x: number) => [String(x), (_ds: string) => 0] as const)).toEqualTypeOf<
      Lens.Lens<number, string>
    >()
    expect(Lens.evaluate(len, 'abc')).toBe(3)
  })

  it('runners have precise types', () => {
    expectTypeOf(Lens.evaluate(Scalar.add, [1, 2])).toEqualTypeOf<number>()
    expectTypeOf(Lens.backPropagate(Scalar.add, (y) => y, [1, 2])).toEqualTypeOf<Pair>()
    expectTypeOf(Lens.backPropagateConst(Scalar.add, 1, [1, 2])).toEqualTypeOf<Pair>()
    expectTypeOf(Lens.valueAndGrad(Scalar.add, [1, 2])).toEqualTypeOf<readonly [number, Pair]>()
    expectTypeOf(Lens.vjp(Scalar.add, [1, 2])).toEqualTypeOf<readonly [number, (db: number) => Pair]>()
    expect(Lens.valueAndGrad(Scalar.add, [1, 2])).toEqual([3, [1, 1]])
  })

  it('a raw CPS function is a lens', () => {
    const double: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(2 * x), (dy: number) => 2 * dy)
    expectTypeOf(Lens.pipe(double, Scalar.sin)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(double<string>).parameter(0).toEqualTypeOf<Lens.Flow<number, string>>()
    expect(Lens.evaluate(double, 2)).toBe(4)
  })

  it('mismatched lenses do not compile', () => {
    // @ts-expect-error the output of add (number) is not the input of add (a pair)
    Lens.pipe(Scalar.add, Scalar.add)
    // @ts-expect-error the same mismatch in the middle of a longer pipe
    Lens.pipe(Scalar.sin, Scalar.add, Scalar.sin)
    // @ts-expect-error compose(bc, ab): ab = add outputs a number, bc = mul needs a pair
    Lens.compose(Scalar.mul, Scalar.add)
    // @ts-expect-error pipeAll is for lenses from a type to itself
    Lens.pipeAll([Scalar.sin, Scalar.add])
    // @ts-expect-error Category.compose checks its types too
    Lens.Category.compose(Scalar.add, Scalar.sin)
    const toPair = Lens.make<number, Pair>({ forward: (x) => [x, x], backward: (_x, [da, db]) => da + db })
    // @ts-expect-error a pipe ending in a pair is not a Lens to number
    const wrong: Lens.Lens<number, number> = Lens.pipe(Scalar.sin, toPair)
    expect(typeof wrong).toBe('function')
  })

  it('running with the wrong input, cotangent or loss does not compile', () => {
    // @ts-expect-error square takes a number
    expect(() => Lens.evaluate(Scalar.square, 'x')).toBeDefined()
    // @ts-expect-error add takes a pair
    expect(() => Lens.evaluate(Scalar.add, 1)).toBeDefined()
    // @ts-expect-error the cotangent of add's output is a number, not a pair
    expect(() => Lens.backPropagateConst(Scalar.add, [1, 1], [1, 2])).toBeDefined()
    // @ts-expect-error the loss maps the output to its cotangent (a number), not to a string
    expect(() => Lens.backPropagate(Scalar.sin, (y) => `${y}`, 1)).toBeDefined()
    const toPair = Lens.make<number, Pair>({ forward: (x) => [x, x], backward: (_x, [da, db]) => da + db })
    // @ts-expect-error a non-numeric output needs an explicit cotangent
    expect(() => Lens.valueAndGrad(toPair, 1)).toBeDefined()
    // @ts-expect-error make needs both functions
    expect(() => Lens.make({ forward: (x: number) => x })).toThrow(TypeError)
  })

  it('instances have fp-ts types', () => {
    expectTypeOf(Lens.Category).toEqualTypeOf<Category2<'backprop-lens/Lens'>>()
    expectTypeOf(Lens.Semigroupoid).toEqualTypeOf<Semigroupoid2<'backprop-lens/Lens'>>()
    expectTypeOf<Kind2<Lens.URI, number, string>>().toEqualTypeOf<Lens.Lens<number, string>>()
    expectTypeOf(Lens.Category.compose(Scalar.sin, Scalar.add)).toEqualTypeOf<Lens.Lens<Pair, number>>()
    expectTypeOf(Lens.Category.id<number>()).toEqualTypeOf<Lens.Lens<number, number>>()
  })
})

describe('Cont types', () => {
  it('constructors and combinators', () => {
    expectTypeOf(Cont.of<string, number>(1)).toEqualTypeOf<Cont.Cont<string, number>>()
    expectTypeOf(Cont.make((k: (n: number) => string) => k(1))).toEqualTypeOf<Cont.Cont<string, number>>()
    const m = Cont.of<string, number>(1)
    expectTypeOf(Cont.map(m, (n) => n > 0)).toEqualTypeOf<Cont.Cont<string, boolean>>()
    expectTypeOf(Cont.map((n: number) => n > 0)(m)).toEqualTypeOf<Cont.Cont<string, boolean>>()
    expectTypeOf(Cont.flatMap(m, (n) => Cont.of<string, string>(`${n}`))).toEqualTypeOf<Cont.Cont<string, string>>()
    expectTypeOf(Cont.run(m, (n) => `${n}`)).toEqualTypeOf<string>()
    expect(Cont.run(m, (n) => `${n}`)).toBe('1')
  })

  it('running with the wrong continuation does not compile', () => {
    const m = Cont.of<string, number>(1)
    // @ts-expect-error the continuation receives a number
    expect(() => Cont.run(m, (s: string) => s)).toBeDefined()
    // @ts-expect-error the continuation must answer a string
    expect(() => Cont.run(m, (n: number) => n)).toBeDefined()
    // @ts-expect-error flatMap must stay in the same answer type
    expect(() => Cont.flatMap(m, (n: number) => Cont.of<number, number>(n))).toBeDefined()
    // @ts-expect-error run needs a Cont, not a raw CPS function
    expect(() => Cont.run((k: (n: number) => string) => k(1), (n: number) => `${n}`)).toThrow(TypeError)
  })

  it('instances have fp-ts types', () => {
    expectTypeOf(Cont.Monad).toEqualTypeOf<Monad2<'backprop-lens/Cont'>>()
    expectTypeOf(Cont.ChainRec).toEqualTypeOf<ChainRec2<'backprop-lens/Cont'>>()
    expectTypeOf<Kind2<Cont.URI, string, number>>().toEqualTypeOf<Cont.Cont<string, number>>()
    expectTypeOf(Cont.Monad.chain(Cont.of<string, number>(1), (n) => Cont.of<string, boolean>(n > 0))).toEqualTypeOf<
      Cont.Cont<string, boolean>
    >()
  })
})

describe('generic combinators infer from context where TypeScript allows', () => {
  it('after a lens in a pipe, and where the result is annotated', () => {
    expectTypeOf(Lens.pipe(Lens.fanout(Scalar.sin, Scalar.cos), Lens.snd(), Scalar.exp)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Scalar.sin, Lens.dup(), Scalar.mul)).toEqualTypeOf<Lens.Lens<number, number>>()
    expectTypeOf(Lens.pipe(Scalar.sin, Lens.withConst(2), Scalar.mul)).toEqualTypeOf<Lens.Lens<number, number>>()
    const annotated: Lens.Lens<readonly [number, number], number> = Lens.pipe(Lens.swap(), Lens.snd())
    expectTypeOf(annotated).toEqualTypeOf<Lens.Lens<readonly [number, number], number>>()
  })

  it('at the start of a pipe they need a hint: type arguments, a leading id, or an annotation', () => {
    // @ts-expect-error nothing names the input pair's first type
    Lens.pipe(Lens.fanout(Lens.snd(), Lens.fst()), Scalar.mul)
    expectTypeOf(Lens.pipe(Lens.fanout(Lens.snd<number, number>(), Lens.fst()), Scalar.mul)).toEqualTypeOf<
      Lens.Lens<readonly [number, number], number>
    >()
    expectTypeOf(Lens.pipe(Lens.id<readonly [number, number]>(), Lens.fanout(Lens.snd(), Lens.fst()), Scalar.mul)).toEqualTypeOf<
      Lens.Lens<readonly [number, number], number>
    >()
  })
})
