// Builds everything the page and the npm package serve into dist/:
//   wasm (wasm-pack, profile wasm-release, +simd128) → pkg/, then wasm-opt for size only;
//   TypeScript → dist/*.js (esbuild);  .d.ts → dist/types (tsc);
//   the wasm and the bundled digits copied beside the scripts, where import.meta.url finds them.
import { execFileSync } from 'node:child_process';
import { copyFileSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { gzipSync } from 'node:zlib';
import { build } from 'esbuild';

// wasm-opt from npm's binaryen 132, not Debian's v108: v108 rewrites the export of wasm-bindgen's externref table to
// the function table, and the module then fails to start. Only dead code and empty blocks are removed (614 → 570 KB
// gzip, 4 s): the -O levels inline, which made the gzip'd module larger here (623 KB at -Os) and took minutes.
const WASM_OPT = ['--dce', '--vacuum', '--strip-producers', '--enable-simd', '--enable-bulk-memory',
  '--enable-nontrapping-float-to-int', '--enable-sign-ext', '--enable-mutable-globals', '--enable-reference-types',
  '--enable-multivalue'];
const run = (cmd, args) => {
  try {
    execFileSync(cmd, args, { stdio: 'inherit' });
  } catch {
    console.error(`\n✗ build failed at: ${cmd} ${args.join(' ')} (its output is above)`);
    process.exit(1);
  }
};
const step = (what) => console.log(`\n▸ ${what}`);

// `npm pack` runs this too (prepack): say what is missing instead of failing deep inside a tool.
for (const [tool, check] of [['wasm-pack', ['wasm-pack', ['--version']]], ['node_modules', ['node_modules/.bin/esbuild', ['--version']]]]) {
  try {
    execFileSync(check[0], check[1], { stdio: 'ignore' });
  } catch {
    console.error(`✗ ${tool} is missing: run \`bash scripts/setup.sh\` (or \`npm start\` / \`npm test\`, which run it) first.`);
    process.exit(1);
  }
}

step('wasm: wasm-pack build --profile wasm-release, then wasm-opt (size)');
run('wasm-pack', ['build', '--target', 'web', '--profile', 'wasm-release', '--out-dir', 'pkg', '--no-pack', '--no-opt']);
run('node_modules/.bin/wasm-opt', [...WASM_OPT, 'pkg/vae_playground_bg.wasm', '-o', 'pkg/vae_playground_bg.wasm']);

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
