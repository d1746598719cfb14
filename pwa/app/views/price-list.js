// Cennik (public, no login): the prices of the tariff in force, net, VAT and gross, those announced
// and the earlier ones, from the tariffs the office keeps (GET /api/price-list). Cached for offline.
import '../i18n/public-views.js'; // this view's texts
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDay, formatMoney } from '../format.js';

const ROWS = [['water_per_m3', 'prices.water', 'prices.perM3'], ['sewage_per_m3', 'prices.sewage', 'prices.perM3'],
  ['fee_per_meter_month', 'prices.fee', 'prices.perMeterMonth']];

function validity(tariff) {
  const from = formatDay(tariff.valid_from);
  const to = tariff.valid_to && formatDay(tariff.valid_to);
  if (tariff.status === 'future') return t('prices.willApply', { from });
  if (tariff.status === 'past') return t('prices.validRange', { from, to });
  return to ? t('prices.validUntil', { from, to }) : t('prices.validFrom', { from });
}

// 10 m³ of water and of sewage and one meter's fee, as a resident's month would cost (gross)
function example(tariff) {
  const amount = 10 * (tariff.water_per_m3.gross_grosze + tariff.sewage_per_m3.gross_grosze) + tariff.fee_per_meter_month.gross_grosze;
  return t('prices.example', { amount: formatMoney(amount) });
}

function Tariff({ tariff }) {
  const id = `tariff-${tariff.valid_from}`;
  return html`<section class="card price-card" aria-labelledby=${id} data-testid="tariff">
    <h3 id=${id}>${tariff.name}</h3>
    <p class="hint">${validity(tariff)}</p>
    <table class="table price-table">
        <caption class="visually-hidden">${tariff.name}, ${validity(tariff)}</caption>
        <thead><tr><th scope="col">${t('prices.item')}</th><th scope="col" class="num">${t('prices.net')}</th>
          <th scope="col" class="num">${t('prices.vat')}</th><th scope="col" class="num">${t('prices.gross')}</th></tr></thead>
        <tbody>${ROWS.map(([field, name, unit]) => {
          const price = tariff[field];
          return html`<tr data-testid=${field}><th scope="row">${t(name)}<span class="price-unit">${t(unit)}</span></th>
            <td class="num">${formatMoney(price.net_grosze)}</td><td class="num">${price.vat_pct}%</td>
            <td class="num"><strong>${formatMoney(price.gross_grosze)}</strong></td></tr>`;
        })}</tbody>
    </table>
    ${tariff.status === 'current' && html`<p class="note">${example(tariff)}</p>`}
  </section>`;
}

function PriceList({ tariffs }) {
  if (!tariffs.length) return html`<p>${t('prices.none')}</p>`;
  const group = (status) => tariffs.filter((x) => x.status === status);
  const [current, future, past] = [group('current'), group('future'), group('past')];
  return html`<div class="stack">
    ${current.length > 0 && html`<section><h2>${t('prices.current')}</h2>
      ${current.map((x) => html`<${Tariff} tariff=${x} />`)}</section>`}
    ${future.length > 0 && html`<section><h2>${t('prices.future')}</h2>
      <div class="cards">${future.map((x) => html`<${Tariff} tariff=${x} />`)}</div></section>`}
    ${past.length > 0 && html`<section><h2>${t('prices.past')}</h2>
      <div class="cards">${past.map((x) => html`<${Tariff} tariff=${x} />`)}</div></section>`}
  </div>`;
}

export function PriceListView() {
  const resource = useCachedData('/api/price-list');
  return html`<${Page} title=${t('prices.title')}>
    <p>${t('prices.intro')}</p>
    <${DataView} resource=${resource}>${(data) => html`<${PriceList} tariffs=${data.tariffs} />`}<//>
  <//>`;
}
