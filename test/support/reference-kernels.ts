/**
 * Reference loops that the library does not ship: the plain i-k-j matrix product, the
 * anchor of the kernel tests and of the matrix-product benchmarks.
 */
import type { ReadonlyFloat64Array } from '../../src/kernels/index.js'

/**
 * The reference i-k-j loop (hoisted row offsets, no allocation, no blocking): what
 * a careful hand-written loop does, kept for tests and for the kernel benchmark.
 */
export const matmulNNPlain = (
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
