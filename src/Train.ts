/**
 * A training loop for parametric lenses: seeded shuffled minibatches, an optimiser step per
 * batch, a loss and metric history, progress callbacks, and a clear stop on a non-finite
 * loss.
 *
 * @module Train
 */
// One piece, past 400 lines: the loop, its data helpers, its metric and the checks of its
// options share the Dataset / FitOptions model; about half of the file is doc comments.
import { zeros } from './kernels/index.js'
import type { ReadonlyFloat64Array } from './kernels/index.js'
import * as Lens from './Lens.js'
import type { Optimizer } from './Optimizer.js'
import type { Para } from './Para.js'
import * as Tensor from './Tensor.js'
import { describe } from './internal/guards.js'
import { ownedStep } from './internal/optimizer.js'
import { unsafeFromData } from './internal/tensor.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Examples along the first axis: `inputs[i]` goes with `targets[i]`.
 *
 * @category model
 */
export interface Dataset {
  /** Inputs, one example per row of the first axis. */
  readonly inputs: Tensor.Tensor
  /** Targets (class indices or one-hot rows, …), one per example. */
  readonly targets: Tensor.Tensor
}

/**
 * A loss against the targets of a batch: from the targets, a lens from the predictions to a
 * scalar tensor (shape `[]`), such as `ops.softmaxCrossEntropy` or `ops.mse`.
 *
 * @category model
 */
export type Loss = (targets: Tensor.Tensor) => Lens.Lens<Tensor.Tensor, Tensor.Tensor>

/**
 * A metric of predictions against targets for a whole batch (e.g. {@link accuracy}).
 *
 * @category model
 */
export type Metric = (predictions: Tensor.Tensor, targets: Tensor.Tensor) => number

/**
 * What {@link fit} reports after each optimiser step.
 *
 * @category model
 */
export interface StepInfo {
  /** The epoch, from 0. */
  readonly epoch: number
  /** The step within the epoch, from 0. */
  readonly step: number
  /** The number of steps (minibatches) in an epoch. */
  readonly stepsPerEpoch: number
  /** The loss on this step's minibatch, before the step. */
  readonly loss: number
}

/**
 * What {@link fit} records after each epoch: the mean training loss, and the loss and
 * metrics on the validation set if one was given.
 *
 * @category model
 */
export interface EpochRecord {
  /** The epoch, from 0. */
  readonly epoch: number
  /** The mean training loss over the epoch's minibatches (weighted by their sizes). */
  readonly loss: number
  /** The mean loss on the validation set after the epoch, if one was given. */
  readonly validationLoss?: number
  /** The metrics on the validation set after the epoch (empty without one). */
  readonly metrics: Readonly<Record<string, number>>
  /** Wall-clock milliseconds the epoch's training steps took. */
  readonly milliseconds: number
}

/**
 * Options of {@link fit}.
 *
 * @category model
 */
export interface FitOptions<P, S> {
  /** The learner to train: from parameters and a batch of inputs to predictions. */
  readonly model: Para<P, Tensor.Tensor, Tensor.Tensor>
  /** The loss against a batch's targets: a lens from predictions to a scalar (shape `[]`), such as `ops.softmaxCrossEntropy`. */
  readonly loss: Loss
  /**
   * The model at a fixed batch of inputs, as a lens from the parameters alone (such as
   * `Layer.mlp(...).atInput`): if given, the training steps differentiate it instead of
   * `model` (which gives the input's cotangent, but large products compute it only when it
   * is read, and `fit` never reads it). It must compute the same function as
   * `model` at `[params, inputs]`.
   */
  readonly atInput?: (inputs: Tensor.Tensor, key: number) => Lens.Lens<P, Tensor.Tensor>
  /**
   * The model as it trains, from a key unique to each step: for models with randomness in
   * training only, such as `Layer.dropout`, built as a function of the key (`training: net`
   * where `net(key)` is the training model and `net()` the evaluation one, given as
   * `model`). If given, the training steps differentiate `training(key)` instead of `model`;
   * validation and `evaluate` use `model`. (`atInput`, if given, gets the same key.)
   */
  readonly training?: (key: number) => Para<P, Tensor.Tensor, Tensor.Tensor>
  /** Any optimiser for the parameters (`P` is taken from the model and the parameters). */
  readonly optimizer: Optimizer<NoInfer<P>, S>
  /** The initial parameters. */
  readonly params: P
  /** The training examples. */
  readonly data: Dataset
  /** Examples to score after each epoch (loss and {@link FitOptions.metrics}). */
  readonly validation?: Dataset
  /** Passes over the training data. */
  readonly epochs: number
  /** Examples per optimiser step; the last minibatch of an epoch may be smaller. */
  readonly batchSize: number
  /** Seeds the shuffling: the same seed gives the same batches. */
  readonly seed: number
  /** Evaluated on the validation set after each epoch. */
  readonly metrics?: Readonly<Record<string, Metric>>
  /**
   * Transforms each training minibatch's inputs before the step (data augmentation: small
   * shifts, noise). It gets the epoch, the step and a seed unique to them, so a seeded run
   * stays reproducible; it must return inputs of the same shape and not mutate its argument.
   */
  readonly augment?: (inputs: Tensor.Tensor, at: { readonly epoch: number; readonly step: number; readonly seed: number }) => Tensor.Tensor
  /** Called after every optimiser step (progress bars). */
  readonly onStep?: (info: StepInfo) => void
  /** Called after every epoch with its record. */
  readonly onEpoch?: (record: EpochRecord) => void
}

