/**
 * Neural-network layers as parametric lenses (`Para`): dense (affine) layers, activations
 * lifted to learners without parameters, and multi-layer perceptrons with a seeded
 * initialiser. Parameters are plain data: records and arrays of tensors, which
 * `VectorSpace.infer`, the optimisers and `Codec` all understand.
 *
 * @module Layer
 */
// One piece, past 400 lines: the `Layer` namespace (dense, activations, MLPs, convolutional layers and
// dropout share the initialisers and the parameter conventions); half of it is doc comments with examples.
import { zeros } from './kernels/index.js'
import * as Lens from './Lens.js'
import * as ops from './ops/index.js'
import * as Para from './Para.js'
import * as Tensor from './Tensor.js'
import { linear } from './internal/structure.js'
import { unsafeFromData } from './internal/tensor.js'
import { fusedDense, type DenseInput } from './internal/dense.js'
import { conv2dLayout } from './ops/conv.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * The parameters of a dense layer from `n` to `m` features: weights `W` of shape `[n, m]`
 * and bias `b` of shape `[m]`.
 *
 * @category model
 */
export interface DenseParams {
  /** Weights, `[inputs, outputs]`. */
  readonly W: Tensor.Tensor
  /** Bias, `[outputs]`. */
  readonly b: Tensor.Tensor
}

/**
 * The parameters of a multi-layer perceptron: one dense layer each.
 *
 * @category model
 */
export interface MlpParams {
  /** The dense layers, first to last. */
  readonly layers: ReadonlyArray<DenseParams>
}

/**
 * An activation function applied after a dense layer.
 *
 * @category model
 */
export type Activation = 'relu' | 'tanh' | 'sigmoid' | 'linear'

/**
 * How weights are drawn: He (normal, std `√(2/n)`, for relu) or Glorot (uniform in
 * `±√(6/(n+m))`, for tanh and sigmoid). Biases start at zero.
 *
 * @category model
 */
export type Initialisation = 'he' | 'glorot'

const activations: Readonly<Record<Activation, Lens.Lens<Tensor.Tensor, Tensor.Tensor>>> = {
  relu: ops.relu,
  tanh: ops.tanh,
  sigmoid: ops.sigmoid,
  linear: Lens.id<Tensor.Tensor>()
}

const checkFeatures = (op: string, what: string, n: unknown): number => {
  if (typeof n !== 'number' || !Number.isInteger(n) || n < 1) {
    throw new RangeError(`${op}: ${what} must be a positive integer, got ${String(n)}`)
  }
  return n
}

// -------------------------------------------------------------------------------------
// layers
// -------------------------------------------------------------------------------------

/** Checks a dense layer's parameters and input against its sizes, naming the layer. */
const denseCheck = (op: string, inputs: number, outputs: number): ((p: DenseParams, x: Tensor.Tensor) => void) => {
  checkFeatures(op, 'inputs', inputs)
  checkFeatures(op, 'outputs', outputs)
  return (p, x) => {
    if (p === null || typeof p !== 'object' || !Tensor.isTensor(p.W) || !Tensor.isTensor(p.b)) {
      throw new TypeError(`${op}: expected parameters { W, b } of tensors`)
    }
    if (p.W.shape.length !== 2 || p.W.shape[0] !== inputs || p.W.shape[1] !== outputs) {
      throw new RangeError(`${op}: W has shape ${Tensor.showShape(p.W.shape)}, expected [${inputs},${outputs}]`)
    }
    if (p.b.shape.length !== 1 || p.b.shape[0] !== outputs) {
      throw new RangeError(`${op}: b has shape ${Tensor.showShape(p.b.shape)}, expected [${outputs}]`)
    }
    if (!Tensor.isTensor(x) || x.shape.length < 1 || x.shape.length > 2 || x.shape[x.shape.length - 1] !== inputs) {
      const got = Tensor.isTensor(x) ? Tensor.showShape(x.shape) : typeof x
      throw new RangeError(`${op}: input has shape ${got}, expected [batch,${inputs}] or [${inputs}]`)
    }
  }
}

