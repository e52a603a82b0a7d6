/**
 * Clocks, units and Markdown tables for every benchmark, and the in-process timing of
 * benchmark modules that export `run()` (`matmul-kernels.bench.ts`): those run whole in one
 * child process of `npm run bench`, and `measure` times their cases against each other
 * inside it. The process-isolated harness (`isolate.ts`, `child.ts`) is what compares the
 * library with its peers; this module's `measure` suits kernels timed against plain loops.
 *
 * The machines this runs on are shared and noisy, so only ratios measured in the same run
 * mean anything. `measure`:
 * - calibrates every case so that one sample lasts at least `minSampleMs` (many calls per
 *   sample), then warms it up for `warmupMs`;
 * - takes samples in interleaved rounds (one sample of every case, then the next round),
 *   so a burst of load from another process hits every case alike;
 * - collects garbage before each sample when `gc` is available (see {@link gc}), so one
 *   case does not pay for the garbage of the previous one; garbage a case makes during its
 *   own sample is part of its cost (a case can opt out: {@link Case.collect});
 * - reports the median, the min–max, and the ratio of medians to a named baseline.
 *
 * @module bench/harness
 */
import { availableParallelism, cpus, platform, release } from 'node:os'
import { setFlagsFromString } from 'node:v8'
import { runInNewContext } from 'node:vm'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** Options every benchmark's `run` accepts (from `test/bench/run.ts`). */
export interface BenchOptions {
  /** Fewer samples and shorter samples: for checking that the benchmark works, not for numbers. */
  readonly quick: boolean
}

/** The sampling of a run: quick (checks that it works) or for numbers (≥ 5 samples, warmed up). */
export const measureOptionsFor = (options: BenchOptions): MeasureOptions =>
  options.quick ? { samples: 3, minSampleMs: 10, warmupMs: 0 } : { samples: 9, minSampleMs: 50, warmupMs: 300 }

/** A benchmark module: `run` resolves when the benchmark has printed its tables. */
export interface BenchModule {
  readonly run: (options?: BenchOptions) => unknown
}

/** One thing to time. */
export interface Case {
  readonly name: string
  /** One call of the measured work; its result is kept so the work cannot be optimised away. */
  readonly fn: () => unknown
  /** Units of work per call (ops, steps, …): times are reported per unit. Default 1. */
  readonly units?: number
  /**
   * If one call takes longer than this, take fewer samples (at least one) so the case costs
   * at most about `budgetMs` in all; the table shows the sample count. Default: no limit.
   */
  readonly budgetMs?: number
  /**
   * Checks the result of the first call (made during calibration); if it returns false the
   * case is reported as `MISMATCH` and not timed. Use it to check that what is timed
   * computes what was checked.
   */
  readonly expect?: (result: unknown) => boolean
  /** Warm-up time for this case, overriding {@link MeasureOptions.warmupMs} (for slow JITs). */
  readonly warmupMs?: number
  /**
   * Whether to collect garbage before each of this case's samples (default true). Turn it off
   * for code that runs slowly for a while after a forced collection: tfjs-core's eager engine
   * ran ~4× slower in the 50 ms after `gc()` (the library and plain loops did not change).
   * Such a case should also be {@link Case.isolate}d, or the other cases' collections hit it.
   */
  readonly collect?: boolean
  /**
   * Measure this case alone, after the interleaved ones and after {@link settle}, instead of
   * in the rounds: for cases whose garbage would slow whatever runs after them (see
   * {@link settle}). Its samples then share no round with the others.
   */
  readonly isolate?: boolean
}

/** How to time a set of cases. */
export interface MeasureOptions {
  /** Measured samples per case (after warm-up). Default 7 (use at least 5 for numbers you report). */
  readonly samples?: number
  /** Minimum duration of one sample in milliseconds. Default 50. */
  readonly minSampleMs?: number
  /** Warm-up after calibration: samples are run and discarded for at least this long. Default 200. */
  readonly warmupMs?: number
  /** {@link settle} this long before measuring, and before each isolated case. Default 0. */
  readonly settleMs?: number
}

/** The timing of one case: nanoseconds per unit of work. */
export interface Result {
  readonly name: string
  /** Median, min and max over the samples, in ns per unit. NaN when the case failed. */
  readonly median: number
  readonly min: number
  readonly max: number
  readonly samples: ReadonlyArray<number>
  readonly callsPerSample: number
  /** Set when the case threw: the error's name (e.g. `RangeError`) and message. */
  readonly error?: string
}

// -------------------------------------------------------------------------------------
// clocks and garbage
// -------------------------------------------------------------------------------------

/** Milliseconds from a monotonic clock with sub-microsecond resolution. */
export const now = (): number => Number(process.hrtime.bigint()) / 1e6

const collector: { readonly collect: () => void; readonly available: boolean } = (() => {
  const fromGlobal = (globalThis as { gc?: unknown }).gc
  if (typeof fromGlobal === 'function') return { collect: () => void fromGlobal(), available: true }
  try {
    setFlagsFromString('--expose-gc')
    const fromContext: unknown = runInNewContext('gc')
    if (typeof fromContext === 'function') return { collect: () => void fromContext(), available: true }
  } catch {
    // no way to collect on demand: measure without it
  }
  return { collect: () => undefined, available: false }
})()

