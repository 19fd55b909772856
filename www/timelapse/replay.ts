// What the time-lapse shows, as a small state machine: `live` (the latest frame, following training), `scrubbing`
// (a moment the person chose, held while training goes on), `replaying` (moving through the frames at a speed).
// Step mode is a flag beside it: live, one training step at a time, with what moved since the frame before.
// Positions are steps, not frame indices — thinning removes frames and shifts indices, a step stays where it is.
// With reduced motion the position still moves, but what is shown jumps from frame to frame (no morph).
import { between, type Between } from './frames.js';
import { atOrBefore, warp } from './thinning.js';

export type Mode = 'live' | 'scrubbing' | 'replaying';

/** The replay speeds offered, in frames per second at speed 1 × BASE_FPS. */
export const SPEEDS = [0.25, 0.5, 1, 2, 4] as const;
/** Frames per second at speed 1: 200 frames replay in 25 s. */
export const BASE_FPS = 8;
/** What PageUp / PageDown (and Shift + arrow) move by, in frames. */
export const PAGE_FRAMES = 10;

export interface ReplayState {
  readonly mode: Mode;
  /** The step shown (between two frames their codes are morphed); in `live` the latest frame's. */
  readonly position: number;
  /** A multiple of BASE_FPS. */
  readonly speed: number;
  readonly reducedMotion: boolean;
  readonly dragging: boolean;
  /** Step mode: training is held, each "Step" trains a little, and what moved since the frame before is shown. */
  readonly stepMode: boolean;
}

export type ReplayEvent =
  /** Frames were recorded or thinned: live follows the latest; a chosen moment stays (within the range). */
  | { type: 'frames' }
  /** To the frame at or before `step` (keys, the API's seek). */
  | { type: 'seek'; step: number }
  /** To exactly `step` (a drag: between frames the codes morph). */
  | { type: 'scrub'; step: number }
  | { type: 'dragStart' }
  /** A drag ends on the nearest frame, so that what stays shown is a recorded moment. */
  | { type: 'dragEnd' }
  | { type: 'key'; key: string; shift?: boolean }
  | { type: 'play' }
  | { type: 'pause' }
  | { type: 'toggle' }
  | { type: 'speed'; speed: number }
  /** Time passed while replaying. */
  | { type: 'tick'; ms: number }
  /** "Back to now". */
  | { type: 'now' }
  | { type: 'stepMode'; on: boolean }
  | { type: 'reducedMotion'; on: boolean };

export function initialReplay(reducedMotion = false): ReplayState {
  return { mode: 'live', position: 0, speed: 1, reducedMotion, dragging: false, stepMode: false };
}

/** The keys the timeline answers (anything else is left to the page). */
export const KEYS = new Set(['ArrowLeft', 'ArrowRight', 'ArrowUp', 'ArrowDown', 'PageUp', 'PageDown', 'Home', 'End']);

