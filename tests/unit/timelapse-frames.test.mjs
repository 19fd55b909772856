// The time-lapse's record (www/timelapse/frames.ts, thinning.ts): thinning keeps early detail and spans the whole
// run; the memory bound holds for several model sizes (fewer frames when each is bigger); seek finds the frame at or
// before a step; the morph between two frames' codes is exact at its ends; branching finds the states at or before.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const frames = await importWww('www/timelapse/frames.ts');
const thinning = await importWww('www/timelapse/thinning.ts');
const { mlpDecoderValues } = await importWww('tests/e2e/fixtures/timelapse/mlp-decoder.ts');
const { FrameRecorder, MEMORY_BOUND, MAX_FRAMES, MAX_STATES, capacity, between, interpolateCodes, decoderOf, TimelapseError } = frames;

/** A recorder for an MLP of these sizes, and a frame maker whose codes and decoder carry the step. */
function mlpRun(hidden, latent, count = 1000) {
  const values = mlpDecoderValues(hidden, latent);
  const header = { latent, count, labels: new Uint8Array(count).map((_, i) => i % 10), decoder: { architecture: 'mlp', hidden, latent, values } };
  const recorder = new FrameRecorder(header);
  const codes = new Float32Array(count * latent);
  const decoder = new Float32Array(values);
  const frame = (step, testElbo = null) => {
    codes.fill(step / 1000);
    decoder.fill(1 + step / 1024);
    return { step, epoch: Math.floor(step / 71), losses: { train: 500 / (1 + step / 50), testElbo }, codes, decoder };
  };
  // Weights + two Adam moments in f32, and the step: what the trainer's state holds for the MLP.
  const params = 784 * hidden + hidden + 2 * (hidden * latent + latent) + values;
  const state = () => new ArrayBuffer(12 * params + 64);
  return { recorder, frame, state, header };
}

/**
 * Records a run of `steps` steps: a frame every `every` steps (every step: the worst case for the bound) and, as the
 * worker does, a frame and a state at each epoch's end.
 */
function record(run, steps, { every = 1, stepsPerEpoch = 71 } = {}) {
  for (let s = 0; s <= steps; s++) {
    const epochEnd = s > 0 && s % stepsPerEpoch === 0;
    if (s % every !== 0 && !epochEnd) continue;
    run.recorder.record(run.frame(s, epochEnd ? 160 + 1000 / s : null));
    if (epochEnd) run.recorder.addState(s, s / stepsPerEpoch, run.state());
  }
}

test('a frame at every step of a 50-epoch run: at most 200 kept, early detail, the whole run spanned', () => {
  const run = mlpRun(128, 2);
  const total = 50 * 71;
  record(run, total);
  const steps = run.recorder.steps();
  assert.equal(steps.length, MAX_FRAMES);
  assert.equal(steps[0], 0, 'the first moment stays');
  assert.equal(steps.at(-1), total, 'the latest moment stays');
  // Early detail: the first tenth of training (where the codes leave the centre) holds more than half the frames,
  // and every one of the first 20 steps is there.
  assert.ok(steps.filter((s) => s <= total / 10).length > MAX_FRAMES / 2, `${steps.filter((s) => s <= total / 10).length} frames in the first tenth`);
  for (let s = 0; s < 20; s++) assert.ok(steps.includes(s), `step ${s} missing`);
  // The whole run: every tenth of it has frames, and no gap on the warped axis is much wider than an even share.
  for (let d = 0; d < 10; d++) assert.ok(steps.some((s) => s >= (d * total) / 10 && s <= ((d + 1) * total) / 10), `no frame in tenth ${d + 1}`);
  const even = (thinning.warp(total) - thinning.warp(0)) / (MAX_FRAMES - 1);
  for (let i = 1; i < steps.length; i++) {
    const gap = thinning.warp(steps[i]) - thinning.warp(steps[i - 1]);
    assert.ok(gap < 2.5 * even, `gap ${steps[i - 1]} → ${steps[i]} is ${(gap / even).toFixed(1)} even shares`);
  }
});

