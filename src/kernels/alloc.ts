/**
 * Where the data of a fresh tensor comes from. `new Float64Array(n)` costs 0.6–1.5 µs once
 * the array is past the 64 bytes V8 keeps inside the object (measured, node 20: it allocates a
 * backing store outside the heap and tracks it for the collector), whatever `n` is; on a small
 * network that is most of a training step. So small arrays are carved, one after another and
 * never twice, out of a shared 16 KiB `ArrayBuffer` (the trick Node's `Buffer` pool plays),
 * which costs 50–350 ns; a new pool is started when the current one is full.
 *
 * What it changes: a small tensor's `data` is a view with its own `byteOffset` into a buffer
 * other tensors' views share (their ranges never overlap, and nothing writes into a tensor's
 * data), and a live view keeps its whole pool alive — at most 16 KiB a tensor, for tensors of
 * 72 bytes to 2 KiB.
 *
 * @internal
 * @module kernels/alloc
 */

/** Bytes of one pool. */
const POOL_BYTES = 16384

/** Arrays of this many elements or fewer (64 bytes) live inside their object: cheap already. */
const ON_HEAP = 8

/** Arrays of more elements than this (2 KiB) get a buffer of their own. */
const MAX_POOLED = 256

let pool = new ArrayBuffer(POOL_BYTES)
let used = 0

/**
 * A zeroed `Float64Array` of `n` elements (a `RangeError` for a length `new Float64Array`
 * refuses), from the current pool when it is small (see the module's comment).
 *
 * @internal
 */
export const zeros = (n: number): Float64Array => {
  if (!(n > ON_HEAP && n <= MAX_POOLED) || (n | 0) !== n) return new Float64Array(n)
  const bytes = n * 8
  if (used + bytes > POOL_BYTES) {
    pool = new ArrayBuffer(POOL_BYTES)
    used = 0
  }
  const out = new Float64Array(pool, used, n)
  used += bytes
  return out
}

/**
 * A fresh copy of `src` (from the pool when small, as {@link zeros}).
 *
 * @internal
 */
export const copyOf = (src: ArrayLike<number>): Float64Array => {
  const out = zeros(src.length)
  if (ArrayBuffer.isView(src)) out.set(src as Float64Array)
  else for (let i = 0; i < src.length; i++) out[i] = src[i] as number
  return out
}
