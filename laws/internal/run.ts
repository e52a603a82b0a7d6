/**
 * What every runner of the law kit shares: a law becomes one fast-check property, and a
 * failure becomes one report: which law failed, fast-check's seed and path to replay it, and
 * the law's own account of the first failing case and of the shrunk one.
 *
 * Shrinking keeps a smaller case only if it fails the way the first failing case did (see
 * {@link runLaw}), so that the shrunk case still shows the bug.
 *
 * @module internal/run
 */
import fc from 'fast-check'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The fast-check parameters a runner passes through: `seed` and `path` (both printed in a
 * failure report) replay a failing case; `numRuns` is an option of its own.
 *
 * @example
 * import type { RunnerParameters } from 'backprop-lens/laws'
 *
 * const replay: RunnerParameters = { seed: 42, path: '0:1', endOnFailure: true }
 * console.log(replay.seed) // 42
 *
 * @category model
 */
export type RunnerParameters = Pick<
  fc.Parameters<unknown>,
  | 'seed'
  | 'path'
  | 'verbose'
  | 'endOnFailure'
  | 'maxSkipsPerRun'
  | 'timeout'
  | 'interruptAfterTimeLimit'
  | 'markInterruptAsFailure'
  | 'skipAllAfterTimeLimit'
>

/**
 * The options every runner takes (its third argument): how many cases to try per law
 * (default 200; 1000 for the cheap laws of `Cont`) and fast-check's other parameters.
 *
 * @example
 * import { LensLaws, doubleIn, exact, scalarLens, type RunOptions } from 'backprop-lens/laws'
 *
 * const options: RunOptions = { numRuns: 50, parameters: { seed: 7 } }
 * LensLaws.checkIdentity(exact, { lens: scalarLens(), input: doubleIn(-1, 1), cotangent: doubleIn(-1, 1) }, options)
 * console.log('ok') // ok
 *
 * @category model
 */
export interface RunOptions {
  /** Cases per law. */
  readonly numRuns?: number
  /** fast-check's parameters; `{ seed, path }` from a report replays its case. */
  readonly parameters?: RunnerParameters
}

/**
 * A law, as the reports name it: the runner, the law's number in `docs/laws.md` and its
 * name.
 *
 * @internal
 */
export interface Law {
  readonly runner: string
  readonly number: string
  readonly name: string
}

/**
 * Names the laws of one namespace: `law('checkChainRule', '7', 'chain rule')`.
 *
 * @internal
 */
export const lawsOf =
  (namespace: string) =>
  (runner: string, number: string, name: string): Law => ({ runner: `${namespace}.${runner}`, number, name })

/**
 * What a law found in one case: `null` when it holds, `'discard'` when the case says
 * nothing (a kink, for the numeric laws), otherwise a violation.
 *
 * @internal
 */
export type Verdict = null | 'discard' | Violation

/**
 * A case where a law does not hold: the law's account of it (empty for the exact laws,
 * whose counterexample says it all) and, for the numeric laws, the error divided by its
 * tolerance.
 *
 * @internal
 */
export interface Violation {
  readonly account: string
  readonly ratio?: number
}

/**
 * The verdict of a law that is a boolean predicate.
 *
 * @internal
 */
export const holds = (ok: boolean): Verdict => (ok ? null : { account: '' })

/**
 * While shrinking, a numeric law's case counts as failing only if its error is at least this
 * many times its tolerance (or as many as the first failing case's, if that is fewer).
 *
 * @internal
 */
export const SIGNIFICANT = 10

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

interface Failure {
  /** The case, as fast-check prints it. */
  readonly args: string
  readonly kind: 'violation' | 'error'
  readonly account: string
  readonly ratio: number | undefined
  readonly error: unknown
}

const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : String(e))

/**
 * Whether a case found while shrinking fails the way the first failing case did: by throwing
 * if that threw, by violating the law otherwise; and for the numeric laws with an error at
 * least `min(SIGNIFICANT, r₀)` times its tolerance, `r₀` being the first case's. Without the
 * last rule a numeric law shrinks towards inputs near 0, where a real bug can hide under the
 * absolute tolerance and reads like rounding noise.
 */
