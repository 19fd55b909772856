// Bringing a person's images in: collected on the main thread (folders exist only there), read and prepared in the
// worker with progress and Cancel, then a preview — and nothing changes until the person accepts it. Training on
// "my set" gives the worker the set, which names it with a hash, and starts a new model on it; the current model, the
// worker and the set stay as they were whenever something fails. "Export dataset" writes the set as gzip IDX.
import { collectDropped, collectPicked } from '../data/collect.js';
import type { IngestProgress } from '../data/ingest.js';
import { gzip, idxImages, idxLabels } from '../data/idx.js';
import { errorMessage } from '../wasm.js';
import type { IngestState, OwnState } from '../views/view.js';
import { copyOwn, type ModelLink } from './model-link.js';
import { MAX_OWN_IMAGES, OwnSet } from './own-set.js';
import { AlreadySaid } from './recovery.js';

/** How long files given during loading wait for the worker before the request says it is not ready. */
const READY_WAIT_MS = 60_000;

export interface OwnFlowHost {
  link: ModelLink;
  render(): void;
  /** Shows a problem and sends it as an `error` event. */
  reportError(message: string): void;
  notice(message: string): void;
  /** Asks before a trained model is replaced by `change` ("Training on your images"); true to go ahead (at once when nothing is trained). */
  confirmNewModel(change: string): Promise<boolean>;
  /** The own set in force (just given to the worker) becomes the dataset, and a new model trains on it. */
  startOwnModel(): void;
  download(blob: Blob, name: string): void;
}

export class OwnFlow {
  readonly set = new OwnSet();
  ingest: IngestState | null = null;
  readonly #host: OwnFlowHost;
  /** Counts reads: a newer one (or Cancel) makes an older one's answer stale. */
  #read = 0;

  constructor(host: OwnFlowHost) {
    this.#host = host;
  }

  /** The views' picture of the own images. */
  state(): OwnState {
    const { count, classes, unlabelled } = this.set.summary();
    const inForce = this.set.inForce && { count: this.set.inForce.count, classNames: this.set.inForce.classNames, mixed: this.set.inForce.mixed };
    return { version: this.set.version, count, classes, unlabelled, inForce, ingest: this.ingest, max: MAX_OWN_IMAGES };
  }

