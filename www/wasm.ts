// Loading the wasm module, once per JavaScript realm, with an error a person can act on.
import init from '../pkg/vae_playground.js';

let loading: Promise<void> | null = null;

export function loadWasm(url: string): Promise<void> {
  loading ??= init({ module_or_path: url }).then(
    () => undefined,
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

export function errorMessage(cause: unknown): string {
  return cause instanceof Error ? cause.message : String(cause);
}

/** Fetches a file as bytes; a failure names the URL and what to check. */
export async function fetchBytes(url: string, what: string, attribute: string): Promise<Uint8Array> {
  let response: Response;
  try {
    response = await fetch(url);
  } catch (cause) {
    throw new Error(`Could not fetch ${what} from ${url} (${errorMessage(cause)}). Check the ${attribute} and that the server is up.`);
  }
  if (!response.ok) {
    throw new Error(`Could not fetch ${what} from ${url}: HTTP ${response.status} ${response.statusText}. Check the ${attribute}.`);
  }
  return new Uint8Array(await response.arrayBuffer());
}
