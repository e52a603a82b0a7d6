/**
 * 2-D convolution, `ops.conv2d`, on channels-last tensors: an input batch `[n, h, w, c]`
 * (NHWC) and a filter `[kh, kw, c / groups, cout]` (HWIO) give `[n, oh, ow, cout]`, with
 * strides, dilations, groups and `'valid'`, `'same'` or explicit padding. It is the
 * cross-correlation of deep-learning libraries (the filter is not flipped), as in
 * TensorFlow, PyTorch and JAX.
 *
 * **Why channels last.** A convolution here is one matrix product: `im2col` writes every
 * receptive field as a row, `[n·oh·ow, kh·kw·c]`, and the product with the filter, seen as
 * the matrix `[kh·kw·c, cout]` it already is in HWIO order, is the output in NHWC order as
 * it is stored. Nothing is transposed on either side, the whole batch goes through one
 * product (not one per image), each receptive field is copied in runs of `c` contiguous
 * channels, and the backward passes are the same product transposed: `dW = colsᵀ·dy` (the TN
 * kernel) and `dcols = dy·Wᵀ`, which `col2im` adds back into the input's shape.
 * NHWC is also TensorFlow.js's and Keras's default, so weights and results compare directly.
 * (`bench/cnn.bench.ts` times this against a direct loop nest.) The work is cut into batches
 * of images so that the column matrix stays within about a megabyte, in cache and small
 * whatever the batch size.
 *
 * **Higher order.** With `T(x, W, y) = ⟨conv(x, W), y⟩`, the convolution is `∂T/∂y`, its
 * input gradient (a transposed convolution) `∂T/∂x` and its filter gradient (a correlation
 * of the input with the cotangent) `∂T/∂W`. Each is bilinear in the other two arguments, and
 * the derivatives of each are the other two, so the three are written as primitives on the
 * triple `[[x, W], y]` whose backward passes, as lenses, are built from the same three:
 * `Lens.reverse`, `Lens.grad(Lens.grad(…))` and `Lens.hvp` run through a convolution to any
 * order, on the same kernels as the first-order pass.
 *
 * Every shape error names the op and both shapes; no lens mutates its input; a non-finite
 * result or cotangent throws a `RangeError` naming the op, the pass, the first bad index, the
 * shape and the operand values that produced it.
 *
 * @module ops/conv
 */
// One piece, past 400 lines: the three products of a convolution are each other's derivatives,
// so they, their primitives on `[[x, W], y]` and the public ops built on them stay together.
import type { ReadonlyFloat64Array } from '../kernels/index.js'
import { fanout, pipe, second, type Lens } from '../Lens.js'
import { fromPlan } from '../internal/cps.js'
import { describe } from '../internal/guards.js'
import { erase, primPlan, type AnyLens } from '../internal/plan.js'
import { linear, shaped, zeroOf } from '../internal/structure.js'
import { LAZY_MIN_WORK, causeOf, checkCotangent, checkSize, checkFiniteResult, expectTensor, lazyFromData, sameShape, showShape, unsafeFromData, type Shape, type Tensor } from '../internal/tensor.js'
import * as K from '../kernels/index.js'
import { checkPadding, checkPair, windowGeometry, type CheckedPadding, type Padding } from './window.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/**
 * Options of {@link conv2d}: `stride` (default 1), `padding` (default `'valid'`), `dilation`
 * (default 1; the gap between the filter's taps), each a number or `[height, width]`, and
 * `groups` (default 1): the input channels and the filters are split into that many groups,
 * each filter seeing only its group's channels (`groups` equal to the channels is a
 * depthwise convolution).
 *
 * @example
 * import type { ops } from 'backprop-lens'
 *
 * const options: ops.Conv2dOptions = { stride: 2, padding: 'same', dilation: [1, 2], groups: 1 }
 * console.log(options.padding) // same
 *
 * @category model
 */
export interface Conv2dOptions {
  readonly stride?: number | readonly [number, number]
  readonly padding?: Padding
  readonly dilation?: number | readonly [number, number]
  readonly groups?: number
}

