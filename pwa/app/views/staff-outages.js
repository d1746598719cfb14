// Office: outages and notices. Create a draft (kind, texts, times, replacement water, the area as
// streets with house-number ranges and/or single service points), count who it reaches before
// sending, publish (alerts go out), change (a follow-up replaces the alert) and close.
// Not kept in IndexedDB: it is office data, fetched fresh.
import '../i18n/outages-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the list's column headers (wide screens)
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api, request } from '../api.js';
import { formatDateTime } from '../format.js';
import { Page } from '../components/page.js';
import { kindLabel } from '../components/outages.js';
import { useWide } from '../components/wide.js';
import { useForm, Field, Checkbox, Select, FormAlert, Submit, Success } from '../components/form.js';

const KINDS = ['failure', 'planned', 'quality'];
const PARITIES = ['all', 'odd', 'even'];

// <input type="datetime-local"> holds local time without a zone; the API wants ISO with one.
function toLocalInput(iso) {
  if (!iso) return '';
  const d = new Date(iso);
  const pad = (n) => String(n).padStart(2, '0');
  return `${d.getFullYear()}-${pad(d.getMonth() + 1)}-${pad(d.getDate())}T${pad(d.getHours())}:${pad(d.getMinutes())}`;
}

function fromLocalInput(value) {
  return value ? new Date(value).toISOString() : null;
}

function emptyValues() {
  return { kind: 'failure', title: '', description: '', starts_at: toLocalInput(new Date().toISOString()), expected_end: '',
    water_point: '', town: '', notify: true };
}

function valuesOf(o) {
  return { kind: o.kind, title: o.title, description: o.description, starts_at: toLocalInput(o.starts_at),
    expected_end: toLocalInput(o.expected_end), water_point: o.water_point, town: o.town, notify: true };
}

function StreetRows({ rows, setRows, streets }) {
  const update = (i, patch) => setRows(rows.map((r, j) => (j === i ? { ...r, ...patch } : r)));
  return html`<fieldset class="field">
    <legend>${t('staffOut.area')}</legend>
    ${rows.map((r, i) => html`<fieldset class="card street-rule" data-testid="street-rule">
      <legend>${t('staffOut.streetN', { n: i + 1 })}</legend>
      <div class="field"><label for=${`st-${i}`}>${t('staffOut.street')}</label>
        <select id=${`st-${i}`} value=${r.street} onChange=${(e) => update(i, { street: e.currentTarget.value })}>
          <option value="">—</option>
          ${streets.map((s) => html`<option value=${s.street}>${s.street} (${s.points})</option>`)}
        </select></div>
      <div class="field"><label for=${`from-${i}`}>${t('staffOut.from')}</label>
        <input id=${`from-${i}`} type="number" min="1" inputmode="numeric" value=${r.from_number}
          onInput=${(e) => update(i, { from_number: e.currentTarget.value })} /></div>
      <div class="field"><label for=${`to-${i}`}>${t('staffOut.to')}</label>
        <input id=${`to-${i}`} type="number" min="1" inputmode="numeric" value=${r.to_number}
          onInput=${(e) => update(i, { to_number: e.currentTarget.value })} /></div>
      <div class="field"><label for=${`par-${i}`}>${t('staffOut.parity')}</label>
        <select id=${`par-${i}`} value=${r.parity} onChange=${(e) => update(i, { parity: e.currentTarget.value })}>
          ${PARITIES.map((p) => html`<option value=${p}>${t(`staffOut.parity.${p}`)}</option>`)}
        </select></div>
      <button type="button" class="btn btn-secondary" onClick=${() => setRows(rows.filter((_, j) => j !== i))}>
        ${t('staffOut.removeStreet', { n: i + 1 })}</button>
    </fieldset>`)}
    <button type="button" class="btn btn-secondary" onClick=${() => setRows([...rows, { street: '', from_number: '', to_number: '', parity: 'all' }])}>
      ${t('staffOut.addStreet')}</button>
  </fieldset>`;
}

