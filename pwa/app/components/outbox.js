// The outbox on screen: each queued reading (Odczyty) or visit result (Moja trasa) with its state,
// the reason when it needs the person, and "Wyślij teraz"; the count of unsent readings is a badge in the menu.
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { formatDateTime } from '../format.js';
import { flush, discard, unsentCount, useOthersUnsent } from '../outbox.js';

const STATE_CLASS = { waiting: 'state-waiting', sending: 'state-sending', sent: 'state-sent', attention: 'state-attention' };

function OutboxItem({ item }) {
  const reason = item.state === 'attention' && item.reason;
  return html`<li class=${`card outbox-item ${STATE_CLASS[item.state] || ''}`} data-testid="outbox-item">
    <p class="outbox-value"><strong>${item.kind === 'visit' ? t(`visit.result.${item.result}`) : `${item.valueText} m³`}</strong>
      · ${t('meter.serial', { serial: item.serial })}</p>
    <p class="outbox-meta">${item.address} · ${formatDateTime(item.capturedAt)}</p>
    <p class="outbox-state"><span class="state-label">${t(`outbox.state.${item.state}`)}</span>
      ${item.state === 'waiting' && item.reason === 'offline' ? ` — ${t('outbox.offline')}` : ''}
      ${item.state === 'sent' && item.answer && item.answer.status === 'flagged' ? ` — ${t('outbox.flagged')}` : ''}</p>
    ${reason && html`<p class="field-error">${reason === 'session_expired' ? t('outbox.loginAgain') : errorText({ code: reason, params: item.params })}</p>
      ${reason !== 'session_expired' && html`<button type="button" class="btn btn-secondary"
        onClick=${() => window.confirm(t('outbox.discardConfirm')) && discard(item.id)}>${t('outbox.discard')}</button>`}`}
  </li>`;
}

// Texts per kind: a visit's result is not a reading.
const TEXTS = {
  reading: { title: 'outbox.title', unsent: 'outbox.unsent', allSent: 'outbox.allSent' },
  visit: { title: 'outbox.visitTitle', unsent: 'outbox.visitUnsent', allSent: 'outbox.visitAllSent' },
};

// Another account's items wait on this device: said, without what they are.
function OthersWaiting() {
  const others = useOthersUnsent();
  return others > 0 && html`<p class="banner banner-info" data-testid="outbox-others">${t('outbox.others', { count: others })}</p>`;
}

export function OutboxPanel({ items, kind = 'reading' }) {
  const [busy, setBusy] = useState(false);
  if (!items.length) return html`<${OthersWaiting} />`;
  const unsent = unsentCount(items, kind);
  const texts = TEXTS[kind] || TEXTS.reading;
  const sendNow = async () => {
    setBusy(true);
    try {
      await flush({ force: true });
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="outbox" aria-labelledby="outbox-title">
    <h2 id="outbox-title">${t(texts.title)}</h2>
    <${OthersWaiting} />
    <p role="status" data-testid="outbox-summary">${unsent ? t(texts.unsent, { count: unsent }) : t(texts.allSent)}</p>
    ${unsent > 0 && html`<button type="button" class="btn btn-primary" onClick=${sendNow} aria-disabled=${busy ? 'true' : 'false'}>
      ${t('outbox.sendNow')}</button>`}
    <ul class="outbox-list">${items.slice().reverse().map((item) => html`<${OutboxItem} key=${item.id} item=${item} />`)}</ul>
  </section>`;
}
