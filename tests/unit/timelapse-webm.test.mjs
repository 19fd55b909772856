// The WebM writer (www/timelapse/webm.ts), read back with an EBML reader written from the format's rules
// (tests/e2e/fixtures/timelapse/ebml.mjs): the duration is frames ÷ fps, the size and codec are said, every block is
// there with its time and key flag, and the Cues and SeekHead point at what they name. The real encoder's output is
// checked in Chromium (tests/e2e/timelapse.test.mjs).
import assert from 'node:assert/strict';
import { test } from 'node:test';
import { webmFacts } from '../e2e/fixtures/timelapse/ebml.mjs';
import { importWww } from './bundle.mjs';

const { webm, vint } = await importWww('www/timelapse/webm.ts');

/** n fake chunks at fps, a keyframe every `keyEvery`, each holding its index (and some bulk, so sizes need 2+ bytes). */
function chunks(n, fps, keyEvery, bulk = 300) {
  const frameDuration = Math.round(1e6 / fps);
  return {
    frameDuration,
    chunks: Array.from({ length: n }, (_, i) => ({
      data: Uint8Array.from({ length: bulk + (i % 7) }, (_, k) => (k === 0 ? i & 255 : (i * 31 + k) & 255)),
      timestamp: i * frameDuration,
      key: i % keyEvery === 0,
    })),
  };
}

test('90 frames at 30 fps: a 3 s WebM with the size, codec, every block, its time and key flag', () => {
  const { frameDuration, chunks: list } = chunks(90, 30, 30);
  const facts = webmFacts(webm({ codec: 'V_VP8', width: 640, height: 360, frameDuration }, list));
  assert.equal(facts.docType, 'webm');
  assert.equal(facts.timecodeScale, 1e6);
  assert.equal(facts.durationMs, 3000);
  assert.equal(facts.codec, 'V_VP8');
  assert.deepEqual([facts.width, facts.height], [640, 360]);
  assert.equal(facts.defaultDurationNs, frameDuration * 1000);
  assert.equal(facts.blocks.length, 90);
  facts.blocks.forEach((block, i) => {
    assert.equal(block.track, 1);
    assert.equal(block.time, Math.round((i * frameDuration) / 1000), `block ${i}'s time`);
    assert.equal(block.key, i % 30 === 0);
    assert.deepEqual(block.data, list[i].data, `block ${i}'s data`);
  });
  assert.equal(facts.clusters, 3, 'a cluster per keyframe');
});

test('the Cues point at each cluster, the SeekHead at Info, Tracks and Cues', () => {
  const { frameDuration, chunks: list } = chunks(50, 10, 20);
  const facts = webmFacts(webm({ codec: 'V_VP8', width: 320, height: 200, frameDuration }, list));
  assert.deepEqual(facts.cues.map((c) => c.time), [0, 2000, 4000]);
  for (const cue of facts.cues) assert.equal(cue.target, 0x1f43b675, 'a cue that points at no cluster');
  assert.deepEqual(facts.seeks.map((s) => s.target), facts.seeks.map((s) => s.id));
  assert.deepEqual(facts.seeks.map((s) => s.id), [0x1549a966, 0x1654ae6b, 0x1c53bb6b]);
  assert.equal(facts.durationMs, 5000);
});

test('a long stretch without a keyframe is split into clusters (a block’s time offset is a signed 16-bit number)', () => {
  const { frameDuration, chunks: list } = chunks(800, 10, 10_000, 4);
  const facts = webmFacts(webm({ codec: 'V_VP8', width: 16, height: 16, frameDuration }, list));
  assert.ok(facts.clusters >= 3, `${facts.clusters} clusters for 80 s`);
  facts.blocks.forEach((block, i) => assert.equal(block.time, i * 100));
  assert.equal(facts.durationMs, 80_000);
});

test('EBML sizes: the shortest form, all ones never used for a real size', () => {
  assert.deepEqual(Array.from(vint(0)), [0x80]);
  assert.deepEqual(Array.from(vint(126)), [0xfe]);
  assert.deepEqual(Array.from(vint(127)), [0x40, 0x7f], '127 in one byte would be all ones (unknown size)');
  assert.deepEqual(Array.from(vint(300)), [0x41, 0x2c]);
  assert.throws(() => webm({ codec: 'V_VP8', width: 1, height: 1, frameDuration: 1 }, []), /at least one frame/);
});
