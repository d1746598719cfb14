// Current outages on the customer's streets.
import { html } from '../preact.js';
import { t, hasText } from '../i18n.js';
import { formatDateTime } from '../format.js';

export function OutageList({ outages }) {
  return html`<ul class="outages">
    ${outages.map((o) => html`<li class="card outage" data-testid=${`outage-${o.id}`}>
      ${hasText(`outage.${o.kind}`) && html`<p class="outage-kind">${t(`outage.${o.kind}`)}</p>`}
      <h3>${o.title}</h3>
      <p>${o.street}</p>
      ${o.expected_end && html`<p>${t('outage.end', { date: formatDateTime(o.expected_end) })}</p>`}
    </li>`)}
  </ul>`;
}
