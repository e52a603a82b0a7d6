import { defineConfig } from 'vitest/config'

// The whole suite runs twice, once per kernel backend (see src/kernels/index.ts):
// `wasm` runs every kernel call through the WebAssembly SIMD kernels (whatever its size),
// `js` through the JavaScript loops. `vitest run --project js` runs one of them.
const backend = (name: 'wasm' | 'js') => ({
  extends: true as const,
  test: { name, env: { BACKPROP_LENS_KERNELS: name } }
})

export default defineConfig({
  test: {
    include: ['test/**/*.test.ts'],
    typecheck: { enabled: false },
    testTimeout: 60_000,
    hookTimeout: 60_000,
    globalSetup: ['test/support/kernels-setup.ts'],
    projects: [backend('wasm'), backend('js')]
  }
})
