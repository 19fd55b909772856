// The training worker: loads wasm and digits, runs the trainer in short slices, answers commands between slices.
// One `Session` holds everything about the current model, so a reset is one assignment; one loop trains it. Each
// epoch's test −ELBO is computed by the evaluator (a Worker of its own, www/evaluator.ts) while training goes on.
// Every call into wasm goes through one trap guard: after a trap the worker says so (`trapped`) and calls into that
// wasm instance no more; the element replaces it with a new worker holding the last checkpoint.
import { ClassifierHandle, TrainerHandle } from '../pkg/vae_playground.js';
import { DATASETS } from './datasets.js';
import { Evaluation } from './evaluation/client.js';
import { post, type FromWorker, type Generation, type ToWorker, type TrainSettings } from './protocol.js';
import { CLASSIFIER_CLASSES, DataShelf, type LoadedData } from './worker/data.js';
import { OwnImageReader } from './worker/own-images.js';
import { answer, transferablesOf, type Worker } from './worker/requests.js';
import { EpochEnds } from './worker/epoch-ends.js';
import { Session } from './worker/session.js';
import { Team, emptyProfile } from './team/team.js';
import { TrapGuard, Trapped } from './worker/traps.js';
import { yieldToEvents } from './worker/yield.js';
import { errorMessage, leaveWasmMemory, loadWasm, wasmMemoryBytes } from './wasm.js';

/** Longest run of steps between looks at the message queue: commands are answered within about this long. */
const SLICE_MS = 25;
const PROGRESS_EVERY_MS = 120;
const DECODER_EVERY_MS = 200;
const LATENTS_EVERY_MS = 1000;
/** Epoch ends that may wait for their figures while training goes on; one more and training waits for them. */
const EPOCH_ENDS_AHEAD = 2;
/** Classifier training per loop turn: it shares the worker with the VAE, so each gets a slice in turn. */
const CLASSIFIER_SLICE_MS = 8;
const CLASSIFIER_SEED = 0;

// The page's tsconfig has the DOM types, not the worker ones; this is all of the worker scope that is used here.
const scope = self as unknown as {
  onmessage: ((event: MessageEvent<ToWorker>) => void) | null;
  postMessage(message: unknown, transfer: Transferable[]): void;
};
const send = (message: FromWorker, transfer: Transferable[] = []) => post(scope, message, transfer);

const guard = new TrapGuard((where, message) => {
  // The instance may be half-changed: stop everything that would call into it, and say so.
  worker.running = false;
  for (const waiter of worker.classifierWaiters.splice(0)) waiter.reject(new Trapped('The training worker stopped after a WebAssembly trap.'));
  send({ type: 'trapped', where, message, heapBytes: wasmMemoryBytes(), generation: worker.session?.generation ?? 0 });
});

/** Read by the end-to-end tests and the benchmark (Playwright evaluates in the worker): never more than one loop. */
const diagnostics = {
  activeLoops: 0,
  maxActiveLoops: 0,
  wasmHeapBytes: () => wasmMemoryBytes(),
  /** Costs the benchmark reports: the PCA fit, and the classifier's training (time spent in its steps) and accuracy. */
  costs: { pcaFitMs: NaN, classifierTrainMs: 0, classifierAccuracy: NaN },
  /** For the end-to-end tests: the next call into wasm at `where` traps (see TrapGuard.injectAt). */
  injectTrap: (where: TrapGuard['injectAt']) => void (guard.injectAt = where),
  /** For the end-to-end tests: only about `bytes` of the wasm heap left, so a real allocation runs out sooner. */
  leaveMemory: (bytes: number) => leaveWasmMemory(bytes),
  /** The time-lapse's recording: frames taken, those taken only for it and their cost, time spent training. */
  timelapse: () => worker.session?.frames.figures ?? null,
  /** Where each epoch's test −ELBO is computed ('worker': the evaluator; 'here': this worker), and the training
   * steps taken while one was being computed (training does not wait for it). */
  evaluation: () => ({ place: worker.evaluation?.place ?? null, stepsWhileEvaluating: worker.stepsWhileEvaluating }),
  /** What trains: Workers, exchange, why fewer than asked; and the steps shared among several so far. */
  team: () => (worker.team ? { ...worker.team.info, sharedSteps: worker.team.sharedSteps } : null),
  /** For the benchmark: starts (or, with `false`, stops) the team's profile of shared steps; returns the one kept. */
  profileTeam: (on: boolean) => {
    const team = worker.team;
    if (!team) return null;
    const kept = team.profile;
    team.profile = on ? emptyProfile() : null;
    return kept;
  },
  /**
   * For the benchmark, while paused: `steps` training steps of the current model through the team, back to back
   * (nothing else runs meanwhile: no evaluation, no snapshots); their wall-clock milliseconds and samples.
   */
  timeSteps: async (steps: number) => {
    const session = worker.session;
    const team = worker.team;
    if (!session || worker.running || !team) return null;
    let samples = 0;
    const run = <T>(fn: () => T) => guard.run('step', fn);
    const start = performance.now();
    for (let i = 0; i < steps; i++) {
      if (team.byMessages) await team.stepByMessages(session, session.report, run, () => worker.session === session);
      else run(() => team.step(session, session.report));
      samples += session.report.samples;
    }
    session.epoch = session.report.epoch;
    session.step = session.report.step;
    return { ms: performance.now() - start, samples, shared: team.sharedSteps };
  },
  /** For the benchmark: the current model records its time-lapse (frames and states) or not. */
  record: (on: boolean) => void (worker.session && (worker.session.recording = on)),
};
(self as unknown as { vaePlaygroundDiagnostics: typeof diagnostics }).vaePlaygroundDiagnostics = diagnostics;

