// The element's life as one state machine: which state it is in (loading wasm, starting its worker, restoring a model,
// paused, training, recovering after a trap, failed, removed), and for every event in every state the next state and
// what to do. Effects are data: the element runs them, and work that finishes later (wasm loaded, a restore done, the
// worker ready) comes back as an event carrying the `boot` it was started under, so a newer start or a removal simply
// makes it stale. Pure: node tests walk the whole table (tests/unit/lifecycle.test.mjs).
import { trapFailureWords, type TrapReport } from './traps.js';

export const STATE_NAMES = ['idle', 'loading', 'starting', 'restoring', 'paused', 'training', 'recovering', 'failed', 'removed'] as const;
export type StateName = (typeof STATE_NAMES)[number];

export interface LifeState {
  name: StateName;
  /** Counts starts (boots and recoveries); events from an older start are stale. */
  boot: number;
  /** train() (or autostart) came before the model could train: it trains once ready. */
  trainWhenReady: boolean;
  /** reset() came while a model was being restored or recovered: a fresh one once that is in. */
  resetWhenReady: boolean;
  /** Starting: whether the first model is then replaced (a `weights` file, a kept run) before `ready`. */
  restore: boolean;
  /** Recovering: the fresh worker is still starting, or the last good weights are loading into it. */
  awaiting: 'worker' | 'checkpoint' | null;
}

export type LifeEvent =
  /** The element entered the page (not a move: a move never leaves it). `autostart`: the attribute now. */
  | { type: 'connect'; autostart: boolean }
  /** The element left the page for good (still out after the task that removed it). */
  | { type: 'disconnect' }
  /** An input the model is built from changed (`weights`, `data`): start over from it. */
  | { type: 'inputsChanged'; autostart: boolean }
  /** The person pressed Retry after a failure. */
  | { type: 'retry'; autostart: boolean }
  /** The wasm module is loaded and the settings checked; `restore`: a `weights` file or a kept run is to be applied. */
  | { type: 'wasmLoaded'; boot: number; restore: boolean }
  /** The worker announced a model (its first, a reset's, a loaded file's). */
  | { type: 'workerReady'; boot: number }
  /** The `weights` file and kept run, or the last good weights after a trap, are in (or could not be). */
  | { type: 'restoreDone'; boot: number }
  | { type: 'workerStarted'; boot: number }
  | { type: 'workerStopped'; boot: number }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'reset' }
  /** A call into wasm trapped in the worker: that instance is not called again. */
  | { type: 'trap'; boot: number; trap: TrapReport }
  /** Nothing can go on: the wasm or the digits did not load, the worker crashed. */
  | { type: 'fatal'; boot: number; message: string };
export type EventType = LifeEvent['type'];
export const EVENT_TYPES = [
  'connect', 'disconnect', 'inputsChanged', 'retry', 'wasmLoaded', 'workerReady', 'restoreDone', 'workerStarted', 'workerStopped',
  'train', 'pause', 'reset', 'trap', 'fatal',
] as const satisfies readonly EventType[];

export type Effect =
  /** Build the views. */
  | { type: 'mountViews' }
  /** Removed for good: the worker ends, waiting calls reject, the views go. */
  | { type: 'teardown' }
  /** Load wasm and wait for the attributes' checks; then `wasmLoaded` (or `fatal`) with this boot. */
  | { type: 'loadWasm'; boot: number }
  /** A fresh model's picture, a new worker with the inputs and settings in force; its `ready` comes as `workerReady`. */
  | { type: 'startWorker'; boot: number }
  /** After a trap: a new worker with the same inputs and settings, the picture kept. */
  | { type: 'restartWorker'; boot: number }
  | { type: 'stopWorker'; reason: string }
  /** Apply the `weights` file, then the kept run; then `restoreDone`. */
  | { type: 'restore'; boot: number }
  /** Load the last good weights (with their epoch and settings) into the new worker; then `restoreDone`. */
  | { type: 'loadCheckpoint'; boot: number }
  /** The worker's new model is a run of its own in the history. */
  | { type: 'startRun' }
  | { type: 'emitReady' }
  | { type: 'train' }
  | { type: 'pause' }
  | { type: 'reset' }
  /** The trapped worker ends (its waiting calls reject with the words), the words are shown, what trapped is not asked again. */
  | { type: 'reportTrap'; trap: TrapReport }
  /** Stop: the worker ends, waiting calls reject, the message is shown with Retry. */
  | { type: 'fail'; message: string }
  | { type: 'clearError' };

export interface Step {
  state: LifeState;
  effects: Effect[];
}

export const INITIAL: LifeState = { name: 'idle', boot: 0, trainWhenReady: false, resetWhenReady: false, restore: false, awaiting: null };

type EventOf<T extends EventType> = Extract<LifeEvent, { type: T }>;
type Cell<T extends EventType> = (state: LifeState, event: EventOf<T>) => Step;
type Row = { [T in EventType]: Cell<T> };

