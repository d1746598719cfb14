// Moje konto, the parts the resident edits: correspondence address and phone per customer, a new
// login e-mail (takes effect after the link sent to it is opened), consents with their history
// (withdrawing is the same one click as giving), and links to the other self-service pages.
import '../i18n/account-views.js'; // the account page's texts
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api, request } from '../api.js';
import { useCachedData } from '../resource.js';
import { DataView } from './status.js';
import { useForm, Field, FormAlert, Submit, Success } from './form.js';
import { formatDateTime } from '../format.js';

function Correspondence({ customer, onSaved }) {
  const [done, setDone] = useState(false);
  const form = useForm({
    street: customer.street, house_number: customer.house_number, postcode: customer.postcode,
    town: customer.town, phone: customer.phone,
  }, { required: ['street', 'house_number', 'postcode', 'town'] });
  const submit = form.onSubmit(async (v) => {
    setDone(false);
    const profile = await api.patch(`/api/profile/customers/${customer.customer_id}`, {
      street: v.street.trim(), house_number: v.house_number.trim(), postcode: v.postcode.trim(), town: v.town.trim(),
      phone: v.phone.trim(),
    });
    setDone(true);
    onSaved(profile);
  });
  return html`<form class="form subform" onSubmit=${submit} novalidate aria-labelledby=${`${form.id}-t`}>
    <h3 id=${`${form.id}-t`}>${t('profile.addressFor', { number: customer.number })}</h3>
    ${done && html`<${Success}>${t('profile.saved')}<//>`}
    <${FormAlert} form=${form} />
    <${Field} form=${form} name="street" label=${t('profile.street')} autocomplete="address-line1" />
    <${Field} form=${form} name="house_number" label=${t('profile.houseNumber')} />
    <${Field} form=${form} name="postcode" label=${t('profile.postcode')} hint=${t('profile.postcodeHint')} autocomplete="postal-code" inputmode="numeric" />
    <${Field} form=${form} name="town" label=${t('profile.town')} autocomplete="address-level2" />
    <${Field} form=${form} name="phone" type="tel" label=${t('profile.phone')} autocomplete="tel" />
    <div class="form-actions"><${Submit} form=${form}>${t('profile.save')}<//></div>
  </form>`;
}

function EmailChange({ profile, onChanged }) {
  const form = useForm({ new_email: '', password: '' }, { required: ['new_email', 'password'] });
  const submit = form.onSubmit(async (v) => {
    const updated = await api.post('/api/profile/email', { new_email: v.new_email.trim(), password: v.password });
    form.reset({ new_email: '', password: '' });
    onChanged(updated);
  });
  return html`<section class="card" aria-labelledby="email-change">
    <h2 id="email-change">${t('profile.emailTitle')}</h2>
    <p>${t('profile.emailNow', { email: profile.email })}</p>
    ${profile.pending_email && html`<div class="banner banner-info" role="status"><p>${t('profile.emailPending', { email: profile.pending_email })}</p></div>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="new_email" type="email" label=${t('profile.newEmail')} autocomplete="email" />
      <${Field} form=${form} name="password" type="password" label=${t('profile.password')} autocomplete="current-password" />
      <div class="form-actions"><${Submit} form=${form}>${t('profile.emailSubmit')}<//></div>
    </form>
  </section>`;
}

export function ProfileSection() {
  const resource = useCachedData('/api/profile');
  const [profile, setProfile] = useState(null);
  return html`<${DataView} resource=${resource}>${(data) => {
    const p = profile || data;
    return html`<section class="card" aria-labelledby="correspondence">
        <h2 id="correspondence">${t('profile.title')}</h2>
        <p class="hint">${t('profile.intro')}</p>
        ${p.customers.map((c) => html`<${Correspondence} key=${c.customer_id} customer=${c} onSaved=${setProfile} />`)}
      </section>
      <${EmailChange} profile=${p} onChanged=${setProfile} />`;
  }}<//>`;
}

// Push alerts are a device's: giving the consent turns them on on this device (the click lets the
// browser ask for permission), withdrawing turns them off on every device of the account; the
// server records the consent from the devices' subscriptions, so Awarie and this screen agree.
async function setPushAlerts(given) {
  const push = await import('../push.js');
  if (given) {
    if (!push.pushSupported()) throw Object.assign(new Error('push_unsupported'), { code: 'push_unsupported' });
    await push.enablePush();
    return;
  }
  await push.disablePush();
  const others = await api.get('/api/push/subscriptions');
  for (const s of others) await request('DELETE', `/api/push/subscriptions/${s.id}`);
}

function Consent({ customerId, consent, onChange, onReload }) {
  const [error, setError] = useState(null);
  const [busy, setBusy] = useState(false);
  const titleId = `consent-${customerId}-${consent.kind}`;
  const toggle = async () => {
    if (busy) return;
    // the contact data carry e-Faktura and alert e-mails: say so before they end with it
    if (consent.kind === 'contact_data' && consent.given && !window.confirm(t('consent.contactDataConfirm'))) return;
    setBusy(true);
    setError(null);
    try {
      if (consent.kind === 'push_alerts') {
        await setPushAlerts(!consent.given);
        onReload();
      } else {
        onChange(consent.kind, await request('PUT', `/api/consents/${customerId}/${consent.kind}`, { given: !consent.given }));
        if (consent.kind === 'contact_data') onReload(); // e-Faktura and alert e-mails changed with it
      }
    } catch (err) {
      setError(err.code === 'denied' ? { code: 'push_denied' } : err);
    } finally {
      setBusy(false);
    }
  };
  return html`<li class="card" data-testid=${`consent-${consent.kind}`}>
    <h3 id=${titleId}>${t(`consent.${consent.kind}`)}</h3>
    <p class="hint">${t(`consent.${consent.kind}.about`)}</p>
    <p role="status"><strong>${consent.given ? t('consent.given', { date: formatDateTime(consent.given_at) })
      : consent.withdrawn_at ? t('consent.withdrawn', { date: formatDateTime(consent.withdrawn_at) }) : t('consent.never')}</strong></p>
    <button type="button" class=${consent.given ? 'btn btn-secondary' : 'btn btn-primary'} aria-describedby=${titleId}
      aria-disabled=${busy ? 'true' : 'false'} onClick=${toggle}>${consent.given ? t('consent.withdraw') : t('consent.give')}</button>
    ${consent.kind === 'contact_data' && !consent.given && consent.withdrawn_at
      && html`<p class="note" data-testid="contact-data-effect">${t('consent.contactDataOff')}</p>`}
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    ${consent.history.length > 0 && html`<details>
      <summary>${t('consent.history')}</summary>
      <ul class="plain">${consent.history.map((h) => html`<li>${formatDateTime(h.at)} — ${t(`consent.action.${h.action}`)}
        (${t(`consent.channel.${h.channel}`)})</li>`)}</ul>
    </details>`}
  </li>`;
}

export function ConsentsSection() {
  const resource = useCachedData('/api/consents');
  const [changed, setChanged] = useState({});
  return html`<section class="card" aria-labelledby="consents">
    <h2 id="consents">${t('consent.title')}</h2>
    <p class="hint">${t('consent.intro')}</p>
    <${DataView} resource=${resource}>${(customers) => customers.map((c) => html`<div>
      ${customers.length > 1 && html`<h3>${t('account.customer', { number: c.number, name: c.name })}</h3>`}
      <ul class="cards">${c.consents.map((consent) => html`<${Consent} key=${consent.kind} customerId=${c.customer_id}
        consent=${changed[`${c.customer_id}/${consent.kind}`] || consent}
        onChange=${(kind, state) => setChanged((m) => ({ ...m, [`${c.customer_id}/${kind}`]: state }))}
        onReload=${() => { setChanged({}); resource.reload(); }} />`)}</ul>
    </div>`)}<//>
  </section>`;
}

const MORE = [
  { path: '/dokumenty', key: 'more.documents' },
  { path: '/kontakt', key: 'more.contact' },
  { path: '/wnioski', key: 'more.applications' },
  { path: '/informacje', key: 'more.information' },
  { path: '/moje-dane', key: 'more.myData' },
];

export function MoreLinks() {
  return html`<nav class="card shortcuts" aria-labelledby="more-title">
    <h2 id="more-title">${t('more.title')}</h2>
    <ul>${MORE.map((m) => html`<li><a class="shortcut" href=${m.path}>${t(m.key)}</a></li>`)}</ul>
  </nav>`;
}
