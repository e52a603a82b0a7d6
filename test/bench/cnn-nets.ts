/**
 * The implementations of the CNN benchmark (`cnn.bench.ts`): one gradient step — the loss
 * and the gradient of every filter, weight and bias — of the demo's network without its
 * dropout (conv 5×5×16 → relu → max-pool 2 → conv 5×5×32 → relu → max-pool 2 → flatten →
 * dense 10; 'valid' padding, stride 1), with a softmax cross-entropy against class indices,
 * on the same weights and batch everywhere ({@link makeProblem}: float64, rounded to float32
 * for tfjs).
 *
 * Each builder returns the step to time and how to read what it computed (the loss and the
 * gradients `[dW1, db1, dW2, db2, dW3, db3]`). The "direct" rows replace `ops.conv2d` (im2col
 * and the matrix kernels) by a lens over direct loop nests, to measure one against the other.
 *
 * @module bench/cnn-nets
 */
import type * as TF from '@tensorflow/tfjs-core'
import { Layer, Lens, Optimizer, Para, Tensor, Train, ops } from '../../src/index.js'
import type { Output } from './model.js'
import type { Tf } from './tfjs.js'

type T = Tensor.Tensor
type Pair = readonly [T, T]

// -------------------------------------------------------------------------------------
// the problem
// -------------------------------------------------------------------------------------

/** The network's shapes: 28×28×1 inputs, two 5×5 convolutions, a dense layer. */
export const SHAPES = {
  conv1: [5, 5, 1, 16],
  conv2: [5, 5, 16, 32],
  dense: [512, 10]
} as const

/** The inputs, labels and parameters every implementation gets. */
export interface Problem {
  readonly batch: number
  readonly x: T
  readonly labels: ReadonlyArray<number>
  readonly params: CnnParams
}

export type CnnParams = readonly [Layer.Conv2dParams, readonly [], Layer.Conv2dParams, readonly [], readonly [], Layer.DenseParams]

/** Inputs uniform in [0, 1) (like pixels), labels `i mod 10`, He-normal weights, small random biases. */
export const makeProblem = (batch: number): Problem => {
  const bias = (n: number, seed: number): T => Tensor.randomNormal([n], { seed, std: 0.1 })
  const c1 = Layer.initConv2d(1, 16, 5, { seed: 101 })
  const c2 = Layer.initConv2d(16, 32, 5, { seed: 102 })
  const d = Layer.initDense(512, 10, { seed: 103 })
  return {
    batch,
    x: Tensor.randomUniform([batch, 28, 28, 1], { seed: 11 }),
    labels: Array.from({ length: batch }, (_, i) => i % 10),
    params: [{ W: c1.W, b: bias(16, 201) }, [], { W: c2.W, b: bias(32, 202) }, [], [], { W: d.W, b: bias(10, 203) }]
  }
}

/**
 * Multiply-adds ×2 of one step: each product forward, its weight gradient and (but the
 * first layer's) its input gradient; with `inference`, the forward products alone.
 */
export const flopsPerStep = (batch: number, inference = false): number => {
  const conv1 = 24 * 24 * 16 * 25
  const conv2 = 8 * 8 * 32 * 25 * 16
  const dense = 512 * 10
  return 2 * batch * (inference ? conv1 + conv2 + dense : 2 * conv1 + 3 * conv2 + 3 * dense)
}

/** A built implementation: the step to time, and what a step's result computed. */
export interface Built<R> {
  readonly step: () => R
  readonly output: (result: R) => Output
}

const stepOutput = (loss: number, grads: ReadonlyArray<Tensor.ReadonlyFloat64Array | Float32Array>): Output => ({ scalars: [loss], arrays: grads })

const gradsOf = (g: CnnParams): Array<Tensor.ReadonlyFloat64Array> => [g[0].W.data, g[0].b.data, g[2].W.data, g[2].b.data, g[5].W.data, g[5].b.data]

// -------------------------------------------------------------------------------------
// backprop-lens
// -------------------------------------------------------------------------------------

/** The network by `Para.pipe`, with `conv` as its convolution layers' op. */
const network = (conv: (inputs: number, filters: number) => Para.Para<Layer.Conv2dParams, T, T>): Para.Para<CnnParams, T, T> =>
  Para.pipe(conv(1, 16), Layer.maxPool2d(2), conv(16, 32), Layer.maxPool2d(2), Layer.flatten(), Layer.dense(512, 10))

