/** The fused RNN training kernel compiled from asm/rnn.ts by esbuild.mjs and embedded by its binary loader. */
declare module 'recurrent-lens-wasm:rnn' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

/** The fused LSTM training kernel compiled from asm/gated.ts. */
declare module 'recurrent-lens-wasm:gated' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}

/** The same kernels built with relaxed SIMD (fused multiply-adds), chosen by wasmSimd.ts where accepted. */
declare module 'recurrent-lens-wasm:rnn-relaxed' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
declare module 'recurrent-lens-wasm:gated-relaxed' {
  const bytes: Uint8Array<ArrayBuffer>;
  export default bytes;
}
