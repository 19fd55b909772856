// When the trainer takes frames (www/timelapse/schedule.ts): dense at first on a geometric schedule, and never more
// than SHARE of the training time (plus the grace) spent on frames the worker would not have taken anyway.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { CaptureSchedule, SHARE, GRACE_MS, nextScheduledStep } = await importWww('www/timelapse/schedule.ts');

test('the geometric schedule: every early step, then ever sparser, about 32 frames per doubling', () => {
  const steps = [0];
  while (steps.at(-1) < 100_000) steps.push(nextScheduledStep(steps.at(-1)));
  for (let s = 0; s <= 10; s++) assert.ok(steps.includes(s), `step ${s}`);
  const inOctave = (a, b) => steps.filter((s) => s >= a && s < b).length;
  assert.ok(Math.abs(inOctave(1008, 2032) - 32) <= 1, `${inOctave(1008, 2032)} frames in (1024 ± 16)`);
  assert.ok(Math.abs(inOctave(32_752, 65_520) - 32) <= 1);
  for (let i = 1; i < steps.length; i++) assert.ok(steps[i] > steps[i - 1]);
});

/**
 * A simulated run: a step costs `stepMs`, an extra frame `frameMs`, and the worker's own frames (every `ownEvery`
 * steps, like its codes every second) cost nothing more. Returns the frames taken and the time spent.
 */
function simulate({ steps, stepMs, frameMs, ownEvery = Infinity }) {
  const schedule = new CaptureSchedule();
  let trainedMs = 0;
  const taken = [];
  let worst = 0;
  for (let step = 0; step <= steps; step++) {
    if (step > 0) trainedMs += stepMs;
    const own = step > 0 && step % ownEvery === 0;
    if (own || schedule.due(step, trainedMs)) {
      schedule.taken(step, own ? 0 : frameMs);
      taken.push(step);
    }
    worst = Math.max(worst, schedule.spentMs - SHARE * trainedMs - GRACE_MS);
  }
  return { taken, spentMs: schedule.spentMs, trainedMs, worst };
}

test('extra frames never cost more than SHARE of the training time plus the grace (at most one frame over)', () => {
  // The default MLP (2.5 ms a step, ~10 ms a frame), a slow phone (8× both), and a costly frame (a large model).
  for (const run of [
    { steps: 50 * 71, stepMs: 2.5, frameMs: 10, ownEvery: 400 },
    { steps: 20 * 1125, stepMs: 20, frameMs: 80 },
    { steps: 5000, stepMs: 3, frameMs: 60 },
  ]) {
    const { spentMs, trainedMs, worst, taken } = simulate(run);
    assert.ok(worst <= run.frameMs, `over the budget by ${worst} ms`);
    assert.ok(spentMs <= SHARE * trainedMs + GRACE_MS + run.frameMs);
    console.log(`# ${JSON.stringify(run)}: ${taken.length} frames, ${((100 * spentMs) / trainedMs).toFixed(2)} % of training time`);
  }
});

test('the first frames come at once (the grace), and the budget keeps frames coming through a long run', () => {
  const { taken } = simulate({ steps: 50 * 71, stepMs: 2.5, frameMs: 10 });
  for (const s of [0, 1, 2, 3, 4, 5, 6, 7]) assert.ok(taken.includes(s), `step ${s} not taken`);
  // After the grace, frames keep coming at about the budget's rate: some in every tenth of the run.
  for (let d = 0; d < 10; d++) assert.ok(taken.some((s) => s > d * 355 && s <= (d + 1) * 355), `no frame in tenth ${d + 1}`);
  // Without a budget the schedule alone would take this many: the budget is what limits it here.
  let unbounded = 0;
  for (let s = 0; s <= 50 * 71; s = nextScheduledStep(s)) unbounded++;
  assert.ok(taken.length < unbounded, `${taken.length} taken, ${unbounded} scheduled`);
});

test('restart counts afresh (a new model, a branch)', () => {
  const schedule = new CaptureSchedule();
  schedule.taken(0, 10_000);
  assert.equal(schedule.due(1, 0), false, 'over budget');
  schedule.restart(142);
  assert.equal(schedule.due(141, 0), false);
  assert.equal(schedule.due(142, 0), true);
});
