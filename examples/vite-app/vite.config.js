import { defineConfig } from 'vite';

export default defineConfig({
  // The widget finds its worker, wasm and digits with new URL(…, import.meta.url). Vite's dependency pre-bundling
  // would move the module away from those files during `vite dev`, so leave it as published.
  optimizeDeps: { exclude: ['vae-playground'] },
  server: {
    // Optional: cross-origin isolation gives the worker precise timers (the widget works without it).
    headers: { 'Cross-Origin-Opener-Policy': 'same-origin', 'Cross-Origin-Embedder-Policy': 'require-corp' },
  },
});