/**
 * Collects garbage if possible. Uses `global.gc` when node runs with `--expose-gc`;
 * otherwise enables it at run time through V8's flags (works on Node 20), and does nothing
 * if even that fails, so no flag is required.
 */
export const gc: () => void = collector.collect

/** Whether {@link gc} really collects. */
export const gcAvailable: boolean = collector.available

const sleeper = new Int32Array(new SharedArrayBuffer(4))

/**
 * Collects garbage, then sleeps `ms` milliseconds. After a case that leaves hundreds of MB
 * of garbage, V8 goes on sweeping and unmapping on background threads after `gc()` returns;
 * on a 2-core machine that slowed a loop that allocates nothing by up to 2.5× for between
 * 0.3 and 1 s. Sleeping lets it finish before the next measurement.
 */
export const settle = (ms: number): void => {
  gc()
  Atomics.wait(sleeper, 0, 0, ms)
}

/** Where results go so that the measured work is never dead code. */
let sink: unknown = undefined
/** The last value kept from a measured call (read it to defeat dead-code elimination). */
export const lastResult = (): unknown => sink

// -------------------------------------------------------------------------------------
// measuring
// -------------------------------------------------------------------------------------

/** The median (NaN for no numbers). */
export const median = (xs: ReadonlyArray<number>): number => {
  const sorted = [...xs].sort((a, b) => a - b)
  const mid = sorted.length >> 1
  if (sorted.length === 0) return NaN
  return sorted.length % 2 === 1 ? (sorted[mid] as number) : ((sorted[mid - 1] as number) + (sorted[mid] as number)) / 2
}

/** Runs `fn` `calls` times and returns the elapsed milliseconds. */
const timeCalls = (fn: () => unknown, calls: number): number => {
  let last: unknown
  const start = now()
  for (let i = 0; i < calls; i++) last = fn()
  const elapsed = now() - start
  sink = last
  return elapsed
}

