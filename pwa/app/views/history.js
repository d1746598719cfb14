// History of one meter: every reading with its source, status, consumption and photo, the
// consumption by month as a chart (with a table), and a CSV download.
import '../i18n/inspections-views.js'; // this view's texts
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { ConsumptionChart } from '../components/chart.js';
import { formatDateTime, formatVolume } from '../format.js';

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

function Row({ r }) {
  const status = r.status === 'accepted' ? t('status.accepted') : t(`status.${r.status}`);
  return html`<li class="card reading-row" data-testid="history-row">
    <p class="reading-value">${formatVolume(r.value_litres)}</p>
    <p class="reading-meta">${formatDateTime(r.captured_at)} · ${t(`source.${r.source}`)} · ${status}</p>
    ${r.consumption_litres !== null && html`<p>${t('history.since', { value: formatVolume(r.consumption_litres) })}</p>`}
    ${r.flags.length > 0 && html`<p class="hint">${r.flags.map((f) => t(`flag.${f}`)).join(' ')}</p>`}
    ${r.verification && html`<p class="badge badge-ok">${t(r.verification === 'corrected' ? 'history.corrected' : 'history.verified')}</p>`}
    ${r.status === 'rejected' && !r.verification
      ? html`<p class="review-note" data-testid="rejected-why"><strong>${t('history.rejectedWhy')}</strong> ${r.review_note || t('history.rejectedNoNote')}</p>`
      : r.review_note && html`<p class="review-note"><strong>${t('history.note')}</strong> ${r.review_note}</p>`}
    <${Photo} reading=${r} />
  </li>`;
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
        ${h.readings.length ? html`<ul class="history">${h.readings.map((r) => html`<${Row} key=${r.id} r=${r} />`)}</ul>`
          : html`<p>${t('meter.none')}</p>`}`}
    <//>
  <//>`;
}
