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
 * `out[m×n] += a[m×k] · b[k×n]`: i-k-j order (the innermost loop runs along rows of `b` and
 * `out`, contiguously), register-blocked 2 rows of `a` × 4 of `k` — each load of `b` serves
 * two multiply-adds and each load/store of `out` four, where a plain i-k-j loop does three
 * memory operations per multiply-add — and with `k` cut into panels of {@link K_PANEL} rows
 * of `b`, so that a panel stays in cache while every row pair of `a` uses it.
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
  for (let p0 = 0; p0 < k; p0 += K_PANEL) {
    const p1 = p0 + K_PANEL < k ? p0 + K_PANEL : k
    const p4 = p0 + ((p1 - p0) & ~3)
    let i = 0
    for (; i + 1 < m; i += 2) {
      const a0 = aOff + i * k
      const a1 = a0 + k
      const o0 = oOff + i * n
      const o1 = o0 + n
      let p = p0
      for (; p < p4; p += 4) {
        const x0 = a[a0 + p] as number
        const x1 = a[a0 + p + 1] as number
        const x2 = a[a0 + p + 2] as number
        const x3 = a[a0 + p + 3] as number
        const y0 = a[a1 + p] as number
        const y1 = a[a1 + p + 1] as number
        const y2 = a[a1 + p + 2] as number
        const y3 = a[a1 + p + 3] as number
        const b0 = bOff + p * n
        const b1 = b0 + n
        const b2 = b1 + n
        const b3 = b2 + n
        for (let j = 0; j < n; j++) {
          const c0 = b[b0 + j] as number
          const c1 = b[b1 + j] as number
          const c2 = b[b2 + j] as number
          const c3 = b[b3 + j] as number
          out[o0 + j] = (out[o0 + j] as number) + x0 * c0 + x1 * c1 + x2 * c2 + x3 * c3
          out[o1 + j] = (out[o1 + j] as number) + y0 * c0 + y1 * c1 + y2 * c2 + y3 * c3
        }
      }
      for (; p < p1; p++) {
        const x = a[a0 + p] as number
        const y = a[a1 + p] as number
        const bp = bOff + p * n
        for (let j = 0; j < n; j++) {
          const c = b[bp + j] as number
          out[o0 + j] = (out[o0 + j] as number) + x * c
          out[o1 + j] = (out[o1 + j] as number) + y * c
        }
      }
    }
    if (i < m) {
      // the odd last row
      const ai = aOff + i * k
      const oi = oOff + i * n
      for (let p = p0; p < p1; p++) {
        const x = a[ai + p] as number
        const bp = bOff + p * n
        for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + x * (b[bp + j] as number)
      }
    }
  }
}

/** @internal Rows of `b` per panel in {@link matmulNN}: 64 rows of a 128-wide matrix are 64 KiB. */
export const K_PANEL = 64

/**
 * @internal The reference i-k-j loop (hoisted row offsets, no allocation, no blocking): what
 * a careful hand-written loop does, kept for tests and for the kernel benchmark.
 */
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