interface Config {
  readonly stride: readonly [number, number]
  readonly dilation: readonly [number, number]
  readonly padding: CheckedPadding
  readonly groups: number
}

/** Everything one convolution needs, from the input's and the filter's shapes. */
interface Layout {
  readonly g: K.WindowGeometry
  readonly groups: number
  /** Input channels per group. */
  readonly cg: number
  readonly cout: number
  /** Output channels per group. */
  readonly coutg: number
  /** Rows of one group's filter matrix: `kh·kw·cg`. */
  readonly kg: number
  readonly yShape: Shape
  /** Images per block of work (so that a block's column matrix stays near {@link BLOCK}). */
  readonly per: number
}

/** Doubles of a block's column matrix: 128 Ki doubles, 1 MiB. */
const BLOCK = 1 << 17

const OP = 'ops.conv2d'

const layoutOf = (op: string, xShape: Shape, wShape: Shape, cfg: Config): Layout => {
  const shapes = (): string => `input shape ${showShape(xShape)} and filter shape ${showShape(wShape)}`
  if (xShape.length !== 4) throw new RangeError(`${op}: ${shapes()}: the input must have rank 4 ([batch, height, width, channels]), got rank ${xShape.length}`)
  if (wShape.length !== 4) {
    throw new RangeError(`${op}: ${shapes()}: the filter must have rank 4 ([height, width, input channels, output channels]), got rank ${wShape.length}`)
  }
  const [kh, kw, cg, cout] = wShape as readonly [number, number, number, number]
  if (kh === 0 || kw === 0 || cg === 0 || cout === 0) throw new RangeError(`${op}: ${shapes()}: the filter has an empty axis`)
  const { groups } = cfg
  const c = xShape[3] as number
  if (c !== cg * groups) {
    const per = groups === 1 ? '' : ` per group (${cg * groups} for ${groups} groups)`
    throw new RangeError(`${op}: ${shapes()}: the filter takes ${cg} input channels${per}, the input has ${c}`)
  }
  if (cout % groups !== 0) throw new RangeError(`${op}: ${shapes()}: ${cout} output channels do not split into ${groups} groups`)
  const g = windowGeometry(op, xShape, kh, kw, cfg.stride, cfg.dilation, cfg.padding, shapes)
  const kg = kh * kw * cg
  return {
    g,
    groups,
    cg,
    cout,
    coutg: cout / groups,
    kg,
    yShape: [g.n, g.oh, g.ow, cout],
    per: Math.max(1, Math.floor(BLOCK / (g.oh * g.ow * kg)))
  }
}

// -------------------------------------------------------------------------------------
// the three products
// -------------------------------------------------------------------------------------

/** `conv(x, W)`: im2col by blocks of images, each block one product with the filter. */
const convolve = (L: Layout, x: ReadonlyFloat64Array, w: ReadonlyFloat64Array): Float64Array => {
  const { g, groups, cg, cout, coutg, kg, per } = L
  const rows = g.oh * g.ow
  const y = K.zeros(g.n * rows * cout)
  const cols = K.zeros(Math.min(per, g.n) * rows * kg)
  // per-group copies (groups > 1 only): writable buffers, read through `wg` / `dyg`
  const wgBuf = K.zeros(groups === 1 ? 0 : kg * coutg)
  const wg = groups === 1 ? w : wgBuf
  const yg = groups === 1 ? y : K.zeros(Math.min(per, g.n) * rows * coutg)
  for (let grp = 0; grp < groups; grp++) {
    if (groups > 1) K.copyBlock(w as Float64Array, grp * coutg, kg, cout, coutg, wgBuf) // reads w (back = false)
    for (let b0 = 0; b0 < g.n; b0 += per) {
      const b1 = Math.min(g.n, b0 + per)
      const m = (b1 - b0) * rows
      K.im2col(x, g, b0, b1, grp * cg, cg, cols)
      if (groups === 1) K.matmulNN(cols, 0, w, 0, y, b0 * rows * cout, m, kg, cout)
      else {
        yg.fill(0, 0, m * coutg)
        K.matmulNN(cols, 0, wg, 0, yg, 0, m, kg, coutg)
        K.copyBlock(y, b0 * rows * cout + grp * coutg, m, cout, coutg, yg, true)
      }
    }
  }
  return y
}

