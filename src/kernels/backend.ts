/**
 * Which kernels run: the WebAssembly SIMD ones or the JavaScript loops.
 *
 * - `auto` (the default): WebAssembly when the runtime has WebAssembly SIMD (the embedded
 *   module validates), for the calls large enough to gain from it (each kernel names its
 *   threshold, measured: below it the JavaScript loop is faster than staging the operands);
 *   the JavaScript loops otherwise.
 * - `wasm`: the WebAssembly kernels for every size (tests use it to run the whole suite
 *   through them); an error if the runtime has no WebAssembly SIMD.
 * - `js`: the JavaScript loops only.
 *
 * The choice is read once, lazily (at the first kernel call), from the environment variable
 * {@link KERNELS_ENV} when there is a `process.env` (Node, Deno with permission, bundlers
 * that define it); elsewhere it is `auto`. {@link setKernelBackend} overrides it (tests,
 * benchmarks).
 *
 * @internal
 * @module kernels/backend
 */
import { globalWasmApi, instantiate, type Kernels } from './wasm/instance.js'

/** How the kernels are chosen. @internal */
export type KernelChoice = 'auto' | 'js' | 'wasm'

/** The environment variable that forces a choice: `BACKPROP_LENS_KERNELS=js|wasm|auto`. @internal */
export const KERNELS_ENV = 'BACKPROP_LENS_KERNELS'

const UNRESOLVED = 0
const JS = 1
const AUTO = 2
const ALWAYS = 3

let state = UNRESOLVED
let chosen: KernelChoice = 'auto'
let override: KernelChoice | undefined
let loaded: Kernels | null | undefined
let loader: () => Kernels | null = () => instantiate(globalWasmApi())

/** The environment's choice, if it names one; never throws where `process` is missing or guarded. */
const fromEnvironment = (): string | undefined => {
  try {
    const env = (globalThis as { process?: { env?: Record<string, string | undefined> } }).process?.env
    const value = typeof env === 'object' && env !== null ? env[KERNELS_ENV] : undefined
    return typeof value === 'string' && value !== '' ? value : undefined
  } catch {
    return undefined
  }
}

const isChoice = (v: string): v is KernelChoice => v === 'auto' || v === 'js' || v === 'wasm'

/** The kernels' module, instantiated once; `null` without WebAssembly SIMD. */
const wasmKernels = (): Kernels | null => {
  if (loaded === undefined) loaded = loader()
  return loaded
}

const resolve = (): void => {
  const raw = override ?? fromEnvironment() ?? 'auto'
  if (!isChoice(raw)) throw new Error(`backprop-lens: ${KERNELS_ENV} must be 'auto', 'js' or 'wasm', got '${raw}'`)
  chosen = raw
  if (raw === 'js') {
    state = JS
    return
  }
  if (wasmKernels() === null) {
    if (raw === 'wasm') throw new Error(`backprop-lens: ${KERNELS_ENV}=wasm, but this runtime has no WebAssembly SIMD`)
    state = JS
    return
  }
  state = raw === 'wasm' ? ALWAYS : AUTO
}

/**
 * The WebAssembly kernels if they should run a call of size `work` (in the kernel's own
 * unit) whose threshold is `threshold`; `null` for the JavaScript loop. The hot path: two
 * comparisons once resolved.
 *
 * @internal
 */
export const wasmFor = (work: number, threshold: number): Kernels | null => {
  if (state === UNRESOLVED) resolve()
  return state === ALWAYS || (state === AUTO && work >= threshold) ? (loaded as Kernels) : null
}

/**
 * The kernels in use: `'wasm'` when the WebAssembly kernels run (for large enough calls under
 * `auto`, for all under `wasm`), `'js'` when only the JavaScript loops do.
 *
 * @internal
 */
export const kernelBackend = (): 'js' | 'wasm' => {
  if (state === UNRESOLVED) resolve()
  return state === JS ? 'js' : 'wasm'
}

/** The choice in effect (`auto`, `js` or `wasm`), from {@link setKernelBackend} or the environment. @internal */
export const kernelChoice = (): KernelChoice => {
  if (state === UNRESOLVED) resolve()
  return chosen
}

/**
 * Forces a choice (`undefined`: back to the environment's) and returns the backend now in use.
 * Throws, leaving the previous choice, when `wasm` is asked for and the runtime has no
 * WebAssembly SIMD.
 *
 * @internal
 */
export const setKernelBackend = (choice: KernelChoice | undefined): 'js' | 'wasm' => {
  const previous = { state, override, chosen }
  override = choice
  state = UNRESOLVED
  try {
    return kernelBackend()
  } catch (error) {
    ;({ state, override, chosen } = previous)
    throw error
  }
}

/** The loaded WebAssembly kernels, or `null` when the runtime has no SIMD (loading them if needed). @internal */
export const loadedKernels = (): Kernels | null => wasmKernels()

/**
 * Replaces how the WebAssembly kernels are loaded (tests stand in a runtime without SIMD with
 * `() => instantiate(apiWithoutSimd)`), drops the loaded ones and the resolved choice, and
 * returns the previous loader.
 *
 * @internal
 */
export const setKernelLoader = (load: () => Kernels | null): (() => Kernels | null) => {
  const previous = loader
  loader = load
  loaded = undefined
  state = UNRESOLVED
  return previous
}
