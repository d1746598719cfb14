// Rozliczenia: the total balance, each customer's individual account and e-Faktura consent, and
// every payment document with what is left to pay. After an online payment the app comes back
// here with ?platnosc=<id> and shows the status the server has (set only by the gateway's
// signed notification, never by this return).
import '../i18n/billing-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api, request } from '../api.js';
import { useCachedData } from '../resource.js';
import { useLocation, queryParam } from '../router.js';
import { formatDay, formatMoney, formatDate } from '../format.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { BalanceCard } from '../components/money.js';
import { useWide } from '../components/wide.js';

function PaymentStatus({ id, onPaid }) {
  const [state, setState] = useState(null);
  useEffect(() => {
    let tries = 0;
    let timer = 0;
    let stopped = false;
    const check = async () => {
      try {
        const p = await api.get(`/api/settlements/payments/${encodeURIComponent(id)}`);
        if (stopped) return;
        setState(p);
        if (p.status === 'paid') onPaid();
        else if (p.status === 'pending' && tries++ < 15) timer = setTimeout(check, 2000);
      } catch {
        // offline or unknown payment: nothing to say about it
      }
    };
    check();
    return () => { stopped = true; clearTimeout(timer); };
  }, [id]);
  if (!state) return null;
  const cls = state.status === 'paid' ? 'banner-ok' : state.status === 'failed' ? 'banner-error' : 'banner-info';
  const text = state.status === 'paid' ? t('settlements.paymentPaid', { amount: formatMoney(state.amount_grosze) })
    : state.status === 'failed' ? t('settlements.paymentFailed') : t('settlements.paymentPending');
  return html`<div class=${`banner ${cls}`} role="status" data-testid="payment-status"><p>${text}</p></div>`;
}

function EInvoice({ customer, onChange }) {
  const [busy, setBusy] = useState(false);
  const [saved, setSaved] = useState(false);
  const e = customer.einvoice;
  const toggle = async (ev) => {
    setBusy(true);
    setSaved(false);
    try {
      await request('PUT', '/api/settlements/einvoice', { customer_id: customer.id, granted: ev.target.checked });
      setSaved(true);
      onChange();
    } catch {
      ev.target.checked = e.granted; // offline or refused: the consent did not change
    } finally {
      setBusy(false);
    }
  };
  const id = `einv-${customer.id}`;
  return html`<section class="einvoice">
    <h3>${t('einvoice.title')}</h3>
    <div class="field-check">
      <input type="checkbox" id=${id} checked=${e.granted} disabled=${busy} onChange=${toggle} />
      <label for=${id}>${t('einvoice.toggle')}</label>
    </div>
    <p class="note">${e.granted ? t('einvoice.on', { email: e.email, date: formatDate(e.since) }) : t('einvoice.off')}</p>
    ${saved && html`<p role="status" class="note">${t('einvoice.saved')}</p>`}
    ${e.history.length > 0 && html`<details><summary>${t('einvoice.history')}</summary>
      <ul class="plain">${e.history.map((h) => html`<li>${formatDate(h.changed_at)}: ${h.granted
        ? t('einvoice.granted') : t('einvoice.withdrawn')}</li>`)}</ul></details>`}
  </section>`;
}

function CustomerCard({ customer, onChange }) {
  return html`<section class="card" aria-labelledby=${`cust-${customer.id}`}>
    <h2 id=${`cust-${customer.id}`}>${t('settlements.customerTitle', { number: customer.number, name: customer.name })}</h2>
    <dl class="facts">
      <div><dt>${t('settlements.account')}</dt><dd data-testid="account">${customer.account_display}</dd></div>
      <div><dt>${t('balance.title')}</dt><dd>${formatMoney(customer.balance.total_grosze)}</dd></div>
    </dl>
    ${customer.balance.total_grosze > 0 && html`<p><a class="btn btn-primary"
      href=${`/rozliczenia/zaplac?klient=${customer.id}`}>${t('settlements.payAll')}</a></p>`}
    <${EInvoice} customer=${customer} onChange=${onChange} />
  </section>`;
}

function badges(d) {
  return html`${d.estimated ? html` <span class="badge">${t('settlements.estimated')}</span>` : ''}
    ${d.overdue ? html` <span class="badge badge-wanted">${t('settlements.overdue')}</span>` : ''}
    ${d.remaining_grosze === 0 ? html` <span class="badge badge-ok">${t('settlements.paid')}</span>` : ''}`;
}

