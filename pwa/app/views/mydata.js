// Moje dane (RODO): download everything the e-BOK holds about the account and its customers, and
// ask for the portal account to be deleted. Billing records stay, as accounting law requires.
import '../i18n/account-views.js'; // this view's texts
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { useForm, Field, FormAlert, Submit } from '../components/form.js';
import { formatDateTime } from '../format.js';
import { TextArea } from '../components/textarea.js';

function Export() {
  return html`<section class="card" aria-labelledby="export-title">
    <h2 id="export-title">${t('mydata.exportTitle')}</h2>
    <p>${t('mydata.exportText')}</p>
    <p class="actions"><a class="btn btn-primary" href="/api/my-data/export" download>${t('mydata.exportButton')}</a></p>
  </section>`;
}

function Deletion({ status, onChange }) {
  const form = useForm({ password: '', reason: '' }, { required: ['password'] });
  const submit = form.onSubmit(async (v) => {
    onChange(await api.post('/api/my-data/deletion', { password: v.password, reason: v.reason.trim() }));
    form.reset({ password: '', reason: '' });
  });
  const [busy, setBusy] = useState(false);
  const cancel = async () => {
    setBusy(true);
    try { onChange(await api.del('/api/my-data/deletion')); } finally { setBusy(false); }
  };
  const pending = status.deletion_request;
  return html`<section class="card" aria-labelledby="deletion-title">
    <h2 id="deletion-title">${t('mydata.deleteTitle')}</h2>
    <p>${t('mydata.deleteText')}</p>
    <p><strong>${t('mydata.billingStays')}</strong></p>
    ${pending
      ? html`<div class="banner banner-info" role="status" data-testid="deletion-pending">
          <p>${t('mydata.pending', { date: formatDateTime(pending.requested_at) })}</p>
          <button type="button" class="btn btn-secondary" onClick=${cancel} aria-disabled=${busy ? 'true' : 'false'}>${t('mydata.cancel')}</button>
        </div>`
      : html`<form class="form" onSubmit=${submit} novalidate>
          <${FormAlert} form=${form} />
          <${TextArea} form=${form} name="reason" label=${t('mydata.reason')} rows="3" />
          <${Field} form=${form} name="password" type="password" label=${t('mydata.password')} autocomplete="current-password" />
          <div class="form-actions"><${Submit} form=${form}>${t('mydata.deleteButton')}<//></div>
        </form>`}
  </section>`;
}

export function MyDataView() {
  const resource = useCachedData('/api/my-data');
  const [status, setStatus] = useState(null);
  return html`<${Page} title=${t('mydata.title')}>
    <div class="stack">
      <p>${t('mydata.intro')}</p>
      <${Export} />
      <${DataView} resource=${resource}>${(data) => html`<${Deletion} status=${status || data} onChange=${setStatus} />`}<//>
    </div>
  <//>`;
}
