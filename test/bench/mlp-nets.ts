/**
 * The implementations of the MLP benchmark (`mlp.bench.ts`): one gradient step — loss and
 * the gradients of every weight and bias — of a relu perceptron with a softmax cross-entropy
 * against class indices (mean over the batch), on the same weights and batch everywhere
 * ({@link makeProblem}: float64, rounded to float32 for the float32 rows).
 *
 * Each builder returns the step to time and how to read what it computed (loss and
 * gradients `[dW1, db1, dW2, db2, …]`); every one runs in its own process, so each is
 * monomorphic (the hand-written loops are one generic function, instantiated with
 * `Float64Array` in one process and `Float32Array` in another).
 *
 * @module bench/mlp-nets
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Layer, Lens, Optimizer, Tensor, Train, ops } from '../../src/index.js'
import type { Output } from './model.js'
import type { Tf } from './tfjs.js'

// -------------------------------------------------------------------------------------
// the problem
// -------------------------------------------------------------------------------------

/** A network: layer sizes (inputs first) and the batch size. */
export interface Net {
  readonly id: string
  readonly sizes: ReadonlyArray<number>
  readonly batch: number
}

/** One dense layer's parameters as plain arrays (`W` is `[in, out]`, row-major). */
interface Dense {
  readonly inputs: number
  readonly outputs: number
  readonly W: Tensor.ReadonlyFloat64Array
  readonly b: Tensor.ReadonlyFloat64Array
}

/** The inputs, labels and parameters every implementation gets. */
export interface Problem {
  readonly net: Net
  readonly x: Tensor.ReadonlyFloat64Array
  readonly labels: ReadonlyArray<number>
  readonly layers: ReadonlyArray<Dense>
}

/** Matmul floating-point operations of one step: 3 products a layer, 2 for the first (no input gradient). */
export const flopsPerStep = (net: Net): number =>
  net.sizes.slice(1).reduce((total, out, l) => total + 2 * net.batch * (net.sizes[l] as number) * out * (l > 0 ? 3 : 2), 0)

/**
 * Inputs uniform in [0, 1) (like pixels), labels `i mod classes`, He-normal weights and
 * small random biases (so that the bias gradients are checked on non-trivial values).
 */
export const makeProblem = (net: Net): Problem => {
  const sizes = net.sizes
  const classes = sizes[sizes.length - 1] as number
  const x = Tensor.randomUniform([net.batch, sizes[0] as number], { seed: 11 }).data
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

/** A built implementation: the step to time, and what a step's result computed. */
export interface Built<R> {
  readonly step: () => R
  readonly output: (result: R) => Output
}

const stepOutput = (loss: number, grads: ReadonlyArray<Tensor.ReadonlyFloat64Array | Float32Array>): Output => ({ scalars: [loss], arrays: grads })

// -------------------------------------------------------------------------------------
// hand-written loops
// -------------------------------------------------------------------------------------

type Arr = Float64Array | Float32Array

/**
 * The hand-written step over `Float64Array` or `Float32Array` storage (arithmetic in
 * JavaScript numbers): buffers allocated once and zeroed each step; the products are the
 * plain loops PERFORMANCE.md describes — i-k-j for `z = a·W`, p-i-j for `dW = aᵀ·dz` (rows of
 * `dz` scaled and added), dot products for `da = dz·Wᵀ` — and no input gradient is computed.
 */
export const buildHand = (problem: Problem, Storage: Float64ArrayConstructor | Float32ArrayConstructor): Built<number> => {
  const { net, labels } = problem
  const B = net.batch
  const L = problem.layers.length
  const layers = problem.layers.map((d) => ({ inputs: d.inputs, outputs: d.outputs, W: Storage.from(d.W), b: Storage.from(d.b) }))
  const x: Arr = Storage.from(problem.x)
  const classes = layers[L - 1]?.outputs ?? 0
  const z = layers.map((d) => new Storage(d.outputs * B))
  const a = layers.map((d) => new Storage(d.outputs * B))
  const dz = layers.map((d) => new Storage(d.outputs * B))
  const da = layers.map((d) => new Storage(d.inputs * B))
  const dW = layers.map((d) => new Storage(d.inputs * d.outputs))
  const db = layers.map((d) => new Storage(d.outputs))
  const grads: Array<Arr> = layers.flatMap((_, l) => [dW[l] as Arr, db[l] as Arr])
  const step = (): number => {
    let input = x
    for (let l = 0; l < L; l++) {
      const d = layers[l] as (typeof layers)[number]
      const zl = z[l] as Arr
      const n = d.outputs
      const k = d.inputs
      for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) zl[i * n + j] = d.b[j] as number
      for (let i = 0; i < B; i++) {
        for (let p = 0; p < k; p++) {
          const v = input[i * k + p] as number
          const wp = p * n
          const zi = i * n
          for (let j = 0; j < n; j++) zl[zi + j] = (zl[zi + j] as number) + v * (d.W[wp + j] as number)
        }
      }
      if (l < L - 1) {
        const al = a[l] as Arr
        for (let i = 0; i < zl.length; i++) {
          const v = zl[i] as number
          al[i] = v > 0 ? v : 0
        }
        input = al
      }
    }
    // softmax cross-entropy (mean over the batch) and dz = (softmax − onehot) / B
    const logits = z[L - 1] as Arr
    let dzl = dz[L - 1] as Arr
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
      for (let j = 0; j < classes; j++) dzl[r + j] = Math.exp((logits[r + j] as number) - m - logZ) / B
      dzl[r + c] = (dzl[r + c] as number) - 1 / B
    }
    for (let l = L - 1; l >= 0; l--) {
      const d = layers[l] as (typeof layers)[number]
      const n = d.outputs
      const k = d.inputs
      const al = l === 0 ? x : (a[l - 1] as Arr)
      const dWl = (dW[l] as Arr).fill(0)
      for (let p = 0; p < B; p++) {
        for (let i = 0; i < k; i++) {
          const v = al[p * k + i] as number
          const wi = i * n
          const dp = p * n
          for (let j = 0; j < n; j++) dWl[wi + j] = (dWl[wi + j] as number) + v * (dzl[dp + j] as number)
        }
      }
      const dbl = (db[l] as Arr).fill(0)
      for (let i = 0; i < B; i++) for (let j = 0; j < n; j++) dbl[j] = (dbl[j] as number) + (dzl[i * n + j] as number)
      if (l > 0) {
        const dal = da[l] as Arr
        for (let i = 0; i < B; i++) {
          for (let p = 0; p < k; p++) {
            const wp = p * n
            let s = 0
            for (let j = 0; j < n; j++) s += (dzl[i * n + j] as number) * (d.W[wp + j] as number)
            dal[i * k + p] = s
          }
        }
        const zp = z[l - 1] as Arr
        const next = dz[l - 1] as Arr
        for (let i = 0; i < dal.length; i++) next[i] = (zp[i] as number) > 0 ? (dal[i] as number) : 0
        dzl = next
      }
    }
    return loss / B
  }
  // the buffers are reused: copy them for the check
  return { step, output: (loss) => stepOutput(loss, grads.map((g) => g.slice())) }
}

