/**
 * The runner's side of a table: one child process per row (`child.ts`), started one after
 * the other; each is checked against the table's reference row and warmed up (≥ 2 s) before
 * the next starts; then samples are taken in alternating rounds — every row once in table
 * order, then once in reverse order, … — one process working at a time, so a slow phase of a
 * shared machine hits every row alike and the rows never compete for the 2 cores. At the end
 * each child reports what its last timed call computed, which is checked again.
 *
 * @module bench/isolate
 */
import { fork, type ChildProcess } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import * as H from './harness.js'
import type { BenchOptions, FromChild, Group, Output, Row, Sampling, ToChild } from './model.js'
import type { RowRecord, TableRecord } from './results.js'

// -------------------------------------------------------------------------------------
// sampling
// -------------------------------------------------------------------------------------

const FULL: Sampling = { samples: 15, minSampleMs: 50, warmupMs: 2000, budgetMs: 10_000 }

/**
 * The sampling of a table: the defaults with its overrides. Quick runs take two samples of
 * one call each, cold: they check that every row runs and agrees, and time nothing worth
 * reading.
 */
export const samplingFor = (options: BenchOptions, overrides: Partial<Sampling> = {}): Sampling => {
  const s = { ...FULL, ...overrides }
  return options.quick ? { samples: Math.min(s.samples, 2), minSampleMs: 0, warmupMs: 0, budgetMs: Math.min(s.budgetMs, 1000) } : s
}

// -------------------------------------------------------------------------------------
// children
// -------------------------------------------------------------------------------------

const self = fileURLToPath(import.meta.url)
const underTsx = self.endsWith('.ts')
const CHILD = self.replace(/isolate\.(ts|js)$/, `child.$1`)
/** A child that says nothing for this long is killed (the slowest call is a tfjs-cpu epoch, ~20 s). */
const TIMEOUT_MS = 240_000

/** Whether the runner itself runs under tsx (then the children do too, and times are not comparable). */
export const runningUnderTsx = underTsx

const tail = (s: string, n = 1500): string => (s.length <= n ? s : `…${s.slice(-n)}`)

/** One child process and its messages, read one at a time. */
class Child {
  private readonly proc: ChildProcess
  private readonly inbox: Array<FromChild> = []
  private waiting: ((m: FromChild) => void) | undefined
  private output = ''
  private ended: string | undefined

  constructor(bench: string, group: string, row: string, quick: boolean) {
    this.proc = fork(CHILD, [bench, group, row, ...(quick ? ['--quick'] : [])], {
      execArgv: underTsx ? ['--import', 'tsx'] : [],
      serialization: 'advanced',
      stdio: ['ignore', 'pipe', 'pipe', 'ipc']
    })
    const keep = (chunk: Buffer): void => {
      this.output = tail(this.output + chunk.toString('utf8'), 4000)
    }
    this.proc.stdout?.on('data', keep)
    this.proc.stderr?.on('data', keep)
    this.proc.on('message', (m: FromChild) => this.deliver(m))
    // 'exit' may come before the child's last messages: let them arrive first
    this.proc.on('exit', (code, signal) =>
      setTimeout(() => {
        this.ended = `the child exited (${signal ?? `code ${String(code)}`})${this.output.trim() === '' ? '' : `: ${tail(this.output.trim())}`}`
        this.deliver({ kind: 'error', error: this.ended })
      }, 200)
    )
  }

  private deliver(m: FromChild): void {
    const w = this.waiting
    if (w !== undefined) {
      this.waiting = undefined
      w(m)
    } else this.inbox.push(m)
  }

  /** The next message (an `error` message if the child died or timed out). */
  next(): Promise<FromChild> {
    const m = this.inbox.shift()
    if (m !== undefined) return Promise.resolve(m)
    if (this.ended !== undefined) return Promise.resolve({ kind: 'error', error: this.ended })
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.waiting = undefined
        this.kill()
        resolve({ kind: 'error', error: `the child sent nothing for ${TIMEOUT_MS / 1000} s (killed)` })
      }, TIMEOUT_MS)
      this.waiting = (msg) => {
        clearTimeout(timer)
        resolve(msg)
      }
    })
  }

  send(m: ToChild): void {
    if (this.ended === undefined) this.proc.send(m)
  }

  kill(): void {
    if (this.ended === undefined && this.proc.exitCode === null) this.proc.kill('SIGKILL')
  }

  /** Closes the IPC channel: a child that has sent its last message then exits by itself. */
  close(): void {
    if (this.proc.connected) this.proc.disconnect()
  }
}

