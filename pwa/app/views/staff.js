// Office staff: find a customer, see consent and e-BOK accounts, open an account after written
// consent (the customer gets an activation link, never a password), add staff/inspector accounts.
// Staff data is not kept in IndexedDB: it is other people's personal data.
import '../i18n/inspections-views.js'; // this view's texts
import '../i18n/staff-views.js'; // the customer search and accounts
import { html, useState } from '../preact.js';
import '../i18n/account-views.js'; // the links to the office's other screens
import '../i18n/audit-views.js'; // the change log's link
import '../i18n/customer-views.js'; // the customer screen's link, ended customers
import '../i18n/tables-views.js'; // the results' column headers (wide screens)
import { t } from '../i18n.js';
import { api } from '../api.js';
import { formatDate } from '../format.js';
import { Page } from '../components/page.js';
import { useWide } from '../components/wide.js';
import { useForm, Field, Checkbox, Select, FormAlert, Submit, Success } from '../components/form.js';

const LIMIT = 50;

function customerAddress(c) {
  return [[c.street, c.house_number].filter(Boolean).join(' '), c.town].filter(Boolean).join(', ');
}

function CreateResident({ customer, onCreated, onCancel }) {
  const form = useForm({ email: customer.email || '', name: customer.name || '', consent: false }, {
    required: ['email', 'name'],
    validate: (v) => ({ consent: v.consent ? null : 'consent_required' }),
  });
  const submit = form.onSubmit(async (v) => {
    const account = await api.post('/api/staff/residents', {
      customer_id: customer.id, email: v.email.trim(), name: v.name.trim(), consent: true,
    });
    onCreated(account.email || v.email.trim());
  });
  return html`<form class="form subform" onSubmit=${submit} novalidate aria-labelledby=${`${form.id}-title`}>
    <h4 id=${`${form.id}-title`}>${t('staff.createFor', { number: customer.number })}</h4>
    <${FormAlert} form=${form} />
    <${Field} form=${form} name="email" type="email" label=${t('staff.residentEmail')} autocomplete="off" />
    <${Field} form=${form} name="name" label=${t('staff.residentName')} autocomplete="off" />
    <${Checkbox} form=${form} name="consent" label=${t('staff.consentCheck')} />
    <div class="form-actions">
      <${Submit} form=${form}>${t('staff.send')}<//>
      <button type="button" class="btn btn-secondary" onClick=${onCancel}>${t('staff.cancel')}</button>
    </div>
  </form>`;
}

function consentText(customer) {
  return customer.consent_contact_at
    ? t('staff.consentSince', { date: formatDate(customer.consent_contact_at) })
    : t('staff.consentNone');
}

function Accounts({ customer }) {
  return customer.accounts.length
    ? html`<ul class="plain">${customer.accounts.map((a) => html`<li>${a.email} (${a.active
      ? t('staff.accountActive') : t('staff.accountPending')})</li>`)}</ul>`
    : t('staff.accountsNone');
}

function CustomerLink({ customer }) {
  return html`<a href=${`/biuro/klient?id=${customer.id}`}>${customer.number} — ${customer.name}</a>
    ${customer.ended_on && html` <span class="badge">${t('staff.endedBadge')}</span>`}`;
}

// The account for the customer: a note when there is one, else the button or, once pressed, the form.
function AccountAction({ customer, titleId, open, onOpen, onClose, onCreated, form = true }) {
  if (customer.accounts.length) return html`<p class="note">${t('staff.hasAccount')}</p>`;
  if (open) return form ? html`<${CreateResident} customer=${customer} onCreated=${onCreated} onCancel=${onClose} />` : null;
  return html`<button type="button" class="btn btn-secondary" aria-describedby=${titleId} onClick=${onOpen}>${t('staff.create')}</button>`;
}

function CustomerCard({ customer, open, onOpen, onClose, onCreated }) {
  const titleId = `cust-${customer.id}`;
  return html`<li class="card customer-card">
    <h3 id=${titleId}><${CustomerLink} customer=${customer} /></h3>
    <dl class="facts">
      <div><dt>${t('staff.address')}</dt><dd>${customerAddress(customer) || '—'}</dd></div>
      <div><dt>${t('staff.email')}</dt><dd>${customer.email || '—'}</dd></div>
      <div><dt>${t('cust.phone')}</dt><dd>${customer.phone || '—'}</dd></div>
      <div><dt>${t('staff.consent')}</dt><dd>${consentText(customer)}</dd></div>
      <div><dt>${t('staff.accounts')}</dt><dd><${Accounts} customer=${customer} /></dd></div>
    </dl>
    <${AccountAction} customer=${customer} titleId=${titleId} open=${open} onOpen=${onOpen} onClose=${onClose} onCreated=${onCreated} />
  </li>`;
}

