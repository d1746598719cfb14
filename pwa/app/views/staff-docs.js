// Office staff: upload a PDF for one customer (Dokumenty) or for everybody (Informacje), see when
// each customer document was first opened, remove documents. Staff data is not kept offline.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/staff-views.js'; // the customer search
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { useForm, Field, Select, FormAlert, Submit, Success } from '../components/form.js';
import { formatDateTime } from '../format.js';
import { PUBLIC_CATEGORIES } from '../components/documents.js';

const CUSTOMER_CATEGORIES = ['contract', 'annex', 'letter', 'notice', 'other'];

function upload(url, fields, file) {
  const body = new FormData();
  for (const [k, v] of Object.entries(fields)) body.append(k, v);
  if (file) body.append('file', file, file.name);
  return api.upload(url, body);
}

function FileField({ form, label, onFile }) {
  const id = form.fieldId('file');
  const error = form.errors.file;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <p class="hint" id=${`${id}-hint`}>${t('staffdocs.fileHint')}</p>
    <input id=${id} type="file" accept="application/pdf" onChange=${(e) => { onFile(e.currentTarget.files[0] || null); form.set('file', e.currentTarget.value); }}
      aria-invalid=${error ? 'true' : 'false'} aria-describedby=${[`${id}-hint`, error && error !== true && `${id}-error`].filter(Boolean).join(' ')} />
    ${error && error !== true && html`<p class="field-error" id=${`${id}-error`}>${errorText(error)}</p>`}
  </div>`;
}

function CustomerUpload({ onUploaded }) {
  const [found, setFound] = useState(null);
  const [file, setFile] = useState(null);
  const [done, setDone] = useState(null);
  const search = useForm({ q: '' }, { required: ['q'] });
  const doSearch = search.onSubmit(async (v) => setFound(await api.get(`/api/staff/customers?q=${encodeURIComponent(v.q.trim())}`)));
  const empty = { customer_id: '', title: '', category: 'letter', file: '' };
  const form = useForm(empty, { required: ['customer_id', 'title', 'file'] });
  const submit = form.onSubmit(async (v) => {
    setDone(null);
    const doc = await upload('/api/staff/documents', { customer_id: v.customer_id, title: v.title.trim(), category: v.category }, file);
    setDone(doc);
    form.reset(empty);
    setFile(null);
    onUploaded();
  });
  return html`<section class="card" aria-labelledby="upload-title">
    <h2 id="upload-title">${t('staffdocs.uploadTitle')}</h2>
    <form class="form search-form" role="search" onSubmit=${doSearch} novalidate>
      <${FormAlert} form=${search} />
      <${Field} form=${search} name="q" type="search" label=${t('staff.search')} hint=${t('staff.searchHint')} autocomplete="off" />
      <div class="form-actions"><${Submit} form=${search} className="btn btn-secondary">${t('staff.searchSubmit')}<//></div>
    </form>
    ${found && html`<p role="status">${found.length ? t('staff.results', { count: found.length }) : t('staff.noResults')}</p>`}
    ${done && html`<${Success}>${t('staffdocs.uploaded', { title: done.title, number: done.customer_number })}<//>`}
    ${found && found.length > 0 && html`<form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Select} form=${form} name="customer_id" label=${t('staffdocs.customer')}
        options=${[['', t('staffdocs.choose')], ...found.map((c) => [c.id, `${c.number} — ${c.name}`])]} />
      <${Field} form=${form} name="title" label=${t('staffdocs.docTitle')} maxlength="200" />
      <${Select} form=${form} name="category" label=${t('staffdocs.category')}
        options=${CUSTOMER_CATEGORIES.map((c) => [c, t(`docs.category.${c}`)])} />
      <${FileField} form=${form} label=${t('staffdocs.file')} onFile=${setFile} />
      <div class="form-actions"><${Submit} form=${form}>${t('staffdocs.upload')}<//></div>
    </form>`}
  </section>`;
}

function RecentDocuments({ version }) {
  const [docs, setDocs] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get('/api/staff/documents').then(setDocs, setError);
  useEffect(() => { load(); }, [version]);
  const remove = async (doc) => {
    if (!window.confirm(t('staffdocs.deleteConfirm', { title: doc.title }))) return;
    await api.del(`/api/staff/documents/${doc.id}`).catch(setError);
    load();
  };
  return html`<section aria-labelledby="recent-docs">
    <h2 id="recent-docs">${t('staffdocs.recent')}</h2>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    ${docs && (docs.length ? html`<ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id} data-testid="staff-document">
      <h3 id=${`sd-${d.id}`}>${d.title}</h3>
      <p class="hint">${d.customer_number} — ${d.customer_name} · ${t(`docs.category.${d.category}`)} · ${formatDateTime(d.uploaded_at)}</p>
      <p data-testid="first-opened">${d.first_opened_at ? t('staffdocs.openedAt', { date: formatDateTime(d.first_opened_at) }) : t('staffdocs.notOpened')}</p>
      <p class="actions"><a class="btn btn-secondary" href=${`/api/documents/${d.id}/file`} download=${d.file_name} aria-describedby=${`sd-${d.id}`}>${t('docs.download')}</a>
        <button type="button" class="btn btn-secondary" aria-describedby=${`sd-${d.id}`} onClick=${() => remove(d)}>${t('staffdocs.delete')}</button></p>
    </li>`)}</ul>` : html`<p>${t('docs.none')}</p>`)}
  </section>`;
}