const keeps = (first: Failure, candidate: Failure): boolean => {
  if (candidate.kind !== first.kind) return false
  if (first.ratio === undefined || candidate.ratio === undefined) return true
  return candidate.ratio >= Math.min(SIGNIFICANT, first.ratio)
}

/**
 * Runs one law: draws cases from `arbitraries`, asks `check` for a verdict on each, and
 * throws one report if the law fails: the law, fast-check's seed, path and counterexample,
 * and the law's account of the first failing case and of the shrunk one (`keeps` says what
 * shrinking keeps). The report is the error's message only (no `cause`, which test runners
 * print a second time), except that an error thrown by the code under test stays the
 * `cause`, for its stack.
 *
 * @internal
 */
export const runLaw = <Ts extends [unknown, ...Array<unknown>]>(
  law: Law,
  arbitraries: { [K in keyof Ts]: fc.Arbitrary<Ts[K]> },
  check: (...args: Ts) => Verdict,
  options: RunOptions,
  defaultRuns = 200
): void => {
  let first: Failure | null = null
  let last: Failure | null = null
  const predicate = (...args: Ts): boolean => {
    let failure: Failure
    try {
      const verdict = check(...args)
      if (verdict === null) return true
      fc.pre(verdict !== 'discard')
      failure = { args: fc.stringify(args), kind: 'violation', account: verdict.account, ratio: verdict.ratio, error: undefined }
    } catch (e) {
      if (fc.PreconditionFailure.isFailure(e)) throw e
      failure = { args: fc.stringify(args), kind: 'error', account: `threw ${describeError(e)}`, ratio: undefined, error: e }
    }
    if (first === null) first = failure
    else if (!keeps(first, failure)) return true
    last = failure
    return false
  }
  const parameters: fc.Parameters<Ts> = { ...options.parameters, numRuns: options.numRuns ?? defaultRuns }
  const details = fc.check(fc.property(...arbitraries, predicate), parameters)
  if (details.failed) throw failureReport(law, details, first, last)
}

const section = (title: string, account: string): string => (account === '' ? title : `${title}\n${account}`)

const failureReport = <Ts>(law: Law, details: fc.RunDetails<Ts>, first: Failure | null, last: Failure | null): Error => {
  const title = `${law.runner}: law ${law.number} (${law.name}) of docs/laws.md`
  if (details.counterexamplePath === null || first === null || last === null) {
    // Too many discarded cases, or interrupted: nothing failed, the law could not be checked.
    return new Error(`${title} could not be checked\n${fc.defaultReportMessage(details) ?? ''}`)
  }
  const lines = [
    `${title} does not hold`,
    `Property failed after ${details.numRuns} tests`,
    `{ seed: ${details.seed}, path: "${details.counterexamplePath}", endOnFailure: true }`,
    `Counterexample: ${last.args}`,
    `Shrunk ${details.numShrinks} time(s)`
  ]
  const parts = [lines.join('\n')]
  if (details.numShrinks === 0) parts.push(section('The failing case (no smaller one fails):', last.account))
  else {
    parts.push(section(`First failing case: ${first.args}`, first.account))
    const rule =
      first.ratio === undefined
        ? ''
        : ` (shrinking kept only cases whose error is at least ${Number(Math.min(SIGNIFICANT, first.ratio).toPrecision(2))}× its tolerance)`
    parts.push(section(`Shrunk case, the counterexample${rule}:`, last.account))
  }
  if (details.verbose >= 1 && details.failures.length > 0) {
    parts.push(`Encountered failures were:\n- ${details.failures.map((f) => fc.stringify(f)).join('\n- ')}`)
  }
  const message = parts.join('\n\n')
  return last.kind === 'error' ? new Error(message, { cause: last.error }) : new Error(message)
}
