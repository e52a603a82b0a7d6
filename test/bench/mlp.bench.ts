/**
 * One training-step gradient of a multi-layer perceptron — forward and backward, giving the
 * gradients of every weight and bias — for relu hidden layers and a softmax cross-entropy
 * against class indices (mean over the batch), issue 3 item 6. Two networks:
 * - **MLP 784-128-10, batch 64**: dominated by the three products of the first layer
 *   (26.2 MFLOP of matmul per step: `Σ_l 2·B·in·out·(2 + [l > 1])`, forward, weight gradient
 *   and, from the second layer on, the input gradient);
 * - **tiny 1-16-16-4, batch 16**: per-op overhead and allocation dominate.
 *
 * Implementations, all checked against the hand-written loops before timing (float64: to
 * 1e-10 relative, per parameter tensor `max|Δ| / max|ref|`; tfjs, float32: to 1e-4):
 * 1. `hand-written` — the baseline: plain `Float64Array` loops in the benchmark file, buffers
 *    allocated once and zeroed each step. Products are the plain loops PERFORMANCE.md
 *    describes: i-k-j for `z = a·W` (innermost loop along rows of `W` and `z`), p-i-j for
 *    `dW = aᵀ·dz` (rows of `dz` scaled and added), dot products for `da = dz·Wᵀ`;
 * 2. `hand-written, fresh arrays` — the same loops allocating every buffer each step;
 * 3. `hand-written, library kernels` — the same loops with the products done by the
 *    register-blocked kernels of `src/kernels/matmul.ts` (what the library could reach with
 *    its kernels and no overhead);
 * 4. `lib ops + Lens.pipe` — backprop-lens: the network composed by hand from `ops` with
 *    `Lens.pipe` and `Lens.first` over nested parameters `[[[W1, b1], W2], b2]`
 *    (first layer `ops.matmulLeft(x)`: the input batch is data, its gradient is not
 *    computed); value and gradient by `Lens.valueAndGrad(loss, params, 1)`;
 * 5. `lib Layer.mlp` — backprop-lens: `Layer.mlp(sizes)` piped into
 *    `ops.softmaxCrossEntropy(labels)`, gradient with respect to `[params, x]` (as
 *    `Train.fit` does it: `Layer.dense` uses `ops.matmul`, so the gradient of the input batch
 *    is computed too — a third product on the first layer);
 * 6. `tfjs-core 4.22 cpu` — `tf.variableGrads` of the same network (`tf.matMul`, `tf.add`,
 *    `tf.relu`, `tf.losses.softmaxCrossEntropy` against one-hot labels) in **float32**, the
 *    gradients read back with `dataSync`; timed without the harness's forced collection
 *    before each sample (`collect: false`: tfjs runs slowly for a while after one).
 *
 *     npm run bench -- mlp            # through the runner
 *     npx tsx test/bench/mlp.bench.ts # alone
 *
 * @module bench/mlp
 */
import type * as TF from '@tensorflow/tfjs-core'
import { pathToFileURL } from 'node:url'
import { Layer, Lens, Tensor, ops } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'
import * as H from './harness.js'
import { loadTfOrSkip, TFJS_LABEL, type Tf } from './tfjs.js'

// -------------------------------------------------------------------------------------
// the problem
// -------------------------------------------------------------------------------------

/** A network: layer sizes (inputs first) and the batch size. */
interface Net {
  readonly label: string
  readonly sizes: ReadonlyArray<number>
  readonly batch: number
}

const BIG: Net = { label: 'MLP 784-128-10, batch 64', sizes: [784, 128, 10], batch: 64 }
const TINY: Net = { label: 'tiny 1-16-16-4, batch 16', sizes: [1, 16, 16, 4], batch: 16 }

/** One dense layer's parameters as plain arrays (`W` is `[in, out]`, row-major). */
interface Dense {
  readonly inputs: number
  readonly outputs: number
  readonly W: Float64Array
  readonly b: Float64Array
}

/** The inputs, labels and parameters every implementation gets. */
interface Problem {
  readonly net: Net
  readonly x: Float64Array
  readonly labels: ReadonlyArray<number>
  readonly layers: ReadonlyArray<Dense>
}