/**
 * `out[m×n] += a[m×k] · b[n×k]ᵀ` without materialising the transpose: each entry is a dot
 * product of two contiguous rows. Register-blocked 2 rows of `a` × 4 rows of `b` (eight
 * accumulators: six loads per eight multiply-adds), and `b` cut into blocks of
 * {@link J_BLOCK} rows that stay in cache while every row pair of `a` sweeps them. (The
 * backward pass of `y = x·w` for `dx = dy·wᵀ`.)
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
  for (let j0 = 0; j0 < n; j0 += J_BLOCK) {
    const j1 = j0 + J_BLOCK < n ? j0 + J_BLOCK : n
    const j4 = j0 + ((j1 - j0) & ~3)
    let i = 0
    for (; i + 1 < m; i += 2) {
      const a0 = aOff + i * k
      const a1 = a0 + k
      const o0 = oOff + i * n
      const o1 = o0 + n
      let j = j0
      for (; j < j4; j += 4) {
        const b0 = bOff + j * k
        const b1 = b0 + k
        const b2 = b1 + k
        const b3 = b2 + k
        let s00 = 0
        let s01 = 0
        let s02 = 0
        let s03 = 0
        let s10 = 0
        let s11 = 0
        let s12 = 0
        let s13 = 0
        for (let p = 0; p < k; p++) {
          const x = a[a0 + p] as number
          const y = a[a1 + p] as number
          const c0 = b[b0 + p] as number
          const c1 = b[b1 + p] as number
          const c2 = b[b2 + p] as number
          const c3 = b[b3 + p] as number
          s00 += x * c0
          s01 += x * c1
          s02 += x * c2
          s03 += x * c3
          s10 += y * c0
          s11 += y * c1
          s12 += y * c2
          s13 += y * c3
        }
        out[o0 + j] = (out[o0 + j] as number) + s00
        out[o0 + j + 1] = (out[o0 + j + 1] as number) + s01
        out[o0 + j + 2] = (out[o0 + j + 2] as number) + s02
        out[o0 + j + 3] = (out[o0 + j + 3] as number) + s03
        out[o1 + j] = (out[o1 + j] as number) + s10
        out[o1 + j + 1] = (out[o1 + j + 1] as number) + s11
        out[o1 + j + 2] = (out[o1 + j + 2] as number) + s12
        out[o1 + j + 3] = (out[o1 + j + 3] as number) + s13
      }
      for (; j < j1; j++) {
        const bj = bOff + j * k
        let s0 = 0
        let s1 = 0
        for (let p = 0; p < k; p++) {
          const c = b[bj + p] as number
          s0 += (a[a0 + p] as number) * c
          s1 += (a[a1 + p] as number) * c
        }
        out[o0 + j] = (out[o0 + j] as number) + s0
        out[o1 + j] = (out[o1 + j] as number) + s1
      }
    }
    if (i < m) {
      // the odd last row
      const ai = aOff + i * k
      const oi = oOff + i * n
      for (let j = j0; j < j1; j++) {
        const bj = bOff + j * k
        let s = 0
        for (let p = 0; p < k; p++) s += (a[ai + p] as number) * (b[bj + p] as number)
        out[oi + j] = (out[oi + j] as number) + s
      }
    }
  }
}

/** @internal Rows of `b` per block in {@link matmulNT}. */
export const J_BLOCK = 64

/**
 * `out[m×n] += a[k×m]ᵀ · b[k×n]` without materialising the transpose: for each pair of
 * output rows `i, i+1`, the rows of `b` are scaled by the columns `a[·, i]`, `a[·, i+1]` and
 * added, 4 rows of `b` at a time (the register blocking of {@link matmulNN}), so the output
 * rows stay in cache. (The backward pass of `y = x·w` for `dw = xᵀ·dy`.)
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
  let i = 0
  for (; i + 1 < m; i += 2) {
    const o0 = oOff + i * n
    const o1 = o0 + n
    let p = 0
    for (; p < k4; p += 4) {
      const q0 = aOff + p * m + i
      const q1 = q0 + m
      const q2 = q1 + m
      const q3 = q2 + m
      const x0 = a[q0] as number
      const x1 = a[q1] as number
      const x2 = a[q2] as number
      const x3 = a[q3] as number
      const y0 = a[q0 + 1] as number
      const y1 = a[q1 + 1] as number
      const y2 = a[q2 + 1] as number
      const y3 = a[q3 + 1] as number
      const b0 = bOff + p * n
      const b1 = b0 + n
      const b2 = b1 + n
      const b3 = b2 + n
      for (let j = 0; j < n; j++) {
        const c0 = b[b0 + j] as number
        const c1 = b[b1 + j] as number
        const c2 = b[b2 + j] as number
        const c3 = b[b3 + j] as number
        out[o0 + j] = (out[o0 + j] as number) + x0 * c0 + x1 * c1 + x2 * c2 + x3 * c3
        out[o1 + j] = (out[o1 + j] as number) + y0 * c0 + y1 * c1 + y2 * c2 + y3 * c3
      }
    }
    for (; p < k; p++) {
      const x = a[aOff + p * m + i] as number
      const y = a[aOff + p * m + i + 1] as number
      const bp = bOff + p * n
      for (let j = 0; j < n; j++) {
        const c = b[bp + j] as number
        out[o0 + j] = (out[o0 + j] as number) + x * c
        out[o1 + j] = (out[o1 + j] as number) + y * c
      }
    }
  }
  if (i < m) {
    // the odd last row
    const oi = oOff + i * n
    for (let p = 0; p < k; p++) {
      const x = a[aOff + p * m + i] as number
      const bp = bOff + p * n
      for (let j = 0; j < n; j++) out[oi + j] = (out[oi + j] as number) + x * (b[bp + j] as number)
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

// -------------------------------------------------------------------------------------
// fused reductions over one run of axes: src seen as [outer, mid, inner]
// -------------------------------------------------------------------------------------

/**
 * `[outer, mid, inner]` when the reduced axes of `shape` form one run (after merging axes of
 * length 1), so one fused loop nest can do what {@link reduceAxes} and {@link expandAxes}
 * do in several passes; `null` otherwise (no reduced axis, or several runs).
 *
 * @internal
 */
