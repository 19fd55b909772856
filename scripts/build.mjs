// Builds everything the page and the npm package serve into dist/:
//   wasm twice (wasm-pack, profile wasm-release): +simd128 → pkg/, and +simd128,+relaxed-simd → pkg-relaxed/ (the
//   page loads the second where the browser has relaxed SIMD; a module with relaxed instructions does not even
//   compile elsewhere), then wasm-opt for size only;
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

// The two builds (target features, output names) are listed once, in scripts/wasm-builds.json.
const BUILDS = JSON.parse(readFileSync(new URL('./wasm-builds.json', import.meta.url), 'utf8')).builds.map((build) => ({
  ...build,
  env: build.rustflags ? { RUSTFLAGS: build.rustflags, CARGO_TARGET_DIR: build.targetDir } : {},
}));
for (const build of BUILDS) {
  step(`wasm (${build.name}): wasm-pack build --profile wasm-release → ${build.dir}/, then wasm-opt (size)`);
  run('wasm-pack', ['build', '--target', 'web', '--profile', 'wasm-release', '--out-dir', build.dir, '--no-pack', '--no-opt'], build.env);
  const file = `${build.dir}/vae_playground_bg.wasm`;
  run('node_modules/.bin/wasm-opt', [...WASM_OPT, ...(build.dir === 'pkg' ? [] : ['--enable-relaxed-simd']), file, '-o', file]);
}
// One JavaScript glue serves both modules: it must be the same for both builds.
if (readFileSync('pkg/vae_playground.js', 'utf8') !== readFileSync('pkg-relaxed/vae_playground.js', 'utf8')) {
  console.error('✗ the two wasm builds have different JavaScript glue (pkg/ and pkg-relaxed/vae_playground.js); one glue is bundled for both');
  process.exit(1);
}

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
for (const build of BUILDS) copyFileSync(`${build.dir}/vae_playground_bg.wasm`, `dist/${build.wasm}`);
for (const file of ['mnist-10k-images.idx3-ubyte.gz', 'mnist-10k-labels.idx1-ubyte.gz']) {
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
