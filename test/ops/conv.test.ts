/**
 * ops.conv2d: forward values against the definition over random shapes, strides, paddings,
 * dilations and groups; backward passes against finite differences with the law kit
 * (`checkGradient`, 240 cases) and linear in the cotangent; second and third derivatives
 * (`Lens.reverse`, `Lens.hvp`, a gradient penalty through `Lens.grad`) against finite
 * differences on small shapes; the im2col kernels against their transposes; batches split
 * into blocks; error messages (shapes, options, non-finite results) exactly; inputs left
 * untouched. The comparison with TensorFlow.js is in `conv-tfjs.test.ts`.
 */
import fc from 'fast-check'
import { describe, expect, it } from 'vitest'
import { Gradcheck, Lens, Tensor, VectorSpace, ops } from '../../src/index.js'
import { GradientLaws, fd, reassoc, tensorOfShape } from '../../laws/index.js'
import { linear } from '../../src/internal/structure.js'
import { unsafeFromData } from '../../src/internal/tensor.js'
import { message as messageOf } from '../support/errors.js'
import * as K from '../../src/kernels/index.js'
import { conv2dLayout } from '../../src/ops/conv.js'
import { convCase, referenceConv, values, type ConvCase } from '../support/windows.js'

type T = Tensor.Tensor
type Pair = readonly [T, T]

const TS = VectorSpace.tensor
const PS = VectorSpace.tuple(TS, TS)


/** Equal shapes, and every entry within `tol·(1 + |a| + |b|)`: the worst entry is reported. */
const close = (a: T, b: T, tol = 1e-12): void => {
  expect(a.shape).toEqual(b.shape)
  let worst = 0
  a.data.forEach((v, i) => {
    const w = b.data[i] as number
    worst = Math.max(worst, Math.abs(v - w) / (1 + Math.abs(v) + Math.abs(w)))
  })
  expect(worst).toBeLessThanOrEqual(tol)
}

const dot = (a: T, b: T): number => a.data.reduce((s, v, i) => s + v * (b.data[i] as number), 0)

/** A test-only sum to a rank-0 tensor, linear, so its reverse is a lens: closes second-order tests over ops this file owns. */
const total: Lens.Lens<T, T> = linear<T, T>(
  'total',
  (x) => unsafeFromData([], Float64Array.of(x.data.reduce((s, v) => s + v, 0))),
  (x, w) => Tensor.fill(x.shape, w.data[0] as number)
)

// -------------------------------------------------------------------------------------
// forward
// -------------------------------------------------------------------------------------

describe('ops.conv2d forward', () => {
  it('equals the definition over random shapes, strides, paddings, dilations and groups', () => {
    fc.assert(
      fc.property(convCase({ maxDilation: 3 }), (c) => {
        close(Lens.evaluate(ops.conv2d(c.options), [c.x, c.w]), referenceConv(c))
      }),
      { numRuns: 300 }
    )
  })

  it('has the documented output shapes', () => {
    const x = Tensor.zeros([2, 28, 28, 1])
    expect(Lens.evaluate(ops.conv2d(), [x, Tensor.zeros([5, 5, 1, 16])]).shape).toEqual([2, 24, 24, 16])
    expect(Lens.evaluate(ops.conv2d({ padding: 'same' }), [x, Tensor.zeros([5, 5, 1, 16])]).shape).toEqual([2, 28, 28, 16])
    expect(Lens.evaluate(ops.conv2d({ padding: 'same', stride: 2 }), [x, Tensor.zeros([3, 3, 1, 4])]).shape).toEqual([2, 14, 14, 4])
    expect(Lens.evaluate(ops.conv2d({ dilation: 2 }), [x, Tensor.zeros([3, 3, 1, 4])]).shape).toEqual([2, 24, 24, 4])
    expect(Lens.evaluate(ops.conv2d({ padding: [[1, 2], [0, 3]], stride: [1, 2] }), [x, Tensor.zeros([3, 3, 1, 4])]).shape).toEqual([2, 29, 15, 4])
    expect(Lens.evaluate(ops.conv2d({ groups: 4 }), [Tensor.zeros([1, 3, 3, 8]), Tensor.zeros([1, 1, 2, 12])]).shape).toEqual([1, 3, 3, 12])
  })

  it('gives the same results when a batch spans several blocks of work as image by image', () => {
    // 3×3 outputs of a 9×9 filter over 16 channels a group: a block holds 11 images
    const options = { padding: 'same', stride: 3 } as const
    const x = Tensor.randomNormal([25, 9, 9, 32], { seed: 1 })
    const w = Tensor.randomNormal([9, 9, 16, 6], { seed: 2 })
    const grouped = { ...options, groups: 2 }
    expect(conv2dLayout(grouped, x.shape, w.shape).blockImages).toBe(11)
    const conv = ops.conv2d(grouped)
    const y = Lens.evaluate(conv, [x, w])
    const dy = Tensor.randomNormal(y.shape, { seed: 3 })
    const [dx, dw] = Lens.backPropagateConst(conv, dy, [x, w])
    const image = (t: T, i: number): T => Lens.evaluate(ops.slice(0, i, i + 1), t)
    let dwSum = Tensor.zeros(w.shape)
    for (let i = 0; i < 25; i++) {
      close(Lens.evaluate(conv, [image(x, i), w]), image(y, i))
      const [dxi, dwi] = Lens.backPropagateConst(conv, image(dy, i), [image(x, i), w])
      close(dxi, image(dx, i))
      dwSum = Lens.evaluate(ops.add, [dwSum, dwi])
    }
    close(dwSum, dw, 1e-10)
  })
})