// Single addresses outside the street rules, chosen by street and house (the office knows
// addresses, not the registry's ids); each chosen one is listed with a button to take it out.
function SinglePoints({ town, streets, chosen, setChosen }) {
  const [street, setStreet] = useState('');
  const [points, setPoints] = useState([]);
  const [pick, setPick] = useState('');
  useEffect(() => {
    setPoints([]);
    setPick('');
    if (town && street) {
      api.get(`/api/staff/outages/points?town=${encodeURIComponent(town)}&street=${encodeURIComponent(street)}`)
        .then(setPoints, () => setPoints([]));
    }
  }, [town, street]);
  const add = () => {
    const p = points.find((x) => x.id === pick);
    if (p && !chosen.some((c) => c.id === p.id)) setChosen([...chosen, p]);
  };
  return html`<fieldset class="field" data-testid="single-points">
    <legend>${t('staffOut.points')}</legend>
    <p class="hint">${t('staffOut.pointsHint')}</p>
    <div class="field"><label for="sp-street">${t('staffOut.pointStreet')}</label>
      <select id="sp-street" value=${street} onChange=${(e) => setStreet(e.currentTarget.value)}>
        <option value="">—</option>
        ${streets.map((s) => html`<option value=${s.street}>${s.street}</option>`)}
      </select></div>
    <div class="field"><label for="sp-point">${t('staffOut.pointAddress')}</label>
      <select id="sp-point" value=${pick} onChange=${(e) => setPick(e.currentTarget.value)} disabled=${!points.length}>
        <option value="">—</option>
        ${points.map((p) => html`<option value=${p.id}>${p.address} (${t('staffOut.pointCustomer', { number: p.customer_number })})</option>`)}
      </select></div>
    <button type="button" class="btn btn-secondary" onClick=${add} disabled=${!pick}>${t('staffOut.pointAdd')}</button>
    ${chosen.length > 0 && html`<ul class="plain" data-testid="chosen-points">${chosen.map((c) => html`<li>${c.address}
      <button type="button" class="btn btn-secondary" onClick=${() => setChosen(chosen.filter((x) => x.id !== c.id))}>
        ${t('staffOut.pointRemove', { address: c.address })}</button></li>`)}</ul>`}
  </fieldset>`;
}

function rulesOf(o) {
  return o ? o.streets.map((s) => ({ street: s.street, from_number: s.from_number || '', to_number: s.to_number || '',
    parity: s.parity })) : [{ street: '', from_number: '', to_number: '', parity: 'all' }];
}

// The area: the town, its streets with their house-number ranges, single service points, and how
// many points, customers, devices and e-mail addresses that reaches.
function AreaFields({ form, towns, rows, setRows, chosen, setChosen, area }) {
  const [streets, setStreets] = useState([]);
  const [preview, setPreview] = useState(null);
  const town = form.values.town;
  useEffect(() => {
    if (town) api.get(`/api/staff/outages/streets?town=${encodeURIComponent(town)}`).then(setStreets, () => setStreets([]));
  }, [town]);
  const count = async () => {
    setPreview(null);
    try {
      const p = await api.post('/api/staff/outages/preview', area(form.values));
      setPreview(t('staffOut.previewResult', { points: p.service_points, customers: p.customers, devices: p.devices,
        emails: p.email_recipients }));
    } catch (err) {
      form.fail(err);
    }
  };
  return html`<${Select} form=${form} name="town" label=${t('staffOut.town')} options=${towns.map((x) => [x, x])} />
    <${StreetRows} rows=${rows} setRows=${setRows} streets=${streets} />
    <${SinglePoints} town=${town} streets=${streets} chosen=${chosen} setChosen=${setChosen} />
    <div class="form-actions">
      <button type="button" class="btn btn-secondary" onClick=${count}>${t('staffOut.preview')}</button>
    </div>
    <p role="status" data-testid="area-preview">${preview}</p>`;
}

