// Loading the wasm module, once per JavaScript realm, with an error a person can act on.
import init from '../pkg/vae_playground.js';

let loading: Promise<void> | null = null;
let memory: WebAssembly.Memory | null = null;

/** Whether the module is loaded in this realm (its exports can be called now). */
export function wasmReady(): boolean {
  return memory !== null;
}

export function loadWasm(url: string): Promise<void> {
  loading ??= init({ module_or_path: url }).then(
    (exports) => {
      memory = exports.memory;
    },
    (cause: unknown) => {
      loading = null; // a later call may try again
      throw new Error(
        `Could not load the WebAssembly module from ${url} (${errorMessage(cause)}). ` +
          'Serve the files over http(s) with the MIME type application/wasm, and use a browser with WebAssembly SIMD.',
      );
    },
  );
  return loading;
}

/** The wasm heap's size now (it only grows): the benchmark's leak check. */
export function wasmMemoryBytes(): number {
  return memory?.buffer.byteLength ?? 0;
}

/** The most a wasm32 module's memory can grow to: 65,536 pages of 64 KiB. */
const WASM32_MAX_BYTES = 65_536 * 65_536;

/**
 * Grows the wasm heap until only about `bytes` are left before wasm32's 4 GiB, with pages the Rust allocator never
 * uses (it grows the memory itself from wherever the end is): for the end-to-end test that makes a real allocation
 * run out of memory with a data set the IDX reader still accepts. Returns the heap's size after.
 */
export function leaveWasmMemory(bytes: number): number {
  const pages = Math.floor((WASM32_MAX_BYTES - wasmMemoryBytes() - bytes) / 65_536);
  if (memory && pages > 0) memory.grow(pages);
  return wasmMemoryBytes();
}

export function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Fetches a file as bytes; a failure names what and where, and says what to do (`fix`, e.g. "check the … attribute"). */
export async function fetchBytes(url: string, what: string, fix: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new Error(`Could not fetch ${what} from ${url} (${errorMessage(cause)}): ${fix}, and that the server is up and sends CORS headers if it is another origin.`);
  }
  if (!response.ok) {
    throw new Error(`Could not fetch ${what} from ${url}: HTTP ${response.status} ${response.statusText}. To fix it, ${fix}.`);
  }
  return new Uint8Array(await response.arrayBuffer());
}
