/**
 * The loops of convolution and pooling over channels-last (NHWC) `Float64Array`s: `im2col`
 * (every receptive field of the input as one row of a matrix, so that a convolution is one
 * matrix product with the filter) and its transpose `col2im`, and max and average pooling
 * with their transposes. The products themselves run on the matrix kernels (`matmul.ts`),
 * called by the op through the seam. They know nothing of tensors or lenses, allocate
 * nothing, and never write into their inputs.
 *
 * Layout: the input is `[n, h, w, c]`; a receptive field's row of the column matrix is laid
 * out `(ky, kx, ci)`, the order of a `[kh, kw, cin, cout]` filter's rows, so that
 * `cols[n·oh·ow, kh·kw·cin] · W[kh·kw·cin, cout]` is the output `[n, oh, ow, cout]` as it is
 * stored, with no transpose on either side.
 *
 * @internal
 * @module kernels/conv
 */
import type { ReadonlyFloat64Array } from './data.js'

/**
 * The geometry of a 2-D window over an NHWC input: batch `n`, height `h`, width `w`,
 * channels `c`; window `kh × kw`, strides `sh`, `sw`, dilations `dh`, `dw`; top and left
 * padding `pt`, `pl` (the bottom and right padding follow from the output size `oh × ow`).
 *
 * @internal
 */
export interface WindowGeometry {
  readonly n: number
  readonly h: number
  readonly w: number
  readonly c: number
  readonly kh: number
  readonly kw: number
  readonly sh: number
  readonly sw: number
  readonly dh: number
  readonly dw: number
  readonly pt: number
  readonly pl: number
  readonly oh: number
  readonly ow: number
}

// -------------------------------------------------------------------------------------
// im2col and its transpose
// -------------------------------------------------------------------------------------

/**
 * Writes every receptive field of channels `[c0, c0 + cg)` of images `[b0, b1)` of `x` as
 * one row of `cols` (`[(b1 − b0)·oh·ow, kh·kw·cg]`, row `((b − b0)·oh + oy)·ow + ox`), zeros
 * where the window covers padding. Every entry is written, so a buffer can be reused.
 *
 * @internal
 */
export const im2col = (x: ReadonlyFloat64Array, g: WindowGeometry, b0: number, b1: number, c0: number, cg: number, cols: Float64Array): void => {
  const { h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = g
  let o = 0
  for (let b = b0; b < b1; b++) {
    const image = b * h
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh
          if (iy < 0 || iy >= h) {
            for (let j = kw * cg; j > 0; j--) cols[o++] = 0
            continue
          }
          const line = (image + iy) * w
          if (dw === 1 && cg === c && ix0 >= 0 && ix0 + kw <= w) {
            // the common case: the window's row is one contiguous run of kw·c values
            let s = (line + ix0) * c
            for (let j = kw * c; j > 0; j--) cols[o++] = x[s++] as number
            continue
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw
            if (ix < 0 || ix >= w) {
              for (let j = cg; j > 0; j--) cols[o++] = 0
              continue
            }
            let s = (line + ix) * c + c0
            for (let j = cg; j > 0; j--) cols[o++] = x[s++] as number
          }
        }
      }
    }
  }
}

/**
 * The transpose of {@link im2col}: adds every row of `cols` back into the positions of its
 * receptive field in channels `[c0, c0 + cg)` of images `[b0, b1)` of `dx`
 * (`dx += col2im(cols)`); entries that fall on padding are dropped.
 *
 * @internal
 */
export const col2im = (cols: ReadonlyFloat64Array, g: WindowGeometry, b0: number, b1: number, c0: number, cg: number, dx: Float64Array): void => {
  const { h, w, c, kh, kw, sh, sw, dh, dw, pt, pl, oh, ow } = g
  let o = 0
  for (let b = b0; b < b1; b++) {
    const image = b * h
    for (let oy = 0; oy < oh; oy++) {
      const iy0 = oy * sh - pt
      for (let ox = 0; ox < ow; ox++) {
        const ix0 = ox * sw - pl
        for (let ky = 0; ky < kh; ky++) {
          const iy = iy0 + ky * dh
          if (iy < 0 || iy >= h) {
            o += kw * cg
            continue
          }
          const line = (image + iy) * w
          if (dw === 1 && cg === c && ix0 >= 0 && ix0 + kw <= w) {
            let s = (line + ix0) * c
            for (let j = kw * c; j > 0; j--) {
              dx[s] = (dx[s] as number) + (cols[o++] as number)
              s++
            }
            continue
          }
          for (let kx = 0; kx < kw; kx++) {
            const ix = ix0 + kx * dw
            if (ix < 0 || ix >= w) {
              o += cg
              continue
            }
            let s = (line + ix) * c + c0
            for (let j = cg; j > 0; j--) {
              dx[s] = (dx[s] as number) + (cols[o++] as number)
              s++
            }
          }
        }
      }
    }
  }
}