/**
 * `∂T/∂x = dy ⋆ W` (a transposed convolution): `dcols = dy·Wᵀ` by blocks, added back by
 * col2im. `Wᵀ` is built once (it is small), so that the product runs as NN, whose inner
 * loop runs along the `kh·kw·cg` columns (measured faster than NT's dot products of length
 * `cout` at both of the demo's layers).
 */
const inputGradient = (L: Layout, dy: ReadonlyFloat64Array, w: ReadonlyFloat64Array): Float64Array => {
  const { g, groups, cg, cout, coutg, kg, per } = L
  const rows = g.oh * g.ow
  const dx = K.zeros(g.n * g.h * g.w * g.c)
  const dcols = K.zeros(Math.min(per, g.n) * rows * kg)
  const wT = K.zeros(coutg * kg)
  const dygBuf = K.zeros(groups === 1 ? 0 : Math.min(per, g.n) * rows * coutg)
  const dyg = groups === 1 ? dy : dygBuf
  for (let grp = 0; grp < groups; grp++) {
    for (let r = 0; r < kg; r++) for (let j = 0; j < coutg; j++) wT[j * kg + r] = w[r * cout + grp * coutg + j] as number
    for (let b0 = 0; b0 < g.n; b0 += per) {
      const b1 = Math.min(g.n, b0 + per)
      const m = (b1 - b0) * rows
      dcols.fill(0, 0, m * kg)
      if (groups === 1) K.matmulNN(dy, b0 * rows * cout, wT, 0, dcols, 0, m, cout, kg)
      else {
        K.copyBlock(dy as Float64Array, b0 * rows * cout + grp * coutg, m, cout, coutg, dygBuf) // reads dy
        K.matmulNN(dyg, 0, wT, 0, dcols, 0, m, coutg, kg)
      }
      K.col2im(dcols, g, b0, b1, grp * cg, cg, dx)
    }
  }
  return dx
}

/** `∂T/∂W = x ⋆ dy` (a correlation of the input with the cotangent): `colsᵀ·dy`, summed over blocks. */
const filterGradient = (L: Layout, x: ReadonlyFloat64Array, dy: ReadonlyFloat64Array): Float64Array => {
  const { g, groups, cg, cout, coutg, kg, per } = L
  const rows = g.oh * g.ow
  const dw = K.zeros(kg * cout)
  const cols = K.zeros(Math.min(per, g.n) * rows * kg)
  const dwg = groups === 1 ? dw : K.zeros(kg * coutg)
  const dygBuf = K.zeros(groups === 1 ? 0 : Math.min(per, g.n) * rows * coutg)
  const dyg = groups === 1 ? dy : dygBuf
  for (let grp = 0; grp < groups; grp++) {
    if (groups > 1) dwg.fill(0)
    for (let b0 = 0; b0 < g.n; b0 += per) {
      const b1 = Math.min(g.n, b0 + per)
      const m = (b1 - b0) * rows
      K.im2col(x, g, b0, b1, grp * cg, cg, cols)
      if (groups === 1) K.matmulTN(cols, 0, dy, b0 * rows * cout, dw, 0, kg, m, cout)
      else {
        K.copyBlock(dy as Float64Array, b0 * rows * cout + grp * coutg, m, cout, coutg, dygBuf) // reads dy
        K.matmulTN(cols, 0, dyg, 0, dwg, 0, kg, m, coutg)
      }
    }
    if (groups > 1) K.copyBlock(dw, grp * coutg, kg, cout, coutg, dwg, true)
  }
  return dw
}

// -------------------------------------------------------------------------------------
// the three roles, as primitives on [[x, W], y]
// -------------------------------------------------------------------------------------

