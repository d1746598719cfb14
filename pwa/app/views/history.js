// History of one meter: every reading with its source, status, consumption and photo, the
// consumption by month as a chart (with a table), and a CSV download.
import '../i18n/inspections-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the table's column headers (wide screens)
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { ConsumptionChart } from '../components/chart.js';
import { formatDateTime, formatVolume } from '../format.js';
import { useWide } from '../components/wide.js';

function Photo({ reading }) {
  const [large, setLarge] = useState(false);
  if (!reading.has_photo) return html`<span class="hint">${t('history.noPhoto')}</span>`;
  const alt = t('history.photoOf', { date: formatDateTime(reading.captured_at) });
  return html`<button type="button" class="photo-button" aria-expanded=${large ? 'true' : 'false'}
      onClick=${() => setLarge(!large)} aria-label=${large ? t('history.photoSmaller') : t('history.photoLarger')}>
    <img src=${`/api/readings/${reading.id}/${large ? 'photo' : 'thumb'}`} alt=${alt}
      class=${large ? 'photo-large' : 'photo-thumb'} loading="lazy" />
  </button>`;
}

function statusText(r) {
  return r.status === 'accepted' ? t('status.accepted') : t(`status.${r.status}`);
}

// What the reading's notes say: the rules' flags, the inspector's check, the office's reason.
function Notes({ r }) {
  return html`${r.flags.length > 0 && html`<p class="hint">${r.flags.map((f) => t(`flag.${f}`)).join(' ')}</p>`}
    ${r.verification && html`<p class="badge badge-ok">${t(r.verification === 'corrected' ? 'history.corrected' : 'history.verified')}</p>`}
    ${r.status === 'rejected' && !r.verification
      ? html`<p class="review-note" data-testid="rejected-why"><strong>${t('history.rejectedWhy')}</strong> ${r.review_note || t('history.rejectedNoNote')}</p>`
      : r.review_note && html`<p class="review-note"><strong>${t('history.note')}</strong> ${r.review_note}</p>`}`;
}

function Row({ r }) {
  return html`<li class="card reading-row" data-testid="history-row">
    <p class="reading-value">${formatVolume(r.value_litres)}</p>
    <p class="reading-meta">${formatDateTime(r.captured_at)} · ${t(`source.${r.source}`)} · ${statusText(r)}</p>
    ${r.consumption_litres !== null && html`<p>${t('history.since', { value: formatVolume(r.consumption_litres) })}</p>`}
    <${Notes} r=${r} />
    <${Photo} reading=${r} />
  </li>`;
}

// From 1024 px the same readings as one table: a row per reading, its date as the row's header.
function HistoryTable({ readings, caption }) {
  return html`<table class="table data-table history-table" data-testid="history-table">
    <caption class="visually-hidden">${caption}</caption>
    <thead><tr><th scope="col">${t('col.date')}</th><th scope="col" class="num">${t('col.reading')}</th>
      <th scope="col" class="num">${t('col.use')}</th><th scope="col">${t('col.source')}</th>
      <th scope="col">${t('col.status')}</th><th scope="col">${t('col.notes')}</th><th scope="col">${t('col.photo')}</th></tr></thead>
    <tbody>${readings.map((r) => html`<tr key=${r.id} data-testid="history-row">
      <th scope="row">${formatDateTime(r.captured_at)}</th>
      <td class="num reading-cell">${formatVolume(r.value_litres)}</td>
      <td class="num">${r.consumption_litres !== null ? formatVolume(r.consumption_litres) : '—'}</td>
      <td>${t(`source.${r.source}`)}</td><td>${statusText(r)}</td>
      <td class="notes-cell"><${Notes} r=${r} /></td>
      <td><${Photo} reading=${r} /></td>
    </tr>`)}</tbody>
  </table>`;
}

function Readings({ h }) {
  const wide = useWide();
  if (!h.readings.length) return html`<p>${t('meter.none')}</p>`;
  const caption = `${t('history.list')} · ${t('meter.serial', { serial: h.serial })}`;
  return wide ? html`<${HistoryTable} readings=${h.readings} caption=${caption} />`
    : html`<ul class="history">${h.readings.map((r) => html`<${Row} key=${r.id} r=${r} />`)}</ul>`;
}

export function HistoryView() {
  const meterId = queryParam(location.search, 'licznik') || '';
  const resource = useCachedData(`/api/meters/${encodeURIComponent(meterId)}/readings`);
  return html`<${Page} title=${t('history.title')}>
    <p><a href="/odczyty">${t('capture.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(h) => html`<p class="meter-serial">${t(`meter.${h.kind}`)} · ${t('meter.serial', { serial: h.serial })}</p>
        <h2>${t('history.perDayTitle')}</h2>
        <${ConsumptionChart} perDay=${h.per_day} monthly=${h.monthly} />
        <p><a class="btn btn-secondary" href=${`/api/meters/${h.meter_id}/readings.csv`} download>${t('history.csv')}</a></p>
        <h2>${t('history.list')}</h2>
        <${Readings} h=${h} />`}
    <//>
  <//>`;
}