// From 1024 px a table, one row a document.
function DocumentTable({ documents }) {
  return html`<table class="table data-table" data-testid="documents">
    <thead><tr><th scope="col">${t('settlements.colNumber')}</th><th scope="col">${t('settlements.colKind')}</th>
      <th scope="col">${t('settlements.colIssued')}</th><th scope="col">${t('settlements.colDue')}</th>
      <th scope="col" class="num">${t('settlements.colAmount')}</th><th scope="col" class="num">${t('settlements.colLeft')}</th>
      <th scope="col"><span class="visually-hidden">${t('settlements.payShort')}</span></th></tr></thead>
    <tbody>${documents.map((d) => html`<tr data-testid="document-row">
      <th scope="row"><a href=${`/rozliczenia/dokument?id=${d.id}`} aria-label=${t('settlements.open', { number: d.number })}>${d.number}</a></th>
      <td>${t(`kind.${d.kind}`)}${badges(d)}</td><td>${formatDay(d.issue_date)}</td><td>${formatDay(d.due_date)}</td>
      <td class="num">${formatMoney(d.gross_grosze)}</td><td class="num">${formatMoney(d.remaining_grosze)}</td>
      <td>${d.remaining_grosze > 0 && html`<a class="btn btn-secondary" href=${`/rozliczenia/zaplac?dokument=${d.id}`}
        aria-label=${t('settlements.pay', { number: d.number })}>${t('settlements.payShort')}</a>`}</td>
    </tr>`)}</tbody>
  </table>`;
}

// Cards on a phone: 360 px would not fit a row of seven columns.
function DocumentList({ documents }) {
  const wide = useWide();
  if (!documents.length) {
    return html`<div class="empty"><p class="empty-title">${t('settlements.none')}</p><p>${t('settlements.noneHint')}</p></div>`;
  }
  if (wide) return html`<${DocumentTable} documents=${documents} />`;
  return html`<ul class="cards" data-testid="documents">${documents.map((d) => html`<li class="card" data-testid="document-row">
    <h3><a href=${`/rozliczenia/dokument?id=${d.id}`} aria-label=${t('settlements.open', { number: d.number })}>${d.number}</a></h3>
    <p>${t(`kind.${d.kind}`)}${d.estimated ? html` <span class="badge">${t('settlements.estimated')}</span>` : ''}
      ${d.overdue ? html` <span class="badge badge-wanted">${t('settlements.overdue')}</span>` : ''}
      ${d.remaining_grosze === 0 ? html` <span class="badge badge-ok">${t('settlements.paid')}</span>` : ''}</p>
    <dl class="facts">
      <div><dt>${t('settlements.colIssued')}</dt><dd>${formatDay(d.issue_date)}</dd></div>
      <div><dt>${t('settlements.colDue')}</dt><dd>${formatDay(d.due_date)}</dd></div>
      <div><dt>${t('settlements.colAmount')}</dt><dd>${formatMoney(d.gross_grosze)}</dd></div>
      <div><dt>${t('settlements.colLeft')}</dt><dd>${formatMoney(d.remaining_grosze)}</dd></div>
    </dl>
    ${d.remaining_grosze > 0 && html`<p><a class="btn btn-secondary" href=${`/rozliczenia/zaplac?dokument=${d.id}`}
      aria-label=${t('settlements.pay', { number: d.number })}>${t('settlements.payShort')}</a></p>`}
  </li>`)}</ul>`;
}

export function SettlementsView() {
  const loc = useLocation();
  const resource = useCachedData('/api/settlements');
  const paymentId = queryParam(loc.search, 'platnosc');
  return html`<${Page} title=${t('settlements.title')}>
    <p>${t('settlements.intro')}</p>
    ${paymentId && html`<${PaymentStatus} id=${paymentId} onPaid=${resource.reload} />`}
    <${DataView} resource=${resource}>
      ${(data) => html`<div class="stack">
        <${BalanceCard} balance=${data.balance} />
        ${data.customers.map((c) => html`<${CustomerCard} customer=${c} onChange=${resource.reload} />`)}
        <section aria-labelledby="docs-title">
          <h2 id="docs-title">${t('settlements.documents')}</h2>
          <${DocumentList} documents=${data.documents} />
        </section>
      </div>`}
    <//>
  <//>`;
}
