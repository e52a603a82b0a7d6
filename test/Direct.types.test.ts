import { describe, it, expectTypeOf } from 'vitest'
import { Direct, Lens, Scalar, Tensor, ops } from '../src/index.js'

describe('scratch', () => {
  it('rejects', () => {
    const inferredOnly = Direct.lens(function* (x) {
      return x
    })
    expectTypeOf(inferredOnly).toEqualTypeOf<Lens.Lens<unknown, unknown>>()
    Direct.lens(function* (x: Direct.Var<Tensor.Tensor>) {
      // @ts-expect-error sin on numbers applied to a tensor variable
      yield* Direct.apply(Scalar.sin, x)
      return x
    })
    Direct.lens(function* (x: Direct.Var<number>) {
      // @ts-expect-error add needs a pair
      yield* Direct.apply(Scalar.add, x)
      return x
    })
    // @ts-expect-error returns a pair, not a number
    Direct.lens<number, number>(function* (x) {
      return [x, x] as const
    })
    // @ts-expect-error returns a number variable, not a tensor
    Direct.lens<number, Tensor.Tensor>(function* (x) {
      return x
    })
    Direct.lens(function* ([t, n]: readonly [Direct.Var<Tensor.Tensor>, Direct.Var<number>]) {
      // @ts-expect-error a number variable where a tensor is needed
      yield* Direct.apply(ops.add, [t, n])
      // @ts-expect-error numbers with tensors
      yield* Direct.mul(n, t)
      // @ts-expect-error a plain value where a variable is needed
      yield* Direct.apply(ops.add, [t, Tensor.scalar(1)])
      return t
    })
  })
})
