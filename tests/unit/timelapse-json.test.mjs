// The frames as JSON (www/timelapse/json.ts): every code comes back as the same f32, decoders (when asked for) bit
// for bit, and a file that is not a time-lapse, or is damaged, is refused with what is wrong.
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { importWww } from './bundle.mjs';

const { FrameRecorder } = await importWww('www/timelapse/frames.ts');
const { timelapseJson, parseTimelapse } = await importWww('www/timelapse/json.ts');

function recorded() {
  const count = 50;
  const latent = 2;
  const values = 64;
  const recorder = new FrameRecorder({ latent, count, labels: Uint8Array.from({ length: count }, (_, i) => i % 10), decoder: { architecture: 'mlp', hidden: 4, latent, values } });
  let seed = 3;
  const random = () => ((seed = (Math.imul(seed, 1664525) + 1013904223) >>> 0) / 2 ** 32 - 0.5) * 8;
  for (const step of [0, 1, 2, 4, 8, 71]) {
    recorder.record({
      step, epoch: step === 71 ? 1 : 0, losses: { train: 543.2 - step, testElbo: step === 71 ? 201.5 : null },
      codes: Float32Array.from({ length: count * latent }, random), decoder: Float32Array.from({ length: values }, random),
    });
  }
  recorder.addState(71, 1, new ArrayBuffer(16));
  return recorder;
}

test('codes come back as the same f32 values; steps, losses, labels and where state was kept too', () => {
  const recorder = recorded();
  const text = timelapseJson(recorder);
  const { header, frames } = parseTimelapse(text);
  assert.deepEqual(header.labels, recorder.header.labels);
  assert.deepEqual(frames.map((f) => f.step), [0, 1, 2, 4, 8, 71]);
  frames.forEach((f, i) => {
    assert.deepEqual(f.codes, recorder.frames[i].codes);
    assert.equal(f.losses.train, recorder.frames[i].losses.train);
    assert.equal(f.losses.testElbo, recorder.frames[i].losses.testElbo);
    assert.equal(f.decoder.length, 0, 'no decoders unless asked for');
  });
  assert.deepEqual(JSON.parse(text).states, [{ step: 71, epoch: 1 }]);
  // Nine significant digits: shorter than a double's seventeen, still exact for f32.
  assert.ok(JSON.parse(text).frames[1].codes.every((c) => String(c).replace(/[-.]|e.*$/g, '').replace(/^0+/, '').length <= 9));
});

test('with decoders, each frame’s f16 bits come back bit for bit', () => {
  const recorder = recorded();
  const { frames } = parseTimelapse(timelapseJson(recorder, { decoders: true }));
  frames.forEach((f, i) => assert.deepEqual(f.decoder, recorder.frames[i].decoder));
});

test('what is not a time-lapse, or is damaged, is refused with what is wrong', () => {
  const good = JSON.parse(timelapseJson(recorded()));
  const refuse = (change, pattern) => {
    const json = structuredClone(good);
    change(json);
    assert.throws(() => parseTimelapse(JSON.stringify(json)), pattern);
  };
  assert.throws(() => parseTimelapse('{'), /not JSON/);
  refuse((j) => (j.format = 'other'), /not a time-lapse file/);
  refuse((j) => j.labels.pop(), /49 labels for 50 images/);
  refuse((j) => (j.frames[2].step = 1), /not in step order/);
  refuse((j) => j.frames[0].codes.pop(), /frame 0 .* 50 × 2 finite codes/);
  refuse((j) => (j.frames[0].codes[3] = 'x'), /frame 0/);
  refuse((j) => (j.frames[0].decoderF16 = 'AAAA'), /frame 0's decoder holds 1.5 values, not 64/);
});