/** The worker's state: the datasets (each read once), the current session, the classifier, whether the one loop runs. */
const worker = {
  shelf: null as DataShelf | null,
  /** The data the session trains on (the classifier and PCA are fitted on it). */
  data: null as LoadedData | null,
  session: null as Session | null,
  running: false,
  targetEpochs: 0,
  loopActive: false,
  /** Trained only once something asks for it (classify), so it never slows training nobody needs it for. */
  classifier: null as ClassifierHandle | null,
  classifierWanted: false,
  /** Requests that need the classifier, answered when its training is done. */
  classifierWaiters: [] as { resolve(): void; reject(cause: Error): void }[],
  lastClassifierNews: 0,
  /** Where each epoch's figures are computed (made at init, when the wasm's address is known). */
  evaluation: null as Evaluation | null,
  /** Epoch ends waiting for their figures (made with the evaluation). */
  epochEnds: null as EpochEnds | null,
  stepsWhileEvaluating: 0,
  /** When the last training slice ended: the progress rate counts wall-clock time, everything between slices too. */
  lastSliceEnd: null as number | null,
  /** The Workers that train (this one, and those computing shares of its steps; made at init). */
  team: null as Team | null,
};

/** What the request handlers see of the worker. */
const handlerView: Worker = {
  guard,
  get data() {
    return worker.data;
  },
  shelf: requireShelf,
  session: requireSession,
  replaceSession: (settings, generation, data, prepare) => {
    const next = replaceSession(settings, generation, data, prepare);
    announce(next);
    return next;
  },
  released: (data) => {
    if (data !== worker.data) requireShelf().release(data);
  },
  trainedClassifier,
  images: new OwnImageReader(guard, (progress) => worker.session?.send({ type: 'ingest', progress })),
  costs: diagnostics.costs,
};

// Messages are handled one at a time, in order: a setting sent while 'init' is still fetching applies after it.
let queue: Promise<void> = Promise.resolve();
scope.onmessage = (event: MessageEvent<ToWorker>) => {
  queue = queue.then(() => handle(event.data)).catch((cause) => {
    if (cause instanceof Trapped) return; // said once, in the `trapped` message
    const message = errorMessage(cause);
    const fatal = worker.session === null;
    send({ type: 'error', message, fatal, generation: worker.session?.generation ?? generationOf(event.data) });
  });
};

function generationOf(message: ToWorker): Generation {
  return 'generation' in message ? message.generation : 0;
}

