/**
 * Gradient of a scalar chain of N alternating ops — sin, x², exp(−x), sin, … — at x = 0.5,
 * in ns per op, for N = 10, 100, 1000 and 1,000,000 (issue 2, item 9).
 *
 * Implementations, all built outside the timed region and checked to agree (value and
 * gradient to 1e-12 relative; tfjs, which computes in float32, to float32 accuracy):
 * 1. `tape` — the hand-written limit: a forward loop and a reverse loop over a preallocated
 *    `Float64Array` (the baseline, ratio 1.00);
 * 2. `wengert` — a Wengert list of objects: each op pushes `{ x, y, backward }`;
 * 3. `naive-cps` — the Python seed translated to TypeScript closures (recursion all the way
 *    down: `RangeError` beyond a few thousand ops). One deviation, the same for everyone:
 *    `backward` also receives the op's output, so exp(−x) is not recomputed backward;
 * 4. `lib` — backprop-lens: `Lens.pipeAll` of `Scalar.sin`, `Scalar.square` and an exp(−x)
 *    made with `Lens.make`; gradient by `Lens.backPropagateConst(chain, 1, x)`, and
 *    `Lens.valueAndGrad(chain, x)`;
 * 5. `lib-raw-cps` — backprop-lens through its generic CPS path: the same ops written as raw
 *    CPS lenses `(next) => (x) => Cont.map(next(f(x)), (dy) => …)`, composed by `pipeAll`
 *    (this runs the `Cont` interpreter);
 * 6. `tfjs-cpu` — tfjs-core 4.22 with the cpu backend, `tf.grad` of the same chain of scalar
 *    tensor ops (N ≤ 1000 only; exp(−x) is two kernels there, neg then exp).
 *
 * The gradient shrinks by about 0.66 every three ops, so beyond ~5,400 ops it underflows to
 * the smallest subnormals (±5e-324; in float32 it is below range at N = 1000 already): the
 * N = 1,000,000 check compares values and those subnormals, the smaller N real gradients.
 * From there on every backward multiply of a float64 implementation works on subnormals,
 * which is slower on this hardware and adds the same cost to all of them — so it flatters
 * ratios to the tape. At N = 1,000,000 the tape and the library are therefore also timed
 * with an output cotangent of 0 (same operations, no subnormals), and the target is judged
 * on the larger of the two ratios.
 *
 * @module bench/scalar-chain
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Cont, Lens, Scalar } from '../../src/index.js'
import * as I from '../../src/internal/plan.js'
import { compile } from '../../src/internal/tape.js'
import * as H from './harness.js'
import { loadTf as loadTfjs, loadTfOrSkip, type Tf } from './tfjs.js'

const SIZES = [10, 100, 1000, 1_000_000] as const
const TFJS_MAX_N = 1000
const X = 0.5
const TOLERANCE = 1e-12
/** tfjs computes in float32: about 1e-7 per op, and the chain contracts errors. */
const TOLERANCE_F32 = 1e-4
/** Below float32's smallest normal number: a float32 gradient of 0 is then exact enough. */
const F32_TINY = 1.2e-38

// -------------------------------------------------------------------------------------
// the chain
// -------------------------------------------------------------------------------------

const SIN = 0
const SQUARE = 1
/** The kind of op `i` of the chain: sin, x², exp(−x) (kind 2), sin, … */
const kindAt = (i: number): number => i % 3

/** The ops as concrete forward/backward pairs (`backward(x, dy, y)` gets the output too). */
interface Op {
  readonly forward: (x: number) => number
  readonly backward: (x: number, dy: number, y: number) => number
}
const OPS: ReadonlyArray<Op> = [
  { forward: Math.sin, backward: (x, dy) => Math.cos(x) * dy },
  { forward: (x) => x * x, backward: (x, dy) => 2 * x * dy },
  { forward: (x) => Math.exp(-x), backward: (_x, dy, y) => -y * dy }
]
const opAt = (i: number): Op => OPS[kindAt(i)] as Op