/**
 * Options of {@link dense}.
 *
 * @example
 * import type { Layer } from 'backprop-lens'
 *
 * const options: Layer.DenseOptions = { activation: 'relu' }
 * console.log(options.activation) // relu
 *
 * @category model
 */
export interface DenseOptions {
  /** Applied to `x·W + b` (default `'linear'`: none). */
  readonly activation?: Activation
}

/**
 * A dense (affine) layer from `inputs` to `outputs` features: `x·W + b` for a batch `x` of
 * shape `[batch, inputs]` (or a single example of shape `[inputs]`), then
 * `options.activation` if given. Shapes are checked against the layer's sizes with errors
 * naming the layer and the shapes. The product, the bias and the activation run as one step
 * (forward and backward), so a small layer costs little more than its arithmetic.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * const layer = Layer.dense(2, 1)
 * const params = { W: Tensor.fromNested([[1], [2]]), b: Tensor.fromNested([0.5]) }
 * console.log(Lens.evaluate(layer, [params, Tensor.fromNested([[3, 4]])]).data) // Float64Array(1) [ 11.5 ]
 * const hidden = Layer.dense(2, 1, { activation: 'relu' })
 * console.log(Lens.evaluate(hidden, [params, Tensor.fromNested([[-3, 1]])]).data) // Float64Array(1) [ 0 ]
 *
 * @category layers
 */
export const dense = (inputs: number, outputs: number, options: DenseOptions = {}): Para.Para<DenseParams, Tensor.Tensor, Tensor.Tensor> => {
  const op = `Layer.dense(${inputs}, ${outputs})`
  const check = denseCheck(op, inputs, outputs)
  const act = options.activation ?? 'linear'
  if (activations[act] === undefined) throw new RangeError(`${op}: unknown activation '${String(act)}'`)
  // the same function composed of ops: its reverse is the fused layer's backward pass as a lens
  const composed = (): Lens.Lens<readonly [DenseInput, Tensor.Tensor], DenseInput> => {
    const arrange = linear<DenseInput, readonly [readonly [Tensor.Tensor, Tensor.Tensor], Tensor.Tensor]>(
      op,
      ([p, x]) => {
        check(p, x)
        return [[x, p.W], p.b]
      },
      (_in, [[dx, dW], db]) => [{ W: dW, b: db }, dx]
    )
    return Lens.reverse(Lens.pipe(arrange, Lens.first(ops.matmul), ops.add, activations[act]))
  }
  return fusedDense(op, inputs, outputs, act, check, composed)
}

/**
 * A dense layer at a fixed input batch `x`: a lens from the layer's parameters alone. The
 * input is a constant, so it has no cotangent at all. (`Layer.dense` gives `dx = dy·Wᵀ`, as a
 * lens must; for large products it is computed only when read, so training, which never
 * reads its input batch's, does not pay for it either way.)
 * Same function and the same parameter cotangents as {@link dense} at `[params, x]`.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * const x = Tensor.fromNested([[3, 4]])
 * const params = { W: Tensor.fromNested([[1], [2]]), b: Tensor.fromNested([0.5]) }
 * const dParams = Lens.backPropagateConst(Layer.denseAt(2, 1, x), Tensor.ones([1, 1]), params)
 * console.log(dParams.W.data, dParams.b.data) // Float64Array(2) [ 3, 4 ] Float64Array(1) [ 1 ]
 *
 * @category layers
 */
export const denseAt = (inputs: number, outputs: number, x: Tensor.Tensor): Lens.Lens<DenseParams, Tensor.Tensor> => {
  const op = `Layer.dense(${inputs}, ${outputs})`
  const check = denseCheck(op, inputs, outputs)
  const arrange = linear<DenseParams, readonly [Tensor.Tensor, Tensor.Tensor]>(
    op,
    (p) => {
      check(p, x)
      return [p.W, p.b]
    },
    (_p, [dW, db]) => ({ W: dW, b: db })
  )
  return Lens.pipe(arrange, Lens.first(ops.matmulLeft(x)), ops.add)
}