  /** Reads what was dropped or picked; `from` is read at once (a drop's items go once its handler returns). */
  bring(from: DataTransfer | FileList | readonly File[]): void {
    const read = this.#cancelRead();
    const collecting = from instanceof DataTransfer
      ? collectDropped(from, { onListed: (files) => this.#show(read, { phase: 'collecting', files }) })
      : collectPicked(from);
    this.#show(read, { phase: 'collecting', files: 0 });
    void (async () => {
      try {
        const collected = await collecting;
        // Files given while the playground still loads are read once its worker is there.
        for (let waited = 0; !this.#host.link.model.ready && waited < READY_WAIT_MS && read === this.#read; waited += 100) {
          await new Promise((resolve) => setTimeout(resolve, 100));
        }
        if (read !== this.#read) return;
        this.#show(read, { phase: 'reading', progress: null });
        const result = await this.#host.link.request({ kind: 'ingest', collected });
        this.#show(read, { phase: 'preview', result });
      } catch (cause) {
        if (read !== this.#read) return;
        if (cause instanceof DOMException && cause.name === 'AbortError') return this.#show(read, null);
        if (/cancelled/.test(errorMessage(cause))) return this.#show(read, null);
        // The message names the files and why (an IngestError's), or says why the worker could not read them.
        this.#show(read, { phase: 'failed', message: cause instanceof AlreadySaid ? 'Your images could not be read (see the message above).' : errorMessage(cause) });
      }
    })();
  }

  progress(progress: IngestProgress): void {
    if (this.ingest?.phase !== 'reading') return;
    this.ingest = { phase: 'reading', progress };
    this.#host.render();
  }

  /** Cancel: stops a read under way (the worker drops it), or closes the preview; nothing else changes. */
  cancel(): void {
    if (this.ingest?.phase === 'reading') this.#host.link.cancelIngest();
    this.#cancelRead();
    this.ingest = null;
    this.#host.render();
  }

  /** The preview accepted: its images become "my set", and a new model trains on them. */
  async acceptPreview(mixed: boolean): Promise<void> {
    if (this.ingest?.phase !== 'preview') return;
    const { result } = this.ingest;
    this.#cancelRead();
    this.ingest = null;
    this.#host.render();
    try {
      this.set.replace(result.images, result.labels, result.classNames);
      await this.#trainOnSet(mixed);
    } catch (cause) {
      this.#report(cause);
    }
  }

  add(pixels: Float32Array, label: string): void {
    try {
      this.set.add(pixels, label);
    } catch (cause) {
      this.#report(cause);
    }
    this.#host.render();
  }

  clear(): void {
    this.set.clear();
    this.#host.render();
  }

  /** "Start over": my set and the set in force are forgotten too. Returns whether a model trained on them. */
  forget(): boolean {
    const had = this.set.inForce !== null;
    this.cancel();
    this.set.clear();
    this.set.inForce = null;
    return had;
  }

  /** "Train on my set" / "Mix with MNIST" in Draw: asks first if a trained model would be replaced. */
  async trainOnSet(mixed: boolean): Promise<void> {
    try {
      const what = mixed ? 'your images mixed into MNIST' : 'your images';
      if (!(await this.#host.confirmNewModel(`Training on ${what}`))) return;
      await this.#trainOnSet(mixed);
    } catch (cause) {
      this.#report(cause);
    }
  }

  /** The set in force given to a new worker (after a trap, or a restore). */
  async give(own = this.set.inForce?.images): Promise<void> {
    if (!own) throw new Error('There are no images of yours to train on yet: drop some on the playground, or add drawings to your set in Draw.');
    const reply = await this.#host.link.request({ kind: 'own', own: copyOwn(own) });
    this.set.commit(own, reply.hash);
    this.#host.render();
  }

  /** "My set" (or, when empty, the set a model trains on) as gzip IDX files, downloaded. */
  async exportDataset(): Promise<void> {
    try {
      const own = this.set.count > 0 ? this.set.forWorker(false).own : this.set.inForce?.images;
      if (!own) throw new Error('Your set is empty: there is nothing to export yet.');
      const count = own.images.length / (own.width * own.height);
      const labels = own.labels ?? new Uint8Array(count);
      const [images, labelFile] = await Promise.all([gzip(idxImages(own.images, count, own.height, own.width)), gzip(idxLabels(labels))]);
      this.#host.download(new Blob([images as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }), 'own-images.idx3-ubyte.gz');
      this.#host.download(new Blob([labelFile as Uint8Array<ArrayBuffer>], { type: 'application/gzip' }), 'own-labels.idx1-ubyte.gz');
      const classes = own.classNames ? `labels 0–${own.classNames.length - 1} are ${own.classNames.map((c) => `“${c}”`).join(', ')}` : 'the set has no labels, so every label is 0';
      this.#host.notice(`Exported ${count.toLocaleString('en-US')} images as own-images.idx3-ubyte.gz and own-labels.idx1-ubyte.gz (${classes}).`);
    } catch (cause) {
      this.#report(cause);
    }
  }

  async #trainOnSet(mixed: boolean): Promise<void> {
    const { own, note } = this.set.forWorker(mixed);
    await this.give(own);
    this.#host.startOwnModel();
    if (note) this.#host.notice(note);
  }

  #report(cause: unknown): void {
    if (!(cause instanceof AlreadySaid)) this.#host.reportError(errorMessage(cause));
    this.#host.render();
  }

  #cancelRead(): number {
    return ++this.#read;
  }

  #show(read: number, ingest: IngestState | null): void {
    if (read !== this.#read) return;
    this.ingest = ingest;
    this.#host.render();
  }
}
