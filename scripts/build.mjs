// Builds everything the page and the npm package serve into dist/:
//   wasm (wasm-pack, release, +simd128) → pkg/;  TypeScript → dist/*.js (esbuild);  .d.ts → dist/types (tsc);
//   the wasm and the bundled digits copied beside the scripts, where import.meta.url finds them.
// FAST=1 skips wasm-opt (Debian's takes 1–3 min): fine for quick loops, not for measuring size.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

const fast = process.env.FAST === '1';
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: 'inherit' });
  } catch {
    console.error(`\n✗ build failed at: ${cmd} ${args.join(' ')} (its output is above)`);
    process.exit(1);
  }
};
const step = (what) => console.log(`\n▸ ${what}`);

step(`wasm: wasm-pack build --profile wasm-release${fast ? ' --no-opt' : ''}`);
run('wasm-pack', ['build', '--target', 'web', '--profile', 'wasm-release', '--out-dir', 'pkg', '--no-pack', ...(fast ? ['--no-opt'] : [])]);

step('TypeScript: esbuild bundles');
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/data', { recursive: true });
await build({
  entryPoints: { 'vae-playground': 'www/index.ts', worker: 'www/worker.ts', main: 'www/main.ts' },
  outdir: 'dist',
  bundle: true,
  format: 'esm',
  target: 'es2022',
  minify: true,
  sourcemap: true,
  legalComments: 'none',
  logLevel: 'warning',
});

step('assets: wasm and digits beside the scripts');
copyFileSync('pkg/vae_playground_bg.wasm', 'dist/vae_playground_bg.wasm');
for (const file of ['mnist-10k-images.idx3-ubyte.gz', 'mnist-10k-labels.idx1-ubyte.gz']) {
  copyFileSync(`data/${file}`, `dist/data/${file}`);
}

step('types: tsc (strict) type-checks and writes dist/types');
run('node_modules/.bin/tsc', ['-p', 'tsconfig.json']);

const wasm = readFileSync('dist/vae_playground_bg.wasm');
const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
console.log(`\n✓ dist/ built: wasm ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip; ` +
  `vae-playground.js ${kb(statSync('dist/vae-playground.js').size)}, worker.js ${kb(statSync('dist/worker.js').size)}`);