// -------------------------------------------------------------------------------------
// backprop-lens
// -------------------------------------------------------------------------------------

type T = Tensor.Tensor
const ONE = Tensor.scalar(1)

const mlpParams = (problem: Problem): Layer.MlpParams => ({
  layers: problem.layers.map((d) => ({ W: Tensor.make([d.inputs, d.outputs], d.W), b: Tensor.make([d.outputs], d.b) }))
})
const mlpGrads = (g: Layer.MlpParams): Array<Tensor.ReadonlyFloat64Array> => g.layers.flatMap((l) => [l.W.data, l.b.data])
const inputBatch = (problem: Problem): T => Tensor.make([problem.net.batch, problem.net.sizes[0] as number], problem.x)

/** `Layer.mlp` piped into the loss, gradient with respect to `[params, x]` (the input batch's gradient too). */
export const buildLibMlp = (problem: Problem): Built<readonly [T, readonly [Layer.MlpParams, T]]> => {
  const { model } = Layer.mlp(problem.net.sizes, { activation: 'relu' })
  const loss = Lens.pipe(model, ops.softmaxCrossEntropy(problem.labels))
  const input = [mlpParams(problem), inputBatch(problem)] as const
  return {
    step: () => Lens.valueAndGrad(loss, input, ONE),
    output: ([value, [grad]]) => stepOutput(value.data[0] as number, mlpGrads(grad))
  }
}

/** `Layer.mlp(...).atInput(x)` piped into the loss: the gradient of the parameters only. */
export const buildLibAtInput = (problem: Problem): Built<readonly [T, Layer.MlpParams]> => {
  const { atInput } = Layer.mlp(problem.net.sizes, { activation: 'relu' })
  const loss = Lens.pipe(atInput(inputBatch(problem)), ops.softmaxCrossEntropy(problem.labels))
  const params = mlpParams(problem)
  return {
    step: () => Lens.valueAndGrad(loss, params, ONE),
    output: ([value, grad]) => stepOutput(value.data[0] as number, mlpGrads(grad))
  }
}

/** The learning rate of the `Train.fit` row (its gradient is read back from the update). */
const FIT_LR = 0.1

/**
 * One call of `Train.fit` with its defaults (no `atInput`) on a dataset of exactly one batch,
 * one epoch, `Optimizer.sgd`: one step of fit, with its shuffling, batch gathering, loss
 * check and update. The gradient is recovered from the update, `(p₀ − p₁) / lr`.
 */
