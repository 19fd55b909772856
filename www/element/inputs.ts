// What an element is built from: the files beside the module (wasm, worker, the bundled digits) and what its URL
// attributes point to instead. A URL attribute that cannot be read is named in a problem and the default used.
import { parseDataUrls, parseUrl } from '../settings.js';
import type { WorkerSources } from '../protocol.js';
import { errorMessage } from '../wasm.js';
import { chooseWasmBuild } from '../wasm-build.js';

// Each file's URL is written out (not built from the dataset table's names, nor from `WASM_FILES`) so that bundlers
// that copy the assets `new URL('…', import.meta.url)` names (Vite) find every one of them.
export const ASSETS = {
  wasm: chooseWasmBuild({
    relaxed: new URL('./vae_playground_relaxed_bg.wasm', import.meta.url).href,
    simd128: new URL('./vae_playground_bg.wasm', import.meta.url).href,
  }),
  worker: new URL('./worker.js', import.meta.url).href,
  bundled: {
    mnist: {
      images: new URL('./data/mnist-10k-images.idx3-ubyte.gz', import.meta.url).href,
      labels: new URL('./data/mnist-10k-labels.idx1-ubyte.gz', import.meta.url).href,
    },
    fashion: {
      images: new URL('./data/fashion-10k-images.idx3-ubyte.gz', import.meta.url).href,
      labels: new URL('./data/fashion-10k-labels.idx1-ubyte.gz', import.meta.url).href,
    },
  },
};

export interface Inputs {
  sources: WorkerSources;
  /** The `weights` file to start from, resolved. */
  weights: string | null;
  /** Attributes that could not be used, each with what is done instead. */
  problems: string[];
}

/** The inputs `read` (an attribute reader) names, resolved against `base`. */
export function readInputs(read: (attribute: string) => string | null, base: string): Inputs {
  const sources: WorkerSources = { wasm: ASSETS.wasm, bundled: ASSETS.bundled, url: null };
  const problems: string[] = [];
  let weights: string | null = null;
  const data = read('data');
  if (data !== null) {
    try {
      const [images, labels] = parseDataUrls(data, base);
      sources.url = { images, labels };
    } catch (cause) {
      problems.push(`${errorMessage(cause)}; using the bundled digits.`);
    }
  }
  const file = read('weights');
  if (file !== null) {
    try {
      weights = parseUrl('weights', file, base);
    } catch (cause) {
      problems.push(`${errorMessage(cause)}; starting from fresh weights.`);
    }
  }
  return { sources, weights, problems };
}