// -------------------------------------------------------------------------------------
// kernels
// -------------------------------------------------------------------------------------

describe('the im2col kernels', () => {
  it('col2im is the transpose of im2col: ⟨im2col(x), C⟩ = ⟨x, col2im(C)⟩ for every channel range and image range', () => {
    fc.assert(
      fc.property(convCase(), fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
        const { x, w } = c
        const [n] = x.shape as [number]
        const [kh, kw, cg] = w.shape as [number, number, number]
        const g = conv2dLayout(c.options, x.shape, w.shape).geometry
        const { oh, ow } = g
        const grp = seed % c.options.groups
        const b0 = seed % n
        const rows = (n - b0) * oh * ow
        const cols = new Float64Array(rows * kh * kw * cg).fill(NaN)
        K.im2col(x.data, g, b0, n, grp * cg, cg, cols)
        const C = Tensor.randomNormal([cols.length], { seed })
        const back = new Float64Array(x.size)
        K.col2im(C.data, g, b0, n, grp * cg, cg, back)
        const lhs = cols.reduce((s, v, i) => s + v * (C.data[i] as number), 0)
        const rhs = back.reduce((s, v, i) => s + v * (x.data[i] as number), 0)
        expect(Math.abs(lhs - rhs)).toBeLessThanOrEqual(1e-10 * (1 + Math.abs(lhs)))
      }),
      { numRuns: 200 }
    )
  })
})

// -------------------------------------------------------------------------------------
// gradients
// -------------------------------------------------------------------------------------

