// The package entry: importing it defines <vae-playground>.
import { VaePlaygroundElement } from './playground.js';

export { VaePlaygroundElement };
export type {
  Classification, DrawChangeDetail, EpochDetail, InterpolatedDetail, RecoveredDetail, RestoredDetail, ErrorDetail, LatentChangeDetail, ProgressDetail, ReadyDetail, TrainedDetail, VaePlaygroundEventMap,
} from './playground.js';
export type { TrainSettings } from './protocol.js';
export type { SettingProperties } from './settings.js';

if (!customElements.get('vae-playground')) {
  customElements.define('vae-playground', VaePlaygroundElement);
}