/** An implementation of the chain's gradient, built for one N. */
interface Impl {
  readonly name: string
  /** For the check (may be slower than `grad`). */
  readonly valueAndGrad: (x: number) => readonly [number, number]
  /** What is timed: the gradient at `X`. */
  readonly grad: () => number
  /** Computes in float32 (tfjs): checked to float32 accuracy. */
  readonly float32?: boolean
  /** Longest it may spend on measuring, in ms (slow cases take fewer samples). */
  readonly budgetMs?: number
  /** Warm-up, if longer than the default (tfjs's JIT takes a second or two to settle). */
  readonly warmupMs?: number
  /**
   * False: no forced garbage collection before its samples, and measured alone after the
   * others (which collect before each of theirs): see `H.Case.collect`.
   */
  readonly collect?: boolean
  /** Leaves much garbage per call: measured alone at the largest N (see `H.settle`). */
  readonly garbage?: boolean
  /** The same run with an output cotangent of 0 (no subnormals; timed at the largest N). */
  readonly gradZero?: () => number
}

// -------------------------------------------------------------------------------------
// 1. the hand-written limit: a Float64Array tape
// -------------------------------------------------------------------------------------

const buildTape = (n: number): Impl => {
  const code = new Uint8Array(n)
  for (let i = 0; i < n; i++) code[i] = kindAt(i)
  const v = new Float64Array(n + 1)
  const run = (x: number, dy: number): number => {
    v[0] = x
    for (let i = 0; i < n; i++) {
      const a = v[i] as number
      const k = code[i]
      v[i + 1] = k === SIN ? Math.sin(a) : k === SQUARE ? a * a : Math.exp(-a)
    }
    let d = dy
    for (let i = n - 1; i >= 0; i--) {
      const k = code[i]
      d = k === SIN ? Math.cos(v[i] as number) * d : k === SQUARE ? 2 * (v[i] as number) * d : -(v[i + 1] as number) * d
    }
    return d
  }
  const valueAndGrad = (x: number): readonly [number, number] => {
    const d = run(x, 1)
    return [v[n] as number, d]
  }
  return { name: 'tape', valueAndGrad, grad: () => run(X, 1), gradZero: () => run(X, 0) }
}

// -------------------------------------------------------------------------------------
// 2. a Wengert list of objects
// -------------------------------------------------------------------------------------

interface Entry {
  readonly x: number
  readonly y: number
  readonly backward: (x: number, dy: number, y: number) => number
}

const buildWengert = (n: number): Impl => {
  const ops: ReadonlyArray<Op> = Array.from({ length: n }, (_, i) => opAt(i))
  const run = (x: number): readonly [number, number] => {
    const tape: Array<Entry> = []
    let v = x
    for (const op of ops) {
      const y = op.forward(v)
      tape.push({ x: v, y, backward: op.backward })
      v = y
    }
    let d = 1
    for (let i = tape.length - 1; i >= 0; i--) {
      const e = tape[i] as Entry
      d = e.backward(e.x, d, e.y)
    }
    return [v, d]
  }
  return { name: 'wengert', valueAndGrad: run, grad: () => run(X)[1], garbage: true }
}

// -------------------------------------------------------------------------------------
// 3. naive CPS closures: the seed, translated
// -------------------------------------------------------------------------------------

// The seed's types with the answer type fixed to number.
type SeedCont = (callback: (dx: number) => number) => number
type SeedFlow = (x: number) => SeedCont
type SeedLens = (next: SeedFlow) => SeedFlow

/** The seed's `Function.__call__` (plus the output passed to `backward`, as everywhere here). */
const seedFunction =
  (op: Op): SeedLens =>
  (next) =>
  (x) =>
  (callback) => {
    const y = op.forward(x)
    return next(y)((dy) => callback(op.backward(x, dy, y)))
  }

/** The seed's `pipe(first, second)`: `second` runs first. */
const seedPipe =
  (first: SeedLens, second: SeedLens): SeedLens =>
  (next) =>
    second(first(next))

const seedBackPropagate = (lens: SeedLens, loss: (y: number) => number, input: number): number =>
  lens((y) => (callback) => callback(loss(y)))(input)((dx) => dx)

const seedEvaluate = (lens: SeedLens, input: number): number => lens((y) => () => y)(input)(() => NaN)

const SEED_OPS = OPS.map(seedFunction)