async function handle(message: ToWorker): Promise<void> {
  // A command does not wait for an epoch's figures (a conv epoch's take seconds): what it sends cannot be overtaken
  // by an older epoch end (a newer checkpoint or codes stand; a new model or a branch drops the old ones).
  switch (message.type) {
    case 'init': {
      await loadWasm(message.sources.wasm);
      worker.evaluation = new Evaluation(new URL('./evaluator.js', import.meta.url).href, message.sources.wasm, guard);
      worker.epochEnds = new EpochEnds(worker.evaluation, (session, cause) => {
        if (worker.session === session) stopWithError(cause);
      });
      worker.team = makeTeam(message.workers, message.sources.wasm);
      const shelf = (worker.shelf = new DataShelf(message.sources, guard));
      if (message.own) await shelf.setOwn(message.own);
      const data = await shelf.get(message.settings.datasetId);
      guard.run('init', () => announce(replaceSession(message.settings, message.generation, data)));
      return;
    }
    case 'train':
      worker.targetEpochs = message.epochs;
      if (worker.session) setRunning(true);
      return;
    case 'pause':
      setRunning(false);
      return;
    case 'trainSteps': {
      // Step mode (the time-lapse): a few steps while paused, what they changed reported at once.
      const session = worker.session;
      if (!session || worker.running || guard.trapped) return;
      vaeSlice(session, message.steps);
      worker.lastSliceEnd = null; // the time until the next step is the person's, not training's
      await worker.epochEnds?.sent(); // frames go in step order: an epoch's end these steps passed goes first
      session.sendProgress(performance.now());
      session.sendDecoder();
      if (session.frames.lastStep !== session.step) session.sendFrame();
      return;
    }
    case 'reset': {
      setRunning(false, { checkpoint: false }); // the model it would keep is being replaced
      // The element loads a dataset (the `data` request) before it asks for a model on it; should that data still
      // be missing, the new model trains on the data in force, and says why.
      let data: LoadedData;
      let problem: string | null = null;
      try {
        data = await requireShelf().get(message.settings.datasetId);
      } catch (cause) {
        if (!worker.data) throw cause;
        data = worker.data;
        problem = `${errorMessage(cause)} This new model trains on ${DATASETS[data.id].name} instead.`;
      }
      guard.run('command', () => announce(replaceSession(message.settings, message.generation, data)));
      if (problem) worker.session?.send({ type: 'error', message: problem, fatal: false });
      return;
    }
    case 'cancelIngest':
      handlerView.images.cancel();
      return;
    case 'workers':
      worker.team?.close();
      worker.team = makeTeam(message.workers, worker.team?.wasmUrl ?? '');
      worker.session?.send({ type: 'team', ...worker.team.info });
      return;
    case 'set':
      guard.run('command', () => {
        const trainer = worker.session?.trainer;
        if (message.learningRate !== undefined) trainer?.setLearningRate(message.learningRate);
        if (message.beta !== undefined) trainer?.setBeta(message.beta);
      });
      return;
    case 'request': {
      // Not awaited: a request that waits (for the classifier) must not hold up the messages behind it.
      const { id, request } = message;
      void Promise.resolve()
        .then(() => answer(handlerView, request, message.generation))
        .then(
          (value) => ({ ok: true as const, value }),
          (cause) => ({ ok: false as const, message: errorMessage(cause) }),
        )
        .then((reply) => {
          const transfer = reply.ok ? transferablesOf(reply.value) : [];
          send({ type: 'reply', id, generation: worker.session?.generation ?? 0, reply }, transfer);
        });
      return;
    }
  }
}

/** `asked` training Workers, this one included (see www/team/). */
function makeTeam(asked: number, wasmUrl: string): Team {
  return new Team(asked, new URL('./share-worker.js', import.meta.url).href, wasmUrl, (info) => worker.session?.send({ type: 'team', ...info }));
}

/** Tells the element what it now has (see `Session.announce`), and what trains it. */
function announce(session: Session): void {
  session.announce(worker.running);
  if (worker.team) session.send({ type: 'team', ...worker.team.info });
}

/**
 * A new session on `data` (its trainer prepared by `prepare`; a failure there changes nothing), not yet announced.
 * Called within a guarded call (init, reset, a load request), whose site names a trap here.
 */
function replaceSession(settings: TrainSettings, generation: Generation, data: LoadedData, prepare?: (trainer: TrainerHandle) => void): Session {
  const trainer = new TrainerHandle(data.handle, settings); // throws before anything changes
  try {
    prepare?.(trainer);
  } catch (cause) {
    trainer.free();
    throw cause;
  }
  const next = new Session(trainer, data, generation, send, guard);
  worker.evaluation?.model(next.descriptor, trainer.testImages());
  worker.session?.free();
  worker.session = next;
  if (data !== worker.data) useData(data);
  return next;
}

/** The session now trains on `data`: the classifier is for the data it was made for, and the old own set may go. */
function useData(data: LoadedData): void {
  const before = worker.data;
  worker.data = data;
  worker.classifier?.free();
  worker.classifier = null;
  worker.classifierWanted = false;
  for (const waiter of worker.classifierWaiters.splice(0)) waiter.reject(new Error('The dataset changed before the classifier was trained: ask again.'));
  if (before) worker.shelf?.release(before);
}

