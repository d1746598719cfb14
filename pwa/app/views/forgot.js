import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { useForm, Field, FormAlert, Submit, Success } from '../components/form.js';

export function ForgotView() {
  const [sentTo, setSentTo] = useState(null);
  const form = useForm({ email: '' }, { required: ['email'] });
  const submit = form.onSubmit(async (v) => {
    const email = v.email.trim();
    await api.post('/api/account/password-reset', { email });
    setSentTo(email); // the same answer whether or not the account exists
  });
  return html`<${Page} title=${t('forgot.title')} className="narrow">
    ${sentTo
      ? html`<${Success}>${t('forgot.done', { email: sentTo })}<//>`
      : html`<p>${t('forgot.intro')}</p>
        <form class="form" onSubmit=${submit} novalidate>
          <${FormAlert} form=${form} />
          <${Field} form=${form} name="email" type="email" label=${t('forgot.email')} autocomplete="email" />
          <div class="form-actions"><${Submit} form=${form}>${t('forgot.submit')}<//></div>
        </form>`}
    <p><a href="/logowanie">${t('forgot.back')}</a></p>
  <//>`;
}
