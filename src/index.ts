/**
 * backprop-lens: reverse-mode automatic differentiation from continuation-passing-style
 * lens combinators, on fp-ts. Each module is exported as a namespace, and can also be
 * imported on its own (`backprop-lens/Lens`).
 *
 * @example
 * import { Lens, Scalar } from 'backprop-lens'
 *
 * const f = Lens.pipe(Scalar.square, Scalar.exp, Scalar.square)
 * console.log(Lens.valueAndGrad(f, 0.5)) // [ 1.648721270700128, 3.297442541400256 ]
 *
 * @module backprop-lens
 */
export * as Cont from './Cont.js'
export * as Lens from './Lens.js'
export * as Scalar from './Scalar.js'
export * as VectorSpace from './VectorSpace.js'
export * as Gradcheck from './Gradcheck.js'
export * as Para from './Para.js'
export * as Optimizer from './Optimizer.js'
export * as Tensor from './Tensor.js'
export * as ops from './ops/index.js'
export * as Layer from './Layer.js'
export * as Train from './Train.js'
export * as Codec from './Codec.js'
export * as Direct from './Direct.js'