/**
 * An activation (`relu`, `tanh`, `sigmoid` or `linear`) as a learner without parameters.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Layer.activation('relu'), [[], Tensor.fromNested([-1, 2])]).data) // Float64Array(2) [ 0, 2 ]
 *
 * @category layers
 */
export const activation = (name: Activation): Para.Para<readonly [], Tensor.Tensor, Tensor.Tensor> => {
  const lens = activations[name]
  if (lens === undefined) throw new RangeError(`Layer.activation: unknown activation '${String(name)}'`)
  return Para.lift(lens)
}

/**
 * Initial parameters of a dense layer, drawn from `seed`.
 *
 * @example
 * import { Layer } from 'backprop-lens'
 *
 * const p = Layer.initDense(3, 2, { seed: 1 })
 * console.log(p.W.shape, p.b.data) // [ 3, 2 ] Float64Array(2) [ 0, 0 ]
 *
 * @category initialisation
 */
export const initDense = (
  inputs: number,
  outputs: number,
  options: { readonly seed: number; readonly init?: Initialisation }
): DenseParams => {
  const op = 'Layer.initDense'
  checkFeatures(op, 'inputs', inputs)
  checkFeatures(op, 'outputs', outputs)
  const init = options.init ?? 'he'
  const W =
    init === 'he'
      ? Tensor.randomNormal([inputs, outputs], { seed: options.seed, std: Math.sqrt(2 / inputs) })
      : init === 'glorot'
        ? Tensor.randomUniform([inputs, outputs], {
            seed: options.seed,
            low: -Math.sqrt(6 / (inputs + outputs)),
            high: Math.sqrt(6 / (inputs + outputs))
          })
        : (() => {
            throw new RangeError(`${op}: unknown initialisation '${String(init)}'`)
          })()
  return { W, b: Tensor.zeros([outputs]) }
}

/**
 * A multi-layer perceptron: the model and its initialiser.
 *
 * @category model
 */
export interface Mlp {
  /** From the parameters and a batch `[batch, inputs]` to logits `[batch, outputs]`. */
  readonly model: Para.Para<MlpParams, Tensor.Tensor, Tensor.Tensor>
  /** Initial parameters drawn from `seed`: the same seed gives the same parameters. */
  readonly init: (seed: number) => MlpParams
  /**
   * The model at a fixed input batch, as a lens from the parameters alone: the same output
   * and parameter cotangents as `model` at `[params, x]`, without the input's cotangent
   * (`model` computes that one only when it is read). `Train.fit` uses it when given.
   */
  readonly atInput: (x: Tensor.Tensor) => Lens.Lens<MlpParams, Tensor.Tensor>
}

/**
 * Options of {@link mlp}.
 *
 * @category model
 */
export interface MlpOptions {
  /** The activation after every hidden layer (default `'relu'`); the last layer is linear. */
  readonly activation?: Activation
  /** Default: `'he'` for relu, `'glorot'` otherwise. */
  readonly init?: Initialisation
}

/**
 * A multi-layer perceptron with the given layer sizes (`[784, 64, 10]`: 784 inputs, one
 * hidden layer of 64, 10 outputs), an activation after every hidden layer and a linear
 * last layer (logits). Returns the model and its initialiser: the same seed gives the
 * same parameters.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * const { model, init } = Layer.mlp([4, 8, 3])
 * const params = init(42)
 * const logits = Lens.evaluate(model, [params, Tensor.zeros([5, 4])])
 * console.log(logits.shape, params.layers.map((l) => l.W.shape)) // [ 5, 3 ] [ [ 4, 8 ], [ 8, 3 ] ]
 *
 * @category layers
 */
