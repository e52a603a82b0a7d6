/**
 * Gradient of a scalar chain of N alternating ops — sin, x², exp(−x), sin, … — at x = 0.5,
 * in ns per op, for N = 10, 100, 1000 and 1,000,000 (issue 2, item 9), against the
 * hand-written `Float64Array` tape (the implementations: `scalar-chain-impls.ts`). Every row
 * runs in its own child process (`isolate.ts`); its value and gradient are checked against the
 * tape's first (float64: 1e-12 relative; tfjs, float32: 1e-4).
 *
 * The gradient shrinks by about 0.66 every three ops, so beyond ~5,400 ops it underflows to
 * the smallest subnormals (±5e-324; in float32 it is below range at N = 1000 already): the
 * N = 1,000,000 check compares values and those subnormals, the smaller N real gradients.
 * From there on every backward multiply of a float64 implementation works on subnormals,
 * which is slower on this hardware and adds the same cost to all of them — so it flatters
 * ratios to the tape. At N = 1,000,000 the tape and the library are therefore also timed
 * with an output cotangent of 0 (same operations, no subnormals, a table of its own), and the
 * target is judged on the larger of the two ratios.
 *
 *     npm run bench -- scalar
 *
 * @module bench/scalar-chain
 */
import * as H from './harness.js'
import { relDiff, subject, type Benchmark, type Group, type Output, type Row, type Subject, type Verdict } from './model.js'
import type { TableRecord } from './results.js'
import { buildImpl, IMPLS, referenceAt, X } from './scalar-chain-impls.js'
import { describeTf, loadTf } from './tfjs.js'

const SIZES = [10, 100, 1000, 1_000_000] as const
const BIG = 1_000_000
const TFJS_MAX_N = 1000
const TOLERANCE = 1e-12
/** tfjs computes in float32: about 1e-7 per op, and the chain contracts errors. */
const TOLERANCE_F32 = 1e-4
/** Below float32's smallest normal number: a float32 gradient of 0 is then exact enough. */
const F32_TINY = 1.2e-38

const TAPE = 'tape'
const LIB = 'lib backPropagateConst'
const NAIVE = 'naive-cps'
const WENGERT = 'wengert'
const RAW = 'lib raw-CPS lenses'
const TFJS = 'tfjs-cpu 4.22, tf.grad'
const ZERO = ', cotangent 0'
/** Rows that leave hundreds of MB of garbage per call at N = 1e6. */
const GARBAGE: ReadonlyArray<string> = [WENGERT, RAW]

const label = (n: number): string => `N = ${n.toLocaleString('en-US')}`
const zeroId = `${label(BIG)}${ZERO}`
const sizeOf = (id: string): number => Number(id.replace(ZERO, '').replace(/^N = /, '').replace(/,/g, ''))

// -------------------------------------------------------------------------------------
// the check
// -------------------------------------------------------------------------------------

/** Whether `got` agrees with `want` to the row's precision. */
const agrees = (row: Row, got: number, want: number): boolean =>
  row.float32 === true
    ? relDiff(got, want) <= TOLERANCE_F32 || (Math.abs(want) < F32_TINY && Math.abs(got) < F32_TINY)
    : relDiff(got, want) <= TOLERANCE

/** Value and gradient against the tape's (the cotangent-0 table: the gradient must be 0). */
const check = (reference: Output, got: Output, row: Row): Verdict => {
  const [v0, g0] = reference.scalars
  const [v, g] = got.scalars
  if (v0 === undefined || g0 === undefined || v === undefined || g === undefined) return { ok: false, text: 'no value and gradient' }
  const ok = agrees(row, v, v0) && agrees(row, g, g0)
  const how = row.float32 === true ? `float32, to ${TOLERANCE_F32}${Math.abs(g0) < F32_TINY && g0 !== 0 ? '; gradient below float32 range, both ≈ 0' : ''}` : `to ${TOLERANCE}`
  return { ok, text: `value ${v}, gradient ${g} (rel. diff ${relDiff(v, v0).toExponential(1)}, ${relDiff(g, g0).toExponential(1)}; ${how})` }
}

// -------------------------------------------------------------------------------------
// the tables
// -------------------------------------------------------------------------------------

