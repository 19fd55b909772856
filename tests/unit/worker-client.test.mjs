// The worker client (www/worker-client.ts) drops messages about older model generations — but never a trap: a
// worker that trapped while a reset (a newer generation) was on its way is gone whatever generation it stamped.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

/** A stand-in for the browser's Worker: records what is posted, and lets the test deliver messages. */
class FakeWorker {
  static last = null;
  posted = [];
  onmessage = null;
  onerror = null;
  constructor() {
    FakeWorker.last = this;
  }
  postMessage(message) {
    this.posted.push(message);
  }
  terminate() {}
}
globalThis.Worker = FakeWorker;
globalThis.location = { origin: 'http://127.0.0.1' };

const { WorkerClient } = await importWww('www/worker-client.ts');
const SETTINGS = { hiddenUnits: 128, latentDim: 2, beta: 1, learningRate: 0.001, batchSize: 128, seed: 0 };
const SOURCES = { wasm: 'w', images: 'i', labels: 'l', bundledData: true };

function client() {
  const events = [];
  const c = new WorkerClient('http://127.0.0.1/worker.js', { onEvent: (e) => events.push(e), onCrash: () => {} });
  c.init(SETTINGS, SOURCES, true);
  return { c, events, deliver: (data) => FakeWorker.last.onmessage({ data }) };
}

test('news about an older generation is dropped once a reset is on its way', () => {
  const { c, events, deliver } = client();
  c.reset(SETTINGS);
  deliver({ type: 'status', running: false, generation: 1 });
  deliver({ type: 'epoch', epoch: 3, step: 213, testElbo: 1, recon: 1, kl: 0, generation: 1 });
  assert.deepEqual(events, []);
  deliver({ type: 'status', running: false, generation: 2 });
  assert.deepEqual(events, [{ type: 'status', running: false }]);
});

test('a trap is never dropped, whatever generation the worker stamped it with', () => {
  const { c, events, deliver } = client();
  c.reset(SETTINGS); // generation 2; the worker traps while still on generation 1's session
  deliver({ type: 'trapped', where: 'command', message: 'unreachable', heapBytes: 1, generation: 1 });
  assert.deepEqual(events, [{ type: 'trapped', where: 'command', message: 'unreachable', heapBytes: 1 }]);
  assert.equal(c.generation, 2, 'the generation in force stays');
});