function requireShelf(): DataShelf {
  if (!worker.shelf) throw new Error('The data is not loaded yet: wait for the `ready` event.');
  return worker.shelf;
}

function requireSession(): Session {
  if (!worker.session) throw new Error('The model is not ready yet: wait for the `ready` event.');
  return worker.session;
}

/** The classifier once its training is done (it trains in the loop's spare slices). */
function trainedClassifier(): Promise<ClassifierHandle> {
  const data = worker.data;
  if (!data) return Promise.reject(new Error('The data is not loaded yet.'));
  if (!data.classifiable) {
    return Promise.reject(new Error(`A classifier needs a labelled set of at most ${CLASSIFIER_CLASSES} classes; this one is not.`));
  }
  worker.classifier ??= guard.run('classifier', () => new ClassifierHandle(data.handle, BigInt(CLASSIFIER_SEED)));
  const classifier = worker.classifier;
  if (guard.run('classifier', () => classifier.done())) return Promise.resolve(classifier);
  worker.classifierWanted = true;
  startLoop();
  return new Promise((resolve, reject) => worker.classifierWaiters.push({ resolve: () => resolve(classifier), reject }));
}

/** A few milliseconds of classifier training; when it finishes, waiting requests are answered. */
function classifierSlice(): void {
  const classifier = worker.classifier;
  if (!classifier || !classifierBusy()) return;
  try {
    const news = guard.run('classifier', () => {
      const start = performance.now();
      do classifier.step();
      while (!classifier.done() && performance.now() - start < CLASSIFIER_SLICE_MS);
      diagnostics.costs.classifierTrainMs += performance.now() - start;
      const done = classifier.done();
      if (!done && start - worker.lastClassifierNews <= 500) return null;
      worker.lastClassifierNews = start;
      return { done, progress: classifier.progress(), accuracy: done ? classifier.accuracy() : null };
    });
    if (!news) return;
    if (news.accuracy !== null) diagnostics.costs.classifierAccuracy = news.accuracy;
    worker.session?.send({ type: 'classifier', progress: news.progress, accuracy: news.accuracy });
    if (news.done) for (const waiter of worker.classifierWaiters.splice(0)) waiter.resolve();
  } catch (cause) {
    if (cause instanceof Trapped) throw cause;
    // The classifier cannot train: what waits for it hears why, and it is not tried again on its own.
    worker.classifierWanted = false;
    for (const waiter of worker.classifierWaiters.splice(0)) waiter.reject(new Error(`The classifier could not be trained: ${errorMessage(cause)}`));
  }
}

/** Starts or stops training; on stopping, the page's decoder and the checkpoint get the weights training stopped at. */
function setRunning(value: boolean, { checkpoint = true } = {}): void {
  const session = worker.session;
  if (worker.running === value || !session) return;
  worker.running = value;
  session.send({ type: 'status', running: value });
  if (value) {
    startLoop();
  } else {
    worker.lastSliceEnd = null;
    session.sendDecoder();
    if (checkpoint) session.sendCheckpoint();
  }
}

/**
 * Starts the training loop unless it is already going. A pause and a train in one tick leave the loop that is
 * waiting between slices to carry on: there is never a second one.
 */
function startLoop(): void {
  if (worker.loopActive || guard.trapped) return;
  worker.loopActive = true;
  diagnostics.activeLoops++;
  diagnostics.maxActiveLoops = Math.max(diagnostics.maxActiveLoops, diagnostics.activeLoops);
  void trainLoop().finally(() => {
    worker.loopActive = false;
    diagnostics.activeLoops--;
  });
}

function classifierBusy(): boolean {
  return worker.classifierWanted && worker.classifier !== null && !guard.trapped && !guard.run('classifier', () => worker.classifier!.done());
}

async function trainLoop(): Promise<void> {
  while (worker.session && !guard.trapped && (worker.running || classifierBusy())) {
    try {
      classifierSlice();
      const session = worker.session;
      const ended = worker.running && (worker.team!.byMessages ? await vaeSliceByMessages(session) : vaeSlice(session));
      // Training runs ahead of evaluation by at most EPOCH_ENDS_AHEAD epochs (each waiting end holds a few MB).
      if (ended && worker.epochEnds!.waiting > EPOCH_ENDS_AHEAD) await worker.epochEnds!.sent();
      if (ended && targetReached(session)) {
        // The last epoch asked for: its figures come before training says it has stopped, as they always did.
        await worker.epochEnds?.sent();
        if (worker.session === session && worker.running && targetReached(session)) {
          setRunning(false);
          session.send({ type: 'trained', epoch: session.epoch });
        }
      }
    } catch (cause) {
      if (cause instanceof Trapped) return; // reported; nothing more is asked of this instance
      // Anything else (divergence is handled in the slice) stops training, with the reason said.
      stopWithError(cause);
    }
    await yieldToEvents();
  }
  worker.lastSliceEnd = null;
}

