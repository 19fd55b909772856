// When the trainer takes frames (www/timelapse/schedule.ts): dense at first on a geometric schedule, and never more
// than SHARE of the training time (counted over at least HORIZON_MS) spent on frames the worker would not have taken
// anyway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { CaptureSchedule, SHARE, HORIZON_MS, PER_OCTAVE, nextScheduledStep } = await importWww('www/timelapse/schedule.ts');

test('the geometric schedule: every other step at first, then ever sparser, PER_OCTAVE frames per doubling', () => {
  const steps = [0];
  while (steps.at(-1) < 100_000) steps.push(nextScheduledStep(steps.at(-1)));
  assert.deepEqual(steps.slice(0, 9), [0, 2, 4, 6, 8, 11, 14, 17, 20]);
  const inOctave = (a, b) => steps.filter((s) => s >= a && s < b).length;
  assert.ok(Math.abs(inOctave(1008, 2032) - PER_OCTAVE) <= 1, `${inOctave(1008, 2032)} frames in (1024 ± 16)`);
  assert.ok(Math.abs(inOctave(32_752, 65_520) - PER_OCTAVE) <= 1);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1]);
});

/**
 * A simulated run: a step costs `stepMs`, an extra frame `frameMs`; the worker's own frames (at each epoch's end,
 * every `epoch` steps, and every `second` steps) cost nothing more. Returns the frames taken and the time spent.
 */
function simulate({ steps, stepMs, frameMs, epoch = Infinity, second = Infinity }) {
  const schedule = new CaptureSchedule();
  let trainedMs = 0;
  const taken = [];
  let over = 0;
  for (let step = 0; step <= steps; step++) {
    if (step > 0) trainedMs += stepMs;
    const own = step > 0 && (step % epoch === 0 || step % second === 0);
    if (own || schedule.due(step, trainedMs)) {
      schedule.taken(step, own ? 0 : frameMs);
      taken.push(step);
    }
    over = Math.max(over, schedule.spentMs - SHARE * Math.max(trainedMs, HORIZON_MS));
  }
  return { taken, spentMs: schedule.spentMs, trainedMs, over };
}

test('extra frames cost at most SHARE of the training time (of HORIZON_MS at first), one frame over at most', () => {
  // The default MLP (2.5 ms a step, ~10 ms a frame, 71 steps an epoch), a slow phone (batch 8: 1,125 steps an epoch),
  // a costly frame (a large model), and training until paused for a long time.
  for (const run of [
    { steps: 50 * 71, stepMs: 2.5, frameMs: 10, epoch: 71, second: 400 },
    { steps: 20 * 1125, stepMs: 20, frameMs: 80, epoch: 1125, second: 50 },
    { steps: 5000, stepMs: 3, frameMs: 60, epoch: 71 },
    { steps: 200_000, stepMs: 2.5, frameMs: 10 },
  ]) {
    const { spentMs, trainedMs, over, taken } = simulate(run);
    assert.ok(over <= run.frameMs, `over the budget by ${over} ms`);
    if (trainedMs > HORIZON_MS) assert.ok(spentMs <= SHARE * trainedMs + run.frameMs, `${spentMs} ms of ${trainedMs}`);
    console.log(`# ${JSON.stringify(run)}: ${taken.length} frames, extra ${spentMs} ms = ${((100 * spentMs) / trainedMs).toFixed(2)} % of ${(trainedMs / 1000).toFixed(1)} s of training`);
  }
});

test('the first epoch is covered before its end, then frames keep coming through the whole run', () => {
  const { taken } = simulate({ steps: 50 * 71, stepMs: 2.5, frameMs: 10, epoch: 71, second: 400 });
  const first = taken.filter((s) => s < 71);
  assert.ok(first.length >= 15, `${first.length} frames before the first epoch's end`);
  assert.ok(first.at(-1) > 50, `the first epoch's last extra frame is at step ${first.at(-1)}: its end is bare`);
  for (let d = 0; d < 10; d++) assert.ok(taken.some((s) => s > d * 355 && s <= (d + 1) * 355), `no frame in tenth ${d + 1}`);
  // Without a budget, training until paused would take frames without end; with it, about SHARE of the time.
  const long = simulate({ steps: 200_000, stepMs: 2.5, frameMs: 10 });
  let unbounded = 0;
  for (let s = 0; s <= 200_000; s = nextScheduledStep(s)) unbounded++;
  assert.ok(long.taken.length < unbounded, `${long.taken.length} taken, ${unbounded} scheduled`);
});

test('restart counts afresh (a new model, a branch)', () => {
  const schedule = new CaptureSchedule();
  schedule.taken(0, 10_000);
  assert.equal(schedule.due(2, 0), false, 'over budget');
  schedule.restart(142);
  assert.equal(schedule.due(141, 0), false);
  assert.equal(schedule.due(142, 0), true);
});
