import { describe, it, expect } from 'vitest'
import fc from 'fast-check'
import * as E from 'fp-ts/lib/Either.js'
import * as RA from 'fp-ts/lib/ReadonlyArray.js'
import { sequenceS, sequenceT } from 'fp-ts/lib/Apply.js'
import { bind } from 'fp-ts/lib/Chain.js'
import { pipe } from 'fp-ts/lib/function.js'
import type { Monad2 } from 'fp-ts/lib/Monad.js'
import { Cont } from '../src/index.js'
import { ContLaws, cont, exact } from '../laws/index.js'

/** The instance rebuilt from the data-last (pipeable) combinators, so the laws check them too. */
const Pipeable: Monad2<Cont.URI> = {
  URI: Cont.URI,
  map: (fa, f) => Cont.map(f)(fa),
  ap: (fab, fa) => Cont.ap(fa)(fab),
  of: Cont.of,
  chain: (ma, f) => Cont.flatMap(f)(ma)
}

/** Data-first combinators called with two arguments. */
const DataFirst: Monad2<Cont.URI> = {
  URI: Cont.URI,
  map: (fa, f) => Cont.map(fa, f),
  ap: (fab, fa) => Cont.flatMap(fab, (f) => Cont.map(fa, f)),
  of: Cont.of,
  chain: (ma, f) => Cont.flatMap(ma, f)
}

/** Answers in which the order and the number of a multi-shot computation's calls show. */
const strings: ContLaws.Arbitraries<string> = { answer: fc.string({ maxLength: 4 }), combine: (x, y) => `${x}|${y}` }

describe('Cont laws', () => {
  for (const [name, instance] of [
    ['Cont.Monad', Cont.Monad],
    ['data-last combinators', Pipeable],
    ['data-first combinators', DataFirst]
  ] as const) {
    it(`Functor (${name})`, () => ContLaws.checkFunctor(exact, strings, { numRuns: 1000, instance }))
    it(`Applicative (${name})`, () => ContLaws.checkApplicative(exact, strings, { numRuns: 1000, instance }))
    it(`Monad (${name})`, () => ContLaws.checkMonad(exact, strings, { numRuns: 1000, instance }))
  }

  it('the other instances agree with Cont.Monad', () => {
    expect(Cont.Functor.map).toBe(Cont.Monad.map)
    expect(Cont.Apply.ap).toBe(Cont.Monad.ap)
    expect(Cont.Applicative.of).toBe(Cont.Monad.of)
    expect(Cont.Chain.chain).toBe(Cont.Monad.chain)
    expect(Cont.ChainRec.chain).toBe(Cont.Monad.chain)
    expect(Cont.Pointed.of).toBe(Cont.of)
  })

  it('the laws can fail: an ap that runs its argument first breaks "ap agrees with flatMap"', () => {
    // A lawful applicative on its own (effects in reverse order), but not the one of the monad:
    // with multi-shot computations the order of the answers shows.
    const reversed: Monad2<Cont.URI> = {
      ...Cont.Monad,
      ap: (fab, fa) => Cont.flatMap(fa, (a) => Cont.map(fab, (f) => f(a)))
    }
    expect(() => ContLaws.checkMonad(exact, strings, { numRuns: 1000, instance: reversed })).toThrow(/Property failed/)
  })

  it('the laws can fail: a map that assumes single-shot continuations breaks the Functor laws', () => {
    const singleShot: Monad2<Cont.URI> = {
      ...Cont.Monad,
      map: (fa, f) => {
        let first: { readonly a: Parameters<typeof f>[0] } | null = null
        return Cont.flatMap(fa, (a) => {
          first ??= { a }
          return Cont.of(f(first.a))
        })
      }
    }
    expect(() => ContLaws.checkFunctor(exact, strings, { numRuns: 1000, instance: singleShot })).toThrow(/Property failed/)
  })

  it('the arbitrary draws pure, aborting, multi-shot and escaping computations', () => {
    const samples = fc.sample(cont(fc.integer(), fc.string(), (x, y) => x + y), { numRuns: 300, seed: 5 })
    const callCounts = new Set(
      samples.map((fa) => {
        let calls = 0
        Cont.run(fa, () => {
          calls++
          return 'k'
        })
        return calls
      })
    )
    expect([...callCounts].sort()).toEqual([0, 1, 2])
    const names = samples.map((fa) => fc.stringify(fa))
    for (const kind of ['of(', 'make(k => k(', 'defer(', 'make(() =>', 'make(k => combine(', 'callCC(']) {
      expect(names.some((n) => n.startsWith(kind))).toBe(true)
    }
  })

  it('runEq compares answers under one continuation', () => {
    fc.assert(
      fc.property(cont(fc.integer(), fc.string(), (x, y) => x + y), fc.func(fc.string()), (fa, k) =>
        ContLaws.runEq(exact, k).equals(fa, fa)
      ),
      { numRuns: 1000 }
    )
    const S = ContLaws.runEq(exact, (n: number) => `${n}`)
    expect(S.equals(Cont.of(1), Cont.make(() => '1'))).toBe(true)
    expect(S.equals(Cont.of(1), Cont.make((k) => k(1) + k(1)))).toBe(false)
  })
})

