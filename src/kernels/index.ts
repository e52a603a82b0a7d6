/**
 * The kernel seam: every loop the ops run, over row-major `Float64Array`s, in one place.
 * Kernels know nothing of tensors or lenses; `ops` and `Tensor` call them through this
 * module only, so a faster implementation (cache-blocked, WebAssembly) replaces a loop here
 * without touching them.
 *
 * @internal
 * @module kernels
 */
export * from './elementwise.js'
export * from './broadcast.js'
export * from './matmul.js'
export * from './layout.js'
export * from './reduce.js'
export * from './conv.js'
