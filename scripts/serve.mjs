// A small static server for the playground: loopback only, correct MIME types for .wasm and .mjs, and by default
// the COOP/COEP headers that make the page cross-origin isolated (precise timers, memory measurement in the
// benchmark). The tests also run it as a plain host page (isolate: false) and as a "CDN" (cors: true).
// `npm start` serves the repository root, so a page on another site must not be able to read the checkout through
// it: it answers only requests addressed to its own name (a DNS-rebound name is refused), only GET and HEAD, only
// regular files, only under the paths the page needs, and never through a symbolic link that leaves them.
import { constants, realpathSync } from 'node:fs';
import { open, realpath, stat } from 'node:fs/promises';
import { createServer } from 'node:http';
import { extname, isAbsolute, join, relative, resolve, sep } from 'node:path';
import { pathToFileURL } from 'node:url';

/** What the page and the end-to-end tests load from the repository: the page, its build, the tests' fixture pages. */
export const PAGE_PATHS = ['index.html', 'dist/', 'tests/e2e/fixtures/'];

const TYPES = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.mjs': 'text/javascript; charset=utf-8',
  '.map': 'application/json',
  '.json': 'application/json',
  '.wasm': 'application/wasm',
  '.gz': 'application/octet-stream', // served as bytes: the wasm side gunzips the IDX files itself
  '.safetensors': 'application/octet-stream',
  '.png': 'image/png',
  '.css': 'text/css; charset=utf-8',
};

// Non-blocking, so opening a FIFO returns at once (and is then refused) instead of waiting for a writer; no-follow,
// so a symbolic link planted after the path was resolved is not opened. (Neither flag exists on Windows.)
const OPEN_FLAGS = constants.O_RDONLY | (constants.O_NONBLOCK ?? 0) | (constants.O_NOFOLLOW ?? 0);

/** The file under `base` that a request path names, or null if it would leave `base` or is not a valid path. */
export function fileFor(base, url) {
  let path;
  try {
    path = decodeURIComponent(new URL(url, 'http://x').pathname);
  } catch {
    return null; // malformed percent-encoding, e.g. "/%"
  }
  if (path.includes('\0')) return null;
  const file = resolve(base, `.${path}`);
  // `base + sep`, not `base`: /srv/app must not serve /srv/app-secrets/…
  return file === base || file.startsWith(base + sep) ? file : null;
}

/**
 * Serves `root` on 127.0.0.1:`port` (0 picks a free one); resolves to { server, url }.
 * isolate: send COOP/COEP (cross-origin isolated pages); cors: let pages on other origins load the files;
 * paths: the files ('index.html') and folders ('dist/') under `root` that are served, or 'all' for a folder that holds
 * nothing else (one a test built for itself).
 */
