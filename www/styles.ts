// The element's styles, scoped to its shadow root. Theme through the custom properties on :host.
// They reach the shadow root as a constructed stylesheet (adoptStyles), never as a <style> element or a style=""
// attribute, so a page's Content-Security-Policy needs no style-src 'unsafe-inline' for the widget; per-element
// values (a legend dot's colour, a bar's width) are set through the CSSOM (element.style.setProperty), which CSP
// does not govern.
export const STYLES = /* css */ `
:host {
  --vae-bg: #ffffff;
  --vae-panel: #f6f7f9;
  --vae-fg: #1d2330;
  --vae-muted: #5f6878;
  --vae-border: #dfe3ea;
  --vae-grid: rgba(120, 130, 150, 0.22);
  --vae-accent: #c2410c;
  --vae-test: #3f7cc7;
  --vae-radius: 10px;
  --vae-font: system-ui, -apple-system, "Segoe UI", Roboto, sans-serif;
  display: block;
  container-type: inline-size;
  color: var(--vae-fg);
  font: 14px/1.4 var(--vae-font);
}
@media (prefers-color-scheme: dark) {
  :host {
    --vae-bg: #14171d;
    --vae-panel: #1c2029;
    --vae-fg: #e6e9ef;
    --vae-muted: #8c95a6;
    --vae-border: #2c323d;
    --vae-grid: rgba(160, 170, 190, 0.16);
    --vae-test: #6ea8ef;
  }
}
:host([hidden]) { display: none; }
* { box-sizing: border-box; }
/* Each view fills a host that takes no box of its own, so the layout is the views' markup. */
.host { display: contents; }
.host[hidden], [hidden] { display: none !important; }
.root {
  background: var(--vae-bg);
  border: 1px solid var(--vae-border);
  border-radius: var(--vae-radius);
  padding: 14px;
  display: grid;
  gap: 12px;
}
.root.dropping { outline: 3px dashed var(--vae-accent); outline-offset: -3px; }
.toolbar { display: flex; flex-wrap: wrap; align-items: center; gap: 8px; }
button, .file {
  font: inherit;
  border: 1px solid var(--vae-border);
  background: var(--vae-panel);
  color: var(--vae-fg);
  border-radius: 7px;
  padding: 6px 12px;
  cursor: pointer;
  min-height: 34px;
}
button:hover:not(:disabled), .file:hover { border-color: var(--vae-muted); }
button:focus-visible, .file:focus-within, canvas:focus-visible, input:focus-visible, select:focus-visible {
  outline: 2px solid var(--vae-accent);
  outline-offset: 2px;
}
button.primary { background: var(--vae-accent); border-color: var(--vae-accent); color: #fff; font-weight: 600; min-width: 92px; }
button:disabled { opacity: 0.5; cursor: default; }
.status { margin-left: auto; color: var(--vae-muted); font-variant-numeric: tabular-nums; font-size: 13px; }
/* Colour, not weight: the first bold tabular-number text laid out while training started cost a 60–130 ms task. */
.status strong { color: var(--vae-fg); font-weight: inherit; }
.progress { height: 3px; background: var(--vae-border); border-radius: 2px; overflow: hidden; }
/* No transition: a width that animates lays out and paints every frame, a core's worth the training worker needs. */
.progress > div { height: 100%; width: 0; background: var(--vae-accent); }
.main { display: grid; grid-template-columns: minmax(0, 1.25fr) minmax(0, 1fr); gap: 12px; align-items: start; }
.panel { background: var(--vae-panel); border: 1px solid var(--vae-border); border-radius: var(--vae-radius); padding: 10px; min-width: 0; }
.panel h2 { margin: 0 0 6px; font-size: 12px; font-weight: 600; color: var(--vae-muted); text-transform: uppercase; letter-spacing: 0.06em; }
.latent canvas { display: block; width: 100%; aspect-ratio: 1; touch-action: none; cursor: crosshair; border-radius: 6px; }
.legend { display: flex; flex-wrap: wrap; gap: 4px 10px; margin-top: 6px; font-size: 12px; color: var(--vae-muted); }
.legend span::before { content: ""; display: inline-block; width: 9px; height: 9px; border-radius: 50%; margin-right: 4px; background: var(--c); }
/* The person's own images in the panel are diamonds, not dots: the key shows the shape. */
.legend .own-key::before { border-radius: 0; width: 7px; height: 7px; margin-right: 6px; transform: rotate(45deg); background: transparent; border: 1.5px solid var(--vae-fg); }
.side { display: grid; gap: 12px; min-width: 0; }
/* Without the 2-D panel (latent-dim ≠ 2) the digit with its sliders and the chart share the width. */
.main.no-latent { grid-template-columns: minmax(0, 1fr); }
.main.no-latent .side { grid-template-columns: minmax(0, 1fr) minmax(0, 1.4fr); align-items: start; }
.digit { display: grid; grid-template-columns: minmax(0, 1fr); justify-items: center; }
.digit canvas { width: min(100%, 220px); aspect-ratio: 1; image-rendering: pixelated; border-radius: 6px; background: #000; }
.z { font-variant-numeric: tabular-nums; color: var(--vae-muted); font-size: 12px; margin-top: 6px; }
.sliders { display: grid; gap: 4px; width: 100%; margin-top: 8px; }
.sliders label { display: grid; grid-template-columns: 2.2em 1fr; align-items: center; font-size: 12px; color: var(--vae-muted); }
.chart canvas { display: block; width: 100%; height: 190px; }
.generate-body { display: grid; grid-template-columns: minmax(0, 1.6fr) minmax(0, 1fr); gap: 12px; align-items: start; }
.generate figure { margin: 0; display: grid; gap: 6px; }
.generate canvas { width: 100%; aspect-ratio: 1; image-rendering: pixelated; background: #000; border-radius: 6px; }
.generate canvas.manifold { cursor: pointer; }
.generate figcaption { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; font-size: 12px; color: var(--vae-muted); }
.generate figcaption input, .generate figcaption select { font: inherit; color: var(--vae-fg); background: var(--vae-bg); border: 1px solid var(--vae-border); border-radius: 6px; padding: 3px 5px; }
.generate figcaption input { width: 4.5em; }
.cell-note { font-variant-numeric: tabular-nums; }
.draw-body { display: grid; grid-template-columns: minmax(0, 2fr) minmax(0, 1fr) minmax(0, 1fr); gap: 12px; align-items: start; }
.draw figure { margin: 0; display: grid; gap: 6px; }
.draw canvas { width: 100%; aspect-ratio: 1; image-rendering: pixelated; background: #000; border-radius: 6px; }
.draw canvas.pad { touch-action: none; cursor: crosshair; image-rendering: auto; }
.draw figcaption { display: flex; flex-wrap: wrap; gap: 6px 12px; align-items: center; font-size: 12px; color: var(--vae-muted); }
.recover .controls, .compress .controls, .interpolate .controls, .judge .controls { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: center; margin-bottom: 10px; font-size: 12px; color: var(--vae-muted); }
.controls select, .controls input[type="number"] { font: inherit; color: var(--vae-fg); background: var(--vae-bg); border: 1px solid var(--vae-border); border-radius: 6px; padding: 3px 5px; }
.controls input[type="number"] { width: 4.5em; }
.tiles { display: grid; grid-template-columns: repeat(4, minmax(0, 1fr)); gap: 10px; }
.tiles figure, .strips figure, .judge figure { margin: 0; display: grid; gap: 4px; font-size: 12px; color: var(--vae-muted); }
.tiles canvas, .movie canvas { width: 100%; aspect-ratio: 1; image-rendering: pixelated; background: #000; border-radius: 6px; }
.tiles canvas.damaged { touch-action: none; cursor: crosshair; }
.strips { display: grid; grid-template-columns: minmax(0, 3fr) minmax(0, 1fr); gap: 10px; align-items: start; }
.strips figure:nth-child(2) { grid-column: 1; }
.strips .movie { grid-column: 2; grid-row: 1 / span 2; }
.strips canvas, .judge canvas.samples, .judge canvas.neighbours { width: 100%; image-rendering: pixelated; background: #000; border-radius: 4px; }
.thumbs { display: flex; flex-wrap: wrap; gap: 4px; }
.thumb { padding: 2px; min-height: 0; width: 40px; height: 40px; }
.thumb canvas { width: 100%; height: 100%; image-rendering: pixelated; display: block; }
.thumb[aria-pressed="true"] { border-color: var(--vae-accent); outline: 2px solid var(--vae-accent); }
.result { margin: 8px 0 0; font-size: 13px; }
.history table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; margin-bottom: 10px; display: block; overflow-x: auto; }
/* The caption is a paragraph over the table, not its <caption>: a narrow table scrolls sideways, and would clip it. */
.history .hint { margin-bottom: 4px; }
.history th, .history td { padding: 2px 8px; border-bottom: 1px solid var(--vae-border); text-align: right; white-space: nowrap; }
.history tr.current td { font-weight: 600; }
.judge table, .compress table { border-collapse: collapse; font-size: 12px; font-variant-numeric: tabular-nums; margin-bottom: 10px; }
.judge caption, .compress caption { text-align: left; color: var(--vae-muted); padding-bottom: 4px; }
.judge th, .judge td, .compress th, .compress td { padding: 2px 8px; border-bottom: 1px solid var(--vae-border); text-align: right; }
.coverage { grid-template-columns: minmax(0, 320px) minmax(0, 1fr); align-items: start; }
.coverage canvas { width: 100%; image-rendering: pixelated; border-radius: 4px; }
.shares { list-style: none; padding: 0; margin: 0; display: grid; gap: 2px; }
.shares li { display: grid; grid-template-columns: 1.6em auto 1fr 3em; align-items: center; gap: 6px; }
.shares .class-name { font-size: 12px; color: var(--vae-muted); }
.swatch { display: inline-grid; place-items: center; width: 1.4em; border-radius: 3px; background: var(--c); color: #111; font-weight: 600; }
.bar { height: 8px; width: var(--w); background: var(--vae-muted); border-radius: 2px; }
.verdict { margin: 8px 0 0; font-size: 13px; font-variant-numeric: tabular-nums; }
.settings { display: grid; grid-template-columns: repeat(auto-fill, minmax(132px, 1fr)); gap: 8px 12px; align-items: end; }
.settings label { display: grid; gap: 3px; font-size: 12px; color: var(--vae-muted); }
.settings input, .settings select { font: inherit; color: var(--vae-fg); background: var(--vae-bg); border: 1px solid var(--vae-border); border-radius: 6px; padding: 5px 7px; width: 100%; }
.settings .actions { display: flex; gap: 8px; grid-column: 1 / -1; flex-wrap: wrap; }
.settings .file { display: inline-flex; align-items: center; font-size: 14px; color: var(--vae-fg); }
.file input { display: none; }
.error { display: none; border: 1px solid #d64545; background: color-mix(in srgb, #d64545 12%, var(--vae-bg)); color: var(--vae-fg); border-radius: 8px; padding: 8px 10px; gap: 10px; align-items: start; }
.error.shown { display: flex; }
.error.notice { border-color: var(--vae-border); background: var(--vae-panel); }
.error p { margin: 0; flex: 1; }
/* A refused setting, said under the form (the whole row) and tied to its input. */
.field-problem { grid-column: 1 / -1; margin: 0; padding: 6px 10px; border-left: 3px solid #d64545; background: color-mix(in srgb, #d64545 10%, var(--vae-bg)); font-size: 13px; }
.settings [aria-invalid="true"] { border-color: #d64545; }
.error button { min-height: 28px; padding: 2px 10px; }
dialog.confirm { border: 1px solid var(--vae-border); border-radius: var(--vae-radius); background: var(--vae-bg); color: var(--vae-fg); max-width: min(440px, 90vw); padding: 16px; }
dialog.confirm::backdrop, dialog.preview::backdrop { background: rgba(0, 0, 0, 0.35); }
dialog.preview { border: 1px solid var(--vae-border); border-radius: var(--vae-radius); background: var(--vae-bg); color: var(--vae-fg); width: min(640px, 94vw); max-height: 90vh; overflow: auto; padding: 16px; }
dialog.preview h2 { margin: 0 0 10px; font-size: 16px; }
dialog.preview p, dialog.preview ul { margin: 0 0 10px; }
dialog.preview progress { width: 100%; }
dialog.preview figure { margin: 0 0 10px; }
dialog.preview canvas.preview-grid { width: 100%; max-width: 480px; image-rendering: pixelated; border-radius: 4px; display: block; }
dialog.preview figcaption { font-size: 12px; color: var(--vae-muted); margin-top: 4px; }
dialog.preview table { border-collapse: collapse; margin: 0 0 10px; font-size: 13px; }
dialog.preview th, dialog.preview td { padding: 2px 10px 2px 0; text-align: left; font-variant-numeric: tabular-nums; }
dialog.preview caption { text-align: left; color: var(--vae-muted); font-size: 12px; }
dialog.preview .preview-skipped-list { max-height: 12em; overflow: auto; font-size: 12px; word-break: break-all; }
dialog.preview .preview-failed { white-space: pre-line; }
.my-set { display: flex; flex-wrap: wrap; align-items: center; gap: 6px 8px; margin-top: 8px; }
.my-set .set-count { color: var(--vae-muted); font-size: 13px; }
.my-set label { display: inline-flex; align-items: center; gap: 6px; font-size: 13px; color: var(--vae-muted); }
.my-set input.set-label { font: inherit; color: var(--vae-fg); background: var(--vae-bg); border: 1px solid var(--vae-border); border-radius: 6px; padding: 5px 7px; width: 7em; }
.coverage-why { color: var(--vae-muted); font-size: 13px; }
dialog.confirm p { margin: 0 0 14px; }
.dialog-buttons { display: flex; flex-wrap: wrap; gap: 8px; justify-content: flex-end; }
.hint { font-size: 12px; color: var(--vae-muted); margin: 0; }
@container (max-width: 620px) {
  .main, .main.no-latent .side, .generate-body { grid-template-columns: minmax(0, 1fr); }
  .draw-body, .tiles, .coverage { grid-template-columns: minmax(0, 1fr) minmax(0, 1fr); }
  .strips { grid-template-columns: minmax(0, 1fr); }
  .strips .movie { grid-column: 1; grid-row: auto; width: 50%; }
  .draw-body figure:first-child { grid-column: 1 / -1; }
  .status { margin-left: 0; width: 100%; }
}
/* A finger needs a bigger target than a pointer: sliders and checkboxes at least 24 px where the pointer is coarse. */
@media (pointer: coarse) {
  input[type="range"] { min-height: 24px; }
  input[type="checkbox"] { width: 24px; height: 24px; }
}
/* compact: just the latent panel and the digit, side by side, for a blog post. */
:host([compact]) .root { padding: 8px; gap: 8px; }
:host([compact]) .toolbar, :host([compact]) .chart, :host([compact]) .settings,
:host([compact]) .progress, :host([compact]) .legend, :host([compact]) .panel h2 { display: none; }
:host([compact]) .main { grid-template-columns: minmax(0, 1.4fr) minmax(0, 1fr); gap: 8px; }
:host([compact]) .panel { padding: 6px; }
`;

let sheet: CSSStyleSheet | null = null;

/** Gives a shadow root the element's styles: one stylesheet, parsed once per realm and shared by every element. */
export function adoptStyles(root: ShadowRoot): void {
  if (!sheet) {
    sheet = new CSSStyleSheet();
    sheet.replaceSync(STYLES);
  }
  root.adoptedStyleSheets = [...root.adoptedStyleSheets, sheet];
}
