// Messages and applications still in the phone's outbox (Kontakt, Wnioski): each with its state, the
// reason when it needs the person, "Wyślij teraz", and "remove" for one the server refused.
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { useOutbox, flush, discard, unsentCount } from '../outbox.js';

// texts: {heading, unsent, loginAgain, discardConfirm, discard} keys; title(item): what the item is.
export function QueuedUploads({ kind, testid, texts, title }) {
  const items = useOutbox(kind);
  const [busy, setBusy] = useState(false);
  const unsent = items.filter((i) => i.state !== 'sent');
  if (!unsent.length) return null;
  const sendNow = async () => {
    setBusy(true);
    try { await flush({ force: true }); } finally { setBusy(false); }
  };
  return html`<section class="outbox" aria-labelledby=${`${testid}-outbox`}>
    <h2 id=${`${testid}-outbox`}>${t(texts.heading)}</h2>
    <p role="status" data-testid=${`${testid}-outbox-summary`}>${t(texts.unsent, { count: unsentCount(items, kind) })}</p>
    <button type="button" class="btn btn-primary" onClick=${sendNow} aria-disabled=${busy ? 'true' : 'false'}>${t('outbox.sendNow')}</button>
    <ul class="outbox-list">${unsent.map((item) => html`<li class="card outbox-item" key=${item.id} data-testid=${`${testid}-outbox-item`}>
      <p>${title(item)}</p>
      <p class="outbox-state"><span class="state-label">${t(`outbox.state.${item.state}`)}</span></p>
      ${item.state === 'attention' && html`<p class="field-error">${item.reason === 'session_expired' ? t(texts.loginAgain) : errorText({ code: item.reason, params: item.params })}</p>
        ${item.reason !== 'session_expired' && html`<button type="button" class="btn btn-secondary"
          onClick=${() => window.confirm(t(texts.discardConfirm)) && discard(item.id)}>${t(texts.discard)}</button>`}`}
    </li>`)}</ul>
  </section>`;
}