export const mlp = (
  sizes: ReadonlyArray<number>,
  options: MlpOptions = {}
): Mlp => {
  if (!Array.isArray(sizes) || sizes.length < 2) {
    throw new RangeError(`Layer.mlp: expected at least two layer sizes, got ${JSON.stringify(sizes)}`)
  }
  sizes.forEach((n, i) => checkFeatures('Layer.mlp', `size ${i}`, n))
  const act = options.activation ?? 'relu'
  const init = options.init ?? (act === 'relu' ? 'he' : 'glorot')
  const last = sizes.length - 2
  const layers = sizes.slice(1).map((outputs, i) => {
    return dense(sizes[i] as number, outputs, { activation: i === last ? 'linear' : act })
  })
  const stack = Para.pipeAll(layers)
  const model = Para.reparam(stack, unwrapLayers)
  const rest = Para.pipeAll(layers.slice(1))
  const firstActivation = last === 0 || act === 'linear' ? Lens.id<Tensor.Tensor>() : activations[act]
  const atInput = (x: Tensor.Tensor): Lens.Lens<MlpParams, Tensor.Tensor> => {
    const first = Lens.pipe(denseAt(sizes[0] as number, sizes[1] as number, x), firstActivation)
    // { layers: [head, ...tail] } ↦ [head, tail]; the first layer runs at x, then the rest.
    return Lens.pipe(unwrapLayers, headAndTail, Lens.first(first), Lens.swap<Tensor.Tensor, ReadonlyArray<DenseParams>>(), rest)
  }
  return {
    model,
    atInput,
    init: (seed) => ({
      layers: sizes.slice(1).map((outputs, i) => initDense(sizes[i] as number, outputs, { seed: seed * 1009 + i, init }))
    })
  }
}

/** `[head, ...tail] ↦ [head, tail]`, and the cotangents back into one array. */
const headAndTail: Lens.Lens<ReadonlyArray<DenseParams>, readonly [DenseParams, ReadonlyArray<DenseParams>]> = linear<
  ReadonlyArray<DenseParams>,
  readonly [DenseParams, ReadonlyArray<DenseParams>]
>(
  'Layer.mlp',
  (layers) => {
    const [head, ...tail] = layers
    if (head === undefined) throw new TypeError('Layer.mlp: expected parameters { layers: [...] } with one entry per layer')
    return [head, tail]
  },
  (_layers, [dHead, dTail]) => [dHead, ...dTail]
)

/** `{ layers } ↦ layers`, and the cotangent back into a record. */
const unwrapLayers: Lens.Lens<MlpParams, ReadonlyArray<DenseParams>> = linear<MlpParams, ReadonlyArray<DenseParams>>(
  'Layer.mlp',
  (p) => {
    if (p === null || typeof p !== 'object' || !Array.isArray(p.layers)) {
      throw new TypeError('Layer.mlp: expected parameters { layers: [...] }')
    }
    return p.layers
  },
  (_p, dLayers) => ({ layers: dLayers })
)

// -------------------------------------------------------------------------------------
// convolutional layers
// -------------------------------------------------------------------------------------

/**
 * The parameters of a 2-D convolution layer: filters `W` of shape
 * `[kh, kw, inputs / groups, filters]` and bias `b` of shape `[filters]`.
 *
 * @category model
 */
export interface Conv2dParams {
  /** Filters, `[kernel height, kernel width, input channels per group, filters]`. */
  readonly W: Tensor.Tensor
  /** Bias, `[filters]`. */
  readonly b: Tensor.Tensor
}

/**
 * Options of {@link conv2d}: those of `ops.conv2d` (stride, padding, dilation, groups), an
 * activation after the bias (default `'linear'`: none), and a name for error messages
 * (default `Layer.conv2d(inputs, filters, kh×kw)`).
 *
 * @example
 * import type { Layer } from 'backprop-lens'
 *
 * const options: Layer.Conv2dLayerOptions = { padding: 'same', activation: 'relu', name: 'conv 1' }
 * console.log(options.name) // conv 1
 *
 * @category model
 */
