// The demo page's glue: its one <vae-playground> keeps its settings in the URL hash, so a link reproduces them.
// The page loads the widget exactly as an embedding page would (dist/vae-playground.js); this adds only the hash.

const HASH_ATTRIBUTES = ['hidden-units', 'latent-dim', 'beta', 'learning-rate', 'batch-size', 'seed', 'epochs'];
const playground = document.querySelector('vae-playground');
if (!playground) throw new Error('index.html lost its <vae-playground> element');

const fromHash = new URLSearchParams(location.hash.slice(1));
for (const name of HASH_ATTRIBUTES) {
  const value = fromHash.get(name);
  if (value !== null) playground.setAttribute(name, value);
}

new MutationObserver(() => {
  const params = new URLSearchParams();
  for (const name of HASH_ATTRIBUTES) {
    const value = playground.getAttribute(name);
    if (value !== null) params.set(name, value);
  }
  history.replaceState(null, '', `#${params}`);
}).observe(playground, { attributes: true, attributeFilter: HASH_ATTRIBUTES });
