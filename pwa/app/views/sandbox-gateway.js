// The demo payment gateway's page (it stands for Przelewy24's): the payer pays or cancels, the
// gateway notifies e-BOK server-to-server, and the browser is sent back to Rozliczenia.
import '../i18n/billing-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { useLocation, queryParam } from '../router.js';
import { formatMoney } from '../format.js';
import { Page } from '../components/page.js';

export function SandboxGatewayView() {
  const loc = useLocation();
  const token = queryParam(loc.search, 'token') || '';
  const [payment, setPayment] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const url = `/api/sandbox-gateway/${encodeURIComponent(token)}`;
  useEffect(() => {
    api.get(url).then(setPayment, setError);
  }, [url]);
  const decide = async (outcome) => {
    setBusy(true);
    try {
      const answer = await api.post(url, { outcome });
      window.location.assign(answer.redirect_url);
    } catch (err) {
      setError(err);
      setBusy(false);
    }
  };
  return html`<${Page} title=${t('gateway.title')} className="gateway">
    <p class="note">${t('gateway.intro')}</p>
    ${error && html`<div class="banner banner-error" role="alert"><p>${errorText(error)}</p></div>`}
    ${payment && html`<section class="card">
      <dl class="facts">
        <div><dt>${t('gateway.merchant')}</dt><dd>${payment.merchant}</dd></div>
        <div><dt>${t('gateway.description')}</dt><dd>${payment.description}</dd></div>
        <div><dt>${t('gateway.amount')}</dt><dd data-testid="gateway-amount">${formatMoney(payment.amount_grosze)}</dd></div>
      </dl>
      ${payment.status === 'pending'
        ? html`<div class="actions">
            <button type="button" class="btn btn-primary" disabled=${busy} onClick=${() => decide('paid')}>${t('gateway.pay')}</button>
            <button type="button" class="btn btn-secondary" disabled=${busy} onClick=${() => decide('rejected')}>${t('gateway.reject')}</button>
          </div>`
        : html`<p>${t('gateway.done')}</p>`}
    </section>`}
  <//>`;
}
