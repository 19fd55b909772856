// The worker's side of the time-lapse (www/timelapse/taker.ts): when a frame is due, the mean training loss since the
// frame before, and what only the time-lapse's frames cost.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { FrameTaker } = await importWww('www/timelapse/taker.ts');
const { nextScheduledStep, SHARE, HORIZON_MS } = await importWww('www/timelapse/schedule.ts');

test('a model resuming at step N is due a frame at N, then at the schedule’s next step', () => {
  const taker = new FrameTaker(142);
  assert.equal(taker.due(141), false);
  assert.equal(taker.due(142), true);
  taker.taken(142, 0);
  assert.equal(taker.due(142), false);
  assert.equal(taker.due(nextScheduledStep(142) - 1), false);
  assert.equal(taker.due(nextScheduledStep(142)), true);
});

test('each frame carries the mean loss of the steps since the frame before (NaN with none)', () => {
  const taker = new FrameTaker();
  assert.ok(Number.isNaN(taker.taken(0, 0)));
  for (const loss of [540, 530, 520]) taker.addLoss(loss);
  assert.equal(taker.taken(3, 0), 530);
  taker.addLoss(100);
  assert.equal(taker.taken(4, 0), 100);
});

test('frames that came with the codes cost nothing; extra ones count against the share until it is spent', () => {
  const taker = new FrameTaker();
  taker.taken(0, 0);
  taker.trained(1000);
  let step = 0;
  let extra = 0;
  // Extra frames of 30 ms each while training barely moves: the share of the first HORIZON_MS is the limit.
  while (extra < 100) {
    step = nextScheduledStep(step);
    if (!taker.due(step)) break;
    taker.taken(step, 30);
    extra++;
  }
  assert.equal(extra, Math.ceil((SHARE * HORIZON_MS) / 30));
  assert.equal(taker.due(nextScheduledStep(step)), false, 'over the share: no more extra frames');
  taker.taken(nextScheduledStep(step), 0); // with the codes sent anyway: still taken
  assert.deepEqual({ ...taker.figures }, { frames: extra + 2, extraFrames: extra, extraMs: extra * 30, trainedMs: 1000 });
  // Enough training later, the share allows frames again.
  taker.trained(30 * extra / SHARE);
  assert.equal(taker.due(nextScheduledStep(nextScheduledStep(step))), true);
});