/** Matmul floating-point operations of one step (a multiply-add is 2). */
const flopsPerStep = (net: Net): number =>
  net.sizes.slice(1).reduce((total, out, l) => total + 2 * net.batch * (net.sizes[l] as number) * out * (l > 0 ? 3 : 2), 0)

/**
 * Inputs uniform in [0, 1) (like pixels), labels `i mod classes`, He-normal weights and
 * small random biases (so that the bias gradients are checked on non-trivial values).
 */
const makeProblem = (net: Net): Problem => {
  const sizes = net.sizes
  const inputs = sizes[0] as number
  const classes = sizes[sizes.length - 1] as number
  const x = Tensor.randomUniform([net.batch, inputs], { seed: 11 }).data
  const labels = Array.from({ length: net.batch }, (_, i) => i % classes)
  const layers = sizes.slice(1).map((outputs, l) => {
    const n = sizes[l] as number
    return {
      inputs: n,
      outputs,
      W: Tensor.randomNormal([n, outputs], { seed: 100 + l, std: Math.sqrt(2 / n) }).data,
      b: Tensor.randomNormal([outputs], { seed: 200 + l, std: 0.1 }).data
    }
  })
  return { net, x, labels, layers }
}

/** The loss and the gradients `[dW1, db1, dW2, db2, …]` of one step. */
interface Step {
  readonly loss: number
  readonly grads: ReadonlyArray<ArrayLike<number>>
}

// -------------------------------------------------------------------------------------
// 1–3. hand-written loops
// -------------------------------------------------------------------------------------

type Kernels = 'plain' | 'blocked'

/** `z[B×n] += a[B×k] · W[k×n]`: plain i-k-j. */
const plainNN = (a: Float64Array, w: Float64Array, z: Float64Array, m: number, k: number, n: number): void => {
  for (let i = 0; i < m; i++) {
    const ai = i * k
    const zi = i * n
    for (let p = 0; p < k; p++) {
      const x = a[ai + p] as number
      const wp = p * n
      for (let j = 0; j < n; j++) z[zi + j] = (z[zi + j] as number) + x * (w[wp + j] as number)
    }
  }
}

/** `dW[k×n] += a[B×k]ᵀ · dz[B×n]`: plain p-i-j (rows of dz scaled and added). */
const plainTN = (a: Float64Array, dz: Float64Array, dw: Float64Array, m: number, k: number, n: number): void => {
  for (let p = 0; p < m; p++) {
    const ap = p * k
    const dp = p * n
    for (let i = 0; i < k; i++) {
      const x = a[ap + i] as number
      const wi = i * n
      for (let j = 0; j < n; j++) dw[wi + j] = (dw[wi + j] as number) + x * (dz[dp + j] as number)
    }
  }
}

/** `da[B×k] = dz[B×n] · W[k×n]ᵀ`: plain dot products of rows. */
const plainNT = (dz: Float64Array, w: Float64Array, da: Float64Array, m: number, n: number, k: number): void => {
  for (let i = 0; i < m; i++) {
    const di = i * n
    for (let p = 0; p < k; p++) {
      const wp = p * n
      let s = 0
      for (let j = 0; j < n; j++) s += (dz[di + j] as number) * (w[wp + j] as number)
      da[i * k + p] = s
    }
  }
}

/**
 * The hand-written step. `fresh`: allocate every buffer each step (else allocate once and
 * zero). `kernels`: the plain loops above, or the library's blocked kernels.
 */
