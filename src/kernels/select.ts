/**
 * The kernels that have a WebAssembly twin, as the seam exports them: each runs the
 * WebAssembly kernel when {@link wasmFor} says so (see `backend.ts`) and the JavaScript loop
 * otherwise, with the same signature and conventions as the loop.
 *
 * @internal
 * @module kernels/select
 */
import { wasmFor } from './backend.js'
import * as Js from './matmul.js'
import { gemm, type Layout } from './wasm/gemm.js'

// -------------------------------------------------------------------------------------
// thresholds
// -------------------------------------------------------------------------------------

/**
 * Under `auto`, products with `m·k·n` below this run in JavaScript: staging costs three copies
 * and a call, which the JavaScript loops beat on small products (measured in
 * `test/bench/matmul-kernels.bench.ts`).
 *
 * @internal
 */
export const MATMUL_MIN_WORK = 4096

// -------------------------------------------------------------------------------------
// matrix products
// -------------------------------------------------------------------------------------

type Product = (a: Float64Array, aOff: number, b: Float64Array, bOff: number, out: Float64Array, oOff: number, m: number, k: number, n: number) => void

/** The index (from `oOff`) of the first non-finite of `len` values of `out`, or -1. */
const firstNonFinite = (out: Float64Array, oOff: number, len: number): number => {
  for (let i = 0; i < len; i++) {
    const v = out[oOff + i] as number
    if (v - v !== 0) return i
  }
  return -1
}

const selecting =
  (layout: Layout, js: Product) =>
  (a: Float64Array, aOff: number, b: Float64Array, bOff: number, out: Float64Array, oOff: number, m: number, k: number, n: number, check = false): number => {
    const w = wasmFor(m * k * n, MATMUL_MIN_WORK)
    if (w !== null) {
      const bad = gemm(w, layout, a, aOff, b, bOff, out, oOff, m, k, n, check)
      if (bad !== null) return bad
    }
    js(a, aOff, b, bOff, out, oOff, m, k, n)
    return check ? firstNonFinite(out, oOff, m * n) : -1
  }

/**
 * `out[m×n] += a[m×k] · b[k×n]` (see `matmul.ts` for the conventions). With `check`, returns
 * the index (from `oOff`) of the first non-finite entry of the result slice, else -1.
 *
 * @internal
 */
export const matmulNN = selecting('NN', Js.matmulNN)

/** `out[m×n] += a[m×k] · b[n×k]ᵀ`; `check` as {@link matmulNN}. @internal */
export const matmulNT = selecting('NT', Js.matmulNT)

/** `out[m×n] += a[k×m]ᵀ · b[k×n]`; `check` as {@link matmulNN}. @internal */
export const matmulTN = selecting('TN', Js.matmulTN)
