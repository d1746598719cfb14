// Awarie: public (no login needed). Logged-in residents see the outages at their addresses
// first, then the rest of the town, and can turn alerts on: push on this device (only from the
// button, with the explanation first), the list of their devices, and e-mail alerts.
// /awarie?id=<uuid> shows one outage: where a tapped notification leads.
import '../i18n/outages-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { telHref, formatDate, formatAddress } from '../format.js';
import { api, request } from '../api.js';
import { useApp } from '../context.js';
import { useCachedData } from '../resource.js';
import { queryParam, useLocation } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { OutageCard } from '../components/outages.js';
import { Icon } from '../components/icons.js';
import { pushSupported, permission, currentSubscription, enablePush, disablePush } from '../push.js';

function Emergency() {
  const { config } = useApp();
  const phone = config && config.utility && config.utility.emergency_phone;
  if (!phone) return null;
  return html`<div class="card emergency">
    <p>${t('outages.report')}</p>
    <p><a class="tel tel-emergency tel-big" href=${telHref(phone)}><${Icon} name="phone" />${phone}</a></p>
  </div>`;
}

function OutageLists({ data, me }) {
  const mine = data.outages.filter((o) => o.mine);
  const rest = data.outages.filter((o) => !o.mine);
  const towns = [...new Set(rest.map((o) => o.town))];
  return html`
    ${me && html`<section class=${mine.length ? 'alert-box' : ''} aria-labelledby="outages-mine">
      <h2 id="outages-mine">${t('outages.mine')}</h2>
      ${mine.length
        ? html`<div class="outages">${mine.map((o) => html`<${OutageCard} outage=${o} />`)}</div>`
        : html`<p>${t('outages.noneMine')}</p>`}
    </section>`}
    ${towns.map((town) => html`<section aria-labelledby=${`outages-${town}`}>
      <h2 id=${`outages-${town}`}>${me ? t('outages.town', { town }) : `${t('outages.all')} — ${town}`}</h2>
      <div class="outages">${rest.filter((o) => o.town === town).map((o) => html`<${OutageCard} outage=${o} />`)}</div>
    </section>`)}
    ${!data.outages.length && !me && html`<p class="empty-title">${t('outages.noneAll')}</p>`}`;
}

function OutageDetail({ id }) {
  const resource = useCachedData(`/api/outages/${encodeURIComponent(id)}`);
  return html`<p><a href="/awarie">${t('outages.back')}</a></p>
    ${resource.error && resource.error.code === 'not_found'
      ? html`<p>${t('outages.notFound')}</p>`
      : html`<${DataView} resource=${resource}>${(o) => html`<${OutageCard} outage=${o} level=${2} link=${false} />`}<//>`}`;
}

function PointChoice({ points, chosen, onChange }) {
  if (points.length < 2) return null;
  return html`<fieldset class="field">
    <legend>${t('push.points')}</legend>
    ${points.map((p) => html`<div class="field-check">
      <input type="checkbox" id=${`pp-${p.id}`} checked=${chosen.includes(p.id)}
        onChange=${(e) => onChange(e.currentTarget.checked ? [...chosen, p.id] : chosen.filter((x) => x !== p.id))} />
      <label for=${`pp-${p.id}`}>${formatAddress({ ...p, postcode: '' })}</label>
    </div>`)}
  </fieldset>`;
}

function Devices({ devices, endpoint, onRemove }) {
  return html`<section aria-labelledby="push-devices">
    <h3 id="push-devices">${t('push.devices')}</h3>
    ${devices.length
      ? html`<ul class="plain devices">${devices.map((d) => {
          const name = `${d.push_service}${d.endpoint === endpoint ? ` (${t('push.thisDevice')})` : ''}`;
          return html`<li data-testid="push-device">
            <span>${t('push.device', { service: name, date: formatDate(d.created_at) })} —
              ${d.all_points ? t('push.allAddresses') : t('push.someAddresses', { count: d.service_point_ids.length })}</span>
            ${' '}<button type="button" class="btn btn-secondary" aria-label=${t('push.remove', { name })}
              onClick=${() => onRemove(d)}>${t('push.removeShort')}</button>
          </li>`;
        })}</ul>`
      : html`<p>${t('push.noDevices')}</p>`}
  </section>`;
}

