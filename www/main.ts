// The demo page's glue: its one <vae-playground> keeps its settings in the URL hash, so a link reproduces them.
// The page loads the widget exactly as an embedding page would (dist/vae-playground.js); this adds only the hash,
// and which settings go into it is the settings table's `inHash`.
import { ATTRIBUTES, fromHash, toHash } from './settings.js';

const playground = document.querySelector('vae-playground');
if (!playground) throw new Error('index.html lost its <vae-playground> element');

for (const [attribute, value] of fromHash(location.hash)) playground.setAttribute(attribute, value);

new MutationObserver(() => {
  history.replaceState(null, '', `#${toHash((attribute) => playground.getAttribute(attribute))}`);
}).observe(playground, { attributes: true, attributeFilter: [...ATTRIBUTES] });
