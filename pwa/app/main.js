// Entry point: start the router, draw the app, register the service worker.
import { html, render } from './preact.js';
import { App } from './app.js';
import { startRouter } from './router.js';
import { registerServiceWorker } from './update.js';
import { loadLanguage, savedLang } from './i18n.js';
import { startOutbox } from './outbox.js';

await loadLanguage(savedLang()).catch(() => {}); // the saved language's texts before the first paint
const root = document.getElementById('app');
root.textContent = ''; // drop the static "loading" line; Preact appends rather than replaces
startRouter();
render(html`<${App} />`, root);
startOutbox();
registerServiceWorker().catch(() => {
  // no service worker (private mode, old browser, plain-HTTP host): the app still works online
});