test('a longer run (20,000 steps, a frame every 7th) keeps 200 frames, still weighted to the start', () => {
  const a = mlpRun(128, 2);
  record(a, 20_000, { every: 7 });
  const steps = a.recorder.steps();
  assert.equal(steps.length, MAX_FRAMES);
  assert.equal(steps.at(-1), 19_999);
  const firstTenth = steps.filter((s) => s <= 2000).length;
  assert.ok(firstTenth > 100 && firstTenth < 190, `${firstTenth}`);
});

test('the memory bound holds for several model sizes, with fewer frames when each is bigger', () => {
  const kept = [];
  for (const [hidden, latent] of [[128, 2], [512, 16], [1024, 32], [4096, 64]]) {
    const run = mlpRun(hidden, latent);
    // Large models are slow to fill: a frame every 20 steps is enough to overflow every cap.
    record(run, 71 * 60, { every: hidden >= 1024 ? 71 : 20 });
    const { recorder } = run;
    assert.ok(recorder.bytes <= MEMORY_BOUND, `hidden ${hidden}, latent ${latent}: ${recorder.bytes} bytes`);
    assert.ok(recorder.frames.length <= recorder.capacity.frames && recorder.states.length <= recorder.capacity.states);
    const held = recorder.frames.reduce((s, f) => s + f.codes.byteLength + f.decoder.byteLength, 0) + recorder.states.reduce((s, x) => s + x.state.byteLength, 0);
    assert.ok(held <= recorder.bytes, 'the count of bytes leaves out what frames hold');
    kept.push({ hidden, latent, frames: recorder.frames.length, states: recorder.states.length, mb: (recorder.bytes / 2 ** 20).toFixed(1) });
  }
  console.log('#', JSON.stringify(kept));
  for (let i = 1; i < kept.length; i++) assert.ok(kept[i].frames <= kept[i - 1].frames, 'a bigger model kept more frames');
  assert.deepEqual([kept[0].frames, kept[0].states], [200, 10], 'the default model: 200 frames and 10 states');
  assert.equal(kept.at(-1).states, 0, 'at the largest settings one state is bigger than the states’ share');
  assert.ok(kept.at(-1).frames >= 2);
});

test('capacity: states within their share, frames in the rest, nothing over the bound', () => {
  for (const [frame, state] of [[211_000, 2_430_000], [1_000_000, 10_000_000], [7_200_000, 86_000_000], [10_000, 1_000]]) {
    const c = capacity(frame, state);
    assert.ok(c.frames * frame + c.states * state <= MEMORY_BOUND);
    assert.ok(c.frames <= MAX_FRAMES && c.states <= MAX_STATES);
    // Full: one more of either would not fit, or the count is at its cap.
    assert.ok(c.frames === MAX_FRAMES || (c.frames + 1) * frame + c.states * state > MEMORY_BOUND);
  }
  assert.deepEqual(capacity(10_000, 1_000), { frames: 200, states: 16 });
});

test('states are thinned too (first and latest kept), frames holding a state are not thinned away', () => {
  const run = mlpRun(128, 2);
  record(run, 200 * 71, { every: 30 });
  const states = run.recorder.states.map((s) => s.step);
  assert.equal(states.length, 10);
  assert.equal(states[0], 71, 'epoch 1 stays');
  assert.equal(states.at(-1), 200 * 71, 'the latest stays');
  assert.ok(states.includes(142), 'epoch 2 stays early on (branching from epoch 2)');
  const steps = new Set(run.recorder.steps());
  for (const s of states) assert.ok(steps.has(s), `the frame of the state at step ${s} was thinned away`);
});

