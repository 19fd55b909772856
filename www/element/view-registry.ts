// Every view of <vae-playground>, listed once: its name, how it is made, the section it belongs to (what the `views`
// attribute names; null: always there), the `::part` names it puts on its DOM, and its place in the template.
// The template, the `views` attribute's names, the sections and the parts all follow from this table; the element's
// `@csspart` doc comment and settings.ts's VIEW_NAMES are checked against it (tests/unit/view-registry.test.mjs).
import type { ViewName } from '../settings.js';
import { ChartView } from '../views/chart.js';
import { CompressView } from '../views/compress.js';
import type { ConfirmView } from '../views/confirm.js';
import { DigitView } from '../views/digit.js';
import { DrawView, type DrawResult } from '../views/draw.js';
import { DropView } from '../views/drop.js';
import { GenerateView } from '../views/generate.js';
import { HistoryView } from '../views/history.js';
import { InterpolateView } from '../views/interpolate.js';
import { JudgeView } from '../views/judge.js';
import { LatentView } from '../views/latent.js';
import { PreviewView } from '../views/preview.js';
import { RecoverView } from '../views/recover.js';
import { SettingsView } from '../views/settings.js';
import { TimelineView } from '../views/timeline.js';
import type { TimelineModel } from '../timelapse/controller.js';
import { StatusView } from '../views/status.js';
import type { PlaygroundActions, View } from '../views/view.js';

/** What the element gives the views to act with. */
export interface ViewContext {
  actions: PlaygroundActions;
  /** The one confirmation dialog (actions.confirm asks through it). */
  confirm: ConfirmView;
  classify(pixels: Float32Array): Promise<{ digit: number; probabilities: Float32Array }>;
  sample(n: number, seed: number): Promise<Float32Array>;
  manifold(n: number, x: number, y: number): Promise<{ pixels: Float32Array; z: Float32Array }>;
  encodeDrawing(pixels: Float32Array, width: number, height: number): Promise<DrawResult>;
  clearDrawing(): void;
  download(name: string, text: string, type: string): void;
  /** Something changed that the state does not show (the chart's overlay): draw the next frame. */
  redraw(): void;
  /** The time-lapse, as the timeline sees it. */
  timeline: TimelineModel;
}

/**
 * Where a view's host goes: on the root itself (`root`), above everything (`top`), in the first section's main
 * column or beside it (`main`, `side`), under the main column (`under`: after the side column in the markup), as a
 * section of its own (`section`, in table order), or below (`bottom`).
 */
export type Place = 'root' | 'top' | 'main' | 'side' | 'under' | 'section' | 'bottom';

export interface ViewEntry {
  name: string;
  place: Place;
  section: ViewName | null;
  /** The `::part` names the view's DOM carries. */
  parts: readonly string[];
  create(context: ViewContext): View;
}

export const VIEWS: readonly ViewEntry[] = [
  { name: 'drop', place: 'root', section: null, parts: [], create: ({ actions }) => new DropView(actions) },
  { name: 'status', place: 'top', section: null, parts: ['toolbar', 'progress', 'error'], create: ({ actions }) => new StatusView(actions) },
  { name: 'latent', place: 'main', section: 'latent', parts: ['latent'], create: ({ actions }) => new LatentView(actions) },
  { name: 'timeline', place: 'under', section: 'latent', parts: ['timeline'], create: ({ timeline }) => new TimelineView(timeline) },
  { name: 'digit', place: 'side', section: 'latent', parts: ['digit'], create: ({ actions, classify }) => new DigitView({ moveTo: actions.moveTo, classify }) },
  { name: 'chart', place: 'side', section: 'latent', parts: ['chart'], create: () => new ChartView() },
  {
    name: 'generate', place: 'section', section: 'generate', parts: ['generate'],
    create: ({ actions, manifold, sample }) => new GenerateView({ moveTo: actions.moveTo, manifold, sample }),
  },
  {
    name: 'draw', place: 'section', section: 'draw', parts: ['draw'],
    create: ({ actions, encodeDrawing, classify, clearDrawing }) => new DrawView({
      encodeDrawing, classify, clearDrawing, addToSet: actions.addToSet, clearSet: actions.clearSet, trainOnSet: actions.trainOnSet, exportDataset: actions.exportDataset,
    }),
  },
  { name: 'recover', place: 'section', section: 'recover', parts: ['recover'], create: ({ actions }) => new RecoverView(actions) },
  { name: 'compress', place: 'section', section: 'compress', parts: ['compress'], create: ({ actions }) => new CompressView(actions) },
  { name: 'interpolate', place: 'section', section: 'interpolate', parts: ['interpolate'], create: ({ actions }) => new InterpolateView(actions) },
  { name: 'judge', place: 'section', section: 'judge', parts: ['judge'], create: ({ actions, sample }) => new JudgeView({ request: actions.request, sample }) },
  { name: 'history', place: 'section', section: 'history', parts: ['history'], create: ({ download, redraw }) => new HistoryView({ download, redraw }) },
  { name: 'settings', place: 'bottom', section: null, parts: ['settings'], create: ({ actions }) => new SettingsView(actions) },
  { name: 'confirm', place: 'bottom', section: null, parts: ['dialog'], create: ({ confirm }) => confirm },
  { name: 'preview', place: 'bottom', section: null, parts: ['preview'], create: ({ actions }) => new PreviewView(actions) },
];

/** The part the template itself carries. */
const TEMPLATE_PARTS = ['root'] as const;

/** The sections a widget can show, in the page's order: the names the `views` attribute takes. */
export const SECTIONS: readonly ViewName[] = [...new Set(VIEWS.flatMap((v) => (v.section ? [v.section] : [])))];

/** Every `::part` name the widget offers. */
export const PARTS: readonly string[] = [...TEMPLATE_PARTS, ...VIEWS.flatMap((v) => v.parts)];

/** The shadow root's layout: each view fills its own host (`display: contents`, so hosts do not change the grid). */
export function viewTemplate(): string {
  const hosts = (place: Place, between = '\n  ') => VIEWS.filter((v) => v.place === place)
    .map((v) => `<div class="host" data-view="${v.name}"${place === 'section' ? ` data-section="${v.section}"` : ''}></div>`).join(between);
  const root = VIEWS.find((v) => v.place === 'root');
  const first = VIEWS.find((v) => v.place === 'main')?.section;
  return `<div class="root" part="root"${root ? ` data-view="${root.name}"` : ''}>
  ${hosts('top')}
  <div class="main" data-section="${first}">
    ${hosts('main')}
    <div class="side">${hosts('side', '')}</div>
    ${hosts('under')}
  </div>
  ${hosts('section')}
  ${hosts('bottom')}
</div>`;
}
