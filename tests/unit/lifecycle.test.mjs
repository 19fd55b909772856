// The element's life as one state machine (www/element/lifecycle.ts): every event in every state against a table of
// expected next states written here, stale work ignored everywhere, and the stories that matter, told as events.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { STATE_NAMES, EVENT_TYPES, INITIAL, TABLE, transition } = await importWww('www/element/lifecycle.ts');

const TRAP = { where: 'evaluate', message: 'unreachable', heapBytes: 50e6 };

/** An event of each type, for a state whose current boot is `boot`. */
function eventOf(type, boot) {
  switch (type) {
    case 'connect': case 'inputsChanged': case 'retry': return { type, autostart: false };
    case 'wasmLoaded': return { type, boot, restore: false };
    case 'trap': return { type, boot, trap: TRAP };
    case 'fatal': return { type, boot, message: 'the digits did not load' };
    case 'disconnect': case 'train': case 'pause': case 'reset': return { type };
    default: return { type, boot };
  }
}

/** A state of each name as the machine leaves it (nothing pending), at boot 3. */
const stateOf = (name) => ({ ...INITIAL, name, boot: 3, awaiting: name === 'recovering' ? 'worker' : null });

// What each event does to each state (with nothing pending: no train or reset waiting, nothing to restore).
//               connect     disconnect inputsChanged retry     wasmLoaded  workerReady  restoreDone workerStarted workerStopped train      pause      reset      trap         fatal
const EXPECTED = {
  idle:       ['loading',   'idle',    'idle',      'idle',    'idle',     'idle',      'idle',     'idle',       'idle',       'idle',    'idle',    'idle',    'idle',      'idle'],
  loading:    ['loading',   'removed', 'loading',   'loading', 'starting', 'loading',   'loading',  'loading',    'loading',    'loading', 'loading', 'loading', 'loading',   'failed'],
  starting:   ['starting',  'removed', 'loading',   'starting', 'starting', 'paused',   'starting', 'starting',   'starting',   'starting', 'starting', 'starting', 'failed',  'failed'],
  restoring:  ['restoring', 'removed', 'loading',   'restoring', 'restoring', 'restoring', 'paused', 'restoring',  'restoring',  'restoring', 'restoring', 'restoring', 'recovering', 'failed'],
  paused:     ['paused',    'removed', 'loading',   'paused',  'paused',   'paused',    'paused',   'training',   'paused',     'training', 'paused',  'paused',  'recovering', 'failed'],
  training:   ['training',  'removed', 'loading',   'training', 'training', 'training', 'training', 'training',   'paused',     'training', 'paused',  'paused',  'recovering', 'failed'],
  recovering: ['recovering', 'removed', 'loading',  'recovering', 'recovering', 'recovering', 'paused', 'recovering', 'recovering', 'recovering', 'recovering', 'recovering', 'failed', 'failed'],
  failed:     ['failed',    'removed', 'loading',   'loading', 'failed',   'failed',    'failed',   'failed',     'failed',     'failed',  'failed',  'failed',  'failed',    'failed'],
  removed:    ['loading',   'removed', 'removed',   'removed', 'removed',  'removed',   'removed',  'removed',    'removed',    'removed', 'removed', 'removed', 'removed',   'removed'],
};

test('the table has a cell for every event in every state, and each goes where the table above says', () => {
  assert.deepEqual(Object.keys(TABLE).sort(), [...STATE_NAMES].sort());
  assert.deepEqual(Object.keys(EXPECTED).sort(), [...STATE_NAMES].sort());
  for (const name of STATE_NAMES) {
    assert.deepEqual(Object.keys(TABLE[name]).sort(), [...EVENT_TYPES].sort(), `${name} handles every event`);
    EVENT_TYPES.forEach((type, i) => {
      const before = stateOf(name);
      const { state, effects } = transition(before, eventOf(type, before.boot));
      assert.equal(state.name, EXPECTED[name][i], `${name} + ${type}`);
      assert.ok(Array.isArray(effects), `${name} + ${type} gives a list of effects`);
      for (const effect of effects) {
        if ('boot' in effect) assert.equal(effect.boot, state.boot, `${name} + ${type}: ${effect.type} runs under the new state's boot`);
      }
      assert.deepEqual(before, stateOf(name), `${name} + ${type} leaves the old state as it was (pure)`);
    });
  }
});

