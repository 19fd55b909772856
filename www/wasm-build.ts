// Which of the two wasm builds this browser loads: asked before any is fetched, by the element (`element/inputs.ts`)
// and by the demo page's early preload (`preload.ts`). No imports: the preload script is this and little more.

/**
 * The smallest module that uses relaxed SIMD (one f32x4.relaxed_madd): it validates only where the browser has
 * relaxed SIMD. A module cannot ask this from inside (an unsupported instruction fails its whole compile), so the
 * page asks before choosing which of the two builds to load.
 */
const V128_ZERO = [0xfd, 0x0c, ...new Array(16).fill(0)];
const RELAXED_SIMD_PROBE = new Uint8Array([
  0x00, 0x61, 0x73, 0x6d, 0x01, 0x00, 0x00, 0x00, // "\0asm", version 1
  0x01, 0x05, 0x01, 0x60, 0x00, 0x01, 0x7b, // type section: one type, () → v128
  0x03, 0x02, 0x01, 0x00, // function section: one function of type 0
  0x0a, 0x3d, 0x01, 0x3b, 0x00, // code section: one body of 59 bytes, no locals
  ...V128_ZERO, ...V128_ZERO, ...V128_ZERO, 0xfd, 0x85, 0x02, // f32x4.relaxed_madd(0, 0, 0)
  0x0b, // end
]);

export function hasRelaxedSimd(): boolean {
  try {
    return WebAssembly.validate(RELAXED_SIMD_PROBE);
  } catch {
    return false;
  }
}

/** The two builds' file names, beside the module that loads them (`element/inputs.ts` writes them out again as
 * `new URL` literals, which bundlers such as Vite look for). */
export const WASM_FILES = { relaxed: 'vae_playground_relaxed_bg.wasm', simd128: 'vae_playground_bg.wasm' } as const;

/**
 * Which of the two builds to load: the relaxed-SIMD one where the browser has relaxed SIMD, else the simd128 one.
 * `?wasm=simd128` in the page's address forces the simd128 build (to compare, or to rule the other out).
 */
export function chooseWasmBuild(builds: { relaxed: string; simd128: string }, search = location.search): string {
  return hasRelaxedSimd() && new URLSearchParams(search).get('wasm') !== 'simd128' ? builds.relaxed : builds.simd128;
}
