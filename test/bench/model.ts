/**
 * The model of the process-isolated benchmarks (`npm run bench`): what a benchmark module
 * declares (tables of rows, each row one implementation), what a child process builds and
 * times for one row (a {@link Subject}), and the messages between the runner and a child.
 *
 * One row of one table runs in one child process of its own, under plain node, from the
 * built package (`dist/`): peers never share a heap, a JIT or a garbage collector, and a
 * case that makes much garbage only slows itself. The runner (`isolate.ts`) starts the
 * children of a table one after the other, checks what each computes against the
 * table's reference row, then asks them for samples in alternating rounds.
 *
 * @module bench/model
 */
import type { ReadonlyFloat64Array } from '../../src/kernels/index.js'
import type { BenchOptions, Unit } from './harness.js'
import type { TableRecord } from './results.js'

export type { BenchOptions } from './harness.js'

// -------------------------------------------------------------------------------------
// what a row computes, and what is timed
// -------------------------------------------------------------------------------------

/** What the check compares: a few numbers (a loss, a value) and arrays (gradients). */
export interface Output {
  readonly scalars: ReadonlyArray<number>
  readonly arrays: ReadonlyArray<ReadonlyFloat64Array | Float32Array>
}

/** Built in the child for one row: the work to time and how to read what it computed. */
export interface Subject {
  /** One call of the measured work. Its result is kept, so the work is never dead code. */
  readonly run: () => unknown
  /** What a call computed, for the check (may do untimed work, e.g. read gradients back). */
  readonly output: (result: unknown) => Output
  /** Units of work per call (ops, steps); times are reported per unit. Default 1. */
  readonly units?: number
  /** Facts to print under the table: build costs, backend, kernel path. */
  readonly notes?: Readonly<Record<string, string>>
}

/** A subject whose `run` result has a known type (see {@link subject}). */
export interface TypedSubject<R> {
  readonly run: () => R
  readonly output: (result: R) => Output
  readonly units?: number
  readonly notes?: Readonly<Record<string, string>>
}

/**
 * Erases a subject's result type. The child passes `output` only what `run` returned, so
 * the cast in between is safe.
 */
export const subject = <R>(s: TypedSubject<R>): Subject => ({ ...s, output: (r: unknown) => s.output(r as R) })

// -------------------------------------------------------------------------------------
// what a benchmark declares
// -------------------------------------------------------------------------------------

/** How a table is sampled (see `samplingFor`). */
export interface Sampling {
  /** Samples per row, taken in alternating rounds. */
  readonly samples: number
  /** Calls per sample are calibrated so that a sample lasts at least this long (0: one call). */
  readonly minSampleMs: number
  /** Warm-up of each child, after its first call: calls for at least this long. */
  readonly warmupMs: number
  /** A row whose samples are slow takes fewer (at least 3; quick: 1) to stay near this budget. */
  readonly budgetMs: number
}

/** One implementation in a table. */
export interface Row {
  readonly name: string
  /** Computes in float32 (tfjs, hand-written Float32Array loops): the check is looser. */
  readonly float32?: boolean
  /**
   * Milliseconds the child sleeps after each of its samples before answering, so that the
   * background sweeping of the garbage it left (V8 goes on after a sample ends) does not
   * slow the next child's sample on a 2-core machine.
   */
  readonly settleMs?: number
  /** An error this row is expected to fail with (the seed's closures overflow the stack at N = 1e6). */
  readonly expectError?: RegExp
}

/** The verdict of a check: whether it passed, and a line that says what was compared. */
export interface Verdict {
  readonly ok: boolean
  readonly text: string
}

/** One table: rows timed against each other, checked against a reference row first. */
export interface Group {
  /** Identifies the table within its benchmark (`N = 10`, `784-128-10 b64`): keys results. */
  readonly id: string
  /** The heading printed above the table. */
  readonly title: string
  readonly unit: Unit
  readonly rows: ReadonlyArray<Row>
  /** The row every other row's output is checked against (it must run). */
  readonly reference: string
  /** Rows to print ratios to, one column each (the first also with its min–max over rounds). */
  readonly baselines: ReadonlyArray<string>
  /** Compares a row's output with the reference's. */
  readonly check: (reference: Output, got: Output, row: Row) => Verdict
  /** Overrides of the default sampling (full runs; quick runs cap them). */
  readonly sampling?: Partial<Sampling>
  /** Extra columns after min–max (e.g. GFLOP/s), from a row's median in the table's unit. */
  readonly columns?: ReadonlyArray<{ readonly header: string; readonly cell: (median: number) => string }>
  /** Printed under the heading, before the checks. */
  readonly intro?: string
}

/** A benchmark module of the new harness exports one of these as `benchmark`. */
export interface Benchmark {
  readonly name: string
  /** The tables, in order (metadata only: nothing is built in the runner). */
  readonly groups: (options: BenchOptions) => ReadonlyArray<Group>
  /** In the child: builds one row of one table. */
  readonly build: (group: string, row: string, options: BenchOptions) => Subject | Promise<Subject>
  /** After the tables: prints targets and summaries from the results. */
  readonly summarise?: (tables: ReadonlyArray<TableRecord>, options: BenchOptions) => void
}

// -------------------------------------------------------------------------------------
// messages
// -------------------------------------------------------------------------------------

/** From the runner to a child. */
export type ToChild =
  | { readonly kind: 'warm'; readonly sampling: Sampling; readonly settleMs: number }
  | { readonly kind: 'sample' }
  | { readonly kind: 'finish' }

/** From a child to the runner. */
export type FromChild =
  /** Built, and called once (cold): what it computed, and how long the first call took. */
  | {
      readonly kind: 'ready'
      readonly output: Output
      readonly units: number
      readonly coldMs: number
      readonly notes: Readonly<Record<string, string>>
    }
  /** Warmed up: calls per sample and the last warm-up sample's duration. */
  | { readonly kind: 'warm'; readonly calls: number; readonly sampleMs: number; readonly warmedMs: number }
  /** One sample: wall-clock and CPU milliseconds per call (CPU: user + system, all of the process's threads). */
  | { readonly kind: 'sample'; readonly msPerCall: number; readonly cpuMsPerCall: number }
  /** What the last timed call computed, and the process's peak resident set size. */
  | { readonly kind: 'final'; readonly output: Output; readonly rssPeakMiB: number }
  | { readonly kind: 'error'; readonly error: string }

/** `Error: message` of anything thrown. */
export const describeError = (e: unknown): string => (e instanceof Error ? `${e.name}: ${e.message}` : `thrown: ${String(e)}`)

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

/** `|a − b| / max(|a|, |b|)`, 0 when equal. */
export const relDiff = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)))

/** `max|a − b| / max|b|` over one array (`max|a − b|` when `b` is all zeros); ∞ if the lengths differ. */
export const relError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    const d = Math.abs((a[i] as number) - (b[i] as number))
    // NaN must fail the check, and Math.max(NaN, …) is NaN
    diff = Number.isNaN(d) ? Infinity : Math.max(diff, d)
    scale = Math.max(scale, Math.abs(b[i] as number))
  }
  return scale === 0 ? diff : diff / scale
}

/** The worst {@link relError} over the arrays of two outputs. */
export const worstArrayError = (got: Output, want: Output): number =>
  got.arrays.length !== want.arrays.length ? Infinity : Math.max(0, ...want.arrays.map((w, i) => relError(got.arrays[i] ?? [], w)))

/** A number for a check line: `1.2e-16`. */
export const sci = (x: number): string => (Number.isFinite(x) ? x.toExponential(1) : String(x))
