/**
 * Both kernel paths give the same numbers through the public API: the same computation run
 * with the JavaScript loops (`js`) and with the WebAssembly kernels (`wasm`, every call) must
 * agree exactly where both sum in the same order, and otherwise within 1e-12 relative to the
 * largest magnitude of the result (past 256 steps of k, or accumulating into values already in
 * `out`, the matrix products sum in another order; see `matmul.test.ts`, which compares the
 * kernels entry by entry).
 */
import { afterEach, describe, expect, it } from 'vitest'
import { Layer, Lens, Tensor, ops } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'

afterEach(() => {
  K.setKernelBackend(undefined)
})

/** `f()` on each backend. */
const onBoth = <A>(f: () => A): { readonly js: A; readonly wasm: A } => {
  expect(K.setKernelBackend('js')).toBe('js')
  const js = f()
  expect(K.setKernelBackend('wasm')).toBe('wasm')
  const wasm = f()
  return { js, wasm }
}

/** max |x − y| / max |y| over the entries (0 when both are all zeros). */
const relativeGap = (x: Tensor.ReadonlyFloat64Array, y: Tensor.ReadonlyFloat64Array): number => {
  expect(x.length).toBe(y.length)
  let gap = 0
  let scale = 0
  for (let i = 0; i < x.length; i++) {
    gap = Math.max(gap, Math.abs((x[i] as number) - (y[i] as number)))
    scale = Math.max(scale, Math.abs(y[i] as number))
  }
  return scale === 0 ? gap : gap / scale
}

describe('the JavaScript and WebAssembly paths', () => {
  it('give the same matrix products and gradients: 2-D, batched with broadcast batch axes, 1-D operands', () => {
    // exact: every entry is one sum of at most 256 products into a fresh zero (the same order
    // on both paths); not exact: a broadcast operand's gradient adds batch items into one slice
    const cases: ReadonlyArray<readonly [ReadonlyArray<number>, ReadonlyArray<number>, boolean]> = [
      [[37, 50], [50, 29], true],
      [[50], [50, 7], true],
      [[6, 30], [30], true],
      [[4, 17, 20], [4, 20, 9], true],
      [[3, 1, 17, 20], [4, 20, 9], false],
      [[2, 3, 8, 5], [1, 5, 16], false],
      [[300, 400], [400, 20], false]
    ]
    for (const [as, bs, exact] of cases) {
      const a = Tensor.randomUniform(as, { seed: 1 })
      const b = Tensor.randomUniform(bs, { seed: 2 })
      const run = (): ReadonlyArray<Tensor.ReadonlyFloat64Array> => {
        const [y, pull] = Lens.vjp(ops.matmul, [a, b])
        const [da, db] = pull(Tensor.randomUniform(y.shape, { seed: 3 }))
        return [y.data, da.data, db.data]
      }
      const { js, wasm } = onBoth(run)
      js.forEach((x, i) => {
        const what = `${String(as)} × ${String(bs)}, output ${i}`
        if (exact) expect(wasm[i], what).toEqual(x)
        else expect(relativeGap(wasm[i] as Tensor.ReadonlyFloat64Array, x), what).toBeLessThanOrEqual(1e-12)
      })
    }
  })

  it('give the same loss and parameter gradients for an MLP step (784-32-10, batch 16)', () => {
    const { model, init } = Layer.mlp([784, 32, 10])
    const params = init(7)
    const x = Tensor.randomUniform([16, 784], { seed: 8 })
    const targets = Array.from({ length: 16 }, (_, i) => i % 10)
    const step = (): ReadonlyArray<Tensor.ReadonlyFloat64Array> => {
      const loss = Lens.pipe(model, ops.softmaxCrossEntropy(targets))
      const [value, pull] = Lens.vjp(loss, [params, x])
      const [dp, dx] = pull(Tensor.scalar(1))
      return [value.data, ...dp.layers.flatMap((l) => [l.W.data, l.b.data]), dx.data]
    }
    const { js, wasm } = onBoth(step)
    expect(wasm).toHaveLength(js.length)
    js.forEach((x, i) => expect(relativeGap(wasm[i] as Tensor.ReadonlyFloat64Array, x), `output ${i}`).toBeLessThanOrEqual(1e-12))
  })
})
