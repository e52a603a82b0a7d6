/**
 * The laws of direct-style programs (LAWS.md 19–21, `laws/Direct.ts`), at least 200 cases each.
 */
import { describe, it } from 'vitest'
import { DirectLaws, exact, scalarLens } from '../laws/index.js'

const options = { numRuns: 200 }

describe('Direct laws', () => {
  it('19: a straight-line program equals its point-free twin (values and gradients, exact)', () =>
    DirectLaws.checkPointFree(exact, {}, options))
  it('20: a program applying f once is f (exact), on lens trees with hand-written CPS lenses', () =>
    DirectLaws.checkIdentity(exact, {}, options))
  it('20: two applies in sequence are pipe (exact)', () => DirectLaws.checkSequence(exact, {}, options))
  it('20: the same on lenses made only of plan-backed primitives (one segment, no Cont step)', () =>
    DirectLaws.checkSequence(exact, { lens: scalarLens({ raw: false }) }, options))
  it('21: a variable used k times receives the sum of its k contributions (exact)', () =>
    DirectLaws.checkSumOfUses(exact, {}, options))
  it('21: programs with branches, loops, data-dependent trip counts and calls pass the gradient check', () =>
    DirectLaws.checkGradient(exact, {}, options))
  it('14: programs are linear in the cotangent (reassoc)', () => DirectLaws.checkLinearity(exact, {}, options))
})