type Pair = readonly [Tensor, Tensor]
/** `[[x, W], y]`: an input, a filter and an output-shaped tensor (a cotangent). */
type Triple = readonly [Pair, Tensor]
/** 0: the input `x`; 1: the filter `W`; 2: the output `y`. */
type Role = 0 | 1 | 2

const ROLE_NAMES = ['input', 'filter', 'output cotangent'] as const
const PARTIAL_NAMES = [`${OP}′ (input gradient)`, `${OP}′ (filter gradient)`, `${OP}′ (convolution)`] as const

const get = (t: Triple, r: Role): Tensor => (r === 2 ? t[1] : t[0][r])
const put = (t: Triple, r: Role, v: Tensor): Triple => (r === 0 ? [[v, t[0][1]], t[1]] : r === 1 ? [[t[0][0], v], t[1]] : [t[0], v])
/** The two roles other than `r`, in order. */
const others = (r: Role): readonly [Role, Role] => (r === 0 ? [1, 2] : r === 1 ? [0, 2] : [0, 1])

/** `∂T/∂(role r)` at the triple's other two tensors, checked finite and named `op`. */
const partialAt = (op: string, pass: 'forward' | 'backward', cfg: Config, t: Triple, r: Role): Tensor => {
  const [[x, w], y] = t
  const L = layoutOf(op, x.shape, w.shape, cfg)
  if (!sameShape(y.shape, L.yShape)) {
    throw new RangeError(`${op}: the output cotangent has shape ${showShape(y.shape)} but the convolution's output has shape ${showShape(L.yShape)}`)
  }
  const [s1, s2] = others(r)
  const data = r === 0 ? inputGradient(L, y.data, w.data) : r === 1 ? filterGradient(L, x.data, y.data) : convolve(L, x.data, w.data)
  const shape = r === 2 ? L.yShape : get(t, r).shape
  checkFiniteResult(op, pass, data, shape, () =>
    causeOf([
      [ROLE_NAMES[s1], get(t, s1)],
      [ROLE_NAMES[s2], get(t, s2)]
    ])
  )
  return unsafeFromData(shape, data)
}

const expectTriple = (op: string, u: unknown): Triple => {
  const fail = (): TypeError => new TypeError(`${op}: expected [[input, filter], output cotangent] of tensors, got ${describe(u)}`)
  if (!Array.isArray(u) || u.length !== 2 || !Array.isArray(u[0]) || u[0].length !== 2) throw fail()
  expectTensor(op, u[0][0], 'the input')
  expectTensor(op, u[0][1], 'the filter')
  expectTensor(op, u[1], 'the output cotangent')
  return u as unknown as Triple
}

/**
 * The three primitives of one configuration, made when first needed: role `r`'s is
 * `[[x, W], y] ↦ ∂T/∂r` (reading its own slot for the shape only); its backward pass puts
 * the cotangent `g` in slot `r` and takes the other two partials there, and its backward pass
 * as a lens is that same recipe written with the other two primitives.
 */
const partials = (cfg: Config): ((r: Role) => AnyLens) => {
  const made: Array<AnyLens | undefined> = [undefined, undefined, undefined]
  const partial = (r: Role): AnyLens => (made[r] ??= build(r))
  const build = (r: Role): AnyLens => {
    const name = PARTIAL_NAMES[r]
    const [s1, s2] = others(r)
    return fromPlan(
      primPlan(
        (u) => partialAt(name, 'forward', cfg, expectTriple(name, u), r),
        (u, gr) => {
          const t = u as Triple
          const g = checkCotangent(name, gr, get(t, r).shape)
          const moved = put(t, r, g)
          const zero = zeroOf(get(t, r)) as Tensor
          const a = partialAt(name, 'backward', cfg, moved, s1)
          const b = partialAt(name, 'backward', cfg, moved, s2)
          return assemble(r, zero, a, b)
        },
        name,
        null,
        () => erase(pipe(arrange(r), second<Tensor, Triple, Pair>(fanout(asPartial(partial(s1)), asPartial(partial(s2)))), restore(r)))
      )
    )
  }
  return partial
}

