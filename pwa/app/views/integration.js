// The office's integration screen (/biuro/integracja): a month's readings to download for the
// billing system (CSV, XLSX, JSON, by status), the webhook endpoints (the signing secret shown once,
// when one is added), and the delivery log with each event's last answer and "Wyślij ponownie".
import '../i18n/integration-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { formatDateTime, todayInWarsaw } from '../format.js';

const EVENTS = ['reading.received', 'reading.status_changed', 'customer.contact_changed', 'consent.changed',
  'payment.received'];
const STATUSES = ['', 'accepted', 'flagged', 'rejected', 'confirmed', 'corrected'];

function lastMonth() {
  const [y, m] = todayInWarsaw().split('-').map(Number);
  const d = m === 1 ? [y - 1, 12] : [y, m - 1];
  return `${d[0]}-${String(d[1]).padStart(2, '0')}`;
}

function Download() {
  const [period, setPeriod] = useState(lastMonth());
  const [format, setFormat] = useState('csv');
  const [status, setStatus] = useState('');
  const query = new URLSearchParams({ period, format, ...(status ? { status } : {}) });
  return html`<section class="card" aria-labelledby="export-title">
    <h2 id="export-title">${t('integ.export')}</h2>
    <p class="hint">${t('integ.exportIntro')}</p>
    <div class="form form-row">
      <div class="field"><label for="export-period">${t('integ.period')}</label>
        <input id="export-period" type="month" value=${period} onInput=${(e) => setPeriod(e.currentTarget.value)} /></div>
      <div class="field"><label for="export-format">${t('integ.format')}</label>
        <select id="export-format" value=${format} onChange=${(e) => setFormat(e.currentTarget.value)}>
          <option value="csv">CSV</option><option value="xlsx">XLSX (Excel)</option><option value="json">JSON</option>
        </select></div>
      <div class="field"><label for="export-status">${t('integ.status')}</label>
        <select id="export-status" value=${status} onChange=${(e) => setStatus(e.currentTarget.value)}>
          ${STATUSES.map((s) => html`<option value=${s}>${s ? t(`integ.status.${s}`) : t('integ.statusAll')}</option>`)}
        </select></div>
    </div>
    <p><a class="btn btn-primary" href=${`/api/staff/readings-export/?${query}`} download>${t('integ.download')}</a></p>
  </section>`;
}

function NewEndpoint({ onCreated }) {
  const [url, setUrl] = useState('');
  const [description, setDescription] = useState('');
  const [events, setEvents] = useState(new Set(EVENTS));
  const [error, setError] = useState(null);
  const toggle = (e) => setEvents((s) => {
    const next = new Set(s);
    if (next.has(e)) next.delete(e); else next.add(e);
    return next;
  });
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      const created = await api.post('/api/staff/webhooks/', { url: url.trim(), description, events: EVENTS.filter((e) => events.has(e)) });
      setUrl('');
      setDescription('');
      onCreated(created);
    } catch (err) {
      setError(err);
      document.getElementById(err.field === 'events' ? 'wh-event-0' : 'wh-url')?.focus();
    }
  };
  const urlError = error && error.field !== 'events';
  return html`<form class="form" onSubmit=${submit} novalidate aria-labelledby="wh-new">
    <h3 id="wh-new">${t('integ.add')}</h3>
    <div class="field"><label for="wh-url">${t('integ.url')}</label>
      <p class="hint" id="wh-url-hint">${t('integ.urlHint')}</p>
      <input id="wh-url" type="url" inputmode="url" autocomplete="off" value=${url} required
        aria-invalid=${urlError ? 'true' : 'false'} aria-describedby=${urlError ? 'wh-url-hint wh-error' : 'wh-url-hint'}
        onInput=${(e) => setUrl(e.currentTarget.value)} placeholder="https://" /></div>
    <div class="field"><label for="wh-desc">${t('integ.description')}</label>
      <input id="wh-desc" value=${description} maxlength="200" onInput=${(e) => setDescription(e.currentTarget.value)} /></div>
    <fieldset class="choices"><legend>${t('integ.events')}</legend>
      ${EVENTS.map((e, i) => html`<div class="field-check">
        <input type="checkbox" id=${`wh-event-${i}`} checked=${events.has(e)} onChange=${() => toggle(e)} />
        <label for=${`wh-event-${i}`}>${t(`integ.event.${e}`)} <code>${e}</code></label>
      </div>`)}
    </fieldset>
    ${error && html`<p class="field-error" id="wh-error" role="alert">${errorText(error)}</p>`}
    <div class="form-actions"><button type="submit" class="btn btn-primary">${t('integ.add')}</button></div>
  </form>`;
}