export interface Conv2dLayerOptions extends ops.Conv2dOptions {
  readonly activation?: Activation
  readonly name?: string
}

const kernelOf = (op: string, kernel: unknown): readonly [number, number] => {
  const ok = (k: unknown): k is number => typeof k === 'number' && Number.isInteger(k) && k >= 1
  if (ok(kernel)) return [kernel, kernel]
  if (Array.isArray(kernel) && kernel.length === 2 && ok(kernel[0]) && ok(kernel[1])) return [kernel[0], kernel[1]]
  throw new RangeError(`${op}: kernel must be a positive integer or a pair [height, width] of them, got ${JSON.stringify(kernel) ?? String(kernel)}`)
}

/**
 * A 2-D convolution layer from `inputs` to `filters` channels with a `kernel × kernel` (or
 * `[height, width]`) window: `conv2d(x, W) + b`, then the activation, on channels-last
 * batches `[batch, height, width, inputs]` (see `ops.conv2d`). Stack it with the other
 * layers by `Para.pipe`. Shapes are checked against the layer's sizes, with errors naming the
 * layer (or `options.name`) and both shapes.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * const layer = Layer.conv2d(1, 2, 3, { padding: 'same', activation: 'relu' })
 * const params = Layer.initConv2d(1, 2, 3, { seed: 1 })
 * console.log(params.W.shape, Lens.evaluate(layer, [params, Tensor.zeros([4, 28, 28, 1])]).shape) // [ 3, 3, 1, 2 ] [ 4, 28, 28, 2 ]
 * try { Lens.evaluate(layer, [params, Tensor.zeros([4, 784])]) } catch (e) { console.log((e as Error).message) } // Layer.conv2d(1, 2, 3×3): input has shape [4,784], expected [batch, height, width, 1]
 *
 * @category layers
 */
export const conv2d = (
  inputs: number,
  filters: number,
  kernel: number | readonly [number, number],
  options: Conv2dLayerOptions = {}
): Para.Para<Conv2dParams, Tensor.Tensor, Tensor.Tensor> => {
  const [kh, kw] = kernelOf(`Layer.conv2d(${inputs}, ${filters}, ${JSON.stringify(kernel) ?? String(kernel)})`, kernel)
  const op = options.name ?? `Layer.conv2d(${inputs}, ${filters}, ${kh}×${kw})`
  checkFeatures(op, 'inputs', inputs)
  checkFeatures(op, 'filters', filters)
  const { activation: act = 'linear', name: _name, ...convOptions } = options
  const after = activations[act]
  if (after === undefined) throw new RangeError(`${op}: unknown activation '${String(act)}'`)
  const conv = ops.conv2d(convOptions)
  const groups = convOptions.groups ?? 1
  if (inputs % groups !== 0 || filters % groups !== 0) {
    throw new RangeError(`${op}: ${inputs} inputs and ${filters} filters must both split into ${groups} groups`)
  }
  const wShape = [kh, kw, inputs / groups, filters]
  const check = (p: Conv2dParams, x: Tensor.Tensor): void => {
    if (p === null || typeof p !== 'object' || !Tensor.isTensor(p.W) || !Tensor.isTensor(p.b)) throw new TypeError(`${op}: expected parameters { W, b } of tensors`)
    if (!Tensor.sameShape(p.W.shape, wShape)) throw new RangeError(`${op}: W has shape ${Tensor.showShape(p.W.shape)}, expected ${Tensor.showShape(wShape)}`)
    if (p.b.shape.length !== 1 || p.b.shape[0] !== filters) throw new RangeError(`${op}: b has shape ${Tensor.showShape(p.b.shape)}, expected [${filters}]`)
    if (!Tensor.isTensor(x) || x.shape.length !== 4 || x.shape[3] !== inputs) {
      const got = Tensor.isTensor(x) ? Tensor.showShape(x.shape) : typeof x
      throw new RangeError(`${op}: input has shape ${got}, expected [batch, height, width, ${inputs}]`)
    }
    conv2dLayout(convOptions, x.shape, p.W.shape, op)
  }
  // [{ W, b }, x] ↦ [[x, W], b], then conv(x, W), then + b, then the activation
  const arrange = linear<readonly [Conv2dParams, Tensor.Tensor], readonly [readonly [Tensor.Tensor, Tensor.Tensor], Tensor.Tensor]>(
    op,
    ([p, x]) => {
      check(p, x)
      return [[x, p.W], p.b]
    },
    (_in, [[dx, dW], db]) => [{ W: dW, b: db }, dx]
  )
  return Lens.pipe(arrange, Lens.first(conv), ops.add, after)
}