/**
 * Copies a `rows × width` block of the row-major matrix `src` (row stride `stride`, first
 * element at `offset`) into the dense matrix `out`, or, with `back`, from `out` into `src`.
 * Grouped convolutions use it to cut one group's filters and outputs out of the channel
 * axis.
 *
 * @internal
 */
export const copyBlock = (
  src: Float64Array,
  offset: number,
  rows: number,
  stride: number,
  width: number,
  out: Float64Array,
  back = false
): void => {
  for (let r = 0; r < rows; r++) {
    const s = offset + r * stride
    const d = r * width
    if (back) for (let j = 0; j < width; j++) src[s + j] = out[d + j] as number
    else for (let j = 0; j < width; j++) out[d + j] = src[s + j] as number
  }
}

// -------------------------------------------------------------------------------------
// pooling
// -------------------------------------------------------------------------------------

/**
 * Max pooling (no dilation): `y[b, oy, ox, ch]` is the largest `x` in its window, padding
 * ignored, and `argmax` (if given) the flat index in `x` where it was found (the first, in
 * scan order, on ties). A `NaN` in a window wins (so the caller's finiteness check sees it);
 * a window entirely on padding gives `-Infinity` and index `-1`.
 *
 * @internal
 */
export const maxPool = (x: ReadonlyFloat64Array, g: WindowGeometry, y: Float64Array, argmax: Int32Array | null): void => {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = g
  let o = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt
      const ya = y0 < 0 ? 0 : y0
      const yb = y0 + kh > h ? h : y0 + kh
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl
        const xa = x0 < 0 ? 0 : x0
        const xb = x0 + kw > w ? w : x0 + kw
        for (let ch = 0; ch < c; ch++) {
          let best = -Infinity
          let at = -1
          for (let iy = ya; iy < yb; iy++) {
            let s = ((b * h + iy) * w + xa) * c + ch
            for (let ix = xa; ix < xb; ix++) {
              const v = x[s] as number
              // `v !== v`: a NaN is kept once found, so that it reaches the result
              if (v > best || (v !== v && best === best) || at < 0) {
                best = v
                at = s
              }
              s += c
            }
          }
          y[o] = best
          if (argmax !== null) argmax[o] = at
          o++
        }
      }
    }
  }
}

/**
 * `dx[argmax[i]] += dy[i]` for every output `i` with a window (the transpose of choosing the
 * maxima).
 *
 * @internal
 */
export const scatterAt = (dy: ReadonlyFloat64Array, argmax: Int32Array, dx: Float64Array): void => {
  for (let i = 0; i < dy.length; i++) {
    const at = argmax[i] as number
    if (at >= 0) dx[at] = (dx[at] as number) + (dy[i] as number)
  }
}

/**
 * `out[i] = v[argmax[i]]` (0 where the window held no input): the values of `v` at the
 * positions the maxima were taken from.
 *
 * @internal
 */
export const gatherAt = (v: ReadonlyFloat64Array, argmax: Int32Array, out: Float64Array): void => {
  for (let i = 0; i < out.length; i++) {
    const at = argmax[i] as number
    out[i] = at >= 0 ? (v[at] as number) : 0
  }
}

/**
 * Average pooling (no dilation): the mean of each window over the input positions it
 * covers (padding is not counted, as TensorFlow does); `transpose` instead adds each `x`
 * (an output-shaped cotangent) divided by its window's count into `y` (input-shaped).
 *
 * @internal
 */
export const avgPool = (x: ReadonlyFloat64Array, g: WindowGeometry, y: Float64Array, transpose = false): void => {
  const { n, h, w, c, kh, kw, sh, sw, pt, pl, oh, ow } = g
  let o = 0
  for (let b = 0; b < n; b++) {
    for (let oy = 0; oy < oh; oy++) {
      const y0 = oy * sh - pt
      const ya = y0 < 0 ? 0 : y0
      const yb = y0 + kh > h ? h : y0 + kh
      for (let ox = 0; ox < ow; ox++) {
        const x0 = ox * sw - pl
        const xa = x0 < 0 ? 0 : x0
        const xb = x0 + kw > w ? w : x0 + kw
        const count = (yb - ya) * (xb - xa)
        const scale = count > 0 ? 1 / count : 0
        for (let ch = 0; ch < c; ch++) {
          if (transpose) {
            const v = (x[o++] as number) * scale
            for (let iy = ya; iy < yb; iy++) {
              let s = ((b * h + iy) * w + xa) * c + ch
              for (let ix = xa; ix < xb; ix++) {
                y[s] = (y[s] as number) + v
                s += c
              }
            }
          } else {
            let sum = 0
            for (let iy = ya; iy < yb; iy++) {
              let s = ((b * h + iy) * w + xa) * c + ch
              for (let ix = xa; ix < xb; ix++) {
                sum += x[s] as number
                s += c
              }
            }
            y[o++] = sum * scale
          }
        }
      }
    }
  }
}
