// The dev server (scripts/serve.mjs): it serves its folder and nothing beside it, only the paths the page needs, to
// requests addressed to it, read-only, regular files only, and survives malformed paths.
import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { request } from 'node:http';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { after, before, test } from 'node:test';
import { fileURLToPath } from 'node:url';
import { serve } from '../../scripts/serve.mjs';

let dir, server, url;

/** Writes `text` to `path` under the served folder, making its folders. */
function put(path, text) {
  mkdirSync(dirname(join(dir, 'site', path)), { recursive: true });
  writeFileSync(join(dir, 'site', path), text);
}

before(async () => {
  dir = mkdtempSync(join(tmpdir(), 'vae-serve-'));
  mkdirSync(join(dir, 'site'));
  mkdirSync(join(dir, 'site-secrets')); // a sibling whose name starts with the served folder's
  writeFileSync(join(dir, 'site-secrets', 'key.txt'), 'do not serve');
  put('index.html', '<p>home</p>');
  // What the page needs…
  put('dist/app.js', 'export {};');
  put('dist/sub/index.html', '<p>sub</p>');
  put('tests/e2e/fixtures/page.html', '<p>fixture</p>');
  // …and what a checkout holds beside it.
  put('.git/HEAD', 'ref: refs/heads/main');
  put('target/debug/secret', 'build output');
  put('node_modules/dep/index.js', 'dependency');
  put('src/lib.rs', 'source');
  put('pkg/vae_playground.js', 'glue');
  put('tests/unit/x.test.mjs', 'a test');
  // Symbolic links: out of the folder, into a refused path, and one that stays among served files.
  symlinkSync(join(dir, 'site-secrets', 'key.txt'), join(dir, 'site', 'dist', 'leak.txt'));
  symlinkSync(join(dir, 'site-secrets'), join(dir, 'site', 'dist', 'secrets'));
  symlinkSync('../.git/HEAD', join(dir, 'site', 'dist', 'head'));
  symlinkSync('app.js', join(dir, 'site', 'dist', 'alias.js'));
  execFileSync('mkfifo', [join(dir, 'site', 'dist', 'pipe')]);
  ({ server, url } = await serve(join(dir, 'site')));
});

after(() => {
  server.closeAllConnections();
  server.close();
  rmSync(dir, { recursive: true, force: true });
});