describe('ops.conv2d backward', () => {
  it('matches finite differences over random shapes, strides, paddings, dilations and groups (the law kit, 240 cases)', () => {
    // 60 random configurations, each a lens of its own, with 4 random inputs each
    fc.assert(
      fc.property(convCase(), (c) => {
        const same = (x: T, w: T): ConvCase => ({ ...c, x, w })
        const inputs = fc.tuple(tensorOfShape(c.x.shape, values()), tensorOfShape(c.w.shape, values())).map(([x, w]) => same(x, w))
        GradientLaws.checkGradient(
          fd,
          { lens: fc.constant(ops.conv2d(c.options)), input: inputs.map((d): Pair => [d.x, d.w]), spaces: { input: PS, output: TS } },
          { name: `ops.conv2d(${JSON.stringify(c.options)})`, numRuns: 4 }
        )
      }),
      { numRuns: 60 }
    )
  })

  it('the same check fails for a convolution whose filter gradient is 1% off (the test can fail)', () => {
    const good = ops.conv2d({ padding: 'same' })
    const bad = Lens.make<Pair, T>({
      forward: (p) => Lens.evaluate(good, p),
      backward: (p, dy) => {
        const [dx, dw] = Lens.backPropagateConst(good, dy, p)
        return [dx, Lens.evaluate(ops.scale(1.01), dw)]
      }
    })
    const inputs = fc.tuple(tensorOfShape([1, 4, 4, 2], values()), tensorOfShape([3, 3, 2, 2], values())) as fc.Arbitrary<Pair>
    expect(() =>
      GradientLaws.checkGradient(fd, { lens: fc.constant(bad), input: inputs, spaces: { input: PS, output: TS } }, { name: 'bad', numRuns: 4, parameters: { endOnFailure: true } })
    ).toThrow('gradient check failed for bad')
  })

  it('is linear in the cotangent (LAWS 14)', () => {
    const options = { stride: 2, padding: 'same', dilation: [1, 2], groups: 2 } as const
    const inputs = fc.tuple(tensorOfShape([2, 5, 6, 4], values()), tensorOfShape([3, 2, 2, 6], values())) as fc.Arbitrary<Pair>
    GradientLaws.checkCotangentLinearity(reassoc, { lens: fc.constant(ops.conv2d(options)), input: inputs, spaces: { input: PS, output: TS } }, { name: 'ops.conv2d', numRuns: 200 })
  })

  it('gives the input gradient of a transposed convolution and the filter gradient of a correlation (hand-computed case)', () => {
    // one 2×2 image, one 2×2 filter, 'same' padding: y[i,j] = Σ x[i+a, j+b]·w[a,b]
    const x = Tensor.make([1, 2, 2, 1], [1, 2, 3, 4])
    const w = Tensor.make([2, 2, 1, 1], [1, 10, 100, 1000])
    const conv = ops.conv2d({ padding: 'same' })
    expect(Array.from(Lens.evaluate(conv, [x, w]).data)).toEqual([4321, 402, 43, 4])
    const [dx, dw] = Lens.backPropagateConst(conv, Tensor.make([1, 2, 2, 1], [1, 0, 0, 0]), [x, w])
    expect(Array.from(dx.data)).toEqual([1, 10, 100, 1000])
    expect(Array.from(dw.data)).toEqual([1, 2, 3, 4])
  })
})

// -------------------------------------------------------------------------------------
// higher order
// -------------------------------------------------------------------------------------

const small = (seed: number, shape: ReadonlyArray<number>): T => Tensor.randomNormal(shape, { seed })

describe('ops.conv2d to higher order', () => {
  it('Lens.reverse: its backward pass (the second derivative) matches finite differences over random configurations', () => {
    fc.assert(
      fc.property(convCase({ maxGroups: 2 }), fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
        const conv = ops.conv2d(c.options)
        const y = Lens.evaluate(conv, [c.x, c.w])
        const at: readonly [Pair, T] = [[c.x, c.w], small(seed, y.shape)]
        const report = Gradcheck.check(Lens.reverse(conv), at, { seed, name: 'Lens.reverse(ops.conv2d)' })
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 100 }
    )
  })

  it('Lens.reverse twice: the third derivative matches finite differences', () => {
    fc.assert(
      fc.property(convCase({ maxGroups: 2 }), fc.integer({ min: 0, max: 1e6 }), (c, seed) => {
        const conv = ops.conv2d(c.options)
        const y = Lens.evaluate(conv, [c.x, c.w])
        const at = [[[c.x, c.w], small(seed, y.shape)], [small(seed + 1, c.x.shape), small(seed + 2, c.w.shape)]] as const
        const report = Gradcheck.check(Lens.reverse(Lens.reverse(conv)), at, { seed, name: 'Lens.reverse(Lens.reverse(ops.conv2d))' })
        expect(report.status, Gradcheck.format(report)).toBe('pass')
      }),
      { numRuns: 40 }
    )
  })

  // f(x, w) = Σ maxPool(conv(x, w)): bilinear in x and w away from ties of the pooling, so
  // its Hessian is the cross term ∂²f/∂x∂w
  const scalarNet = (options: ops.Conv2dOptions): Lens.Lens<Pair, T> => Lens.pipe(ops.conv2d(options), ops.maxPool2d(2, { padding: 'same' }), total)

  it('Lens.hvp through convolution and pooling equals the finite difference of the gradient', () => {
    const options = { padding: 'same', stride: [1, 2], dilation: [2, 1] } as const
    const x = small(1, [2, 5, 6, 3])
    const w = small(2, [3, 2, 3, 4])
    const u = small(3, x.shape)
    const v = small(4, w.shape)
    const f = scalarNet(options)
    const [hx, hw] = Lens.hvp(f, [x, w], [u, v])
    const grad = (t: number): readonly [T, T] => {
      const at = (a: T, d: T): T => Lens.evaluate(ops.add, [a, Lens.evaluate(ops.scale(t), d)])
      return Lens.backPropagateConst(f, Tensor.scalar(1), [at(x, u), at(w, v)])
    }
    const h = 1e-5
    const [px, pw] = grad(h)
    const [mx, mw] = grad(-h)
    const fd = (p: T, m: T): T => Tensor.make(p.shape, Array.from(p.data, (a, i) => (a - (m.data[i] as number)) / (2 * h)))
    close(hx, fd(px, mx), 1e-6)
    close(hw, fd(pw, mw), 1e-6)
    expect(dot(hx, hx)).toBeGreaterThan(0)
  })

  it('Lens.grad of a function of the gradient (the gradients convolved with each other) matches finite differences', () => {
    const f = scalarNet({ padding: 'valid', stride: 2 })
    // g(x, w) = Σ conv(∂f/∂x, ∂f/∂w): differentiating it runs the second-order engine through f
    const g = Lens.pipe(Lens.grad(f), ops.conv2d(), total)
    const x = small(5, [1, 7, 7, 2])
    const w = small(6, [3, 3, 2, 3])
    const report = Gradcheck.check(g, [x, w] as const, { seed: 3, name: 'Lens.grad(f) then conv2d' })
    expect(report.status, Gradcheck.format(report)).toBe('pass')
  })
})

