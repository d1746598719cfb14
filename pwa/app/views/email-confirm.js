// The link from the e-mail that confirms a new login address. Opening the page changes nothing by
// itself (mail scanners open links too); the button does.
import '../i18n/account-views.js'; // this view's texts
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useApp } from '../context.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { useForm, FormAlert, Submit } from '../components/form.js';

export function EmailConfirmView() {
  const app = useApp();
  const token = queryParam(location.search, 'token') || '';
  const form = useForm({});
  const submit = form.onSubmit(async () => {
    const me = await api.post('/api/profile/email/confirm', { token });
    app.signedIn(me, { to: '/konto', notice: t('profile.emailDone', { email: me.email }) });
  });
  return html`<${Page} title=${t('profile.confirmTitle')} className="narrow">
    <p>${t('profile.confirmText')}</p>
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <div class="form-actions"><${Submit} form=${form}>${t('profile.confirmButton')}<//></div>
    </form>
  <//>`;
}
