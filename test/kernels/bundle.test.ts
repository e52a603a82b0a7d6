/**
 * The WebAssembly kernels load the way a browser would get them: the library bundled by
 * esbuild for the browser (which fails on any Node built-in such as `node:fs`) and run in a
 * bare JavaScript realm that has `WebAssembly` and `atob` but no `process`, `require` or file
 * system. There it picks the SIMD kernels by itself and computes the same product as the
 * JavaScript loops.
 */
import { runInNewContext } from 'node:vm'
import { build } from 'esbuild'
import { describe, expect, it } from 'vitest'

const entry = `
import { Lens, Tensor, ops } from './src/index.ts'
import * as K from './src/kernels/index.ts'
const a = Tensor.randomUniform([40, 30], { seed: 1 })
const b = Tensor.randomUniform([30, 20], { seed: 2 })
const wasm = Lens.evaluate(ops.matmul, [a, b]).data
const choice = [K.kernelChoice(), K.kernelBackend()]
K.setKernelBackend('js')
const js = Lens.evaluate(ops.matmul, [a, b]).data
globalThis.result = { choice, same: wasm.every((v, i) => v === js[i]), size: wasm.length, hasProcess: typeof process }
`

describe('the kernels in a browser bundle', () => {
  it('bundle for the browser without Node built-ins, load from the embedded bytes and choose WebAssembly SIMD', async () => {
    const bundle = await build({
      stdin: { contents: entry, resolveDir: new URL('../..', import.meta.url).pathname, loader: 'ts' },
      bundle: true,
      platform: 'browser',
      format: 'iife',
      write: false,
      logLevel: 'silent'
    })
    const code = bundle.outputFiles[0]?.text ?? ''
    expect(code).not.toMatch(/require\(|node:/)
    const realm: Record<string, unknown> = { WebAssembly: (globalThis as Record<string, unknown>).WebAssembly, atob, console }
    runInNewContext(code, realm)
    // exact: 30 products per entry, summed in the same order on both paths
    expect(realm.result).toEqual({ choice: ['auto', 'wasm'], same: true, size: 800, hasProcess: 'undefined' })
  })
})
