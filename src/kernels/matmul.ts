/**
 * Matrix products over row-major `Float64Array`s, register-blocked and cache-blocked:
 * `out += a·b` (NN), `out += a·bᵀ` (NT) and `out += aᵀ·b` (TN), so transposes are never
 * built. They know nothing of tensors or lenses.
 *
 * Conventions: the kernels *accumulate* (`out += …`): a fresh `Float64Array` is zero, and
 * gradients of broadcast operands are summed by running the kernel repeatedly into the same
 * slice; offsets (`aOff`, `bOff`, `oOff`) address one matrix of a batch without allocating
 * views. No kernel allocates, and none mutates its inputs.
 *
 * @internal
 * @module kernels/matmul
 */
import type { ReadonlyFloat64Array } from './data.js'

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
  a: ReadonlyFloat64Array,
  aOff: number,
  b: ReadonlyFloat64Array,
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
 * `out[m×n] += a[m×k] · b[n×k]ᵀ` without materialising the transpose: each entry is a dot
 * product of two contiguous rows. Register-blocked 2 rows of `a` × 4 rows of `b` (eight
 * accumulators: six loads per eight multiply-adds), and `b` cut into blocks of
 * {@link J_BLOCK} rows that stay in cache while every row pair of `a` sweeps them. (The
 * backward pass of `y = x·w` for `dx = dy·wᵀ`.)
 *
 * @internal
 */
export const matmulNT = (
  a: ReadonlyFloat64Array,
  aOff: number,
  b: ReadonlyFloat64Array,
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
  a: ReadonlyFloat64Array,
  aOff: number,
  b: ReadonlyFloat64Array,
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