test('work reported back from an older start changes nothing, in every state', () => {
  for (const name of STATE_NAMES) {
    for (const type of ['wasmLoaded', 'workerReady', 'restoreDone', 'workerStarted', 'workerStopped', 'trap', 'fatal']) {
      const before = stateOf(name);
      const step = transition(before, eventOf(type, before.boot - 1));
      assert.deepEqual(step, { state: before, effects: [] }, `${name} + stale ${type}`);
    }
  }
});

/** Runs events from `state`; returns the final state and every effect, in order, by type. */
function run(state, events) {
  const effects = [];
  for (const event of events) {
    const step = transition(state, typeof event === 'function' ? event(state) : event);
    state = step.state;
    effects.push(...step.effects.map((e) => e.type));
  }
  return { state, effects };
}
const at = (type, extra = {}) => (state) => ({ type, boot: state.boot, ...extra });

/** From nothing to a model that can train: connect, wasm, worker ready. */
const BOOT = [{ type: 'connect', autostart: false }, at('wasmLoaded', { restore: false }), at('workerReady')];

test('train() before ready starts once ready, after `ready` is emitted; autostart does the same', () => {
  const early = run(INITIAL, [{ type: 'connect', autostart: false }, { type: 'train' }, at('wasmLoaded', { restore: false }), at('workerReady')]);
  assert.equal(early.state.name, 'training');
  assert.deepEqual(early.effects, ['loadWasm', 'mountViews', 'startWorker', 'startRun', 'emitReady', 'train']);
  const beforeConnect = run(INITIAL, [{ type: 'train' }, ...BOOT]);
  assert.equal(beforeConnect.state.name, 'training', 'train() before the element is even in the page');
  const auto = run(INITIAL, [{ type: 'connect', autostart: true }, at('wasmLoaded', { restore: false }), at('workerReady')]);
  assert.equal(auto.state.name, 'training');
  const changedMind = run(INITIAL, [{ type: 'connect', autostart: true }, { type: 'pause' }, at('wasmLoaded', { restore: false }), at('workerReady')]);
  assert.equal(changedMind.state.name, 'paused', 'pause() before ready cancels it');
});

test('pause(); train() and reset(); train() in one tick: the worker is told once each, in order, and the reset’s model does not get a second train', () => {
  const training = run(INITIAL, [{ type: 'train' }, ...BOOT]).state;
  const tick = run(training, [{ type: 'pause' }, { type: 'train' }, { type: 'reset' }, { type: 'train' }]);
  assert.deepEqual(tick.effects, ['pause', 'train', 'reset', 'train']);
  assert.equal(tick.state.name, 'training');
  // The worker's news for the reset's model: a status (not training), its ready, then training (the train it got).
  const after = run(tick.state, [at('workerStopped'), at('workerReady'), at('workerStarted')]);
  assert.deepEqual(after.effects, ['startRun', 'emitReady'], 'no second train');
  assert.equal(after.state.name, 'training');
});

test('a reset while training trains the fresh model once it is ready; while paused it stays paused', () => {
  const training = run(INITIAL, [{ type: 'train' }, ...BOOT]).state;
  const reset = run(training, [{ type: 'reset' }, at('workerStopped'), at('workerReady')]);
  assert.deepEqual(reset.effects, ['reset', 'startRun', 'emitReady', 'train']);
  assert.equal(reset.state.name, 'training');
  const paused = run(INITIAL, BOOT).state;
  const pausedReset = run(paused, [{ type: 'reset' }, at('workerStopped'), at('workerReady')]);
  assert.deepEqual(pausedReset.effects, ['reset', 'startRun', 'emitReady']);
  assert.equal(pausedReset.state.name, 'paused');
});

test('a reboot while loading supersedes the old one: its wasm arriving late starts nothing', () => {
  const first = run(INITIAL, [{ type: 'connect', autostart: false }]).state;
  const second = transition(first, { type: 'inputsChanged', autostart: false }).state;
  assert.equal(second.boot, first.boot + 1);
  assert.deepEqual(transition(second, { type: 'wasmLoaded', boot: first.boot, restore: false }).effects, [], 'the old boot is stale');
  const { state, effects } = transition(second, { type: 'wasmLoaded', boot: second.boot, restore: false });
  assert.deepEqual([state.name, effects], ['starting', [{ type: 'startWorker', boot: second.boot }]]);
  const starting = state;
  const rebooted = transition(starting, { type: 'inputsChanged', autostart: false });
  assert.deepEqual(rebooted.effects.map((e) => e.type), ['stopWorker', 'loadWasm'], 'a reboot with a worker stops it first');
});