/** A partial's type, which the machinery erases. */
const asPartial = (l: AnyLens): Lens<Triple, Tensor> => l as unknown as Lens<Triple, Tensor>

/** `[s1, s2]` (the roles other than `r`) and the zero of role `r`, as a triple. */
const assemble = (r: Role, zero: Tensor, a: Tensor, b: Tensor): Triple => (r === 0 ? [[zero, a], b] : r === 1 ? [[a, zero], b] : [[a, b], zero])

/** `[t, g] ↦ [t_r, t with g in slot r]` (linear: a copy and a move). */
const arrange = (r: Role): Lens<readonly [Triple, Tensor], readonly [Tensor, Triple]> =>
  linear<readonly [Triple, Tensor], readonly [Tensor, Triple]>(
    `${PARTIAL_NAMES[r]}′ (arrange)`,
    ([t, g]) => [get(t, r), put(t, r, g)],
    (_in, [dKept, dt]) => [put(dt, r, dKept), get(dt, r)]
  )

/** `[kept, [a, b]] ↦` the triple with `a`, `b` in the other roles and a zero shaped like `kept` in role `r`. */
const restore = (r: Role): Lens<readonly [Tensor, Pair], Triple> => {
  const [s1, s2] = others(r)
  return shaped<Tensor, Pair, Triple>(
    `${PARTIAL_NAMES[r]}′ (restore)`,
    (kept, [a, b]) => assemble(r, zeroOf(kept) as Tensor, a, b),
    (_kept, _u, w) => [get(w, s1), get(w, s2)]
  )
}

// -------------------------------------------------------------------------------------
// conv2d
// -------------------------------------------------------------------------------------

const checkOptions = (op: string, options: unknown): Config => {
  if (options === null || typeof options !== 'object' || Array.isArray(options)) {
    throw new TypeError(`${op}: expected options { stride, padding, dilation, groups }, got ${describe(options)}`)
  }
  const o = options as Conv2dOptions
  const unknown = Object.keys(o).filter((k) => !['stride', 'padding', 'dilation', 'groups'].includes(k))
  if (unknown.length > 0) throw new TypeError(`${op}: unknown option ${unknown.map((k) => `'${k}'`).join(', ')} (known: stride, padding, dilation, groups)`)
  const groups = o.groups ?? 1
  if (typeof groups !== 'number' || !Number.isInteger(groups) || groups < 1) throw new RangeError(`${op}: groups must be a positive integer, got ${describe(groups)}`)
  return {
    stride: checkPair(op, 'stride', o.stride ?? 1),
    dilation: checkPair(op, 'dilation', o.dilation ?? 1),
    padding: checkPadding(op, o.padding ?? 'valid'),
    groups
  }
}

const expectOperands = (u: unknown): Pair => {
  if (!Array.isArray(u) || u.length !== 2) {
    throw new TypeError(`${OP}: expected a pair [input, filter] of tensors, got ${Array.isArray(u) ? `an array of length ${u.length}` : describe(u)}`)
  }
  expectTensor(OP, u[0], 'the input')
  expectTensor(OP, u[1], 'the filter')
  return u as unknown as Pair
}

