/**
 * Matrix products in WebAssembly SIMD, float64: `C += op(A)·op(B)`, where `op` is the
 * identity or the transpose, over row-major matrices in this module's memory (the host
 * stages them there; see `src/kernels/wasm/`).
 *
 * The structure is the usual one of packed GEMM (GotoBLAS, BLIS, OpenBLAS): `B` is cut into
 * blocks of {@link KC} × {@link NC} and `A` into blocks of {@link MC} × {@link KC}; each block
 * is *packed* into a contiguous buffer in the order the microkernel reads it (panels of 4
 * columns of `B`, of 4 rows of `A`, zero-padded at the edges), which is also where the
 * transposes are absorbed, so one microkernel serves NN, NT and TN. The microkernel keeps a
 * 4 × 4 tile of `C` in eight f64x2 registers and adds one rank-1 update per step of `k`:
 * two vector loads of `B`, four splat loads of `A`, eight multiplies and eight adds (no FMA:
 * Node 20 has no relaxed SIMD). A 6 × 4 tile (twelve accumulators) spilled registers under
 * V8 and ran at two thirds of the speed.
 *
 * @internal
 * @module kernels/assembly/gemm
 */

/** Rows of `C` in the register tile. */
const MR: i32 = 4
/** Columns of `C` in the register tile (two f64x2 lanes pairs). */
const NR: i32 = 4
/** Depth of a block: a packed 4-column panel of `B` (KC × 4 × 8 B = 8 KiB) stays in L1. */
const KC: i32 = 256
/** Rows of a block of `A`: its packed copy (MC × KC × 8 B = 256 KiB) stays in L2. */
const MC: i32 = 128
/** Columns of a block of `B`: its packed copy (KC × NC × 8 B = 2 MiB) sits in L3. */
const NC: i32 = 1024

const PACK_A_BYTES: usize = <usize>(MC * KC) << 3
const PACK_B_BYTES: usize = <usize>(KC * NC) << 3
const TILE_BYTES: usize = <usize>(MR * NR) << 3

/** The start of the workspace: packed `A`, packed `B`, one edge tile. */
@inline function workspace(): usize {
  return (__heap_base + 63) & ~(<usize>63)
}

/** Where the host may stage operands: after the workspace, 64-byte aligned. */
export function stagingBase(): usize {
  return workspace() + PACK_A_BYTES + PACK_B_BYTES + TILE_BYTES
}

// -------------------------------------------------------------------------------------
// packing
// -------------------------------------------------------------------------------------

/**
 * Packs lanes `[l0, l0 + nl)` × depth `[p0, p0 + kc)` of a matrix into panels of 4 lanes:
 * panel `q` holds, for each depth `p`, lanes `4q … 4q + 3` contiguously (zeros past the last
 * lane). Element `(l, p)` is at `src[l·ld + p]` when `laneMajor`, else at `src[p·ld + l]`.
 * For `A` the lanes are rows of `op(A)`, for `B` columns of `op(B)`.
 */
function pack(src: usize, ld: i32, laneMajor: bool, l0: i32, nl: i32, p0: i32, kc: i32, dst: usize): void {
  const ldb = <usize>ld << 3
  for (let q = 0; q < nl; q += 4) {
    const lanes = min(4, nl - q)
    if (lanes == 4 && laneMajor) {
      // four rows of the source, read along: transpose 2 × 2 blocks with shuffles
      let r0 = src + ((<usize>(l0 + q) * ld + p0) << 3)
      let r1 = r0 + ldb
      let r2 = r1 + ldb
      let r3 = r2 + ldb
      let p = 0
      for (; p + 1 < kc; p += 2) {
        const x0 = v128.load(r0)
        const x1 = v128.load(r1)
        const x2 = v128.load(r2)
        const x3 = v128.load(r3)
        v128.store(dst, v128.shuffle<f64>(x0, x1, 0, 2))
        v128.store(dst, v128.shuffle<f64>(x2, x3, 0, 2), 16)
        v128.store(dst, v128.shuffle<f64>(x0, x1, 1, 3), 32)
        v128.store(dst, v128.shuffle<f64>(x2, x3, 1, 3), 48)
        r0 += 16
        r1 += 16
        r2 += 16
        r3 += 16
        dst += 64
      }
      if (p < kc) {
        store<f64>(dst, load<f64>(r0))
        store<f64>(dst, load<f64>(r1), 8)
        store<f64>(dst, load<f64>(r2), 16)
        store<f64>(dst, load<f64>(r3), 24)
        dst += 32
      }
    } else if (lanes == 4) {
      // the four lanes are contiguous in each source row
      let s = src + ((<usize>p0 * ld + l0 + q) << 3)
      for (let p = 0; p < kc; p++) {
        v128.store(dst, v128.load(s))
        v128.store(dst, v128.load(s, 16), 16)
        s += ldb
        dst += 32
      }
    } else {
      for (let p = 0; p < kc; p++) {
        for (let l = 0; l < 4; l++) {
          let v = 0.0
          if (l < lanes) {
            const at = laneMajor ? <usize>(l0 + q + l) * ld + (p0 + p) : <usize>(p0 + p) * ld + (l0 + q + l)
            v = load<f64>(src + (at << 3))
          }
          store<f64>(dst, v)
          dst += 8
        }
      }
    }
  }
}