function targetReached(session: Session): boolean {
  return worker.targetEpochs > 0 && session.epoch >= worker.targetEpochs;
}

function stopWithError(cause: unknown): void {
  worker.running = false;
  worker.session?.send({ type: 'status', running: false });
  worker.session?.send({ type: 'error', message: `Training stopped: ${errorMessage(cause)}`, fatal: false });
}

/**
 * About SLICE_MS of VAE training, then whatever is due: progress, a decoder snapshot, the epoch's end. Returns
 * whether an epoch ended.
 */
function vaeSlice(session: Session, limit = Infinity): boolean {
  const team = worker.team!;
  const sliceStart = performance.now();
  let epochFinished = false;
  let steps = 0;
  try {
    guard.run('step', () => {
      do {
        team.step(session, session.report);
        steps++;
        epochFinished = recordStep(session);
      } while (!epochFinished && steps < limit && performance.now() - sliceStart < SLICE_MS && !session.frameDue());
    });
  } catch (cause) {
    return stepFailed(session, cause);
  }
  return afterSteps(session, steps, epochFinished, sliceStart);
}

/**
 * `vaeSlice` for a team that shares its steps by messages: each step awaits the share Workers' replies, so commands
 * may come in between; a step whose model was replaced or changed meanwhile is dropped, changing nothing.
 */
async function vaeSliceByMessages(session: Session): Promise<boolean> {
  const team = worker.team!;
  const sliceStart = performance.now();
  const run = <T>(fn: () => T) => guard.run('step', fn);
  let epochFinished = false;
  let steps = 0;
  try {
    do {
      if (!(await team.stepByMessages(session, session.report, run, () => worker.session === session && worker.team === team && !guard.trapped))) break;
      steps++;
      epochFinished = recordStep(session);
    } while (!epochFinished && worker.running && performance.now() - sliceStart < SLICE_MS && !session.frameDue());
  } catch (cause) {
    if (worker.session !== session) return false;
    return stepFailed(session, cause);
  }
  if (worker.session !== session) return false;
  return afterSteps(session, steps, epochFinished, sliceStart);
}

/** What a step reported, into the session's counters; whether it ended an epoch. */
function recordStep(session: Session): boolean {
  const result = session.report;
  session.pendingLosses.push(result.loss, result.recon, result.kl);
  session.frames.addLoss(result.loss);
  session.throughput.samples += result.samples;
  session.epoch = result.epoch;
  session.step = result.step;
  return result.epochFinished;
}

/** A step that failed: a trap goes on up; divergence or a share Worker's failure stops training, with the reason. */
function stepFailed(session: Session, cause: unknown): false {
  if (cause instanceof Trapped) throw cause;
  // The trainer kept its last good weights; stop and say so.
  setRunning(false);
  session.send({ type: 'error', message: errorMessage(cause), fatal: false });
  return false;
}

/** After a slice's steps: the clocks, then whatever is due (progress, a decoder snapshot, the epoch's end, codes). */
function afterSteps(session: Session, steps: number, epochFinished: boolean, sliceStart: number): boolean {
  const now = performance.now();
  if (worker.epochEnds!.waiting > 0) worker.stepsWhileEvaluating += steps;
  // Wall-clock time since the last slice ended: the epochs' ends, the yields and the classifier's turns count too.
  session.throughput.ms += now - (worker.lastSliceEnd ?? sliceStart);
  worker.lastSliceEnd = now;
  session.frames.trained(now - sliceStart);
  if (now - session.lastProgress >= PROGRESS_EVERY_MS || epochFinished) session.sendProgress(now);
  if (now - session.lastDecoder >= DECODER_EVERY_MS || epochFinished) session.sendDecoder();
  if (epochFinished) {
    worker.epochEnds!.take(session);
  } else if (now - session.lastLatents >= LATENTS_EVERY_MS) {
    session.sendLatents(); // without a frame while an epoch's end waits for its figures
  } else if (session.frameDue()) {
    session.sendFrame(); // a time-lapse frame between the codes sent anyway
  }
  return epochFinished;
}
