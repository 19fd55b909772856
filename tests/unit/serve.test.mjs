// The dev server (scripts/serve.mjs): it serves its folder and nothing beside it, and survives malformed paths.
import assert from 'node:assert/strict';
import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { after, before, test } from 'node:test';
import { serve } from '../../scripts/serve.mjs';

let dir, server, url;

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-serve-'));
  mkdirSync(join(dir, 'site'));
  mkdirSync(join(dir, 'site-secrets')); // a sibling whose name starts with the served folder's
  writeFileSync(join(dir, 'site', 'index.html'), '<p>home</p>');
  writeFileSync(join(dir, 'site-secrets', 'key.txt'), 'do not serve');
  ({ server, url } = await serve(join(dir, 'site')));
});

after(() => {
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw GET: the path goes out exactly as written (fetch would normalise it). */
function get(path) {
  return new Promise((resolve, reject) => {
    const { port } = new URL(url);
    const req = request({ host: '127.0.0.1', port, path, method: 'GET' }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('error', reject);
    req.end();
  });
}

test('serves its folder, with the isolation headers', async () => {
  const res = await get('/');
  assert.equal(res.status, 200);
  assert.equal(res.body, '<p>home</p>');
  assert.equal(res.headers['cross-origin-embedder-policy'], 'require-corp');
});

test('an encoded ../ into a sibling folder with the same prefix is refused', async () => {
  for (const path of ['/..%2Fsite-secrets/key.txt', '/%2E%2E/site-secrets/key.txt', '/../site-secrets/key.txt', '/..%5Csite-secrets/key.txt']) {
    const res = await get(path);
    assert.notEqual(res.status, 200, path);
    assert.ok(!res.body.includes('do not serve'), `${path} leaked the sibling's file`);
  }
});

test('a malformed path gets 400 and the server keeps serving', async () => {
  for (const path of ['/%', '/%zz', '/a%00b']) {
    const res = await get(path);
    assert.equal(res.status, 400, path);
  }
  assert.equal((await get('/')).status, 200, 'still up');
});

test('a missing file is a 404 that names it', async () => {
  const res = await get('/nope.js');
  assert.equal(res.status, 404);
  assert.match(res.body, /nope\.js/);
});

test('cors: true lets other origins load the files; isolate: false sends no COOP/COEP', async () => {
  const cdn = await serve(join(dir, 'site'), { cors: true, isolate: false });
  try {
    const res = await fetch(cdn.url);
    assert.equal(res.headers.get('access-control-allow-origin'), '*');
    assert.equal(res.headers.get('cross-origin-resource-policy'), 'cross-origin');
    assert.equal(res.headers.get('cross-origin-embedder-policy'), null);
  } finally {
    cdn.server.close();
  }
});
