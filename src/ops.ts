/**
 * Primitive lenses on tensors: elementwise functions, broadcasting binary operations,
 * and (from `ops/` beside them) linear algebra, shape operations, reductions, softmax and
 * losses. Every op checks its input's shapes and throws an error naming the op and the
 * shapes; none mutates its input.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const f = Lens.pipe(ops.square, ops.exp)
 * console.log(Lens.evaluate(f, Tensor.fromNested([0, 1])).data) // Float64Array(2) [ 1, 2.718281828459045 ]
 *
 * @module ops
 */
export * from './ops/elementwise.js'
export * from './ops/binary.js'
export { matmul, matmulLeft, matmulRight, transpose, reshape, concat, slice, index } from './ops/linalg.js'
export { type ReduceOptions, sum, mean, max, logSumExp } from './ops/reduce.js'
export { softmax, logSoftmax, mse, softmaxCrossEntropy, type Targets } from './ops/nn.js'