/**
 * 2-D convolution of a pair `[input, filter]`: the input `[batch, height, width, channels]`
 * (channels last), the filter `[kh, kw, channels / groups, filters]`, the output
 * `[batch, oh, ow, filters]` — the cross-correlation of TensorFlow's `tf.conv2d` (NHWC) and
 * PyTorch's `conv2d` (which is NCHW). See {@link Conv2dOptions} for strides, padding,
 * dilation and groups, and the module notes for how it runs and why channels come last.
 *
 * The backward pass gives the input's cotangent (a transposed convolution of the output
 * cotangent with the filter) and the filter's (a correlation of the input with the output
 * cotangent); both are lenses again, so the convolution can be differentiated to any order.
 * For large convolutions the input's cotangent is computed when its `data` is first read, so
 * training, which never reads its input batch's, does not pay for it. Shapes that do not fit throw a `RangeError` naming both.
 *
 * @example
 * import { Lens, Tensor, ops } from 'backprop-lens'
 *
 * // a 3×3 image, one channel, and a 2×2 filter that sums its window
 * const x = Tensor.make([1, 3, 3, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9])
 * const w = Tensor.ones([2, 2, 1, 1])
 * const y = Lens.evaluate(ops.conv2d(), [x, w])
 * console.log(y.shape, y.data) // [ 1, 2, 2, 1 ] Float64Array(4) [ 12, 16, 24, 28 ]
 * const [dx, dw] = Lens.backPropagateConst(ops.conv2d(), Tensor.ones(y.shape), [x, w])
 * console.log(dx.data, dw.data) // Float64Array(9) [ 1, 2, 1, 2, 4, 2, 1, 2, 1 ] Float64Array(4) [ 12, 16, 24, 28 ]
 * console.log(Lens.evaluate(ops.conv2d({ padding: 'same', stride: 2 }), [x, w]).shape) // [ 1, 2, 2, 1 ]
 * try { Lens.evaluate(ops.conv2d(), [x, Tensor.ones([2, 2, 3, 1])]) } catch (e) { console.log((e as Error).message) } // ops.conv2d: input shape [1,3,3,1] and filter shape [2,2,3,1]: the filter takes 3 input channels, the input has 1
 *
 * @category convolution
 */
export const conv2d = (options: Conv2dOptions = {}): Lens<readonly [Tensor, Tensor], Tensor> => {
  const cfg = checkOptions(OP, options)
  const partial = partials(cfg)
  return fromPlan(
    primPlan(
      (u) => {
        const [x, w] = expectOperands(u)
        const L = layoutOf(OP, x.shape, w.shape, cfg)
        checkSize(OP, L.yShape)
        const y = convolve(L, x.data, w.data)
        checkFiniteResult(OP, 'forward', y, L.yShape, () =>
          causeOf([
            ['input', x],
            ['filter', w]
          ])
        )
        return unsafeFromData(L.yShape, y)
      },
      (u, d) => {
        const [x, w] = u as Pair
        const L = layoutOf(OP, x.shape, w.shape, cfg)
        const dy = checkCotangent(OP, d, L.yShape)
        const cause = (): string =>
          causeOf([
            ['input', x],
            ['filter', w],
            ['output cotangent', dy]
          ])
        const input = (): Float64Array => {
          const dx = inputGradient(L, dy.data, w.data)
          checkFiniteResult(OP, 'backward', dx, x.shape, cause)
          return dx
        }
        // The input's cotangent of a large convolution is computed when read: training never
        // reads its input batch's (a network's first layer), so it never computes it.
        const dx = dy.size * (w.size / (w.shape[3] as number)) < LAZY_MIN_WORK ? unsafeFromData(x.shape, input()) : lazyFromData(x.shape, input)
        const dw = filterGradient(L, x.data, dy.data)
        checkFiniteResult(OP, 'backward', dw, w.shape, cause)
        return [dx, unsafeFromData(w.shape, dw)]
      },
      OP,
      null,
      // [[x, W], dy] ↦ [∂T/∂x, ∂T/∂W] at y = dy
      () => erase(fanout(partial(0), partial(1)))
    )
  )
}

/**
 * @internal For tests and `Layer`: the window geometry and output shape that
 * `ops.conv2d(options)` computes for these shapes, and the images per block of work; shapes
 * that do not fit throw, naming `op`.
 */
export const conv2dLayout = (
  options: Conv2dOptions,
  xShape: Shape,
  wShape: Shape,
  op = OP
): { readonly geometry: K.WindowGeometry; readonly outputShape: Shape; readonly blockImages: number } => {
  const L = layoutOf(op, xShape, wShape, checkOptions(op, options))
  return { geometry: L.g, outputShape: L.yShape, blockImages: L.per }
}
