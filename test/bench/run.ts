/**
 * Entry point of `npm run bench`, which first builds the package (`npm run build`) and the
 * benchmarks (`tsconfig.bench.json`, into `dist/test/bench/`), then runs this file under
 * plain node: the library is the built `dist/src/`, as users get it.
 *
 *     npm run bench                          # every benchmark (~15 minutes)
 *     npm run bench -- scalar mlp            # those whose name contains "scalar" or "mlp"
 *     npm run bench -- mlp/tiny              # only the tables of "mlp" whose id contains "tiny"
 *     npm run bench -- --quick               # checks that everything runs and agrees (~2 minutes; no numbers)
 *     npm run bench -- --json out.json       # where the results go (default bench-results/<time>.json)
 *
 * Benchmarks are the `*.bench.ts` files of this folder. One that exports `benchmark` (see
 * `model.ts`) runs table by table, every row in a child process of its own (`isolate.ts`);
 * one that exports only `run()` (the in-process style of `harness.ts`) runs whole in one
 * child process, and the tables it prints are read back for the results file. Every run
 * writes its results as JSON (`results.ts`); `compare.ts` compares sets of runs.
 *
 * @module bench/run
 */
import { execFileSync, spawn } from 'node:child_process'
import { readdirSync, readFileSync } from 'node:fs'
import { availableParallelism, cpus, loadavg, platform, release } from 'node:os'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { runGroup, runningUnderTsx } from './isolate.js'
import type { BenchOptions, Benchmark } from './model.js'
import { FORMAT, parseText, writeRun, type BenchRecord, type Machine, type TableRecord } from './results.js'
import { bundleTfjs } from './tfjs.js'

/** These run first, in this order; any other benchmark follows alphabetically. */
const ORDER = ['scalar-chain', 'mlp', 'mnist-epoch', 'matmul', 'matmul-kernels']

const here = dirname(fileURLToPath(import.meta.url))
const ext = import.meta.url.endsWith('.ts') ? '.ts' : '.js'

// -------------------------------------------------------------------------------------
// the machine
// -------------------------------------------------------------------------------------

/** The CPU's `model name` from /proc/cpuinfo (what node reports elsewhere). */
const cpuModel = (): string => {
  try {
    const m = /^model name\s*:\s*(.+)$/m.exec(readFileSync('/proc/cpuinfo', 'utf8'))
    if (m !== null) return (m[1] as string).trim()
  } catch {
    // not Linux
  }
  return cpus()[0]?.model ?? 'unknown CPU'
}

const gitState = (): { readonly commit: string; readonly dirty: boolean } | null => {
  try {
    const commit = execFileSync('git', ['rev-parse', 'HEAD'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] }).trim()
    const status = execFileSync('git', ['status', '--porcelain', '--', 'src', 'laws', 'test/bench'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'ignore'] })
    return { commit, dirty: status.trim() !== '' }
  } catch {
    return null
  }
}

const loads = (): Array<number> => loadavg().map((x) => Math.round(x * 100) / 100)

// -------------------------------------------------------------------------------------
// benchmarks of the in-process style: one child process, its printed tables read back
// -------------------------------------------------------------------------------------

const runWhole = (name: string, file: string, options: BenchOptions): Promise<{ readonly tables: ReadonlyArray<TableRecord>; readonly ok: boolean }> =>
  new Promise((done) => {
    const child = spawn(process.execPath, [...(runningUnderTsx ? ['--import', 'tsx'] : []), file, ...(options.quick ? ['--quick'] : [])], {
      stdio: ['ignore', 'pipe', 'inherit']
    })
    let text = ''
    child.stdout.on('data', (chunk: Buffer) => {
      const s = chunk.toString('utf8')
      text += s
      process.stdout.write(s)
    })
    child.on('close', (code) => {
      const tables = parseText(`## ${name}\n${text}`).flatMap((b) => b.tables)
      done({ tables, ok: code === 0 })
    })
  })

const isBenchmark = (m: unknown): m is { readonly benchmark: Benchmark } => {
  const b = typeof m === 'object' && m !== null ? (m as { benchmark?: unknown }).benchmark : undefined
  return typeof b === 'object' && b !== null && typeof (b as { groups?: unknown }).groups === 'function'
}

const hasRun = (m: unknown): boolean => typeof m === 'object' && m !== null && typeof (m as { run?: unknown }).run === 'function'

// -------------------------------------------------------------------------------------
// main
// -------------------------------------------------------------------------------------

interface Args {
  readonly options: BenchOptions
  readonly filters: ReadonlyArray<string>
  readonly json: string
}

