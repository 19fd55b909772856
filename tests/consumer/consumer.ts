// A TypeScript consumer of the published package, compiled with `tsc --noEmit` against the shipped .d.ts.
// It must compile: every API in the README is used with its documented types.
import { VaePlaygroundElement, type EpochDetail, type LatentChangeDetail, type ProgressDetail } from 'vae-playground';

const el: VaePlaygroundElement = document.createElement('vae-playground');
el.hiddenUnits = 64;
el.latentDim = 2;
el.beta = 1.5;
el.learningRate = 3e-3;
el.batchSize = 64;
el.epochs = 10;
el.seed = 42;
el.autostart = true;
el.compact = false;
el.weights = null;
el.data = 'digits-images.idx3-ubyte.gz digits-labels.idx1-ubyte.gz';
const running: boolean = el.running;
const z0: number[] = el.z;
document.body.append(el);

el.addEventListener('ready', (e) => console.log(e.detail.trainSize, e.detail.testSize, e.detail.simd));
el.addEventListener('progress', (e: CustomEvent<ProgressDetail>) => console.log(e.detail.epoch, e.detail.step, e.detail.loss, e.detail.samplesPerSec));
el.addEventListener('epoch', (e) => {
  const detail: EpochDetail = e.detail;
  console.log(detail.testElbo, detail.recon, detail.kl);
});
el.addEventListener('latentchange', (e) => {
  const detail: LatentChangeDetail = e.detail;
  const pixels: Float32Array = detail.pixels;
  console.log(detail.z[0], pixels.length);
});
el.addEventListener('trained', (e) => console.log(e.detail.epoch));
el.addEventListener('error', (e) => console.error(e.detail.message));

async function use(): Promise<void> {
  el.train();
  el.pause();
  el.reset();
  const pixels: Float32Array = await el.decode([0.5, -1]);
  const z: Float32Array = await el.encode(pixels);
  const blob: Blob = await el.exportWeights();
  await el.loadWeights(blob);
  await el.loadWeights('model.safetensors');
  await el.loadWeights(new URL('model.safetensors', location.href));
  console.log(z, running, z0);
}
void use;

// @ts-expect-error — decode takes numbers, not a string
void el.decode('0,0');
// @ts-expect-error — events carry typed details
el.addEventListener('epoch', (e) => e.detail.notAField);
