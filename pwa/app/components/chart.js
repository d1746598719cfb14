// Consumption by month as an SVG bar chart that names itself for screen readers, with the same
// numbers in a table underneath (the table is the accessible and printable version).
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { formatVolume } from '../format.js';

const W = 320;
const H = 160;
const PAD = 24;

function monthLabel(month) {
  const [y, m] = month.split('-');
  return `${m}.${y.slice(2)}`;
}

export function ConsumptionChart({ monthly }) {
  if (!monthly.length) return html`<p>${t('history.noChart')}</p>`;
  const rows = monthly.slice(-12);
  const max = Math.max(...rows.map((r) => r.litres), 1);
  const step = (W - PAD) / rows.length;
  const barW = Math.max(step - 4, 2);
  return html`<figure class="chart">
    <svg viewBox=${`0 0 ${W} ${H + 20}`} role="img" aria-labelledby="chart-title chart-desc" class="chart-svg">
      <title id="chart-title">${t('history.chartTitle')}</title>
      <desc id="chart-desc">${rows.map((r) => `${monthLabel(r.month)}: ${formatVolume(r.litres)}`).join('; ')}</desc>
      ${rows.map((r, i) => {
        const h = Math.round((r.litres / max) * (H - 10));
        return html`<g>
          <rect x=${PAD + i * step} y=${H - h} width=${barW} height=${h} class="chart-bar" />
          <text x=${PAD + i * step + barW / 2} y=${H + 14} class="chart-label" text-anchor="middle">${monthLabel(r.month)}</text>
        </g>`;
      })}
      <line x1=${PAD} y1=${H} x2=${W} y2=${H} class="chart-axis" />
    </svg>
    <figcaption>
      <details>
        <summary>${t('history.asTable')}</summary>
        <table class="table">
          <caption class="visually-hidden">${t('history.chartTitle')}</caption>
          <thead><tr><th scope="col">${t('history.month')}</th><th scope="col">${t('history.consumption')}</th></tr></thead>
          <tbody>${rows.map((r) => html`<tr><th scope="row">${monthLabel(r.month)}</th><td>${formatVolume(r.litres)}</td></tr>`)}</tbody>
        </table>
      </details>
    </figcaption>
  </figure>`;
}