export function StaffDocumentsView() {
  const [version, setVersion] = useState(0);
  return html`<${Page} title=${t('staffdocs.title')}>
    <p><a href="/biuro">${t('staffnav.back')}</a></p>
    <div class="stack">
      <${CustomerUpload} onUploaded=${() => setVersion((n) => n + 1)} />
      <${RecentDocuments} version=${version} />
    </div>
  <//>`;
}

export function StaffInformationView() {
  const [docs, setDocs] = useState(null);
  const [file, setFile] = useState(null);
  const [done, setDone] = useState(null);
  const load = () => api.get('/api/information').then(setDocs, () => {});
  useEffect(() => { load(); }, []);
  const empty = { title: '', category: 'price_list', description: '', file: '' };
  const form = useForm(empty, { required: ['title', 'file'] });
  const submit = form.onSubmit(async (v) => {
    setDone(null);
    const doc = await upload('/api/staff/information', { title: v.title.trim(), category: v.category, description: v.description.trim() }, file);
    setDone(doc);
    form.reset(empty);
    setFile(null);
    load();
  });
  const remove = async (doc) => {
    if (!window.confirm(t('staffdocs.deleteConfirm', { title: doc.title }))) return;
    await api.del(`/api/staff/information/${doc.id}`).catch(() => {});
    load();
  };
  return html`<${Page} title=${t('staffinfo.title')}>
    <p><a href="/biuro">${t('staffnav.back')}</a></p>
    <div class="stack">
      <section class="card" aria-labelledby="publish-title">
        <h2 id="publish-title">${t('staffinfo.publish')}</h2>
        ${done && html`<${Success}>${t('staffinfo.published', { title: done.title })}<//>`}
        <form class="form" onSubmit=${submit} novalidate>
          <${FormAlert} form=${form} />
          <${Field} form=${form} name="title" label=${t('staffdocs.docTitle')} maxlength="200" />
          <${Select} form=${form} name="category" label=${t('staffdocs.category')}
            options=${PUBLIC_CATEGORIES.map((c) => [c, t(`info.category.${c}`)])} />
          <${Field} form=${form} name="description" label=${t('staffinfo.description')} maxlength="500" />
          <${FileField} form=${form} label=${t('staffdocs.file')} onFile=${setFile} />
          <div class="form-actions"><${Submit} form=${form}>${t('staffinfo.submit')}<//></div>
        </form>
      </section>
      <section aria-labelledby="published">
        <h2 id="published">${t('staffinfo.list')}</h2>
        ${docs && (docs.length ? html`<ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id}>
          <h3 id=${`pi-${d.id}`}>${d.title}</h3>
          <p class="hint">${t(`info.category.${d.category}`)} · ${formatDateTime(d.uploaded_at)}</p>
          <button type="button" class="btn btn-secondary" aria-describedby=${`pi-${d.id}`} onClick=${() => remove(d)}>${t('staffdocs.delete')}</button>
        </li>`)}</ul>` : html`<p>${t('info.none')}</p>`)}
      </section>
    </div>
  <//>`;
}
