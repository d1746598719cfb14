// Kartoteka: the office imports the registry from the billing system's export (CSV or XLSX), the
// same checks as `ebok import registry`. Upload -> the server checks it in the background -> the
// plan (what to add, change, end) or the errors (the first hundred here, all of them as CSV) ->
// apply, watched as it goes. One import at a time: someone else's is named, with since when.
// Staff data is not kept offline.
import '../i18n/kartoteka.js'; // this view's texts
import '../i18n/account-views.js'; // the way back to the office
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { formatDateTime, formatDay, formatVolume } from '../format.js';
import { Page } from '../components/page.js';

const BASE = '/api/staff/registry/imports';
const KINDS = ['customer', 'point', 'meter'];
const RUNNING = new Set(['checking', 'applying']);

function busyText(err) {
  const p = err.params || {};
  return t('error.registry_busy', { by: p.by || '?', since: p.since ? formatDateTime(p.since) : '' });
}

function explain(err) {
  if (err.code === 'registry_busy') return busyText(err);
  if (err.code === 'too_large') return t('kartoteka.tooLargeServer');
  return errorText(err);
}

function Upload({ maxMb, onUploaded }) {
  const [file, setFile] = useState(null);
  const [full, setFull] = useState(false);
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    if (!file) { setError(t('kartoteka.chooseFile')); return; }
    if (file.size > maxMb * 1024 * 1024) {
      setError(t('kartoteka.tooLarge', { size: Math.ceil(file.size / 1024 / 1024), limit: maxMb }));
      return;
    }
    const body = new FormData();
    body.append('file', file, file.name);
    body.append('full', full ? '1' : '');
    setBusy(true);
    try {
      onUploaded(await api.upload(BASE, body));
    } catch (err) {
      setError(explain(err));
    } finally {
      setBusy(false);
    }
  };
  return html`<form class="form card" onSubmit=${submit} novalidate aria-labelledby="k-upload-title">
    <h2 id="k-upload-title">${t('kartoteka.uploadTitle')}</h2>
    <div class="field">
      <label for="k-file">${t('kartoteka.file')}</label>
      <p class="hint" id="k-file-hint">${t('kartoteka.fileHint', { limit: maxMb })}</p>
      <input id="k-file" type="file" accept=".csv,.xlsx,text/csv,application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
        aria-describedby=${error ? 'k-file-hint k-file-error' : 'k-file-hint'} aria-invalid=${error ? 'true' : 'false'}
        onChange=${(e) => { setFile(e.currentTarget.files[0] || null); setError(null); }} />
      ${error && html`<p class="field-error" id="k-file-error" role="alert">${error}</p>`}
    </div>
    <div class="field-check">
      <input type="checkbox" id="k-full" checked=${full} onChange=${(e) => setFull(e.currentTarget.checked)} />
      <label for="k-full">${t('kartoteka.full')}</label>
    </div>
    <div class="form-actions">
      <button type="submit" class="btn btn-primary" aria-disabled=${busy ? 'true' : 'false'}>${t('kartoteka.check')}</button>
    </div>
  </form>`;
}

function Progress({ imp }) {
  const label = imp.status === 'checking'
    ? t(imp.phase === 'comparing' ? 'kartoteka.comparing' : 'kartoteka.checking', { done: imp.done, total: imp.total })
    : t(imp.phase === 'writing' ? 'kartoteka.writing' : 'kartoteka.preparing', { done: imp.done, total: imp.total });
  return html`<div class="card" data-testid="import-progress">
    <p role="status">${label}</p>
    <progress max=${imp.total || 1} value=${imp.total ? imp.done : 0} aria-label=${label}></progress>
  </div>`;
}

function Counts({ summary }) {
  return html`<div class="table-scroll" tabindex="0" role="region" aria-label=${t('kartoteka.planCaption', { rows: summary.rows })}><table class="table" data-testid="plan">
    <caption>${t('kartoteka.planCaption', { rows: summary.rows })}</caption>
    <thead><tr><th scope="col">${t('kartoteka.what')}</th><th scope="col">${t('kartoteka.add')}</th>
      <th scope="col">${t('kartoteka.change')}</th><th scope="col">${t('kartoteka.end')}</th></tr></thead>
    <tbody>${KINDS.map((k) => html`<tr><th scope="row">${t(`kartoteka.kind.${k}`)}</th>
      <td>${summary.add[k]}</td><td>${summary.change[k]}</td><td>${summary.end[k]}</td></tr>`)}</tbody>
  </table></div>`;
}