function OutageForm({ outage, towns, onSaved, onCancel }) {
  const form = useForm(outage ? valuesOf(outage) : { ...emptyValues(), town: towns[0] || '' },
    { required: ['title', 'starts_at', 'town'] });
  const [rows, setRows] = useState(rulesOf(outage));
  const [chosen, setChosen] = useState([]);
  useEffect(() => { // an outage being edited: its single points by address
    const ids = outage ? outage.service_point_ids : [];
    if (ids.length) {
      api.get(`/api/staff/outages/points?${ids.map((i) => `ids=${encodeURIComponent(i)}`).join('&')}`).then(setChosen, () => {});
    }
  }, [outage && outage.id]);

  const area = (v) => ({
    town: v.town.trim(),
    streets: rows.filter((r) => r.street).map((r) => ({ street: r.street, parity: r.parity,
      from_number: r.from_number ? Number(r.from_number) : null, to_number: r.to_number ? Number(r.to_number) : null })),
    service_point_ids: chosen.map((c) => c.id),
  });
  const submit = form.onSubmit(async (v) => {
    const body = { kind: v.kind, title: v.title.trim(), description: v.description.trim(),
      starts_at: fromLocalInput(v.starts_at), expected_end: fromLocalInput(v.expected_end),
      water_point: v.water_point.trim(), area: area(v) };
    const saved = outage
      ? await request('PUT', `/api/staff/outages/${outage.id}`, { ...body, notify: v.notify })
      : await api.post('/api/staff/outages', body);
    onSaved(saved, 'staffOut.saved');
  });
  const titleId = `${form.id}-heading`; // not -title: that is the title field's id
  return html`<form class="form card" onSubmit=${submit} novalidate aria-labelledby=${titleId}>
    <h2 id=${titleId}>${outage ? t('staffOut.edit', { title: outage.title }) : t('staffOut.new')}</h2>
    <${FormAlert} form=${form} />
    <${Select} form=${form} name="kind" label=${t('staffOut.kind')} options=${KINDS.map((k) => [k, kindLabel(k)])} />
    <${Field} form=${form} name="title" label=${t('staffOut.titleField')} maxlength="120" />
    <div class="field"><label for=${`${form.id}-description`}>${t('staffOut.description')}</label>
      <textarea id=${`${form.id}-description`} rows="3" maxlength="4000" value=${form.values.description}
        onInput=${(e) => form.set('description', e.currentTarget.value)}></textarea></div>
    <${Field} form=${form} name="starts_at" type="datetime-local" label=${t('staffOut.start')} />
    <${Field} form=${form} name="expected_end" type="datetime-local" label=${t('staffOut.end')} hint=${t('staffOut.endHint')} />
    <${Field} form=${form} name="water_point" label=${t('staffOut.waterPoint')} maxlength="300" />
    <${AreaFields} form=${form} towns=${towns} rows=${rows} setRows=${setRows} chosen=${chosen} setChosen=${setChosen}
      area=${area} />
    ${outage && outage.status === 'published' && html`<${Checkbox} form=${form} name="notify" label=${t('staffOut.notify')} />`}
    <div class="form-actions">
      <${Submit} form=${form}>${outage ? t('staffOut.saveChange') : t('staffOut.save')}<//>
      <button type="button" class="btn btn-secondary" onClick=${onCancel}>${t('staffOut.cancel')}</button>
    </div>
  </form>`;
}

// What the next alert sends by SMS (residents with the SMS consent and a mobile number whose
// devices get no push), counted as the gateway counts parts, and the month's use against the limit.
function SmsCount({ outage: o, onCount }) {
  const [sms, setSms] = useState(null);
  useEffect(() => {
    let live = true;
    api.get(`/api/staff/outages/${o.id}/sms`).then((v) => { if (live) { setSms(v); onCount(v); } }).catch(() => {});
    return () => { live = false; };
  }, [o.id, o.version, o.status]);
  if (!sms) return null;
  return html`<div data-testid="sms-count">
    <p>${t('staffOut.sms', { count: sms.recipients, parts: sms.parts, each: sms.parts_each,
      encoding: t(`staffOut.sms.${sms.encoding}`), characters: sms.characters })}</p>
    <p class="hint">${sms.month_limit ? t('staffOut.smsMonth', { month: sms.month, sent: sms.month_parts_sent, limit: sms.month_limit })
      : t('staffOut.smsMonthNoLimit', { month: sms.month, sent: sms.month_parts_sent })}</p>
    ${(sms.over_limit || sms.month_held > 0) && html`<p class="banner banner-error" data-testid="sms-limit">
      ${t('staffOut.smsLimit', { held: sms.month_held })}</p>`}
  </div>`;
}