// ── the cells' building blocks ──────────────────────────────────────────────────────────────────────────────
const RESTARTED = 'The playground was restarted.';

const to = (state: LifeState, name: StateName, change: Partial<LifeState> = {}, effects: Effect[] = []): Step => ({ state: { ...state, name, ...change }, effects });
const ignore = (state: LifeState): Step => ({ state, effects: [] });
/** Work reported back from an older start (or after a removal) changes nothing. */
type LaterEvent = Extract<LifeEvent, { boot: number }>['type'];
function current<T extends LaterEvent>(cell: Cell<T>): Cell<T> {
  return (state, event) => ((event as { boot: number }).boot === state.boot ? cell(state, event) : ignore(state));
}
/** A new boot: wasm, then a worker, then a model. `after` runs once the wasm download has begun. */
const boot = (state: LifeState, trainWhenReady: boolean, before: Effect[] = [], after: Effect[] = []): Step => ({
  state: { ...INITIAL, name: 'loading', boot: state.boot + 1, trainWhenReady },
  effects: [...before, { type: 'loadWasm', boot: state.boot + 1 }, ...after],
});
const remove = (state: LifeState): Step => to(state, 'removed', { trainWhenReady: false, resetWhenReady: false, awaiting: null }, [{ type: 'teardown' }]);
const fail = (state: LifeState, message: string): Step => to(state, 'failed', { trainWhenReady: false, resetWhenReady: false, awaiting: null }, [{ type: 'fail', message }]);
/** The model can train: say so, and train if that was asked for meanwhile. */
const settle = (state: LifeState, effects: Effect[]): Step => {
  const change = { trainWhenReady: false, resetWhenReady: false, awaiting: null };
  if (state.resetWhenReady) return to(state, 'paused', { ...change, trainWhenReady: state.trainWhenReady }, [...effects, { type: 'emitReady' }, { type: 'reset' }]);
  if (state.trainWhenReady) return to(state, 'training', change, [...effects, { type: 'emitReady' }, { type: 'train' }]);
  return to(state, 'paused', change, [...effects, { type: 'emitReady' }]);
};
/** After a trap: a fresh worker with the last good weights. It does not train until asked (a trap must not repeat on its own). */
const recover = (state: LifeState, trap: TrapReport): Step => ({
  state: { ...INITIAL, name: 'recovering', boot: state.boot + 1, awaiting: 'worker' },
  effects: [{ type: 'reportTrap', trap }, { type: 'restartWorker', boot: state.boot + 1 }],
});
const wantsTraining = (state: LifeState, wants: boolean): Step => ({ state: { ...state, trainWhenReady: wants }, effects: [] });

/** Not yet in the page, or removed: remembers whether to train once it is in. */
const detached: Row = {
  // The wasm download, the longest wait before the first digit, begins before the views are built.
  connect: (s, e) => boot(s, e.autostart || s.trainWhenReady, [], [{ type: 'mountViews' }]),
  disconnect: ignore,
  inputsChanged: ignore,
  retry: ignore,
  wasmLoaded: ignore,
  workerReady: ignore,
  restoreDone: ignore,
  workerStarted: ignore,
  workerStopped: ignore,
  train: (s) => wantsTraining(s, true),
  pause: (s) => wantsTraining(s, false),
  reset: ignore,
  trap: ignore,
  fatal: ignore,
};

