/**
 * A child process of the benchmark runner: builds one row of one table and times it on
 * request (`isolate.ts` starts it with `fork`).
 *
 *     node dist/test/bench/child.js <benchmark> <table id> <row name> [--quick]
 *
 * On start it builds the row's {@link Subject}, calls it once (cold) and sends what it
 * computed (`ready`). On `warm` it calibrates the calls per sample and warms up; on
 * `sample` it times one sample; on `finish` it sends what the last timed call computed and
 * its peak RSS, and exits. No collection is forced: the garbage a row makes while it runs
 * is part of its cost, and nobody else's.
 *
 * @module bench/child
 */
import type { Benchmark, FromChild, Output, Sampling, Subject, ToChild } from './model.js'
import { describeError } from './model.js'
import { now } from './harness.js'

const sleeper = new Int32Array(new SharedArrayBuffer(4))
const sleep = (ms: number): void => {
  if (ms > 0) Atomics.wait(sleeper, 0, 0, ms)
}

const send = (message: FromChild): Promise<void> =>
  new Promise((resolve, reject) => {
    if (process.send === undefined) reject(new Error('bench child: started without an IPC channel (run it through the runner)'))
    else process.send(message, undefined, undefined, (e) => (e === null ? resolve() : reject(e)))
  })

const isBenchmark = (m: unknown): m is { readonly benchmark: Benchmark } => {
  const b = typeof m === 'object' && m !== null ? (m as { benchmark?: unknown }).benchmark : undefined
  return typeof b === 'object' && b !== null && typeof (b as { build?: unknown }).build === 'function'
}

/** The state of a child: its subject, calls per sample, and the last result kept. */
interface Timed {
  readonly subject: Subject
  calls: number
  last: unknown
}

/** Runs `calls` calls and returns the elapsed milliseconds, keeping the last result. */
const time = (t: Timed, calls: number): number => {
  const run = t.subject.run
  let last: unknown
  const start = now()
  for (let i = 0; i < calls; i++) last = run()
  const elapsed = now() - start
  t.last = last
  return elapsed
}

/**
 * Calibrates the calls per sample (a sample lasts ≥ `minSampleMs`), then runs whole
 * samples until `warmupMs` have passed since the first (cold) call, which counts: a call
 * longer than the warm-up (an epoch) is not repeated. Finally the count is raised so that
 * a sample at the fastest speed seen in the warm-up still lasts `minSampleMs` (calibration
 * may have run while the code was cold, or during a burst of load).
 */
const warm = (t: Timed, s: Sampling, coldMs: number): { readonly sampleMs: number; readonly warmedMs: number } => {
  const started = now() - coldMs
  let ms = coldMs
  if (s.minSampleMs > 0) {
    ms = time(t, t.calls)
    while (ms < s.minSampleMs) {
      const wanted = Math.ceil((s.minSampleMs * 1.2 * t.calls) / Math.max(ms, 1e-3))
      t.calls = Math.max(2 * t.calls, Math.min(100 * t.calls, wanted))
      ms = time(t, t.calls)
    }
  }
  let fastest = ms
  while (now() - started < s.warmupMs) {
    ms = time(t, t.calls)
    fastest = Math.min(fastest, ms)
  }
  if (fastest < s.minSampleMs) {
    t.calls = Math.ceil((s.minSampleMs * 1.2 * t.calls) / Math.max(fastest, 1e-3))
    ms = time(t, t.calls)
  }
  return { sampleMs: ms, warmedMs: now() - started }
}

const main = async (): Promise<void> => {
  const [benchName, groupId, rowName] = process.argv.slice(2)
  if (benchName === undefined || groupId === undefined || rowName === undefined) {
    throw new Error('bench child: expected <benchmark> <table id> <row name>')
  }
  const quick = process.argv.includes('--quick')
  // Same folder, same extension as this file: .js when built, .ts under tsx.
  const ext = import.meta.url.endsWith('.ts') ? 'ts' : 'js'
  const mod: unknown = await import(new URL(`./${benchName}.bench.${ext}`, import.meta.url).href)
  if (!isBenchmark(mod)) throw new Error(`bench child: ${benchName}.bench.${ext} does not export a benchmark`)
  const subject = await mod.benchmark.build(groupId, rowName, { quick })
  const t: Timed = { subject, calls: 1, last: undefined }
  const coldMs = time(t, 1)
  const output: Output = subject.output(t.last)
  await send({ kind: 'ready', output, units: subject.units ?? 1, coldMs, notes: subject.notes ?? {} })

  let settleMs = 0
  process.on('message', (raw: ToChild) => {
    try {
      if (raw.kind === 'warm') {
        settleMs = raw.settleMs
        const w = warm(t, raw.sampling, coldMs)
        void send({ kind: 'warm', calls: t.calls, ...w })
      } else if (raw.kind === 'sample') {
        const cpu = process.cpuUsage()
        const ms = time(t, t.calls)
        const used = process.cpuUsage(cpu)
        sleep(settleMs)
        void send({ kind: 'sample', msPerCall: ms / t.calls, cpuMsPerCall: (used.user + used.system) / 1000 / t.calls })
      } else {
        // no exit here: the runner disconnects once it has the message, and then this ends
        const final = subject.output(t.last)
        void send({ kind: 'final', output: final, rssPeakMiB: process.resourceUsage().maxRSS / 1024 })
      }
    } catch (e) {
      fail(e)
    }
  })
}

/** Reports an error (on stderr too, which the runner shows if the message is lost) and exits. */
const fail = (e: unknown): void => {
  const error = describeError(e)
  console.error(error)
  send({ kind: 'error', error })
    .catch(() => undefined)
    .finally(() => process.exit(1))
}

main().catch(fail)
