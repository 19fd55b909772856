// What the views may do, in terms of the element's parts: its public methods, the model link, the picture (latent
// point, decoder, drawing), the message box and the kept runs. The views get this and nothing else.
import { prepareDrawing } from '../../pkg/vae_playground.js';
import type { RunKeeper } from '../persistence.js';
import type { PlaygroundActions } from '../views/view.js';
import { ConfirmView, newModelQuestion } from '../views/confirm.js';
import type { DrawResult } from '../views/draw.js';
import { errorMessage, wasmReady } from '../wasm.js';
import { offerDownload, settingsWith, wholeNumber } from './attributes.js';
import type { Messages } from './messages.js';
import type { ModelLink } from './model-link.js';
import type { OwnFlow } from './own-flow.js';
import type { Picture } from './picture.js';
import { AlreadySaid } from './recovery.js';
import type { ViewContext } from './view-registry.js';
import type { ElementTimelapse } from '../timelapse/element-link.js';

/** The element as the views' wiring sees it. */
export interface ElementParts {
  element: HTMLElement & {
    train(): void;
    pause(): void;
    reset(): void;
    encode(pixels: ArrayLike<number>): Promise<Float32Array>;
    sample(n: number, seed?: number): Promise<Float32Array>;
    classify(pixels: ArrayLike<number>): Promise<{ digit: number; probabilities: Float32Array }>;
    exportWeights(): Promise<Blob>;
    loadWeights(source: Blob): Promise<void>;
  };
  link: ModelLink;
  picture: Picture;
  messages: Messages;
  /** The person's own images. */
  own: OwnFlow;
  keeper(): RunKeeper | null;
  retry(): void;
  /** Shows a problem and sends it as an `error` event. */
  reportError(message: string): void;
  render(): void;
  timelapse: ElementTimelapse;
}

/** The n × n manifold over latent dimensions x and y (the others at 0), with each cell's z. */
export function manifoldCells(parts: Pick<ElementParts, 'link' | 'picture'>, n: number, x: number, y: number): Promise<{ pixels: Float32Array; z: Float32Array }> {
  const base = new Float32Array(parts.picture.z.length);
  return parts.link.request({ kind: 'manifold', n: wholeNumber('manifold: n', n), x: wholeNumber('manifold: dims', x), y: wholeNumber('manifold: dims', y), base });
}

/** Reports a failure, unless the person already has the news (a trap's message said it). */
function report(parts: ElementParts, cause: unknown): void {
  if (!(cause instanceof AlreadySaid)) parts.reportError(errorMessage(cause));
}

/**
 * What the Reset and Start over buttons ask first (the element's `reset()` asks nothing: a script means it). A reset
 * model is kept under the same settings as the one it replaces: its weights go, kept or not.
 */
const RESET_QUESTION = newModelQuestion('Reset', false);
const START_OVER_QUESTION =
  'Start over forgets every model this page keeps in your browser (for all settings), with their time-lapses, run history and your own images, and starts a new model. Export what you want to keep first.';

export function viewContext(parts: ElementParts): ViewContext {
  const { element, link, picture, messages } = parts;
  const confirm = new ConfirmView();
  const actions: PlaygroundActions = {
    confirm: (question) => confirm.ask(question),
    train: () => element.train(),
    pause: () => element.pause(),
    reset: async () => {
      if (!link.hasTrained || (await confirm.ask(RESET_QUESTION))) element.reset();
    },
    startOver: async () => {
      const keeper = parts.keeper();
      if (!keeper || !(await confirm.ask(START_OVER_QUESTION))) return;
      void Promise.all([keeper.forget(), parts.timelapse.forget()]).then(() => {
        element.pause();
        link.runs.clear();
        // The person's images go with the kept models: a model on them starts over on MNIST.
        if (parts.own.forget() && link.settings.datasetId === 'own') {
          link.settings = { ...link.settings, datasetId: 'mnist' };
          element.setAttribute('dataset', 'mnist');
        }
        element.reset();
      });
    },
    retry: () => parts.retry(),
    dismissError: () => {
      messages.clear();
      parts.render();
    },
    acceptOffer: () => {
      messages.accept();
      parts.render();
    },
    moveTo: (z) => picture.moveTo(z) && parts.render(),
    setAttribute: (name, value) => element.setAttribute(name, value),
    checkSetting: (key, text) => {
      if (!wasmReady()) return null; // the element checks it once the module is there
      try {
        settingsWith(key, text, link.settings);
        return null;
      } catch (cause) {
        return errorMessage(cause);
      }
    },
    loadWeightsFile: (file) => void element.loadWeights(file).catch(() => undefined), // reported through the error event
    saveWeights: () => void saveWeights(parts),
    request: (request) => link.request(request).catch((cause) => {
      report(parts, cause);
      throw cause;
    }),
    decodeNow: (z) => picture.decoder.decodeNow(z),
    emit: (type, detail) => element.dispatchEvent(new CustomEvent(type, { detail })),
    bringImages: (from) => parts.own.bring(from),
    cancelImages: () => parts.own.cancel(),
    trainOnImages: (mixed) => void parts.own.acceptPreview(mixed),
    addToSet: (pixels, label) => parts.own.add(pixels, label),
    clearSet: () => parts.own.clear(),
    trainOnSet: (mixed) => void parts.own.trainOnSet(mixed),
    exportDataset: () => void parts.own.exportDataset(),
  };
  return {
    actions,
    confirm,
    classify: (pixels) => element.classify(pixels),
    sample: (n, seed) => element.sample(n, seed),
    // While the time-lapse shows a moment, the manifold is that moment's decoder's.
    manifold: (n, x, y) => parts.timelapse.manifold(n, x, y, new Float32Array(picture.z.length)) ?? manifoldCells(parts, n, x, y),
    encodeDrawing: (pixels, width, height) => encodeDrawing(parts, pixels, width, height),
    clearDrawing: () => {
      picture.marker = null;
      parts.render();
    },
    download: (name, text, type) => offerDownload(new Blob([text], { type }), name),
    redraw: () => parts.render(),
    timeline: parts.timelapse.timelapse,
  };
}

/** "Export weights": the file, named by its dataset (when not MNIST), sizes and epoch. */
async function saveWeights(parts: ElementParts): Promise<void> {
  try {
    const blob = await parts.element.exportWeights();
    const { architecture, hiddenUnits, latentDim, datasetId } = parts.link.settings;
    const what = (datasetId !== 'mnist' ? `${datasetId}-` : '') + (architecture === 'conv' ? 'conv-' : `h${hiddenUnits}-`);
    offerDownload(blob, `vae-${what}z${latentDim}-epoch${parts.link.model.progress?.epoch ?? 0}.safetensors`);
  } catch (cause) {
    report(parts, cause);
  }
}

/** A drawing prepared as MNIST's digits were, encoded (its code marked in the latent panel) and decoded. */
async function encodeDrawing(parts: ElementParts, pixels: Float32Array, width: number, height: number): Promise<DrawResult> {
  try {
    const prepared = Float32Array.from(prepareDrawing(pixels, width, height));
    const z = await parts.element.encode(prepared);
    const reconstruction = parts.picture.decoder.decodeNow(Array.from(z)) ?? new Float32Array(prepared.length);
    parts.picture.marker = Array.from(z);
    parts.picture.drawing = prepared;
    parts.render();
    parts.element.dispatchEvent(new CustomEvent('drawchange', { detail: { pixels: prepared, z: Array.from(z) } }));
    return { prepared, z, reconstruction };
  } catch (cause) {
    report(parts, cause);
    throw cause;
  }
}