test('seek gives the frame at or before the step; stateAt / statesAtOrBefore give what a branch may start from', () => {
  const run = mlpRun(64, 2, 10);
  for (const s of [0, 5, 10, 40]) run.recorder.record(run.frame(s));
  run.recorder.addState(10, 1, new ArrayBuffer(8));
  run.recorder.addState(40, 2, new ArrayBuffer(8));
  const r = run.recorder;
  assert.equal(r.seek(-3).step, 0, 'before the first: the first');
  assert.equal(r.seek(0).step, 0);
  assert.equal(r.seek(9).step, 5);
  assert.equal(r.seek(10).step, 10);
  assert.equal(r.seek(1e9).step, 40);
  assert.equal(r.frameAt(9), null);
  assert.deepEqual(r.statesAtOrBefore(39).map((s) => s.step), [10]);
  assert.deepEqual(r.statesAtOrBefore(40).map((s) => s.step), [10, 40]);
  assert.deepEqual(r.statesAtOrBefore(9), []);
  assert.equal(r.stateAt(10).epoch, 1);
  assert.equal(r.stateAt(11), null);
  // The frame's content is the one recorded at that step (codes exact, decoder through f16).
  assert.equal(r.seek(9).codes[0], Math.fround(5 / 1000));
  assert.equal(decoderOf(r.seek(9))[0], 1 + 5 / 1024);
});

test('between and the morph: exact at both ends, the fraction in between', () => {
  assert.deepEqual(between([0, 10, 30], 20), { from: 1, to: 2, t: 0.5 });
  assert.deepEqual(between([0, 10, 30], 10), { from: 1, to: 1, t: 0 });
  assert.deepEqual(between([0, 10, 30], 99), { from: 2, to: 2, t: 0 });
  assert.equal(between([], 3), null);
  // Values where a + t·(b − a) at t = 1 misses b (0.1 + (0.7 − 0.1) ≠ 0.7 in floating point).
  const a = Float32Array.of(0.1, -3.3, 1e-8, 12345.678);
  const b = Float32Array.of(0.7, 2.9, -5e-3, -0.001);
  assert.deepEqual(interpolateCodes(a, b, 0), a);
  assert.deepEqual(interpolateCodes(a, b, 1), b);
  const mid = interpolateCodes(a, b, 0.5);
  for (let i = 0; i < a.length; i++) assert.equal(mid[i], Math.fround((a[i] + b[i]) / 2));
});

test('a frame replaces one at the same step; frames out of order, or of the wrong size, are refused', () => {
  const run = mlpRun(64, 2, 10);
  run.recorder.record(run.frame(5));
  run.recorder.record(run.frame(5, 170));
  assert.equal(run.recorder.frames.length, 1);
  assert.equal(run.recorder.frames[0].losses.testElbo, 170);
  assert.throws(() => run.recorder.record(run.frame(4)), TimelapseError);
  assert.throws(() => run.recorder.record({ ...run.frame(6), codes: new Float32Array(3) }), /codes have 3 values/);
  assert.throws(() => run.recorder.record({ ...run.frame(6), decoder: new Float32Array(3) }), /decoder snapshot has 3 values/);
});

test('a change lists what was added and removed, so a store can mirror the record', () => {
  const run = mlpRun(128, 2);
  const mirror = new Map();
  for (let s = 0; s < 600; s++) {
    const change = run.recorder.record(run.frame(s));
    for (const gone of change.removedFrames) mirror.delete(gone);
    mirror.set(change.added.frame.step, change.added.frame);
  }
  assert.deepEqual([...mirror.keys()].sort((x, y) => x - y), run.recorder.steps());
});

test('a branch starts with its parent’s frames and states up to the branch point', () => {
  const run = mlpRun(64, 2, 10);
  record(run, 71 * 4);
  const branch = run.recorder.branchAt(142);
  assert.equal(branch.steps().at(-1), 142);
  assert.deepEqual(branch.states.map((s) => s.step), [71, 142]);
  assert.equal(branch.frames[3], run.recorder.frames[3], 'frames are shared, not copied');
});

test('with more than two latent dimensions, the plane’s axes keep their sign from frame to frame', () => {
  const L = 3;
  const projection = (sign) => ({
    points: Float32Array.of(sign * 1, 2, sign * 3, 4), mean: new Float32Array(L),
    axes: Float32Array.of(sign * 1, 0, 0, 0, 1, 0), explained: [0.6, 0.3],
  });
  const first = frames.alignedProjection(projection(1), null);
  const flipped = frames.alignedProjection(projection(-1), first);
  assert.deepEqual(Array.from(flipped.points, (v) => v + 0), [1, 2, 3, 4]);
  assert.deepEqual(Array.from(flipped.axes, (v) => v + 0), [1, 0, 0, 0, 1, 0]);
});