function OutageRow({ outage: o, wide, onEdit, onChanged }) {
  const [error, setError] = useState(null);
  const [sms, setSms] = useState(null);
  const d = o.deliveries;
  const waiting = (d.pending || 0) + (d.retry || 0) + (d.sending || 0);
  const action = (path, confirmKey, doneKey) => async () => {
    const smsNote = sms && sms.recipients && path === 'publish' ? ` ${t('staffOut.smsConfirm', { count: sms.recipients, parts: sms.parts })}` : '';
    if (!window.confirm(t(confirmKey) + smsNote)) return;
    setError(null);
    try {
      onChanged(await api.post(`/api/staff/outages/${o.id}/${path}`), doneKey);
    } catch (err) {
      setError(errorText(err));
    }
  };
  const titleId = `so-${o.id}`;
  const area = `${o.area_summary}${o.service_point_count ? ` + ${t('outages.points', { count: o.service_point_count })}` : ''} (${o.town})`;
  const when = `${formatDateTime(o.starts_at)} – ${o.expected_end ? formatDateTime(o.expected_end) : '…'}`;
  const deliveries = o.status !== 'draft' && html`<p data-testid="deliveries">${t('staffOut.deliveries', { sent: d.sent || 0, waiting,
    failed: (d.failed || 0) + (d.gone || 0), emails: o.emails })}</p>`;
  const alert = html`<div role="alert">${error && html`<p class="banner banner-error">${error}</p>`}</div>`;
  const actions = o.status !== 'closed' && html`<div class="form-actions">
      <button type="button" class="btn btn-secondary" aria-describedby=${titleId} onClick=${() => onEdit(o)}>${t('staffOut.change')}</button>
      ${o.status === 'draft' && html`<button type="button" class="btn btn-primary" aria-describedby=${titleId}
        onClick=${action('publish', 'staffOut.publishConfirm', 'staffOut.published')}>${t('staffOut.publish')}</button>`}
      <button type="button" class="btn btn-secondary" aria-describedby=${titleId}
        onClick=${action('close', 'staffOut.closeConfirm', 'staffOut.closed')}>${t('staffOut.close')}</button>
    </div>`;
  const smsCount = o.status !== 'closed' && html`<${SmsCount} outage=${o} onCount=${setSms} />`;
  if (wide) {
    return html`<tr data-testid="staff-outage">
      <td>${kindLabel(o.kind)} · ${t(`staffOut.status.${o.status}`)}</td>
      <th scope="row" id=${titleId}>${o.title}</th>
      <td>${area}</td><td>${when}</td>
      <td class="notes-cell">${deliveries}${smsCount}</td>
      <td>${alert}${actions}</td>
    </tr>`;
  }
  return html`<li class="card outage" data-testid="staff-outage">
    <p class="outage-kind">${kindLabel(o.kind)} · ${t(`staffOut.status.${o.status}`)}</p>
    <h3 id=${titleId}>${o.title}</h3>
    <p>${area}</p>
    <p>${when}</p>
    ${deliveries}
    ${smsCount}
    ${alert}
    ${actions}
  </li>`;
}

// The office's outages: cards on a phone, from 1024 px one table (a row per outage, its title the
// row's header, the actions in the last column).
function OutageList({ list, onEdit, onChanged }) {
  const wide = useWide();
  const rows = list.map((o) => html`<${OutageRow} key=${o.id} outage=${o} wide=${wide} onEdit=${onEdit} onChanged=${onChanged} />`);
  if (!wide) return html`<ul class="outages">${rows}</ul>`;
  return html`<table class="table data-table outage-table" data-testid="staff-outages">
    <caption class="visually-hidden">${t('staffOut.list')}</caption>
    <thead><tr><th scope="col">${t('col.kind')}</th><th scope="col">${t('col.title')}</th><th scope="col">${t('col.area')}</th>
      <th scope="col">${t('col.when')}</th><th scope="col">${t('col.deliveries')}</th><th scope="col">${t('col.actions')}</th></tr></thead>
    <tbody>${rows}</tbody>
  </table>`;
}

export function StaffOutagesView() {
  const [list, setList] = useState(null);
  const [towns, setTowns] = useState([]);
  const [editing, setEditing] = useState(null); // null, 'new' or an outage
  const [done, setDone] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get('/api/staff/outages').then(setList, (err) => setError(errorText(err)));
  useEffect(() => {
    load();
    api.get('/api/staff/outages/towns').then(setTowns, () => {});
  }, []);
  const changed = (_, key) => {
    setEditing(null);
    setDone(t(key));
    load();
  };
  return html`<${Page} title=${t('staffOut.title')}>
    <div class="stack">
      <div role="status">${done && html`<${Success}>${done}<//>`}</div>
      ${error && html`<p class="banner banner-error" role="alert">${error}</p>`}
      ${editing
        ? html`<${OutageForm} key=${editing === 'new' ? 'new' : editing.id} outage=${editing === 'new' ? null : editing}
            towns=${towns} onSaved=${changed} onCancel=${() => setEditing(null)} />`
        : html`<div class="form-actions"><button type="button" class="btn btn-primary"
            onClick=${() => { setDone(null); setEditing('new'); }}>${t('staffOut.new')}</button></div>`}
      <section aria-labelledby="staff-outages-list">
        <h2 id="staff-outages-list">${t('staffOut.list')}</h2>
        ${list && (list.length
          ? html`<${OutageList} list=${list} onEdit=${(x) => { setDone(null); setEditing(x); }} onChanged=${changed} />`
          : html`<p>${t('staffOut.none')}</p>`)}
      </section>
    </div>
  <//>`;
}