const describeError = (e: unknown): string =>
  e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${String(e)}`

interface Plan {
  readonly c: Case
  calls: number
  samples: number
  error: string | undefined
  readonly times: Array<number>
}

/**
 * Times every case: calibrates calls per sample (≥ `minSampleMs` per sample), warms up,
 * then takes the samples in interleaved rounds; isolated cases come last, one by one. A case
 * that throws is reported with its error and skipped from then on.
 */
export const measure = (cases: ReadonlyArray<Case>, options: MeasureOptions = {}): Array<Result> => {
  const samples = options.samples ?? 7
  const minSampleMs = options.minSampleMs ?? 50
  const warmupMs = options.warmupMs ?? 200
  const settleMs = options.settleMs ?? 0
  const plans: Array<Plan> = cases.map((c) => ({ c, calls: 1, samples, error: undefined, times: [] }))

  const prepare = (p: Plan): void => {
    const collect = p.c.collect !== false ? gc : () => undefined
    try {
      // Calibration doubles as the first part of the warm-up. The first call is cold (it
      // may compile, or collect garbage): unless it took seconds, time a second one.
      collect()
      let t = timeCalls(p.c.fn, 1)
      if (p.c.expect !== undefined && !p.c.expect(sink)) {
        p.error = `MISMATCH: the timed call returned ${String(sink)}`
        return
      }
      if (t < 1000) t = timeCalls(p.c.fn, 1)
      const budget = p.c.budgetMs
      if (budget !== undefined && t * (samples + 1) > budget) {
        p.samples = Math.max(1, Math.min(samples, Math.floor(budget / t) - 1))
      }
      while (t < minSampleMs) {
        const wanted = Math.ceil((minSampleMs * 1.2 * p.calls) / Math.max(t, 1e-3))
        p.calls = Math.max(2 * p.calls, Math.min(100 * p.calls, wanted))
        collect()
        t = timeCalls(p.c.fn, p.calls)
      }
      // Warm-up: whole samples for at least warmupMs (at least one), unless a budget is tight.
      // Calibration may have ended while the code was still cold: check the last warm-up
      // sample and make the samples longer if it was short.
      if (p.samples === samples) {
        const until = now() + (p.c.warmupMs ?? warmupMs)
        do t = timeCalls(p.c.fn, p.calls)
        while (now() < until)
        if (t < minSampleMs) p.calls = Math.ceil((minSampleMs * 1.2 * p.calls) / Math.max(t, 1e-3))
      }
    } catch (e) {
      p.error = describeError(e)
    }
  }
  const sample = (p: Plan): void => {
    try {
      if (p.c.collect !== false) gc()
      p.times.push(timeCalls(p.c.fn, p.calls) / p.calls)
    } catch (e) {
      p.error = describeError(e)
    }
  }

  const shared = plans.filter((p) => p.c.isolate !== true)
  if (settleMs > 0) settle(settleMs)
  for (const p of shared) prepare(p)
  const rounds = Math.max(0, ...shared.map((p) => p.samples))
  for (let r = 0; r < rounds; r++) {
    for (const p of shared) if (p.error === undefined && r < p.samples) sample(p)
  }
  for (const p of plans.filter((q) => q.c.isolate === true)) {
    if (settleMs > 0) settle(settleMs)
    prepare(p)
    for (let r = 0; r < p.samples && p.error === undefined; r++) sample(p)
  }

  return plans.map((p) => {
    const units = p.c.units ?? 1
    const ns = p.times.map((ms) => (ms * 1e6) / units)
    const failed = p.error !== undefined || ns.length === 0
    return {
      name: p.c.name,
      median: failed ? NaN : median(ns),
      min: failed ? NaN : Math.min(...ns),
      max: failed ? NaN : Math.max(...ns),
      samples: ns,
      callsPerSample: p.calls,
      ...(p.error === undefined ? {} : { error: p.error })
    }
  })
}

/** Times one call of `fn` (for one-off costs such as building a program), in milliseconds. */
export const timeOnce = <T>(fn: () => T): { readonly ms: number; readonly value: T } => {
  const start = now()
  const value = fn()
  return { ms: now() - start, value }
}

// -------------------------------------------------------------------------------------
// reporting
// -------------------------------------------------------------------------------------

/** How to print times: the unit's label and the factor from nanoseconds. */
export interface Unit {
  readonly label: string
  readonly fromNs: number
}

/** Nanoseconds per unit of work (`ns/op`). */
export const nsPer = (what: string): Unit => ({ label: `ns/${what}`, fromNs: 1 })
/** Microseconds per unit of work (`µs/step`). */
export const usPer = (what: string): Unit => ({ label: `µs/${what}`, fromNs: 1e-3 })
/** Milliseconds per unit of work (`ms/step`). */
export const msPer = (what: string): Unit => ({ label: `ms/${what}`, fromNs: 1e-6 })

/** A number with 3 significant digits (more for large ones), grouped by thousands. */
export const fmt = (x: number): string => {
  if (!Number.isFinite(x)) return '—'
  const digits = Math.abs(x) >= 100 ? 0 : Math.abs(x) >= 10 ? 1 : Math.abs(x) >= 1 ? 2 : 3
  return x.toLocaleString('en-US', { minimumFractionDigits: digits, maximumFractionDigits: digits })
}

/** The ratio of `result`'s median to `baseline`'s (NaN if either failed). */
export const ratio = (result: Result | undefined, baseline: Result | undefined): number =>
  result === undefined || baseline === undefined ? NaN : result.median / baseline.median

/** Finds a result by name; throws if it is missing (a typo in a benchmark). */
export const byName = (results: ReadonlyArray<Result>, name: string): Result => {
  const found = results.find((r) => r.name === name)
  if (found === undefined) throw new Error(`bench: no result named ${JSON.stringify(name)}`)
  return found
}

/** Formats rows as a Markdown table (readable in a terminal and pasteable into docs). */
export const markdownTable = (header: ReadonlyArray<string>, rows: ReadonlyArray<ReadonlyArray<string>>): string => {
  const widths = header.map((h, i) => Math.max(h.length, ...rows.map((r) => (r[i] ?? '').length)))
  const line = (cells: ReadonlyArray<string>): string =>
    `| ${cells.map((c, i) => (i === 0 ? c.padEnd(widths[i] ?? 0) : c.padStart(widths[i] ?? 0))).join(' | ')} |`
  const rule = `| ${widths.map((w, i) => (i === 0 ? '-'.repeat(w) : `${'-'.repeat(Math.max(w - 1, 1))}:`)).join(' | ')} |`
  return [line(header), rule, ...rows.map(line)].join('\n')
}

/**
 * The table of a set of results: implementation, median, min–max, samples × calls, and the
 * ratio of medians to `baseline` (a name among the results). Failed cases show their error.
 */
export const resultTable = (results: ReadonlyArray<Result>, baseline: string, unit: Unit): string => {
  const base = byName(results, baseline)
  const rows = results.map((r) =>
    r.error !== undefined
      ? [r.name, r.error.split(':')[0] ?? r.error, '—', '—', '—']
      : [
          r.name,
          fmt(r.median * unit.fromNs),
          `${fmt(r.min * unit.fromNs)}–${fmt(r.max * unit.fromNs)}`,
          `${r.samples.length}×${r.callsPerSample}`,
          r === base ? '1.00' : fmt(ratio(r, base))
        ]
  )
  return markdownTable(
    ['implementation', `${unit.label} (median)`, 'min–max', 'samples×calls', `ratio to ${baseline}`],
    rows
  )
}

/** A target: PASS or MISS from a measured value and its bound (value ≤ bound passes). */
export const verdict = (value: number, bound: number): string =>
  !Number.isFinite(value) ? 'MISS (not measured)' : value <= bound ? 'PASS' : 'MISS'

/** Where the numbers came from: node version, cores, date, gc. */
export const machineLine = (): string =>
  `node ${process.version}, ${availableParallelism()} cores (${cpus()[0]?.model ?? 'unknown cpu'}), ${platform()} ${release()}, ` +
  `${new Date().toISOString()}, gc between samples: ${gcAvailable ? 'yes' : 'no'}`
