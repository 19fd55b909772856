// A moment of the time-lapse as one picture: the test codes coloured by label (left), the manifold the decoder of
// that moment draws (right), and a caption with the step, epoch and losses. The exported video is made of these;
// the harness shows one. Fixed light colours, so a video looks the same whatever the page's theme was.
import { DIGIT_COLORS } from '../colors.js';

export const VIDEO_COLORS = { background: '#ffffff', panel: '#f6f7f9', grid: 'rgba(120,130,150,0.22)', text: '#1d2330', muted: '#5f6878' };

export interface Picture {
  /** n × 2 points in the latent plane. */
  points: Float32Array;
  labels: Uint8Array;
  /** Half-width of the latent square shown (the same for the whole video, so the picture does not jump). */
  extent: number;
  /** The manifold: n·n digits of 784 intensities, row by row from the top-left; null while there is none. */
  manifold: { pixels: Float32Array; n: number } | null;
  caption: string;
  /** Step mode: where each point was a frame ago (drawn as a faint line to where it is). */
  trail?: Float32Array | null;
}

type Context = CanvasRenderingContext2D | OffscreenCanvasRenderingContext2D;

/** The latent square's half-width that keeps 98 % of every frame's points in sight (at least 3, in steps of ½). */
export function extentOf(planes: readonly (Float32Array | null)[]): number {
  let extent = 3;
  for (const points of planes) {
    if (!points || points.length < 2) continue;
    const radii = new Float32Array(points.length / 2);
    for (let i = 0; i < radii.length; i++) radii[i] = Math.max(Math.abs(points[2 * i]), Math.abs(points[2 * i + 1]));
    radii.sort();
    extent = Math.max(extent, Math.ceil(radii[Math.floor(radii.length * 0.98)] * 1.1 * 2) / 2);
  }
  return extent;
}

/** Where the two panels and the caption go on a width × height picture. */
export function layout(width: number, height: number): { side: number; scatter: [number, number]; manifold: [number, number]; captionY: number } {
  const pad = Math.round(Math.min(width, height) * 0.03);
  const caption = Math.max(18, Math.round(height * 0.07));
  const side = Math.max(10, Math.min(Math.floor((width - 3 * pad) / 2), height - caption - 2 * pad));
  const left = Math.round((width - 2 * side - pad) / 2);
  return { side, scatter: [left, pad], manifold: [left + side + pad, pad], captionY: pad + side + Math.round(caption * 0.75) };
}

let tileCanvas: OffscreenCanvas | HTMLCanvasElement | null = null;

export function drawPicture(ctx: Context, width: number, height: number, picture: Picture): void {
  const { side, scatter, manifold, captionY } = layout(width, height);
  ctx.fillStyle = VIDEO_COLORS.background;
  ctx.fillRect(0, 0, width, height);
  drawScatter(ctx, scatter[0], scatter[1], side, picture);
  drawManifold(ctx, manifold[0], manifold[1], side, picture.manifold);
  ctx.fillStyle = VIDEO_COLORS.text;
  ctx.font = `${Math.max(11, Math.round(height * 0.035))}px system-ui, sans-serif`;
  ctx.textBaseline = 'alphabetic';
  ctx.fillText(picture.caption, scatter[0], captionY, width - 2 * scatter[0]);
}

function drawScatter(ctx: Context, x0: number, y0: number, side: number, p: Picture): void {
  ctx.fillStyle = VIDEO_COLORS.panel;
  ctx.fillRect(x0, y0, side, side);
  const e = p.extent;
  const sx = (v: number) => x0 + ((v + e) / (2 * e)) * side;
  const sy = (v: number) => y0 + ((e - v) / (2 * e)) * side;
  ctx.strokeStyle = VIDEO_COLORS.grid;
  ctx.lineWidth = 1;
  ctx.beginPath();
  for (let v = Math.ceil(-e); v <= e; v++) {
    ctx.moveTo(Math.round(sx(v)) + 0.5, y0);
    ctx.lineTo(Math.round(sx(v)) + 0.5, y0 + side);
    ctx.moveTo(x0, Math.round(sy(v)) + 0.5);
    ctx.lineTo(x0 + side, Math.round(sy(v)) + 0.5);
  }
  ctx.stroke();
  ctx.save();
  ctx.beginPath();
  ctx.rect(x0, y0, side, side);
  ctx.clip();
  const n = p.labels.length;
  if (p.trail && p.trail.length === p.points.length) {
    ctx.strokeStyle = VIDEO_COLORS.muted;
    ctx.globalAlpha = 0.35;
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      ctx.moveTo(sx(p.trail[2 * i]), sy(p.trail[2 * i + 1]));
      ctx.lineTo(sx(p.points[2 * i]), sy(p.points[2 * i + 1]));
    }
    ctx.stroke();
  }
  // Points batched by colour: ten fills instead of a thousand.
  const radius = Math.max(1.4, side / 220);
  ctx.globalAlpha = 0.75;
  for (let digit = 0; digit < DIGIT_COLORS.length; digit++) {
    ctx.fillStyle = DIGIT_COLORS[digit];
    ctx.beginPath();
    for (let i = 0; i < n; i++) {
      if (p.labels[i] !== digit) continue;
      const x = sx(p.points[2 * i]);
      const y = sy(p.points[2 * i + 1]);
      ctx.moveTo(x + radius, y);
      ctx.arc(x, y, radius, 0, 2 * Math.PI);
    }
    ctx.fill();
  }
  ctx.restore();
}

function drawManifold(ctx: Context, x0: number, y0: number, side: number, manifold: Picture['manifold']): void {
  ctx.fillStyle = '#000';
  ctx.fillRect(x0, y0, side, side);
  if (!manifold) return;
  const { pixels, n } = manifold;
  const size = 28 * n;
  tileCanvas ??= typeof OffscreenCanvas === 'function' ? new OffscreenCanvas(size, size) : document.createElement('canvas');
  if (tileCanvas.width !== size) tileCanvas.width = tileCanvas.height = size;
  const tiles = tileCanvas.getContext('2d') as Context | null;
  if (!tiles) return;
  const image = tiles.createImageData(size, size);
  const words = new Uint32Array(image.data.buffer);
  for (let cell = 0; cell < n * n; cell++) {
    const ox = (cell % n) * 28;
    const oy = Math.floor(cell / n) * 28;
    for (let y = 0; y < 28; y++) {
      for (let x = 0; x < 28; x++) {
        const v = Math.max(0, Math.min(255, Math.round(pixels[cell * 784 + y * 28 + x] * 255)));
        words[(oy + y) * size + ox + x] = 0xff000000 | (v << 16) | (v << 8) | v;
      }
    }
  }
  tiles.putImageData(image, 0, 0);
  ctx.imageSmoothingEnabled = true;
  ctx.drawImage(tileCanvas, x0, y0, side, side);
}

/** "step 1,234 · epoch 17 · train loss 152.3 · test −ELBO 160.1": a moment in words (the slider says the same). */
export function describeMoment(step: number, epoch: number, train: number, testElbo: number | null): string {
  const parts = [`step ${Math.round(step).toLocaleString('en-US')}`, `epoch ${Number.isInteger(epoch) ? epoch : epoch.toFixed(1)}`];
  if (Number.isFinite(train)) parts.push(`train loss ${train.toFixed(1)}`);
  if (testElbo !== null && Number.isFinite(testElbo)) parts.push(`test −ELBO ${testElbo.toFixed(1)}`);
  return parts.join(' · ');
}