/**
 * What {@link fit} returns: the final parameters and optimiser state, and one record per
 * epoch.
 *
 * @category model
 */
export interface FitResult<P, S> {
  /** The trained parameters. */
  readonly params: P
  /** The optimiser's final state (to resume training). */
  readonly state: S
  /** One record per epoch. */
  readonly history: ReadonlyArray<EpochRecord>
}

// -------------------------------------------------------------------------------------
// data
// -------------------------------------------------------------------------------------

/**
 * The examples at `indices` (along the first axis), as a new tensor.
 *
 * @example
 * import { Tensor, Train } from 'backprop-lens'
 *
 * console.log(Train.take(Tensor.fromNested([[1, 2], [3, 4], [5, 6]]), [2, 0]).data) // Float64Array(4) [ 5, 6, 1, 2 ]
 *
 * @category data
 */
export const take = (t: Tensor.Tensor, indices: ReadonlyArray<number>): Tensor.Tensor => {
  if (!Tensor.isTensor(t) || t.shape.length === 0) throw new TypeError('Train.take: expected a tensor of rank ≥ 1')
  const n = t.shape[0] as number
  const row = t.size / n
  const out = zeros(indices.length * row)
  const data = t.data
  for (let k = 0; k < indices.length; k++) {
    const i = indices[k] as number
    if (!Number.isInteger(i) || i < 0 || i >= n) {
      throw new RangeError(`Train.take: index ${i} out of range for ${n} examples (shape ${Tensor.showShape(t.shape)})`)
    }
    // short rows by hand: a view per row costs more than copying it
    if (row < 64) for (let j = 0, from = i * row, to = k * row; j < row; j++) out[to + j] = data[from + j] as number
    else out.set(data.subarray(i * row, (i + 1) * row), k * row)
  }
  return unsafeFromData([indices.length, ...t.shape.slice(1)], out)
}

/**
 * A seeded permutation of `0 … n−1`: the same seed gives the same order.
 *
 * @example
 * import { Train } from 'backprop-lens'
 *
 * const p = Train.permutation(5, 1)
 * console.log([...p].sort(), Train.permutation(5, 1).join() === p.join()) // [ 0, 1, 2, 3, 4 ] true
 *
 * @category data
 */
export const permutation = (n: number, seed: number): ReadonlyArray<number> => {
  if (n === 0) return []
  const keys = Tensor.randomUniform([n], { seed }).data
  return Array.from({ length: n }, (_, i) => i).sort((a, b) => (keys[a] as number) - (keys[b] as number) || a - b)
}

// -------------------------------------------------------------------------------------
// metrics
// -------------------------------------------------------------------------------------

const argmaxRow = (data: ReadonlyFloat64Array, offset: number, width: number): number => {
  let best = 0
  for (let j = 1; j < width; j++) if ((data[offset + j] as number) > (data[offset + best] as number)) best = j
  return best
}

