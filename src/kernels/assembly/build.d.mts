/** Compiles the WebAssembly kernels unless their generated module is up to date; resolves to whether it compiled. */
export declare const buildKernels: (options?: { readonly force?: boolean; readonly wat?: boolean }) => Promise<boolean>