const groups = (): ReadonlyArray<Group> => {
  const out: Array<Group> = SIZES.map((n) => {
    const [value, grad] = referenceAt(n)
    const rows: Array<Row> = [
      ...IMPLS.map((name) => ({
        name,
        ...(n === BIG && GARBAGE.includes(name) ? { settleMs: 200 } : {}),
        ...(n === BIG && name === NAIVE ? { expectError: /^RangeError/ } : {})
      })),
      ...(n <= TFJS_MAX_N ? [{ name: TFJS, float32: true }] : [])
    ]
    return {
      id: label(n),
      title: label(n),
      intro: `check at x = ${X}: tape value ${value}, gradient ${grad}`,
      unit: H.nsPer('op'),
      rows,
      reference: TAPE,
      baselines: [TAPE],
      check,
      ...(n === BIG ? { sampling: { samples: 7 } } : {})
    }
  })
  out.push({
    id: zeroId,
    title: `${label(BIG)}, output cotangent 0 (no subnormals in the backward pass)`,
    unit: H.nsPer('op'),
    rows: [{ name: `${TAPE}${ZERO}` }, { name: `${LIB}${ZERO}` }],
    reference: `${TAPE}${ZERO}`,
    baselines: [`${TAPE}${ZERO}`],
    check,
    sampling: { samples: 7 }
  })
  return out
}

const build = async (groupId: string, rowName: string): Promise<Subject> => {
  const n = sizeOf(groupId)
  const zero = groupId === zeroId
  const tf = rowName === TFJS ? await loadTf('cpu') : undefined
  const impl = buildImpl(zero ? rowName.replace(ZERO, '') : rowName, n, tf)
  const timed = zero ? impl.gradZero : impl.grad
  if (timed === undefined) throw new Error(`scalar-chain: ${rowName} has no cotangent-0 variant`)
  // build costs matter at the largest N only (cold, in a fresh process)
  const notes: Record<string, string> =
    tf !== undefined
      ? { 'loaded as': describeTf(tf) }
      : n === BIG && !zero
        ? Object.fromEntries(Object.entries(impl.buildMs ?? {}).map(([k, ms]) => [k, `${H.fmt(ms)} ms`]))
        : {}
  return subject({
    run: timed,
    // the value from a separate call; the gradient is the timed call's
    output: (g: number) => ({ scalars: zero ? [0, g] : [impl.valueAndGrad(X)[0], g], arrays: [] }),
    units: n,
    notes
  })
}

// -------------------------------------------------------------------------------------
// targets
// -------------------------------------------------------------------------------------

const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const ratio = (id: string, row: string, base: string): number => {
    const table = tables.find((t) => t.id === id)
    const r = table?.rows.find((x) => x.name === row)
    const b = table?.rows.find((x) => x.name === base)
    return r?.median == null || b?.median == null ? NaN : r.median / b.median
  }
  const r1000 = ratio(label(1000), LIB, TAPE)
  // The larger of the two ratios: subnormals add the same cost to both sides (see above).
  const rBig = Math.max(ratio(label(BIG), LIB, TAPE), ratio(zeroId, `${LIB}${ZERO}`, `${TAPE}${ZERO}`))
  const rNaive = ratio(label(1000), LIB, NAIVE)
  const rWengert = ratio(label(BIG), LIB, WENGERT)
  const rTf = ratio(label(1000), TFJS, LIB)
  console.log('\n### Targets (issue 2 and PERFORMANCE.md; ratios of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict', 'stretch'],
      [
        ['lib ≤ 3× tape at N = 1000 (stretch 2×)', `${H.fmt(r1000)}×`, H.verdict(r1000, 3), H.verdict(r1000, 2)],
        ['N = 1e6 completes, lib ≤ 25× tape ns/op (stretch 12×; the larger of cotangent 1 and 0)', `${H.fmt(rBig)}×`, H.verdict(rBig, 25), H.verdict(rBig, 12)],
        ['stack safety ≤ 15% over naive CPS at N = 1000 (lib / naive-cps ≤ 1.15)', `${H.fmt(rNaive)}×`, H.verdict(rNaive, 1.15), '—'],
        ['N = 1e6: lib ≤ 2× Wengert list per op', `${H.fmt(rWengert)}×`, H.verdict(rWengert, 2), '—'],
        ['≥ 100× faster than tfjs-cpu at N = 1000 (tfjs / lib)', `${H.fmt(rTf)}×`, Number.isFinite(rTf) ? H.verdict(100, rTf) : 'MISS (not measured)', '—']
      ]
    )
  )
}

export const benchmark: Benchmark = { name: 'scalar-chain', groups, build, summarise }