/**
 * The fraction of rows whose largest prediction is at the target's class: targets are
 * one-hot rows (same shape as the predictions) or class indices (shape `[batch]`, integers in
 * `[0, classes)`). Other shapes, other targets and an empty batch throw, naming the shapes.
 *
 * @example
 * import { Tensor, Train } from 'backprop-lens'
 *
 * const logits = Tensor.fromNested([[2, 1], [0, 3], [5, 4]])
 * console.log(Train.accuracy(logits, Tensor.fromNested([0, 1, 1]))) // 0.6666666666666666
 * try { Train.accuracy(logits, Tensor.fromNested([0, 1])) } catch (e) { console.log((e as Error).message) } // Train.accuracy: predictions [3,2] and targets [2] do not match
 *
 * @category metrics
 */
export const accuracy: Metric = (predictions, targets) => {
  if (!Tensor.isTensor(predictions)) throw new TypeError(`Train.accuracy: expected the predictions as a Tensor, got ${describe(predictions)}`)
  if (!Tensor.isTensor(targets)) throw new TypeError(`Train.accuracy: expected the targets as a Tensor, got ${describe(targets)}`)
  if (predictions.shape.length !== 2) {
    throw new RangeError(`Train.accuracy: predictions must be [batch, classes], got ${Tensor.showShape(predictions.shape)}`)
  }
  const [batch, classes] = predictions.shape as readonly [number, number]
  const oneHot = targets.shape.length === 2
  if (oneHot ? targets.shape[0] !== batch || targets.shape[1] !== classes : targets.shape.length !== 1 || targets.shape[0] !== batch) {
    throw new RangeError(
      `Train.accuracy: predictions ${Tensor.showShape(predictions.shape)} and targets ${Tensor.showShape(targets.shape)} do not match`
    )
  }
  if (batch === 0 || classes === 0) throw new RangeError(`Train.accuracy: no rows or no classes to score (predictions ${Tensor.showShape(predictions.shape)})`)
  let correct = 0
  for (let i = 0; i < batch; i++) {
    const predicted = argmaxRow(predictions.data, i * classes, classes)
    const actual = oneHot ? argmaxRow(targets.data, i * classes, classes) : (targets.data[i] as number)
    // a target that is no class index would never match: an error, not a silent 0
    if (!Number.isInteger(actual) || actual < 0 || actual >= classes) {
      throw new RangeError(`Train.accuracy: target ${actual} at row ${i} is not a class index in [0, ${classes}) (predictions ${Tensor.showShape(predictions.shape)})`)
    }
    if (predicted === actual) correct++
  }
  return correct / batch
}

// -------------------------------------------------------------------------------------
// checks
// -------------------------------------------------------------------------------------

const checkBatchSize = (op: string, batchSize: unknown): number => {
  if (typeof batchSize !== 'number' || !Number.isInteger(batchSize) || batchSize < 1) {
    throw new RangeError(`${op}: batchSize must be a positive integer, got ${describe(batchSize)}`)
  }
  return batchSize
}

/** A dataset (`what`: `data`, `validation`) of tensors with the same, non-zero number of examples. */
const checkDataset = (op: string, what: string, data: unknown): number => {
  if (typeof data !== 'object' || data === null) throw new TypeError(`${op}: ${what} must be { inputs, targets } of tensors, got ${describe(data)}`)
  const { inputs, targets } = data as Partial<Dataset>
  for (const [field, t] of [['inputs', inputs], ['targets', targets]] as const) {
    if (!Tensor.isTensor(t)) throw new TypeError(`${op}: ${what}.${field} must be a Tensor (examples along the first axis), got ${describe(t)}`)
    if (t.shape.length === 0) throw new RangeError(`${op}: ${what}.${field} must have examples along a first axis, got shape []`)
  }
  const [x, y] = [inputs as Tensor.Tensor, targets as Tensor.Tensor]
  const n = x.shape[0] as number
  if (y.shape[0] !== n) {
    throw new RangeError(`${op}: ${what}: inputs ${Tensor.showShape(x.shape)} and targets ${Tensor.showShape(y.shape)} have different numbers of examples`)
  }
  if (n === 0) throw new RangeError(`${op}: ${what} has no examples (inputs of shape ${Tensor.showShape(x.shape)})`)
  return n
}

/** An error from inside a training step (an op, the loss, the optimiser), located at the step. */
const located = (e: unknown, epoch: number, step: number): unknown =>
  e instanceof RangeError && !e.message.startsWith('Train.') ? new RangeError(`Train.fit: stopped at epoch ${epoch}, step ${step}: ${e.message}`, { cause: e }) : e

// -------------------------------------------------------------------------------------
// training
// -------------------------------------------------------------------------------------

