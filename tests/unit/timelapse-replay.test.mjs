// The time-lapse's state machine (www/timelapse/replay.ts): live, scrubbing, replaying at a speed, step mode; keys;
// "Back to now"; reduced motion jumps from frame to frame instead of morphing.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { initialReplay, reduce, shown, indexOf, stepAt, nearestFrame, BASE_FPS, PAGE_FRAMES } = await importWww('www/timelapse/replay.ts');

const STEPS = [0, 1, 2, 4, 8, 16, 32, 64, 128, 256, 512, 1024];
const run = (events, state = initialReplay(), steps = STEPS) => events.reduce((s, e) => reduce(s, e, steps), state);

test('live follows the latest frame as frames come; a chosen moment stays while training goes on', () => {
  let s = run([{ type: 'frames' }]);
  assert.equal(s.mode, 'live');
  assert.equal(shown(s, STEPS).step, 1024);
  s = reduce(s, { type: 'frames' }, [...STEPS, 2048]);
  assert.equal(shown(s, [...STEPS, 2048]).step, 2048);
  s = reduce(s, { type: 'seek', step: 100 }, STEPS);
  assert.equal(s.mode, 'scrubbing');
  assert.equal(s.position, 64, 'a seek lands on the frame at or before');
  s = reduce(s, { type: 'frames' }, [...STEPS, 2048, 4096]);
  assert.equal(s.position, 64, 'new frames do not move a chosen moment');
  s = reduce(s, { type: 'now' }, STEPS);
  assert.deepEqual([s.mode, s.position], ['live', 1024]);
});

test('a chosen moment that thinning removed stays at its step, shown as the frame before it', () => {
  const s = run([{ type: 'seek', step: 16 }]);
  const thinned = STEPS.filter((x) => x !== 16);
  const after = reduce(s, { type: 'frames' }, thinned);
  assert.equal(after.position, 16);
  const view = shown(after, thinned);
  assert.deepEqual([view.from, view.to, view.step], [4, 5, 8]);
  assert.equal(view.t, 1 / 3, '16 is a third of the way from 8 to 32');
});

test('keys: arrows move a frame, Shift and PageUp/PageDown ten, Home the first, End back to now', () => {
  const key = (key, shift = false) => ({ type: 'key', key, shift });
  let s = run([key('ArrowLeft')]);
  assert.deepEqual([s.mode, s.position], ['scrubbing', 512], 'from live, one back from the latest');
  s = run([key('ArrowRight')], s);
  assert.equal(s.position, 1024);
  s = run([key('Home')], s);
  assert.equal(s.position, 0);
  s = run([key('ArrowRight'), key('ArrowUp')], s);
  assert.equal(s.position, 2);
  s = run([key('PageUp')], s);
  assert.equal(s.position, STEPS[2 + PAGE_FRAMES] ?? 1024);
  s = run([key('PageDown')], s);
  assert.equal(s.position, STEPS[Math.max(0, 11 - PAGE_FRAMES)]);
  s = run([key('ArrowRight', true)], s);
  assert.equal(s.position, 1024);
  s = run([key('ArrowLeft', true)], s);
  assert.equal(s.position, STEPS[11 - PAGE_FRAMES]);
  s = run([key('End')], s);
  assert.equal(s.mode, 'live');
  assert.equal(run([key('a')], s), s, 'other keys change nothing');
  // Between two frames, ArrowLeft goes to the frame just passed, ArrowRight to the next.
  const mid = run([{ type: 'scrub', step: 100 }]);
  assert.equal(run([key('ArrowLeft')], mid).position, 64);
  assert.equal(run([key('ArrowRight')], mid).position, 128);
});