const buildHand = (problem: Problem, fresh: boolean, kernels: Kernels): (() => Step) => {
  const { net, x, labels, layers } = problem
  const B = net.batch
  const L = layers.length
  const classes = layers[L - 1]?.outputs ?? 0
  const NN =
    kernels === 'plain' ? plainNN : (a: Float64Array, w: Float64Array, z: Float64Array, m: number, k: number, n: number) => K.matmulNN(a, 0, w, 0, z, 0, m, k, n)
  const TN =
    kernels === 'plain'
      ? plainTN
      : (a: Float64Array, dz: Float64Array, dw: Float64Array, m: number, k: number, n: number) => K.matmulTN(a, 0, dz, 0, dw, 0, k, m, n)
  const NT =
    kernels === 'plain'
      ? plainNT
      : (dz: Float64Array, w: Float64Array, da: Float64Array, m: number, n: number, k: number) => {
          da.fill(0)
          K.matmulNT(dz, 0, w, 0, da, 0, m, n, k)
        }
  // z[l], a[l] (a[l] = relu(z[l]) for hidden layers), dz[l], dW[l], db[l]
  const sizesOf = layers.map((d) => d.outputs * B)
  const once = {
    z: sizesOf.map((n) => new Float64Array(n)),
    a: sizesOf.map((n) => new Float64Array(n)),
    dz: sizesOf.map((n) => new Float64Array(n)),
    da: sizesOf.map((n) => new Float64Array(n)),
    dW: layers.map((d) => new Float64Array(d.inputs * d.outputs)),
    db: layers.map((d) => new Float64Array(d.outputs))
  }
  const buffer = (pool: ReadonlyArray<Float64Array>, l: number): Float64Array => {
    const buf = pool[l] as Float64Array
    return fresh ? new Float64Array(buf.length) : buf.fill(0)
  }
  return () => {
    const zs: Array<Float64Array> = []
    const as: Array<Float64Array> = []
    let input = x
    for (let l = 0; l < L; l++) {
      const d = layers[l] as Dense
      const z = buffer(once.z, l)
      const n = d.outputs
      for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) z[i * n + j] = d.b[j] as number
      NN(input, d.W, z, B, d.inputs, n)
      zs.push(z)
      if (l < L - 1) {
        const a = buffer(once.a, l)
        for (let i = 0; i < z.length; i++) {
          const v = z[i] as number
          a[i] = v > 0 ? v : 0
        }
        as.push(a)
        input = a
      }
    }
    // softmax cross-entropy (mean over the batch) and dz = (softmax − onehot) / B
    const logits = zs[L - 1] as Float64Array
    let dz = buffer(once.dz, L - 1)
    let loss = 0
    for (let i = 0; i < B; i++) {
      const r = i * classes
      let m = -Infinity
      for (let j = 0; j < classes; j++) m = Math.max(m, logits[r + j] as number)
      let s = 0
      for (let j = 0; j < classes; j++) s += Math.exp((logits[r + j] as number) - m)
      const logZ = Math.log(s)
      const c = labels[i] as number
      loss += m + logZ - (logits[r + c] as number)
      for (let j = 0; j < classes; j++) dz[r + j] = Math.exp((logits[r + j] as number) - m - logZ) / B
      dz[r + c] = (dz[r + c] as number) - 1 / B
    }
    const grads: Array<Float64Array> = new Array<Float64Array>(2 * L)
    for (let l = L - 1; l >= 0; l--) {
      const d = layers[l] as Dense
      const n = d.outputs
      const a = l === 0 ? x : (as[l - 1] as Float64Array)
      const dW = buffer(once.dW, l)
      TN(a, dz, dW, B, d.inputs, n)
      const db = buffer(once.db, l)
      for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) db[j] = (db[j] as number) + (dz[i * n + j] as number)
      grads[2 * l] = dW
      grads[2 * l + 1] = db
      if (l > 0) {
        const da = buffer(once.da, l - 1)
        NT(dz, d.W, da, B, n, d.inputs)
        const z = zs[l - 1] as Float64Array
        const next = buffer(once.dz, l - 1)
        for (let i = 0; i < da.length; i++) next[i] = (z[i] as number) > 0 ? (da[i] as number) : 0
        dz = next
      }
    }
    return { loss: loss / B, grads }
  }
}

// -------------------------------------------------------------------------------------
// 4. backprop-lens: ops composed with Lens.pipe
// -------------------------------------------------------------------------------------

type T = Tensor.Tensor
const ONE = Tensor.scalar(1)

/**
 * The network from `ops`: layer 1 is `pipe(first(matmulLeft(x)), add)` on `[W1, b1]`; each
 * further layer takes `[[P, W], b]` to `pipe(first(first(pipe(previous, relu))), first(matmul), add)`.
 */
const nextLayer = <P>(previous: Lens.Lens<P, T>): Lens.Lens<readonly [readonly [P, T], T], T> =>
  Lens.pipe(
    Lens.first<readonly [P, T], readonly [T, T], T>(Lens.first<P, T, T>(Lens.pipe(previous, ops.relu))),
    Lens.first<readonly [T, T], T, T>(ops.matmul),
    ops.add
  )

