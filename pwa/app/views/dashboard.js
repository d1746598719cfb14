import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { CustomerMeters } from '../components/meters.js';
import { BalanceCard } from '../components/money.js';
import { OutageList } from '../components/outages.js';
import { Icon } from '../components/icons.js';

// Worded differently from the menu on purpose: each link name on a page stays unique.
const SHORTCUTS = [
  { path: '/odczyty', key: 'dash.toReadings', icon: 'gauge' },
  { path: '/rozliczenia', key: 'dash.toSettlements', icon: 'document' },
  { path: '/awarie', key: 'dash.toOutages', icon: 'alert' },
  { path: '/konto', key: 'dash.toAccount', icon: 'user' },
  { path: '/dokumenty', key: 'dash.toDocuments', icon: 'document' },
  { path: '/kontakt', key: 'dash.toContact', icon: 'phone' },
  { path: '/informacje', key: 'dash.toInformation', icon: 'document' },
];

function Dashboard({ data }) {
  return html`
    ${(data.outages || []).length > 0 && html`<section class="alert-box">
      <h2>${t('dash.outages')}</h2>
      <${OutageList} outages=${data.outages} />
    </section>`}
    ${data.balance && html`<${BalanceCard} balance=${data.balance}
      payHref=${data.customers.length === 1 ? `/rozliczenia/zaplac?klient=${data.customers[0].id}` : '/rozliczenia'} />`}
    ${data.customers.length
      ? data.customers.map((customer) => html`<${CustomerMeters} customer=${customer} windows=${data.windows} />`)
      : html`<p>${t('dash.noCustomers')}</p>`}
    <nav class="shortcuts" aria-label=${t('dash.quick')}>
      <ul>
        ${SHORTCUTS.map((s) => html`<li><a class="shortcut" href=${s.path}><${Icon} name=${s.icon} />${t(s.key)}</a></li>`)}
      </ul>
    </nav>`;
}

export function DashboardView() {
  const resource = useCachedData('/api/dashboard');
  return html`<${Page} title=${t('dash.title')}>
    <${DataView} resource=${resource}>${(data) => html`<${Dashboard} data=${data} />`}<//>
  <//>`;
}