/** The next state; `steps` are the recorded frames' steps, ascending. */
export function reduce(state: ReplayState, event: ReplayEvent, steps: readonly number[]): ReplayState {
  const first = steps[0] ?? 0;
  const last = steps.at(-1) ?? 0;
  const clamp = (step: number) => Math.min(last, Math.max(first, step));
  const hold = (position: number): ReplayState => ({ ...state, mode: 'scrubbing', position: clamp(position) });
  switch (event.type) {
    case 'frames':
      return state.mode === 'live' ? { ...state, position: last } : { ...state, position: clamp(state.position) };
    case 'seek': {
      const i = Math.max(0, atOrBefore(steps, event.step));
      return hold(steps[i] ?? 0);
    }
    case 'scrub':
      return hold(event.step);
    case 'dragStart':
      return { ...hold(state.mode === 'live' ? last : state.position), dragging: true };
    case 'dragEnd':
      return { ...hold(nearestFrame(steps, state.position)), dragging: false };
    case 'key':
      return KEYS.has(event.key) ? onKey(state, event.key, event.shift ?? false, steps) : state;
    case 'play':
      if (steps.length < 2) return state;
      // At the end (or live), a replay starts from the beginning, as a video does.
      return { ...state, mode: 'replaying', dragging: false, position: state.mode === 'live' || state.position >= last ? first : state.position };
    case 'pause':
      return state.mode === 'replaying' ? hold(state.position) : state;
    case 'toggle':
      return reduce(state, { type: state.mode === 'replaying' ? 'pause' : 'play' }, steps);
    case 'speed':
      return Number.isFinite(event.speed) && event.speed > 0 ? { ...state, speed: Math.min(16, Math.max(1 / 16, event.speed)) } : state;
    case 'tick': {
      if (state.mode !== 'replaying' || state.dragging) return state;
      const index = indexOf(steps, state.position) + (state.speed * BASE_FPS * Math.max(0, event.ms)) / 1000;
      // The replay reaches now and follows training from there.
      if (index >= steps.length - 1) return { ...state, mode: 'live', position: last };
      return { ...state, position: stepAt(steps, index) };
    }
    case 'now':
      return { ...state, mode: 'live', dragging: false, position: last };
    case 'stepMode':
      return event.on ? { ...state, stepMode: true, mode: 'live', dragging: false, position: last } : { ...state, stepMode: false };
    case 'reducedMotion':
      return { ...state, reducedMotion: event.on };
  }
}

function onKey(state: ReplayState, key: string, shift: boolean, steps: readonly number[]): ReplayState {
  if (steps.length === 0) return state;
  if (key === 'End') return reduce(state, { type: 'now' }, steps);
  const position = state.mode === 'live' ? steps.at(-1)! : state.position;
  const here = Math.max(0, atOrBefore(steps, position));
  // Between two frames, "back" is first the frame just passed.
  const back = steps[here] < position ? here : here - 1;
  const by = shift ? PAGE_FRAMES : 1;
  const target: Record<string, number> = {
    ArrowLeft: back - (by - 1), ArrowDown: back - (by - 1), ArrowRight: here + by, ArrowUp: here + by,
    PageDown: back - (PAGE_FRAMES - 1), PageUp: here + PAGE_FRAMES, Home: 0,
  };
  const i = Math.min(steps.length - 1, Math.max(0, target[key]));
  return { ...state, mode: 'scrubbing', dragging: false, position: steps[i] };
}

/** The frame nearest to `position` on the timeline's (warped) axis. */
export function nearestFrame(steps: readonly number[], position: number): number {
  if (steps.length === 0) return position;
  const i = Math.max(0, atOrBefore(steps, position));
  const j = Math.min(steps.length - 1, i + 1);
  return Math.abs(warp(steps[j]) - warp(position)) < Math.abs(warp(position) - warp(steps[i])) ? steps[j] : steps[i];
}

/** `position` as a fractional frame index (2.5: halfway from the third frame to the fourth). */
export function indexOf(steps: readonly number[], position: number): number {
  const b = between(steps, position);
  return b ? b.from + b.t : 0;
}

/** The step at a fractional frame index. */
export function stepAt(steps: readonly number[], index: number): number {
  if (steps.length === 0) return 0;
  const i = Math.min(steps.length - 1, Math.max(0, Math.floor(index)));
  if (i === steps.length - 1) return steps[i];
  return steps[i] + (index - i) * (steps[i + 1] - steps[i]);
}

export interface Shown extends Between {
  /** The step of the frame shown (the one morphed from). */
  step: number;
  live: boolean;
  /** In step mode: the frame before, whose codes are drawn as where each point came from. */
  trail: number | null;
}

/** What to draw: the frames to morph between and how far, snapped to a frame under reduced motion. */
export function shown(state: ReplayState, steps: readonly number[]): Shown | null {
  const position = state.mode === 'live' ? steps.at(-1) ?? 0 : state.position;
  const b = between(steps, position);
  if (!b) return null;
  const snapped = state.reducedMotion || b.t === 0 ? { from: b.from, to: b.from, t: 0 } : b;
  const live = state.mode === 'live';
  return { ...snapped, step: steps[snapped.from], live, trail: state.stepMode && live && snapped.from > 0 ? snapped.from - 1 : null };
}
