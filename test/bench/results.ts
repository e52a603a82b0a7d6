/**
 * Machine-readable benchmark results: the JSON file `npm run bench` writes for every run,
 * and a reader for the *text* the benchmarks print (the old in-process harness's logs, and
 * the tables of benchmark modules that print their own), so that `compare.ts` can put runs
 * of either side by side.
 *
 * What is compared across runs is the **same-run ratio**: a row's median divided by a
 * baseline's median in the same table of the same run. A case is keyed
 * `benchmark / table / row ÷ baseline`.
 *
 * @module bench/results
 */
import { readFileSync, writeFileSync, mkdirSync } from 'node:fs'
import { dirname } from 'node:path'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** One row of a table. Times are in the table's unit; `null` where nothing was timed. */
export interface RowRecord {
  readonly name: string
  readonly median: number | null
  readonly min: number | null
  readonly max: number | null
  readonly samples: ReadonlyArray<number>
  /**
   * CPU time of the same samples (user + system, every thread of the row's process), in the
   * same unit: less sensitive than wall-clock time to other work on a shared machine, blind to
   * waiting (for a core, for memory). Absent for tables read from text.
   */
  readonly cpuSamples?: ReadonlyArray<number>
  readonly callsPerSample: number
  /** Baseline name → ratio of medians (this row's over the baseline's). */
  readonly ratios: Readonly<Record<string, number>>
  /** Baseline name → ratio of the CPU-time medians. */
  readonly cpuRatios?: Readonly<Record<string, number>>
  /** Baseline name → [min, max] of the per-round ratios (the same round's samples). */
  readonly roundRatios?: Readonly<Record<string, readonly [number, number]>>
  /** Why the row has no times: the error it threw, or the failed check. */
  readonly error?: string
  /** Facts the row's child reported (build costs, backend, kernel path). */
  readonly notes?: Readonly<Record<string, string>>
  /** Milliseconds of the child's first call (cold). */
  readonly coldMs?: number
  /** Peak resident set size of the row's child process, MiB. */
  readonly rssPeakMiB?: number
}

/** One table: rows timed against each other in the same run. */
export interface TableRecord {
  readonly id: string
  readonly title: string
  readonly unit: string
  readonly baselines: ReadonlyArray<string>
  readonly rows: ReadonlyArray<RowRecord>
  /** The check lines printed before timing. */
  readonly checks: ReadonlyArray<string>
}

/** One benchmark module's tables. */
export interface BenchRecord {
  readonly name: string
  readonly seconds: number
  readonly tables: ReadonlyArray<TableRecord>
}

/** Where a run happened. */
export interface Machine {
  readonly cpu: string
  readonly cores: number
  readonly node: string
  readonly os: string
  /** 1-, 5- and 15-minute load averages when the run started and when it ended. */
  readonly loadStart: ReadonlyArray<number>
  readonly loadEnd: ReadonlyArray<number>
}

/** What `npm run bench` writes: one file per run. */
export interface RunRecord {
  readonly format: typeof FORMAT
  readonly quick: boolean
  readonly started: string
  readonly seconds: number
  readonly argv: ReadonlyArray<string>
  readonly machine: Machine
  /** The commit the code came from, and whether the work tree had changes. */
  readonly git: { readonly commit: string; readonly dirty: boolean } | null
  readonly benchmarks: ReadonlyArray<BenchRecord>
}

export const FORMAT = 'backprop-lens-bench/1'

// -------------------------------------------------------------------------------------
// writing and reading
// -------------------------------------------------------------------------------------

/** Writes a run as JSON (NaN and infinities become `null`). */
export const writeRun = (file: string, run: RunRecord): void => {
  mkdirSync(dirname(file), { recursive: true })
  writeFileSync(file, `${JSON.stringify(run, (_k, v: unknown) => (typeof v === 'number' && !Number.isFinite(v) ? null : v), 1)}\n`)
}

/** A run read from a file: a JSON run of this harness, or the text a benchmark run printed. */
export interface LoadedRun {
  readonly file: string
  readonly kind: 'json' | 'text'
  readonly quick: boolean
  readonly benchmarks: ReadonlyArray<BenchRecord>
}

const isRunRecord = (u: unknown): u is RunRecord =>
  typeof u === 'object' && u !== null && (u as { format?: unknown }).format === FORMAT && Array.isArray((u as { benchmarks?: unknown }).benchmarks)

