/**
 * The loops behind the structural, linear-algebra and reduction ops: plain functions over
 * row-major `Float64Array`s that know nothing of tensors or lenses. This is the seam where
 * cache-blocked or WebAssembly kernels can replace the loops without touching `ops`.
 *
 * Conventions:
 * - matrix kernels *accumulate* (`out += …`): a fresh `Float64Array` is zero, and gradients
 *   of broadcast operands are summed by running the kernel repeatedly into the same slice;
 * - offsets (`aOff`, `bOff`, `oOff`) address one matrix of a batch without allocating views;
 * - an axis is described by `(outer, mid, inner)`: the products of the dimensions before
 *   it, of it, and after it, so one loop nest serves every rank.
 *
 * No kernel allocates per element, and none mutates its inputs.
 *
 * @internal
 * @module kernels-linalg
 */

// -------------------------------------------------------------------------------------
// matrix products
// -------------------------------------------------------------------------------------

/**
 * `out[m×n] += a[m×k] · b[k×n]` in i-k-j order: the innermost loop runs along rows of `b`
 * and `out`, contiguously. Below {@link BLOCK_MIN_WORK} it is a plain i-k-j loop; above, the
 * `k` loop is blocked so that a panel of `b` stays in cache while every row of `a` uses it,
 * and unrolled by 4 so each load/store of `out` serves four multiply-adds.
 *
 * @internal
 */
export const matmulNN = (
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number
): void => {
  if (m * k * n < BLOCK_MIN_WORK || n < 8) {
    matmulNNPlain(a, aOff, b, bOff, out, oOff, m, k, n)
    return
  }
  matmulNNBlocked(a, aOff, b, bOff, out, oOff, m, k, n)
}

/** @internal Below this many multiply-adds the plain loop wins (no blocking overhead). */
export const BLOCK_MIN_WORK = 4096

/** @internal The reference i-k-j loop (hoisted row offsets, no allocation). */
export const matmulNNPlain = (
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number
): void => {
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k
    const oi = oOff + i * n
    for (let p = 0; p < k; p++) {
      const aip = a[ai + p] as number
      const bp = bOff + p * n
      for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + aip * (b[bp + j] as number)
    }
  }
}

/** Rows of `b` per panel: 128 rows of a 128-wide matrix is 128 KiB, a share of L2. */
const K_BLOCK = 128

/** @internal i-k-j with `k` blocked into panels and unrolled by 4. */
export const matmulNNBlocked = (
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number
): void => {
  for (let p0 = 0; p0 < k; p0 += K_BLOCK) {
    const p1 = p0 + K_BLOCK < k ? p0 + K_BLOCK : k
    const p4 = p0 + ((p1 - p0) & ~3)
    for (let i = 0; i < m; i++) {
      const ai = aOff + i * k
      const oi = oOff + i * n
      let p = p0
      for (; p < p4; p += 4) {
        const a0 = a[ai + p] as number
        const a1 = a[ai + p + 1] as number
        const a2 = a[ai + p + 2] as number
        const a3 = a[ai + p + 3] as number
        const b0 = bOff + p * n
        const b1 = b0 + n
        const b2 = b1 + n
        const b3 = b2 + n
        for (let j = 0; j < n; j++) {
          out[oi + j] =
            (out[oi + j] as number) +
            a0 * (b[b0 + j] as number) +
            a1 * (b[b1 + j] as number) +
            a2 * (b[b2 + j] as number) +
            a3 * (b[b3 + j] as number)
        }
      }
      for (; p < p1; p++) {
        const aip = a[ai + p] as number
        const bp = bOff + p * n
        for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + aip * (b[bp + j] as number)
      }
    }
  }
}

/**
 * `out[m×n] += a[m×k] · b[n×k]ᵀ` without materialising the transpose: each entry is a dot
 * product of two contiguous rows. Four rows of `b` are taken at once so each load of `a`
 * serves four multiply-adds. (The backward pass of `y = x·w` for `dx = dy·wᵀ`.)
 *
 * @internal
 */
