/**
 * Direct-style programs against the same computations composed point-free (issue 9):
 * 1. **scalar chain**: the gradient of N = 1000 alternating sin, x², exp(−x), written as a
 *    `for` loop of `yield* Direct.apply(op, x)`, against `Lens.pipeAll` of the same three
 *    lenses (target ≤ 4×, stretch 2.5×); ns per op;
 * 2. **MLP 784-128-10, batch 64**: the gradient of a relu network's softmax cross-entropy
 *    with respect to its parameters, written in direct style, against the same network built
 *    from the same `ops` (`matmulLeft(x)`, `add`, `relu`, `matmul`, `softmaxCrossEntropy`)
 *    with `Lens.pipe` and `Lens.first` (target ≤ 1.10×); ms per step;
 * 3. **peak memory** of a `for` loop of 1,000,000 applies of `Scalar.sin`, value and
 *    gradient, measured in a child process as its maximum resident set (target ≤ 300 MB).
 *
 * Both sides of each comparison are built outside the timed region, checked to compute the
 * same value and gradient (to 1e-12 relative), and timed in the same run by the harness.
 * Self-contained: the only imports are the library and the harness's `measure` and tables.
 *
 *     npm run bench -- direct
 *     npx tsx test/bench/direct.bench.ts [--quick]
 *
 * @module bench/direct
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath, pathToFileURL } from 'node:url'
import { Direct, Lens, Scalar, Tensor, ops } from '../../src/index.js'
import * as H from './harness.js'

type T = Tensor.Tensor
type V = Direct.Var<number>

const MEMORY_CHILD = '--direct-memory-child'

// -------------------------------------------------------------------------------------
// 1. the scalar chain
// -------------------------------------------------------------------------------------

const N = 1000
const X = 0.5
const expNeg = Lens.make<number, number>({ forward: (x) => Math.exp(-x), backward: (_x, dy, y) => -y * dy })
const CHAIN_OPS: ReadonlyArray<Lens.Lens<number, number>> = [Scalar.sin, Scalar.square, expNeg]

const chainCases = (): ReadonlyArray<{ readonly name: string; readonly lens: Lens.Lens<number, number> }> => {
  const pointFree = Lens.pipeAll(Array.from({ length: N }, (_, i) => CHAIN_OPS[i % 3] as Lens.Lens<number, number>))
  const direct = Direct.lens(function* chain(x: V) {
    for (let i = 0; i < N; i++) x = yield* Direct.apply(CHAIN_OPS[i % 3] as Lens.Lens<number, number>, x)
    return x
  })
  return [
    { name: 'point-free (Lens.pipeAll)', lens: pointFree },
    { name: 'direct (for loop of Direct.apply)', lens: direct }
  ]
}

// -------------------------------------------------------------------------------------
// 2. the MLP
// -------------------------------------------------------------------------------------

/** Parameters nested as `[[[W1, b1], W2], b2]`. */
type Params = readonly [readonly [readonly [T, T], T], T]

/** A seeded generator of uniform numbers in [0, 1) (a 32-bit LCG; data, not randomness). */
const uniform = (seed: number): (() => number) => {
  let s = seed >>> 0
  return () => {
    s = (Math.imul(s, 1664525) + 1013904223) >>> 0
    return s / 2 ** 32
  }
}

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

const mlpCases = (x: T, labels: ReadonlyArray<number>): ReadonlyArray<{ readonly name: string; readonly lens: Lens.Lens<Params, T> }> => {
  const layer1 = Lens.pipe(Lens.first<T, T, T>(ops.matmulLeft(x)), ops.add)
  const hidden = Lens.first<readonly [T, T], T, T>(Lens.pipe(layer1, ops.relu))
  const logits = Lens.pipe(Lens.first<readonly [readonly [T, T], T], T, T>(Lens.pipe(hidden, ops.matmul)), ops.add)
  const pointFree = Lens.pipe(logits, ops.softmaxCrossEntropy(labels))
  const first = ops.matmulLeft(x)
  const loss = ops.softmaxCrossEntropy(labels)
  const direct = Direct.lens<Params, T>(function* mlp([[[W1, b1], W2], b2]) {
    const h = yield* Direct.apply(ops.relu, yield* Direct.apply(ops.add, [yield* Direct.apply(first, W1), b1]))
    const z = yield* Direct.apply(ops.add, [yield* Direct.apply(ops.matmul, [h, W2]), b2])
    return yield* Direct.apply(loss, z)
  })
  return [
    { name: 'point-free (ops with Lens.pipe)', lens: pointFree },
    { name: 'direct (the same ops in a program)', lens: direct }
  ]
}

const flatten = (p: Params): ReadonlyArray<Float64Array> => [p[0][0][0].data, p[0][0][1].data, p[0][1].data, p[1].data]

const relError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)))
    scale = Math.max(scale, Math.abs(b[i] as number))
  }
  return a.length !== b.length ? Infinity : scale === 0 ? diff : diff / scale
}

// -------------------------------------------------------------------------------------
// 3. peak memory of a loop of 1,000,000 applies (in a child process)
// -------------------------------------------------------------------------------------