const buildNaiveCps = (n: number): Impl => {
  // Nest the binary pipe so that op 0 runs first: chain = pipe(pipe(…, op1), op0).
  let chain = SEED_OPS[kindAt(n - 1)] as SeedLens
  for (let i = n - 2; i >= 0; i--) chain = seedPipe(chain, SEED_OPS[kindAt(i)] as SeedLens)
  const lens = chain
  return {
    name: 'naive-cps',
    valueAndGrad: (x) => [seedEvaluate(lens, x), seedBackPropagate(lens, () => 1, x)],
    grad: () => seedBackPropagate(lens, () => 1, X)
  }
}

// -------------------------------------------------------------------------------------
// 4. backprop-lens: primitives composed by pipeAll, run as a tape
// -------------------------------------------------------------------------------------

const expNeg: Lens.Lens<number, number> = Lens.make<number, number>({
  forward: (x) => Math.exp(-x),
  backward: (_x, dy, y) => -y * dy
})
const LIB_OPS: ReadonlyArray<Lens.Lens<number, number>> = [Scalar.sin, Scalar.square, expNeg]

const libLenses = (n: number, ops: ReadonlyArray<Lens.Lens<number, number>>): Array<Lens.Lens<number, number>> =>
  Array.from({ length: n }, (_, i) => ops[kindAt(i)] as Lens.Lens<number, number>)

/** Build costs of a library chain, in ms: `pipeAll`, then the first compile (flattening). */
interface LibBuild {
  readonly chain: Lens.Lens<number, number>
  readonly pipeAllMs: number
  readonly compileMs: number
}

const buildLibChain = (lenses: ReadonlyArray<Lens.Lens<number, number>>): LibBuild => {
  const piped = H.timeOnce(() => Lens.pipeAll(lenses))
  const compiled = H.timeOnce(() => compile(I.planOf(I.erase(piped.value))))
  return { chain: piped.value, pipeAllMs: piped.ms, compileMs: compiled.ms }
}

const libImpls = (chain: Lens.Lens<number, number>): ReadonlyArray<Impl> => [
  {
    name: 'lib backPropagateConst',
    valueAndGrad: (x) => [Lens.evaluate(chain, x), Lens.backPropagateConst(chain, 1, x)],
    grad: () => Lens.backPropagateConst(chain, 1, X),
    gradZero: () => Lens.backPropagateConst(chain, 0, X)
  },
  {
    name: 'lib valueAndGrad',
    valueAndGrad: (x) => Lens.valueAndGrad(chain, x),
    grad: () => Lens.valueAndGrad(chain, X)[1]
  }
]

// -------------------------------------------------------------------------------------
// 5. backprop-lens through its generic CPS path: raw CPS lenses
// -------------------------------------------------------------------------------------

const rawSin: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(Math.sin(x)), (dy: number) => Math.cos(x) * dy)
const rawSquare: Lens.Lens<number, number> = (next) => (x) => Cont.map(next(x * x), (dy: number) => 2 * x * dy)
const rawExpNeg: Lens.Lens<number, number> = (next) => (x) => {
  const y = Math.exp(-x)
  return Cont.map(next(y), (dy: number) => -y * dy)
}
const RAW_OPS: ReadonlyArray<Lens.Lens<number, number>> = [rawSin, rawSquare, rawExpNeg]

/** Checked by `valueAndGrad` (one run: N = 1e6 takes seconds); the timed call is checked too. */
const rawImpl = (chain: Lens.Lens<number, number>): Impl => ({
  name: 'lib raw-CPS lenses',
  valueAndGrad: (x) => Lens.valueAndGrad(chain, x),
  grad: () => Lens.backPropagateConst(chain, 1, X),
  budgetMs: 20_000,
  garbage: true
})

// -------------------------------------------------------------------------------------
// 6. tfjs-core, cpu backend (optional)
// -------------------------------------------------------------------------------------

/**
 * tfjs-core with the cpu backend (the shared loader of `./tfjs.js`), plus the gradient
 * configs this chain needs, taken from tfjs-core's ES module build and registered.
 */
