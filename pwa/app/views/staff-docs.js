// Office staff: upload a PDF for one customer (Dokumenty) or for everybody (Informacje), see when
// each customer document was first opened, remove documents. Staff data is not kept offline.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/staff-views.js'; // the customer search
import '../i18n/tables-views.js'; // the lists' column headers (wide screens)
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { useForm, Field, Select, FormAlert, Submit, Success } from '../components/form.js';
import { formatDateTime } from '../format.js';
import { PUBLIC_CATEGORIES } from '../components/documents.js';
import { useWide } from '../components/wide.js';

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

// The customers' documents just added: cards on a phone, from 1024 px a table (the title is the
// row's header; download and delete in the last column).
function CustomerDocs({ docs, remove }) {
  const wide = useWide();
  const opened = (d) => (d.first_opened_at ? t('staffdocs.openedAt', { date: formatDateTime(d.first_opened_at) }) : t('staffdocs.notOpened'));
  const actions = (d) => html`<a class="btn btn-secondary" href=${`/api/documents/${d.id}/file`} download=${d.file_name}
      aria-describedby=${`sd-${d.id}`}>${t('docs.download')}</a>
    <button type="button" class="btn btn-secondary" aria-describedby=${`sd-${d.id}`} onClick=${() => remove(d)}>${t('staffdocs.delete')}</button>`;
  if (!wide) {
    return html`<ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id} data-testid="staff-document">
      <h3 id=${`sd-${d.id}`}>${d.title}</h3>
      <p class="hint">${d.customer_number} — ${d.customer_name} · ${t(`docs.category.${d.category}`)} · ${formatDateTime(d.uploaded_at)}</p>
      <p data-testid="first-opened">${opened(d)}</p>
      <p class="actions">${actions(d)}</p>
    </li>`)}</ul>`;
  }
  return html`<table class="table data-table" data-testid="staff-documents">
    <caption class="visually-hidden">${t('staffdocs.recent')}</caption>
    <thead><tr><th scope="col">${t('col.title')}</th><th scope="col">${t('col.customer')}</th><th scope="col">${t('col.kind')}</th>
      <th scope="col">${t('col.added')}</th><th scope="col">${t('col.opened')}</th><th scope="col">${t('col.actions')}</th></tr></thead>
    <tbody>${docs.map((d) => html`<tr key=${d.id} data-testid="staff-document">
      <th scope="row" id=${`sd-${d.id}`}>${d.title}</th><td>${d.customer_number} — ${d.customer_name}</td>
      <td>${t(`docs.category.${d.category}`)}</td><td>${formatDateTime(d.uploaded_at)}</td>
      <td data-testid="first-opened">${opened(d)}</td><td><div class="form-actions">${actions(d)}</div></td>
    </tr>`)}</tbody>
  </table>`;
}

function PublicDocs({ docs, remove }) {
  const wide = useWide();
  const button = (d) => html`<button type="button" class="btn btn-secondary" aria-describedby=${`pi-${d.id}`}
    onClick=${() => remove(d)}>${t('staffdocs.delete')}</button>`;
  if (!wide) {
    return html`<ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id}>
      <h3 id=${`pi-${d.id}`}>${d.title}</h3>
      <p class="hint">${t(`info.category.${d.category}`)} · ${formatDateTime(d.uploaded_at)}</p>
      ${button(d)}
    </li>`)}</ul>`;
  }
  return html`<table class="table data-table" data-testid="public-documents">
    <caption class="visually-hidden">${t('staffinfo.list')}</caption>
    <thead><tr><th scope="col">${t('col.title')}</th><th scope="col">${t('col.kind')}</th><th scope="col">${t('col.added')}</th>
      <th scope="col">${t('col.actions')}</th></tr></thead>
    <tbody>${docs.map((d) => html`<tr key=${d.id}>
      <th scope="row" id=${`pi-${d.id}`}>${d.title}</th><td>${t(`info.category.${d.category}`)}</td>
      <td>${formatDateTime(d.uploaded_at)}</td><td>${button(d)}</td>
    </tr>`)}</tbody>
  </table>`;
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
    ${docs && (docs.length ? html`<${CustomerDocs} docs=${docs} remove=${remove} />` : html`<p>${t('docs.none')}</p>`)}
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
        ${docs && (docs.length ? html`<${PublicDocs} docs=${docs} remove=${remove} />` : html`<p>${t('info.none')}</p>`)}
      </section>
    </div>
  <//>`;
}