test('removal during loading stops it: no worker is started when the wasm arrives', () => {
  const loading = run(INITIAL, [{ type: 'connect', autostart: true }]).state;
  const removed = transition(loading, { type: 'disconnect' });
  assert.deepEqual([removed.state.name, removed.effects.map((e) => e.type)], ['removed', ['teardown']]);
  assert.deepEqual(transition(removed.state, { type: 'wasmLoaded', boot: loading.boot, restore: false }).effects, []);
  const back = run(removed.state, [{ type: 'connect', autostart: false }]);
  assert.deepEqual(back.effects, ['loadWasm', 'mountViews'], 'put back later, it starts again');
});

test('a `weights` file and a kept run are applied before `ready` is emitted', () => {
  const { state, effects } = run(INITIAL, [
    { type: 'connect', autostart: true }, at('wasmLoaded', { restore: true }), at('workerReady'),
    at('workerReady'), // the restored file's model
    { type: 'train' }, // pressed while restoring
  ]);
  assert.equal(state.name, 'restoring');
  assert.ok(!effects.includes('emitReady') && !effects.includes('train'), effects.join(' '));
  assert.deepEqual(effects, ['loadWasm', 'mountViews', 'startWorker', 'startRun', 'restore', 'startRun']);
  const done = run(state, [at('restoreDone')]);
  assert.deepEqual(done.effects, ['emitReady', 'train']);
  assert.equal(done.state.name, 'training');
});

test('a reset while restoring waits for the restore, then makes a fresh model', () => {
  const restoring = run(INITIAL, [{ type: 'connect', autostart: false }, at('wasmLoaded', { restore: true }), at('workerReady')]).state;
  const { state, effects } = run(restoring, [{ type: 'reset' }, at('restoreDone')]);
  assert.deepEqual(effects, ['emitReady', 'reset']);
  assert.equal(state.name, 'paused');
});

test('a trap while training: the words, a new worker, the last good weights, then ready and paused until train()', () => {
  const training = run(INITIAL, [{ type: 'train' }, ...BOOT]).state;
  const trapped = transition(training, { type: 'trap', boot: training.boot, trap: TRAP });
  assert.equal(trapped.state.name, 'recovering');
  assert.deepEqual(trapped.effects, [{ type: 'reportTrap', trap: TRAP }, { type: 'restartWorker', boot: training.boot + 1 }]);
  const back = run(trapped.state, [at('workerReady'), at('workerReady'), at('restoreDone')]);
  assert.deepEqual(back.effects, ['loadCheckpoint', 'emitReady'], 'the checkpoint load’s own ready is no new run');
  assert.equal(back.state.name, 'paused', 'training does not restart on its own');
  const asked = run(trapped.state, [{ type: 'train' }, at('workerReady'), at('restoreDone')]);
  assert.deepEqual(asked.effects, ['loadCheckpoint', 'emitReady', 'train'], 'train() while recovering trains once recovered');
});

test('a trap while coming back, or before any model was ready, fails with Retry instead of restarting again', () => {
  const training = run(INITIAL, [{ type: 'train' }, ...BOOT]).state;
  const recovering = transition(training, { type: 'trap', boot: training.boot, trap: TRAP }).state;
  const again = transition(recovering, { type: 'trap', boot: recovering.boot, trap: TRAP });
  assert.equal(again.state.name, 'failed');
  assert.equal(again.effects[0].type, 'fail');
  assert.match(again.effects[0].message, /evaluating the test digits.*while it was being restarted.*Retry/);
  const starting = run(INITIAL, [{ type: 'connect', autostart: false }, at('wasmLoaded', { restore: false })]).state;
  const early = transition(starting, { type: 'trap', boot: starting.boot, trap: { ...TRAP, where: 'init' } });
  assert.deepEqual([early.state.name, early.effects[0].type], ['failed', 'fail']);
  const retried = run(early.state, [{ type: 'retry', autostart: false }]);
  assert.deepEqual(retried.effects, ['clearError', 'loadWasm']);
});