/** A raw request: the path goes out exactly as written (fetch would normalise it); no answer in 3 s is an error. */
function get(path, { method = 'GET', headers = {}, to = url } = {}) {
  return new Promise((resolve, reject) => {
    const { port } = new URL(to);
    const req = request({ host: '127.0.0.1', port, path, method, headers, timeout: 3000 }, (res) => {
      let body = '';
      res.on('data', (chunk) => (body += chunk));
      res.on('end', () => resolve({ status: res.statusCode, body, headers: res.headers }));
    });
    req.on('timeout', () => req.destroy(new Error(`${method} ${path}: no answer in 3 s`)));
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

test('a request addressed to another host name is refused (DNS rebinding), its own names are served', async () => {
  const { port } = new URL(url);
  for (const host of ['evil.example', `evil.example:${port}`, `127.0.0.1.evil.example:${port}`, `localhost.evil.example:${port}`, `127.0.0.1:${Number(port) + 1}`, `[::1]:${port}`]) {
    const res = await get('/', { headers: { host } });
    assert.ok(res.status === 403 || res.status === 421, `Host: ${host} got ${res.status}`);
    assert.ok(!res.body.includes('home'), `Host: ${host} read the page`);
    assert.match(res.body, /host/i, 'the refusal says why');
  }
  for (const host of [`127.0.0.1:${port}`, `localhost:${port}`, `LocalHost:${port}`]) {
    const res = await get('/', { headers: { host } });
    assert.equal(res.status, 200, `Host: ${host}`);
    assert.equal(res.body, '<p>home</p>');
  }
});

test('only the paths the page needs are served: not .git, target, node_modules, the sources or pkg', async () => {
  for (const [path, body] of [['/dist/app.js', 'export {};'], ['/tests/e2e/fixtures/page.html', '<p>fixture</p>'], ['/index.html', '<p>home</p>']]) {
    const res = await get(path);
    assert.equal(res.status, 200, path);
    assert.equal(res.body, body, path);
  }
  for (const path of ['/.git/HEAD', '/.git/', '/target/debug/secret', '/node_modules/dep/index.js', '/src/lib.rs', '/pkg/vae_playground.js', '/tests/unit/x.test.mjs', '/dist/../.git/HEAD', '/.%67it/HEAD']) {
    const res = await get(path);
    assert.ok(res.status === 403 || res.status === 404, `${path} got ${res.status}`);
    assert.ok(!/refs\/heads|build output|dependency|source|glue|a test/.test(res.body), `${path} leaked: ${res.body}`);
  }
});

test('a caller widens what is served with options: a list of paths, or everything in a folder it built itself', async () => {
  const bench = await serve(join(dir, 'site'), { paths: ['index.html', 'pkg/'] });
  const everything = await serve(join(dir, 'site'), { paths: 'all' });
  try {
    assert.equal((await get('/pkg/vae_playground.js', { to: bench.url })).body, 'glue');
    assert.equal((await get('/dist/app.js', { to: bench.url })).status, 404, 'the list replaces the default');
    assert.equal((await get('/node_modules/dep/index.js', { to: everything.url })).body, 'dependency');
    assert.equal((await get('/.git/HEAD', { to: everything.url })).body, 'ref: refs/heads/main');
  } finally {
    bench.server.close();
    everything.server.close();
  }
});

test('a symbolic link out of the folder, or into a path not served, is refused; one among served files is followed', async () => {
  for (const path of ['/dist/leak.txt', '/dist/secrets/key.txt', '/dist/head']) {
    const res = await get(path);
    assert.ok(res.status === 403 || res.status === 404, `${path} got ${res.status}`);
    assert.ok(!/do not serve|refs\/heads/.test(res.body), `${path} leaked: ${res.body}`);
  }
  assert.equal((await get('/dist/alias.js')).body, 'export {};');
});

test('GET and HEAD only: other methods get 405 with Allow: GET, HEAD', async () => {
  for (const method of ['POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS']) {
    const res = await get('/', { method });
    assert.equal(res.status, 405, method);
    assert.equal(res.headers.allow, 'GET, HEAD', method);
    assert.ok(!res.body.includes('home'), `${method} read the page`);
  }
  const head = await get('/dist/app.js', { method: 'HEAD' });
  assert.equal(head.status, 200);
  assert.equal(head.headers['content-length'], String('export {};'.length));
  assert.equal(head.headers['content-type'], 'text/javascript; charset=utf-8');
  assert.equal(head.body, '');
});

test('a FIFO is answered at once with a refusal (no hang), and the server keeps serving', async () => {
  const res = await get('/dist/pipe');
  assert.ok(res.status === 403 || res.status === 404, `got ${res.status}`);
  assert.equal((await get('/dist/app.js')).status, 200, 'still up');
});

test('a folder without its slash redirects to the slash, keeping the query; with it, its index.html', async () => {
  const res = await get('/dist/sub?seed=1&x=%20');
  assert.ok(res.status === 301 || res.status === 308, `got ${res.status}`);
  assert.equal(res.headers.location, '/dist/sub/?seed=1&x=%20');
  const page = await get('/dist/sub/');
  assert.equal(page.status, 200);
  assert.equal(page.body, '<p>sub</p>');
  // A folder with no index.html is not a page: no redirect that tells what exists.
  assert.equal((await get('/tests/e2e')).status, 404);
});

test('the wasm MIME type is application/wasm', async () => {
  put('dist/m.wasm', '\0asm');
  const res = await get('/dist/m.wasm', { method: 'HEAD' });
  assert.equal(res.headers['content-type'], 'application/wasm');
});

test('run as a script from a path with a space, it serves (PORT=0 picks a free port)', async () => {
  const folder = join(dir, 'a checkout with spaces', 'scripts');
  mkdirSync(folder, { recursive: true });
  copyFileSync(fileURLToPath(new URL('../../scripts/serve.mjs', import.meta.url)), join(folder, 'serve.mjs'));
  const child = spawn(process.execPath, [join(folder, 'serve.mjs'), join(dir, 'site')], { env: { ...process.env, PORT: '0' }, stdio: ['ignore', 'pipe', 'pipe'] });
  try {
    const served = await new Promise((resolve, reject) => {
      let out = '';
      child.stdout.on('data', (chunk) => {
        out += chunk;
        const found = out.match(/http:\/\/127\.0\.0\.1:\d+\//);
        if (found) resolve(found[0]);
      });
      child.on('exit', (code) => reject(new Error(`the script exited (code ${code}) without serving; it printed: ${JSON.stringify(out)}`)));
      setTimeout(() => reject(new Error('the script printed no address in 10 s')), 10_000).unref();
    });
    const res = await get('/', { to: served });
    assert.equal(res.body, '<p>home</p>');
  } finally {
    child.kill();
  }
});
