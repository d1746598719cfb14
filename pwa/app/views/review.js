// The office's review queue: photo large next to the typed value, the reasons and the meter's
// history; accept, reject with a note the resident sees, or send an inspector. Keyboard-first.
import '../i18n/inspections-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the queue's column headers (wide screens)
import { html, useCallback, useEffect, useLayoutEffect, useRef, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { ConsumptionChart } from '../components/chart.js';
import { formatDateTime, formatVolume } from '../format.js';
import { useWide } from '../components/wide.js';

function reasonsText(reasons) {
  return reasons.map((r) => t(`reason.${r}`)).join(', ');
}

function History({ meterId }) {
  const [h, setH] = useState(null);
  useEffect(() => {
    setH(null);
    api.get(`/api/meters/${meterId}/readings`).then(setH, () => setH(false));
  }, [meterId]);
  if (!h) return null;
  return html`<section><h3>${t('review.history')}</h3><${ConsumptionChart} monthly=${h.monthly} /></section>`;
}

// The shortcuts act on the item on screen. Each item mounts its own Detail: the listener is
// attached before the browser paints it (a layout effect), so a key pressed as soon as the item
// shows is heard, and it reads the item at key time (a reload updates it in place).
function useShortcuts(item, act, noteRef) {
  const current = useRef(null);
  current.current = { item, act };
  useLayoutEffect(() => {
    const onKey = (e) => {
      if (e.target.closest && e.target.closest('input, textarea, select') || e.ctrlKey || e.metaKey || e.altKey) return;
      const { item: shown, act: run } = current.current;
      const key = e.key.toLowerCase();
      if (key === 'a' && shown.reading_id) run('accept');
      else if (key === 'r' && shown.reading_id) { e.preventDefault(); noteRef.current && noteRef.current.focus(); }
      else if (key === 'w' && !shown.visit_id) run('visit');
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, []);
}

// What was read: the photo, the value and when, the previous value, the resident's comment.
function ReadingFacts({ item }) {
  return html`<div class="review-grid">
    ${item.has_photo && html`<img class="photo-large" src=${`/api/readings/${item.reading_id}/photo`} alt=${t('review.photo')} />`}
    <div>
      ${item.value_litres !== null
        ? html`<p class="reading-value">${t('review.value', { value: formatVolume(item.value_litres) })}</p>
          <p>${formatDateTime(item.captured_at)}</p>`
        : html`<p>${t('review.noValue')}</p>`}
      ${item.previous_litres !== null && html`<p>${t('review.previous', { value: formatVolume(item.previous_litres) })}</p>`}
      ${item.comment && html`<p class="review-note">${item.comment}</p>`}
    </div>
  </div>`;
}

function Detail({ item, onDone }) {
  const [note, setNote] = useState('');
  const [error, setError] = useState(null);
  const noteRef = useRef(null);
  useEffect(() => { setNote(''); setError(null); }, [item.reading_id, item.meter_id]);

  const act = useCallback(async (kind) => {
    setError(null);
    try {
      if (kind === 'visit') {
        await api.post('/api/staff/visits', item.reading_id ? { reading_ids: [item.reading_id] } : { meter_ids: [item.meter_id] });
        onDone(t('review.visitDone'));
      } else {
        await api.post(`/api/staff/readings/${item.reading_id}/review`, { decision: kind, note });
        onDone(t(kind === 'accept' ? 'review.accepted' : 'review.rejected'));
      }
    } catch (err) {
      setError(err);
      if (err.field === 'note' && noteRef.current) noteRef.current.focus();
    }
  }, [item, note]);
  useShortcuts(item, act, noteRef);

  return html`<section class="card review-detail" aria-labelledby="review-detail-title" data-testid="review-detail">
    <h2 id="review-detail-title">${t('review.item', { number: item.customer_number, name: item.customer_name })}</h2>
    <p>${item.address} · ${t('meter.serial', { serial: item.serial })} · ${t(`meter.${item.kind}`)}</p>
    <p class="badge badge-wanted">${reasonsText(item.reasons)}</p>
    <${ReadingFacts} item=${item} />
    ${item.reading_id && html`<div class="field">
      <label for="review-note">${t('review.note')}</label>
      <textarea id="review-note" ref=${noteRef} rows="2" maxlength="500" value=${note}
        aria-invalid=${error && error.field === 'note' ? 'true' : 'false'}
        aria-describedby=${error ? 'review-error' : undefined}
        onInput=${(e) => setNote(e.currentTarget.value)}></textarea>
    </div>`}
    ${error && html`<p class="field-error" id="review-error" role="alert">${errorText(error)}</p>`}
    <p class="actions">
      ${item.reading_id && html`<button type="button" class="btn btn-primary" aria-keyshortcuts="A" onClick=${() => act('accept')}>${t('review.accept')}</button>
        <button type="button" class="btn btn-secondary" onClick=${() => act('reject')}>${t('review.reject')}</button>`}
      ${item.visit_id
        ? html`<span class="badge badge-ok">${t('review.visitPlanned')}</span>`
        : html`<button type="button" class="btn btn-secondary" aria-keyshortcuts="W" onClick=${() => act('visit')}>${t('review.visit')}</button>`}
    </p>
    <${History} meterId=${item.meter_id} />
  </section>`;
}

// The queue beside the item on screen: buttons in a list on a phone, from 1024 px a table whose
// rows' headers are the buttons (customer, meter, value, when, reasons).
function Queue({ items, index, setIndex }) {
  const wide = useWide();
  if (!wide) {
    return html`<ol class="review-list">${items.map((item, i) => html`<li>
      <button type="button" class=${`review-pick ${i === index ? 'is-current' : ''}`} aria-current=${i === index ? 'true' : undefined}
        onClick=${() => setIndex(i)}>
        <strong>${item.customer_number}</strong> ${item.serial}<br />
        <span class="hint">${reasonsText(item.reasons)}</span>
      </button></li>`)}
    </ol>`;
  }
  return html`<div class="review-table-wrap">
    <table class="table data-table review-table" data-testid="review-queue">
      <caption class="visually-hidden">${t('review.queueCaption')}</caption>
      <thead><tr><th scope="col">${t('col.customer')}</th><th scope="col">${t('col.meter')}</th>
        <th scope="col" class="num">${t('col.value')}</th><th scope="col">${t('col.reasons')}</th></tr></thead>
      <tbody>${items.map((item, i) => html`<tr key=${`${item.reading_id}-${item.meter_id}`} class=${i === index ? 'is-current' : ''}>
        <th scope="row"><button type="button" class=${`review-pick ${i === index ? 'is-current' : ''}`}
          aria-current=${i === index ? 'true' : undefined} onClick=${() => setIndex(i)}>${item.customer_number}</button></th>
        <td>${item.serial}</td>
        <td class="num">${item.value_litres !== null ? formatVolume(item.value_litres) : '—'}</td>
        <td>${reasonsText(item.reasons)}</td>
      </tr>`)}</tbody>
    </table>
  </div>`;
}

export function ReviewView() {
  const [items, setItems] = useState(null);
  const [index, setIndex] = useState(0);
  const [message, setMessage] = useState('');
  const load = useCallback(() => api.get('/api/staff/review').then(setItems, () => setItems([])), []);
  useEffect(() => { load(); }, []);

  useEffect(() => {
    const onKey = (e) => {
      if (e.target.closest && e.target.closest('input, textarea, select') || !items) return;
      const key = e.key.toLowerCase();
      if (key === 'j') setIndex((i) => Math.min(i + 1, items.length - 1));
      if (key === 'k') setIndex((i) => Math.max(i - 1, 0));
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [items]);

  const done = (text) => {
    setMessage(text);
    load();
  };
  const current = items && items[Math.min(index, items.length - 1)];
  return html`<${Page} title=${t('review.title')}>
    <p>${t('review.intro')}</p>
    <p class="hint">${t('review.keys')}</p>
    <div role="status">${message && html`<div class="banner banner-ok"><p>${message}</p></div>`}</div>
    ${items === null ? html`<p class="loading" role="status">${t('app.loading')}</p>`
      : !items.length ? html`<p>${t('review.empty')}</p>`
      : html`<p>${t('review.count', { count: items.length })} · ${t('review.position', { n: index + 1, total: items.length })}</p>
        <div class="review-layout">
          <${Queue} items=${items} index=${index} setIndex=${setIndex} />
          <${Detail} key=${`${current.reading_id}-${current.meter_id}`} item=${current} onDone=${done} />
        </div>`}
  <//>`;
}
