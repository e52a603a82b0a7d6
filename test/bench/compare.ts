/**
 * Compares two sets of benchmark runs — "no case gets slower: same-run ratios, median of
 * three runs before and after". Each run is a results file of `npm run bench` (JSON) or the
 * text a benchmark run printed (the old in-process harness's logs; see `legacy.sh`). For every
 * case — `benchmark / table / row ÷ baseline`, the ratio of the row's median to the
 * baseline's in the same table of the same run — it prints the median ratio over the runs
 * before and after and the change, and flags cases that got slower (or faster) by more than
 * the threshold. Ratios are times over times, so a larger ratio is slower.
 *
 *     npm run bench:compare -- --before a.json b.json c.json --after d.json e.json f.json
 *     npm run bench:compare -- --before /tmp/bench-before-*.log --after /tmp/bench-after-*.log --threshold 3
 *
 * Options: `--threshold P` (percent, default 5), `--only TEXT` (cases whose key contains
 * TEXT), `--flagged` (print only flagged cases), `--cpu` (ratios of CPU-time medians instead
 * of wall-clock ones: JSON runs only; a check on a busy machine, not the rule). Exits with status 1 when a case is slower
 * by more than the threshold, 2 on bad input.
 *
 * @module bench/compare
 */
import { fmt, markdownTable, median } from './harness.js'
import { casesOf, loadRun, type Case, type LoadedRun } from './results.js'

interface Args {
  readonly before: ReadonlyArray<string>
  readonly after: ReadonlyArray<string>
  readonly threshold: number
  readonly only: ReadonlyArray<string>
  readonly flagged: boolean
  readonly cpu: boolean
}

const USAGE = 'usage: compare --before FILE… --after FILE… [--threshold PERCENT] [--only TEXT] [--flagged] [--cpu]'

const parseArgs = (argv: ReadonlyArray<string>): Args => {
  const before: Array<string> = []
  const after: Array<string> = []
  const only: Array<string> = []
  let into: Array<string> | undefined
  let threshold = 5
  let flagged = false
  let cpu = false
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i] as string
    if (a === '--before') into = before
    else if (a === '--after') into = after
    else if (a === '--threshold' || a === '--only') {
      const v = argv[++i]
      if (v === undefined) throw new Error(`${a} needs a value\n${USAGE}`)
      if (a === '--only') only.push(v)
      else {
        threshold = Number(v)
        if (!(threshold >= 0)) throw new Error(`--threshold must be a number of percent ≥ 0, got ${v}`)
      }
      into = undefined
    } else if (a === '--flagged') flagged = true
    else if (a === '--cpu') cpu = true
    else if (a.startsWith('--')) throw new Error(`unknown option ${a}\n${USAGE}`)
    else if (into === undefined) throw new Error(`${a}: say whether it is --before or --after\n${USAGE}`)
    else into.push(a)
  }
  if (before.length === 0 || after.length === 0) throw new Error(`give runs before and after\n${USAGE}`)
  return { before, after, threshold, only, flagged, cpu }
}

/** Every case of a set of runs, with its ratio in each run that has it (in first-seen order). */
const collect = (runs: ReadonlyArray<LoadedRun>, cpu: boolean): Map<string, { readonly c: Case; readonly ratios: Array<number> }> => {
  const out = new Map<string, { readonly c: Case; readonly ratios: Array<number> }>()
  for (const run of runs) {
    for (const c of casesOf(run.benchmarks, cpu)) {
      const entry = out.get(c.key) ?? { c, ratios: [] }
      entry.ratios.push(c.ratio)
      out.set(c.key, entry)
    }
  }
  return out
}

const describeSet = (name: string, runs: ReadonlyArray<LoadedRun>): string =>
  `${name}: ${runs.length} run${runs.length === 1 ? '' : 's'} (${runs.map((r) => `${r.file} [${r.kind}]`).join(', ')})`

const main = (): number => {
  const args = parseArgs(process.argv.slice(2))
  const before = args.before.map(loadRun)
  const after = args.after.map(loadRun)
  const quick = [...before, ...after].filter((r) => r.quick)
  if (quick.length > 0) throw new Error(`quick runs time nothing worth comparing: ${quick.map((r) => r.file).join(', ')}`)
  console.log(describeSet('before', before))
  console.log(describeSet('after', after))
  for (const [name, set] of [['before', before], ['after', after]] as const) {
    if (set.length < 3) console.log(`(${name} has ${set.length} run${set.length === 1 ? '' : 's'}: the rule is the median of three)`)
  }
  if (args.cpu && [...before, ...after].some((r) => r.kind === 'text')) throw new Error('--cpu needs JSON runs (text logs hold wall-clock times only)')
  const b = collect(before, args.cpu)
  const a = collect(after, args.cpu)
  const wanted = (key: string): boolean => args.only.length === 0 || args.only.some((t) => key.includes(t))
  const keys = [...new Set([...b.keys(), ...a.keys()])].filter(wanted)
  // table → its rows, in first-seen order
  const tables = new Map<string, Array<Array<string>>>()
  let compared = 0
  let slower = 0
  let faster = 0
  const onlyOneSide: Array<string> = []
  for (const key of keys) {
    const xs = b.get(key)
    const ys = a.get(key)
    if (xs === undefined || ys === undefined) {
      onlyOneSide.push(`${key} (${xs === undefined ? 'after' : 'before'} only)`)
      continue
    }
    // a baseline under another name (the old harness's "ratio to tfjs-cpu" on the tfjs row)
    if ([...xs.ratios, ...ys.ratios].every((r) => r === 1)) continue
    compared++
    const mb = median(xs.ratios)
    const ma = median(ys.ratios)
    const change = (ma / mb - 1) * 100
    const flag = change > args.threshold ? 'SLOWER' : change < -args.threshold ? 'faster' : ''
    if (flag === 'SLOWER') slower++
    if (flag === 'faster') faster++
    if (args.flagged && flag === '') continue
    const runs = xs.ratios.length === before.length && ys.ratios.length === after.length ? '' : ` (${xs.ratios.length}/${ys.ratios.length} runs)`
    const rows = tables.get(xs.c.table) ?? []
    rows.push([`${xs.c.what}${runs}`, fmt(mb), fmt(ma), `${change >= 0 ? '+' : '−'}${Math.abs(change).toFixed(1)}%`, flag])
    tables.set(xs.c.table, rows)
  }
  for (const [table, rows] of tables) {
    console.log(`\n### ${table}\n`)
    console.log(markdownTable(['row ÷ baseline (same run)', 'before (median)', 'after (median)', 'change', `beyond ${args.threshold}%`], rows))
  }
  console.log(
    `\n${compared} cases compared: ${slower} slower and ${faster} faster by more than ${args.threshold}% ` +
      `(median same-run ratio${args.cpu ? ' of CPU times' : ''} after ÷ before − 1; a larger ratio is slower).`
  )
  if (onlyOneSide.length > 0) console.log(`${onlyOneSide.length} cases on one side only (not compared): ${onlyOneSide.join('; ')}`)
  return slower > 0 ? 1 : 0
}

try {
  process.exitCode = main()
} catch (e) {
  console.error(`compare: ${e instanceof Error ? e.message : String(e)}`)
  process.exitCode = 2
}