const lossValue = (loss: Tensor.Tensor, where: string): number => {
  if (!Tensor.isTensor(loss) || loss.size !== 1) {
    throw new RangeError(`Train.fit: the loss must be a scalar tensor, got ${Tensor.isTensor(loss) ? Tensor.showShape(loss.shape) : typeof loss} ${where}`)
  }
  const v = loss.data[0] as number
  if (!Number.isFinite(v)) throw new RangeError(`Train.fit: the loss is not finite (${v}) ${where}`)
  return v
}

const ONE = Tensor.scalar(1)

/** The predictions for a batch and the pullback to the parameters' cotangent. */
const paramsVjp = <P, S>(
  options: FitOptions<P, S>,
  params: P,
  x: Tensor.Tensor,
  key: number
): readonly [Tensor.Tensor, (dPredictions: Tensor.Tensor) => P] => {
  if (options.atInput !== undefined) return Lens.vjp(options.atInput(x, key), params)
  const model = options.training === undefined ? options.model : options.training(key)
  const [predictions, pull] = Lens.vjp(model, [params, x])
  return [predictions, (d) => pull(d)[0]]
}

/**
 * The key of a step for the model's own randomness (`training`): a hash of the run's seed,
 * the epoch and the step, so that it shares no stream with `augment`'s seed and consecutive
 * keys are unrelated.
 */
const stepKey = (seed: number, epoch: number, step: number): number => {
  let h = Math.imul(seed ^ 0x5bd1e995, 0x9e3779b1) ^ Math.imul(epoch + 1, 0x85ebca6b) ^ Math.imul(step + 1, 0xc2b2ae35)
  h = Math.imul(h ^ (h >>> 16), 0x7feb352d)
  h = Math.imul(h ^ (h >>> 15), 0x846ca68b)
  return (h ^ (h >>> 16)) | 0
}

const augmented = (augment: NonNullable<FitOptions<unknown, unknown>['augment']>, batch: Tensor.Tensor, epoch: number, step: number, seed: number): Tensor.Tensor => {
  const out = augment(batch, { epoch, step, seed: (seed * 100_003 + epoch * 10_007 + step) | 0 })
  if (!Tensor.isTensor(out) || !Tensor.sameShape(out.shape, batch.shape)) {
    const got = Tensor.isTensor(out) ? Tensor.showShape(out.shape) : typeof out
    throw new RangeError(`Train.fit: augment must return inputs of shape ${Tensor.showShape(batch.shape)}, got ${got} at epoch ${epoch}, step ${step}`)
  }
  return out
}

/**
 * Evaluates the mean loss and the metrics of a model on a dataset, in batches of
 * `batchSize` (a positive integer, default 1000). The dataset is checked as {@link fit}
 * checks its data (tensors, the same non-zero number of examples).
 *
 * @example
 * import { Layer, Tensor, Train, ops } from 'backprop-lens'
 *
 * const { model, init } = Layer.mlp([2, 3])
 * const data = { inputs: Tensor.zeros([4, 2]), targets: Tensor.fromNested([0, 1, 2, 0]) }
 * const result = Train.evaluate(model, init(0), ops.softmaxCrossEntropy, data, { accuracy: Train.accuracy })
 * console.log(result.loss.toFixed(4), result.metrics.accuracy) // 1.0986 0.5
 *
 * @category training
 */
export const evaluate = <P>(
  model: Para<P, Tensor.Tensor, Tensor.Tensor>,
  params: P,
  loss: Loss,
  data: Dataset,
  metrics: Readonly<Record<string, Metric>> = {},
  batchSize = 1000
): { readonly loss: number; readonly metrics: Readonly<Record<string, number>> } => {
  checkBatchSize('Train.evaluate', batchSize)
  const n = checkDataset('Train.evaluate', 'data', data)
  let total = 0
  const sums: Record<string, number> = {}
  for (const name of Object.keys(metrics)) sums[name] = 0
  for (let start = 0; start < n; start += batchSize) {
    const idx = Array.from({ length: Math.min(batchSize, n - start) }, (_, i) => start + i)
    const x = take(data.inputs, idx)
    const y = take(data.targets, idx)
    const predictions = Lens.evaluate(model, [params, x])
    total += lossValue(Lens.evaluate(loss(y), predictions), 'on the evaluation data') * idx.length
    for (const [name, metric] of Object.entries(metrics)) sums[name] = (sums[name] as number) + metric(predictions, y) * idx.length
  }
  const out: Record<string, number> = {}
  for (const name of Object.keys(metrics)) out[name] = (sums[name] as number) / n
  return { loss: total / n, metrics: out }
}

