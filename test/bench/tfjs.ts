/**
 * TensorFlow.js for the benchmarks (PERFORMANCE.md, "How to compare fairly"): tfjs-core 4.22
 * from **one esbuild bundle of its ES build** with every gradient registered
 * (`dist/register_all_gradients.js`), and one backend per bundle:
 * - `cpu`: tfjs-backend-cpu 4.22;
 * - `wasm`: tfjs-backend-wasm 4.22, with `setWasmPaths` pointing at its own `dist/` folder
 *   (a file path ending in `/`: it loads offline), one thread, and SIMD (checked: the
 *   backend must be `wasm` and `WASM_HAS_SIMD_SUPPORT` true, or loading fails).
 *
 * Why a bundle: node resolves `@tensorflow/tfjs-core` to its CommonJS build, which registers
 * no gradients; its ES build cannot be imported by node file by file (extensionless and
 * directory imports); and mixing the two (CommonJS core, ES gradient files) cost tfjs 1.2×.
 * esbuild (`mainFields: module, main`) follows the ES build everywhere and writes one
 * CommonJS file per backend, which the child process loads with `require`.
 * The runner writes the bundles once per run ({@link bundleTfjs}); a child that finds none
 * (a benchmark file run by hand) writes its own.
 *
 * @module bench/tfjs
 */
import type * as TF from '@tensorflow/tfjs-core'
import { existsSync } from 'node:fs'
import { createRequire } from 'node:module'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** The tfjs-core namespace, as the bundles export it. */
export type Tf = typeof TF

/** The two backends measured. */
export type TfBackend = 'cpu' | 'wasm'

/** Row labels. */
export const TFJS_LABEL: Readonly<Record<TfBackend, string>> = { cpu: 'tfjs-cpu 4.22', wasm: 'tfjs-wasm 4.22' }

/** What the wasm bundle exports on top of tfjs-core. */
interface WasmControls {
  readonly setWasmPaths: (prefix: string, usePlatformFetch?: boolean) => void
  readonly setThreadsCount: (n: number) => void
  readonly getThreadsCount: () => number
}

const here = dirname(fileURLToPath(import.meta.url))
const require = createRequire(import.meta.url)
/** Next to the compiled benchmarks (`dist/test/bench/peers/`), or to the sources under tsx. */
const bundleFile = (backend: TfBackend): string => join(here, 'peers', `tfjs-${backend}.cjs`)

const ENTRY: Readonly<Record<TfBackend, string>> = {
  cpu: [
    `export * from '@tensorflow/tfjs-core'`,
    `import '@tensorflow/tfjs-core/dist/register_all_gradients'`,
    `import '@tensorflow/tfjs-backend-cpu'`
  ].join('\n'),
  wasm: [
    `export * from '@tensorflow/tfjs-core'`,
    `import '@tensorflow/tfjs-core/dist/register_all_gradients'`,
    `export { setWasmPaths, setThreadsCount, getThreadsCount } from '@tensorflow/tfjs-backend-wasm'`
  ].join('\n')
}

/** Writes the bundles (esbuild, from tfjs's ES build): about a second each. */
export const bundleTfjs = async (backends: ReadonlyArray<TfBackend> = ['cpu', 'wasm']): Promise<void> => {
  const { build } = await import('esbuild')
  for (const backend of backends) {
    await build({
      stdin: { contents: ENTRY[backend], resolveDir: here, sourcefile: `tfjs-${backend}-entry.js` },
      bundle: true,
      platform: 'node',
      format: 'cjs',
      mainFields: ['module', 'main'],
      outfile: bundleFile(backend),
      logLevel: 'warning'
    })
  }
}

/** tfjs-backend-wasm's own `dist/` folder, as a file path ending in `/`. */
const wasmFolder = (): string => `${dirname(require.resolve('@tensorflow/tfjs-backend-wasm'))}/`

/**
 * tfjs with `backend` active (once per process; the first call bundles if needed). Throws
 * when the backend does not initialise, or tfjs-wasm would run without SIMD.
 */
export const loadTf = async (backend: TfBackend): Promise<Tf> => {
  if (!existsSync(bundleFile(backend))) await bundleTfjs([backend])
  const tf = require(bundleFile(backend)) as Tf & Partial<WasmControls>
  if (backend === 'wasm') {
    if (tf.setWasmPaths === undefined || tf.setThreadsCount === undefined) throw new Error('tfjs: the wasm bundle lacks setWasmPaths')
    tf.setWasmPaths(wasmFolder())
    tf.setThreadsCount(1)
  }
  if (!(await tf.setBackend(backend))) throw new Error(`tfjs: the ${backend} backend did not initialise`)
  await tf.ready()
  if (tf.getBackend() !== backend) throw new Error(`tfjs: expected the ${backend} backend, got ${tf.getBackend()}`)
  if (backend === 'wasm' && (await tf.env().getAsync('WASM_HAS_SIMD_SUPPORT')) !== true) {
    throw new Error('tfjs: WebAssembly SIMD is not available, tfjs-wasm would run its scalar build')
  }
  // The cpu backend's "install tfjs-node" banner, printed on first use.
  const b: unknown = tf.backend()
  if (typeof b === 'object' && b !== null && 'firstUse' in b) (b as { firstUse: boolean }).firstUse = false
  return tf
}

/** How tfjs runs, for the notes under a table: version, backend, SIMD and threads. */
export const describeTf = (tf: Tf): string => {
  const threads = (tf as Tf & Partial<WasmControls>).getThreadsCount?.()
  const how = tf.getBackend() === 'wasm' ? `wasm (SIMD, ${threads ?? '?'} thread${threads === 1 ? '' : 's'})` : tf.getBackend()
  return `tfjs-core ${tf.version_core}, backend ${how}, one esbuild bundle of the ES build`
}