// ── the table: every event in every state ──────────────────────────────────────────────────────────────────
export const TABLE: Record<StateName, Row> = {
  idle: detached,
  loading: {
    connect: ignore, // moved within the page: still mounted
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, s.trainWhenReady || e.autostart),
    retry: ignore,
    wasmLoaded: current((s, e) => to(s, 'starting', { restore: e.restore }, [{ type: 'startWorker', boot: s.boot }])),
    workerReady: ignore,
    restoreDone: ignore,
    workerStarted: ignore,
    workerStopped: ignore,
    train: (s) => wantsTraining(s, true),
    pause: (s) => wantsTraining(s, false),
    reset: ignore, // the model is built from the settings in force once loaded
    trap: ignore,
    fatal: current((s, e) => fail(s, e.message)),
  },
  starting: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, s.trainWhenReady || e.autostart, [{ type: 'stopWorker', reason: RESTARTED }]),
    retry: ignore,
    wasmLoaded: ignore,
    workerReady: current((s) => (s.restore ? to(s, 'restoring', {}, [{ type: 'startRun' }, { type: 'restore', boot: s.boot }]) : settle(s, [{ type: 'startRun' }]))),
    restoreDone: ignore,
    workerStarted: ignore,
    workerStopped: ignore,
    train: (s) => wantsTraining(s, true),
    pause: (s) => wantsTraining(s, false),
    reset: (s) => ({ state: s, effects: [{ type: 'reset' }] }),
    trap: current((s, e) => fail(s, trapFailureWords(e.trap, 'before a model was ready'))),
    fatal: current((s, e) => fail(s, e.message)),
  },
  restoring: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, s.trainWhenReady || e.autostart, [{ type: 'stopWorker', reason: RESTARTED }]),
    retry: ignore,
    wasmLoaded: ignore,
    workerReady: current((s) => ({ state: s, effects: [{ type: 'startRun' }] })), // a restored file is a model of its own
    restoreDone: current((s) => settle(s, [])),
    workerStarted: ignore,
    workerStopped: ignore,
    train: (s) => wantsTraining(s, true),
    pause: (s) => wantsTraining(s, false),
    reset: (s) => ({ state: { ...s, resetWhenReady: true }, effects: [] }),
    trap: current((s, e) => recover(s, e.trap)),
    fatal: current((s, e) => fail(s, e.message)),
  },
  paused: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, e.autostart, [{ type: 'stopWorker', reason: RESTARTED }]),
    retry: ignore,
    wasmLoaded: ignore,
    // A reset's or a loaded file's model; a reset while training trains on.
    workerReady: current((s) => settle(s, [{ type: 'startRun' }])),
    restoreDone: ignore,
    workerStarted: current((s) => to(s, 'training', { trainWhenReady: false })),
    workerStopped: ignore,
    train: (s) => to(s, 'training', { trainWhenReady: false }, [{ type: 'train' }]),
    pause: (s) => to(s, 'paused', { trainWhenReady: false }, [{ type: 'pause' }]),
    reset: (s) => ({ state: s, effects: [{ type: 'reset' }] }),
    trap: current((s, e) => recover(s, e.trap)),
    fatal: current((s, e) => fail(s, e.message)),
  },
  training: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, e.autostart, [{ type: 'stopWorker', reason: RESTARTED }]),
    retry: ignore,
    wasmLoaded: ignore,
    workerReady: current((s) => ({ state: s, effects: [{ type: 'startRun' }, { type: 'emitReady' }] })), // a file loaded while training trains on
    restoreDone: ignore,
    workerStarted: ignore,
    workerStopped: current((s) => to(s, 'paused')),
    train: (s) => ({ state: s, effects: [{ type: 'train' }] }), // the target epoch may have changed
    pause: (s) => to(s, 'paused', { trainWhenReady: false }, [{ type: 'pause' }]),
    // The worker stops for the reset; the fresh model trains on once it is ready.
    reset: (s) => to(s, 'paused', { trainWhenReady: true }, [{ type: 'reset' }]),
    trap: current((s, e) => recover(s, e.trap)),
    fatal: current((s, e) => fail(s, e.message)),
  },
  recovering: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, e.autostart, [{ type: 'stopWorker', reason: RESTARTED }]),
    retry: ignore,
    wasmLoaded: ignore,
    workerReady: current((s) => (s.awaiting === 'worker' ? to(s, 'recovering', { awaiting: 'checkpoint' }, [{ type: 'loadCheckpoint', boot: s.boot }]) : ignore(s))),
    restoreDone: current((s) => settle(s, [])),
    workerStarted: ignore,
    workerStopped: ignore,
    train: (s) => wantsTraining(s, true),
    pause: (s) => wantsTraining(s, false),
    reset: (s) => ({ state: { ...s, resetWhenReady: true }, effects: [] }),
    // Trapping again while coming back: stop rather than restart forever.
    trap: current((s, e) => fail(s, trapFailureWords(e.trap, 'while it was being restarted after an earlier one'))),
    fatal: current((s, e) => fail(s, e.message)),
  },
  failed: {
    connect: ignore,
    disconnect: remove,
    inputsChanged: (s, e) => boot(s, e.autostart, [{ type: 'clearError' }]),
    retry: (s, e) => boot(s, e.autostart, [{ type: 'clearError' }]),
    wasmLoaded: ignore,
    workerReady: ignore,
    restoreDone: ignore,
    workerStarted: ignore,
    workerStopped: ignore,
    train: ignore,
    pause: ignore,
    reset: ignore,
    trap: ignore,
    fatal: ignore,
  },
  removed: detached,
};

export function transition(state: LifeState, event: LifeEvent): Step {
  const cell = TABLE[state.name][event.type] as Cell<EventType>;
  return cell(state, event as never);
}

/** What is happening, in words, while the model cannot train yet (null once it can, or has failed). */
export function loadingText(state: LifeState): string | null {
  switch (state.name) {
    case 'idle':
    case 'removed':
      return 'Loading…';
    case 'loading':
      return 'Loading the model…';
    case 'starting':
      return 'Loading digits…';
    case 'restoring':
      return 'Loading the model to start from…';
    case 'recovering':
      return 'Restarting the training worker…';
    default:
      return null;
  }
}
