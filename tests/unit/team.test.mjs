// The team's pure parts (www/team/): how many Workers train and what the status line says; the shared buffer's
// layout; and the spin-then-sleep wait, ping-ponged between two threads so that a missed wake-up would hang the test.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { Worker } from 'node:worker_threads';
import { importWww } from './bundle.mjs';

const count = await importWww('www/team/count.ts');
const layout = await importWww('www/team/layout.ts');

test('the workers attribute: auto or 1 to 8, anything else refused naming the text', () => {
  assert.equal(count.parseWorkers(null), 'auto');
  assert.equal(count.parseWorkers(' auto '), 'auto');
  assert.equal(count.parseWorkers('3'), 3);
  for (const bad of ['0', '9', '1.5', '', 'two', '-1']) {
    assert.throws(() => count.parseWorkers(bad), new RegExp(`workers="${bad}" is not allowed: "auto", or a whole number of Workers from 1 to 8`));
  }
});

test('auto leaves the page a core: cores − 1, at least 1, at most 8', () => {
  assert.deepEqual([1, 2, 4, 16, undefined].map((cores) => count.resolveWorkers('auto', cores)), [1, 1, 3, 8, 1]);
  assert.equal(count.resolveWorkers(5, 2), 5, 'a number is taken as asked');
});

test('several Workers share memory on a cross-origin-isolated page and exchange messages elsewhere, and the status line says which', () => {
  const isolated = count.planTeam(2, true);
  assert.deepEqual(isolated, { workers: 2, asked: 2, exchange: 'shared-memory', why: null });
  assert.equal(count.describeTeam(isolated), '2 Workers · shared memory');
  const plain = count.planTeam(2, false);
  assert.deepEqual(plain, { workers: 2, asked: 2, exchange: 'messages', why: null });
  assert.equal(count.describeTeam(plain), '2 Workers · by messages');
  assert.equal(count.describeTeam({ workers: 1, asked: 2, exchange: 'none', why: 'a training Worker failed' }), '1 Worker (2 asked: a training Worker failed)');
  assert.equal(count.describeTeam(count.planTeam(1, true)), '1 Worker');
});

test('the buffer layout: every area on cache lines of its own, none overlapping, sized for the model', () => {
  const sizes = { helpers: 3, parameters: 1001, batch: 128, latent: 5 };
  const buffer = new SharedArrayBuffer(layout.createBuffer(sizes).byteLength);
  const v = layout.views(buffer, sizes);
  const areas = [v.header, v.floats, v.sums, v.indices, v.noise, v.parameters, ...v.gradients].map((a) => [a.byteOffset, a.byteOffset + a.byteLength]);
  areas.sort((a, b) => a[0] - b[0]);
  for (let i = 0; i < areas.length; i++) {
    assert.equal(areas[i][0] % 64, 0, `area ${i} starts on a cache line`);
    if (i > 0) assert.ok(areas[i][0] >= areas[i - 1][1], `area ${i} overlaps the one before`);
  }
  assert.equal(v.noise.length, 128 * 5);
  assert.equal(v.gradients.length, 3);
  assert.ok(v.gradients.every((g) => g.length === 1001));
  assert.throws(() => layout.views(new SharedArrayBuffer(64), sizes), /a team buffer of 64 bytes for a layout of \d+/);
});

test('spin-then-sleep waits lose no wake-up: 3,000 round trips between two threads, some after sleeps', async () => {
  const wait = await importWww('www/team/wait.ts');
  const header = new Int32Array(new SharedArrayBuffer(64));
  // Words: 0 ping, 1 pong, 2 ping sleepers, 3 pong sleepers. The other thread answers each ping, sometimes late.
  const source = `
    const { workerData } = require('node:worker_threads');
    const { awaitChange, announce } = (${moduleAsFunction(wait)})();
    const h = workerData;
    for (let i = 0; i < 3000; i++) {
      if (awaitChange(h, 0, i, 2, 5000) === 'timed-out') throw new Error('ping ' + i + ' never came');
      if (i % 300 === 0) { const until = Date.now() + 4; while (Date.now() < until); } // the other side sleeps
      announce(h, 1, 1, 3);
    }`;
  const other = new Worker(source, { eval: true, workerData: header });
  const done = new Promise((resolve, reject) => {
    other.on('error', reject);
    other.on('exit', resolve);
  });
  for (let i = 0; i < 3000; i++) {
    if (i % 250 === 0) await new Promise((r) => setTimeout(r, 5)); // this side late: the other sleeps
    wait.announce(header, 0, 1, 2);
    assert.equal(wait.awaitChange(header, 1, i, 3, 5000), 'changed', `pong ${i}`);
  }
  assert.equal(await done, 0);
  assert.deepEqual([...header.slice(0, 4)], [3000, 3000, 0, 0], 'every ping answered, nobody left asleep');
});

/** The two functions of www/team/wait.ts as source a worker thread can evaluate. */
function moduleAsFunction(wait) {
  return `() => { const SPIN_MS = 2; ${wait.awaitChange.toString()}; ${wait.announce.toString()}; return { awaitChange, announce }; }`;
}