// -------------------------------------------------------------------------------------
// the microkernel
// -------------------------------------------------------------------------------------

/**
 * `C[4×4] += Â·B̂` over `kc` steps, from a packed panel of `A` (`pa`: 4 values per step) and
 * of `B` (`pb`: 4 values per step), into `C` at `c` with row stride `ldc` bytes.
 */
@inline function tile(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize): void {
  let c00 = f64x2.splat(0)
  let c01 = f64x2.splat(0)
  let c10 = f64x2.splat(0)
  let c11 = f64x2.splat(0)
  let c20 = f64x2.splat(0)
  let c21 = f64x2.splat(0)
  let c30 = f64x2.splat(0)
  let c31 = f64x2.splat(0)
  for (let p = 0; p < kc; p++) {
    const b0 = v128.load(pb)
    const b1 = v128.load(pb, 16)
    let a = v128.load64_splat(pa)
    c00 = f64x2.add(c00, f64x2.mul(a, b0))
    c01 = f64x2.add(c01, f64x2.mul(a, b1))
    a = v128.load64_splat(pa, 8)
    c10 = f64x2.add(c10, f64x2.mul(a, b0))
    c11 = f64x2.add(c11, f64x2.mul(a, b1))
    a = v128.load64_splat(pa, 16)
    c20 = f64x2.add(c20, f64x2.mul(a, b0))
    c21 = f64x2.add(c21, f64x2.mul(a, b1))
    a = v128.load64_splat(pa, 24)
    c30 = f64x2.add(c30, f64x2.mul(a, b0))
    c31 = f64x2.add(c31, f64x2.mul(a, b1))
    pa += 32
    pb += 32
  }
  v128.store(c, f64x2.add(v128.load(c), c00))
  v128.store(c, f64x2.add(v128.load(c, 16), c01), 16)
  c += ldc
  v128.store(c, f64x2.add(v128.load(c), c10))
  v128.store(c, f64x2.add(v128.load(c, 16), c11), 16)
  c += ldc
  v128.store(c, f64x2.add(v128.load(c), c20))
  v128.store(c, f64x2.add(v128.load(c, 16), c21), 16)
  c += ldc
  v128.store(c, f64x2.add(v128.load(c), c30))
  v128.store(c, f64x2.add(v128.load(c, 16), c31), 16)
}

/** A tile at the edge of `C` (`rows` × `cols`, at most 4 × 4): computed into the spare tile, then added. */
function edgeTile(kc: i32, pa: usize, pb: usize, c: usize, ldc: usize, rows: i32, cols: i32): void {
  const t = workspace() + PACK_A_BYTES + PACK_B_BYTES
  const zero = f64x2.splat(0)
  for (let i: usize = 0; i < TILE_BYTES; i += 16) v128.store(t + i, zero)
  tile(kc, pa, pb, t, 32)
  for (let r = 0; r < rows; r++) {
    const cr = c + <usize>r * ldc
    const tr = t + (<usize>r << 5)
    for (let j = 0; j < cols; j++) {
      const at = <usize>j << 3
      store<f64>(cr + at, load<f64>(cr + at) + load<f64>(tr + at))
    }
  }
}

// -------------------------------------------------------------------------------------
// the driver
// -------------------------------------------------------------------------------------

/**
 * `C[m×n] += op(A)·op(B)`: `op(A)` is `m×k`, stored row-major at `a` as `m×k` (`ta = 0`)
 * or `k×m` (`ta = 1`) with row stride `lda` elements; `op(B)` is `k×n`, stored as `k×n`
 * (`tb = 0`) or `n×k` (`tb = 1`) with row stride `ldb`; `C` has row stride `ldc`.
 */
export function gemm(ta: i32, tb: i32, m: i32, n: i32, k: i32, a: usize, lda: i32, b: usize, ldb: i32, c: usize, ldc: i32): void {
  const packedA = workspace()
  const packedB = packedA + PACK_A_BYTES
  const ldcBytes = <usize>ldc << 3
  for (let j0 = 0; j0 < n; j0 += NC) {
    const nc = min(NC, n - j0)
    for (let p0 = 0; p0 < k; p0 += KC) {
      const kc = min(KC, k - p0)
      pack(b, ldb, tb != 0, j0, nc, p0, kc, packedB)
      for (let i0 = 0; i0 < m; i0 += MC) {
        const mc = min(MC, m - i0)
        pack(a, lda, ta == 0, i0, mc, p0, kc, packedA)
        const panelBytes = <usize>kc << 5
        for (let jr = 0; jr < nc; jr += NR) {
          const pb = packedB + <usize>(jr >> 2) * panelBytes
          const cols = min(NR, nc - jr)
          for (let ir = 0; ir < mc; ir += MR) {
            const pa = packedA + <usize>(ir >> 2) * panelBytes
            const cp = c + ((<usize>(i0 + ir) * ldc + (j0 + jr)) << 3)
            const rows = min(MR, mc - ir)
            if (rows == MR && cols == NR) tile(kc, pa, pb, cp, ldcBytes)
            else edgeTile(kc, pa, pb, cp, ldcBytes, rows, cols)
          }
        }
      }
    }
  }
}
