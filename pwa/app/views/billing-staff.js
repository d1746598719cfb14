// The office's billing screen: run the billing of a period, import a bank statement, and match
// the payments nobody's individual account explained. Not cached offline: other people's data.
import '../i18n/billing-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api, csrfToken } from '../api.js';
import { formatDateTime, formatDay, formatMoney } from '../format.js';
import { Page } from '../components/page.js';
import { useForm, Field, FormAlert, Submit, Success } from '../components/form.js';

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
      const res = await fetch('/api/staff/billing/statements', {
        method: 'POST', body, credentials: 'same-origin', headers: { 'X-CSRFToken': await csrfToken(), Accept: 'application/json' },
      });
      const data = await res.json();
      if (!res.ok) throw data;
      setResult(data);
      onImported();
    } catch (err) {
      setError(err && err.code ? err : { code: 'offline' });
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

export function BillingStaffView() {
  const [version, setVersion] = useState(0);
  return html`<${Page} title=${t('billing.title')}>
    <div class="stack">
      <${BillingRun} />
      <${StatementImport} onImported=${() => setVersion((v) => v + 1)} />
      <${Unmatched} version=${version} />
    </div>
  <//>`;
}
