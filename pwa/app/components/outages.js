// Outages on the customer's streets (dashboard) and one outage in full (Awarie).
import { html } from '../preact.js';
import { t, hasText } from '../i18n.js';
import { formatDateTime } from '../format.js';

export function kindLabel(kind) {
  return hasText(`outage.${kind}`) ? t(`outage.${kind}`) : '';
}

// {id, kind, title, street, expected_end}: the dashboard's shape; kinds failure | planned | quality
export function OutageList({ outages }) {
  return html`<ul class="outages">
    ${outages.map((o) => html`<li class=${`card outage outage-${o.kind}`} data-testid=${`outage-${o.id}`}>
      ${kindLabel(o.kind) && html`<p class="outage-kind">${kindLabel(o.kind)}</p>`}
      <h3><a href=${`/awarie?id=${o.id}`}>${o.title}</a></h3>
      <p>${o.street}</p>
      ${o.expected_end && html`<p>${t('outage.end', { date: formatDateTime(o.expected_end) })}</p>`}
    </li>`)}
  </ul>`;
}

function when(o, now) {
  if (o.status === 'closed') return t('outages.closedBadge');
  return o.starts_at > now ? t('outages.upcoming') : t('outages.now');
}

// An outage from /api/outages: heading level given by the caller so lists and the detail page nest right.
export function OutageCard({ outage: o, level = 3, link = true }) {
  const now = new Date().toISOString();
  const Heading = `h${level}`;
  const area = o.area_summary
    + (o.service_point_count ? `${o.area_summary ? ', ' : ''}${t('outages.points', { count: o.service_point_count })}` : '');
  return html`<article class=${`card outage outage-${o.kind}`} data-testid=${`outage-${o.id}`}>
    <p class="outage-kind">${kindLabel(o.kind)} · ${when(o, now)}</p>
    <${Heading}>${link ? html`<a href=${`/awarie?id=${o.id}`}>${o.title}</a>` : o.title}<//>
    ${o.my_addresses.length > 0 && html`<p><strong>${t('outages.yours', { addresses: o.my_addresses.join('; ') })}</strong></p>`}
    <p>${t('outages.area', { area: `${area} (${o.town})` })}</p>
    ${o.starts_at > now && html`<p>${t('outages.start', { date: formatDateTime(o.starts_at) })}</p>`}
    ${o.status === 'closed'
      ? html`<p>${t('outages.closedAt', { date: formatDateTime(o.closed_at) })}</p>`
      : o.expected_end && html`<p>${t('outage.end', { date: formatDateTime(o.expected_end) })}</p>`}
    ${o.water_point && o.status !== 'closed' && html`<p>${t('outages.waterPoint', { place: o.water_point })}</p>`}
    ${!link && o.description && html`<p class="outage-description">${o.description}</p>`}
  </article>`;
}
