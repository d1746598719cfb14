// Karta klienta: one customer with everything e-BOK holds about them (service points, meters with
// their last readings, settlements, documents, messages, consents, e-BOK accounts and their alert
// devices, the change history); the office corrects the contact data and exchanges a meter here.
// Not kept offline: other people's data.
import '../i18n/customer-views.js';
import '../i18n/audit-views.js';
import '../i18n/account-views.js'; // consent names
import '../i18n/account.js'; // contact-data error texts
import '../i18n/staff-views.js'; // the account-creation texts
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { queryParam } from '../router.js';
import { formatDate, formatDay, formatMoney, formatVolume, todayInWarsaw } from '../format.js';
import { Page } from '../components/page.js';
import { useForm, Field, Checkbox, FormAlert, Submit, Success } from '../components/form.js';
import { AuditTable } from '../components/audit.js';

const CONTACT = ['email', 'phone', 'street', 'house_number', 'postcode', 'town'];
const CONTACT_LABELS = { email: 'cust.email', phone: 'cust.phone', street: 'cust.street', house_number: 'cust.house',
  postcode: 'cust.postcode', town: 'cust.town' };

function ContactForm({ customer, onSaved, onCancel }) {
  const form = useForm(Object.fromEntries(CONTACT.map((k) => [k, customer[k] || ''])), {
    required: ['street', 'house_number', 'postcode', 'town'],
  });
  const submit = form.onSubmit(async (v) => {
    onSaved(await api.patch(`/api/staff/customers/${customer.id}/contact`, v));
  });
  return html`<form class="form subform" onSubmit=${submit} novalidate aria-label=${t('cust.edit')}>
    <${FormAlert} form=${form} />
    <div class="form-grid">
      ${CONTACT.map((k) => html`<${Field} form=${form} name=${k} label=${t(CONTACT_LABELS[k])} autocomplete="off"
        type=${k === 'email' ? 'email' : k === 'phone' ? 'tel' : 'text'} />`)}
    </div>
    <div class="form-actions">
      <${Submit} form=${form}>${t('cust.save')}<//>
      <button type="button" class="btn btn-secondary" onClick=${onCancel}>${t('cust.cancel')}</button>
    </div>
  </form>`;
}