// This browser's subscription, the account's devices, and the actions on them with their outcome.
function usePushSettings(points) {
  const [endpoint, setEndpoint] = useState(undefined); // undefined: not checked yet
  const [devices, setDevices] = useState([]);
  const [chosen, setChosen] = useState(points.map((p) => p.id));
  const [message, setMessage] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);

  const load = async () => {
    const [subscription, list] = await Promise.all([currentSubscription().catch(() => null), api.get('/api/push/subscriptions')]);
    setDevices(list);
    const mine = subscription && list.find((d) => d.endpoint === subscription.endpoint);
    setEndpoint(mine ? subscription.endpoint : null);
    if (mine && !mine.all_points) setChosen(mine.service_point_ids);
  };
  useEffect(() => { load().catch((err) => setError(errorText(err))); }, []);

  const act = (fn, done) => async () => {
    if (busy) return;
    setBusy(true);
    setMessage(null);
    setError(null);
    try {
      await fn();
      await load();
      setMessage(t(done));
    } catch (err) {
      // API errors carry a string code; the browser's DOMExceptions (no push service, aborted) do not
      if (err.code === 'denied') setError(t('push.denied'));
      else if (typeof err.code === 'string') setError(errorText(err));
      else {
        console.warn('push subscription failed:', err.name, err.message);
        setError(t('push.failed'));
      }
    } finally {
      setBusy(false);
    }
  };
  const all = chosen.length === points.length;
  const enable = act(async () => {
    if (!chosen.length) throw Object.assign(new Error('points'), { code: 'service_points_required' });
    await enablePush(all ? null : chosen);
  }, endpoint ? 'push.saved' : 'push.enabled');
  const disable = act(disablePush, 'push.disabled');
  const remove = (d) => act(async () => {
    if (d.endpoint === endpoint) await disablePush();
    else await request('DELETE', `/api/push/subscriptions/${d.id}`);
  }, 'push.removed')();
  return { endpoint, devices, chosen, setChosen, message, error, busy, enable, disable, remove };
}

// This browser: whether it gets alerts, for which addresses, and the buttons to change that.
function ThisDevice({ points, push }) {
  if (!pushSupported()) return html`<p class="banner banner-warn">${t('push.unsupported')}</p>`;
  if (permission() === 'denied') return html`<p class="banner banner-warn">${t('push.denied')}</p>`;
  const { endpoint, chosen, setChosen, busy, enable, disable } = push;
  if (endpoint === undefined) return null;
  return html`<p role="status">${endpoint ? t('push.on') : t('push.off')}</p>
    <${PointChoice} points=${points} chosen=${chosen} onChange=${setChosen} />
    <div class="form-actions">
      <button type="button" class="btn btn-primary" aria-disabled=${busy ? 'true' : 'false'} onClick=${enable}>
        ${endpoint ? t('push.save') : t('push.enable')}</button>
      ${endpoint && html`<button type="button" class="btn btn-secondary" onClick=${disable}>${t('push.disable')}</button>`}
    </div>`;
}

function PushSettings({ points }) {
  const push = usePushSettings(points);
  return html`<section class="card" aria-labelledby="push-title" data-testid="push-settings">
    <h2 id="push-title">${t('push.title')}</h2>
    <p>${t('push.explain')}</p>
    <${ThisDevice} points=${points} push=${push} />
    <div role="status">${push.message && html`<p class="banner banner-ok">${push.message}</p>`}</div>
    <div role="alert">${push.error && html`<p class="banner banner-error">${push.error}</p>`}</div>
    <${Devices} devices=${push.devices} endpoint=${push.endpoint} onRemove=${push.remove} />
  </section>`;
}

function EmailAlerts() {
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api.get('/api/alerts/email').then(setState, (err) => setError(errorText(err))); }, []);
  const toggle = async (e) => {
    const enabled = e.currentTarget.checked;
    setError(null);
    try {
      setState(await request('PUT', '/api/alerts/email', { enabled }));
    } catch (err) {
      setError(errorText(err));
    }
  };
  return html`<section class="card" aria-labelledby="email-alerts-title">
    <h2 id="email-alerts-title">${t('emailAlerts.title')}</h2>
    ${state && html`<div class="field field-check">
      <input type="checkbox" id="email-alerts" checked=${state.enabled} onChange=${toggle}
        aria-describedby="email-alerts-hint" />
      <label for="email-alerts">${t('emailAlerts.label')}</label>
      <p class="hint" id="email-alerts-hint">${t('emailAlerts.hint', { email: state.email })}</p>
    </div>
    <p class="visually-hidden" role="status">${state.enabled ? t('emailAlerts.on') : t('emailAlerts.off')}</p>`}
    <div role="alert">${error && html`<p class="banner banner-error">${error}</p>`}</div>
  </section>`;
}

function AlertSettings() {
  const dashboard = useCachedData('/api/dashboard');
  const points = dashboard.data ? dashboard.data.customers.flatMap((c) => c.service_points) : null;
  return html`${points && html`<${PushSettings} points=${points} />`}<${EmailAlerts} />`;
}

export function OutagesView() {
  const { me } = useApp();
  const loc = useLocation();
  const id = queryParam(loc.search, 'id');
  const resource = useCachedData('/api/outages');
  const resident = me && me.role === 'resident';
  return html`<${Page} title=${t('outages.title')}>
    ${id
      ? html`<${OutageDetail} id=${id} />`
      : html`<p>${t('outages.intro')}</p>
        ${!me && html`<p>${t('outages.loginHint')} <a href="/logowanie?next=%2Fawarie">${t('outages.login')}</a></p>`}
        <${DataView} resource=${resource}>${(data) => html`<${OutageLists} data=${data} me=${me} />`}<//>`}
    <${Emergency} />
    ${resident && !id && html`<${AlertSettings} />`}
    ${!id && html`<p><a href="/api/outages.atom" type="application/atom+xml">${t('outages.feed')}</a></p>`}
  <//>`;
}
