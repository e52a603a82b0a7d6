/**
 * Kernel selection (`src/kernels/backend.ts`): the suite runs on the backend its vitest
 * project names; `auto` takes WebAssembly above each kernel's threshold; forcing works from
 * code and from `BACKPROP_LENS_KERNELS`, read safely where `process` is missing; a runtime
 * without WebAssembly SIMD falls back to the JavaScript loops (a stand-in runtime, and a real
 * one: `node --jitless` has no WebAssembly at all).
 */
import { execFileSync } from 'node:child_process'
import { afterEach, describe, expect, it } from 'vitest'
import { Tensor, ops, Lens } from '../../src/index.js'
import * as K from '../../src/kernels/index.js'
import * as Js from '../../src/kernels/matmul.js'
import { setKernelLoader, wasmFor } from '../../src/kernels/backend.js'
import { globalWasmApi, instantiate, kernelBytes, type WasmApi } from '../../src/kernels/wasm/instance.js'

const project = process.env[K.KERNELS_ENV]

/** A `WebAssembly` without SIMD: the kernels' module does not validate. */
const withoutSimd: WasmApi = {
  validate: () => false,
  Module: class {} as unknown as WasmApi['Module'],
  Instance: class {
    readonly exports = {}
  } as unknown as WasmApi['Instance']
}

/** Runs `f` with `globalThis.process` replaced by `descriptor` (synchronously, then restored). */
const withProcess = <A>(descriptor: PropertyDescriptor, f: () => A): A => {
  const original = Object.getOwnPropertyDescriptor(globalThis, 'process') as PropertyDescriptor
  Object.defineProperty(globalThis, 'process', { ...descriptor, configurable: true })
  try {
    return f()
  } finally {
    Object.defineProperty(globalThis, 'process', original)
  }
}

afterEach(() => {
  K.setKernelBackend(undefined)
})

describe('kernel selection', () => {
  it('runs this suite on the backend its vitest project names (npm test runs it under both)', () => {
    expect(['js', 'wasm']).toContain(project)
    expect(K.kernelChoice()).toBe(project)
    expect(K.kernelBackend()).toBe(project)
  })

  it('auto: WebAssembly for calls at or above the threshold, JavaScript below; wasm: always; js: never', () => {
    const t = K.MATMUL_MIN_WORK
    expect(K.setKernelBackend('auto')).toBe('wasm') // Node 20 has WebAssembly SIMD
    expect(K.kernelChoice()).toBe('auto')
    expect(wasmFor(t - 1, t)).toBeNull()
    expect(wasmFor(t, t)).not.toBeNull()
    expect(K.setKernelBackend('wasm')).toBe('wasm')
    expect(wasmFor(1, t)).not.toBeNull()
    expect(K.setKernelBackend('js')).toBe('js')
    expect(wasmFor(t * 1000, t)).toBeNull()
  })

  it('rejects an unknown choice by name and keeps the previous one', () => {
    K.setKernelBackend('js')
    expect(() => K.setKernelBackend('gpu' as K.KernelChoice)).toThrow(
      new Error("backprop-lens: BACKPROP_LENS_KERNELS must be 'auto', 'js' or 'wasm', got 'gpu'")
    )
    expect(K.kernelChoice()).toBe('js')
  })

  it('reads BACKPROP_LENS_KERNELS from process.env, and takes auto where there is no process or reading it throws', () => {
    const env = (value: string | undefined) => ({ value: { env: value === undefined ? {} : { [K.KERNELS_ENV]: value } } })
    expect(withProcess(env('js'), () => K.setKernelBackend(undefined))).toBe('js')
    expect(withProcess(env('wasm'), () => [K.setKernelBackend(undefined), K.kernelChoice()])).toEqual(['wasm', 'wasm'])
    expect(withProcess(env(undefined), () => [K.setKernelBackend(undefined), K.kernelChoice()])).toEqual(['wasm', 'auto'])
    expect(withProcess({ value: undefined }, () => [K.setKernelBackend(undefined), K.kernelChoice()])).toEqual(['wasm', 'auto'])
    const throwing = {
      get() {
        throw new Error('no access to process')
      }
    }
    expect(withProcess(throwing, () => [K.setKernelBackend(undefined), K.kernelChoice()])).toEqual(['wasm', 'auto'])
    const error = withProcess(env('cuda'), () => {
      try {
        K.setKernelBackend(undefined)
        return undefined
      } catch (e) {
        return e
      }
    })
    expect(error).toEqual(new Error("backprop-lens: BACKPROP_LENS_KERNELS must be 'auto', 'js' or 'wasm', got 'cuda'"))
  })

  it('falls back to the JavaScript loops where the module does not validate (no SIMD) or cannot be compiled, and refuses to force wasm there', () => {
    expect(instantiate(undefined)).toBeNull()
    expect(instantiate(withoutSimd)).toBeNull()
    const refusing: WasmApi = {
      ...withoutSimd,
      validate: () => true,
      Module: class {
        constructor() {
          throw new Error('WebAssembly.Module(): Wasm code generation disallowed by embedder')
        }
      } as unknown as WasmApi['Module']
    }
    expect(instantiate(refusing)).toBeNull()
    const previous = setKernelLoader(() => instantiate(withoutSimd))
    try {
      expect(K.setKernelBackend('auto')).toBe('js')
      const a = Tensor.randomUniform([64, 70], { seed: 1 })
      const b = Tensor.randomUniform([70, 30], { seed: 2 })
      const expected = new Float64Array(64 * 30)
      Js.matmulNN(a.data, 0, b.data, 0, expected, 0, 64, 70, 30)
      expect(Lens.evaluate(ops.matmul, [a, b]).data).toEqual(expected) // the same loop: exactly
      expect(() => K.setKernelBackend('wasm')).toThrow(new Error('backprop-lens: BACKPROP_LENS_KERNELS=wasm, but this runtime has no WebAssembly SIMD'))
      expect(K.kernelBackend()).toBe('js')
    } finally {
      setKernelLoader(previous)
    }
    expect(globalWasmApi()?.validate(kernelBytes())).toBe(true)
    expect(K.setKernelBackend('auto')).toBe('wasm')
  })

  it('falls back in a real runtime without WebAssembly (node --jitless), where forcing wasm is an error', () => {
    const script = [
      "const K = await import('./src/kernels/index.ts')",
      "const { Lens, Tensor, ops } = await import('./src/index.ts')",
      'const y = Lens.evaluate(ops.matmul, [Tensor.fromNested([[1, 2]]), Tensor.fromNested([[3], [4]])])',
      'let forced',
      "try { K.setKernelBackend('wasm') } catch (e) { forced = e.message }",
      'console.log(JSON.stringify([typeof WebAssembly, K.kernelBackend(), Array.from(y.data), forced]))'
    ].join('\n')
    const run = (env: Record<string, string>): string =>
      execFileSync(process.execPath, ['--jitless', '--import', 'tsx', '--input-type=module', '-e', script], {
        cwd: new URL('../..', import.meta.url),
        env: { ...process.env, ...env },
        encoding: 'utf8',
        stdio: ['ignore', 'pipe', 'ignore']
      }).trim()
    expect(JSON.parse(run({ [K.KERNELS_ENV]: 'auto' }))).toEqual([
      'undefined',
      'js',
      [11],
      'backprop-lens: BACKPROP_LENS_KERNELS=wasm, but this runtime has no WebAssembly SIMD'
    ])
  })
})
