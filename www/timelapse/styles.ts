// The timeline view's styles: appended to the element's one stylesheet (styles.ts's STYLES) when the view is wired
// in; the harness adopts them beside it. Per-element values (the canvas's size) are set by CanvasSurface through
// the CSSOM, never a style attribute.
export const TIMELINE_STYLES = /* css */ `
/*
 * Wide: in the right column under the loss chart (its time axis beside the chart's), the latent panel spanning both
 * rows, so the timeline takes room the square panel leaves there and the page grows by a few pixels only. Compact
 * elements show no timeline and keep their own layout.
 */
:host(:not([compact])) .main > .host[data-view="latent"] > .latent { grid-column: 1; grid-row: 1 / span 2; }
:host(:not([compact])) .main > .side { grid-column: 2; grid-row: 1; }
.main .timeline { grid-column: 2; grid-row: 2; }
:host([compact]) .timeline, .main.no-latent .timeline { display: none; }
:host(:not([compact])) .main.no-latent > .side { grid-column: auto; grid-row: auto; }
.timeline { display: grid; gap: 8px; }
.timeline h2 { display: flex; justify-content: space-between; gap: 8px; }
.timeline h2 .timeline-live { text-transform: none; letter-spacing: 0; font-weight: 600; color: var(--vae-fg); }
.timeline-track { position: relative; height: 64px; touch-action: none; cursor: pointer; border-radius: 6px; }
.timeline-track canvas { display: block; width: 100%; height: 100%; }
.timeline-track:focus-visible { outline: 2px solid var(--vae-accent); outline-offset: 2px; }
.timeline-controls { display: flex; flex-wrap: wrap; gap: 6px 8px; align-items: center; font-size: 13px; }
.timeline-controls label { display: inline-flex; gap: 6px; align-items: center; color: var(--vae-muted); font-size: 12px; }
.timeline-controls select, .branch-form input { font: inherit; color: var(--vae-fg); background: var(--vae-bg); border: 1px solid var(--vae-border); border-radius: 6px; padding: 4px 6px; min-height: 34px; }
.timeline-controls button[aria-pressed="true"] { border-color: var(--vae-accent); color: var(--vae-accent); }
.timeline-note { margin: 0; font-size: 12px; color: var(--vae-muted); min-height: 1.4em; font-variant-numeric: tabular-nums; }
.branch-form { display: flex; flex-wrap: wrap; gap: 8px 12px; align-items: end; padding: 10px; border: 1px solid var(--vae-border); border-radius: 8px; background: var(--vae-bg); }
.branch-form p { margin: 0; flex-basis: 100%; font-size: 13px; }
.branch-form label { display: grid; gap: 3px; font-size: 12px; color: var(--vae-muted); }
.branch-form input { width: 8em; }
@container (max-width: 620px) {
  /*
   * One column: the latent panel and the digit it decodes first, so that both are in view while a finger drags the
   * ring; then the timeline and the chart.
   */
  :host(:not([compact])) .main > .host[data-view="latent"] > .latent { grid-column: 1; grid-row: 1; }
  :host(:not([compact])) .main:not(.no-latent) > .side { display: contents; }
  :host(:not([compact])) .main:not(.no-latent) .digit { grid-column: 1; grid-row: 2; }
  .main .timeline { grid-column: 1; grid-row: 3; }
  :host(:not([compact])) .main:not(.no-latent) .chart { grid-column: 1; grid-row: 4; }
  :host(:not([compact])) .main.no-latent > .side { grid-column: 1; grid-row: 2; }
  .timeline-track { height: 76px; }
  .timeline-controls > * { flex: 1 1 auto; }
}
`;
