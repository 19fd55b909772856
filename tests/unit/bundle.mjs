// Imports a module of www/ in node: esbuild bundles it to a temporary file (only modules that touch no DOM or wasm).
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { build } from 'esbuild';

export async function importWww(path) {
  const dir = mkdtempSync(join(tmpdir(), 'vae-www-'));
  const outfile = join(dir, 'module.mjs');
  try {
    await build({ entryPoints: [resolve(path)], outfile, bundle: true, format: 'esm', platform: 'neutral', logLevel: 'error' });
    return await import(pathToFileURL(outfile).href);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}
