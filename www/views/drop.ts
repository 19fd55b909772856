// Dropping on the widget: a .safetensors file loads it, as "Load weights…" does; anything else — image files, a
// folder, a .zip — is read as the person's own images, shown in a preview before anything trains. It adds no DOM of
// its own: the widget's root gets a `dropping` class (an outline) while files are over it.
import { Listeners, type PlaygroundActions, type View } from './view.js';

/** Whether a drop is one weights file (else it is images, a folder or a zip). */
export function isWeightsDrop(files: readonly { name: string }[]): boolean {
  return files.length === 1 && /\.safetensors$/i.test(files[0].name);
}

export class DropView implements View {
  #listeners = new Listeners();

  constructor(private readonly actions: Pick<PlaygroundActions, 'loadWeightsFile' | 'bringImages'>) {}

  mount(host: HTMLElement): void {
    const carriesFile = (event: DragEvent) => event.dataTransfer?.types.includes('Files') ?? false;
    this.#listeners.on(host, 'dragover', (event) => {
      if (!carriesFile(event)) return;
      event.preventDefault(); // without this the browser opens the file instead
      event.dataTransfer!.dropEffect = 'copy';
      host.classList.add('dropping');
    });
    this.#listeners.on(host, 'dragleave', (event) => {
      if (!host.contains(event.relatedTarget as Node | null)) host.classList.remove('dropping');
    });
    this.#listeners.on(host, 'drop', (event) => {
      host.classList.remove('dropping');
      const transfer = event.dataTransfer;
      if (!transfer || !carriesFile(event)) return;
      event.preventDefault();
      const files = Array.from(transfer.files);
      // A folder shows up as one File without a type; its entry says what it is (read in bringImages).
      const folder = Array.from(transfer.items).some((item) => item.webkitGetAsEntry?.()?.isDirectory);
      if (!folder && isWeightsDrop(files)) this.actions.loadWeightsFile(files[0]);
      else this.actions.bringImages(transfer); // read now: the drop's items go once this handler returns
    });
  }

  update(): void {}

  dispose(): void {
    this.#listeners.dispose();
  }
}
