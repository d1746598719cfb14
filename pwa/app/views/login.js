import { html } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useApp } from '../context.js';
import { Page } from '../components/page.js';
import { useForm, Field, Checkbox, FormAlert, Submit } from '../components/form.js';

export function LoginView() {
  const app = useApp();
  const form = useForm({ login: '', password: '', remember: false }, {
    required: ['login', 'password'],
    markOnError: { invalid_credentials: ['login', 'password'] },
  });
  const submit = form.onSubmit(async (v) => {
    const me = await api.post('/api/session', { login: v.login.trim(), password: v.password, remember: v.remember });
    app.signedIn(me); // the app takes the user back to where they were going
  });
  return html`<${Page} title=${t('login.title')} className="narrow">
    <p>${t('login.intro')}</p>
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="login" label=${t('login.login')} autocomplete="username" autocapitalize="none" spellcheck=${false} />
      <${Field} form=${form} name="password" type="password" label=${t('login.password')} autocomplete="current-password" />
      <${Checkbox} form=${form} name="remember" label=${t('login.remember')} />
      <div class="form-actions">
        <${Submit} form=${form}>${t('login.submit')}<//>
        <a href="/nie-pamietam-hasla">${t('login.forgot')}</a>
      </div>
    </form>
    <p class="note">${t('login.noAccount')}</p>
  <//>`;
}