describe('Cont.make: raw CPS functions', () => {
  it('multi-shot: the continuation may be called several times, in order', () => {
    const twice = Cont.make<string, number>((k) => `${k(1)},${k(2)}`)
    expect(Cont.run(Cont.map(twice, (n: number) => n * 10), (n) => `<${n}>`)).toBe('<10>,<20>')
  })

  it('aborting: the continuation is never called', () => {
    let called = 0
    const abort = Cont.make<string, number>(() => 'stop')
    expect(
      Cont.run(
        Cont.flatMap(abort, (n: number) => Cont.of<string, number>(n + 1)),
        () => {
          called++
          return 'k'
        }
      )
    ).toBe('stop')
    expect(called).toBe(0)
  })

  it('a computation is persistent: it can be run again, with another continuation', () => {
    const m = Cont.flatMap(Cont.make<number, number>((k) => k(1) + k(2)), (n: number) => Cont.of<number, number>(n * 3))
    expect(Cont.run(m, (n) => n)).toBe(9)
    expect(Cont.run(m, (n) => n * n)).toBe(9 + 36)
  })
})

describe('Cont.callCC', () => {
  it('exit abandons the rest of the block and yields to the callCC continuation', () => {
    const log: Array<string> = []
    const m = Cont.callCC<string, number, never>((exit) =>
      Cont.flatMap(Cont.of<string, number>(1), (n: number) =>
        Cont.flatMap(exit(n + 41), () => {
          log.push('after exit')
          return Cont.of<string, number>(0)
        })
      )
    )
    expect(Cont.run(Cont.map(m, (n: number) => n * 2), (n) => `got ${n}`)).toBe('got 84')
    expect(log).toEqual([])
  })

  it('without exit, callCC is its block', () => {
    const m = Cont.callCC<number, number, never>(() => Cont.of(5))
    expect(Cont.run(Cont.map(m, (n: number) => n + 1), (n) => n)).toBe(6)
  })

  it('exit escapes from deep inside a long chain, in constant stack', () => {
    const m = Cont.callCC<number, number, number>((exit) => {
      let acc: Cont.Cont<number, number> = Cont.of(0)
      for (let i = 0; i < 100_000; i++) {
        const j = i
        acc = Cont.flatMap(acc, (n: number) => (j === 50_000 ? exit(n) : Cont.of<number, number>(n + 1)))
      }
      return acc
    })
    expect(Cont.run(m, (n) => n)).toBe(50_000)
  })

  it('the escape continuation can be used several times (multi-shot)', () => {
    const m = Cont.callCC<string, number, number>(() => Cont.make<string, number>((k) => `${k(1)}`))
    expect(Cont.run(m, (n) => `v${n}`)).toBe('v1')
    const both = Cont.callCC<string, number, number>((exit) =>
      Cont.flatMap(Cont.make<string, number>((k) => `${k(1)}+${k(2)}`), (n: number) => exit(n * 10))
    )
    expect(Cont.run(both, (n) => `v${n}`)).toBe('v10+v20')
  })
})

describe('Cont.tailRec and ChainRec', () => {
  const step = ([i, acc]: readonly [number, number]): Cont.Cont<number, E.Either<readonly [number, number], number>> =>
    Cont.of(i === 0 ? E.right(acc) : E.left([i - 1, acc + i] as const))

  it('tailRec loops until Right', () => {
    expect(Cont.run(Cont.tailRec([10, 0] as const, step), (n) => n)).toBe(55)
    expect(Cont.run(Cont.tailRec([0, 7] as const, step), (n) => n)).toBe(7)
  })

  it('ChainRec.chainRec is tailRec', () => {
    expect(Cont.ChainRec.chainRec).toBe(Cont.tailRec)
    expect(Cont.run(Cont.ChainRec.chainRec([100, 0] as const, step), (n) => n)).toBe(5050)
  })

  it('a multi-shot step inside tailRec re-enters the loop for each shot', () => {
    const m = Cont.tailRec<string, number, number>(0, (n) =>
      n < 2 ? Cont.make((k) => `${k(E.left(n + 1))}/${k(E.left(n + 2))}`) : Cont.of(E.right(n))
    )
    // 0 -> (1 -> (2, 3), 2)
    expect(Cont.run(m, (n) => `${n}`)).toBe('2/3/2')
  })
})