function Fields({ summary }) {
  const rows = KINDS.filter((k) => Object.keys(summary.fields[k] || {}).length);
  if (!rows.length) return null;
  return html`<div><h3>${t('kartoteka.fieldsTitle')}</h3><ul>
    ${rows.map((k) => html`<li>${t(`kartoteka.kind.${k}`)}: ${Object.entries(summary.fields[k])
      .map(([f, n]) => `${t(`kartoteka.field.${f}`)} (${n})`).join(', ')}</li>`)}
  </ul></div>`;
}

// One listed entry: a key, a change with its fields, or a meter taken off ("X ends on D with final reading V").
function listedText(i) {
  if (typeof i === 'string') return i;
  if (i.ends) {
    const e = i.ends;
    const params = { serial: i.key, date: formatDay(e.on), value: e.final_litres == null ? '' : formatVolume(e.final_litres) };
    const text = t(e.final_litres == null ? 'kartoteka.ends' : 'kartoteka.endsFinal', params);
    return e.replaced_by ? `${text} (${t('kartoteka.replacedBy', { serial: e.replaced_by })})` : text;
  }
  return `${i.key} (${i.fields.map((f) => t(`kartoteka.field.${f}`)).join(', ')})`;
}

function Listed({ summary }) {
  const parts = [];
  for (const what of ['add', 'change', 'end']) {
    for (const k of KINDS) {
      const items = summary.listed[what][k];
      if (items.length) parts.push([what, k, items]);
    }
  }
  if (!parts.length) return null;
  return html`<details><summary>${t('kartoteka.listed')}</summary><ul>
    ${parts.map(([what, k, items]) => html`<li>${t(`kartoteka.${what}`)} — ${t(`kartoteka.kind.${k}`)}: ${items
      .map(listedText).join('; ')}${summary[what][k] > items.length ? ' …' : ''}</li>`)}
  </ul></details>`;
}

function Conflicts({ summary }) {
  if (!summary.conflicts_count) return null;
  return html`<div class="card" data-testid="conflicts">
    <h3>${t('kartoteka.conflictsTitle', { count: summary.conflicts_count })}</h3>
    <p>${t('kartoteka.conflictsHelp')}</p>
    <div class="table-scroll" tabindex="0" role="region" aria-label=${t('kartoteka.conflictsTitle', { count: summary.conflicts_count })}><table class="table">
      <thead><tr><th scope="col">${t('kartoteka.customer')}</th><th scope="col">${t('kartoteka.fieldName')}</th>
        <th scope="col">${t('kartoteka.inEbok')}</th><th scope="col">${t('kartoteka.inFile')}</th></tr></thead>
      <tbody>${summary.conflicts.map((c) => html`<tr><td>${c.key}</td><td>${t(`kartoteka.field.${c.field}`)}</td>
        <td>${c.ebok} (${c.changed_at})</td><td>${c.file}</td></tr>`)}</tbody>
    </table></div>
  </div>`;
}

function Errors({ imp }) {
  return html`<div class="card" data-testid="import-errors">
    <h2>${t('kartoteka.errorsTitle', { count: imp.errors_count })}</h2>
    <p>${t('kartoteka.nothingChanged')}${imp.errors_count > imp.errors.length ? ` ${t('kartoteka.firstShown', { shown: imp.errors.length })}` : ''}</p>
    <p><a class="btn btn-secondary" href=${`${BASE}/${imp.id}/errors.csv`} download>${t('kartoteka.download')}</a></p>
    <div class="table-scroll" tabindex="0" role="region" aria-label=${t('kartoteka.errorsCaption', { file: imp.file_name })}><table class="table">
      <caption>${t('kartoteka.errorsCaption', { file: imp.file_name })}</caption>
      <thead><tr><th scope="col">${t('kartoteka.line')}</th><th scope="col">${t('kartoteka.column')}</th>
        <th scope="col">${t('kartoteka.reason')}</th></tr></thead>
      <tbody>${imp.errors.map((e) => html`<tr data-line=${e.line}><td>${e.line}</td><td>${e.column || '—'}</td>
        <td>${e.reason}</td></tr>`)}</tbody>
    </table></div>
  </div>`;
}

