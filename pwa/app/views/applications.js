// Wnioski: a resident files an application (connection conditions, complaint, change of customer,
// ending the contract, meter check) with attachments; it goes into the same IndexedDB outbox as
// readings, so without signal it waits on the phone and is sent once (Idempotency-Key). Below: the
// resident's applications with their deadlines, and one application with the office's answer.
import '../i18n/applications-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { useApp } from '../context.js';
import { useCachedData } from '../resource.js';
import { queryParam } from '../router.js';
import { useOutbox, addApplication } from '../outbox.js';
import { QueuedUploads } from '../components/queued.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { useForm, Field, Select, FormAlert, Submit, Success } from '../components/form.js';
import { TextArea } from '../components/textarea.js';
import { Attachments, prepareFiles } from '../components/attachments.js';
import { KINDS, NEEDS_ATTACHMENT, fieldsOf, StatusBadge, ApplicationDetail } from '../components/application.js';
import { formatDay, formatDateTime } from '../format.js';

const MAX_FILES = 5; // backend applications/schemas.MAX_ATTACHMENTS
const DECIMAL = /^\d{1,7}([.,]\d{1,3})?$/;
const blank = (kind, customerId) => ({
  customer_id: customerId, kind, attachment: '',
  ...Object.fromEntries(KINDS[kind].map((f) => [f.name, f.type === 'choice' ? f.choices[0] : ''])),
});

function FieldFor({ form, field, meters }) {
  const label = t(`appl.field.${field.name}`);
  if (field.type === 'choice') {
    return html`<${Select} form=${form} name=${field.name} label=${label}
      options=${field.choices.map((c) => [c, t(`appl.choice.${c}`)])} />`;
  }
  if (field.type === 'meter') {
    return html`<${Select} form=${form} name=${field.name} label=${label}
      options=${[['', '—'], ...meters.map((m) => [m.serial, `${m.serial} · ${m.address}`])]} />`;
  }
  if (field.type === 'text') return html`<${TextArea} form=${form} name=${field.name} label=${label} rows="4" />`;
  if (field.type === 'date') return html`<${Field} form=${form} name=${field.name} type="date" label=${label} class="input-date" />`;
  if (field.type === 'decimal') {
    return html`<${Field} form=${form} name=${field.name} label=${label} inputmode="decimal" maxlength="11" class="input-short" />`;
  }
  return html`<${Field} form=${form} name=${field.name} label=${label} maxlength="200" />`;
}

function NewApplication({ customers, meters, deadlines }) {
  const app = useApp();
  const [kind, setKind] = useState('complaint');
  const [files, setFiles] = useState([]);
  const [saved, setSaved] = useState(false);
  const first = customers[0] ? customers[0].id : '';
  const form = useForm(blank(kind, first), {
    validate: (v) => {
      const found = {};
      for (const f of fieldsOf(v.kind, v)) {
        const value = (v[f.name] || '').trim();
        if (!value && !f.optional) found[f.name] = 'required';
        else if (value && f.type === 'decimal' && !DECIMAL.test(value)) found[f.name] = 'invalid_number';
      }
      if (files.length > MAX_FILES) found.attachment = 'too_many_attachments';
      else if (NEEDS_ATTACHMENT.includes(v.kind) && !files.length) found.attachment = 'site_plan_required';
      return found;
    },
  });
  const choose = (next) => { setKind(next); setSaved(false); form.reset(blank(next, form.values.customer_id || first)); };
  useEffect(() => { if (form.values.kind !== kind) choose(form.values.kind); }, [form.values.kind]);
  const customer = customers.find((c) => c.id === form.values.customer_id);
  const customerMeters = meters.filter((m) => customer && m.customer_number === customer.number);
  const submit = form.onSubmit(async (v) => {
    setSaved(false);
    const attachments = await prepareFiles(files).catch((err) => { throw Object.assign(err, { field: 'attachment' }); });
    const fields = {};
    for (const f of fieldsOf(v.kind, v)) if ((v[f.name] || '').trim()) fields[f.name] = v[f.name].trim();
    await addApplication({ customerId: v.customer_id, type: v.kind, fields, attachments, userId: app.me && app.me.id });
    form.reset(blank(v.kind, v.customer_id));
    setFiles([]);
    setSaved(true);
  });
  const days = kind === 'complaint' ? deadlines.complaint_days : deadlines.application_days;
  return html`<section class="card form-card" aria-labelledby="new-application">
    <h2 id="new-application">${t('appl.new')}</h2>
    ${saved && html`<${Success}>${navigator.onLine ? t('appl.saved') : t('appl.savedOffline')}<//>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      ${customers.length > 1 && html`<${Select} form=${form} name="customer_id" label=${t('appl.customer')}
        options=${customers.map((c) => [c.id, t('account.customer', { number: c.number, name: c.name })])} />`}
      <${Select} form=${form} name="kind" label=${t('appl.kind')}
        options=${Object.keys(KINDS).map((k) => [k, t(`appl.kind.${k}`)])} />
      <p class="hint" data-testid="kind-hint">${t(`appl.kindHint.${kind}`, { days })}</p>
      ${form.values.kind === kind && fieldsOf(kind, form.values).map((f) => html`<${FieldFor} key=${`${kind}-${f.name}`}
        form=${form} field=${f} meters=${customerMeters} />`)}
      <${Attachments} form=${form} files=${files} setFiles=${setFiles} max=${MAX_FILES}
        label=${NEEDS_ATTACHMENT.includes(kind) ? t('appl.sitePlan') : t('appl.attachments')} />
      <div class="form-actions"><${Submit} form=${form}>${t('appl.submit')}<//></div>
    </form>
  </section>`;
}

