/**
 * Direct-style programs against the same computations composed point-free (issue 9). Every
 * row runs in its own child process from the built package (`isolate.ts`), checked against
 * the point-free row first:
 * 1. **scalar chain**: the gradient of N = 1000 alternating sin, x², exp(−x), written as a
 *    `for` loop of `yield* Direct.apply(op, x)`, against `Lens.pipeAll` of the same three
 *    lenses (target ≤ 4×, stretch 2.5×); ns per op; value and gradient to 1e-12 relative;
 * 2. **MLP 784-128-10, batch 64**: the gradient of a relu network's softmax cross-entropy
 *    with respect to its parameters, written in direct style, against the same network built
 *    from the same `ops` (`matmulLeft(x)`, `add`, `relu`, `matmul`, `softmaxCrossEntropy`)
 *    with `Lens.pipe` and `Lens.first` (target ≤ 1.10×); ms per step; loss and gradients to
 *    1e-12 relative;
 * 3. **a loop of 1,000,000 applies** of `Scalar.sin`, value and gradient: the peak resident
 *    set of its process (target ≤ 300 MB), and its time per apply (a forced collection before
 *    each call, so that the peak is one run's).
 *
 *     npm run bench -- direct
 *
 * @module bench/direct
 */
import { Direct, Lens, Scalar, Tensor, ops } from '../../src/index.js'
import * as H from './harness.js'
import { relDiff, sci, subject, worstArrayError, type Benchmark, type Group, type Output, type Subject, type Verdict } from './model.js'
import type { TableRecord } from './results.js'
import { uniforms } from '../../src/internal/random.js'

type T = Tensor.Tensor
type V = Direct.Var<number>

const POINT_FREE = 'point-free'
const DIRECT = 'direct'
const CHAIN = 'scalar chain N = 1000'
const MLP = 'MLP 784-128-10 b64'
const MILLION = 'loop of 1,000,000 applies'
const TOLERANCE = 1e-12

// -------------------------------------------------------------------------------------
// 1. the scalar chain
// -------------------------------------------------------------------------------------

const N = 1000
const X = 0.5
const expNeg = Lens.make<number, number>({ forward: (x) => Math.exp(-x), backward: (_x, dy, y) => -y * dy })
const CHAIN_OPS: ReadonlyArray<Lens.Lens<number, number>> = [Scalar.sin, Scalar.square, expNeg]
const opAt = (i: number): Lens.Lens<number, number> => CHAIN_OPS[i % 3] as Lens.Lens<number, number>

const chainLens = (row: string): Lens.Lens<number, number> =>
  row === POINT_FREE
    ? Lens.pipeAll(Array.from({ length: N }, (_, i) => opAt(i)))
    : Direct.lens(function* chain(x: V) {
        for (let i = 0; i < N; i++) x = yield* Direct.apply(opAt(i), x)
        return x
      })

// -------------------------------------------------------------------------------------
// 2. the MLP
// -------------------------------------------------------------------------------------

/** Parameters nested as `[[[W1, b1], W2], b2]`. */
type Params = readonly [readonly [readonly [T, T], T], T]

/** A seeded generator of uniform numbers in [0, 1) (a 32-bit LCG: data, not randomness). */
// reproducible data from the library's one seeded generator
const uniform = uniforms

const mlpProblem = (): { readonly x: T; readonly labels: ReadonlyArray<number>; readonly params: Params } => {
  const [inputs, hidden, classes, batch] = [784, 128, 10, 64]
  const next = uniform(9)
  const tensor = (shape: ReadonlyArray<number>, scale: number): T =>
    Tensor.make(shape, Float64Array.from({ length: shape.reduce((a, b) => a * b, 1) }, () => (next() * 2 - 1) * scale))
  const x = Tensor.make([batch, inputs], Float64Array.from({ length: batch * inputs }, () => next()))
  const labels = Array.from({ length: batch }, (_, i) => i % classes)
  const params: Params = [
    [[tensor([inputs, hidden], Math.sqrt(6 / inputs)), tensor([hidden], 0.1)], tensor([hidden, classes], Math.sqrt(6 / hidden))],
    tensor([classes], 0.1)
  ]
  return { x, labels, params }
}

const mlpLens = (row: string, x: T, labels: ReadonlyArray<number>): Lens.Lens<Params, T> => {
  const first = ops.matmulLeft(x)
  const loss = ops.softmaxCrossEntropy(labels)
  if (row === POINT_FREE) {
    const layer1 = Lens.pipe(Lens.first<T, T, T>(first), ops.add)
    const hidden = Lens.first<readonly [T, T], T, T>(Lens.pipe(layer1, ops.relu))
    const logits = Lens.pipe(Lens.first<readonly [readonly [T, T], T], T, T>(Lens.pipe(hidden, ops.matmul)), ops.add)
    return Lens.pipe(logits, loss)
  }
  return Direct.lens<Params, T>(function* mlp([[[W1, b1], W2], b2]) {
    const h = yield* Direct.apply(ops.relu, yield* Direct.apply(ops.add, [yield* Direct.apply(first, W1), b1]))
    const z = yield* Direct.apply(ops.add, [yield* Direct.apply(ops.matmul, [h, W2]), b2])
    return yield* Direct.apply(loss, z)
  })
}

