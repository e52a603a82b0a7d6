/**
 * vitest's global setup: compiles the WebAssembly kernels when their generated module is
 * missing or out of date with the AssemblyScript sources (`src/kernels/assembly/build.mjs`), so
 * that `npx vitest` works straight after editing them.
 */
import { buildKernels } from '../../src/kernels/assembly/build.mjs'

export default async (): Promise<void> => {
  await buildKernels()
}