describe('Cont.defer', () => {
  it('builds the computation only when run, and again on every run', () => {
    let built = 0
    const m = Cont.defer(() => {
      built++
      return Cont.of<number, number>(built)
    })
    expect(built).toBe(0)
    expect(Cont.run(m, (n) => n)).toBe(1)
    expect(Cont.run(m, (n) => n)).toBe(2)
  })

  it('recursion through defer runs in constant stack', () => {
    const count = (n: number): Cont.Cont<number, number> =>
      n === 0 ? Cont.of(0) : Cont.defer(() => Cont.map(count(n - 1), (m: number) => m + 1))
    expect(Cont.run(count(100_000), (n) => n)).toBe(100_000)
  })
})

describe('data-first and data-last combinators', () => {
  it('flatMap is the one name: the deprecated chain alias is gone (issue 8)', () => {
    // @ts-expect-error Cont.chain was removed; Cont.flatMap takes both forms
    expect(Cont.chain).toBeUndefined()
    expect('chain' in Cont).toBe(false)
  })

  it('map, flatMap and ap agree in both forms', () => {
    fc.assert(
      fc.property(
        cont(fc.integer(), fc.string(), (x, y) => `${x};${y}`),
        fc.func(fc.string()),
        fc.func(cont(fc.boolean(), fc.string(), (x, y) => `${x};${y}`)),
        fc.func(fc.string()),
        (fa, f, g, k) => {
          const S = ContLaws.runEq(exact, k)
          return (
            S.equals(Cont.map(fa, f), Cont.map(f)(fa)) &&
            ContLaws.runEq(exact, k).equals(Cont.flatMap(fa, g), Cont.flatMap(g)(fa)) &&
            S.equals(Cont.ap(fa)(Cont.of(f)), Cont.map(fa, f)) &&
            S.equals(Cont.flatten(Cont.map(fa, (a: number) => Cont.of<string, string>(f(a)))), Cont.map(fa, f))
          )
        }
      ),
      { numRuns: 1000 }
    )
  })

  it('works with fp-ts pipe', () => {
    const r = pipe(
      Cont.of<string, number>(2),
      Cont.map((n: number) => n + 1),
      Cont.flatMap((n: number) => Cont.make<string, number>((k) => `${k(n)}${k(-n)}`))
    )
    expect(Cont.run(r, (n) => `[${n}]`)).toBe('[3][-3]')
  })
})

describe('bad input', () => {
  it('Cont.run of a non-Cont throws a TypeError that says what to do', () => {
    const rawFunction = ((k: (n: number) => number) => k(1)) as unknown as Cont.Cont<number, number>
    expect(() => Cont.run(rawFunction, (n) => n)).toThrow(TypeError)
    expect(() => Cont.run(rawFunction, (n) => n)).toThrow(/Cont: expected a Cont.*Cont\.make/)
    expect(() => Cont.run({} as unknown as Cont.Cont<number, number>, (n) => n)).toThrow(/Cont: expected a Cont/)
    expect(() => Cont.run(null as unknown as Cont.Cont<number, number>, (n) => n)).toThrow(TypeError)
  })

  it('a flatMap returning a non-Cont throws the same clear TypeError when run', () => {
    const m = Cont.flatMap(Cont.of<number, number>(1), () => 42 as unknown as Cont.Cont<number, number>)
    expect(() => Cont.run(m, (n) => n)).toThrow(/Cont: expected a Cont built by this library, got 42/)
  })
})

describe('fp-ts generic code', () => {
  it('sequenceT over Cont.Apply runs computations in order, multi-shot included', () => {
    const xs = Cont.make<number, number>((k) => k(1) + k(2))
    const ys = Cont.make<number, number>((k) => k(10) + k(20))
    const pairs = sequenceT(Cont.Apply)(xs, ys)
    // Σ over the four combinations of x·y.
    expect(Cont.run(pairs, ([x, y]) => x * y)).toBe(1 * 10 + 1 * 20 + 2 * 10 + 2 * 20)
    const order = sequenceT(Cont.Apply)(
      Cont.make<string, string>((k) => k('a') + k('b')),
      Cont.make<string, string>((k) => k('1') + k('2'))
    )
    expect(Cont.run(order, ([a, b]) => a + b + ' ')).toBe('a1 a2 b1 b2 ')
  })

  it('sequenceS, ReadonlyArray.traverse and Chain.bind work through the instances', () => {
    const s = sequenceS(Cont.Apply)({ a: Cont.of<string, number>(1), b: Cont.of<string, string>('x') })
    expect(Cont.run(s, ({ a, b }) => `${a}${b}`)).toBe('1x')
    const t = RA.traverse(Cont.Applicative)((n: number) => Cont.of<number, number>(n * n))([1, 2, 3])
    expect(Cont.run(t, (xs) => xs.reduce((p, q) => p + q, 0))).toBe(14)
    const b = pipe(
      Cont.of<string, { readonly n: number }>({ n: 2 }),
      bind(Cont.Chain)('m', ({ n }) => Cont.of<string, number>(n * 21))
    )
    expect(Cont.run(b, ({ n, m }) => `${n},${m}`)).toBe('2,42')
  })
})
