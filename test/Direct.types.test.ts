/**
 * Type tests of `Direct`: checked by `tsc --noEmit` (part of `npm test`); every
 * `@ts-expect-error` line must fail to compile. The `it` blocks also run.
 */
import { describe, expect, expectTypeOf, it } from 'vitest'
import { Direct, Layer, Lens, Scalar, Tensor, ops } from '../src/index.js'

type T = Tensor.Tensor
type V = Direct.Var<number>
type Pair = readonly [number, number]

describe('Direct types', () => {
  it('Vars maps numbers and tensors to variables, tuples and records to the same structure', () => {
    expectTypeOf<Direct.Vars<number>>().toEqualTypeOf<Direct.Var<number>>()
    expectTypeOf<Direct.Vars<T>>().toEqualTypeOf<Direct.Var<T>>()
    expectTypeOf<Direct.Vars<readonly [number, T]>>().toEqualTypeOf<readonly [Direct.Var<number>, Direct.Var<T>]>()
    expectTypeOf<Direct.Vars<{ readonly W: T; readonly b: readonly [number, number] }>>().toEqualTypeOf<{
      readonly W: Direct.Var<T>
      readonly b: readonly [Direct.Var<number>, Direct.Var<number>]
    }>()
    expectTypeOf<Direct.Vars<ReadonlyArray<number>>>().toEqualTypeOf<ReadonlyArray<Direct.Var<number>>>()
    expectTypeOf<Direct.ValueOf<readonly [V, { readonly t: Direct.Var<T> }]>>().toEqualTypeOf<readonly [number, { readonly t: T }]>()
  })

  it('Direct.lens<A, B> types the input from A and checks the output against B', () => {
    const f = Direct.lens<readonly [number, T], T>(function* f([n, t]) {
      expectTypeOf(n).toEqualTypeOf<Direct.Var<number>>()
      expectTypeOf(t).toEqualTypeOf<Direct.Var<T>>()
      return yield* Direct.mul(t, 2)
    })
    expectTypeOf(f).toEqualTypeOf<Lens.Lens<readonly [number, T], T>>()
    const g = Direct.lens<{ readonly w: number; readonly b: number }, Pair>(function* g({ w, b }) {
      return [w, yield* Direct.add(w, b)] as const
    })
    expectTypeOf(g).toEqualTypeOf<Lens.Lens<{ readonly w: number; readonly b: number }, Pair>>()
    expect(Lens.evaluate(g, { w: 2, b: 1 })).toEqual([2, 3])
  })

  it('Direct.lens infers A and B from the parameter annotation and the returned variables', () => {
    const f = Direct.lens(function* (x: V) {
      return yield* Direct.apply(Scalar.sin, x)
    })
    expectTypeOf(f).toEqualTypeOf<Lens.Lens<number, number>>()
    const g = Direct.lens(function* ([a, t]: readonly [V, Direct.Var<T>]) {
      return [a, yield* Direct.mul(t, 2)] as const
    })
    expectTypeOf(g).toEqualTypeOf<Lens.Lens<readonly [number, T], readonly [number, T]>>()
  })

  it('apply types its result from the lens, also for lenses made by generic calls', () => {
    Direct.lens(function* (x: V) {
      expectTypeOf(yield* Direct.apply(Scalar.exp, x)).toEqualTypeOf<V>()
      expectTypeOf(yield* Direct.apply(Lens.fanout(Scalar.sin, Scalar.cos), x)).toEqualTypeOf<readonly [V, V]>()
      expectTypeOf(yield* Direct.apply(Lens.split(Scalar.sin, Scalar.cos), [x, x])).toEqualTypeOf<readonly [V, V]>()
      expectTypeOf(yield* Direct.apply(Scalar.mul, [x, x])).toEqualTypeOf<V>()
      return x
    })
    const { model } = Layer.mlp([2, 3, 1])
    Direct.lens<readonly [Layer.MlpParams, T], T>(function* ([p, x]) {
      expectTypeOf(p.layers).toEqualTypeOf<ReadonlyArray<{ readonly W: Direct.Var<T>; readonly b: Direct.Var<T> }>>()
      const y = yield* Direct.apply(model, [p, x])
      expectTypeOf(y).toEqualTypeOf<Direct.Var<T>>()
      return y
    })
  })

  it('the helpers keep numbers with numbers and tensors with tensors', () => {
    Direct.lens(function* ([n, t]: readonly [V, Direct.Var<T>]) {
      expectTypeOf(yield* Direct.add(n, 1)).toEqualTypeOf<V>()
      expectTypeOf(yield* Direct.mul(t, 2)).toEqualTypeOf<Direct.Var<T>>()
      expectTypeOf(yield* Direct.sin(t)).toEqualTypeOf<Direct.Var<T>>()
      expectTypeOf(yield* Direct.pow(n, 3)).toEqualTypeOf<V>()
      return n
    })
  })

  it('fn, value, constant and stopGradient', () => {
    const scaled = Direct.fn(function* scaledStep(x: V, by: number) {
      return yield* Direct.mul(x, by)
    })
    expectTypeOf(scaled).toEqualTypeOf<(x: V, by: number) => Direct.Apply<V>>()
    expectTypeOf(Direct.constant<readonly [number, T]>([1, Tensor.scalar(2)])).toEqualTypeOf<readonly [V, Direct.Var<T>]>()
    const c = Direct.constant({ w: 1 })
    expectTypeOf(Direct.value(c)).toEqualTypeOf<{ readonly w: number }>()
    expectTypeOf(Direct.stopGradient(c)).toEqualTypeOf<{ readonly w: V }>()
    expect(Direct.value(c)).toEqual({ w: 1 })
  })

  it('rejects applying a lens to the wrong variables', () => {
    Direct.lens(function* ([n, t]: readonly [V, Direct.Var<T>]) {
      // @ts-expect-error a number lens on a tensor variable
      yield* Direct.apply(Scalar.sin, t)
      // @ts-expect-error a lens on pairs applied to one variable
      yield* Direct.apply(Scalar.add, n)
      // @ts-expect-error a number variable where a tensor variable is needed
      yield* Direct.apply(ops.add, [t, n])
      // @ts-expect-error a plain tensor where a variable is needed (make constants with Direct.constant)
      yield* Direct.apply(ops.add, [t, Tensor.scalar(1)])
      // @ts-expect-error numbers with tensors in a helper
      yield* Direct.mul(n, t)
      return n
    })
  })

  it('rejects returning the wrong structure', () => {
    // @ts-expect-error a pair where a number is declared
    Direct.lens<number, number>(function* (x) {
      return [x, x] as const
    })
    // @ts-expect-error a number variable where a tensor is declared
    Direct.lens<number, T>(function* (x) {
      return x
    })
    // @ts-expect-error a plain number is not a variable
    Direct.lens<number, number>(function* () {
      return 1
    })
  })
})
