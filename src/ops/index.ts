/**
 * Primitive lenses on tensors: elementwise functions, broadcasting binary operations,
 * and (from the files beside this one) linear algebra, shape operations, reductions, softmax,
 * losses, and convolution and pooling on channels-last images. Every op checks its input's
 * shapes and throws an error naming the op and the shapes; none mutates its input.
 *
 * Every op's backward pass is also written as a lens, with ops (a matmul's with the transposed
 * products, a reduction's with a broadcast, softmax's with elementwise ops and a sum, …), so
 * tensor programs have derivatives of every order: `Lens.reverse`, `Lens.grad(Lens.grad(…))`,
 * Hessian-vector products. The first-order passes still run their own kernels; the lenses are
 * built only when a higher derivative is first asked for.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * const f = Lens.pipe(ops.square, ops.exp)
 * console.log(Lens.evaluate(f, Tensor.fromNested([0, 1])).data) // Float64Array(2) [ 1, 2.718281828459045 ]
 *
 * // the second derivative of Σ sin(x), element by element: −sin(x)
 * const d2 = Lens.grad(Lens.pipe(Lens.grad(Lens.pipe(ops.sin, ops.sum())), ops.sum()))
 * console.log(Lens.evaluate(d2, Tensor.fromNested([0.5, Math.PI / 2])).data) // Float64Array(2) [ -0.479425538604203, -1 ]
 *
 * @module ops
 */
export * from './elementwise.js'
export * from './binary.js'
export { matmul, matmulLeft, matmulRight } from './matmul.js'
export { transpose, reshape, concat, slice, index } from './shape.js'
export { type ReduceOptions, sum, mean, max, logSumExp } from './reduce.js'
export { softmax, logSoftmax, mse, softmaxCrossEntropy, type Targets } from './nn.js'
export { conv2d, type Conv2dOptions } from './conv.js'
export { maxPool2d, avgPool2d, flatten, type Pool2dOptions } from './pool.js'
export type { Padding } from './window.js'
