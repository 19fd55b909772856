// Starting a module worker from any script URL, in a page or inside a worker.

/**
 * A module worker for `url`. Browsers refuse `new Worker(url)` for another origin's URL, so a widget loaded from a
 * CDN starts a same-origin `blob:` worker that imports the real script (which needs CORS headers, as any
 * cross-origin module does). Inside a `blob:` worker, `location.origin` is still the page's: the same rule holds.
 */
export function startWorker(url: string, name: string): Worker {
  const options: WorkerOptions = { type: 'module', name };
  if (new URL(url).origin === location.origin) return new Worker(url, options);
  const shim = new Blob([`import ${JSON.stringify(url)};`], { type: 'text/javascript' });
  const shimUrl = URL.createObjectURL(shim);
  try {
    return new Worker(shimUrl, options);
  } finally {
    // The worker has its own reference to the script once started; the URL itself is no longer needed.
    setTimeout(() => URL.revokeObjectURL(shimUrl), 30_000);
  }
}
