/**
 * The WebAssembly kernels' entry point: what the module exports to the host
 * (`src/kernels/wasm/`). Compiled by `src/kernels/assembly/build.mjs` with AssemblyScript
 * (`--enable simd --runtime stub`, no allocation after start-up, so memory only grows when
 * the host grows it).
 *
 * @internal
 * @module kernels/assembly
 */
export { gemm, stagingBase } from './gemm'
export { firstNonFinite } from './check'
export { affine, binary, relu, sumRows, sumRuns } from './vector'