const loadTf = async (): Promise<Tf> => {
  const tf = await loadTfjs()
  const grads = await Promise.all([
    import('@tensorflow/tfjs-core/dist/gradients/Sin_grad.js').then((m) => m.sinGradConfig),
    import('@tensorflow/tfjs-core/dist/gradients/Square_grad.js').then((m) => m.squareGradConfig),
    import('@tensorflow/tfjs-core/dist/gradients/Exp_grad.js').then((m) => m.expGradConfig),
    import('@tensorflow/tfjs-core/dist/gradients/Neg_grad.js').then((m) => m.negGradConfig)
  ])
  for (const g of grads) tf.registerGradient(g)
  return tf
}

const buildTf = (tf: Tf, n: number): Impl => {
  const f = (x: TF.Tensor): TF.Tensor => {
    let v = x
    for (let i = 0; i < n; i++) {
      const k = kindAt(i)
      v = k === SIN ? tf.sin(v) : k === SQUARE ? tf.square(v) : tf.exp(tf.neg(v))
    }
    return v
  }
  const g = tf.grad(f)
  const x0 = tf.scalar(X)
  const read = (t: TF.Tensor): number => t.dataSync()[0] as number
  const gradAt = (x: TF.Tensor): number => {
    const out = tf.tidy(() => g(x))
    const d = read(out)
    out.dispose()
    return d
  }
  return {
    name: 'tfjs-core 4.22 cpu, tf.grad',
    valueAndGrad: (x) => {
      const xs = tf.scalar(x)
      const y = tf.tidy(() => f(xs))
      const result: readonly [number, number] = [read(y), gradAt(xs)]
      y.dispose()
      xs.dispose()
      return result
    },
    grad: () => gradAt(x0),
    float32: true,
    warmupMs: 2000,
    collect: false
  }
}

// -------------------------------------------------------------------------------------
// checking
// -------------------------------------------------------------------------------------

const relDiff = (a: number, b: number): number => (a === b ? 0 : Math.abs(a - b) / Math.max(Math.abs(a), Math.abs(b)))

/** Whether `got` agrees with the reference `want` to the implementation's precision. */
const agrees = (impl: Impl, got: number, want: number): boolean =>
  impl.float32 === true
    ? relDiff(got, want) <= TOLERANCE_F32 || (Math.abs(want) < F32_TINY && Math.abs(got) < F32_TINY)
    : relDiff(got, want) <= TOLERANCE

interface Checked {
  /** The tape's value and gradient at `X`. */
  readonly reference: readonly [number, number]
  /** Implementations that disagree with the tape (or threw something other than RangeError). */
  readonly failed: ReadonlyArray<string>
  /** Implementations that threw. */
  readonly thrown: ReadonlySet<string>
  /** How long each implementation's check took: its first call, cold. */
  readonly ms: ReadonlyMap<string, number>
}

/** Checks every implementation's value and gradient at `X` against the tape, and prints it. */
const check = (n: number, impls: ReadonlyArray<Impl>): Checked => {
  const reference = buildTape(n).valueAndGrad(X)
  const failed: Array<string> = []
  const thrown = new Set<string>()
  const ms = new Map<string, number>()
  console.log(`check at x = ${X}: tape value ${reference[0]}, gradient ${reference[1]}`)
  for (const impl of impls) {
    let got: readonly [number, number]
    try {
      const timed = H.timeOnce(() => impl.valueAndGrad(X))
      got = timed.value
      ms.set(impl.name, timed.ms)
    } catch (e) {
      const name = e instanceof Error ? e.name : 'thrown'
      console.log(`  ${impl.name}: ${name}${e instanceof RangeError ? ' (stack overflow: not timed)' : ''}`)
      if (!(e instanceof RangeError)) failed.push(impl.name)
      thrown.add(impl.name)
      continue
    }
    const ok = agrees(impl, got[0], reference[0]) && agrees(impl, got[1], reference[1])
    const underflow = impl.float32 === true && Math.abs(reference[1]) < F32_TINY ? '; gradient below float32 range, both ≈ 0' : ''
    const how = impl.float32 === true ? `float32, to ${TOLERANCE_F32}${underflow}` : `to ${TOLERANCE}`
    const dv = relDiff(got[0], reference[0]).toExponential(1)
    const dg = relDiff(got[1], reference[1]).toExponential(1)
    console.log(`  ${impl.name}: value ${got[0]}, gradient ${got[1]} (rel. diff ${dv}, ${dg}; ${how}) ${ok ? 'ok' : 'MISMATCH'}`)
    if (!ok) failed.push(impl.name)
  }
  return { reference, failed, thrown, ms }
}

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

