// Rejestracja: an account without a visit to the office. The customer number and one of the last
// three invoices (number and gross amount) prove who you are; the activation link then goes to the
// e-mail given. The answer is always the same, so it says nothing about whether the data matched.
import '../i18n/account-views.js'; // this view's texts
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useApp } from '../context.js';
import { Page } from '../components/page.js';
import { useForm, Field, Checkbox, FormAlert, Submit, Success } from '../components/form.js';

export function RegisterView() {
  const app = useApp();
  const [sentTo, setSentTo] = useState(null);
  const empty = { customer_number: '', invoice_number: '', gross_amount: '', email: '', name: '', consent: false };
  const form = useForm(empty, {
    required: ['customer_number', 'invoice_number', 'gross_amount', 'email', 'name'],
    validate: (v) => ({ consent: v.consent ? null : 'consent_required_register' }),
  });
  const submit = form.onSubmit(async (v) => {
    await api.post('/api/register', {
      customer_number: v.customer_number.trim(), invoice_number: v.invoice_number.trim(),
      gross_amount: v.gross_amount.trim(), email: v.email.trim(), name: v.name.trim(), consent: true,
      language: app.lang, // the account's language, and its activation mail's
    });
    setSentTo(v.email.trim());
    form.reset(empty);
  });
  return html`<${Page} title=${t('register.title')} className="narrow">
    <p>${t('register.intro')}</p>
    ${sentTo && html`<${Success}>${t('register.done', { email: sentTo })}<//>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="customer_number" label=${t('register.customerNumber')} hint=${t('register.customerNumberHint')} inputmode="numeric" autocomplete="off" />
      <${Field} form=${form} name="invoice_number" label=${t('register.invoiceNumber')} hint=${t('register.invoiceHint')} autocomplete="off" />
      <${Field} form=${form} name="gross_amount" label=${t('register.gross')} hint=${t('register.grossHint')} inputmode="decimal" autocomplete="off" />
      <${Field} form=${form} name="name" label=${t('register.name')} autocomplete="name" />
      <${Field} form=${form} name="email" type="email" label=${t('register.email')} autocomplete="email" />
      <${Checkbox} form=${form} name="consent" label=${t('register.consent')} />
      <div class="form-actions"><${Submit} form=${form}>${t('register.submit')}<//></div>
    </form>
    <p><a href="/logowanie">${t('forgot.back')}</a></p>
  <//>`;
}
