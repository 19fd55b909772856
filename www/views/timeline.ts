// The time-lapse's timeline, under the latent panel: a slider over the recorded moments (drag, finger, keys), replay
// at a speed, step mode, "Back to now", "Branch from here" (at the moments that kept full training state, marked ◆),
// and "Export time-lapse" (a video and the frames as JSON). The axis is logarithmic in steps, as the frames are kept,
// so each frame has about as much room as any other. It knows the time-lapse only through `TimelineModel`.
import { CanvasSurface, cssVar } from '../canvas.js';
import type { BranchSettings, TimelineModel, TimelineSnapshot } from '../timelapse/controller.js';
import { describeMoment } from '../timelapse/render.js';
import { KEYS, SPEEDS } from '../timelapse/replay.js';
import { unwarp, warp } from '../timelapse/thinning.js';
import { Listeners, find, type PlaygroundState, type View } from './view.js';

/** Horizontal room at each end of the track, so the first and the latest frames' marks are not cut. */
const INSET = 12;

const speedLabel = (s: number) => (s === 0.25 ? '¼×' : s === 0.5 ? '½×' : `${s}×`);

export class TimelineView implements View {
  #listeners = new Listeners();
  #surface: CanvasSurface | null = null;
  #track!: HTMLElement;
  #canvas!: HTMLCanvasElement;
  #play!: HTMLButtonElement;
  #speed!: HTMLSelectElement;
  #stepMode!: HTMLButtonElement;
  #step!: HTMLButtonElement;
  #now!: HTMLButtonElement;
  #branch!: HTMLButtonElement;
  #export!: HTMLButtonElement;
  #form!: HTMLFormElement;
  #note!: HTMLElement;
  /** The step whose change the note last described (step mode). */
  #saidStep = -1;
  #liveBadge!: HTMLElement;
  #snapshot: TimelineSnapshot | null = null;
  #drawnVersion = -1;
  #motion: MediaQueryList | null = null;
  #unsubscribe: (() => void) | null = null;
  /** Where the branch form was opened (its step), while it is open. */
  #branchStep: number | null = null;

  constructor(private readonly model: TimelineModel) {}