/** The next message of `child`, which must be of `kind`; otherwise the error it describes. */
const expect = async <K extends FromChild['kind']>(child: Child, kind: K): Promise<Extract<FromChild, { kind: K }> | string> => {
  const m = await child.next()
  if (m.kind === kind) return m as Extract<FromChild, { kind: K }>
  child.kill()
  return m.kind === 'error' ? m.error : `expected ${kind}, got ${m.kind}`
}

// -------------------------------------------------------------------------------------
// a table
// -------------------------------------------------------------------------------------

interface State {
  readonly row: Row
  child: Child | undefined
  error: string | undefined
  units: number
  calls: number
  samples: number
  readonly msPerCall: Array<number>
  readonly cpuMsPerCall: Array<number>
  output: Output | undefined
  notes: Readonly<Record<string, string>>
  coldMs: number | undefined
  rssPeakMiB: number | undefined
}

/** Runs one table: starts, checks and warms up the rows' children, samples them in alternating rounds, prints the table. */
export const runGroup = async (bench: string, group: Group, options: BenchOptions): Promise<TableRecord> => {
  const sampling = samplingFor(options, group.sampling)
  console.log(`\n### ${group.title}\n`)
  if (group.intro !== undefined) console.log(`${group.intro}\n`)
  const states: Array<State> = group.rows.map((row) => ({
    row,
    child: undefined,
    error: undefined,
    units: 1,
    calls: 1,
    samples: 0,
    msPerCall: [],
    cpuMsPerCall: [],
    output: undefined,
    notes: {},
    coldMs: undefined,
    rssPeakMiB: undefined
  }))
  const ref = states.find((s) => s.row.name === group.reference)
  if (ref === undefined) throw new Error(`bench ${bench}: table ${group.id} has no reference row ${group.reference}`)
  const checks: Array<string> = []
  const say = (line: string): void => {
    checks.push(line)
    console.log(line)
  }

  // Start the reference first: every other row is checked against what it computed.
  for (const s of [ref, ...states.filter((x) => x !== ref)]) {
    if (ref.error !== undefined && s !== ref) {
      s.error = `not checked (the reference ${ref.row.name} failed)`
      continue
    }
    const child = new Child(bench, group.id, s.row.name, options.quick)
    const ready = await expect(child, 'ready')
    if (typeof ready === 'string') {
      s.error = ready
      say(`  ${s.row.name}: ${ready}`)
      continue
    }
    s.output = ready.output
    s.units = ready.units
    s.notes = ready.notes
    s.coldMs = ready.coldMs
    const verdict = group.check(ref.output ?? ready.output, ready.output, s.row)
    say(`  ${s.row.name}: ${verdict.text} ${verdict.ok ? 'ok' : 'MISMATCH'}`)
    if (!verdict.ok) {
      s.error = 'MISMATCH (not timed)'
      child.kill()
      continue
    }
    child.send({ kind: 'warm', sampling, settleMs: s.row.settleMs ?? 0 })
    const warm = await expect(child, 'warm')
    if (typeof warm === 'string') {
      s.error = warm
      say(`  ${s.row.name}: ${warm}`)
      continue
    }
    s.child = child
    s.calls = warm.calls
    s.samples = Math.max(Math.min(sampling.samples, options.quick ? 1 : 3), Math.min(sampling.samples, Math.floor(sampling.budgetMs / Math.max(warm.sampleMs, 1e-3))))
  }

  const rounds = Math.max(0, ...states.map((s) => s.samples))
  for (let r = 0; r < rounds; r++) {
    const order = r % 2 === 0 ? states : [...states].reverse()
    for (const s of order) {
      if (s.child === undefined || s.error !== undefined || r >= s.samples) continue
      s.child.send({ kind: 'sample' })
      const m = await expect(s.child, 'sample')
      if (typeof m === 'string') {
        s.error = m
        s.child = undefined
      } else {
        s.msPerCall.push(m.msPerCall)
        s.cpuMsPerCall.push(m.cpuMsPerCall)
      }
    }
  }

  // What the last timed call of each row computed, checked against the reference's.
  const finals = new Map<State, Output>()
  for (const s of states) {
    if (s.child === undefined || s.error !== undefined) continue
    s.child.send({ kind: 'finish' })
    const m = await expect(s.child, 'final')
    s.child.close()
    if (typeof m === 'string') s.error = m
    else {
      finals.set(s, m.output)
      s.rssPeakMiB = m.rssPeakMiB
    }
  }
  const refFinal = finals.get(ref)
  for (const [s, out] of finals) {
    const verdict = refFinal === undefined ? { ok: false, text: 'the reference did not finish' } : group.check(refFinal, out, s.row)
    if (!verdict.ok) {
      s.error = 'MISMATCH (timed call)'
      say(`  ${s.row.name}, last timed call: ${verdict.text} MISMATCH`)
    }
  }

  const table = record(group, states, checks)
  console.log()
  console.log(render(group, table))
  const noted = states.filter((s) => Object.keys(s.notes).length > 0)
  if (noted.length > 0) console.log()
  for (const s of noted) console.log(`- ${s.row.name}: ${Object.entries(s.notes).map(([k, v]) => `${k} ${v}`).join('; ')}`)
  return table
}