/**
 * Trains `model` from `params` with `optimizer` for `epochs` passes over `data`, in
 * shuffled minibatches of `batchSize` (the last one may be smaller). Stops with a
 * `RangeError` naming the epoch and step if the loss stops being finite, and at the first
 * non-finite value of a diverging run (an op's result or gradient, an optimiser's update:
 * `Train.fit: stopped at epoch 3, step 1: ops.matmul: the result is not finite …`). The data
 * and the validation set must be `{ inputs, targets }` of tensors with the same, non-zero
 * number of examples along the first axis; `epochs` a non-negative integer and `batchSize` a
 * positive one.
 *
 * @example
 * import { Layer, Optimizer, Tensor, Train, ops } from 'backprop-lens'
 *
 * // Learn y = class of (x > 0) from 64 points.
 * const xs = Tensor.randomUniform([64, 1], { seed: 1, low: -1, high: 1 })
 * const ys = Tensor.make([64], Array.from(xs.data, (x) => (x > 0 ? 1 : 0)))
 * const { model, init } = Layer.mlp([1, 8, 2])
 * const { history } = Train.fit({
 *   model, loss: ops.softmaxCrossEntropy, optimizer: Optimizer.adam({ lr: 0.05 }), params: init(0),
 *   data: { inputs: xs, targets: ys }, validation: { inputs: xs, targets: ys },
 *   epochs: 20, batchSize: 16, seed: 2, metrics: { accuracy: Train.accuracy }
 * })
 * console.log(history.length, (history[19]?.metrics.accuracy ?? 0) > 0.9) // 20 true
 *
 * @category training
 */
export const fit = <P, S>(options: FitOptions<P, S>): FitResult<P, S> => {
  const { model, loss, optimizer, data, epochs, batchSize, seed } = options
  if (!Number.isInteger(epochs) || epochs < 0) throw new RangeError(`Train.fit: epochs must be a non-negative integer, got ${epochs}`)
  checkBatchSize('Train.fit', batchSize)
  const n = checkDataset('Train.fit', 'data', data)
  if (options.validation !== undefined) checkDataset('Train.fit', 'validation', options.validation)
  const stepsPerEpoch = Math.ceil(n / batchSize)
  let params = options.params
  // The states are fit's own until it returns them, so the optimiser may reuse their buffers.
  let state = optimizer.init(params)
  const stepOwned = ownedStep(optimizer, [state, params])
  const history: Array<EpochRecord> = []
  for (let epoch = 0; epoch < epochs; epoch++) {
    const started = performance.now()
    const order = permutation(n, seed * 7919 + epoch)
    let total = 0
    for (let step = 0; step < stepsPerEpoch; step++) {
      const idx = order.slice(step * batchSize, (step + 1) * batchSize)
      let value: number
      try {
        const batch = take(data.inputs, idx)
        const x = options.augment === undefined ? batch : augmented(options.augment, batch, epoch, step, seed)
        const y = take(data.targets, idx)
        const [predictions, pullParams] = paramsVjp(options, params, x, stepKey(seed, epoch, step))
        const [l, pullLoss] = Lens.vjp(loss(y), predictions)
        value = lossValue(l, `at epoch ${epoch}, step ${step}`)
        const dParams = pullParams(pullLoss(ONE))
        ;[params, state] = stepOwned(state, params, dParams)
      } catch (e) {
        // a diverging run stops at the first non-finite value (an op's or the optimiser's check)
        throw located(e, epoch, step)
      }
      total += value * idx.length
      options.onStep?.({ epoch, step, stepsPerEpoch, loss: value })
    }
    const milliseconds = performance.now() - started
    const validation = options.validation
    const scored = validation === undefined ? undefined : evaluate(model, params, loss, validation, options.metrics ?? {})
    const record: EpochRecord =
      scored === undefined
        ? { epoch, loss: total / n, metrics: {}, milliseconds }
        : { epoch, loss: total / n, validationLoss: scored.loss, metrics: scored.metrics, milliseconds }
    history.push(record)
    options.onEpoch?.(record)
  }
  return { params, state, history }
}