const ONE = Tensor.scalar(1)

/** `Lens.valueAndGrad` of the network piped into the loss, over `[params, x]` (the input's gradient too). */
export const buildLib = (problem: Problem, direct = false): Built<readonly [T, readonly [CnnParams, T]]> => {
  const conv = direct ? directLayer : (inputs: number, filters: number) => Layer.conv2d(inputs, filters, 5, { activation: 'relu' })
  const loss = Lens.pipe(network(conv), ops.softmaxCrossEntropy(problem.labels))
  const input = [problem.params, problem.x] as const
  return {
    step: () => Lens.valueAndGrad(loss, input, ONE),
    output: ([value, [grad]]) => stepOutput(value.data[0] as number, gradsOf(grad))
  }
}

/** Inference: the network's logits for the batch (`Lens.evaluate`, no tape). */
export const buildLibEval = (problem: Problem): Built<T> => {
  const model = network((inputs, filters) => Layer.conv2d(inputs, filters, 5, { activation: 'relu' }))
  const input = [problem.params, problem.x] as const
  return { step: () => Lens.evaluate(model, input), output: (y) => ({ scalars: [], arrays: [y.data] }) }
}

/** The learning rate of the `Train.fit` row (its gradient is read back from the update). */
const FIT_LR = 0.1

/** One call of `Train.fit` (sgd, one epoch of exactly one batch): one training step with fit's shuffling, gathering and checks. */
export const buildLibFit = (problem: Problem): Built<Train.FitResult<CnnParams, unknown>> => {
  const model = network((inputs, filters) => Layer.conv2d(inputs, filters, 5, { activation: 'relu' }))
  const data = { inputs: problem.x, targets: Tensor.make([problem.batch], problem.labels) }
  const optimizer = Optimizer.sgd({ lr: FIT_LR })
  const before = gradsOf(problem.params)
  return {
    step: () => Train.fit({ model, loss: ops.softmaxCrossEntropy, optimizer, params: problem.params, data, epochs: 1, batchSize: problem.batch, seed: 1 }),
    output: (r) => {
      const after = gradsOf(r.params)
      const grads = before.map((p0, i) => Float64Array.from(p0, (v, j) => (v - ((after[i] as Float64Array)[j] as number)) / FIT_LR))
      return stepOutput(r.history[0]?.loss ?? NaN, grads)
    }
  }
}

// -------------------------------------------------------------------------------------
// direct loops (the alternative to im2col), 'valid' padding and stride 1
// -------------------------------------------------------------------------------------

/**
 * `conv2d(x, W)` by direct loop nests over NHWC and HWIO: for every output pixel, every tap
 * and every input channel, one input value times a contiguous row of `cout` weights; the
 * backward passes walk the same nest, adding into `dx` and `dW`.
 */
const directConv: Lens.Lens<Pair, T> = Lens.make<Pair, T>({
  forward: ([x, w]) => {
    const [n, h, wd, c] = x.shape as [number, number, number, number]
    const [kh, kw, , co] = w.shape as [number, number, number, number]
    const oh = h - kh + 1
    const ow = wd - kw + 1
    const X = x.data
    const W = w.data
    const y = new Float64Array(n * oh * ow * co)
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const o = ((b * oh + oy) * ow + ox) * co
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const xi = ((b * h + oy + ky) * wd + ox + kx) * c
              const wi = (ky * kw + kx) * c * co
              for (let ci = 0; ci < c; ci++) {
                const v = X[xi + ci] as number
                const wr = wi + ci * co
                for (let j = 0; j < co; j++) y[o + j] = (y[o + j] as number) + v * (W[wr + j] as number)
              }
            }
        }
    return Tensor.make([n, oh, ow, co], y)
  },
  backward: ([x, w], dyT) => {
    const [n, h, wd, c] = x.shape as [number, number, number, number]
    const [kh, kw, , co] = w.shape as [number, number, number, number]
    const oh = h - kh + 1
    const ow = wd - kw + 1
    const X = x.data
    const W = w.data
    const dy = dyT.data
    const dx = new Float64Array(x.size)
    const dw = new Float64Array(w.size)
    for (let b = 0; b < n; b++)
      for (let oy = 0; oy < oh; oy++)
        for (let ox = 0; ox < ow; ox++) {
          const o = ((b * oh + oy) * ow + ox) * co
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++) {
              const xi = ((b * h + oy + ky) * wd + ox + kx) * c
              const wi = (ky * kw + kx) * c * co
              for (let ci = 0; ci < c; ci++) {
                const v = X[xi + ci] as number
                const wr = wi + ci * co
                let s = 0
                for (let j = 0; j < co; j++) {
                  const g = dy[o + j] as number
                  s += g * (W[wr + j] as number)
                  dw[wr + j] = (dw[wr + j] as number) + v * g
                }
                dx[xi + ci] = (dx[xi + ci] as number) + s
              }
            }
        }
    return [Tensor.make(x.shape, dx), Tensor.make(w.shape, dw)] as const
  }
})

