// A small static server for the playground: loopback only, correct MIME types for .wasm and .mjs, and by default
// the COOP/COEP headers that make the page cross-origin isolated (precise timers, memory measurement in the
// benchmark). The tests also run it as a plain host page (isolate: false) and as a "CDN" (cors: true).
import { createReadStream, statSync } from 'node:fs';
import { createServer } from 'node:http';
import { extname, join, resolve, sep } from 'node:path';

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
 * isolate: send COOP/COEP (cross-origin isolated pages); cors: let pages on other origins load the files.
 */
export function serve(root, { port = 0, isolate = true, cors = false } = {}) {
  const base = resolve(root);
  const server = createServer((req, res) => {
    let file = fileFor(base, req.url);
    if (file === null) return send(res, 400, 'bad request: the path is malformed or leaves the served folder');
    try {
      if (statSync(file).isDirectory()) file = join(file, 'index.html');
      const size = statSync(file).size;
      const headers = {
        'Content-Type': TYPES[extname(file)] ?? 'application/octet-stream',
        'Content-Length': size,
        'Cache-Control': 'no-cache',
        'Cross-Origin-Resource-Policy': cors ? 'cross-origin' : 'same-origin',
      };
      if (isolate) {
        headers['Cross-Origin-Opener-Policy'] = 'same-origin';
        headers['Cross-Origin-Embedder-Policy'] = 'require-corp';
      }
      if (cors) headers['Access-Control-Allow-Origin'] = '*';
      res.writeHead(200, headers);
      createReadStream(file).on('error', () => res.destroy()).pipe(res);
    } catch {
      send(res, 404, `not found: ${req.url}`);
    }
  });
  return new Promise((done, fail) => {
    server.once('error', fail);
    server.listen(port, '127.0.0.1', () => done({ server, url: `http://127.0.0.1:${server.address().port}/` }));
  });
}

function send(res, status, text) {
  res.writeHead(status, { 'Content-Type': 'text/plain; charset=utf-8' });
  res.end(text);
}

if (import.meta.url === `file://${process.argv[1]}`) {
  const port = Number(process.env.PORT ?? 8080);
  serve(process.argv[2] ?? '.', { port }).then(
    ({ url }) => console.log(`\nvae-playground is being served at ${url}  (Ctrl-C stops it)`),
    (e) => {
      console.error(e.code === 'EADDRINUSE' ? `Port ${port} is taken: run with PORT=8081 npm start` : e.message);
      process.exit(1);
    },
  );
}