/**
 * Initial parameters of a convolution layer, drawn from `seed`: He (normal, std
 * `√(2 / fanIn)`) or Glorot (uniform in `±√(6 / (fanIn + fanOut))`), with
 * `fanIn = kh·kw·inputs / groups` and `fanOut = kh·kw·filters / groups`; biases zero.
 *
 * @example
 * import { Layer } from 'backprop-lens'
 *
 * const p = Layer.initConv2d(16, 32, 5, { seed: 2 })
 * console.log(p.W.shape, p.b.shape) // [ 5, 5, 16, 32 ] [ 32 ]
 *
 * @category initialisation
 */
export const initConv2d = (
  inputs: number,
  filters: number,
  kernel: number | readonly [number, number],
  options: { readonly seed: number; readonly init?: Initialisation; readonly groups?: number }
): Conv2dParams => {
  const op = 'Layer.initConv2d'
  checkFeatures(op, 'inputs', inputs)
  checkFeatures(op, 'filters', filters)
  const [kh, kw] = kernelOf(op, kernel)
  const groups = checkFeatures(op, 'groups', options.groups ?? 1)
  if (inputs % groups !== 0 || filters % groups !== 0) throw new RangeError(`${op}: ${inputs} inputs and ${filters} filters must both split into ${groups} groups`)
  const fanIn = (kh * kw * inputs) / groups
  const fanOut = (kh * kw * filters) / groups
  const shape = [kh, kw, inputs / groups, filters]
  const init = options.init ?? 'he'
  if (init !== 'he' && init !== 'glorot') throw new RangeError(`${op}: unknown initialisation '${String(init)}'`)
  const limit = Math.sqrt(6 / (fanIn + fanOut))
  const W =
    init === 'he'
      ? Tensor.randomNormal(shape, { seed: options.seed, std: Math.sqrt(2 / fanIn) })
      : Tensor.randomUniform(shape, { seed: options.seed, low: -limit, high: limit })
  return { W, b: Tensor.zeros([filters]) }
}

/**
 * Max pooling (`ops.maxPool2d`) as a layer without parameters.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Layer.maxPool2d(2), [[], Tensor.zeros([1, 24, 24, 16])]).shape) // [ 1, 12, 12, 16 ]
 *
 * @category layers
 */
export const maxPool2d = (size: number | readonly [number, number] = 2, options: ops.Pool2dOptions = {}): Para.Para<readonly [], Tensor.Tensor, Tensor.Tensor> =>
  Para.lift(ops.maxPool2d(size, options))

/**
 * Average pooling (`ops.avgPool2d`) as a layer without parameters.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Layer.avgPool2d(2), [[], Tensor.ones([1, 4, 4, 3])]).shape) // [ 1, 2, 2, 3 ]
 *
 * @category layers
 */
export const avgPool2d = (size: number | readonly [number, number] = 2, options: ops.Pool2dOptions = {}): Para.Para<readonly [], Tensor.Tensor, Tensor.Tensor> =>
  Para.lift(ops.avgPool2d(size, options))

/**
 * `[batch, ...] ↦ [batch, features]` (`ops.flatten`) as a layer without parameters: between
 * the convolutions and the dense layers.
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * console.log(Lens.evaluate(Layer.flatten(), [[], Tensor.zeros([8, 4, 4, 32])]).shape) // [ 8, 512 ]
 *
 * @category layers
 */
