// The total balance card. Only drawn when the API has a balance (settlements exist).
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { formatMoney } from '../format.js';

export function BalanceCard({ balance, payHref }) {
  const total = balance.total_grosze;
  const label = total > 0 ? t('balance.owed') : total < 0 ? t('balance.overpaid') : t('balance.settled');
  return html`<section class=${`card balance ${total > 0 ? 'balance-owed' : ''}`} data-testid="balance">
    <h2>${t('balance.title')}</h2>
    <p class="balance-label">${label}</p>
    <p class="balance-amount">${formatMoney(Math.abs(total))}</p>
    ${balance.overdue_grosze > 0 && html`<p class="balance-overdue">${t('balance.overdue', { amount: formatMoney(balance.overdue_grosze) })}</p>`}
    ${total > 0 && payHref && html`<p class="actions"><a class="btn btn-primary" href=${payHref}>${t('balance.pay')}</a></p>`}
  </section>`;
}
