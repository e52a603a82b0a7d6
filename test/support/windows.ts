/**
 * Cases for the window ops (convolution and pooling): fast-check arbitraries over shapes,
 * strides, paddings, dilations and groups that always fit, and reference implementations
 * written from the definitions, one output element at a time (no im2col, no blocking).
 */
import fc from 'fast-check'
import { Tensor, type ops } from '../../src/index.js'
import { tensorOfShape } from '../../laws/index.js'

type T = Tensor.Tensor

export const values = (lo = -2, hi = 2): fc.Arbitrary<number> => fc.double({ min: lo, max: hi, noNaN: true, noDefaultInfinity: true })

// -------------------------------------------------------------------------------------
// padding, from the definitions
// -------------------------------------------------------------------------------------

/** `[top, bottom, left, right]` and the output size, as TensorFlow defines them. */
export const resolve = (
  padding: ops.Padding,
  h: number,
  w: number,
  span: readonly [number, number],
  stride: readonly [number, number]
): { readonly pads: readonly [number, number, number, number]; readonly oh: number; readonly ow: number } => {
  if (padding === 'same') {
    const oh = Math.ceil(h / stride[0])
    const ow = Math.ceil(w / stride[1])
    const th = Math.max(0, (oh - 1) * stride[0] + span[0] - h)
    const tw = Math.max(0, (ow - 1) * stride[1] + span[1] - w)
    return { pads: [Math.floor(th / 2), th - Math.floor(th / 2), Math.floor(tw / 2), tw - Math.floor(tw / 2)], oh, ow }
  }
  const pads: readonly [number, number, number, number] =
    padding === 'valid' ? [0, 0, 0, 0] : typeof padding === 'number' ? [padding, padding, padding, padding] : [padding[0][0], padding[0][1], padding[1][0], padding[1][1]]
  return {
    pads,
    oh: Math.floor((h + pads[0] + pads[1] - span[0]) / stride[0]) + 1,
    ow: Math.floor((w + pads[2] + pads[3] - span[1]) / stride[1]) + 1
  }
}

const paddingArb = (max: number): fc.Arbitrary<ops.Padding> =>
  fc.oneof(
    fc.constant<ops.Padding>('valid'),
    fc.constant<ops.Padding>('same'),
    fc.integer({ min: 0, max }),
    fc.tuple(fc.tuple(fc.nat(max), fc.nat(max)), fc.tuple(fc.nat(max), fc.nat(max)))
  )

const padTotals = (p: ops.Padding): readonly [number, number] =>
  p === 'same' || p === 'valid' ? [0, 0] : typeof p === 'number' ? [2 * p, 2 * p] : [p[0][0] + p[0][1], p[1][0] + p[1][1]]

// -------------------------------------------------------------------------------------
// convolution
// -------------------------------------------------------------------------------------

/** A convolution's options with an input and a filter that fit them. */
export interface ConvCase {
  readonly options: {
    readonly stride: readonly [number, number]
    readonly dilation: readonly [number, number]
    readonly padding: ops.Padding
    readonly groups: number
  }
  readonly x: T
  readonly w: T
}

/** Random convolutions: strides 1–3, dilations 1–`maxDilation`, paddings of each kind, 1–3 groups, small sizes. */
export const convCase = (options: { readonly maxDilation?: number; readonly maxGroups?: number; readonly values?: fc.Arbitrary<number> } = {}): fc.Arbitrary<ConvCase> =>
  fc
    .record({
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      dilation: fc.tuple(fc.integer({ min: 1, max: options.maxDilation ?? 2 }), fc.integer({ min: 1, max: options.maxDilation ?? 2 })),
      padding: paddingArb(2),
      groups: fc.integer({ min: 1, max: options.maxGroups ?? 3 }),
      n: fc.integer({ min: 1, max: 2 }),
      cg: fc.integer({ min: 1, max: 3 }),
      coutg: fc.integer({ min: 1, max: 3 }),
      kh: fc.integer({ min: 1, max: 3 }),
      kw: fc.integer({ min: 1, max: 3 }),
      extraH: fc.nat(4),
      extraW: fc.nat(4)
    })
    .chain((p) => {
      const [ph, pw] = padTotals(p.padding)
      const spanH = p.dilation[0] * (p.kh - 1) + 1
      const spanW = p.dilation[1] * (p.kw - 1) + 1
      const h = (p.padding === 'same' ? 1 : Math.max(1, spanH - ph)) + p.extraH
      const w = (p.padding === 'same' ? 1 : Math.max(1, spanW - pw)) + p.extraW
      const xShape = [p.n, h, w, p.cg * p.groups]
      const wShape = [p.kh, p.kw, p.cg, p.coutg * p.groups]
      const v = options.values ?? values()
      return fc.tuple(tensorOfShape(xShape, v), tensorOfShape(wShape, v)).map(([x, w]) => ({
        options: { stride: p.stride, dilation: p.dilation, padding: p.padding, groups: p.groups },
        x,
        w
      }))
    })

