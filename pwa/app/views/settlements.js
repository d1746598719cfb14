import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { BalanceCard } from '../components/money.js';

export function SettlementsView() {
  const resource = useCachedData('/api/dashboard');
  return html`<${Page} title=${t('settlements.title')}>
    <${DataView} resource=${resource}>
      ${(data) => (data.balance
        ? html`<${BalanceCard} balance=${data.balance} />`
        : html`<div class="empty">
            <p class="empty-title">${t('settlements.none')}</p>
            <p>${t('settlements.noneHint')}</p>
          </div>`)}
    <//>
  <//>`;
}
