/**
 * Entry point of `npm run bench`: runs every benchmark file (`test/bench/*.bench.ts`) in
 * order, one after the other in this process.
 *
 *     npm run bench                 # all benchmarks
 *     npm run bench -- scalar       # only those whose file name contains "scalar"
 *     npm run bench -- --quick mlp  # fewer, shorter samples (checks that it works; no numbers)
 *
 * Each benchmark module exports `run(options)`, which resolves when it has printed its
 * tables. Benchmarks named in `ORDER` run first, in that order; any other `*.bench.ts` file
 * follows in alphabetical order, so adding a benchmark needs no change here.
 *
 * @module bench/run
 */
import { readdirSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { gcAvailable, machineLine, type BenchModule, type BenchOptions } from './harness.js'

const ORDER = ['scalar-chain', 'mlp']

const here = dirname(fileURLToPath(import.meta.url))

const isBenchModule = (m: unknown): m is BenchModule =>
  typeof m === 'object' && m !== null && typeof (m as { run?: unknown }).run === 'function'

const main = async (): Promise<void> => {
  const args = process.argv.slice(2)
  const options: BenchOptions = { quick: args.includes('--quick') }
  const filters = args.filter((a) => !a.startsWith('--'))
  const unknownFlags = args.filter((a) => a.startsWith('--') && a !== '--quick')
  if (unknownFlags.length > 0) throw new Error(`bench: unknown option ${unknownFlags.join(' ')} (known: --quick)`)

  const names = readdirSync(here)
    .filter((f) => f.endsWith('.bench.ts'))
    .map((f) => f.slice(0, -'.bench.ts'.length))
  const rank = (name: string): number => {
    const i = ORDER.indexOf(name)
    return i === -1 ? ORDER.length : i
  }
  names.sort((a, b) => rank(a) - rank(b) || a.localeCompare(b))
  const selected = filters.length === 0 ? names : names.filter((n) => filters.some((f) => n.includes(f)))
  if (selected.length === 0) {
    throw new Error(`bench: no benchmark matches ${filters.join(' ')} (available: ${names.join(', ')})`)
  }

  console.log(`# backprop-lens benchmarks${options.quick ? ' (quick: not for numbers)' : ''}`)
  console.log(machineLine())
  if (!gcAvailable) console.log('(gc could not be enabled: samples include garbage left by earlier cases)')
  for (const name of selected) {
    const mod: unknown = await import(pathToFileURL(join(here, `${name}.bench.ts`)).href)
    if (!isBenchModule(mod)) throw new Error(`bench: ${name}.bench.ts does not export run()`)
    console.log(`\n## ${name}\n`)
    const start = Date.now()
    await mod.run(options)
    console.log(`\n(${name}: ${((Date.now() - start) / 1000).toFixed(1)} s)`)
  }
}

main().catch((e: unknown) => {
  console.error(e)
  process.exitCode = 1
})
