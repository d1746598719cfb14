import { html } from '../preact.js';
import { t } from '../i18n.js';
import { telHref } from '../format.js';
import { useApp } from '../context.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { OutageList } from '../components/outages.js';
import { Icon } from '../components/icons.js';

export function OutagesView() {
  const { config } = useApp();
  const resource = useCachedData('/api/dashboard');
  const phone = config && config.utility && config.utility.emergency_phone;
  return html`<${Page} title=${t('outages.title')}>
    <${DataView} resource=${resource}>
      ${(data) => ((data.outages || []).length
        ? html`<section class="alert-box">
            <h2>${t('dash.outages')}</h2>
            <${OutageList} outages=${data.outages} />
          </section>`
        : html`<p class="empty-title">${t('outages.none')}</p>`)}
    <//>
    ${phone && html`<div class="card emergency">
      <p>${t('outages.report')}</p>
      <p><a class="tel tel-emergency tel-big" href=${telHref(phone)}><${Icon} name="phone" />${phone}</a></p>
    </div>`}
  <//>`;
}