export const singleRun = (shape: ReadonlyArray<number>, reduced: ReadonlyArray<boolean>): readonly [number, number, number] | null => {
  const rs = runs(shape, reduced)
  if (rs.length !== 1) return null
  const [start, end] = rs[0] as readonly [number, number]
  return [product(shape, 0, start), product(shape, start, end), product(shape, end)]
}

/**
 * The backward pass of a maximum over the middle axis: the cotangent goes to the elements
 * equal to the maximum `y`, split evenly between ties.
 *
 * @internal
 */
export const maxBackwardAxis = (
  x: Float64Array,
  y: Float64Array,
  dy: Float64Array,
  outer: number,
  mid: number,
  inner: number
): Float64Array => {
  const dx = new Float64Array(x.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const top = y[o * inner + j] as number
      let ties = 0
      for (let r = 0; r < mid; r++) if (x[base + r * inner] === top) ties++
      if (ties === 0) continue
      const share = (dy[o * inner + j] as number) / ties
      for (let r = 0; r < mid; r++) if (x[base + r * inner] === top) dx[base + r * inner] = share
    }
  }
  return dx
}

/**
 * Log-sum-exp over the middle axis as its two stable parts: the maximum `top` and
 * `logS = log Σ exp(x − top)` (the result is `top + logS`); a non-finite maximum shifts by 0.
 *
 * @internal
 */
export const logSumExpAxis = (
  src: Float64Array,
  outer: number,
  mid: number,
  inner: number
): { readonly top: Float64Array; readonly logS: Float64Array } => {
  const top = maxAxis(src, outer, mid, inner)
  const logS = new Float64Array(outer * inner)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const m = top[o * inner + j] as number
      const shift = Number.isFinite(m) ? m : 0
      if (shift !== m) top[o * inner + j] = shift
      let s = 0
      for (let r = 0; r < mid; r++) s += Math.exp((src[base + r * inner] as number) - shift)
      logS[o * inner + j] = Math.log(s)
    }
  }
  return { top, logS }
}

/**
 * The backward pass of {@link logSumExpAxis}: `dx = dy · exp(x − top − logS)`, the softmax
 * weights recomputed from the two stable parts.
 *
 * @internal
 */
export const logSumExpBackwardAxis = (
  x: Float64Array,
  top: Float64Array,
  logS: Float64Array,
  dy: Float64Array,
  outer: number,
  mid: number,
  inner: number
): Float64Array => {
  const dx = new Float64Array(x.length)
  for (let o = 0; o < outer; o++) {
    for (let j = 0; j < inner; j++) {
      const base = o * mid * inner + j
      const at = o * inner + j
      const m = top[at] as number
      const l = logS[at] as number
      const g = dy[at] as number
      for (let r = 0; r < mid; r++) dx[base + r * inner] = g * Math.exp((x[base + r * inner] as number) - m - l)
    }
  }
  return dx
}
