// Customers → service points → meters, as the dashboard and the readings view show them.
import { html } from '../preact.js';
import { t, hasText } from '../i18n.js';
import { formatAddress, formatDateTime, formatDay, formatVolume, todayInWarsaw } from '../format.js';

function optionalText(key) {
  return hasText(key) ? t(key) : null;
}

function LastReading({ reading }) {
  if (!reading) return html`<p class="reading reading-none">${t('meter.none')}</p>`;
  const details = [formatDateTime(reading.captured_at), optionalText(`source.${reading.source}`),
    optionalText(`status.${reading.status}`)].filter(Boolean).join(' · ');
  return html`<div class="reading">
    <p class="reading-label">${t('meter.last')}</p>
    <p class="reading-value">${formatVolume(reading.value_litres)}</p>
    <p class="reading-meta">${details}</p>
  </div>`;
}

// A main meter must be legally verified (replaced) on time; a past date is worth pointing out.
function VerificationDue({ due }) {
  const past = due.slice(0, 10) < todayInWarsaw();
  return html`<p class=${past ? 'meter-due meter-due-past' : 'meter-due'}>
    ${t('meter.due', { date: formatDay(due) })}${past ? ` — ${t('meter.duePast')}` : ''}
  </p>`;
}

export function MeterCard({ meter }) {
  return html`<li class="card meter" data-testid=${`meter-${meter.serial}`}>
    <h4 class="meter-kind">${optionalText(`meter.${meter.kind}`) || meter.kind}</h4>
    <p class="meter-serial">${t('meter.serial', { serial: meter.serial })}</p>
    <${LastReading} reading=${meter.last_reading} />
    ${meter.verification_due && html`<${VerificationDue} due=${meter.verification_due} />`}
  </li>`;
}

export function CustomerMeters({ customer }) {
  return html`<section class="customer">
    <h2>${t('dash.customer', { number: customer.number, name: customer.name })}</h2>
    ${customer.service_points.map((point) => html`<section class="service-point">
      <h3>${formatAddress(point)}</h3>
      ${point.meters.length
        ? html`<ul class="meters">${point.meters.map((meter) => html`<${MeterCard} meter=${meter} />`)}</ul>`
        : html`<p>${t('meter.noMeters')}</p>`}
    </section>`)}
  </section>`;
}