/** Reads a run: JSON written by {@link writeRun}, otherwise the text of a benchmark run's output. */
export const loadRun = (file: string): LoadedRun => {
  const text = readFileSync(file, 'utf8')
  if (text.trimStart().startsWith('{')) {
    const parsed: unknown = JSON.parse(text)
    if (!isRunRecord(parsed)) throw new Error(`bench: ${file} is JSON but not a run of this harness (format ${FORMAT})`)
    return { file, kind: 'json', quick: parsed.quick, benchmarks: parsed.benchmarks }
  }
  const benchmarks = parseText(text)
  if (benchmarks.every((b) => b.tables.length === 0)) throw new Error(`bench: ${file} holds no table with a "ratio to …" column`)
  return { file, kind: 'text', quick: /^# backprop-lens benchmarks \(quick/m.test(text), benchmarks }
}

// -------------------------------------------------------------------------------------
// text
// -------------------------------------------------------------------------------------

const cellsOf = (line: string): Array<string> =>
  line
    .trim()
    .replace(/^\|/, '')
    .replace(/\|$/, '')
    .split('|')
    .map((c) => c.trim())

/** `1,090` → 1090, `2.21×` → 2.21, `1.28 (1.24–1.33)` → 1.28; `—`, `RangeError`, `MISMATCH` → NaN. */
const numberOf = (cell: string): number => {
  const token = (cell.split(' ')[0] ?? '').replace(/×$/, '')
  return /^-?(\d{1,3}(,\d{3})+|\d+)(\.\d+)?(e[-+]?\d+)?$/i.test(token) ? Number(token.replace(/,/g, '')) : NaN
}

const RATIO = /^ratio to (.+?)(?: \(min–max over rounds\))?$/

/**
 * The tables of a benchmark run's printed output: `## name` starts a benchmark, `### title`
 * a table's section, and every Markdown table with a `ratio to X` column becomes a table
 * record of that section (the old harness prints some sections with two such tables, for
 * different baselines). Cells that are not numbers (`—`, `RangeError`) give no ratio.
 */
export const parseText = (text: string): Array<BenchRecord> => {
  const benches: Array<{ name: string; tables: Array<TableRecord> }> = []
  let bench: { name: string; tables: Array<TableRecord> } | undefined
  let section = ''
  const lines = text.split('\n')
  for (let i = 0; i < lines.length; i++) {
    const line = lines[i] as string
    const h2 = /^## (.+)$/.exec(line)
    const h3 = /^### (.+)$/.exec(line)
    if (h2 !== null) {
      bench = { name: (h2[1] as string).trim(), tables: [] }
      benches.push(bench)
      section = ''
      continue
    }
    if (h3 !== null) {
      section = (h3[1] as string).trim()
      continue
    }
    if (!line.startsWith('|') || !/^\|[\s-:|]+\|$/.test((lines[i + 1] ?? '').trim())) continue
    const header = cellsOf(line)
    const ratioColumns = header.flatMap((h, c) => {
      const m = RATIO.exec(h)
      return m === null ? [] : [{ c, baseline: m[1] as string }]
    })
    i += 1
    const rows: Array<RowRecord> = []
    while (i + 1 < lines.length && (lines[i + 1] as string).startsWith('|')) {
      i += 1
      const cells = cellsOf(lines[i] as string)
      const median = numberOf(cells[1] ?? '')
      const ratios: Record<string, number> = {}
      for (const { c, baseline } of ratioColumns) {
        const r = numberOf(cells[c] ?? '')
        if (Number.isFinite(r)) ratios[baseline] = r
      }
      rows.push({
        name: cells[0] ?? '',
        median: Number.isFinite(median) ? median : null,
        min: null,
        max: null,
        samples: [],
        callsPerSample: 0,
        ratios,
        ...(Number.isFinite(median) ? {} : { error: cells[1] ?? '' })
      })
    }
    if (ratioColumns.length === 0) continue
    if (bench === undefined) {
      bench = { name: '(untitled)', tables: [] }
      benches.push(bench)
    }
    const unit = (header[1] ?? '').replace(/ \(median\)$/, '')
    bench.tables.push({ id: section, title: section, unit, baselines: ratioColumns.map((r) => r.baseline), rows, checks: [] })
  }
  return benches.map((b) => ({ name: b.name, seconds: NaN, tables: b.tables }))
}

// -------------------------------------------------------------------------------------
// cases
// -------------------------------------------------------------------------------------

/** One same-run ratio: a row's median over a baseline's, in one table of one run. */
export interface Case {
  /** `benchmark / table / row ÷ baseline`. */
  readonly key: string
  /** `benchmark / table`. */
  readonly table: string
  /** `row ÷ baseline`. */
  readonly what: string
  readonly ratio: number
}

/**
 * The same-run ratios of a run (a baseline's ratio to itself is left out): of wall-clock
 * medians, or with `cpu` of CPU-time medians (JSON runs only).
 */
export const casesOf = (benchmarks: ReadonlyArray<BenchRecord>, cpu = false): Array<Case> =>
  benchmarks.flatMap((b) =>
    b.tables.flatMap((t) =>
      t.rows.flatMap((r) =>
        Object.entries((cpu ? r.cpuRatios : r.ratios) ?? {}).flatMap(([baseline, ratio]) => {
          if (r.name === baseline || ratio === null || !Number.isFinite(ratio)) return []
          const table = `${b.name} / ${t.id}`
          const what = `${r.name} ÷ ${baseline}`
          return [{ key: `${table} / ${what}`, table, what, ratio }]
        })
      )
    )
  )