// -------------------------------------------------------------------------------------
// errors, finiteness, inputs
// -------------------------------------------------------------------------------------

describe('ops.conv2d errors', () => {
  const x = Tensor.zeros([1, 4, 4, 2])
  const w = Tensor.zeros([3, 3, 2, 5])
  const run = (lens: Lens.Lens<Pair, T>, a: T, b: T): string => messageOf(() => Lens.evaluate(lens, [a, b]))

  it('names the op and both shapes', () => {
    expect(run(ops.conv2d(), Tensor.zeros([4, 4, 2]), w)).toBe(
      'ops.conv2d: input shape [4,4,2] and filter shape [3,3,2,5]: the input must have rank 4 ([batch, height, width, channels]), got rank 3'
    )
    expect(run(ops.conv2d(), x, Tensor.zeros([3, 3, 2]))).toBe(
      'ops.conv2d: input shape [1,4,4,2] and filter shape [3,3,2]: the filter must have rank 4 ([height, width, input channels, output channels]), got rank 3'
    )
    expect(run(ops.conv2d(), x, Tensor.zeros([3, 3, 3, 5]))).toBe('ops.conv2d: input shape [1,4,4,2] and filter shape [3,3,3,5]: the filter takes 3 input channels, the input has 2')
    expect(run(ops.conv2d({ groups: 2 }), x, w)).toBe(
      'ops.conv2d: input shape [1,4,4,2] and filter shape [3,3,2,5]: the filter takes 2 input channels per group (4 for 2 groups), the input has 2'
    )
    expect(run(ops.conv2d({ groups: 2 }), x, Tensor.zeros([3, 3, 1, 5]))).toBe(
      'ops.conv2d: input shape [1,4,4,2] and filter shape [3,3,1,5]: 5 output channels do not split into 2 groups'
    )
    expect(run(ops.conv2d(), x, Tensor.zeros([5, 3, 2, 5]))).toBe(
      'ops.conv2d: input shape [1,4,4,2] and filter shape [5,3,2,5]: the 5×3 window does not fit in the 4×4 input with padding [[0, 0], [0, 0]]'
    )
    expect(run(ops.conv2d({ dilation: 2 }), x, w)).toBe(
      'ops.conv2d: input shape [1,4,4,2] and filter shape [3,3,2,5]: the 3×3 window dilated by [2,2] to 5×5 does not fit in the 4×4 input with padding [[0, 0], [0, 0]]'
    )
    expect(run(ops.conv2d(), x, Tensor.zeros([0, 3, 2, 5]))).toBe('ops.conv2d: input shape [1,4,4,2] and filter shape [0,3,2,5]: the filter has an empty axis')
  })

  it('names what is not a pair of tensors', () => {
    expect(messageOf(() => Lens.evaluate(ops.conv2d(), [x] as unknown as Pair))).toBe('ops.conv2d: expected a pair [input, filter] of tensors, got an array of length 1')
    expect(messageOf(() => Lens.evaluate(ops.conv2d(), [x, 3] as unknown as Pair))).toBe('ops.conv2d: expected a Tensor as the filter, got 3')
  })

  it('checks its options when built', () => {
    expect(messageOf(() => ops.conv2d({ stride: 0 }))).toBe('ops.conv2d: stride must be a positive integer or a pair [height, width] of them, got 0')
    expect(messageOf(() => ops.conv2d({ dilation: [1, 1.5] }))).toBe('ops.conv2d: dilation must be a positive integer or a pair [height, width] of them, got [1, 1.5]')
    expect(messageOf(() => ops.conv2d({ padding: 'full' as 'same' }))).toBe(
      "ops.conv2d: padding must be 'valid', 'same', a non-negative integer or [[top, bottom], [left, right]], got 'full'"
    )
    expect(messageOf(() => ops.conv2d({ padding: [[1, -1], [0, 0]] }))).toBe(
      "ops.conv2d: padding must be 'valid', 'same', a non-negative integer or [[top, bottom], [left, right]], got [[1,-1],[0,0]]"
    )
    expect(messageOf(() => ops.conv2d({ groups: 0 }))).toBe('ops.conv2d: groups must be a positive integer, got 0')
    expect(messageOf(() => ops.conv2d({ strides: 2 } as ops.Conv2dOptions))).toBe("ops.conv2d: unknown option 'strides' (known: stride, padding, dilation, groups)")
  })

  it('checks the cotangent against the output shape', () => {
    expect(messageOf(() => Lens.backPropagateConst(ops.conv2d(), Tensor.zeros([1, 2, 3, 5]), [x, w]))).toBe(
      'ops.conv2d: the cotangent has shape [1,2,3,5] but the output has shape [1,2,2,5]'
    )
  })

  it('throws on a non-finite result or cotangent from finite inputs, naming the pass, the index, the shape and the operands', () => {
    const big = Tensor.fill([1, 2, 2, 1], 1e200)
    const ones = Tensor.ones([2, 2, 1, 1])
    expect(messageOf(() => Lens.evaluate(ops.conv2d(), [big, Tensor.fill([2, 2, 1, 1], 1e200)]))).toBe(
      'ops.conv2d: the result is not finite (Infinity) in the forward pass, at index [0, 0, 0, 0] of shape [1,1,1,1], from input values up to 1e+200 and filter values up to 1e+200 in magnitude'
    )
    expect(messageOf(() => Lens.backPropagateConst(ops.conv2d(), Tensor.fill([1, 1, 1, 1], 1e300), [big, Tensor.fill([2, 2, 1, 1], 1e10)]))).toBe(
      'ops.conv2d: the cotangent is not finite (Infinity) in the backward pass, at index [0, 0, 0, 0] of shape [1,2,2,1], from input values up to 1e+200 and filter values up to 10000000000 and output cotangent values up to 1e+300 in magnitude'
    )
    // Tensor.make refuses NaN; an op's result could still carry one into the next op
    const withNaN = unsafeFromData([1, 2, 2, 1], Float64Array.of(1, NaN, 3, 4))
    expect(messageOf(() => Lens.evaluate(ops.conv2d(), [withNaN, ones]))).toBe(
      'ops.conv2d: the result is not finite (NaN) in the forward pass, at index [0, 0, 0, 0] of shape [1,1,1,1], from input NaN at index [0, 0, 1, 0]'
    )
  })

  it('leaves its inputs untouched', () => {
    fc.assert(
      fc.property(convCase(), (c) => {
        const before = [Array.from(c.x.data), Array.from(c.w.data)]
        const conv = ops.conv2d(c.options)
        const [y, pullback] = Lens.vjp(conv, [c.x, c.w])
        const dy = Tensor.ones(y.shape)
        pullback(dy)
        Lens.backPropagateConst(Lens.reverse(conv), [Tensor.onesLike(c.x), Tensor.onesLike(c.w)], [[c.x, c.w], dy])
        expect([Array.from(c.x.data), Array.from(c.w.data)]).toEqual(before)
        expect(Array.from(dy.data).every((v) => v === 1)).toBe(true)
      }),
      { numRuns: 50 }
    )
  })
})
