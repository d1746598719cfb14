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

// Whether the reading window is open (a link to give the reading) or when it opens.
function Window({ w, meter }) {
  if (w.wanted) {
    return html`<p class="badge badge-wanted"><a href=${`/odczyty/nowy?licznik=${meter.id}`} aria-describedby=${`serial-${meter.id}`}>
      ${t('meter.windowOpen', { date: formatDay(w.period_end) })}</a></p>`;
  }
  return html`<p class="meter-due">${w.is_open ? t('readings.received') : t('meter.windowOpens', { date: formatDay(w.opens) })}</p>`;
}

export function MeterCard({ meter, window: w }) {
  return html`<li class="card meter" data-testid=${`meter-${meter.serial}`}>
    <h4 class="meter-kind">${optionalText(`meter.${meter.kind}`) || meter.kind}</h4>
    <p class="meter-serial" id=${`serial-${meter.id}`}>${t('meter.serial', { serial: meter.serial })}</p>
    <${LastReading} reading=${meter.last_reading} />
    ${w && html`<${Window} w=${w} meter=${meter} />`}
    ${meter.verification_due && html`<${VerificationDue} due=${meter.verification_due} />`}
  </li>`;
}

export function CustomerMeters({ customer, windows = {} }) {
  return html`<section class="customer">
    <h2>${t('dash.customer', { number: customer.number, name: customer.name })}</h2>
    ${customer.service_points.map((point) => html`<section class="service-point">
      <h3>${formatAddress(point)}</h3>
      ${point.meters.length
        ? html`<ul class="meters">${point.meters.map((meter) => html`<${MeterCard} meter=${meter} window=${windows[meter.id]} />`)}</ul>`
        : html`<p>${t('meter.noMeters')}</p>`}
    </section>`)}
  </section>`;
}