// -------------------------------------------------------------------------------------
// 3. a loop of a million applies
// -------------------------------------------------------------------------------------

const M = 1_000_000
const millionLoop = Direct.lens(function* loop(x: V) {
  for (let i = 0; i < M; i++) x = yield* Direct.apply(Scalar.sin, x)
  return x
})

// -------------------------------------------------------------------------------------
// checks, tables, rows
// -------------------------------------------------------------------------------------

/** Scalars (value, gradient or loss) and arrays (gradients) to 1e-12 relative. */
const check = (reference: Output, got: Output): Verdict => {
  const scalars = reference.scalars.map((r, i) => relDiff(got.scalars[i] ?? NaN, r))
  const worst = Math.max(0, ...scalars.map((d) => (Number.isNaN(d) ? Infinity : d)), worstArrayError(got, reference))
  return { ok: worst <= TOLERANCE, text: `${got.scalars.join(', ')}; worst relative difference ${sci(worst)} (to ${TOLERANCE})` }
}

const groups = (): ReadonlyArray<Group> => [
  {
    id: CHAIN,
    title: `Scalar chain, N = ${N} (sin, x², exp(−x), …): gradient at x = ${X}`,
    unit: H.nsPer('op'),
    rows: [{ name: POINT_FREE }, { name: DIRECT }],
    reference: POINT_FREE,
    baselines: [POINT_FREE],
    check
  },
  {
    id: MLP,
    title: 'MLP 784-128-10, batch 64: gradient of the loss with respect to the parameters',
    unit: H.msPer('step'),
    rows: [{ name: POINT_FREE }, { name: DIRECT }],
    reference: POINT_FREE,
    baselines: [POINT_FREE],
    check
  },
  {
    id: MILLION,
    title: 'A for loop of 1,000,000 applies of Scalar.sin: value and gradient (peak memory of the process)',
    unit: H.nsPer('apply'),
    rows: [{ name: DIRECT, settleMs: 300 }],
    reference: DIRECT,
    baselines: [DIRECT],
    check,
    sampling: { samples: 3, minSampleMs: 0, warmupMs: 0 }
  }
]

const build = (group: string, row: string): Subject => {
  if (group === CHAIN) {
    const lens = chainLens(row)
    return subject({
      run: () => Lens.backPropagateConst(lens, 1, X),
      output: (d: number) => ({ scalars: [Lens.evaluate(lens, X), d], arrays: [] }),
      units: N
    })
  }
  if (group === MLP) {
    const { x, labels, params } = mlpProblem()
    const lens = mlpLens(row, x, labels)
    const one = Tensor.scalar(1)
    return subject({
      run: () => Lens.valueAndGrad(lens, params, one),
      output: ([loss, [[[dW1, db1], dW2], db2]]: readonly [T, Params]) => ({
        scalars: [loss.data[0] as number],
        arrays: [dW1.data, db1.data, dW2.data, db2.data]
      })
    })
  }
  return subject({
    // A collection first (timed too, small beside the call), so that the peak resident set is
    // one run's: otherwise the previous call's trace may still wait for the collector.
    run: () => {
      H.gc()
      return Lens.valueAndGrad(millionLoop, X)
    },
    output: ([y, d]: readonly [number, number]) => ({ scalars: [y, d], arrays: [] }),
    units: M
  })
}

// -------------------------------------------------------------------------------------
// targets
// -------------------------------------------------------------------------------------

const summarise = (tables: ReadonlyArray<TableRecord>): void => {
  const rowOf = (id: string, name: string) => tables.find((t) => t.id === id)?.rows.find((r) => r.name === name)
  const ratio = (id: string): number => rowOf(id, DIRECT)?.ratios[POINT_FREE] ?? NaN
  const chain = ratio(CHAIN)
  const mlp = ratio(MLP)
  const rss = rowOf(MILLION, DIRECT)?.rssPeakMiB ?? NaN
  console.log('\n### Targets (issue 9; ratios of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict'],
      [
        ['scalar chain N = 1000: direct ≤ 4× point-free', `${H.fmt(chain)}×`, H.verdict(chain, 4)],
        ['stretch: direct ≤ 2.5× point-free', `${H.fmt(chain)}×`, H.verdict(chain, 2.5)],
        ['MLP 784-128-10 b64 gradient: direct ≤ 1.10× point-free', `${H.fmt(mlp)}×`, H.verdict(mlp, 1.1)],
        ['loop of 1,000,000 applies: peak resident set ≤ 300 MB', `${H.fmt(rss * 1.048576)} MB`, H.verdict(rss * 1.048576, 300)]
      ]
    )
  )
}

export const benchmark: Benchmark = { name: 'direct', groups, build, summarise }