const QUEUED = { heading: 'appl.outbox', unsent: 'appl.unsent', loginAgain: 'appl.loginAgain',
  discardConfirm: 'appl.discardConfirm', discard: 'appl.discard' };
const Waiting = () => html`<${QueuedUploads} kind="application" testid="application" texts=${QUEUED}
  title=${(item) => html`<strong>${t(`appl.kind.${item.type}`)}</strong>`} />`;

function Mine() {
  const resource = useCachedData('/api/applications');
  const items = useOutbox('application');
  const sentCount = items.filter((i) => i.state === 'sent').length;
  useEffect(() => { if (sentCount) resource.reload(); }, [sentCount]); // a queued application has arrived
  return html`<section aria-labelledby="mine-title">
    <h2 id="mine-title">${t('appl.mine')}</h2>
    <${DataView} resource=${resource}>
      ${(apps) => (apps.length
        ? html`<ul class="cards">${apps.map((a) => html`<li class="card" key=${a.id} data-testid="application">
            <h3><a href=${`/wnioski/wniosek?id=${a.id}`}>${t(`appl.kind.${a.kind}`)} ${a.number}</a>
              ${a.unread && html` <span class="badge badge-wanted">${t('appl.newAnswer')}</span>`}</h3>
            <p><${StatusBadge} app=${a} /></p>
            <p class="hint">${t('appl.filedOn', { date: formatDateTime(a.filed_at) })} · ${t('appl.dueOn', { date: formatDay(a.due_on) })}</p>
          </li>`)}</ul>`
        : html`<p>${t('appl.none')}</p>`)}
    <//>
  </section>`;
}

export function ApplicationsView() {
  const app = useApp();
  const customers = (app.me && app.me.customers) || [];
  const meters = useCachedData('/api/meters');
  const deadlines = useCachedData('/api/applications/deadlines');
  const meterList = (meters.data && meters.data.meters) || [];
  return html`<${Page} title=${t('appl.title')} className="wide">
    <div class="split">
      <div class="stack">
        <p>${t('appl.intro')}</p>
        <${Waiting} />
        ${customers.length
          ? html`<${NewApplication} customers=${customers} meters=${meterList}
              deadlines=${deadlines.data || { complaint_days: 14, application_days: 30 }} />`
          : html`<p>${t('dash.noCustomers')}</p>`}
      </div>
      <${Mine} />
    </div>
  <//>`;
}

export function ApplicationView() {
  const id = queryParam(location.search, 'id') || '';
  const resource = useCachedData(`/api/applications/${encodeURIComponent(id)}`);
  return html`<${Page} title=${t('appl.detailTitle')}>
    <p><a href="/wnioski">${t('appl.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(a) => html`<div class="stack">
        <h2>${t('appl.number', { number: a.number })}</h2>
        <p><a class="btn btn-secondary" href=${`/api/applications/${a.id}/confirmation`} download>${t('appl.confirmation')}</a></p>
        <${ApplicationDetail} app=${a} attachmentUrl=${(attId) => `/api/applications/attachments/${attId}`} />
      </div>`}
    <//>
  <//>`;
}