/** A convolution layer (5×5, relu) on {@link directConv}, with the same parameters as `Layer.conv2d`. */
const directLayer = (_inputs: number, _filters: number): Para.Para<Layer.Conv2dParams, T, T> =>
  Lens.pipe(
    Lens.make<readonly [Layer.Conv2dParams, T], readonly [Pair, T]>({
      forward: ([p, x]) => [[x, p.W], p.b],
      backward: (_in, [[dx, dW], db]) => [{ W: dW, b: db }, dx]
    }),
    Lens.first<Pair, T, T>(directConv),
    ops.add,
    ops.relu
  )

// -------------------------------------------------------------------------------------
// tfjs
// -------------------------------------------------------------------------------------

/**
 * `tf.variableGrads` of the same network (`tf.conv2d`, `tf.add`, `tf.relu`, `tf.maxPool`,
 * `tf.reshape`, `tf.matMul`, `tf.losses.softmaxCrossEntropy` against one-hot labels) in
 * float32. The timed step reads the loss back (`dataSync`) and leaves the gradients in the
 * backend, as a training step would before its update; the check reads them back too. With
 * `inference`, the logits alone, read back.
 */
export const buildTf = (tf: Tf, problem: Problem, inference = false): Built<number> => {
  const { batch, params } = problem
  const t = (v: T): TF.Tensor => tf.tensor(Float32Array.from(v.data), [...v.shape])
  const xs = t(problem.x) as TF.Tensor4D
  const onehot = tf.tidy(() => tf.cast(tf.oneHot(tf.tensor1d([...problem.labels], 'int32'), 10), 'float32'))
  const [c1, , c2, , , d] = params
  const vars = [c1.W, c1.b, c2.W, c2.b, d.W, d.b].map((v) => tf.variable(t(v)))
  const [W1, b1, W2, b2, W3, b3] = vars as [TF.Variable, TF.Variable, TF.Variable, TF.Variable, TF.Variable, TF.Variable]
  const logitsOf = (): TF.Tensor => {
    const block = (x: TF.Tensor4D, W: TF.Variable, b: TF.Variable): TF.Tensor4D =>
      tf.maxPool(tf.relu(tf.add(tf.conv2d(x, W as TF.Tensor4D, 1, 'valid'), b)) as TF.Tensor4D, 2, 2, 'valid')
    const h = block(block(xs, W1, b1), W2, b2)
    return tf.add(tf.matMul(tf.reshape(h, [batch, 512]), W3 as TF.Tensor2D), b3)
  }
  const f = (): TF.Scalar => tf.losses.softmaxCrossEntropy(onehot, logitsOf())
  if (inference) {
    return {
      step: () => {
        const y = tf.tidy(() => logitsOf())
        const data = y.dataSync() as Float32Array
        y.dispose()
        return data.length
      },
      output: () => {
        const y = tf.tidy(() => logitsOf())
        const data = Float32Array.from(y.dataSync())
        y.dispose()
        return { scalars: [], arrays: [data] }
      }
    }
  }
  const compute = (): Array<TF.Tensor> =>
    tf.tidy(() => {
      const { value, grads } = tf.variableGrads(f, vars)
      return [value, ...vars.map((v) => grads[v.name] as TF.Tensor)]
    })
  const step = (): number => {
    const out = compute()
    const loss = (out[0] as TF.Tensor).dataSync()[0] as number
    for (const o of out) o.dispose()
    return loss
  }
  return {
    step,
    output: (loss) => {
      const out = compute()
      const grads = out.slice(1).map((g) => Float32Array.from(g.dataSync()))
      for (const o of out) o.dispose()
      return stepOutput(loss, grads)
    }
  }
}