export const matmulNT = (
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number
): void => {
  const n4 = n & ~3
  for (let i = 0; i < m; i++) {
    const ai = aOff + i * k
    const oi = oOff + i * n
    let j = 0
    for (; j < n4; j += 4) {
      const b0 = bOff + j * k
      const b1 = b0 + k
      const b2 = b1 + k
      const b3 = b2 + k
      let s0 = 0
      let s1 = 0
      let s2 = 0
      let s3 = 0
      for (let p = 0; p < k; p++) {
        const x = a[ai + p] as number
        s0 += x * (b[b0 + p] as number)
        s1 += x * (b[b1 + p] as number)
        s2 += x * (b[b2 + p] as number)
        s3 += x * (b[b3 + p] as number)
      }
      out[oi + j] = (out[oi + j] as number) + s0
      out[oi + j + 1] = (out[oi + j + 1] as number) + s1
      out[oi + j + 2] = (out[oi + j + 2] as number) + s2
      out[oi + j + 3] = (out[oi + j + 3] as number) + s3
    }
    for (; j < n; j++) {
      const bj = bOff + j * k
      let s = 0
      for (let p = 0; p < k; p++) s += (a[ai + p] as number) * (b[bj + p] as number)
      out[oi + j] = (out[oi + j] as number) + s
    }
  }
}

/**
 * `out[m×n] += a[k×m]ᵀ · b[k×n]` without materialising the transpose: for each output row
 * `i`, the rows of `b` are scaled by the column `a[·, i]` and added, so the output row stays
 * in cache. Unrolled by 4 along `k`. (The backward pass of `y = x·w` for `dw = xᵀ·dy`.)
 *
 * @internal
 */
export const matmulTN = (
  a: Float64Array,
  aOff: number,
  b: Float64Array,
  bOff: number,
  out: Float64Array,
  oOff: number,
  m: number,
  k: number,
  n: number
): void => {
  const k4 = k & ~3
  for (let i = 0; i < m; i++) {
    const oi = oOff + i * n
    let p = 0
    for (; p < k4; p += 4) {
      const a0 = a[aOff + p * m + i] as number
      const a1 = a[aOff + (p + 1) * m + i] as number
      const a2 = a[aOff + (p + 2) * m + i] as number
      const a3 = a[aOff + (p + 3) * m + i] as number
      const b0 = bOff + p * n
      const b1 = b0 + n
      const b2 = b1 + n
      const b3 = b2 + n
      for (let j = 0; j < n; j++) {
        out[oi + j] =
          (out[oi + j] as number) +
          a0 * (b[b0 + j] as number) +
          a1 * (b[b1 + j] as number) +
          a2 * (b[b2 + j] as number) +
          a3 * (b[b3 + j] as number)
      }
    }
    for (; p < k; p++) {
      const aip = a[aOff + p * m + i] as number
      const bp = bOff + p * n
      for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + aip * (b[bp + j] as number)
    }
  }
}

// -------------------------------------------------------------------------------------
// structure
// -------------------------------------------------------------------------------------

/** @internal The product of `dims[from..to)`. */
export const product = (dims: ReadonlyArray<number>, from = 0, to = dims.length): number => {
  let p = 1
  for (let i = from; i < to; i++) p *= dims[i] as number
  return p
}

/** @internal Row-major strides of a shape. */
export const strides = (shape: ReadonlyArray<number>): Array<number> => {
  const s = new Array<number>(shape.length)
  let acc = 1
  for (let i = shape.length - 1; i >= 0; i--) {
    s[i] = acc
    acc *= shape[i] as number
  }
  return s
}

/**
 * The axes of `src` (of `shape`) permuted: output axis `i` is input axis `perm[i]`.
 * Matrices use a tiled loop; other ranks an odometer over the output.
 *
 * @internal
 */
export const permute = (src: Float64Array, shape: ReadonlyArray<number>, perm: ReadonlyArray<number>): Float64Array => {
  const n = src.length
  const out = new Float64Array(n)
  const r = shape.length
  if (n === 0) return out
  if (r === 2 && perm[0] === 1) {
    transpose2d(src, out, shape[0] as number, shape[1] as number)
    return out
  }
  const inStrides = strides(shape)
  const dims = perm.map((p) => shape[p] as number)
  const st = perm.map((p) => inStrides[p] as number)
  const last = r - 1
  if (r === 0) {
    out[0] = src[0] as number
    return out
  }
  const lastDim = dims[last] as number
  const lastStride = st[last] as number
  const idx = new Array<number>(r).fill(0)
  let from = 0
  let o = 0
  while (o < n) {
    for (let j = 0; j < lastDim; j++) out[o++] = src[from + j * lastStride] as number
    // advance the odometer over the outer axes
    let ax = last - 1
    while (ax >= 0) {
      const i = (idx[ax] as number) + 1
      if (i < (dims[ax] as number)) {
        idx[ax] = i
        from += st[ax] as number
        break
      }
      idx[ax] = 0
      from -= (i - 1) * (st[ax] as number)
      ax--
    }
    if (ax < 0) break
  }
  return out
}

