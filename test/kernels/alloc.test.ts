/**
 * The pool small tensors' data come from (`kernels/alloc.ts`): every array is zeroed, of the
 * length asked for, and never overlaps another live one; arrays outside the pooled range get a
 * buffer of their own, as `new Float64Array` would make it.
 */
import { describe, expect, it } from 'vitest'
import { Lens, Tensor, ops } from '../../src/index.js'
import { copyOf, zeros } from '../../src/kernels/alloc.js'

const overlap = (a: Float64Array, b: Float64Array): boolean =>
  a.buffer === b.buffer && a.byteOffset < b.byteOffset + b.byteLength && b.byteOffset < a.byteOffset + a.byteLength

describe('the small-array pool', () => {
  it('hands out zeroed arrays of the asked length that never overlap, across pool boundaries', () => {
    const arrays: Array<Float64Array> = []
    // 16 KiB pools: 600 arrays of 9…256 elements fill several of them
    for (let i = 0; i < 600; i++) {
      const n = 9 + ((i * 37) % 248)
      const a = zeros(n)
      expect(a.length).toBe(n)
      expect(a.every((v) => v === 0)).toBe(true)
      a.fill(i + 1)
      arrays.push(a)
    }
    // each still holds what was written into it: no later array reused its bytes
    arrays.forEach((a, i) => expect(a.every((v) => v === i + 1)).toBe(true))
    for (let i = 1; i < arrays.length; i++) expect(overlap(arrays[i - 1] as Float64Array, arrays[i] as Float64Array)).toBe(false)
    expect(new Set(arrays.map((a) => a.buffer)).size).toBeGreaterThan(1)
  })

  it('gives tiny (≤ 8 elements) and large (> 256 elements) arrays a buffer of their own', () => {
    for (const n of [0, 1, 8, 257, 10_000]) {
      const a = zeros(n)
      expect(a.byteOffset).toBe(0)
      expect(a.buffer.byteLength).toBe(n * 8)
    }
  })

  it('treats the lengths outside the pool as new Float64Array does', () => {
    expect(() => zeros(-1)).toThrow(RangeError)
    expect(() => zeros(2 ** 53)).toThrow(RangeError)
    // a fractional length is truncated by the engine, not pooled
    expect(zeros(10.5)).toEqual(new Float64Array(10.5))
    expect(zeros(10.5).byteOffset).toBe(0)
  })

  it('copies typed arrays and plain arrays into fresh arrays', () => {
    const src = Float64Array.from({ length: 20 }, (_, i) => i * 0.5)
    const a = copyOf(src)
    expect(a).toEqual(src)
    expect(overlap(a, src)).toBe(false)
    expect(copyOf([1, 2, 3])).toEqual(Float64Array.of(1, 2, 3))
    expect(copyOf(Float32Array.of(0.5, 1.5))).toEqual(Float64Array.of(0.5, 1.5))
  })

  it('is what small results of ops are made of, each with data of its own', () => {
    const x = Tensor.randomUniform([4, 4], { seed: 1 })
    const y = Lens.evaluate(ops.exp, x)
    const z = Lens.evaluate(ops.exp, x)
    expect(y.data.byteLength).toBe(16 * 8)
    expect(overlap(y.data as Float64Array, z.data as Float64Array)).toBe(false)
    expect(y.data).toEqual(z.data)
    // a standalone copy, as the Tensor module's documentation says
    const own = y.data.slice()
    expect(own.byteOffset).toBe(0)
    expect(own.buffer.byteLength).toBe(16 * 8)
  })
})