  mount(host: HTMLElement): void {
    host.innerHTML = `<div class="panel timeline" part="timeline">
      <h2><span>Time-lapse</span><span class="timeline-live"></span></h2>
      <div class="timeline-track" tabindex="0" role="slider" aria-label="Time-lapse: the moment of training shown. Arrow keys move a frame, Page Up and Page Down ten, Home the first, End back to now">
        <canvas aria-hidden="true"></canvas></div>
      <div class="timeline-controls">
        <button type="button" data-timeline="play">Play</button>
        <label>Speed <select data-timeline="speed">${SPEEDS.map((s) => `<option value="${s}"${s === 1 ? ' selected' : ''}>${speedLabel(s)}</option>`).join('')}</select></label>
        <button type="button" data-timeline="step-mode" aria-pressed="false">Step mode</button>
        <button type="button" data-timeline="step" hidden>Train one step</button>
        <button type="button" data-timeline="now">Back to now</button>
        <button type="button" data-timeline="branch">Branch from here…</button>
        <button type="button" data-timeline="export">Export time-lapse</button>
      </div>
      <form class="branch-form" hidden>
        <p class="branch-what"></p>
        <label>β (KL weight) <input type="number" name="beta" min="0" step="any" required></label>
        <label>Learning rate <input type="number" name="learningRate" min="0" step="any" required></label>
        <button type="submit" class="primary">Start the branch</button>
        <button type="button" data-timeline="cancel-branch">Cancel</button>
      </form>
      <p class="timeline-note" aria-live="polite"></p></div>`;
    this.#track = find(host, '.timeline-track');
    this.#canvas = find(host, '.timeline-track canvas');
    this.#play = find(host, '[data-timeline="play"]');
    this.#speed = find(host, '[data-timeline="speed"]');
    this.#stepMode = find(host, '[data-timeline="step-mode"]');
    this.#step = find(host, '[data-timeline="step"]');
    this.#now = find(host, '[data-timeline="now"]');
    this.#branch = find(host, '[data-timeline="branch"]');
    this.#export = find(host, '[data-timeline="export"]');
    this.#form = find(host, '.branch-form');
    this.#note = find(host, '.timeline-note');
    this.#liveBadge = find(host, '.timeline-live');
    this.#surface = new CanvasSurface(this.#canvas, (s) => this.#paint(s));

    const on = this.#listeners.on.bind(this.#listeners);
    on(this.#track, 'pointerdown', this.#pointerDown);
    on(this.#track, 'pointermove', this.#pointerMove);
    on(this.#track, 'pointerup', this.#pointerUp);
    on(this.#track, 'pointercancel', this.#pointerUp);
    on(this.#track, 'keydown', (event) => {
      if (!KEYS.has(event.key)) return;
      this.model.dispatch({ type: 'key', key: event.key, shift: event.shiftKey });
      event.preventDefault();
    });
    on(this.#play, 'click', () => this.model.dispatch({ type: 'toggle' }));
    on(this.#speed, 'change', () => this.model.dispatch({ type: 'speed', speed: Number(this.#speed.value) }));
    on(this.#stepMode, 'click', () => this.model.dispatch({ type: 'stepMode', on: !this.#snapshot?.replay.stepMode }));
    on(this.#step, 'click', () => this.model.stepTraining(1));
    on(this.#now, 'click', () => {
      this.model.dispatch({ type: 'now' });
      this.#track.focus({ preventScroll: true });
    });
    on(this.#branch, 'click', () => this.#openBranch());
    on(find(host, '[data-timeline="cancel-branch"]'), 'click', () => this.#closeBranch(true));
    on(this.#form, 'submit', (event) => {
      event.preventDefault();
      void this.#startBranch();
    });
    on(this.#form, 'keydown', (event) => {
      if (event.key !== 'Escape') return;
      event.preventDefault();
      this.#closeBranch(true);
    });
    on(this.#export, 'click', () => void this.#exportTimelapse());

    this.#motion = matchMedia('(prefers-reduced-motion: reduce)');
    this.#motion.addEventListener('change', this.#motionChanged);
    this.model.dispatch({ type: 'reducedMotion', on: this.#motion.matches });
    // Changes between the element's frames (a key held down) still reach the view at once.
    this.#unsubscribe = this.model.subscribe(() => this.#refresh());
    this.#refresh();
  }

  /** The element calls this every frame; the timeline reads only its model, and redraws only when that moved. */
  update(_state?: Readonly<PlaygroundState>): void {
    this.#refresh();
  }

  dispose(): void {
    this.#listeners.dispose();
    this.#motion?.removeEventListener('change', this.#motionChanged);
    this.#unsubscribe?.();
    this.#unsubscribe = null;
    this.#surface?.dispose();
    this.#surface = null;
  }

  #motionChanged = (event: MediaQueryListEvent) => this.model.dispatch({ type: 'reducedMotion', on: event.matches });

  #refresh(): void {
    if (this.model.version === this.#drawnVersion) return;
    this.#drawnVersion = this.model.version;
    const snap = (this.#snapshot = this.model.snapshot());
    const { steps, replay, shown } = snap;
    const count = steps.length;
    const i = shown?.from ?? -1;
    const live = replay.mode === 'live';
    this.#track.setAttribute('aria-valuemin', String(steps[0] ?? 0));
    this.#track.setAttribute('aria-valuemax', String(steps.at(-1) ?? 0));
    this.#track.setAttribute('aria-valuenow', String(shown?.step ?? 0));
    const hasState = shown !== null && shown.t === 0 && snap.stateSteps.includes(shown.step);
    this.#track.setAttribute('aria-valuetext', i < 0 ? 'Nothing recorded yet'
      : `${describeMoment(shown!.step, snap.epochs[i], snap.losses[i], snap.testElbo[i])}; frame ${i + 1} of ${count}` +
        `${live ? '; now, following training' : ''}${hasState ? '; training state kept here: you can branch' : ''}`);
    this.#track.setAttribute('aria-disabled', String(count === 0));
    this.#liveBadge.textContent = live ? (replay.stepMode ? '● step mode' : '● now') : replay.mode === 'replaying' ? '▶ replaying' : '';
    const change = snap.stepChange;
    if (change && change.to !== this.#saidStep) {
      // The lines on the latent panel are true to scale, often under a pixel for one step: the figures say it too.
      this.#saidStep = change.to;
      this.#note.textContent = `Step ${change.from.toLocaleString('en-US')} → ${change.to.toLocaleString('en-US')}: the test codes moved ` +
        `${change.meanMove.toPrecision(2)} on average (${change.maxMove.toPrecision(2)} at most); the step's training loss ${change.loss.toFixed(1)}.`;
    }

    this.#play.textContent = replay.mode === 'replaying' ? 'Pause' : 'Play';
    this.#play.disabled = count < 2;
    if (Number(this.#speed.value) !== replay.speed && SPEEDS.includes(replay.speed as (typeof SPEEDS)[number])) this.#speed.value = String(replay.speed);
    this.#stepMode.hidden = !snap.offers.stepMode;
    this.#branch.hidden = !snap.offers.branch;
    this.#stepMode.setAttribute('aria-pressed', String(replay.stepMode));
    this.#step.hidden = !replay.stepMode;
    this.#now.disabled = live;
    this.#branch.disabled = !hasState || snap.exporting || snap.branchBlocked !== null;
    this.#branch.title = snap.branchBlocked ?? (hasState ? '' : 'Branching starts from a moment marked ◆, where the full training state was kept');
    this.#export.disabled = snap.exporting || count === 0;
    if (this.#branchStep !== null && (!hasState || shown?.step !== this.#branchStep)) this.#closeBranch(false);
    this.#surface?.invalidate();
  }

  /** The step under a pointer: the track's x on the logarithmic axis. */
  #stepAt(event: PointerEvent): number {
    const steps = this.#snapshot?.steps ?? [];
    if (steps.length === 0) return 0;
    const rect = this.#track.getBoundingClientRect();
    const f = Math.min(1, Math.max(0, (event.clientX - rect.left - INSET) / Math.max(1, rect.width - 2 * INSET)));
    const lo = warp(steps[0]);
    const hi = warp(steps.at(-1)!);
    return unwarp(lo + f * (hi - lo));
  }

  #dragging = false;

  #pointerDown = (event: PointerEvent) => {
    if (!this.#snapshot?.steps.length || event.button > 0) return;
    this.#dragging = true;
    this.#track.setPointerCapture(event.pointerId);
    this.#track.focus({ preventScroll: true, focusVisible: false } as FocusOptions);
    this.model.dispatch({ type: 'dragStart' });
    this.model.dispatch({ type: 'scrub', step: this.#stepAt(event) });
    event.preventDefault();
  };

  #pointerMove = (event: PointerEvent) => {
    if (!this.#dragging) return;
    const events = event.getCoalescedEvents?.() ?? [];
    this.model.dispatch({ type: 'scrub', step: this.#stepAt(events.length ? events[events.length - 1] : event) });
  };

  #pointerUp = (event: PointerEvent) => {
    if (!this.#dragging) return;
    this.#dragging = false;
    if (this.#track.hasPointerCapture(event.pointerId)) this.#track.releasePointerCapture(event.pointerId);
    this.model.dispatch({ type: 'dragEnd' });
  };

  #openBranch(): void {
    const shown = this.#snapshot?.shown;
    if (!shown) return;
    this.#branchStep = shown.step;
    const defaults: BranchSettings = this.model.branchSettings();
    this.#input('beta').value = String(defaults.beta);
    this.#input('learningRate').value = String(defaults.learningRate);
    const epoch = this.#snapshot!.epochs[shown.from];
    find(this.#form, '.branch-what').textContent = `Train on from step ${shown.step.toLocaleString('en-US')} (epoch ${epoch}) as a new run, with:`;
    this.#form.hidden = false;
    this.#input('beta').focus();
  }

  #closeBranch(returnFocus: boolean): void {
    this.#branchStep = null;
    this.#form.hidden = true;
    if (returnFocus) this.#branch.focus();
  }

  #input(name: string): HTMLInputElement {
    return find<HTMLInputElement>(this.#form, `input[name="${name}"]`);
  }

  async #startBranch(): Promise<void> {
    const step = this.#branchStep;
    if (step === null) return;
    const beta = Number(this.#input('beta').value);
    const learningRate = Number(this.#input('learningRate').value);
    if (!(Number.isFinite(beta) && beta >= 0 && Number.isFinite(learningRate) && learningRate > 0)) {
      this.#note.textContent = 'β must be a number ≥ 0 and the learning rate a number > 0.';
      return;
    }
    this.#closeBranch(false);
    this.#note.textContent = `Branching from step ${step.toLocaleString('en-US')}…`;
    try {
      await this.model.branch(step, { beta, learningRate });
      this.#note.textContent = `A new run trains on from step ${step.toLocaleString('en-US')} with β = ${beta}, learning rate ${learningRate}.`;
    } catch (cause) {
      this.#note.textContent = cause instanceof Error ? cause.message : String(cause);
    }
    this.#track.focus({ preventScroll: true });
  }

  async #exportTimelapse(): Promise<void> {
    let said = -1;
    this.#note.textContent = 'Exporting the time-lapse…';
    const message = await this.model.exportTimelapse((fraction) => {
      // A few words now and then, not at every frame (the note is read out).
      const tenth = Math.floor(fraction * 10);
      if (tenth === said) return;
      said = tenth;
      this.#note.textContent = `Encoding the video: ${tenth * 10} %`;
    });
    this.#note.textContent = message;
  }

  #paint(s: CanvasSurface): void {
    const snap = this.#snapshot;
    const { ctx } = s;
    const fg = cssVar(this.#canvas, '--vae-fg', '#222');
    const muted = cssVar(this.#canvas, '--vae-muted', '#888');
    const border = cssVar(this.#canvas, '--vae-border', '#ddd');
    const accent = cssVar(this.#canvas, '--vae-accent', '#c2410c');
    const test = cssVar(this.#canvas, '--vae-test', '#3f7cc7');
    ctx.clearRect(0, 0, s.width, s.height);
    ctx.font = '11px system-ui, sans-serif';
    const left = INSET;
    const right = s.width - INSET;
    const top = 6;
    const base = s.height - 18;
    // The track.
    ctx.fillStyle = border;
    ctx.fillRect(left, base - 2, right - left, 4);
    const steps = snap?.steps ?? [];
    if (!snap || steps.length === 0) {
      ctx.fillStyle = muted;
      ctx.fillText('Moments of training are recorded here once it starts.', left, base - 10);
      return;
    }
    const lo = warp(steps[0]);
    const hi = warp(steps.at(-1)!);
    const xAt = (step: number) => (hi > lo ? left + ((warp(step) - lo) / (hi - lo)) * (right - left) : right);

    // The training loss over the frames (log scale), a faint area: where learning happened.
    const losses = snap.losses.filter(Number.isFinite);
    if (losses.length > 1) {
      const l = snap.losses.map((v) => Math.log(Math.max(1e-6, v)));
      const finite = l.filter(Number.isFinite);
      const min = Math.min(...finite);
      const max = Math.max(...finite);
      const yAt = (v: number) => base - 6 - ((v - min) / Math.max(1e-9, max - min)) * (base - 6 - top);
      ctx.beginPath();
      ctx.moveTo(xAt(steps[0]), base - 2);
      steps.forEach((step, i) => Number.isFinite(l[i]) && ctx.lineTo(xAt(step), yAt(l[i])));
      ctx.lineTo(xAt(steps.at(-1)!), base - 2);
      ctx.closePath();
      ctx.fillStyle = muted;
      ctx.globalAlpha = 0.16;
      ctx.fill();
      ctx.globalAlpha = 0.6;
      ctx.strokeStyle = muted;
      ctx.lineWidth = 1;
      ctx.beginPath();
      steps.forEach((step, i) => Number.isFinite(l[i]) && (i === 0 ? ctx.moveTo(xAt(step), yAt(l[i])) : ctx.lineTo(xAt(step), yAt(l[i]))));
      ctx.stroke();
      ctx.globalAlpha = 1;
      // Test −ELBO where known (epochs' ends): dots in the test colour, on the same scale.
      ctx.fillStyle = test;
      steps.forEach((step, i) => {
        const t = snap.testElbo[i];
        if (t === null || !Number.isFinite(t)) return;
        ctx.beginPath();
        ctx.arc(xAt(step), Math.max(top, Math.min(base - 6, yAt(Math.log(t)))), 1.8, 0, 2 * Math.PI);
        ctx.fill();
      });
    }
    // A tick per kept frame.
    ctx.fillStyle = muted;
    for (const step of steps) ctx.fillRect(Math.round(xAt(step)), base + 3, 1, 3);
    // Full training state: a diamond (branching starts there); the branch point of this run, a fork.
    ctx.fillStyle = test;
    for (const step of snap.stateSteps) {
      const x = xAt(step);
      ctx.beginPath();
      ctx.moveTo(x, base - 6);
      ctx.lineTo(x + 4, base - 2);
      ctx.lineTo(x, base + 2);
      ctx.lineTo(x - 4, base - 2);
      ctx.closePath();
      ctx.fill();
    }
    if (snap.branchedAt !== null) {
      const x = xAt(snap.branchedAt);
      ctx.strokeStyle = fg;
      ctx.setLineDash([3, 3]);
      ctx.beginPath();
      ctx.moveTo(Math.round(x) + 0.5, top);
      ctx.lineTo(Math.round(x) + 0.5, base + 2);
      ctx.stroke();
      ctx.setLineDash([]);
      ctx.fillStyle = fg;
      ctx.fillText('branched', Math.min(x + 3, right - ctx.measureText('branched').width), top + 9);
    }
    // Labels: the first step, the latest, and a few epochs between where there is room.
    ctx.fillStyle = muted;
    ctx.fillText(`step ${steps[0].toLocaleString('en-US')}`, left, s.height - 3);
    const end = `${snap.replay.mode === 'live' ? 'now · ' : ''}step ${steps.at(-1)!.toLocaleString('en-US')}`;
    const endWidth = ctx.measureText(end).width;
    ctx.fillText(end, right - endWidth, s.height - 3);
    // The moment shown: a line and a knob, in the accent colour.
    const shown = snap.shown;
    if (shown) {
      const position = snap.replay.mode === 'live' ? steps.at(-1)! : snap.replay.position;
      const x = xAt(position);
      ctx.strokeStyle = accent;
      ctx.lineWidth = 2;
      ctx.beginPath();
      ctx.moveTo(x, top);
      ctx.lineTo(x, base + 2);
      ctx.stroke();
      ctx.lineWidth = 4;
      ctx.strokeStyle = 'rgba(255,255,255,0.85)';
      ctx.beginPath();
      ctx.arc(x, base, 6, 0, 2 * Math.PI);
      ctx.stroke();
      ctx.fillStyle = accent;
      ctx.fill();
    }
  }
}
