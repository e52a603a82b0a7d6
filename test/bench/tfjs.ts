/**
 * Loads TensorFlow.js (tfjs-core 4.22) with its cpu backend and the gradient functions the
 * tensor benchmarks need, for `mlp.bench.ts` and `mnist-epoch.bench.ts`.
 *
 * The pitfall (PERFORMANCE.md, "How to compare fairly"): tfjs-core's CommonJS entry
 * (`dist/tf-core.node.js`, what node loads for `@tensorflow/tfjs-core`) registers no
 * gradient functions, so `tf.grad` fails with "gradient function not found"; and its ES
 * module build cannot be imported whole by node (`dist/base.js` imports `./gradients`, which
 * is both a file and a folder: `ERR_UNSUPPORTED_DIR_IMPORT`). So the CommonJS entry and the
 * cpu backend are loaded, and the gradient configs are taken from the ES module build file
 * by file (`dist/gradients/<Kernel>_grad.js`; tsx resolves their extensionless imports) and
 * registered with `tf.registerGradient`. Kernel and gradient registries live on a global
 * shared by both builds, so the ES build's gradient functions run on the same engine.
 *
 * @module bench/tfjs
 */
import type * as TF from '@tensorflow/tfjs-core'

/** The tfjs-core namespace. */
export type Tf = typeof TF

/** The version the benchmarks were written against (printed in the tables). */
export const TFJS_LABEL = 'tfjs-core 4.22 cpu'

/**
 * Gradient configs (file names under `dist/gradients/`, without `_grad.js`) needed by a
 * dense network with relu, softmax cross-entropy (`tf.losses.softmaxCrossEntropy`) and the
 * Adam optimiser's bookkeeping.
 */
export const MLP_GRADIENTS: ReadonlyArray<string> = [
  'BatchMatMul',
  'Add',
  'AddN',
  'Relu',
  'Sum',
  'Mean',
  'Sub',
  'Multiply',
  'RealDiv',
  'Reshape',
  'Cast',
  'LogSoftmax',
  'Softmax',
  'Exp',
  'Log',
  'Neg',
  'Max',
  'BroadcastTo',
  'Identity',
  'OneHot',
  'Transpose',
  'ExpandDims',
  'Tile'
]

type GradConfig = Parameters<Tf['registerGradient']>[0]

const isGradConfig = (u: unknown): u is GradConfig =>
  typeof u === 'object' &&
  u !== null &&
  typeof (u as { kernelName?: unknown }).kernelName === 'string' &&
  typeof (u as { gradFunc?: unknown }).gradFunc === 'function'

let loaded: Promise<Tf> | null = null

/**
 * tfjs-core with the cpu backend active and the gradients of {@link MLP_GRADIENTS}
 * registered (loaded once per process). Silences the "install tfjs-node" banner.
 */
export const loadTf = (): Promise<Tf> => {
  if (loaded === null) loaded = load()
  return loaded
}

const load = async (): Promise<Tf> => {
  const tf = await import('@tensorflow/tfjs-core')
  await import('@tensorflow/tfjs-backend-cpu')
  const configs = await Promise.all(
    MLP_GRADIENTS.map(async (name) => {
      const mod: unknown = await import(`@tensorflow/tfjs-core/dist/gradients/${name}_grad.js`)
      const found = typeof mod === 'object' && mod !== null ? Object.values(mod).filter(isGradConfig) : []
      if (found.length === 0) throw new Error(`tfjs: dist/gradients/${name}_grad.js holds no gradient config`)
      return found
    })
  )
  for (const config of configs.flat()) tf.registerGradient(config)
  if (!(await tf.setBackend('cpu'))) throw new Error('tfjs: the cpu backend did not initialise')
  const backend: unknown = tf.backend()
  if (typeof backend === 'object' && backend !== null && 'firstUse' in backend) {
    ;(backend as { firstUse: boolean }).firstUse = false
  }
  return tf
}

/** tfjs, or `null` (saying why) when it cannot be loaded: the rest of a benchmark still runs. */
export const loadTfOrSkip = async (load: () => Promise<Tf> = loadTf): Promise<Tf | null> => {
  try {
    return await load()
  } catch (e) {
    console.log(`(tfjs not measured: ${e instanceof Error ? e.message : String(e)})`)
    return null
  }
}
