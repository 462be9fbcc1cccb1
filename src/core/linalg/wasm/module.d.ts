/** The WebAssembly kernels compiled from asm/kernels.ts by esbuild.mjs and embedded by its binary loader. */
declare module 'recurrent-lens-wasm:kernels' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
