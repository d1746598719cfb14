import { html } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useApp } from '../context.js';
import { Page } from '../components/page.js';
import { useForm, Field, Checkbox, FormAlert, Submit } from '../components/form.js';
import { useUnsentCounts } from '../outbox.js';
import { LanguageSwitch } from '../components/layout.js';

// What waits on this device for a login, in words (only the kinds with something waiting).
function Waiting() {
  const counts = useUnsentCounts();
  const parts = [['reading', 'login.waitingReadings'], ['visit', 'login.waitingVisits'], ['contact', 'login.waitingMessages'],
    ['application', 'login.waitingApplications']]
    .filter(([kind]) => counts[kind] > 0).map(([kind, key]) => t(key, { count: counts[kind] }));
  if (!parts.length) return null;
  return html`<div class="banner banner-info" role="status" data-testid="login-waiting">
    <p>${t('login.waiting', { what: parts.join(', ') })}</p></div>`;
}

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
    <${LanguageSwitch} full lang=${app.lang} onChange=${app.setLanguage} />
    <p>${t('login.intro')}</p>
    <${Waiting} />
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
    <p class="note">${t('login.noAccount')} <a href="/rejestracja">${t('login.register')}</a></p>
  <//>`;
}
