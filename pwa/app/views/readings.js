// Odczyty: the outbox of readings not yet sent, then every meter with its last accepted reading,
// whether a reading is wanted now, and the way to give one or see the history.
import '../i18n/readings-views.js'; // the texts of its outbox's errors about reading dates
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { useOutbox } from '../outbox.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { OutboxPanel } from '../components/outbox.js';
import { formatDateTime, formatDay, formatVolume } from '../format.js';

function WindowNote({ window: w }) {
  if (w.wanted) return html`<p class="badge badge-wanted">${t('readings.wanted', { date: formatDay(w.period_end) })}</p>`;
  if (w.is_open) return html`<p class="badge badge-ok">${t('readings.received')}</p>`;
  return html`<p class="hint">${t('readings.windowOpens', { date: formatDay(w.opens) })}</p>`;
}

function MeterRow({ meter }) {
  const last = meter.last_reading;
  return html`<li class="card meter" data-testid=${`meter-${meter.serial}`}>
    <h3 class="meter-kind">${t(`meter.${meter.kind}`)}</h3>
    <p class="meter-serial">${t('meter.serial', { serial: meter.serial })}</p>
    ${last
      ? html`<p class="reading-value">${formatVolume(last.value_litres)}</p>
        <p class="reading-meta">${formatDateTime(last.captured_at)} · ${t(`source.${last.source}`)}</p>`
      : html`<p class="reading reading-none">${t('meter.none')}</p>`}
    <${WindowNote} window=${meter.window} />
    <p class="actions">
      <a class="btn btn-primary" href=${`/odczyty/nowy?licznik=${meter.id}`}
        aria-label=${t('readings.giveFor', { serial: meter.serial })}>${t('readings.give')}</a>
      <a class="btn btn-secondary" href=${`/odczyty/historia?licznik=${meter.id}`}
        aria-label=${t('readings.historyFor', { serial: meter.serial })}>${t('readings.history')}</a>
    </p>
  </li>`;
}

function byAddress(meters) {
  const groups = new Map();
  for (const m of meters) {
    if (!groups.has(m.address)) groups.set(m.address, []);
    groups.get(m.address).push(m);
  }
  return [...groups.entries()];
}

export function ReadingsView() {
  const resource = useCachedData('/api/meters');
  const outbox = useOutbox();
  return html`<${Page} title=${t('readings.title')}>
    <${OutboxPanel} items=${outbox} />
    <${DataView} resource=${resource}>
      ${(data) => (data.meters.length
        ? byAddress(data.meters).map(([address, meters]) => html`<section class="service-point">
            <h2>${address}</h2>
            <ul class="meters">${meters.map((m) => html`<${MeterRow} key=${m.id} meter=${m} />`)}</ul>
          </section>`)
        : html`<p>${t('readings.none')}</p>`)}
    <//>
  <//>`;
}
