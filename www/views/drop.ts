// Dropping a .safetensors file anywhere on the widget loads it, as "Load weights…" does. It adds no DOM of its own:
// the widget's root gets a `dropping` class (an outline) while a file is over it.
import { Listeners, type PlaygroundActions, type View } from './view.js';

export class DropView implements View {
  #listeners = new Listeners();

  constructor(private readonly actions: Pick<PlaygroundActions, 'loadWeightsFile'>) {}

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
      const file = event.dataTransfer?.files[0];
      if (!file) return;
      event.preventDefault();
      this.actions.loadWeightsFile(file);
    });
  }

  update(): void {}

  dispose(): void {
    this.#listeners.dispose();
  }
}
