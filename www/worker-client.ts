// The element's one way to its training worker: starting it (also from another origin), numbering model
// generations, requests with replies typed by their kind, and ending it.
import {
  post, type FromWorker, type Generation, type OwnImages, type ReplyOf, type RequestKind, type RequestOf, type ToWorker,
  type TrainSettings, type WorkerEvent, type WorkerRequest, type WorkerSources,
} from './protocol.js';
import { startWorker } from './start-worker.js';

export interface WorkerClientHandlers {
  /** A message about the current model (messages about older generations never arrive here, except a trap). */
  onEvent(event: WorkerEvent): void;
  /** The worker script failed to load or crashed. */
  onCrash(message: string): void;
}

interface Pending {
  resolve(value: unknown): void;
  reject(error: Error): void;
}

export class WorkerClient {
  readonly #worker: Worker;
  readonly #workerUrl: string;
  readonly #handlers: WorkerClientHandlers;
  readonly #pending = new Map<number, Pending>();
  #nextId = 1;
  /** The newest generation handed out. */
  #issued: Generation = 0;
  /** The generation in force: messages stamped with an older one are dropped. */
  #current: Generation = 0;
  #closed: Error | null = null;

  constructor(workerUrl: string, handlers: WorkerClientHandlers) {
    this.#workerUrl = workerUrl;
    this.#handlers = handlers;
    this.#worker = startWorker(workerUrl, 'vae-playground trainer');
    this.#worker.onmessage = (event: MessageEvent<FromWorker>) => this.#receive(event.data);
    this.#worker.onerror = (event) => {
      event.preventDefault();
      handlers.onCrash(
        `The training worker failed to start or crashed (${event.message || 'no details'}). ` +
          `Check that ${this.#workerUrl} is served, with CORS headers if it is on another origin.`,
      );
    };
  }

  get generation(): Generation {
    return this.#current;
  }

  init(settings: TrainSettings, sources: WorkerSources, own: OwnImages | null = null, workers = 1): void {
    this.#send({ type: 'init', generation: this.#newGeneration(), settings, sources, own, workers });
  }

  /** Training Workers asked for, this one included. */
  workers(workers: number): void {
    this.#send({ type: 'workers', workers });
  }

  /** A fresh model: from here on, nothing about the previous one reaches `onEvent`. */
  reset(settings: TrainSettings): void {
    this.#send({ type: 'reset', generation: this.#newGeneration(), settings });
  }

  train(epochs: number): void {
    this.#send({ type: 'train', epochs });
  }

  pause(): void {
    this.#send({ type: 'pause' });
  }

  /** Step mode: `steps` steps while paused, then a time-lapse frame. */
  trainSteps(steps: number): void {
    this.#send({ type: 'trainSteps', steps });
  }

  set(change: { learningRate?: number; beta?: number }): void {
    this.#send({ type: 'set', ...change });
  }

  /** Stops reading a person's images (the `ingest` request then rejects). */
  cancelIngest(): void {
    this.#send({ type: 'cancelIngest' });
  }

  /** A request and its reply, typed by kind. A `load` that succeeds starts a new generation. */
  request<K extends RequestKind>(request: RequestOf<K>, transfer: Transferable[] = []): Promise<ReplyOf<K>> {
    if (this.#closed) return Promise.reject(this.#closed);
    const id = this.#nextId++;
    const generation = request.kind === 'load' ? ++this.#issued : this.#current;
    return new Promise<ReplyOf<K>>((resolve, reject) => {
      this.#pending.set(id, { resolve: resolve as (value: unknown) => void, reject });
      post(this.#worker, { type: 'request', id, generation, request: request as WorkerRequest }, transfer);
    });
  }

  /** Ends the worker; pending and later requests reject with `reason`. */
  terminate(reason: Error): void {
    if (this.#closed) return;
    this.#closed = reason;
    this.#worker.terminate();
    for (const { reject } of this.#pending.values()) reject(reason);
    this.#pending.clear();
  }

  #newGeneration(): Generation {
    this.#current = ++this.#issued;
    return this.#current;
  }

  #send(message: ToWorker): void {
    if (!this.#closed) post(this.#worker, message);
  }

  #receive(message: FromWorker): void {
    if (this.#closed) return;
    if (message.type === 'reply') {
      const pending = this.#pending.get(message.id);
      this.#pending.delete(message.id);
      if (message.generation > this.#current) this.#current = message.generation;
      if (message.reply.ok) pending?.resolve(message.reply.value);
      else pending?.reject(new Error(message.reply.message));
      return;
    }
    const { generation: _, ...event } = message;
    // A trap ends the worker whatever model it was about: never stale.
    if (message.type === 'trapped') return this.#handlers.onEvent(event as WorkerEvent);
    // A newer generation than the one in force can only be a `load` taking effect before its reply arrives.
    if (message.generation < this.#current) return;
    this.#current = message.generation;
    this.#handlers.onEvent(event as WorkerEvent);
  }
}