const TILE = 32

/** `out[c×r] = src[r×c]ᵀ`, in tiles so both sides stay in cache. */
const transpose2d = (src: Float64Array, out: Float64Array, rows: number, cols: number): void => {
  for (let i0 = 0; i0 < rows; i0 += TILE) {
    const i1 = i0 + TILE < rows ? i0 + TILE : rows
    for (let j0 = 0; j0 < cols; j0 += TILE) {
      const j1 = j0 + TILE < cols ? j0 + TILE : cols
      for (let i = i0; i < i1; i++) {
        const si = i * cols
        for (let j = j0; j < j1; j++) out[j * rows + i] = src[si + j] as number
      }
    }
  }
}

/**
 * Copies `src`, seen as `[outer, srcMid, inner]`, into `dst`, seen as `[outer, dstMid, inner]`,
 * at position `at` of the middle axis (concat forward, slice backward).
 *
 * @internal
 */
export const copyInto = (
  src: Float64Array,
  dst: Float64Array,
  outer: number,
  srcMid: number,
  dstMid: number,
  inner: number,
  at: number
): void => {
  const len = srcMid * inner
  for (let o = 0; o < outer; o++) {
    const s = o * len
    const d = (o * dstMid + at) * inner
    for (let j = 0; j < len; j++) dst[d + j] = src[s + j] as number
  }
}

/**
 * The positions `[at, at + len)` of the middle axis of `src`, seen as `[outer, srcMid, inner]`
 * (slice forward, concat backward).
 *
 * @internal
 */
export const copyOut = (
  src: Float64Array,
  outer: number,
  srcMid: number,
  inner: number,
  at: number,
  len: number
): Float64Array => {
  const chunk = len * inner
  const out = new Float64Array(outer * chunk)
  for (let o = 0; o < outer; o++) {
    const s = (o * srcMid + at) * inner
    const d = o * chunk
    for (let j = 0; j < chunk; j++) out[d + j] = src[s + j] as number
  }
  return out
}

// -------------------------------------------------------------------------------------
// reductions along one axis: src seen as [outer, mid, inner], result as [outer, inner]
// -------------------------------------------------------------------------------------

/** @internal Sum over the middle axis. */
export const sumAxis = (src: Float64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = new Float64Array(outer * inner)
  if (inner === 1) {
    for (let o = 0; o < outer; o++) {
      const s = o * mid
      let acc = 0
      for (let r = 0; r < mid; r++) acc += src[s + r] as number
      out[o] = acc
    }
    return out
  }
  for (let o = 0; o < outer; o++) {
    const d = o * inner
    for (let r = 0; r < mid; r++) {
      const s = (o * mid + r) * inner
      for (let j = 0; j < inner; j++) out[d + j] = (out[d + j] as number) + (src[s + j] as number)
    }
  }
  return out
}

/** @internal Maximum over the middle axis (`mid ≥ 1`); NaN propagates. */
export const maxAxis = (src: Float64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = new Float64Array(outer * inner)
  for (let o = 0; o < outer; o++) {
    const d = o * inner
    const s0 = o * mid * inner
    for (let j = 0; j < inner; j++) out[d + j] = src[s0 + j] as number
    for (let r = 1; r < mid; r++) {
      const s = s0 + r * inner
      for (let j = 0; j < inner; j++) {
        const v = src[s + j] as number
        const cur = out[d + j] as number
        if (v > cur || v !== v) out[d + j] = v
      }
    }
  }
  return out
}

/** @internal Repeats `src` (`[outer, inner]`) `mid` times along a new middle axis. */
export const expandAxis = (src: Float64Array, outer: number, mid: number, inner: number): Float64Array => {
  const out = new Float64Array(outer * mid * inner)
  for (let o = 0; o < outer; o++) {
    const s = o * inner
    for (let r = 0; r < mid; r++) {
      const d = (o * mid + r) * inner
      for (let j = 0; j < inner; j++) out[d + j] = src[s + j] as number
    }
  }
  return out
}

// -------------------------------------------------------------------------------------
// reductions over a set of axes
// -------------------------------------------------------------------------------------

/**
 * The runs of consecutive reduced axes of `shape` (axes of size 1 merge with either side),
 * as `[start, end)` pairs, last run first: reducing them in that order keeps the earlier
 * runs' positions valid.
 */
