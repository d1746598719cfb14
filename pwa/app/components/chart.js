// Use per day, month by month: each reading's consumption spread over the days since the one
// before (GET /api/meters/{id}/readings, per_day). Bars drawn with HTML and CSS, so the values and
// month labels keep their real text size at every width: the value sits above its bar, months
// are two digits with the year under January and the first month, and at most the last 12 months
// show, which fit 320 px without labels touching. A month with no data is a gap; one with no
// reading of its own is an estimate (outlined bar). The same numbers follow as a table.
import '../i18n/readings-views.js';
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { formatVolume } from '../format.js';

function monthName(month) {
  const [y, m] = month.split('-');
  return `${m}.${y}`;
}

// litres per day as people read them: whole litres, or m³ with one decimal for large users
function perDayText(litres, big) {
  if (litres === null) return t('history.gap');
  return big ? (litres / 1000).toLocaleString('pl-PL', { minimumFractionDigits: 1, maximumFractionDigits: 1 }) : String(litres);
}

export function ConsumptionChart({ perDay, monthly }) {
  const rows = (perDay || []).slice(-12);
  if (!rows.some((r) => r.per_day_litres !== null)) {
    return (monthly || []).length ? html`<p>${t('history.perDayHint')}</p>` : html`<p>${t('history.noChart')}</p>`;
  }
  const max = Math.max(...rows.map((r) => r.per_day_litres || 0), 1);
  const big = max >= 1000;
  const unit = t(big ? 'history.unitM3' : 'history.unitL');
  const peak = rows.find((r) => r.per_day_litres === max);
  const summary = `${t('history.perDayTitle')} (${unit}). ${t('history.peak', { value: `${perDayText(max, big)} ${unit}`, month: monthName(peak.month) })}`;
  return html`<figure class="chart" data-testid="chart">
    <p class="hint">${t('history.perDayHint')} <span class="chart-unit">${unit}</span></p>
    <div class="day-chart" role="img" aria-label=${summary}>
      ${rows.map((r, i) => {
        const [y, m] = r.month.split('-');
        const gap = r.per_day_litres === null;
        const height = gap ? 0 : Math.max(2, Math.round((r.per_day_litres / max) * 100));
        return html`<div class=${`day-col${gap ? ' is-gap' : ''}${r.estimated ? ' is-estimate' : ''}`} aria-hidden="true">
          <span class="day-value">${gap ? '–' : perDayText(r.per_day_litres, big)}</span>
          <span class="day-track"><span class="day-bar" style=${{ height: `${height}%` }}></span></span>
          <span class="day-month">${m}</span>
          <span class="day-year">${i === 0 || m === '01' ? y : ''}</span>
        </div>`;
      })}
    </div>
    ${rows.some((r) => r.estimated) && html`<p class="chart-legend"><span class="legend-swatch" aria-hidden="true"></span>${t('history.estimatedLegend')}</p>`}
    <figcaption>
      <details>
        <summary>${t('history.asTable')}</summary>
        <table class="table">
          <caption class="visually-hidden">${t('history.perDayTitle')}</caption>
          <thead><tr><th scope="col">${t('history.month')}</th><th scope="col" class="num">${t('history.perDay')}</th>
            <th scope="col" class="num">${t('history.inMonth')}</th></tr></thead>
          <tbody>${rows.map((r) => html`<tr><th scope="row">${monthName(r.month)}${r.estimated ? ` (${t('history.estimatedLegend')})` : ''}</th>
            <td class="num">${r.per_day_litres === null ? t('history.gap') : `${perDayText(r.per_day_litres, big)} ${unit}`}</td>
            <td class="num">${r.per_day_litres === null ? '–' : formatVolume(r.litres)}</td></tr>`)}</tbody>
        </table>
      </details>
    </figcaption>
  </figure>`;
}
