/**
 * The kernel seam: every loop the ops run, over row-major `Float64Array`s, in one place.
 * Kernels know nothing of tensors or lenses; `ops` and `Tensor` call them through this
 * module only.
 *
 * Two implementations sit behind it: the JavaScript loops (`matmul.ts`, `elementwise.ts`,
 * `broadcast.ts`, `reduce.ts`, `layout.ts`) and WebAssembly SIMD kernels (float64, f64x2)
 * compiled from the AssemblyScript sources in `assembly/` (`src/kernels/assembly/build.mjs`; the
 * host side is `wasm/`). `select.ts` exports the kernels that have both, choosing per call:
 *
 * - **Selection** (`backend.ts`): by default (`auto`) the WebAssembly kernels run when the
 *   runtime has WebAssembly SIMD — the embedded module validates — and the call is large enough
 *   to gain from it (a threshold per kernel, measured); the JavaScript loops run otherwise.
 * - **Forcing**: the environment variable `BACKPROP_LENS_KERNELS` = `js` (JavaScript only),
 *   `wasm` (WebAssembly for every size; an error without SIMD) or `auto`, read once at the
 *   first kernel call, only where `process.env` exists; {@link setKernelBackend} forces a
 *   choice from code (tests, benchmarks) and {@link kernelBackend} reports the one in use.
 *   `npm test` runs the whole suite under both `js` and `wasm`.
 * - **Memory**: tensors stay JavaScript `Float64Array`s; a WebAssembly call stages its operands
 *   in one reusable region of the module's memory and copies the result out, so nothing is
 *   ever disposed by hand and the memory stops growing once the largest call has run
 *   (`wasm/instance.ts`).
 *
 * @internal
 * @module kernels
 */
// The JavaScript loops, except where `select.ts` exports a kernel of the same name: an explicit
// export takes precedence over `export *`, so those names resolve to the selecting versions.
export * from './elementwise.js'
export * from './broadcast.js'
export * from './matmul.js'
export * from './layout.js'
export * from './reduce.js'
export {
  affine,
  broadcast,
  matmulNN,
  matmulNT,
  matmulTN,
  relu,
  reluBackward,
  sumAxis,
  sumTo,
  zip,
  MATMUL_MIN_WORK,
  VECTOR_MIN_SIZE
} from './select.js'
export { kernelBackend, kernelChoice, setKernelBackend, KERNELS_ENV, type KernelChoice } from './backend.js'
export * from './conv.js'
export { copyOf, zeros } from './alloc.js'
export type { ReadonlyFloat64Array } from './data.js'
