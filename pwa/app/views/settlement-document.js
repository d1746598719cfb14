// One payment document: its lines (net, VAT, gross), the meter values it billed and their source,
// what is left to pay, its PDF, and the way to pay it. Cached for offline viewing like the list.
import '../i18n/billing-views.js'; // this view's texts
import '../i18n/public-views.js';
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { useLocation, queryParam } from '../router.js';
import { formatDay, formatMoney, formatVolume, formatDate } from '../format.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { useWide } from '../components/wide.js';

function quantity(line) {
  if (line.unit === 'm3') return formatVolume(line.quantity);
  return (line.quantity / 1000).toLocaleString('pl-PL', { maximumFractionDigits: 3 });
}

// A table on a wide screen; cards on a phone, where they fit the width without scrolling sideways.
function LinesTable({ doc }) {
  const vat = (x) => (x.vat_pct < 0 ? t('doc.noVat') : `${x.vat_pct}% · ${formatMoney(x.vat_grosze)}`);
  return html`<table class="table data-table" data-testid="lines">
    <thead><tr><th scope="col">${t('prices.item')}</th><th scope="col" class="num">${t('doc.quantity')}</th>
      <th scope="col" class="num">${t('doc.net')}</th><th scope="col" class="num">${t('doc.vat')}</th>
      <th scope="col" class="num">${t('doc.gross')}</th></tr></thead>
    <tbody>${doc.lines.map((x) => html`<tr><th scope="row">${x.description}</th><td class="num">${quantity(x)}</td>
      <td class="num">${formatMoney(x.net_grosze)}</td><td class="num">${vat(x)}</td><td class="num">${formatMoney(x.gross_grosze)}</td></tr>`)}</tbody>
    <tfoot><tr><th scope="row">${t('doc.total')}</th><td></td><td class="num">${formatMoney(doc.net_grosze)}</td>
      <td class="num">${formatMoney(doc.vat_grosze)}</td><td class="num"><strong>${formatMoney(doc.document.gross_grosze)}</strong></td></tr></tfoot>
  </table>`;
}

function Lines({ doc }) {
  if (useWide()) return html`<${LinesTable} doc=${doc} />`;
  return html`<ul class="cards" data-testid="lines">${doc.lines.map((x) => html`<li class="card">
    <h3>${x.description}</h3>
    <dl class="facts">
      <div><dt>${t('doc.quantity')}</dt><dd>${quantity(x)}</dd></div>
      <div><dt>${t('doc.net')}</dt><dd>${formatMoney(x.net_grosze)}</dd></div>
      <div><dt>${t('doc.vat')}</dt><dd>${x.vat_pct < 0 ? t('doc.noVat') : `${x.vat_pct}% · ${formatMoney(x.vat_grosze)}`}</dd></div>
      <div><dt>${t('doc.gross')}</dt><dd>${formatMoney(x.gross_grosze)}</dd></div>
    </dl></li>`)}
    <li class="card"><h3>${t('doc.total')}</h3><dl class="facts">
      <div><dt>${t('doc.net')}</dt><dd>${formatMoney(doc.net_grosze)}</dd></div>
      <div><dt>${t('doc.vat')}</dt><dd>${formatMoney(doc.vat_grosze)}</dd></div>
      <div><dt>${t('doc.gross')}</dt><dd>${formatMoney(doc.document.gross_grosze)}</dd></div>
    </dl></li>
  </ul>`;
}

function Meters({ meters }) {
  return html`<ul class="cards" data-testid="billed-meters">${meters.map((m) => html`<li class="card">
    <h3>${t('doc.meter')} ${m.serial} (${t(m.kind === 'sub' ? 'meter.sub' : 'meter.main')})</h3>
    <dl class="facts">
      <div><dt>${t('doc.previous')}</dt><dd>${formatVolume(m.previous_litres)}${m.previous_at ? ` · ${formatDate(m.previous_at)}` : ''}</dd></div>
      <div><dt>${t('doc.current')}</dt><dd>${formatVolume(m.current_litres)} · ${formatDate(m.current_at)}</dd></div>
      <div><dt>${t('doc.usage')}</dt><dd>${formatVolume(m.consumption_litres)}</dd></div>
      <div><dt>${t('doc.source')}</dt><dd>${t(`source.${m.source}`)}</dd></div>
    </dl></li>`)}</ul>`;
}

export function SettlementDocumentView() {
  const loc = useLocation();
  const id = queryParam(loc.search, 'id') || '';
  const resource = useCachedData(`/api/settlements/documents/${encodeURIComponent(id)}`);
  const doc = resource.data;
  const title = doc ? t('doc.title', { kind: t(`kind.${doc.document.kind}`), number: doc.document.number }) : t('settlements.title');
  return html`<${Page} title=${title}>
    <p><a href="/rozliczenia">${t('doc.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(data) => {
        const d = data.document;
        return html`<div class="stack">
          <dl class="facts">
            <div><dt>${t('doc.issued')}</dt><dd>${formatDay(d.issue_date)}</dd></div>
            <div><dt>${t('doc.due')}</dt><dd>${formatDay(d.due_date)}${d.overdue ? ` (${t('settlements.overdue')})` : ''}</dd></div>
            ${d.address && html`<div><dt>${t('doc.address')}</dt><dd>${d.address}</dd></div>`}
          </dl>
          ${d.period_start && html`<p>${t('doc.period', { from: formatDay(d.period_start), to: formatDay(d.period_end) })}</p>`}
          ${data.refers_to && html`<p>${t('doc.refers', { number: data.refers_to })}</p>`}
          ${d.estimated && html`<div class="banner banner-warn"><p>${t('doc.estimatedNote')}</p></div>`}
          <section aria-labelledby="lines-title"><h2 id="lines-title">${t('doc.lines')}</h2><${Lines} doc=${data} />
            ${data.lines.length > 0 && html`<p class="note">${t('prices.fromInvoice')} <a href="/cennik">${t('prices.link')}</a></p>`}</section>
          ${data.meters.length > 0 && html`<section aria-labelledby="meters-title">
            <h2 id="meters-title">${t('doc.readings')}</h2><${Meters} meters=${data.meters} /></section>`}
          ${data.reminded.length > 0 && html`<section aria-labelledby="reminded-title">
            <h2 id="reminded-title">${t('doc.reminded')}</h2>
            <ul class="cards" data-testid="reminded">${data.reminded.map((i) => html`<li class="card">
              <h3><a href=${`/rozliczenia/dokument?id=${i.id}`}>${i.number}</a></h3>
              <p>${t('doc.remindedRow', { due: formatDay(i.due_date), owed: formatMoney(i.owed_grosze), left: formatMoney(i.remaining_grosze) })}</p>
            </li>`)}</ul></section>`}
          <p class="balance-label" data-testid="document-left">${data.to_pay_grosze > 0
            ? t(data.reminded.length ? 'doc.toPay' : 'doc.left', { amount: formatMoney(data.to_pay_grosze) }) : t('doc.settled')}</p>
          <div class="actions">
            <a class="btn btn-secondary" href=${data.pdf_url} data-testid="pdf-link">${t('doc.pdf', { number: d.number })}</a>
            ${data.to_pay_grosze > 0 && html`<a class="btn btn-primary" href=${`/rozliczenia/zaplac?dokument=${d.id}`}>
              ${t('settlements.pay', { number: d.number })}</a>`}
          </div>
        </div>`;
      }}
    <//>
  <//>`;
}