// From 1024 px the results as one table: a row per customer (the link to the customer screen is the
// row's header); the account form, once asked for, takes a full-width row under its customer.
function CustomerTable({ results, openId, onOpen, onClose, onCreated }) {
  return html`<table class="table data-table customer-table" data-testid="customer-results">
    <caption class="visually-hidden">${t('staff.customers')}</caption>
    <thead><tr><th scope="col">${t('col.customer')}</th><th scope="col">${t('staff.address')}</th>
      <th scope="col">${t('staff.email')}</th><th scope="col">${t('cust.phone')}</th><th scope="col">${t('col.consent')}</th>
      <th scope="col">${t('staff.accounts')}</th><th scope="col">${t('col.actions')}</th></tr></thead>
    <tbody>${results.map((c) => {
      const titleId = `cust-${c.id}`;
      const open = openId === c.id;
      const props = { customer: c, titleId, open, onOpen: () => onOpen(c.id), onClose, onCreated };
      return html`<tr key=${c.id} class="customer-card">
          <th scope="row" id=${titleId}><${CustomerLink} customer=${c} /></th>
          <td>${customerAddress(c) || '—'}</td><td class="break">${c.email || '—'}</td><td class="nowrap">${c.phone || '—'}</td>
          <td>${consentText(c)}</td><td class="break"><${Accounts} customer=${c} /></td>
          <td><${AccountAction} ...${props} form=${false} /></td>
        </tr>
        ${open && !c.accounts.length && html`<tr key=${`${c.id}-form`}><td colspan="7">
          <${CreateResident} customer=${c} onCreated=${onCreated} onCancel=${onClose} /></td></tr>`}`;
    })}</tbody>
  </table>`;
}

function CustomerSearch() {
  const wide = useWide();
  const [results, setResults] = useState(null);
  const [openId, setOpenId] = useState(null);
  const [sentTo, setSentTo] = useState(null);
  const form = useForm({ q: '', ended: false });
  const search = async (q, ended = form.values.ended) => {
    const found = await api.get(`/api/staff/customers?q=${encodeURIComponent(q.trim())}${ended ? '&ended=true' : ''}`);
    setResults(found);
  };
  const submit = form.onSubmit(async (v) => {
    setSentTo(null);
    setOpenId(null);
    await search(v.q, v.ended);
  });
  const created = async (email) => {
    setOpenId(null);
    setSentTo(email);
    await search(form.values.q).catch(() => {}); // show the new account in the list
  };
  return html`<section>
    <h2>${t('staff.customers')}</h2>
    <form class="form search-form" role="search" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="q" type="search" label=${t('staff.search')} hint=${t('staff.searchHint')} autocomplete="off" />
      <${Checkbox} form=${form} name="ended" label=${t('staff.showEnded')} />
      <div class="form-actions"><${Submit} form=${form}>${t('staff.searchSubmit')}<//></div>
    </form>
    ${sentTo && html`<${Success}>${t('staff.sent', { email: sentTo })}<//>`}
    ${results && html`<div class="results">
      <p role="status">${results.length ? t('staff.results', { count: results.length }) : t('staff.noResults')}</p>
      ${results.length >= LIMIT && html`<p class="note">${t('staff.limit')}</p>`}
      ${wide
        ? html`<${CustomerTable} results=${results} openId=${openId} onOpen=${(id) => { setSentTo(null); setOpenId(id); }}
            onClose=${() => setOpenId(null)} onCreated=${created} />`
        : html`<ul class="cards">
          ${results.map((c) => html`<${CustomerCard} customer=${c} open=${openId === c.id}
            onOpen=${() => { setSentTo(null); setOpenId(c.id); }} onClose=${() => setOpenId(null)} onCreated=${created} />`)}
        </ul>`}
    </div>`}
  </section>`;
}

function CreateStaffUser() {
  const [sentTo, setSentTo] = useState(null);
  const empty = { email: '', name: '', role: 'staff' };
  const form = useForm(empty, { required: ['email', 'name', 'role'] });
  const submit = form.onSubmit(async (v) => {
    setSentTo(null);
    const email = v.email.trim();
    await api.post('/api/staff/users', { email, name: v.name.trim(), role: v.role });
    form.reset(empty);
    setSentTo(email);
  });
  return html`<details class="card">
    <summary>${t('staff.newUser')}</summary>
    ${sentTo && html`<${Success}>${t('staff.sent', { email: sentTo })}<//>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="email" type="email" label=${t('staff.userEmail')} autocomplete="off" />
      <${Field} form=${form} name="name" label=${t('staff.userName')} autocomplete="off" />
      <${Select} form=${form} name="role" label=${t('staff.userRole')}
        options=${[['staff', t('role.staff')], ['inspector', t('role.inspector')]]} />
      <div class="form-actions"><${Submit} form=${form}>${t('staff.userSubmit')}<//></div>
    </form>
  </details>`;
}

// The office's other screens (documents, information, contact inbox, deletion requests).
const STAFF_LINKS = [['/biuro/kontakt', 'staffnav.inbox'], ['/biuro/wnioski', 'staffnav.applications'], ['/biuro/dokumenty', 'staffnav.documents'],
  ['/biuro/informacje', 'staffnav.information'], ['/biuro/dane', 'staffnav.deletions'],
  ['/biuro/odczyty', 'nav.review'], ['/biuro/trasy', 'routes.title'], ['/biuro/kartoteka', 'staffnav.registry'],
  ['/biuro/dziennik', 'staffnav.audit']];

export function StaffView() {
  return html`<${Page} title=${t('staff.title')}>
    <div class="stack">
      <nav class="shortcuts" aria-label=${t('staffnav.label')}><ul>
        ${STAFF_LINKS.map(([path, key]) => html`<li><a class="shortcut" href=${path}>${t(key)}</a></li>`)}
      </ul></nav>
      <${CustomerSearch} />
      <${CreateStaffUser} />
    </div>
  <//>`;
}
