// An early start for the wasm download, the longest wait before the first digit: a page puts this small classic
// script in its head (`<script src="…/preload.js">`, before the element's module) and, as soon as it arrives, it asks
// for the build this browser will load, so the download runs beside the element's module instead of after it (the
// element's own request then finds it). Classic, not a module: an async module waited here until the main thread had
// parsed the element's module, which left the download where it was.
import { WASM_FILES, chooseWasmBuild } from './wasm-build.js';

// The files lie beside this script; bundled or injected (no current script), it cannot know where, and asks nothing.
const script = document.currentScript as HTMLScriptElement | null;
if (script?.src) {
  const link = document.createElement('link');
  link.rel = 'preload';
  link.as = 'fetch';
  link.type = 'application/wasm';
  link.crossOrigin = 'anonymous'; // as the element's fetch() asks, or the preload would not be the one it finds
  const beside = (file: string) => new URL(file, script.src).href;
  link.href = chooseWasmBuild({ relaxed: beside(WASM_FILES.relaxed), simd128: beside(WASM_FILES.simd128) });
  document.head.append(link);
}