/** Parameters nested as the ops pipeline takes them: `[[[W1, b1], W2], b2]`. */
const nestParams = (layers: ReadonlyArray<Dense>): unknown => {
  const t = (d: Dense): readonly [T, T] => [
    Tensor.make([d.inputs, d.outputs], d.W),
    Tensor.make([d.outputs], d.b)
  ]
  let nested: unknown = t(layers[0] as Dense)
  for (const d of layers.slice(1)) {
    const [W, b] = t(d)
    nested = [[nested, W], b]
  }
  return nested
}

/** The nested gradient back to `[dW1, db1, dW2, db2, …]`. */
const unnestGrads = (nested: unknown, layers: number): Array<Float64Array> => {
  const out: Array<Float64Array> = []
  let g = nested
  for (let l = layers - 1; l >= 1; l--) {
    const [[inner, dW], db] = g as readonly [readonly [unknown, T], T]
    out.unshift(dW.data, db.data)
    g = inner
  }
  const [dW1, db1] = g as readonly [T, T]
  out.unshift(dW1.data, db1.data)
  return out
}

const buildLibOps = (problem: Problem): (() => Step) => {
  const { net, x, labels, layers } = problem
  const xt = Tensor.make([net.batch, net.sizes[0] as number], x)
  let model: Lens.Lens<unknown, T> = Lens.pipe(Lens.first<T, T, T>(ops.matmulLeft(xt)), ops.add) as unknown as Lens.Lens<unknown, T>
  for (let l = 1; l < layers.length; l++) model = nextLayer(model) as unknown as Lens.Lens<unknown, T>
  const loss = Lens.pipe(model, ops.softmaxCrossEntropy(labels))
  const params = nestParams(layers)
  return () => {
    const [value, grad] = Lens.valueAndGrad(loss, params, ONE)
    return { loss: value.data[0] as number, grads: unnestGrads(grad, layers.length) }
  }
}

// -------------------------------------------------------------------------------------
// 5. backprop-lens: Layer.mlp
// -------------------------------------------------------------------------------------

const buildLibMlp = (problem: Problem): (() => Step) => {
  const { net, x, labels, layers } = problem
  const xt = Tensor.make([net.batch, net.sizes[0] as number], x)
  const { model } = Layer.mlp(net.sizes, { activation: 'relu' })
  const loss = Lens.pipe(model, ops.softmaxCrossEntropy(labels))
  const params: Layer.MlpParams = {
    layers: layers.map((d) => ({ W: Tensor.make([d.inputs, d.outputs], d.W), b: Tensor.make([d.outputs], d.b) }))
  }
  return () => {
    const [value, [grad]] = Lens.valueAndGrad(loss, [params, xt] as const, ONE)
    return { loss: value.data[0] as number, grads: grad.layers.flatMap((g) => [g.W.data, g.b.data]) }
  }
}

// -------------------------------------------------------------------------------------
// 6. tfjs-core, cpu backend (float32)
// -------------------------------------------------------------------------------------

const buildTf = (tf: Tf, problem: Problem): (() => Step) => {
  const { net, x, labels, layers } = problem
  const classes = net.sizes[net.sizes.length - 1] as number
  const xs = tf.tensor2d(Float32Array.from(x), [net.batch, net.sizes[0] as number])
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([...labels], 'int32'), classes), 'float32'))
  const vars = layers.flatMap((d) => [
    tf.variable(tf.tensor2d(Float32Array.from(d.W), [d.inputs, d.outputs])),
    tf.variable(tf.tensor1d(Float32Array.from(d.b)))
  ])
  const f = (): TF.Scalar => {
    let a: TF.Tensor = xs
    for (let l = 0; l < layers.length; l++) {
      const z = tf.add(tf.matMul(a, vars[2 * l] as TF.Variable), vars[2 * l + 1] as TF.Variable)
      a = l < layers.length - 1 ? tf.relu(z) : z
    }
    return tf.losses.softmaxCrossEntropy(onehot, a)
  }
  return () => {
    const out = tf.tidy(() => {
      const { value, grads } = tf.variableGrads(f, vars)
      return [value, ...vars.map((v) => grads[v.name] as TF.Tensor)]
    })
    const read = out.map((t) => t.dataSync())
    for (const t of out) t.dispose()
    return { loss: read[0]?.[0] ?? NaN, grads: read.slice(1) }
  }
}

