// Importing the package defines <vae-playground>; the rest is ordinary DOM.
import 'vae-playground';

const playground = document.querySelector('vae-playground');
const status = document.getElementById('status');
playground.addEventListener('ready', (e) => { status.textContent = `Ready: ${e.detail.trainSize} training digits`; });
playground.addEventListener('epoch', (e) => { status.textContent = `Epoch ${e.detail.epoch}: test −ELBO ${e.detail.testElbo.toFixed(1)}`; });
playground.addEventListener('trained', () => { status.textContent += ' — done.'; });
playground.addEventListener('error', (e) => { status.textContent = `Error: ${e.detail.message}`; });
