// Paying one document or a customer's whole balance: the transfer details with copy buttons and
// the banks' QR code (drawn by the server as SVG), or online through the payment gateway.
import '../i18n/billing-views.js'; // this view's texts
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { useCachedData } from '../resource.js';
import { useLocation, queryParam } from '../router.js';
import { formatMoney } from '../format.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';

function CopyRow({ label, value, copyText, onCopied }) {
  const copy = async () => {
    try {
      await navigator.clipboard.writeText(copyText ?? value);
      onCopied(t('pay.copied', { what: label }));
    } catch {
      onCopied(t('pay.copyFailed'));
    }
  };
  return html`<div class="copy-row"><dt>${label}</dt><dd>
    <span class="copy-value">${value}</span>
    <button type="button" class="btn btn-secondary" onClick=${copy}>${t('pay.copy', { what: label })}</button>
  </dd></div>`;
}

function Online({ customerId, documentId, amount }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const pay = async () => {
    setBusy(true);
    setError(null);
    try {
      const started = await api.post('/api/settlements/payments', {
        customer_id: customerId, document_ids: documentId ? [documentId] : [],
      });
      window.location.assign(started.redirect_url); // the gateway's page: leaves the app
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="online-title">
    <h2 id="online-title">${t('pay.online')}</h2>
    <p>${t('pay.onlineHint')}</p>
    ${error && html`<div class="banner banner-error" role="alert"><p>${errorText(error)}</p></div>`}
    <button type="button" class="btn btn-primary" disabled=${busy} onClick=${pay}>
      ${t('pay.onlineButton', { amount: formatMoney(amount) })}</button>
  </section>`;
}

export function PayView() {
  const loc = useLocation();
  const documentId = queryParam(loc.search, 'dokument');
  const customerId = queryParam(loc.search, 'klient');
  const query = documentId ? `document_id=${encodeURIComponent(documentId)}` : `customer_id=${encodeURIComponent(customerId || '')}`;
  const resource = useCachedData(`/api/settlements/transfer?${query}`);
  const settlements = useCachedData('/api/settlements');
  const [copied, setCopied] = useState('');
  const owner = settlements.data && (documentId
    ? (settlements.data.documents.find((d) => d.id === documentId) || {}).customer_id
    : customerId);
  const customer = settlements.data && settlements.data.customers.find((c) => c.id === owner);
  return html`<${Page} title=${t('pay.title')}>
    <p><a href="/rozliczenia">${t('doc.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(tr) => html`<div class="stack">
        <p>${documentId ? t('pay.forDoc', { number: tr.title }) : t('pay.forAll', { number: customer ? customer.number : '' })}</p>
        ${tr.amount_grosze <= 0 ? html`<p class="empty-title">${t('pay.nothing')}</p>` : html`
          <section class="card" aria-labelledby="transfer-title">
            <h2 id="transfer-title">${t('pay.transfer')}</h2>
            <dl class="facts transfer" data-testid="transfer">
              <${CopyRow} label=${t('pay.recipient')} value=${`${tr.recipient}, ${tr.recipient_address}`} copyText=${tr.recipient} onCopied=${setCopied} />
              <${CopyRow} label=${t('pay.account')} value=${tr.account_display} copyText=${tr.account} onCopied=${setCopied} />
              <${CopyRow} label=${t('pay.titleField')} value=${tr.title} onCopied=${setCopied} />
              <${CopyRow} label=${t('pay.amount')} value=${formatMoney(tr.amount_grosze)}
                copyText=${(tr.amount_grosze / 100).toFixed(2).replace('.', ',')} onCopied=${setCopied} />
            </dl>
            <p role="status" class="note">${copied}</p>
            <h3>${t('pay.qr')}</h3>
            ${tr.qr_url
              ? html`<img class="qr" src=${tr.qr_url} width="180" height="180" data-testid="qr"
                  alt=${t('pay.qrAlt', { amount: formatMoney(tr.amount_grosze), account: tr.account_display })} />
                <p class="note">${t('pay.qrHint')}</p>`
              : html`<p class="note">${t('pay.qrTooLarge')}</p>`}
          </section>
          ${customer || owner ? html`<${Online} customerId=${owner} documentId=${documentId} amount=${tr.amount_grosze} />` : ''}`}
      </div>`}
    <//>
  <//>`;
}