export const flatten = (): Para.Para<readonly [], Tensor.Tensor, Tensor.Tensor> => Para.lift(ops.flatten())

/**
 * Dropout: during training, each element is zeroed with probability `rate` and the others
 * scaled by `1 / (1 − rate)` (inverted dropout, so evaluation needs no rescaling). It stays a
 * pure lens: the mask is a function of `key` and the input's shape, nothing else. With a
 * `key`, it is the training lens for that key — for a fixed key a linear map, so the laws and
 * gradient checks hold; without one (`undefined`), the evaluation lens: the identity.
 *
 * Build the network as a function of the key, `(key?: number) => Para.pipe(…,
 * Layer.dropout(0.25, key), …)`: `net()` evaluates, and `Train.fit({ training: net, … })`
 * trains with a key of its own at every step. Two dropout layers in one network need two
 * keys, for example `key` and `key === undefined ? undefined : key + 1` (keys seed
 * independent streams; the second must stay `undefined` when evaluating too).
 *
 * @example
 * import { Layer, Lens, Tensor } from 'backprop-lens'
 *
 * const x = Tensor.ones([2, 5])
 * console.log(Lens.evaluate(Layer.dropout(0.5, 7), [[], x]).data) // Float64Array(10) [ 0, 0, 2, 2, 2, 2, 0, 0, 2, 0 ]
 * console.log(Lens.evaluate(Layer.dropout(0.5), [[], x]).data) // Float64Array(10) [ 1, 1, 1, 1, 1, 1, 1, 1, 1, 1 ]
 *
 * @category layers
 */
export const dropout = (rate: number, key?: number): Para.Para<readonly [], Tensor.Tensor, Tensor.Tensor> => {
  const op = `Layer.dropout(${rate})`
  if (typeof rate !== 'number' || !(rate >= 0 && rate < 1)) throw new RangeError(`Layer.dropout: rate must be in [0, 1), got ${String(rate)}`)
  if (key !== undefined && (typeof key !== 'number' || !Number.isInteger(key))) throw new TypeError(`${op}: key must be an integer or undefined, got ${String(key)}`)
  if (key === undefined || rate === 0) return Para.lift(Lens.id<Tensor.Tensor>())
  const scale = 1 / (1 - rate)
  // the mask of the last shape seen: the forward and the backward pass of a step share it
  let cached: { readonly shape: Tensor.Shape; readonly mask: Float64Array } | null = null
  const maskFor = (shape: Tensor.Shape): Float64Array => {
    if (cached !== null && Tensor.sameShape(cached.shape, shape)) return cached.mask
    const u = Tensor.randomUniform(shape, { seed: key }).data
    const mask = zeros(u.length)
    for (let i = 0; i < u.length; i++) mask[i] = (u[i] as number) < rate ? 0 : scale
    cached = { shape, mask }
    return mask
  }
  const apply = (t: Tensor.Tensor, shape: Tensor.Shape): Tensor.Tensor => {
    const mask = maskFor(shape)
    const out = zeros(t.size)
    for (let i = 0; i < out.length; i++) out[i] = (t.data[i] as number) * (mask[i] as number)
    return unsafeFromData(shape, out)
  }
  const lens = linear<Tensor.Tensor, Tensor.Tensor>(
    op,
    (x) => {
      if (!Tensor.isTensor(x)) throw new TypeError(`${op}: expected a Tensor as input, got ${typeof x}`)
      return apply(x, x.shape)
    },
    (x, w) => {
      if (!Tensor.isTensor(w) || !Tensor.sameShape(w.shape, x.shape)) {
        throw new RangeError(`${op}: the cotangent has shape ${Tensor.isTensor(w) ? Tensor.showShape(w.shape) : typeof w} but the output has shape ${Tensor.showShape(x.shape)}`)
      }
      return apply(w, x.shape)
    }
  )
  return Para.lift(lens)
}