test('a drag morphs between frames and ends on the nearest frame on the timeline’s axis', () => {
  let s = run([{ type: 'dragStart' }, { type: 'scrub', step: 48 }]);
  assert.ok(s.dragging);
  const view = shown(s, STEPS);
  assert.deepEqual([view.from, view.to, view.t], [6, 7, 0.5]);
  s = run([{ type: 'dragEnd' }], s);
  assert.equal(s.dragging, false);
  // 48 is nearer 64 than 32 on a log axis (log₂(64+16) − log₂(48+16) < log₂(48+16) − log₂(32+16)).
  assert.equal(s.position, 64);
  assert.equal(shown(s, STEPS).t, 0);
  assert.equal(nearestFrame(STEPS, 33), 32);
});

test('a replay moves BASE_FPS × speed frames a second, from the start when at the end, and reaches now live', () => {
  let s = run([{ type: 'play' }]);
  assert.deepEqual([s.mode, s.position], ['replaying', 0], 'from live, a replay starts at the first frame');
  s = run([{ type: 'tick', ms: 1000 / BASE_FPS / 2 }], s);
  assert.equal(indexOf(STEPS, s.position), 0.5);
  s = run([{ type: 'speed', speed: 4 }, { type: 'tick', ms: 1000 / BASE_FPS / 2 }], s);
  assert.equal(indexOf(STEPS, s.position), 2.5);
  s = run([{ type: 'pause' }, { type: 'tick', ms: 10_000 }], s);
  assert.deepEqual([s.mode, indexOf(STEPS, s.position)], ['scrubbing', 2.5], 'paused: time passing moves nothing');
  s = run([{ type: 'toggle' }, { type: 'tick', ms: 10_000 }], s);
  assert.deepEqual([s.mode, s.position], ['live', 1024]);
  // Playing from a held moment goes on from there.
  s = run([{ type: 'seek', step: 64 }, { type: 'play' }], s);
  assert.deepEqual([s.mode, s.position], ['replaying', 64]);
  // A drag takes over from a replay.
  s = run([{ type: 'dragStart' }, { type: 'tick', ms: 1000 }], s);
  assert.deepEqual([s.mode, s.position], ['scrubbing', 64]);
});

test('reduced motion: the position moves, what is shown jumps from frame to frame', () => {
  let s = run([{ type: 'reducedMotion', on: true }, { type: 'play' }, { type: 'tick', ms: (1000 / BASE_FPS) * 2.7 }]);
  assert.equal(indexOf(STEPS, s.position).toFixed(6), (2.7).toFixed(6));
  const view = shown(s, STEPS);
  assert.deepEqual([view.from, view.to, view.t, view.step], [2, 2, 0, 2]);
  s = run([{ type: 'scrub', step: 100 }], s);
  assert.equal(shown(s, STEPS).t, 0);
  assert.equal(shown(s, STEPS).step, 64);
  s = run([{ type: 'reducedMotion', on: false }], s);
  assert.ok(shown(s, STEPS).t > 0, 'without reduced motion the same moment is a morph');
});

test('step mode: live, with the frame before as the trail; leaving it keeps the moment', () => {
  let s = run([{ type: 'seek', step: 8 }, { type: 'stepMode', on: true }]);
  assert.deepEqual([s.mode, s.stepMode], ['live', true]);
  assert.equal(shown(s, STEPS).trail, STEPS.length - 2);
  s = reduce(s, { type: 'frames' }, [...STEPS, 1025]);
  assert.equal(shown(s, [...STEPS, 1025]).trail, STEPS.length - 1, 'the trail is the frame before the newest');
  s = run([{ type: 'stepMode', on: false }], s);
  assert.equal(shown(s, STEPS).trail, null);
});

test('with fewer than two frames there is nothing to replay; fractional indices and steps convert both ways', () => {
  assert.equal(run([{ type: 'play' }], initialReplay(), [5]).mode, 'live');
  assert.equal(shown(initialReplay(), []), null);
  for (const index of [0, 0.25, 3.5, 10.99, 11]) assert.ok(Math.abs(indexOf(STEPS, stepAt(STEPS, index)) - index) < 1e-12);
  assert.equal(run([{ type: 'speed', speed: -1 }]).speed, 1, 'a speed that is no speed is ignored');
});
