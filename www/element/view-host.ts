// The views in the shadow root: made from the registry, shown as the `views` attribute says, and updated once a
// frame — the latent section always, the others only while on screen and within a frame budget, taking turns.
import type { ViewName } from '../settings.js';
import type { PlaygroundState, View } from '../views/view.js';
import { VIEWS, type ViewContext } from './view-registry.js';

/** Milliseconds of view updates per frame before the rest wait for the next frame. */
const FRAME_BUDGET_MS = 8;
/** The first section always updates: it is the widget's first picture, and the chart's data lives there. */
const FIRST_SECTION = VIEWS.find((v) => v.section)?.section ?? null;

export interface FrameHooks {
  /** The state the views draw. */
  state(): Readonly<PlaygroundState>;
  /** Runs first in every frame (the element decodes the latent point here). */
  beforeFrame(): void;
}

export class ViewHost {
  readonly #root: ShadowRoot;
  readonly #hooks: FrameHooks;
  #views: [ViewName | null, View][] = [];
  /** The views whose section is shown: only these update (a hidden Generate view asks the worker for nothing). */
  #visible: [ViewName | null, View][] = [];
  /** Sections at least partly in the viewport: views below the fold wait until scrolled to (no work, no jank). */
  readonly #onScreen = new Set<string>();
  #observer: IntersectionObserver | null = null;
  #frame = 0;
  /** Which of the views beyond the first section updates first next frame. */
  #turn = 0;

  constructor(root: ShadowRoot, hooks: FrameHooks) {
    this.#root = root;
    this.#hooks = hooks;
  }

  get mounted(): boolean {
    return this.#views.length > 0;
  }

  mount(context: ViewContext): void {
    this.#views = VIEWS.map((entry) => {
      const view = entry.create(context);
      view.mount(this.host(entry.name));
      return [entry.section, view];
    });
    this.#visible = [...this.#views];
    this.#observeSections();
  }

  /** Shows these sections, in this order (before the settings); hides the others. */
  show(sections: readonly ViewName[]): void {
    const settings = this.host('settings');
    for (const section of this.#sections()) section.hidden = !sections.includes(section.dataset.section as ViewName);
    for (const name of sections) settings.before(this.#section(name));
    this.#visible = this.#views.filter(([section]) => section === null || sections.includes(section));
    this.render();
  }

  host(name: string): HTMLElement {
    const host = this.#root.querySelector<HTMLElement>(`[data-view="${name}"]`);
    if (!host) throw new Error(`vae-playground: the template lost its ${name} host`);
    return host;
  }

  /** Two dimensions are drawn as they are; more, in the plane of their two main axes; one has no panel. */
  showLatentPanel(latent: number): void {
    this.host('latent').hidden = latent < 2;
    this.#root.querySelector('.main')?.classList.toggle('no-latent', latent < 2);
  }

  /** Draws on the next frame: however often the state changes, views update and the decoder runs once a frame. */
  render(): void {
    if (this.#frame || !this.mounted) return;
    this.#frame = requestAnimationFrame(() => {
      this.#frame = 0;
      this.#paint();
    });
  }

  dispose(): void {
    cancelAnimationFrame(this.#frame);
    this.#frame = 0;
    for (const [, view] of this.#views) view.dispose();
    this.#views = [];
    this.#visible = [];
    this.#observer?.disconnect();
    this.#observer = null;
    this.#onScreen.clear();
  }

  #paint(): void {
    this.#hooks.beforeFrame();
    const state = this.#hooks.state();
    const start = performance.now();
    const others: View[] = [];
    for (const [section, view] of this.#visible) {
      if (section === null || section === FIRST_SECTION) view.update(state);
      else if (this.#onScreen.has(section)) others.push(view);
    }
    // The other views share what is left of the frame's budget, taking turns: a frame with every view to fill at
    // once (the first one after `ready`) is spread over a few frames instead of becoming one long task.
    let updated = 0;
    for (; updated < others.length; updated++) {
      if (updated > 0 && performance.now() - start > FRAME_BUDGET_MS) {
        this.render(); // the rest on the next frame
        break;
      }
      others[(this.#turn + updated) % others.length].update(state);
    }
    this.#turn = others.length ? (this.#turn + updated) % others.length : 0;
  }

  #sections(): HTMLElement[] {
    return [...this.#root.querySelectorAll<HTMLElement>('[data-section]')];
  }

  #section(name: ViewName): HTMLElement {
    const section = this.#root.querySelector<HTMLElement>(`[data-section="${name}"]`);
    if (!section) throw new Error(`vae-playground: the template lost its ${name} section`);
    return section;
  }

  /** An observer that tells which sections are on screen. */
  #observeSections(): void {
    this.#observer = new IntersectionObserver((entries) => {
      for (const entry of entries) {
        const section = (entry.target as HTMLElement).dataset.observedSection!;
        if (entry.isIntersecting) this.#onScreen.add(section);
        else this.#onScreen.delete(section);
      }
      this.render();
    }, { rootMargin: '200px' });
    // Hosts are `display: contents` (no box to observe): observe the panel each view builds.
    for (const section of this.#sections()) {
      const box = section.classList.contains('host') ? section.firstElementChild : section;
      if (box) {
        (box as HTMLElement).dataset.observedSection = section.dataset.section;
        this.#observer.observe(box);
      }
    }
  }
}