function Secret({ secret, onDone }) {
  return html`<div class="banner banner-ok" role="status" data-testid="webhook-secret">
    <h3>${t('integ.secretTitle')}</h3>
    <p>${t('integ.secretOnce')}</p>
    <p><code class="secret">${secret}</code></p>
    <button type="button" class="btn btn-secondary" onClick=${onDone}>${t('integ.secretDone')}</button>
  </div>`;
}

function Endpoints({ endpoints, onChange }) {
  const [secret, setSecret] = useState(null);
  const remove = async (e) => {
    if (!window.confirm(t('integ.removeConfirm', { url: e.url }))) return;
    await api.del(`/api/staff/webhooks/${e.id}`);
    onChange();
  };
  return html`<section class="card" aria-labelledby="wh-title">
    <h2 id="wh-title">${t('integ.webhooks')}</h2>
    <p class="hint">${t('integ.webhooksIntro')}</p>
    ${secret && html`<${Secret} secret=${secret} onDone=${() => setSecret(null)} />`}
    ${endpoints.length ? html`<ul class="cards">${endpoints.map((e) => html`<li class="card" key=${e.id} data-testid="webhook">
      <p><strong class="break">${e.url}</strong>${e.description && html` — ${e.description}`}</p>
      <p class="hint">${e.events.map((x) => t(`integ.event.${x}`)).join(', ')} · ${formatDateTime(e.created_at)}</p>
      <button type="button" class="btn btn-secondary" onClick=${() => remove(e)} aria-label=${`${t('integ.remove')}: ${e.url}`}>${t('integ.remove')}</button>
    </li>`)}</ul>` : html`<p>${t('integ.none')}</p>`}
    <${NewEndpoint} onCreated=${(created) => { setSecret(created.secret); onChange(); }} />
  </section>`;
}

function Deliveries({ rows, onChange }) {
  const [notice, setNotice] = useState('');
  const resend = async (d) => {
    await api.post(`/api/staff/webhooks/deliveries/${d.id}/resend`);
    setNotice(t('integ.resent'));
    onChange();
  };
  return html`<section class="card" aria-labelledby="dl-title">
    <h2 id="dl-title">${t('integ.deliveries')}</h2>
    <p><button type="button" class="btn btn-secondary" onClick=${() => { setNotice(''); onChange(); }}>${t('integ.refresh')}</button></p>
    <p role="status" class="hint">${notice}</p>
    ${rows.length ? html`<ul class="cards deliveries">${rows.map((d) => html`<li class="card" key=${d.id} data-testid="delivery">
      <p><strong>${t(`integ.event.${d.type}`)}</strong> <code>${d.type}</code>
        · <span class=${`badge badge-${d.status}`}>${t(`integ.delivery.${d.status}`)}</span></p>
      <p class="hint break">${d.url} · ${formatDateTime(d.created_at)} · ${t('integ.attempts', { count: d.attempts })}</p>
      <p class="hint">${t('integ.eventId')}: <code class="break">${d.event_id}</code></p>
      <p>${t('integ.answer')}: ${d.response_status ? html`<strong>HTTP ${d.response_status}</strong>` : t('integ.noAnswer')}
        ${d.last_attempt_at && html` · ${formatDateTime(d.last_attempt_at)}`}</p>
      ${d.response_body && html`<pre class="answer">${d.response_body}</pre>`}
      ${d.next_attempt_at && html`<p class="hint">${t('integ.nextAttempt', { time: formatDateTime(d.next_attempt_at) })}</p>`}
      <button type="button" class="btn btn-secondary" onClick=${() => resend(d)}
        aria-label=${`${t('integ.resend')}: ${t(`integ.event.${d.type}`)}, ${d.event_id}`}>${t('integ.resend')}</button>
    </li>`)}</ul>` : html`<p>${t('integ.deliveriesNone')}</p>`}
  </section>`;
}

export function IntegrationStaffView() {
  const [endpoints, setEndpoints] = useState(null);
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const load = () => Promise.all([api.get('/api/staff/webhooks/'), api.get('/api/staff/webhooks/deliveries')])
    .then(([e, d]) => { setEndpoints(e); setRows(d); }, setError);
  useEffect(() => { load(); }, []);
  return html`<${Page} title=${t('integ.title')}>
    <p><a href="/biuro">${t('integ.back')}</a></p>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    <div class="stack integration">
      <${Download} />
      ${endpoints ? html`<${Endpoints} endpoints=${endpoints} onChange=${load} />
        <${Deliveries} rows=${rows} onChange=${load} />` : html`<p class="loading" role="status">${t('app.loading')}</p>`}
    </div>
  <//>`;
}