/** The convolution by its definition: each output a sum over its receptive field. */
export const referenceConv = (c: ConvCase): T => {
  const { x, w } = c
  const { stride, dilation, padding, groups } = c.options
  const [n, h, wd, cin] = x.shape as [number, number, number, number]
  const [kh, kw, cg, cout] = w.shape as [number, number, number, number]
  const span = [dilation[0] * (kh - 1) + 1, dilation[1] * (kw - 1) + 1] as const
  const { pads, oh, ow } = resolve(padding, h, wd, span, stride)
  const coutg = cout / groups
  const out = new Float64Array(n * oh * ow * cout)
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let co = 0; co < cout; co++) {
          const grp = Math.floor(co / coutg)
          let s = 0
          for (let ky = 0; ky < kh; ky++)
            for (let kx = 0; kx < kw; kx++)
              for (let ci = 0; ci < cg; ci++) {
                const iy = oy * stride[0] - pads[0] + ky * dilation[0]
                const ix = ox * stride[1] - pads[2] + kx * dilation[1]
                if (iy < 0 || iy >= h || ix < 0 || ix >= wd) continue
                s += (x.data[((b * h + iy) * wd + ix) * cin + grp * cg + ci] as number) * (w.data[((ky * kw + kx) * cg + ci) * cout + co] as number)
              }
          out[((b * oh + oy) * ow + ox) * cout + co] = s
        }
  return Tensor.make([n, oh, ow, cout], out)
}

// -------------------------------------------------------------------------------------
// pooling
// -------------------------------------------------------------------------------------

/** A pooling window, its options and an input that fits. */
export interface PoolCase {
  readonly size: readonly [number, number]
  readonly options: { readonly stride: readonly [number, number]; readonly padding: ops.Padding }
  readonly x: T
}

/** Random poolings: windows 1–3, strides 1–3, paddings of each kind (explicit ones smaller than the window). */
export const poolCase = (v: fc.Arbitrary<number> = values(-5, 5)): fc.Arbitrary<PoolCase> =>
  fc
    .record({
      size: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      stride: fc.tuple(fc.integer({ min: 1, max: 3 }), fc.integer({ min: 1, max: 3 })),
      kind: fc.integer({ min: 0, max: 2 }),
      pads: fc.tuple(fc.nat(2), fc.nat(2), fc.nat(2), fc.nat(2)),
      n: fc.integer({ min: 1, max: 2 }),
      c: fc.integer({ min: 1, max: 3 }),
      extraH: fc.nat(4),
      extraW: fc.nat(4)
    })
    .chain((p) => {
      const [kh, kw] = p.size
      const pads = [Math.min(p.pads[0], kh - 1), Math.min(p.pads[1], kh - 1), Math.min(p.pads[2], kw - 1), Math.min(p.pads[3], kw - 1)] as const
      const padding: ops.Padding =
        p.kind === 0
          ? 'valid'
          : p.kind === 1
            ? 'same'
            : [
                [pads[0], pads[1]],
                [pads[2], pads[3]]
              ]
      const [ph, pw] = padTotals(padding)
      const h = (padding === 'same' ? 1 : Math.max(1, kh - ph)) + p.extraH
      const w = (padding === 'same' ? 1 : Math.max(1, kw - pw)) + p.extraW
      return tensorOfShape([p.n, h, w, p.c], v).map((x) => ({ size: p.size, options: { stride: p.stride, padding }, x }))
    })

/** Pooling by its definition: the max or the mean of the input positions in each window. */
export const referencePool = (c: PoolCase, kind: 'max' | 'avg'): T => {
  const { x, size, options } = c
  const [n, h, w, ch] = x.shape as [number, number, number, number]
  const { pads, oh, ow } = resolve(options.padding, h, w, size, options.stride)
  const out = new Float64Array(n * oh * ow * ch)
  for (let b = 0; b < n; b++)
    for (let oy = 0; oy < oh; oy++)
      for (let ox = 0; ox < ow; ox++)
        for (let k = 0; k < ch; k++) {
          const seen: Array<number> = []
          for (let ky = 0; ky < size[0]; ky++)
            for (let kx = 0; kx < size[1]; kx++) {
              const iy = oy * options.stride[0] - pads[0] + ky
              const ix = ox * options.stride[1] - pads[2] + kx
              if (iy >= 0 && iy < h && ix >= 0 && ix < w) seen.push(x.data[((b * h + iy) * w + ix) * ch + k] as number)
            }
          out[((b * oh + oy) * ow + ox) * ch + k] = kind === 'max' ? Math.max(...seen) : seen.reduce((s, v) => s + v, 0) / seen.length
        }
  return Tensor.make([n, oh, ow, ch], out)
}

/**
 * Tensors of `shape` whose values are all different, at least 0.01 apart (in [-5, 5]): max
 * pooling is differentiable there, far beyond a finite difference's step.
 */
export const distinctTensor = (shape: ReadonlyArray<number>): fc.Arbitrary<T> => {
  const n = Tensor.shapeSize(shape)
  return fc.uniqueArray(fc.integer({ min: -500, max: 500 }), { minLength: n, maxLength: n }).map((xs) => Tensor.make(shape, xs.map((v) => v / 100)))
}
