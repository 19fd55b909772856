// Builds everything the page and the npm package serve into dist/ (`--bench`: only the benchmark's two wasm builds,
// with its diagnostics, into their own folders — see scripts/wasm-builds.json):
//   wasm twice (wasm-pack, profile wasm-release): +simd128 → pkg/, and +simd128,+relaxed-simd → pkg-relaxed/ (the
//   page loads the second where the browser has relaxed SIMD; a module with relaxed instructions does not even
//   compile elsewhere), then wasm-opt for size only;
//   TypeScript → dist/*.js (esbuild);  .d.ts → dist/types (tsc);
//   the wasm and the bundled datasets (MNIST, Fashion-MNIST) copied beside the scripts, where import.meta.url finds them.
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
const run = (cmd, args, env = {}) => {
  try {
    execFileSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
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

// The two builds (target features, output names, the benchmark's twins) are listed once, in scripts/wasm-builds.json.
const bench = process.argv.includes('--bench');
const LIST = JSON.parse(readFileSync(new URL('./wasm-builds.json', import.meta.url), 'utf8'));
const BUILDS = LIST.builds.map((build) => {
  const { dir, targetDir } = bench ? build.bench : build;
  const env = { ...(build.rustflags && { RUSTFLAGS: build.rustflags }), ...(targetDir && { CARGO_TARGET_DIR: targetDir }) };
  return { ...build, dir, env, relaxed: build.rustflags?.includes('+relaxed-simd') ?? false };
});
for (const build of BUILDS) {
  const features = bench ? ['--features', LIST.benchFeatures] : [];
  step(`wasm (${build.name}${bench ? ', benchmark' : ''}): wasm-pack build --profile wasm-release → ${build.dir}/, then wasm-opt (size)`);
  run('wasm-pack', ['build', '--target', 'web', '--profile', 'wasm-release', '--out-dir', build.dir, '--no-pack', '--no-opt', '.', ...features], build.env);
  const file = `${build.dir}/vae_playground_bg.wasm`;
  run('node_modules/.bin/wasm-opt', [...WASM_OPT, ...(build.relaxed ? ['--enable-relaxed-simd'] : []), file, '-o', file]);
}
// One JavaScript glue serves both modules: it must be the same for both builds.
const [first, second] = BUILDS.map((build) => `${build.dir}/vae_playground.js`);
if (readFileSync(first, 'utf8') !== readFileSync(second, 'utf8')) {
  console.error(`✗ the two wasm builds have different JavaScript glue (${first} and ${second}); one glue serves both`);
  process.exit(1);
}
if (bench) {
  console.log(`\n✓ the benchmark's wasm built: ${BUILDS.map((build) => `${build.dir}/`).join(', ')}`);
  process.exit(0);
}

step('TypeScript: esbuild bundles');
rmSync('dist', { recursive: true, force: true });
mkdirSync('dist/data', { recursive: true });
const BUNDLE = { outdir: 'dist', bundle: true, target: 'es2022', minify: true, legalComments: 'none', logLevel: 'warning' };
await build({
  ...BUNDLE,
  entryPoints: { 'vae-playground': 'www/index.ts', worker: 'www/worker.ts', evaluator: 'www/evaluator.ts', 'share-worker': 'www/share-worker.ts', main: 'www/main.ts' },
  format: 'esm',
  sourcemap: true,
});
// The preload script is classic, not a module: it runs as soon as it arrives (see www/preload.ts).
await build({ ...BUNDLE, entryPoints: { preload: 'www/preload.ts' }, format: 'iife' });

step('assets: wasm and the bundled datasets beside the scripts');
for (const build of BUILDS) copyFileSync(`${build.dir}/vae_playground_bg.wasm`, `dist/${build.wasm}`);
// MNIST, loaded with the page, and Fashion-MNIST, fetched only when chosen (www/datasets.ts lists both).
for (const file of ['mnist-10k-images.idx3-ubyte.gz', 'mnist-10k-labels.idx1-ubyte.gz', 'fashion-10k-images.idx3-ubyte.gz', 'fashion-10k-labels.idx1-ubyte.gz']) {
  copyFileSync(`data/${file}`, `dist/data/${file}`);
}
// The demo page's stylesheet (index.html allows no inline style); not part of the npm package.
copyFileSync('www/page.css', 'dist/page.css');

step('types: tsc (strict) type-checks and writes dist/types');
run('node_modules/.bin/tsc', ['-p', 'tsconfig.json']);

const kb = (n) => `${(n / 1024).toFixed(0)} KB`;
const sizes = BUILDS.map((build) => {
  const wasm = readFileSync(`dist/${build.wasm}`);
  return `${build.name} wasm ${kb(wasm.length)} raw, ${kb(gzipSync(wasm, { level: 9 }).length)} gzip`;
});
console.log(`\n✓ dist/ built: ${sizes.join('; ')}; ` +
  `vae-playground.js ${kb(statSync('dist/vae-playground.js').size)}, worker.js ${kb(statSync('dist/worker.js').size)}`);
