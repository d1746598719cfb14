// Konto: Powiadomienia. Per kind of message (reading reminders, notices about the resident's own
// data, outage alerts) the channels it comes by: push, e-mail, SMS. Each box is a consent in the
// register (PUT /api/preferences), with its history under the table. Push needs this device's
// subscription: turning a push box on subscribes the device (the click lets the browser ask).
import '../i18n/account-views.js';
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { request } from '../api.js';
import { useCachedData } from '../resource.js';
import { DataView } from './status.js';
import { formatDateTime } from '../format.js';

async function subscribeDevice() {
  const push = await import('../push.js');
  if (push.pushSupported()) await push.enablePush();
}

function Cell({ customerId, message, cell, onSaved }) {
  const [busy, setBusy] = useState(false);
  const [error, setError] = useState(null);
  const id = `pref-${customerId}-${message}-${cell.channel}`;
  const change = async (event) => {
    const on = event.currentTarget.checked;
    setBusy(true);
    setError(null);
    try {
      if (on && cell.channel === 'push') await subscribeDevice();
      onSaved(await request('PUT', '/api/preferences', { customer_id: customerId, message, channel: cell.channel, on }));
    } catch (err) {
      setError(err.code === 'denied' ? { code: 'push_denied' } : err);
    } finally {
      setBusy(false);
    }
  };
  return html`<div class="field-check">
    <input type="checkbox" id=${id} checked=${cell.on} disabled=${busy} onChange=${change}
      aria-describedby=${error ? `${id}-error` : undefined} data-testid=${`pref-${message}-${cell.channel}`} />
    <label for=${id}>${t(`pref.channel.${cell.channel}`)}</label>
    ${error && html`<p class="field-error" id=${`${id}-error`} role="alert">${errorText(error)}
      ${error.code === 'sms_needs_mobile' && html` <a href="#correspondence">${t('pref.toPhone')}</a>`}</p>`}
  </div>`;
}

function History({ rows }) {
  const events = rows.flatMap((m) => m.channels.flatMap((c) => c.history.map((h) => ({ ...h, message: m.message, channel: c.channel }))))
    .sort((a, b) => (a.at < b.at ? 1 : -1));
  if (!events.length) return null;
  return html`<details>
    <summary>${t('pref.history')}</summary>
    <ul class="plain">${events.map((h) => html`<li>${formatDateTime(h.at)} — ${t(`pref.message.${h.message}`)},
      ${t(`pref.channel.${h.channel}`)}: ${t(`pref.action.${h.action}`)}</li>`)}</ul>
  </details>`;
}

export function PreferencesSection() {
  const resource = useCachedData('/api/preferences');
  const [saved, setSaved] = useState(null);
  return html`<section class="card" aria-labelledby="preferences">
    <h2 id="preferences">${t('pref.title')}</h2>
    <p class="hint">${t('pref.intro')}</p>
    <${DataView} resource=${resource}>${(data) => (saved || data).customers.map((c, _, all) => html`<div key=${c.customer_id}>
      ${all.length > 1 && html`<h3>${t('account.customer', { number: c.number, name: c.name })}</h3>`}
      <div class="preferences">${c.messages.map((m) => html`<fieldset class="choices" data-testid=${`pref-${m.message}`}>
        <legend>${t(`pref.message.${m.message}`)}</legend>
        <p class="hint">${t(`pref.message.${m.message}.about`)}</p>
        ${m.channels.map((cell) => html`<${Cell} key=${cell.channel} customerId=${c.customer_id} message=${m.message}
          cell=${cell} onSaved=${setSaved} />`)}
      </fieldset>`)}</div>
      <${History} rows=${c.messages} />
    </div>`)}<//>
  </section>`;
}
