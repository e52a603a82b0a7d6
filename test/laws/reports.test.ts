/**
 * The law kit's failure reports: which law failed, the first failing case and the shrunk one
 * (each with the law's account), printed once; and shrinking that keeps the bug visible.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Cont, Lens } from '../../src/index.js'
import { GradientLaws, LensLaws, doubleIn, exact, fd, named } from '../../laws/index.js'

/** What a test runner prints of an error: its message, then each cause's. */
const printed = (e: unknown): string => {
  const parts: Array<string> = []
  for (let c: unknown = e; c instanceof Error; c = c.cause) parts.push(c.message)
  return parts.join('\n')
}

const thrown = (f: () => void): Error => {
  try {
    f()
  } catch (e) {
    if (e instanceof Error) return e
    throw new Error(`threw a non-error: ${String(e)}`)
  }
  throw new Error('expected the law to fail')
}

const count = (text: string, part: string): number => text.split(part).length - 1

/** The sections of a report: the header, then one per case. */
const sections = (e: Error): Array<string> => e.message.split('\n\n')

// softplus(x) = log(1 + eˣ), whose derivative is σ(x); these backward passes are wrong.
const softplus = (backward: (x: number, dy: number) => number): Lens.Lens<number, number> =>
  named('softplus', Lens.make<number, number>({ forward: (x) => Math.log1p(Math.exp(x)), backward }))
/** A sign error: σ(−x) for σ(x). */
const signError = softplus((x, dy) => dy / (1 + Math.exp(x)))
/** Forgot the cotangent: σ(x) whatever dy is. */
const forgotDy = softplus((x) => 1 / (1 + Math.exp(-x)))

const inputs = doubleIn(-5, 5)
const seeds = [1, 2, 3, 42, 2024]

describe('a report shows the first failing case as well as the shrunk one', () => {
  it.each(seeds)('gradient law, seed %i: the first failing case is the one fast-check drew, with its own account', (seed) => {
    const arbitraries = { lens: fc.constant(signError), input: inputs }
    // Without shrinking, the counterexample is the first failing case.
    const unshrunk = thrown(() => GradientLaws.checkGradient(fd, arbitraries, { parameters: { seed, endOnFailure: true } }))
    const first = /^Counterexample: (.*)$/m.exec(unshrunk.message)?.[1]
    expect(first).toBeDefined()
    const report = thrown(() => GradientLaws.checkGradient(fd, arbitraries, { parameters: { seed } }))
    const parts = sections(report)
    expect(parts[0]).toMatch(/^GradientLaws\.checkGradient: law G \(gradient against finite differences\) of docs\/laws\.md does not hold\n/)
    expect(parts[1]).toBe(`First failing case: ${first}\n${sections(unshrunk)[1]?.split('\n').slice(1).join('\n')}`)
    expect(parts[2]).toMatch(/^Shrunk case, the counterexample.*:\ngradient check failed for softplus: /)
  })

  it('an exact law: the first failing case, and the shrunk counterexample', () => {
    // Runs the rest of the program twice for inputs above 1.
    const twiceAbove1 = named<number, number>('twiceAbove1', (next) => (x) =>
      x > 1 ? Cont.flatMap(next(x), (d1: number) => Cont.map(next(x), (d2: number) => d1 + d2)) : next(x)
    )
    const report = thrown(() =>
      LensLaws.checkLinearity(exact, { lens: fc.constant(twiceAbove1), input: doubleIn(-10, 10), cotangent: doubleIn(-1, 1) }, { parameters: { seed: 5 } })
    )
    const parts = sections(report)
    expect(parts[0]).toMatch(/^LensLaws\.checkLinearity: law 10 \(linearity of the CPS term\) of docs\/laws\.md does not hold\n/)
    expect(parts[1]).toMatch(/^First failing case: \[twiceAbove1,[-\d.e]+,[-\d.e]+\]$/)
    expect(parts[2]).toBe('Shrunk case, the counterexample:')
  })
})

describe('a report is printed once', () => {
  it.each(seeds)('seed %i: each account appears once in what a test runner prints (message and causes)', (seed) => {
    const report = thrown(() => GradientLaws.checkGradient(fd, { lens: fc.constant(signError), input: inputs }, { parameters: { seed } }))
    const text = printed(report)
    expect(count(text, 'gradient check failed for softplus')).toBe(2)
    expect(count(text, 'First failing case')).toBe(1)
    expect(report.cause).toBeUndefined()
  })

  it('an error thrown by the lens stays the cause (for its stack), and its message is in the report', () => {
    const throws = named('throws', Lens.make<number, number>({ forward: (x) => x, backward: () => { throw new TypeError('boom') } }))
    const report = thrown(() => GradientLaws.checkGradient(fd, { lens: fc.constant(throws), input: inputs }))
    expect(report.cause).toBeInstanceOf(Error)
    expect(report.message).toContain('threw TypeError: Gradcheck.check(throws): the lens threw in the backward pass')
  })
})

describe('shrinking keeps the error significant: at least 10 times its tolerance', () => {
  /** abs err and tolerance of the first line of a gradient report. */
  const errors = (account: string): readonly [number, number] => {
    const m = /abs err ([-\d.e+]+), rel err [-\d.e+]+, tolerance ([-\d.e+]+)/.exec(account)
    if (m === null) throw new Error(`no errors in ${account}`)
    return [Number(m[1]), Number(m[2])]
  }

  it.each(seeds)('a sign error in softplus, seed %i, shrinks to a case that still shows it', (seed) => {
    const report = thrown(() => GradientLaws.checkGradient(fd, { lens: fc.constant(signError), input: inputs }, { parameters: { seed } }))
    const shrunk = sections(report)[2] ?? ''
    expect(shrunk).toContain('shrinking kept only cases whose error is at least 10× its tolerance')
    const [abs, tolerance] = errors(shrunk)
    // The report prints both to two significant digits: 10× may read as 9.8×.
    expect(abs / tolerance).toBeGreaterThanOrEqual(9.5)
  })

  it('a first failing case barely beyond its tolerance shrinks only to cases as far beyond it', () => {
    // A relative error of 2e-5 in a derivative near 0.5: fails everywhere, by a little.
    const slightly = softplus((x, dy) => (1.00002 * dy) / (1 + Math.exp(-x)))
    const report = thrown(() => GradientLaws.checkGradient(fd, { lens: fc.constant(slightly), input: doubleIn(-1, 1) }, { parameters: { seed: 3 } }))
    const [first, shrunk] = [sections(report)[1] ?? '', sections(report)[2] ?? '']
    const [a0, t0] = errors(first)
    const [a1, t1] = errors(shrunk)
    expect(a0 / t0).toBeLessThan(10)
    expect(a1 / t1).toBeGreaterThanOrEqual((a0 / t0) * 0.95)
  })

  it('a backward pass that forgot dy: the report and its worst coordinate agree', () => {
    const report = thrown(() => GradientLaws.checkGradient(fd, { lens: fc.constant(forgotDy), input: inputs }, { parameters: { seed: 1 } }))
    const shrunk = sections(report)[2] ?? ''
    const worst = /worst coordinate \[0, 0\] \(output 0, input 0\)[^:]*: analytic ([-\d.e]+) vs numeric ([-\d.e]+)/.exec(shrunk)
    const headline = /: analytic ([-\d.e]+) vs numeric ([-\d.e]+)/.exec(shrunk)
    expect(worst).not.toBeNull()
    expect([worst?.[1], worst?.[2]]).toEqual([headline?.[1], headline?.[2]])
  })
})