// -------------------------------------------------------------------------------------
// checking and running
// -------------------------------------------------------------------------------------

const HAND = 'hand-written'
const HAND_FRESH = 'hand-written, fresh arrays'
const HAND_BLOCKED = 'hand-written, library kernels'
const LIB_OPS = 'lib ops + Lens.pipe'
const LIB_MLP = 'lib Layer.mlp'
const TFJS = `${TFJS_LABEL} (float32)`

interface Impl {
  readonly name: string
  readonly step: () => Step
  readonly float32?: boolean
}

/** `max|a − b| / max|b|` over one tensor. */
const relError = (a: ArrayLike<number>, b: ArrayLike<number>): number => {
  if (a.length !== b.length) return Infinity
  let diff = 0
  let scale = 0
  for (let i = 0; i < b.length; i++) {
    diff = Math.max(diff, Math.abs((a[i] as number) - (b[i] as number)))
    scale = Math.max(scale, Math.abs(b[i] as number))
  }
  return scale === 0 ? diff : diff / scale
}

const TOL64 = 1e-10
const TOL32 = 1e-4

/** The worst relative error of a step against the reference: the loss and every gradient. */
const worstError = (got: Step, want: Step): number =>
  Math.max(
    Math.abs(got.loss - want.loss) / Math.abs(want.loss),
    ...want.grads.map((g, i) => relError(got.grads[i] ?? [], g))
  )

/** A copy of a step (the hand-written step reuses its buffers). */
const snapshot = (s: Step): Step => ({ loss: s.loss, grads: s.grads.map((g) => Float64Array.from(g)) })

const runNet = (
  net: Net,
  tf: Tf | null,
  options: H.MeasureOptions,
  quick: boolean
): { readonly results: ReadonlyArray<H.Result>; readonly failed: ReadonlyArray<string> } => {
  const problem = makeProblem(net)
  const impls: Array<Impl> = [
    { name: HAND, step: buildHand(problem, false, 'plain') },
    { name: HAND_FRESH, step: buildHand(problem, true, 'plain') },
    { name: HAND_BLOCKED, step: buildHand(problem, false, 'blocked') },
    { name: LIB_OPS, step: buildLibOps(problem) },
    { name: LIB_MLP, step: buildLibMlp(problem) }
  ]
  if (tf !== null) impls.push({ name: TFJS, step: buildTf(tf, problem), float32: true })
  const reference = snapshot((impls[0] as Impl).step())
  console.log(`check against ${HAND}: loss ${reference.loss}, ${reference.grads.length} gradient tensors (max|Δ| / max|ref| per tensor)`)
  const failed: Array<string> = []
  for (const impl of impls) {
    const tol = impl.float32 === true ? TOL32 : TOL64
    let err: number
    try {
      err = worstError(impl.step(), reference)
    } catch (e) {
      console.log(`  ${impl.name}: ${e instanceof Error ? `${e.name}: ${e.message}` : String(e)}`)
      failed.push(impl.name)
      continue
    }
    const ok = err <= tol
    console.log(`  ${impl.name}: worst relative error ${err.toExponential(1)} (tolerance ${tol}${impl.float32 === true ? ', float32' : ''}) ${ok ? 'ok' : 'MISMATCH'}`)
    if (!ok) failed.push(impl.name)
  }
  const cases: Array<H.Case> = impls
    .filter((impl) => !failed.includes(impl.name))
    .map((impl) => ({
      name: impl.name,
      fn: impl.step,
      expect: (r: unknown) => worstError(r as Step, reference) <= (impl.float32 === true ? TOL32 : TOL64),
      // tfjs's eager engine runs slowly for a while after a forced collection (harness.ts)
      ...(impl.float32 === true ? { collect: false } : {}),
      ...(impl.float32 === true && !quick ? { warmupMs: 2000 } : {})
    }))
  const measured = H.measure(cases, options)
  const results = impls.map(
    (impl) =>
      measured.find((r) => r.name === impl.name) ?? {
        name: impl.name,
        median: NaN,
        min: NaN,
        max: NaN,
        samples: [],
        callsPerSample: 0,
        error: 'MISMATCH (not timed)'
      }
  )
  return { results, failed: [...failed, ...measured.filter((r) => r.error !== undefined).map((r) => r.name)] }
}