const runs = (shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): Array<readonly [number, number]> => {
  const out: Array<readonly [number, number]> = []
  let i = shape.length - 1
  while (i >= 0) {
    if (!reduced[i]) {
      i--
      continue
    }
    const end = i + 1
    while (i >= 0 && (reduced[i] || shape[i] === 1)) i--
    let start = i + 1
    while (start < end && !reduced[start]) start++ // size-1 kept axes at the front: leave them
    out.push([start, end])
  }
  return out
}

/**
 * Reduces `src` (of `shape`) over the axes where `reduced` is true, run by run, with
 * `axisKernel`. The result's layout is the same with or without the reduced axes kept as 1s.
 *
 * @internal
 */
export const reduceAxes = (
  src: Float64Array,
  shape: ReadonlyArray<number>,
  reduced: ReadonlyArray<boolean>,
  axisKernel: (src: Float64Array, outer: number, mid: number, inner: number) => Float64Array
): Float64Array => {
  const dims = shape.slice()
  let cur = src
  let reducedAny = false
  for (const [start, end] of runs(shape, reduced)) {
    const outer = product(dims, 0, start)
    const mid = product(dims, start, end)
    const inner = product(dims, end)
    cur = axisKernel(cur, outer, mid, inner)
    reducedAny = true
    for (let a = start; a < end; a++) dims[a] = 1
  }
  return reducedAny ? cur : src.slice()
}

/**
 * Broadcasts `src`, laid out as `shape` with the reduced axes set to 1, back to `shape`:
 * the adjoint of summing over those axes.
 *
 * @internal
 */
export const expandAxes = (src: Float64Array, shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): Float64Array => {
  const dims = shape.map((d, i) => (reduced[i] ? 1 : d))
  let cur = src
  let expanded = false
  // first run first: the inverse order of reduceAxes
  const rs = runs(shape, reduced).reverse()
  for (const [start, end] of rs) {
    const outer = product(dims, 0, start)
    const mid = product(shape, start, end)
    const inner = product(dims, end)
    cur = expandAxis(cur, outer, mid, inner)
    expanded = true
    for (let a = start; a < end; a++) dims[a] = shape[a] as number
  }
  return expanded ? cur : src.slice()
}

// -------------------------------------------------------------------------------------
// softmax along one axis: src seen as [outer, mid, inner]
// -------------------------------------------------------------------------------------

/**
 * Softmax (`log = false`) or log-softmax (`log = true`) over the middle axis, shifted by the
 * maximum so that no `exp` overflows.
 *
 * @internal
 */
export const softmaxAxis = (src: Float64Array, outer: number, mid: number, inner: number, log: boolean): Float64Array => {
  const out = new Float64Array(src.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      let m = -Infinity
      for (let r = 0; r < mid; r++) {
        const v = src[base + r * inner] as number
        if (v > m || v !== v) m = v
      }
      const shift = Number.isFinite(m) ? m : 0
      let s = 0
      for (let r = 0; r < mid; r++) {
        const e = Math.exp((src[base + r * inner] as number) - shift)
        if (!log) out[base + r * inner] = e
        s += e
      }
      if (log) {
        // (x − shift) − log s, not x − (shift + log s): the shift cancels exactly
        const logS = Math.log(s)
        for (let r = 0; r < mid; r++) out[base + r * inner] = (src[base + r * inner] as number) - shift - logS
      } else {
        const inv = 1 / s
        for (let r = 0; r < mid; r++) out[base + r * inner] = (out[base + r * inner] as number) * inv
      }
    }
  }
  return out
}

/**
 * The backward pass of {@link softmaxAxis} from its output `y` and cotangent `dy`:
 * `dx = y·(dy − Σ dy·y)` for softmax, `dx = dy − exp(y)·Σ dy` for log-softmax.
 *
 * @internal
 */
export const softmaxBackwardAxis = (
  y: Float64Array,
  dy: Float64Array,
  outer: number,
  mid: number,
  inner: number,
  log: boolean
): Float64Array => {
  const dx = new Float64Array(y.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      let s = 0
      if (log) {
        for (let r = 0; r < mid; r++) s += dy[base + r * inner] as number
        for (let r = 0; r < mid; r++) {
          const at = base + r * inner
          dx[at] = (dy[at] as number) - Math.exp(y[at] as number) * s
        }
      } else {
        for (let r = 0; r < mid; r++) s += (dy[base + r * inner] as number) * (y[base + r * inner] as number)
        for (let r = 0; r < mid; r++) {
          const at = base + r * inner
          dx[at] = (y[at] as number) * ((dy[at] as number) - s)
        }
      }
    }
  }
  return dx
}
