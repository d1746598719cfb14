// The office's billing screen: the price list (tariffs), run the billing of a period, import a bank
// statement, and match the payments nobody's individual account explained. Not cached offline: other people's data.
import '../i18n/billing-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { formatDateTime, formatDay, formatMoney } from '../format.js';
import { Page } from '../components/page.js';
import { useForm, Field, FormAlert, Select, Submit, Success } from '../components/form.js';

function lastMonth() {
  const d = new Date();
  d.setDate(1);
  d.setMonth(d.getMonth() - 1);
  return `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}`;
}

function BillingRun() {
  const [runs, setRuns] = useState([]);
  const [done, setDone] = useState(null);
  const load = () => api.get('/api/staff/billing/runs').then(setRuns, () => {});
  useEffect(() => { load(); }, []);
  const form = useForm({ period: lastMonth() }, { required: ['period'] });
  const submit = form.onSubmit(async (v) => {
    setDone(null);
    setDone(await api.post('/api/staff/billing/runs', { period: v.period.trim() }));
    load();
  });
  return html`<section class="card" aria-labelledby="run-title">
    <h2 id="run-title">${t('billing.run')}</h2>
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="period" label=${t('billing.period')} hint=${t('billing.periodHint')} inputmode="numeric" />
      <div class="form-actions"><${Submit} form=${form}>${t('billing.runButton')}<//></div>
    </form>
    ${done && html`<${Success}>${t('billing.runDone', done)}<//>`}
    ${runs.length > 0 && html`<h3>${t('billing.runs')}</h3>
      <ul class="plain">${runs.map((r) => html`<li>${t('billing.runRow', { ...r, date: formatDateTime(r.created_at) })}</li>`)}</ul>`}
  </section>`;
}

function nextDay(isoDate) {
  const d = new Date(`${isoDate}T00:00:00Z`);
  d.setUTCDate(d.getUTCDate() + 1);
  return d.toISOString().slice(0, 10);
}

const PRICE_FIELDS = ['water', 'sewage', 'fee'];

function TariffForm({ billedUntil, onAdded }) {
  const start = billedUntil ? nextDay(billedUntil) : '';
  const form = useForm({ name: '', valid_from: start, water: '', sewage: '', fee: '', vat_pct: '8' }, {
    required: ['name', 'valid_from', ...PRICE_FIELDS],
    // the same rule as the server: zł with at most two decimals, comma or point
    validate: (v) => Object.fromEntries(PRICE_FIELDS.filter((f) => v[f].trim() && !/^\d{1,4}([.,]\d{1,2})?$/.test(v[f].trim().replace(/\s|zł/g, '')))
      .map((f) => [f, 'price_invalid'])),
  });
  const submit = form.onSubmit(async (v) => {
    const created = await api.post('/api/staff/billing/tariffs', { ...v, vat_pct: Number(v.vat_pct) }).catch((err) => {
      // the first day a new tariff may take, as people read dates
      throw err && err.params && err.params.date ? { ...err, params: { date: formatDay(err.params.date) } } : err;
    });
    form.reset({ name: '', valid_from: '', water: '', sewage: '', fee: '', vat_pct: '8' });
    onAdded(created);
  });
  return html`<form class="form" onSubmit=${submit} novalidate aria-labelledby="tariff-new">
    <h3 id="tariff-new">${t('tariff.new')}</h3>
    <${FormAlert} form=${form} />
    <${Field} form=${form} name="name" label=${t('tariff.name')} autocomplete="off" />
    <${Field} form=${form} name="valid_from" type="date" label=${t('tariff.validFrom')}
      hint=${billedUntil ? t('tariff.validFromHint', { date: formatDay(billedUntil) }) : null} min=${start || undefined} />
    <${Field} form=${form} name="water" label=${t('tariff.water')} inputmode="decimal" autocomplete="off" />
    <${Field} form=${form} name="sewage" label=${t('tariff.sewage')} inputmode="decimal" autocomplete="off" />
    <${Field} form=${form} name="fee" label=${t('tariff.fee')} inputmode="decimal" autocomplete="off" />
    <${Select} form=${form} name="vat_pct" label=${t('tariff.vat')}
      options=${[['8', '8%'], ['5', '5%'], ['23', '23%'], ['0', '0%']]} />
    <div class="form-actions"><${Submit} form=${form}>${t('tariff.add')}<//></div>
  </form>`;
}

function Tariffs() {
  const [data, setData] = useState(null);
  const [added, setAdded] = useState(null);
  const [removed, setRemoved] = useState(null);
  const [removeError, setRemoveError] = useState(null);
  const load = () => api.get('/api/staff/billing/tariffs').then(setData, () => setData({ tariffs: [], billed_until: null }));
  useEffect(() => { load(); }, []);
  // only the latest tariff, and only while no invoice reaches its first day, can be taken back
  const removable = (x, i) => i === 0 && (!data.billed_until || x.valid_from > data.billed_until);
  const remove = async (x) => {
    if (!window.confirm(t('tariff.removeConfirm', { name: x.name }))) return;
    setAdded(null);
    setRemoveError(null);
    try {
      await api.del(`/api/staff/billing/tariffs/${x.id}`);
      setRemoved(x);
    } catch (err) {
      setRemoveError(err);
    }
    load();
  };
  const range = (x) => (x.valid_to ? t('tariff.range', { from: formatDay(x.valid_from), to: formatDay(x.valid_to) })
    : t('tariff.from', { from: formatDay(x.valid_from) }));
  return html`<section class="card" aria-labelledby="tariffs-title">
    <h2 id="tariffs-title">${t('tariff.title')}</h2>
    <p class="hint">${t('tariff.intro')}</p>
    ${added && html`<${Success}>${t('tariff.added', { name: added.name, from: formatDay(added.valid_from) })}<//>`}
    ${removed && !added && html`<${Success}>${t('tariff.removed', { name: removed.name })}<//>`}
    ${removeError && html`<div class="banner banner-error" role="alert"><p>${errorText(removeError)}</p></div>`}
    ${data && (data.tariffs.length
      ? html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="tariffs-title">
        <table class="table" data-testid="tariffs">
          <caption class="visually-hidden">${t('tariff.title')}</caption>
          <thead><tr><th scope="col">${t('tariff.name')}</th><th scope="col">${t('tariff.valid')}</th>
            <th scope="col">${t('tariff.waterShort')}</th><th scope="col">${t('tariff.sewageShort')}</th>
            <th scope="col">${t('tariff.feeShort')}</th><th scope="col">${t('tariff.vatShort')}</th>
            <th scope="col"><span class="visually-hidden">${t('tariff.actions')}</span></th></tr></thead>
          <tbody>${data.tariffs.map((x, i) => html`<tr>
            <th scope="row">${x.name}</th><td>${range(x)}</td><td>${formatMoney(x.water_grosze_per_m3)}</td>
            <td>${formatMoney(x.sewage_grosze_per_m3)}</td><td>${formatMoney(x.fee_grosze_per_meter_month)}</td>
            <td>${x.vat_pct}%</td>
            <td>${removable(x, i) && html`<button type="button" class="btn btn-secondary" onClick=${() => remove(x)}
              aria-label=${t('tariff.remove', { name: x.name })}>${t('tariff.removeShort')}</button>`}</td></tr>`)}</tbody>
        </table></div>`
      : html`<p>${t('tariff.none')}</p>`)}
    ${data && html`<${TariffForm} key=${data.billed_until || '-'} billedUntil=${data.billed_until}
      onAdded=${(created) => { setAdded(created); setRemoved(null); load(); }} />`}
  </section>`;
}

function StatementImport({ onImported }) {
  const [file, setFile] = useState(null);
  const [result, setResult] = useState(null);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (ev) => {
    ev.preventDefault();
    if (!file) return setError({ code: 'field_required' });
    setBusy(true);
    setError(null);
    setResult(null);
    try {
      const body = new FormData();
      body.append('file', file);
      setResult(await api.upload('/api/staff/billing/statements', body));
      onImported();
    } catch (err) {
      setError(err);
    } finally {
      setBusy(false);
    }
  };
  return html`<section class="card" aria-labelledby="stmt-title">
    <h2 id="stmt-title">${t('billing.statement')}</h2>
    <form class="form" onSubmit=${submit} novalidate>
      ${error && html`<div class="banner banner-error" role="alert"><p>${errorText(error)}</p></div>`}
      <div class="field">
        <label for="statement-file">${t('billing.file')}</label>
        <p class="hint" id="statement-hint">${t('billing.fileHint')}</p>
        <input id="statement-file" type="file" accept=".csv,.txt,.sta,.mt940,.940" aria-describedby="statement-hint"
          onChange=${(e) => setFile(e.target.files[0] || null)} />
      </div>
      <div class="form-actions"><button type="submit" class="btn btn-primary" disabled=${busy}>${t('billing.import')}</button></div>
    </form>
    ${result && html`<${Success}>${result.already_imported ? t('billing.already') : t('billing.imported', result)}<//>`}
  </section>`;
}

function AssignForm({ payment, onAssigned }) {
  const form = useForm({ customer_number: '' }, { required: ['customer_number'] });
  const submit = form.onSubmit(async (v) => {
    await api.post(`/api/staff/billing/unmatched/${payment.id}/assign`, { customer_number: v.customer_number.trim() });
    onAssigned();
  });
  return html`<form class="form subform" onSubmit=${submit} novalidate>
    <${FormAlert} form=${form} />
    <${Field} form=${form} name="customer_number" inputmode="numeric" autocomplete="off"
      label=${t('billing.customerNumber', { amount: formatMoney(payment.amount_grosze), payer: payment.payer || '—' })} />
    <div class="form-actions"><${Submit} form=${form}>${t('billing.assign')}<//></div>
  </form>`;
}

function Unmatched({ version }) {
  const [rows, setRows] = useState(null);
  const [assigned, setAssigned] = useState(false);
  const load = () => api.get('/api/staff/billing/unmatched').then(setRows, () => setRows([]));
  useEffect(() => { load(); }, [version]);
  return html`<section class="card" aria-labelledby="unmatched-title">
    <h2 id="unmatched-title">${t('billing.unmatched')}</h2>
    ${assigned && html`<${Success}>${t('billing.assigned')}<//>`}
    ${rows && !rows.length && html`<p>${t('billing.unmatchedNone')}</p>`}
    <ul class="cards">${(rows || []).map((p) => html`<li class="card" data-testid="unmatched">
      <p><strong>${formatMoney(p.amount_grosze)}</strong> · ${formatDay(p.booked_on)} · ${p.payer}</p>
      <p class="note">${p.title}${p.account ? ` · ${p.account}` : ''}</p>
      <${AssignForm} payment=${p} onAssigned=${() => { setAssigned(true); load(); }} />
    </li>`)}</ul>
  </section>`;
}

function ExternalBilling() {
  return html`<section class="card" aria-labelledby="external-title" data-testid="billing-external">
    <h2 id="external-title">${t('billing.externalTitle')}</h2>
    <p>${t('billing.external')}</p>
  </section>`;
}

export function BillingStaffView() {
  const [version, setVersion] = useState(0);
  const [mode, setMode] = useState(null);
  useEffect(() => { api.get('/api/staff/billing/mode').then((m) => setMode(m.billing), () => setMode('builtin')); }, []);
  if (!mode) return html`<${Page} title=${t('billing.title')}><p class="hint">${t('app.loading')}</p><//>`;
  return html`<${Page} title=${t('billing.title')}>
    <div class="stack">
      ${mode === 'external' ? html`<${ExternalBilling} />` : html`
        <${Tariffs} />
        <${BillingRun} />
        <${StatementImport} onImported=${() => setVersion((v) => v + 1)} />`}
      <${Unmatched} version=${version} />
    </div>
  <//>`;
}