/** The table of one network: time, min–max, GFLOP/s, ratios to hand-written and to tfjs. */
const table = (net: Net, results: ReadonlyArray<H.Result>, unit: H.Unit): string => {
  const flops = flopsPerStep(net)
  const hand = results.find((r) => r.name === HAND)
  const tfjs = results.find((r) => r.name === TFJS)
  return H.markdownTable(
    ['implementation', `${unit.label} (median)`, 'min–max', 'samples×calls', 'GFLOP/s', 'ratio to hand-written', 'ratio to tfjs-cpu'],
    results.map((r) =>
      r.error !== undefined
        ? [r.name, r.error.split(':')[0] ?? r.error, '—', '—', '—', '—', '—']
        : [
            r.name,
            H.fmt(r.median * unit.fromNs),
            `${H.fmt(r.min * unit.fromNs)}–${H.fmt(r.max * unit.fromNs)}`,
            `${r.samples.length}×${r.callsPerSample}`,
            H.fmt(flops / r.median),
            H.fmt(H.ratio(r, hand)),
            H.fmt(H.ratio(r, tfjs))
          ]
    )
  )
}

/** Runs both networks and prints the checks, the tables and the targets of issue 3. */
export const run = async (options: H.BenchOptions = { quick: false }): Promise<void> => {
  const measureOptions = H.measureOptionsFor(options)
  const tf = await loadTfOrSkip()
  const mismatches: Array<string> = []
  const all = new Map<Net, ReadonlyArray<H.Result>>()
  for (const [net, unit] of [
    [BIG, H.msPer('step')],
    [TINY, H.nsPer('step')]
  ] as const) {
    console.log(`\n### ${net.label} (${(flopsPerStep(net) / 1e6).toPrecision(3)} MFLOP of matmul per step)\n`)
    const { results, failed } = runNet(net, tf, measureOptions, options.quick)
    mismatches.push(...failed.map((name) => `${name} (${net.label})`))
    all.set(net, results)
    console.log()
    console.log(table(net, results, unit))
  }

  const at = (net: Net, name: string): H.Result | undefined => all.get(net)?.find((r) => r.name === name)
  const rows: Array<Array<string>> = []
  for (const lib of [LIB_OPS, LIB_MLP]) {
    const rTf = H.ratio(at(BIG, lib), at(BIG, TFJS))
    const rHand = H.ratio(at(BIG, lib), at(BIG, HAND))
    const rTiny = H.ratio(at(TINY, lib), at(TINY, HAND))
    rows.push(
      [`${lib}: MLP step ≤ 1.0× tfjs-cpu`, `${H.fmt(rTf)}×`, H.verdict(rTf, 1)],
      [`${lib}: MLP step ≤ 1.05× hand-written`, `${H.fmt(rHand)}×`, H.verdict(rHand, 1.05)],
      [`${lib}: stretch, ≥ 1.5× faster than hand-written plain i-k-j (hand / lib)`, `${H.fmt(1 / rHand)}×`, H.verdict(1.5, 1 / rHand)],
      [`${lib}: tiny net ≤ 2× hand-written`, `${H.fmt(rTiny)}×`, H.verdict(rTiny, 2)]
    )
  }
  console.log('\n### Targets (issue 3; ratios of medians in this run)\n')
  console.log(H.markdownTable(['target', 'measured', 'verdict'], rows))
  console.log(
    '\nThe stretch target compares against the plain loops (i-k-j, p-i-j, dot products) written in this file, as\n' +
      'PERFORMANCE.md describes the hand-written baseline; `hand-written, library kernels` shows the same loops with\n' +
      'the register-blocked kernels of src/kernels/matmul.ts, the limit for the library on this machine.'
  )
  if (mismatches.length > 0) {
    console.log(`\nMISMATCH or failure: ${mismatches.join(', ')} (not timed)`)
    process.exitCode = 1
  }
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  run({ quick: process.argv.includes('--quick') }).catch((e: unknown) => {
    console.error(e)
    process.exitCode = 1
  })
}