export const buildLibFit = (problem: Problem): Built<Train.FitResult<Layer.MlpParams, unknown>> => {
  const { model } = Layer.mlp(problem.net.sizes, { activation: 'relu' })
  const params = mlpParams(problem)
  const data = { inputs: inputBatch(problem), targets: Tensor.make([problem.net.batch], problem.labels) }
  const optimizer = Optimizer.sgd({ lr: FIT_LR })
  const fitOnce = (): Train.FitResult<Layer.MlpParams, unknown> =>
    Train.fit({ model, loss: ops.softmaxCrossEntropy, optimizer, params, data, epochs: 1, batchSize: problem.net.batch, seed: 1 })
  const before = mlpGrads(params)
  return {
    step: fitOnce,
    output: (r) => {
      const after = mlpGrads(r.params)
      const grads = before.map((p0, i) => Float64Array.from(p0, (v, j) => (v - ((after[i] as Float64Array)[j] as number)) / FIT_LR))
      return stepOutput(r.history[0]?.loss ?? NaN, grads)
    }
  }
}

/**
 * The network from `ops`: layer 1 is `pipe(first(matmulLeft(x)), add)` on `[W1, b1]` (the
 * input batch is data: no gradient); each further layer takes `[[P, W], b]` to
 * `pipe(first(first(pipe(previous, relu))), first(matmul), add)`.
 */
const nextLayer = <P>(previous: Lens.Lens<P, T>): Lens.Lens<readonly [readonly [P, T], T], T> =>
  Lens.pipe(
    Lens.first<readonly [P, T], readonly [T, T], T>(Lens.first<P, T, T>(Lens.pipe(previous, ops.relu))),
    Lens.first<readonly [T, T], T, T>(ops.matmul),
    ops.add
  )

/** `ops` composed with `Lens.pipe`, parameters nested `[[[W1, b1], W2], b2]`. */
export const buildLibOps = (problem: Problem): Built<readonly [T, unknown]> => {
  const { layers } = problem
  let model = Lens.pipe(Lens.first<T, T, T>(ops.matmulLeft(inputBatch(problem))), ops.add) as unknown as Lens.Lens<unknown, T>
  for (let l = 1; l < layers.length; l++) model = nextLayer(model) as unknown as Lens.Lens<unknown, T>
  const loss = Lens.pipe(model, ops.softmaxCrossEntropy(problem.labels))
  const t = (d: Dense): readonly [T, T] => [Tensor.make([d.inputs, d.outputs], d.W), Tensor.make([d.outputs], d.b)]
  let params: unknown = t(layers[0] as Dense)
  for (const d of layers.slice(1)) {
    const [W, b] = t(d)
    params = [[params, W], b]
  }
  const unnest = (nested: unknown): Array<Tensor.ReadonlyFloat64Array> => {
    const out: Array<Tensor.ReadonlyFloat64Array> = []
    let g = nested
    for (let l = layers.length - 1; l >= 1; l--) {
      const [[inner, dW], db] = g as readonly [readonly [unknown, T], T]
      out.unshift(dW.data, db.data)
      g = inner
    }
    const [dW1, db1] = g as readonly [T, T]
    out.unshift(dW1.data, db1.data)
    return out
  }
  return {
    step: () => Lens.valueAndGrad(loss, params, ONE),
    output: ([value, grad]) => stepOutput(value.data[0] as number, unnest(grad))
  }
}

// -------------------------------------------------------------------------------------
// tfjs
// -------------------------------------------------------------------------------------

/**
 * `tf.variableGrads` of the same network (`tf.matMul`, `tf.add`, `tf.relu`,
 * `tf.losses.softmaxCrossEntropy` against one-hot labels) in float32. The timed step reads
 * the loss back (`dataSync`) and leaves the gradients in the backend, as a training step
 * would before its update; the check reads them back too.
 */
export const buildTf = (tf: Tf, problem: Problem): Built<number> => {
  const { net, layers } = problem
  const classes = net.sizes[net.sizes.length - 1] as number
  const xs = tf.tensor2d(Float32Array.from(problem.x), [net.batch, net.sizes[0] as number])
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([...problem.labels], 'int32'), classes), 'float32'))
  const vars = layers.flatMap((d) => [
    tf.variable(tf.tensor2d(Float32Array.from(d.W), [d.inputs, d.outputs])),
    tf.variable(tf.tensor1d(Float32Array.from(d.b)))
  ])
  const f = (): TF.Scalar => {
    let h: TF.Tensor = xs
    for (let l = 0; l < layers.length; l++) {
      const zl = tf.add(tf.matMul(h, vars[2 * l] as TF.Variable), vars[2 * l + 1] as TF.Variable)
      h = l < layers.length - 1 ? tf.relu(zl) : zl
    }
    return tf.losses.softmaxCrossEntropy(onehot, h)
  }
  const compute = (): Array<TF.Tensor> =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(f, vars)
      return [value, ...vars.map((v) => grads[v.name] as TF.Tensor)]
    })
  const step = (): number => {
    const out = compute()
    const loss = (out[0] as TF.Tensor).dataSync()[0] as number
    for (const t of out) t.dispose()
    return loss
  }
  return {
    step,
    output: (loss) => {
      const out = compute()
      const grads = out.slice(1).map((t) => Float32Array.from(t.dataSync()))
      for (const t of out) t.dispose()
      return stepOutput(loss, grads)
    }
  }
}
