// Dziennik zmian: the office searches the audit log by who, action, object and days. Read only;
// not kept offline (other people's data).
import '../i18n/audit-views.js';
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { useForm, Field, Select, FormAlert, Submit } from '../components/form.js';
import { AuditTable, actionLabel } from '../components/audit.js';

const EMPTY = { actor: '', action: '', object_id: '', since: '', until: '' };

function query(values, offset) {
  const params = new URLSearchParams();
  for (const [k, v] of Object.entries(values)) if (v && v.trim()) params.set(k, v.trim());
  if (offset) params.set('offset', String(offset));
  return `/api/staff/audit?${params}`;
}

export function AuditView() {
  const [page, setPage] = useState(null); // {entries, more, actions}
  const [asked, setAsked] = useState(EMPTY);
  const form = useForm(EMPTY);
  const load = async (values, offset = 0) => {
    const found = await api.get(query(values, offset));
    setAsked(values);
    setPage((prev) => (offset && prev ? { ...found, entries: [...prev.entries, ...found.entries] } : found));
  };
  useEffect(() => { load(EMPTY).catch((err) => form.fail(err)); }, []);
  const submit = form.onSubmit((v) => load(v));
  const actions = page ? page.actions : [];
  return html`<${Page} title=${t('audit.title')} className="page-wide">
    <p>${t('audit.intro')}</p>
    <form class="form search-form audit-form" role="search" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <div class="form-grid">
        <${Field} form=${form} name="actor" label=${t('audit.actor')} autocomplete="off" />
        <${Select} form=${form} name="action" label=${t('audit.action')}
          options=${[['', t('audit.anyAction')], ...actions.map((a) => [a, actionLabel(a)])]} />
        <${Field} form=${form} name="object_id" label=${t('audit.object')} autocomplete="off" />
        <${Field} form=${form} name="since" type="date" label=${t('audit.since')} />
        <${Field} form=${form} name="until" type="date" label=${t('audit.until')} />
      </div>
      <div class="form-actions"><${Submit} form=${form}>${t('audit.search')}<//></div>
    </form>
    ${page && html`<section aria-live="polite">
      <p role="status">${page.entries.length ? t('audit.count', { count: page.entries.length }) : t('audit.none')}</p>
      ${page.entries.length > 0 && html`<${AuditTable} entries=${page.entries} caption=${t('audit.title')} />`}
      ${page.more && html`<button type="button" class="btn btn-secondary"
        onClick=${() => load(asked, page.entries.length).catch((err) => form.fail(err))}>${t('audit.more')}</button>`}
    </section>`}
  <//>`;
}