const parseArgs = (argv: ReadonlyArray<string>, started: Date): Args => {
  const filters: Array<string> = []
  let quick = false
  let json: string | undefined
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--quick') quick = true
    else if (a === '--json') {
      json = argv[++i]
      if (json === undefined) throw new Error('bench: --json needs a file name')
    } else if (a.startsWith('--')) throw new Error(`bench: unknown option ${a} (known: --quick, --json FILE)`)
    else filters.push(a)
  }
  const stamp = started.toISOString().replace(/:/g, '-').replace(/\..*$/, '')
  return { options: { quick }, filters, json: resolve(json ?? join('bench-results', `${stamp}${quick ? '-quick' : ''}.json`)) }
}

const main = async (): Promise<void> => {
  const started = new Date()
  const args = parseArgs(process.argv.slice(2), started)
  const { options } = args

  const names = readdirSync(here)
    .filter((f) => f.endsWith(`.bench${ext}`))
    .map((f) => f.slice(0, -`.bench${ext}`.length))
  const rank = (name: string): number => (ORDER.includes(name) ? ORDER.indexOf(name) : ORDER.length)
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  // "bench/table": the tables of that benchmark whose id contains "table"
  const filters = args.filters.map((f) => ({ bench: f.split('/')[0] ?? f, table: f.includes('/') ? f.slice(f.indexOf('/') + 1) : '' }))
  const selected = filters.length === 0 ? names : names.filter((n) => filters.some((f) => n.includes(f.bench)))
  const tableWanted = (bench: string, id: string): boolean =>
    filters.length === 0 || filters.some((f) => bench.includes(f.bench) && id.includes(f.table))
  if (selected.length === 0) throw new Error(`bench: no benchmark matches ${args.filters.join(' ')} (available: ${names.join(', ')})`)

  const machine: Omit<Machine, 'loadEnd'> = {
    cpu: cpuModel(),
    cores: availableParallelism(),
    node: process.version,
    os: `${platform()} ${release()}`,
    loadStart: loads()
  }
  const git = gitState()
  console.log(`# backprop-lens benchmarks${options.quick ? ' (quick: checks that everything runs and agrees; not for numbers)' : ''}`)
  console.log(
    `${machine.cpu}, ${machine.cores} cores, node ${machine.node}, ${machine.os}, ${started.toISOString()}, ` +
      `load average ${machine.loadStart.join(' ')}${git === null ? '' : `, commit ${git.commit.slice(0, 10)}${git.dirty ? ' + changes' : ''}`}`
  )
  console.log('Each row in its own child process under plain node (the library from its built dist/), checked, warmed up, sampled in alternating rounds.')
  // the library's switches (the kernel path, …), which every child inherits
  const switches = Object.entries(process.env).filter(([k]) => k.startsWith('BACKPROP_LENS_'))
  if (switches.length > 0) console.log(`Environment: ${switches.map(([k, v]) => `${k}=${v ?? ''}`).join(' ')}`)
  if (runningUnderTsx) console.log('WARNING: running under tsx, not from the build: times are not comparable with `npm run bench`.')
  await bundleTfjs()

  const benchmarks: Array<BenchRecord> = []
  let failed = false
  for (const name of selected) {
    const file = join(here, `${name}.bench${ext}`)
    const mod: unknown = await import(pathToFileURL(file).href)
    console.log(`\n## ${name}`)
    const t0 = Date.now()
    let tables: ReadonlyArray<TableRecord>
    if (isBenchmark(mod)) {
      const out: Array<TableRecord> = []
      for (const group of mod.benchmark.groups(options).filter((g) => tableWanted(name, g.id))) {
        const table = await runGroup(name, group, options)
        out.push(table)
        const bad = table.rows.filter((r) => r.error !== undefined && !(group.rows.find((x) => x.name === r.name)?.expectError?.test(r.error) ?? false))
        if (bad.length > 0) {
          failed = true
          console.log(`\nFAILED: ${bad.map((r) => `${r.name} (${r.error ?? ''})`).join('; ')}`)
        }
      }
      mod.benchmark.summarise?.(out, options)
      tables = out
    } else if (hasRun(mod)) {
      const whole = await runWhole(name, file, options)
      if (!whole.ok) failed = true
      tables = whole.tables
    } else throw new Error(`bench: ${name}.bench${ext} exports neither benchmark nor run()`)
    const seconds = (Date.now() - t0) / 1000
    console.log(`\n(${name}: ${seconds.toFixed(1)} s)`)
    benchmarks.push({ name, seconds, tables })
  }

  const seconds = (Date.now() - started.getTime()) / 1000
  writeRun(args.json, {
    format: FORMAT,
    quick: options.quick,
    started: started.toISOString(),
    seconds,
    argv: process.argv.slice(2),
    machine: { ...machine, loadEnd: loads() },
    git,
    benchmarks
  })
  console.log(`\nAll done in ${(seconds / 60).toFixed(1)} min; load average at the end ${loads().join(' ')}; results in ${args.json}`)
  if (failed) {
    console.log('Some rows failed or disagreed (see FAILED above).')
    process.exitCode = 1
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exitCode = 1
})
