// Two wasm builds: the relaxed-SIMD one where the browser has relaxed SIMD, the simd128 one where it has not (a
// module with relaxed instructions would not even compile there) or when the page asks for it with ?wasm=simd128.
// Each is checked by what the page fetches, what the worker reports, and that it trains and draws.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { servedRepository } from './browser.mjs';

const session = servedRepository();

/** The page (epochs=1, fresh storage) with the wasm files it fetched and what its worker reported. */
async function open(query = '', { noRelaxedSimd = false } = {}) {
  const context = await session.browser.newContext();
  const page = await context.newPage();
  const fetched = [];
  page.on('request', (r) => r.url().endsWith('.wasm') && fetched.push(r.url().split('/').at(-1)));
  const problems = [];
  page.on('pageerror', (e) => problems.push(e.message));
  if (noRelaxedSimd) {
    // A browser without relaxed SIMD: WebAssembly.validate refuses any module that uses it (Chromium 156 offers no
    // switch to turn the feature off, so the detector's question is answered as such a browser would answer it).
    await page.addInitScript(() => {
      const validate = WebAssembly.validate;
      WebAssembly.validate = (bytes) => {
        const b = new Uint8Array(bytes.buffer ?? bytes);
        for (let i = 0; i + 2 < b.length; i++) if (b[i] === 0xfd && b[i + 1] === 0x85 && b[i + 2] === 0x02) return false;
        return validate(bytes);
      };
    });
  }
  await page.addInitScript(() => {
    window.__events = [];
    customElements.whenDefined('vae-playground').then(() => {
      const el = document.querySelector('vae-playground');
      for (const type of ['ready', 'progress', 'trained', 'error']) el.addEventListener(type, (e) => window.__events.push({ type, detail: e.detail }));
    });
  });
  await page.goto(`${session.url}${query}#epochs=1`);
  await page.waitForFunction(() => window.__events.some((e) => e.type === 'trained'), null, { timeout: 60_000 });
  const events = await page.evaluate(() => window.__events);
  const decoded = await page.evaluate(async () => Array.from(await document.querySelector('vae-playground').decode([0.5, -0.5])));
  await context.close();
  return { fetched, events, decoded, problems };
}

function assertTrainsAndDraws({ events, decoded, problems }) {
  const losses = events.filter((e) => e.type === 'progress').map((e) => e.detail.loss).filter(Number.isFinite);
  assert.ok(losses.length >= 3 && losses.at(-1) < losses[0] - 100, `the loss falls over the epoch: ${losses[0]} → ${losses.at(-1)}`);
  assert.equal(decoded.length, 784);
  assert.ok(decoded.every((v) => v >= 0 && v <= 1) && new Set(decoded).size > 100, 'a digit, not a blank');
  assert.deepEqual(events.filter((e) => e.type === 'error'), []);
  assert.deepEqual(problems, []);
}

test('where the browser has relaxed SIMD, the relaxed-SIMD build is the one loaded, and it trains', async () => {
  const run = await open();
  assert.deepEqual([...new Set(run.fetched)], ['vae_playground_relaxed_bg.wasm'], 'only the relaxed build is fetched');
  assert.equal(run.events.find((e) => e.type === 'ready').detail.relaxedSimd, true, 'the worker runs the relaxed build');
  assertTrainsAndDraws(run);
});

for (const [what, query, options] of [
  ['a browser without relaxed SIMD', '', { noRelaxedSimd: true }],
  ['?wasm=simd128', '?wasm=simd128', {}],
]) {
  test(`${what}: the simd128 build is the one loaded, and it trains`, async () => {
    const run = await open(query, options);
    assert.deepEqual([...new Set(run.fetched)], ['vae_playground_bg.wasm'], 'only the simd128 build is fetched');
    assert.equal(run.events.find((e) => e.type === 'ready').detail.relaxedSimd, false);
    assertTrainsAndDraws(run);
  });
}