const memoryChild = (): void => {
  const M = 1_000_000
  const loop = Direct.lens(function* loop(x: V) {
    for (let i = 0; i < M; i++) x = yield* Direct.apply(Scalar.sin, x)
    return x
  })
  const [y, dx] = Lens.valueAndGrad(loop, X)
  console.log(JSON.stringify({ y, dx, maxRssMb: process.resourceUsage().maxRSS / 1024 }))
}

const measureMemory = (): { readonly maxRssMb: number } | { readonly error: string } => {
  const child = spawnSync(process.execPath, [...process.execArgv, fileURLToPath(import.meta.url), MEMORY_CHILD], { encoding: 'utf8' })
  const line = child.stdout.trim().split('\n').pop() ?? ''
  try {
    return { maxRssMb: (JSON.parse(line) as { maxRssMb: number }).maxRssMb }
  } catch {
    return { error: `child failed (${child.status}): ${child.stderr.trim().split('\n').slice(-3).join(' ')}` }
  }
}

// -------------------------------------------------------------------------------------
// running
// -------------------------------------------------------------------------------------

export const run = async (options: H.BenchOptions = { quick: false }): Promise<void> => {
  const measureOptions = H.measureOptionsFor(options)
  const failures: Array<string> = []

  console.log(`### Scalar chain, N = ${N} (sin, x², exp(−x), …), gradient at x = ${X}\n`)
  const chains = chainCases()
  const [refY, refD] = Lens.valueAndGrad(chains[0]!.lens, X)
  for (const c of chains.slice(1)) {
    const [y, d] = Lens.valueAndGrad(c.lens, X)
    const ok = Math.abs(y - refY) <= 1e-12 * Math.abs(refY) && Math.abs(d - refD) <= 1e-12 * Math.abs(refD)
    console.log(`check: ${c.name}: value ${y}, gradient ${d} (point-free ${refY}, ${refD}) ${ok ? 'ok' : 'MISMATCH'}`)
    if (!ok) failures.push(c.name)
  }
  const chainResults = H.measure(
    chains.map((c) => ({ name: c.name, units: N, fn: () => Lens.backPropagateConst(c.lens, 1, X) })),
    measureOptions
  )
  console.log()
  console.log(H.resultTable(chainResults, chains[0]!.name, H.nsPer('op')))

  console.log('\n### MLP 784-128-10, batch 64: gradient of the loss with respect to the parameters\n')
  const { x, labels, params } = mlpProblem()
  const nets = mlpCases(x, labels)
  const one = Tensor.scalar(1)
  const [refLoss, refGrad] = Lens.valueAndGrad(nets[0]!.lens, params, one)
  for (const c of nets.slice(1)) {
    const [loss, grad] = Lens.valueAndGrad(c.lens, params, one)
    const worst = Math.max(relError(loss.data, refLoss.data), ...flatten(grad).map((g, i) => relError(g, flatten(refGrad)[i] as Float64Array)))
    const ok = worst <= 1e-12
    console.log(`check: ${c.name}: loss ${loss.data[0]}, worst relative difference of the gradients ${worst} ${ok ? 'ok' : 'MISMATCH'}`)
    if (!ok) failures.push(c.name)
  }
  const mlpResults = H.measure(
    nets.map((c) => ({ name: c.name, fn: () => Lens.backPropagateConst(c.lens, one, params) })),
    measureOptions
  )
  console.log()
  console.log(H.resultTable(mlpResults, nets[0]!.name, H.msPer('step')))

  console.log('\n### Peak memory: a for loop of 1,000,000 applies of Scalar.sin, value and gradient (child process)\n')
  const memory = measureMemory()
  console.log('error' in memory ? memory.error : `maximum resident set: ${H.fmt(memory.maxRssMb)} MB`)

  const chainRatio = H.ratio(chainResults[1], chainResults[0])
  const mlpRatio = H.ratio(mlpResults[1], mlpResults[0])
  const rss = 'error' in memory ? NaN : memory.maxRssMb
  console.log('\n### Targets (issue 9; ratios of medians in this run)\n')
  console.log(
    H.markdownTable(
      ['target', 'measured', 'verdict'],
      [
        ['scalar chain N = 1000: direct ≤ 4× point-free', `${H.fmt(chainRatio)}×`, H.verdict(chainRatio, 4)],
        ['stretch: direct ≤ 2.5× point-free', `${H.fmt(chainRatio)}×`, H.verdict(chainRatio, 2.5)],
        ['MLP 784-128-10 b64 gradient: direct ≤ 1.10× point-free', `${H.fmt(mlpRatio)}×`, H.verdict(mlpRatio, 1.1)],
        ['loop of 1,000,000 applies: peak memory ≤ 300 MB', `${H.fmt(rss)} MB`, H.verdict(rss, 300)]
      ]
    )
  )
  if (failures.length > 0) {
    console.log(`\nMISMATCH: ${failures.join(', ')}`)
    process.exitCode = 1
  }
}

if (process.argv.includes(MEMORY_CHILD)) memoryChild()
else if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run({ quick: process.argv.includes('--quick') }).catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
}
