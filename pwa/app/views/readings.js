import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { CustomerMeters, hasMeters } from '../components/meters.js';

export function ReadingsView() {
  const resource = useCachedData('/api/dashboard');
  return html`<${Page} title=${t('readings.title')}>
    <${DataView} resource=${resource}>
      ${(data) => (hasMeters(data)
        ? html`<p>${t('readings.intro')}</p>
          ${data.customers.map((customer) => html`<${CustomerMeters} customer=${customer} />`)}`
        : html`<p>${t('readings.none')}</p>`)}
    <//>
  <//>`;
}