function Contact({ customer, onChanged }) {
  const [editing, setEditing] = useState(false);
  const [saved, setSaved] = useState(false);
  const address = [[customer.street, customer.house_number].filter(Boolean).join(' '),
    [customer.postcode, customer.town].filter(Boolean).join(' ')].filter(Boolean).join(', ');
  return html`<section class="card" aria-labelledby="cust-contact">
    <h2 id="cust-contact">${t('cust.contact')}</h2>
    ${saved && html`<${Success}>${t('cust.saved')}<//>`}
    <dl class="facts">
      <div><dt>${t('cust.email')}</dt><dd data-testid="cust-email">${customer.email || '—'}</dd></div>
      <div><dt>${t('cust.phone')}</dt><dd data-testid="cust-phone">${customer.phone || '—'}</dd></div>
      <div><dt>${t('cust.address')}</dt><dd>${address || '—'}</dd></div>
      <div><dt>${t('cust.period')}</dt><dd>${customer.billing_period_months}</dd></div>
    </dl>
    ${editing
      ? html`<${ContactForm} customer=${customer} onCancel=${() => setEditing(false)}
          onSaved=${(next) => { setEditing(false); setSaved(true); onChanged(next); }} />`
      : html`<button type="button" class="btn btn-secondary" onClick=${() => { setSaved(false); setEditing(true); }}>
          ${t('cust.edit')}</button>`}
  </section>`;
}

function plusYears(isoDay, years) {
  const [y, m, d] = isoDay.split('-');
  return `${Number(y) + years}-${m}-${d}`;
}

function ExchangeForm({ customer, meter, onDone, onCancel }) {
  const today = todayInWarsaw();
  const form = useForm({ day: today, final_reading: '', serial: '', digits: String(meter.digits), initial_reading: '0',
    verification_due: plusYears(today, 5) }, {
    required: ['day', 'final_reading', 'serial', 'digits', 'initial_reading', 'verification_due'],
    validate: (v) => ({ digits: /^[3-9]$/.test(v.digits.trim()) ? null : 'digits_invalid' }),
  });
  const submit = form.onSubmit(async (v) => {
    await api.post(`/api/staff/customers/${customer.id}/meter-exchange`, {
      meter_id: meter.id, day: v.day, final_reading: v.final_reading.trim(), serial: v.serial.trim(),
      digits: Number(v.digits), initial_reading: v.initial_reading.trim(), verification_due: v.verification_due,
    });
    onDone(v.serial.trim());
  });
  const last = meter.last_reading ? meter.last_reading.value_litres : meter.initial_litres;
  const titleId = `exchange-${meter.id}`;
  return html`<form class="form subform" onSubmit=${submit} novalidate aria-labelledby=${titleId}>
    <h4 id=${titleId}>${t('cust.exchangeTitle', { serial: meter.serial })}</h4>
    <${FormAlert} form=${form} />
    <div class="form-grid">
      <${Field} form=${form} name="day" type="date" label=${t('cust.exchangeDay')} max=${today} />
      <${Field} form=${form} name="final_reading" label=${t('cust.finalReading')} inputmode="decimal" autocomplete="off"
        hint=${t('cust.finalHint', { value: formatVolume(last) })} />
      <${Field} form=${form} name="serial" label=${t('cust.newSerial')} autocomplete="off" />
      <${Field} form=${form} name="digits" label=${t('cust.newDigits')} inputmode="numeric" autocomplete="off" />
      <${Field} form=${form} name="initial_reading" label=${t('cust.initialReading')} inputmode="decimal" autocomplete="off" />
      <${Field} form=${form} name="verification_due" type="date" label=${t('cust.newVerification')} />
    </div>
    <div class="form-actions">
      <${Submit} form=${form}>${t('cust.exchangeSubmit')}<//>
      <button type="button" class="btn btn-secondary" onClick=${onCancel}>${t('cust.cancel')}</button>
    </div>
  </form>`;
}

function Points({ customer, onChanged }) {
  const [exchanging, setExchanging] = useState(null);
  const [done, setDone] = useState(null);
  const finished = async (serial) => {
    setExchanging(null);
    setDone(serial);
    await onChanged();
  };
  return html`<section class="card" aria-labelledby="cust-points">
    <h2 id="cust-points">${t('cust.points')}</h2>
    ${done && html`<${Success}>${t('cust.exchanged', { serial: done })}<//>`}
    ${customer.points.map((p) => html`<div class="point" key=${p.id}>
      <h3>${[p.street, p.apartment ? `${p.house_number}/${p.apartment}` : p.house_number].join(' ')}, ${p.postcode} ${p.town}
        ${p.code && html` <span class="note">(${p.code})</span>`}
        ${p.ended_on && html` <span class="badge">${t('cust.pointEnded', { date: formatDay(p.ended_on) })}</span>`}</h3>
      <div class="table-scroll"><table class="table table-stack table-wide">
        <thead><tr>
          <th scope="col">${t('cust.meter')}</th><th scope="col">${t('cust.kind')}</th>
          <th scope="col">${t('cust.installed')}</th><th scope="col">${t('cust.verification')}</th>
          <th scope="col">${t('cust.lastReading')}</th><th scope="col">${t('cust.state')}</th>
        </tr></thead>
        <tbody>${p.meters.map((m) => html`<tr key=${m.id} data-testid="cust-meter">
          <th scope="row" data-label=${t('cust.meter')}>${m.serial}</th>
          <td data-label=${t('cust.kind')}>${t(`cust.kind.${m.kind}`)}</td>
          <td data-label=${t('cust.installed')}>${formatDay(m.installed_on)}</td>
          <td data-label=${t('cust.verification')}>${formatDay(m.verification_due)}</td>
          <td data-label=${t('cust.lastReading')}>${m.last_reading
            ? `${formatVolume(m.last_reading.value_litres)} (${formatDate(m.last_reading.captured_at)})` : t('cust.noReading')}</td>
          <td data-label=${t('cust.state')}>${m.active
            ? html`${t('cust.active')}${!customer.ended_on && html` <button type="button" class="btn btn-secondary btn-small"
                onClick=${() => { setDone(null); setExchanging(m.id); }}>${t('cust.exchange', { serial: m.serial })}</button>`}`
            : t('cust.removed', { date: formatDay(m.removed_on) })}</td>
        </tr>`)}</tbody>
      </table></div>
      ${p.meters.filter((m) => m.id === exchanging).map((m) => html`<${ExchangeForm} key=${m.id} customer=${customer}
        meter=${m} onDone=${finished} onCancel=${() => setExchanging(null)} />`)}
    </div>`)}
  </section>`;
}

function Settlements({ customer }) {
  const docs = customer.payment_documents;
  return html`<section class="card" aria-labelledby="cust-settlements">
    <h2 id="cust-settlements">${t('cust.settlements')}</h2>
    <p><strong>${t('cust.balance')}: ${formatMoney(customer.balance_grosze)}</strong>
      ${customer.overdue_grosze > 0 && html` (${t('cust.overdue')}: ${formatMoney(customer.overdue_grosze)})`}</p>
    ${docs.length ? html`<div class="table-scroll"><table class="table table-stack table-wide">
      <thead><tr><th scope="col">${t('cust.docNumber')}</th><th scope="col">${t('cust.issued')}</th>
        <th scope="col">${t('cust.due')}</th><th scope="col" class="num">${t('cust.gross')}</th>
        <th scope="col" class="num">${t('cust.remaining')}</th></tr></thead>
      <tbody>${docs.map((d) => html`<tr key=${d.id}>
        <th scope="row" data-label=${t('cust.docNumber')}>${d.number}</th>
        <td data-label=${t('cust.issued')}>${formatDay(d.issue_date)}</td>
        <td data-label=${t('cust.due')}>${formatDay(d.due_date)}</td>
        <td data-label=${t('cust.gross')} class="num">${formatMoney(d.gross_grosze)}</td>
        <td data-label=${t('cust.remaining')} class="num">${formatMoney(d.remaining_grosze)}</td>
      </tr>`)}</tbody></table></div>` : html`<p>${t('cust.noDocs')}</p>`}
  </section>`;
}

function consentText(c) {
  if (c.given && c.given_at) return t('cust.given', { date: formatDate(c.given_at) });
  if (c.withdrawn_at) return t('cust.withdrawn', { date: formatDate(c.withdrawn_at) });
  return t('cust.never');
}

function CreateAccount({ customer, onCreated }) {
  const [open, setOpen] = useState(false);
  const form = useForm({ email: customer.email || '', name: customer.name || '', consent: false }, {
    required: ['email', 'name'],
    validate: (v) => ({ consent: v.consent ? null : 'consent_required' }),
  });
  const submit = form.onSubmit(async (v) => {
    await api.post('/api/staff/residents', { customer_id: customer.id, email: v.email.trim(), name: v.name.trim(),
      consent: true });
    setOpen(false);
    onCreated(v.email.trim());
  });
  if (!open) {
    return html`<button type="button" class="btn btn-secondary" onClick=${() => setOpen(true)}>${t('cust.createAccount')}</button>`;
  }
  return html`<form class="form subform" onSubmit=${submit} novalidate aria-label=${t('cust.createAccount')}>
    <${FormAlert} form=${form} />
    <${Field} form=${form} name="email" type="email" label=${t('staff.residentEmail')} autocomplete="off" />
    <${Field} form=${form} name="name" label=${t('staff.residentName')} autocomplete="off" />
    <${Checkbox} form=${form} name="consent" label=${t('staff.consentCheck')} />
    <div class="form-actions">
      <${Submit} form=${form}>${t('staff.send')}<//>
      <button type="button" class="btn btn-secondary" onClick=${() => setOpen(false)}>${t('cust.cancel')}</button>
    </div>
  </form>`;
}

function People({ customer, onChanged }) {
  const [sentTo, setSentTo] = useState(null);
  return html`<div class="cust-grid">
    <section class="card" aria-labelledby="cust-consents">
      <h2 id="cust-consents">${t('cust.consents')}</h2>
      <ul class="plain">${customer.consents.map((c) => html`<li key=${c.kind}>
        <strong>${t(`consent.${c.kind}`)}</strong>: ${consentText(c)}</li>`)}</ul>
    </section>
    <section class="card" aria-labelledby="cust-accounts">
      <h2 id="cust-accounts">${t('cust.accounts')}</h2>
      ${sentTo && html`<${Success}>${t('staff.sent', { email: sentTo })}<//>`}
      ${customer.accounts.length
        ? html`<ul class="plain">${customer.accounts.map((a) => html`<li key=${a.id}>
            ${a.email} (${a.active ? t('staff.accountActive') : t('staff.accountPending')})
            <br /><span class="note">${t('cust.devices', { count: a.devices.length })}</span>
            ${a.devices.length > 0 && html`<ul>${a.devices.map((d) => html`<li key=${d.id}>
              ${t('cust.device', { service: d.push_service, date: formatDate(d.created_at) })}</li>`)}</ul>`}
          </li>`)}</ul>`
        : html`<p>${t('cust.noAccounts')}</p>
          <${CreateAccount} customer=${customer} onCreated=${(email) => { setSentTo(email); onChanged(); }} />`}
    </section>
    <section class="card" aria-labelledby="cust-documents">
      <h2 id="cust-documents">${t('cust.documents')}</h2>
      ${customer.documents.length
        ? html`<ul class="plain">${customer.documents.map((d) => html`<li key=${d.id}>
            ${d.title} (${formatDate(d.uploaded_at)})</li>`)}</ul>`
        : html`<p>${t('cust.noDocuments')}</p>`}
    </section>
    <section class="card" aria-labelledby="cust-messages">
      <h2 id="cust-messages">${t('cust.messages')}</h2>
      ${customer.threads.length
        ? html`<ul class="plain">${customer.threads.map((th) => html`<li key=${th.id}>
            ${th.subject} (${formatDate(th.last_message_at)})</li>`)}</ul>`
        : html`<p>${t('cust.noMessages')}</p>`}
    </section>
  </div>`;
}

export function CustomerView() {
  const id = queryParam(location.search, 'id') || '';
  const [customer, setCustomer] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get(`/api/staff/customers/${encodeURIComponent(id)}`).then(setCustomer, setError);
  useEffect(() => { load(); }, [id]);
  const title = customer ? t('cust.heading', { number: customer.number, name: customer.name }) : t('cust.title');
  return html`<${Page} title=${title} className="page-wide">
    <p><a href="/biuro">${t('cust.back')}</a></p>
    ${error && html`<div class="banner banner-error" role="alert"><p>${t('error.not_found')}</p></div>`}
    ${!customer && !error && html`<p class="loading" role="status">${t('app.loading')}</p>`}
    ${customer && html`<div class="stack">
      ${customer.ended_on && html`<p class="banner banner-warn">${t('cust.ended', { date: formatDay(customer.ended_on) })}</p>`}
      <${Contact} customer=${customer} onChanged=${setCustomer} />
      <${Points} customer=${customer} onChanged=${load} />
      <${Settlements} customer=${customer} />
      <${People} customer=${customer} onChanged=${load} />
      <section class="card" aria-labelledby="cust-trail">
        <h2 id="cust-trail">${t('cust.trail')}</h2>
        ${customer.trail.length ? html`<${AuditTable} entries=${customer.trail} caption=${t('cust.trail')} />`
          : html`<p>${t('cust.noTrail')}</p>`}
      </section>
    </div>`}
  <//>`;
}