function Outcome({ imp, onChange }) {
  const [error, setError] = useState(null);
  const act = (action) => async () => {
    setError(null);
    try {
      onChange(await api.post(`${BASE}/${imp.id}/${action}`));
    } catch (err) {
      setError(explain(err));
    }
  };
  const s = imp.summary;
  const actions = imp.open && imp.mine;
  const empty = s.add && KINDS.every((k) => !s.add[k] && !s.change[k] && !s.end[k]);
  return html`<section class="stack" aria-labelledby="k-import-title">
    <h2 id="k-import-title">${t('kartoteka.importOf', { file: imp.file_name, when: formatDateTime(imp.created_at) })}</h2>
    ${imp.full && html`<p class="note">${t('kartoteka.fullNote')}</p>`}
    ${RUNNING.has(imp.status) && html`<${Progress} imp=${imp} />`}
    ${imp.problem && html`<div class="banner banner-error" role="alert"><p>${t('kartoteka.problem', { reason: imp.problem.reason })}</p></div>`}
    ${imp.status === 'refused' && imp.errors_count > 0 && html`<${Errors} imp=${imp} />`}
    ${imp.status === 'done' && html`<div class="banner banner-ok" role="status"><p>${t('kartoteka.done', {
      add: KINDS.reduce((n, k) => n + s.add[k], 0), change: KINDS.reduce((n, k) => n + s.change[k], 0),
      end: KINDS.reduce((n, k) => n + s.end[k], 0), seconds: s.seconds })}</p></div>`}
    ${imp.status === 'planned' && html`<p role="status">${empty ? t('kartoteka.nothingToDo') : t('kartoteka.planned')}</p>`}
    ${s.add && ['planned', 'done'].includes(imp.status) && html`<${Counts} summary=${s} /><${Fields} summary=${s} /><${Listed} summary=${s} />`}
    ${s.add && imp.status !== 'done' && html`<${Conflicts} summary=${s} />`}
    ${error && html`<p class="field-error" role="alert">${error}</p>`}
    ${actions && imp.status === 'planned' && html`<div class="form-actions">
      ${!empty && html`<button type="button" class="btn btn-primary" onClick=${act('apply')}>${t('kartoteka.apply')}</button>`}
      <button type="button" class="btn btn-secondary" onClick=${act('discard')}>${empty ? t('kartoteka.close') : t('kartoteka.discard')}</button>
    </div>`}
    ${actions && imp.status === 'refused' && html`<div class="form-actions">
      <button type="button" class="btn btn-secondary" onClick=${act('discard')}>${t('kartoteka.giveUp')}</button></div>`}
  </section>`;
}

export function KartotekaView() {
  const [state, setState] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get(`${BASE}/current`).then(setState, setError);
  useEffect(() => { load(); }, []);
  const imp = state && state.import;
  useEffect(() => {
    if (!imp || !RUNNING.has(imp.status)) return undefined;
    const timer = setTimeout(() => {
      api.get(`${BASE}/${imp.id}`).then((next) => {
        setState((s) => ({ ...s, import: next }));
        if (!RUNNING.has(next.status)) load();
      }, () => load());
    }, 700);
    return () => clearTimeout(timer);
  }, [imp]);
  const waiting = state && state.lock && !state.lock.mine && !state.lock.stale;
  useEffect(() => { // someone else's import: look again now and then, the form comes back when it ends
    if (!waiting) return undefined;
    const timer = setTimeout(load, 10_000);
    return () => clearTimeout(timer);
  }, [state]);
  if (error) return html`<${Page} title=${t('kartoteka.title')}><p role="alert">${errorText(error)}</p><//>`;
  if (!state) return html`<${Page} title=${t('kartoteka.title')}><p role="status">${t('kartoteka.loading')}</p><//>`;
  const lock = state.lock;
  const someoneElse = lock && !lock.mine && !lock.stale;
  const canUpload = !someoneElse && !(imp && imp.open && RUNNING.has(imp.status));
  const changed = (next) => setState((s) => ({ ...s, import: next, lock: next.open ? { ...(s.lock || {}), mine: true } : s.lock }));
  return html`<${Page} title=${t('kartoteka.title')} >
    <p><a href="/biuro">${t('staffnav.back')}</a></p>
    <p class="note">${t('kartoteka.intro')}</p>
    <div class="kartoteka">
      ${someoneElse && html`<div class="banner banner-error" role="status" data-testid="import-busy"><p>${busyText({ params: lock })}</p></div>`}
      ${lock && !lock.mine && lock.stale && html`<p class="note">${t('kartoteka.stale', { by: lock.by, since: formatDateTime(lock.since) })}</p>`}
      ${canUpload && html`<${Upload} maxMb=${state.max_mb} onUploaded=${(next) => { setState((s) => ({ ...s, import: next })); load(); }} />`}
      ${imp && imp.status !== 'discarded' && html`<${Outcome} imp=${imp} onChange=${(next) => { changed(next); load(); }} />`}
    </div>
  <//>`;
}
