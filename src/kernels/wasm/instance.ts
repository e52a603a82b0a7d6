/**
 * Loading the WebAssembly kernels and staging operands in their memory.
 *
 * The module (compiled from `src/kernels/assembly/` by `src/kernels/assembly/build.mjs`) is
 * embedded as base64 in a generated module, decoded and compiled synchronously the first time
 * a kernel runs — no file system, no `fetch`, so the same code loads under Node, bundlers and
 * browsers. A runtime without WebAssembly SIMD fails `WebAssembly.validate` on these very
 * bytes, which is the feature test (no separate probe module).
 *
 * Memory: tensors stay JavaScript `Float64Array`s. A call copies its operands into one
 * reusable *staging* region of the module's memory, runs, and copies the result out; the
 * region grows (by `memory.grow`) to the largest call so far and is never freed, so a
 * training loop stops growing after its first step. `memory.grow` detaches every view of the
 * old buffer, and only {@link staging} grows it (the kernels never allocate), so the rule is:
 * take the view from {@link staging} at the start of a call and never keep it past that call.
 *
 * @internal
 * @module kernels/wasm/instance
 */
import { KERNELS_BASE64 } from './kernels.generated.js'

// -------------------------------------------------------------------------------------
// model
// -------------------------------------------------------------------------------------

/** The module's exports (pointers are byte offsets into its memory). @internal */
export interface Exports {
  readonly memory: { readonly buffer: ArrayBuffer; grow(pages: number): number }
  /** `C += op(A)·op(B)`; see `src/kernels/assembly/gemm.ts`. */
  readonly gemm: (ta: number, tb: number, m: number, n: number, k: number, a: number, lda: number, b: number, ldb: number, c: number, ldc: number) => void
  /** Where operands may be staged (after the kernels' own workspace), in bytes. */
  readonly stagingBase: () => number
  /** The index of the first non-finite value of `n` values at `p`, or -1. */
  readonly firstNonFinite: (p: number, n: number) => number
  /** `o = a ∘ b` over `rows` rows of width `w`, an operand with its `row` flag set being one repeated row; see `assembly/vector.ts`. */
  readonly binary: (op: number, a: number, aRow: number, b: number, bRow: number, o: number, rows: number, w: number) => void
  /** `o = c·x + d`. */
  readonly affine: (x: number, c: number, d: number, o: number, n: number) => void
  /** `o = x > 0 ? y : 0`. */
  readonly relu: (x: number, y: number, o: number, n: number) => void
  /** Column sums of `outer` groups of `rows × w`, in row order. */
  readonly sumRows: (x: number, outer: number, rows: number, w: number, o: number) => void
  /** Sums of `runs` contiguous runs of `len` values (eight partial sums each). */
  readonly sumRuns: (x: number, runs: number, len: number, o: number) => void
}

/** The loaded kernels: the exports and the staging region's start, in float64 elements. @internal */
export interface Kernels {
  readonly exports: Exports
  /** `stagingBase() / 8`: index into {@link staging}'s view of the first staged value. */
  readonly base: number
}

/** The parts of the `WebAssembly` global used here (so no DOM or Node typings are needed). @internal */
export interface WasmApi {
  readonly validate: (bytes: Uint8Array) => boolean
  readonly Module: new (bytes: Uint8Array) => object
  readonly Instance: new (module: object, imports: object) => { readonly exports: object }
}

// -------------------------------------------------------------------------------------
// loading
// -------------------------------------------------------------------------------------

/** The embedded module's bytes. @internal */
export const kernelBytes = (): Uint8Array => {
  const text = atob(KERNELS_BASE64)
  const bytes = new Uint8Array(text.length)
  for (let i = 0; i < text.length; i++) bytes[i] = text.charCodeAt(i)
  return bytes
}

/** The `WebAssembly` global, when there is one. @internal */
export const globalWasmApi = (): WasmApi | undefined => {
  const api = (globalThis as { WebAssembly?: Partial<WasmApi> }).WebAssembly
  return typeof api === 'object' && api !== null && typeof api.validate === 'function' && typeof api.Module === 'function' && typeof api.Instance === 'function'
    ? (api as WasmApi)
    : undefined
}

/**
 * Compiles and instantiates the kernels; `null` when the runtime has no WebAssembly, no SIMD
 * (the module does not validate), or refuses to compile it. `api` is the `WebAssembly` global
 * ({@link globalWasmApi}) or a stand-in (tests use one without SIMD).
 *
 * @internal
 */
export const instantiate = (api: WasmApi | undefined, bytes: Uint8Array = kernelBytes()): Kernels | null => {
  if (api === undefined || !api.validate(bytes)) return null
  try {
    const exports = new api.Instance(new api.Module(bytes), {}).exports as Exports
    return { exports, base: exports.stagingBase() / 8 }
  } catch {
    // e.g. a content security policy that forbids compiling WebAssembly
    return null
  }
}

// -------------------------------------------------------------------------------------
// staging memory
// -------------------------------------------------------------------------------------

const PAGE = 65536

let limit = 1 << 22

/**
 * The most float64 values one call stages at a time (default 2²² = 32 MiB): a larger matrix
 * product runs in blocks, a larger elementwise call in JavaScript.
 *
 * @internal
 */
export const stagingLimit = (): number => limit

/**
 * Sets {@link stagingLimit} (at least 48: one 4 × 4 block of each matrix of a product) and
 * returns the previous one; for tests.
 *
 * @internal
 */
export const setStagingLimit = (values: number): number => {
  const previous = limit
  limit = Math.max(48, Math.floor(values))
  return previous
}

/** The current view of the memory; replaced whenever the memory grows. */
let view = new Float64Array(0)

/**
 * A view of the module's memory with room for `count` float64 values from `kernels.base`,
 * growing the memory first if it is too small (the kernels' own workspace sits below `base`
 * and is covered too). The view is valid until the next call of `staging`; `null` when `count`
 * is past {@link stagingLimit} or the memory cannot grow that far (the caller then runs the
 * JavaScript kernel).
 *
 * @internal
 */
export const staging = ({ exports, base }: Kernels, count: number): Float64Array | null => {
  if (count > limit) return null
  calls++
  const memory = exports.memory
  const bytes = (base + count) * 8
  if (memory.buffer.byteLength < bytes) {
    try {
      memory.grow(Math.ceil((bytes - memory.buffer.byteLength) / PAGE))
    } catch {
      return null
    }
  }
  if (view.buffer !== memory.buffer) view = new Float64Array(memory.buffer)
  return view
}

let calls = 0

/** How many calls have staged operands so far: tests use it to see which kernel ran. @internal */
export const stagedCalls = (): number => calls

/** The size of the module's memory in bytes (for tests of growth). @internal */
export const memoryBytes = ({ exports }: Kernels): number => exports.memory.buffer.byteLength