export function serve(root, { port = 0, isolate = true, cors = false, paths = PAGE_PATHS } = {}) {
  if (paths !== 'all' && !(Array.isArray(paths) && paths.every((p) => typeof p === 'string' && p && !p.startsWith('/')))) {
    throw new TypeError(`serve: paths must be 'all' or a list of paths under the root such as ['index.html', 'dist/'], not ${JSON.stringify(paths)}`);
  }
  // The real path: files are compared with it after their symbolic links are resolved.
  const base = realpathSync(resolve(root));
  const site = { base, paths, isolate, cors };
  const server = createServer((req, res) => {
    answer(req, res, site, server.address().port).catch(() => {
      if (res.headersSent) res.destroy();
      else send(res, 500, `could not read ${req.url}`);
    });
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

async function answer(req, res, { base, paths, isolate, cors }, port) {
  if (!addressedTo(req.headers.host, port)) {
    return send(res, 403, `forbidden: this server answers requests for 127.0.0.1:${port} or localhost:${port}, not for host ${JSON.stringify(req.headers.host ?? '')}`);
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') {
    return send(res, 405, `method not allowed: ${req.method}; this server only reads files (GET, HEAD)`, { Allow: 'GET, HEAD' });
  }
  const requested = fileFor(base, req.url);
  if (requested === null) return send(res, 400, 'bad request: the path is malformed or leaves the served folder');
  const notServed = () => send(res, 404, `not served: ${req.url} (this server serves ${paths === 'all' ? 'the files in its folder' : paths.join(', ')})`);
  const notFound = () => send(res, 404, `not found: ${req.url}`);

  // Refused by its name before it is looked up, so the answer does not tell whether a refused file exists.
  const rel = relativeTo(base, requested);
  if (!isServed(paths, rel) && !isServed(paths, indexOf(rel))) return notServed();
  let file = await realpath(requested).catch(() => null);
  if (file === null) return notFound();
  if (relativeTo(base, file) === null) return notServed(); // a symbolic link out of the folder
  if ((await stat(file)).isDirectory()) {
    file = await realpath(join(file, 'index.html')).catch(() => null);
    if (file === null) return notFound();
    if (!isServed(paths, relativeTo(base, file))) return notServed();
    // The page's relative URLs resolve against its address: /sub must become /sub/ for sub/index.html's to work.
    const { pathname, search } = new URL(req.url, 'http://x');
    if (!pathname.endsWith('/')) return redirect(res, `/${pathname.replace(/^\/+/, '')}/${search}`);
  } else if (!isServed(paths, relativeTo(base, file))) {
    return notServed(); // a symbolic link into a path that is not served
  }

  const handle = await open(file, OPEN_FLAGS).catch(() => null);
  if (handle === null) return notFound();
  const info = await handle.stat();
  if (!info.isFile()) {
    await handle.close();
    return notServed(); // a FIFO, socket or device: reading it could wait forever
  }
  const headers = {
    'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
    'Content-Length': info.size,
    'Cache-Control': 'no-cache',
    'X-Content-Type-Options': 'nosniff',
    'Cross-Origin-Resource-Policy': cors ? 'cross-origin' : 'same-origin',
  };
  if (isolate) {
    headers['Cross-Origin-Opener-Policy'] = 'same-origin';
    headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
  }
  if (cors) headers['Access-Control-Allow-Origin'] = '*';
  res.writeHead(200, headers);
  if (req.method === 'HEAD') {
    await handle.close();
    return res.end();
  }
  handle.createReadStream().on('error', () => res.destroy()).pipe(res);
}

/**
 * Whether a Host header names this server: 127.0.0.1 or localhost, on the port it listens on. Any other name is a
 * page elsewhere whose DNS name now points here (DNS rebinding), reading with its own origin's rights.
 */
function addressedTo(host, port) {
  const match = /^(127\.0\.0\.1|localhost)(?::(\d{1,5}))?$/i.exec(host ?? '');
  return match !== null && Number(match[2] ?? 80) === port;
}

/** `file`'s path under `base` with '/' separators ('' for `base` itself), or null if it is not under `base`. */
function relativeTo(base, file) {
  const rel = relative(base, file);
  if (rel === '..' || rel.startsWith(`..${sep}`) || isAbsolute(rel)) return null;
  return rel.split(sep).join('/');
}

const indexOf = (rel) => (rel === null ? null : rel === '' ? 'index.html' : `${rel}/index.html`);

/** Whether a path under the root (as relativeTo gives it) is one `paths` serves. */
function isServed(paths, rel) {
  if (rel === null) return false;
  if (paths === 'all') return true;
  return paths.some((p) => (p.endsWith('/') ? rel.startsWith(p) : rel === p));
}

function redirect(res, location) {
  res.writeHead(301, { Location: location, 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(`moved to ${location}`);
}

function send(res, status, text, headers = {}) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8', 'X-Content-Type-Options': 'nosniff', ...headers });
  res.end(text);
}

/** Whether this file is the script node was started with (`node scripts/serve.mjs`), on any path, spaces and all. */
function runAsScript() {
  try {
    return process.argv[1] !== undefined && import.meta.url === pathToFileURL(realpathSync(process.argv[1])).href;
  } catch {
    return false;
  }
}

if (runAsScript()) {
  const port = Number(process.env.PORT ?? 8080);
  serve(process.argv[2] ?? '.', { port }).then(
    ({ url }) => console.log(`\nvae-playground is being served at ${url}  (only ${PAGE_PATHS.join(', ')}; Ctrl-C stops it)`),
    (e) => {
      console.error(e.code === 'EADDRINUSE' ? `Port ${port} is taken: run with PORT=8081 npm start` : e.message);
      process.exit(1);
    },
  );
}