/** The table's record: times in the table's unit, ratios of medians and per-round ratio ranges. */
const record = (group: Group, states: ReadonlyArray<State>, checks: ReadonlyArray<string>): TableRecord => {
  const toUnit = (s: State, ms: ReadonlyArray<number>): Array<number> => (s.error === undefined ? ms.map((x) => ((x * 1e6) / s.units) * group.unit.fromNs) : [])
  const inUnit = (s: State): Array<number> => toUnit(s, s.msPerCall)
  const bases = group.baselines.map((name) => states.find((s) => s.row.name === name))
  const rows: Array<RowRecord> = states.map((s) => {
    const samples = inUnit(s)
    const cpuSamples = toUnit(s, s.cpuMsPerCall)
    const m = H.median(samples)
    const ratios: Record<string, number> = {}
    const cpuRatios: Record<string, number> = {}
    const roundRatios: Record<string, readonly [number, number]> = {}
    for (const base of bases) {
      if (base === undefined) continue
      const b = inUnit(base)
      const r = m / H.median(b)
      if (Number.isFinite(r)) ratios[base.row.name] = r
      const rc = H.median(cpuSamples) / H.median(toUnit(base, base.cpuMsPerCall))
      if (Number.isFinite(rc)) cpuRatios[base.row.name] = rc
      const perRound = samples.flatMap((x, i) => (i < b.length ? [x / (b[i] as number)] : []))
      if (perRound.length > 0) roundRatios[base.row.name] = [Math.min(...perRound), Math.max(...perRound)]
    }
    const timed = samples.length > 0
    return {
      name: s.row.name,
      median: timed ? m : null,
      min: timed ? Math.min(...samples) : null,
      max: timed ? Math.max(...samples) : null,
      samples,
      cpuSamples,
      callsPerSample: s.calls,
      ratios,
      cpuRatios,
      roundRatios,
      ...(s.error !== undefined ? { error: s.error } : timed ? {} : { error: 'not timed' }),
      ...(Object.keys(s.notes).length > 0 ? { notes: s.notes } : {}),
      ...(s.coldMs !== undefined ? { coldMs: s.coldMs } : {}),
      ...(s.rssPeakMiB !== undefined ? { rssPeakMiB: s.rssPeakMiB } : {})
    }
  })
  return { id: group.id, title: group.title, unit: group.unit.label, baselines: group.baselines, rows, checks }
}

/** A table record as Markdown: median, min–max, samples × calls, extra columns, ratios. */
export const render = (group: Group, table: TableRecord): string => {
  const extra = group.columns ?? []
  const [first, ...others] = table.baselines
  const header = [
    'implementation',
    `${table.unit} (median)`,
    'min–max',
    'samples×calls',
    ...extra.map((c) => c.header),
    ...(first === undefined ? [] : [`ratio to ${first} (min–max over rounds)`]),
    ...others.map((b) => `ratio to ${b}`)
  ]
  const rows = table.rows.map((r) => {
    if (r.median === null || r.min === null || r.max === null) {
      const why = (r.error ?? 'not timed').split(':')[0] ?? ''
      return [r.name, why, ...header.slice(2).map(() => '—')]
    }
    const ratioCell = (b: string, range: boolean): string => {
      const x = r.ratios[b]
      if (x === undefined) return '—'
      const rr = r.roundRatios?.[b]
      return r.name === b ? '1.00' : range && rr !== undefined ? `${H.fmt(x)} (${H.fmt(rr[0])}–${H.fmt(rr[1])})` : H.fmt(x)
    }
    return [
      r.name,
      H.fmt(r.median),
      `${H.fmt(r.min)}–${H.fmt(r.max)}`,
      `${r.samples.length}×${r.callsPerSample}`,
      ...extra.map((c) => c.cell(r.median as number)),
      ...(first === undefined ? [] : [ratioCell(first, true)]),
      ...others.map((b) => ratioCell(b, false))
    ]
  })
  return H.markdownTable(header, rows)
}