const TAPE = 'tape'
const LIB = 'lib backPropagateConst'
const NAIVE = 'naive-cps'
const WENGERT = 'wengert'
const RAW = 'lib raw-CPS lenses'
const TFJS = 'tfjs-core 4.22 cpu, tf.grad'
const ZERO = ', cotangent 0'

/**
 * Runs the benchmark and prints, per N, the check and the table; then the build costs at the
 * largest N and the targets of issue 2 with PASS/MISS.
 */
export const run = async (options: H.BenchOptions = { quick: false }): Promise<void> => {
  const measureOptions = H.measureOptionsFor(options)
  const tf = await loadTfOrSkip(loadTf)

  const results = new Map<number, ReadonlyArray<H.Result>>()
  const builds: Array<readonly [string, number]> = []
  let mismatches: Array<string> = []
  for (const n of SIZES) {
    console.log(`\n### N = ${n.toLocaleString('en-US')}\n`)
    const big = n === SIZES[SIZES.length - 1]
    const tape = H.timeOnce(() => buildTape(n))
    const wengert = H.timeOnce(() => buildWengert(n))
    const naive = H.timeOnce(() => buildNaiveCps(n))
    const lib = buildLibChain(libLenses(n, LIB_OPS))
    const raw = buildLibChain(libLenses(n, RAW_OPS))
    const impls: Array<Impl> = [tape.value, wengert.value, naive.value, ...libImpls(lib.chain), rawImpl(raw.chain)]
    if (tf !== null && n <= TFJS_MAX_N) impls.push(buildTf(tf, n))

    // The first call of the library chain, cold (it follows the compile above).
    const libFirst = H.timeOnce(() => Lens.backPropagateConst(lib.chain, 1, X))
    const checked = check(n, impls)
    if (big) {
      builds.push(
        ['tape: op codes into a Uint8Array', tape.ms],
        ['wengert: array of ops', wengert.ms],
        ['naive-cps: nested binary pipe', naive.ms],
        ['lib: Lens.pipeAll', lib.pipeAllMs],
        ['lib: first compile (flatten to steps)', lib.compileMs],
        ['lib: first backPropagateConst (cold)', libFirst.ms],
        ['lib raw-CPS: Lens.pipeAll', raw.pipeAllMs],
        ['lib raw-CPS: first compile', raw.compileMs],
        ['lib raw-CPS: first Lens.valueAndGrad (cold; the check)', checked.ms.get(RAW) ?? NaN]
      )
    }

    mismatches = mismatches.concat(checked.failed.map((name) => `${name} at N = ${n}`))
    const cases: Array<H.Case> = impls
      .filter((impl) => !checked.thrown.has(impl.name) && !checked.failed.includes(impl.name))
      .map((impl) => ({
        name: impl.name,
        fn: impl.grad,
        units: n,
        expect: (r: unknown) => typeof r === 'number' && agrees(impl, r, checked.reference[1]),
        ...(impl.budgetMs === undefined ? {} : { budgetMs: impl.budgetMs }),
        ...(impl.warmupMs === undefined || options.quick ? {} : { warmupMs: impl.warmupMs }),
        ...(impl.collect === undefined ? {} : { collect: impl.collect }),
        ...((big && impl.garbage === true) || impl.collect === false ? { isolate: true } : {})
      }))
    // At the largest N, the control without subnormals (see the module comment).
    const zeroCases: Array<H.Case> = big
      ? cases.flatMap((c) => {
          const gradZero = impls.find((impl) => impl.name === c.name)?.gradZero
          return gradZero === undefined
            ? []
            : [{ name: `${c.name}${ZERO}`, fn: gradZero, units: n, expect: (r: unknown) => r === 0 }]
        })
      : []
    const measured = H.measure(
      [...cases, ...zeroCases],
      big ? { ...measureOptions, samples: options.quick ? 3 : 5, settleMs: 1000 } : { ...measureOptions, settleMs: 100 }
    )
    mismatches = mismatches.concat(
      measured.filter((r) => r.error?.startsWith('MISMATCH') === true).map((r) => `${r.name} (timed call) at N = ${n}`)
    )
    // Cases that could not run keep their row, with the reason.
    const all: Array<H.Result> = impls.map(
      (impl) =>
        measured.find((r) => r.name === impl.name) ?? {
          name: impl.name,
          median: NaN,
          min: NaN,
          max: NaN,
          samples: [],
          callsPerSample: 0,
          error: checked.thrown.has(impl.name) ? 'RangeError' : 'MISMATCH (not timed)'
        }
    )
    results.set(n, [...all, ...measured.filter((r) => r.name.endsWith(ZERO))])
    console.log()
    console.log(H.resultTable(all, TAPE, H.nsPer('op')))
    if (zeroCases.length > 0) {
      console.log(`\nThe same with an output cotangent of 0 (no subnormals in the backward pass):\n`)
      console.log(H.resultTable(measured.filter((r) => r.name.endsWith(ZERO)), `${TAPE}${ZERO}`, H.nsPer('op')))
    }
  }

  const biggest = SIZES[SIZES.length - 1] as number
  const bigResults = results.get(biggest) ?? []
  console.log(`\n### Build costs at N = ${biggest.toLocaleString('en-US')} (one cold run each)\n`)
  const steady = (name: string): number => {
    const r = bigResults.find((x) => x.name === name)
    return r === undefined ? NaN : (r.median * biggest) / 1e6
  }
  console.log(
    H.markdownTable(
      ['step', 'ms'],
      [
        ...builds.map(([what, ms]) => [what, H.fmt(ms)]),
        ['lib: backPropagateConst, steady state (median)', H.fmt(steady(LIB))],
        ['lib raw-CPS: backPropagateConst, steady state (median)', H.fmt(steady(RAW))]
      ]
    )
  )

  const at = (n: number, name: string): H.Result | undefined => results.get(n)?.find((r) => r.name === name)
  const r1000 = H.ratio(at(1000, LIB), at(1000, TAPE))
  // The larger of the two ratios: subnormals add the same cost to both sides (see above).
  const rBig = Math.max(H.ratio(at(biggest, LIB), at(biggest, TAPE)), H.ratio(at(biggest, LIB + ZERO), at(biggest, TAPE + ZERO)))
  const rNaive = H.ratio(at(1000, LIB), at(1000, NAIVE))
  const rWengert = H.ratio(at(biggest, LIB), at(biggest, WENGERT))
  const rTf = H.ratio(at(1000, TFJS), at(1000, LIB))
  console.log('\n### Targets (issue 2; ratios of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict', 'stretch'],
      [
        ['lib ≤ 3× tape at N = 1000 (stretch 2×)', `${H.fmt(r1000)}×`, H.verdict(r1000, 3), H.verdict(r1000, 2)],
        [
          'N = 1e6 completes, lib ≤ 25× tape ns/op (stretch 12×; the larger of cotangent 1 and 0)',
          `${H.fmt(rBig)}×`,
          H.verdict(rBig, 25),
          H.verdict(rBig, 12)
        ],
        ['stack safety ≤ 15% over naive CPS at N = 1000 (lib / naive-cps ≤ 1.15)', `${H.fmt(rNaive)}×`, H.verdict(rNaive, 1.15), '—'],
        ['(PERFORMANCE.md) N = 1e6: lib ≤ 2× Wengert list per op', `${H.fmt(rWengert)}×`, H.verdict(rWengert, 2), '—'],
        ['(PERFORMANCE.md) ≥ 100× faster than tfjs-cpu at N = 1000 (tfjs / lib)', `${H.fmt(rTf)}×`, Number.isFinite(rTf) ? H.verdict(100, rTf) : 'not measured', '—']
      ]
    )
  )
  if (mismatches.length > 0) {
    console.log(`\nMISMATCH: ${mismatches.join(', ')} (not timed)`)
    process.exitCode = 1
  }
}
