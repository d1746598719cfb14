// Activation (/aktywacja) and password reset (/reset-hasla): both arrive by an e-mailed link with a
// one-time token and end with "Ustaw hasło", after which the user is logged in.
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useApp } from '../context.js';
import { queryParam } from '../router.js';
import { telHref } from '../format.js';
import { Page } from '../components/page.js';
import { useForm, Field, FormAlert, Submit } from '../components/form.js';
import { DataView } from '../components/status.js';
import { passwordChecks } from '../components/password.js';

const FLOWS = {
  activation: { title: 'activate.title', intro: 'activate.intro', done: 'activate.done', help: 'activate.invalidHelp' },
  reset: { title: 'reset.title', intro: 'reset.intro', done: 'reset.done', help: 'reset.invalidHelp' },
};
const CONFIRM = { activation: '/api/account/activate', reset: '/api/account/password-reset/confirm' };

// The token leaves the address bar at once (history, Referer, shoulder-surfing); it is kept for
// this tab only so a reload of the page still works.
function takeToken(purpose) {
  const key = `ebok.token.${purpose}`;
  const fromUrl = queryParam(location.search, 'token');
  try {
    if (fromUrl) sessionStorage.setItem(key, fromUrl);
    return fromUrl || sessionStorage.getItem(key);
  } catch {
    return fromUrl;
  } finally {
    if (fromUrl) history.replaceState(history.state, '', location.pathname);
  }
}

function forgetToken(purpose) {
  try {
    sessionStorage.removeItem(`ebok.token.${purpose}`);
  } catch {
    // nothing stored
  }
}

function InvalidLink({ purpose, config }) {
  const phone = config && config.utility && config.utility.phone;
  return html`<div class="banner banner-error" role="alert">
    <p>${t('error.token_invalid')}</p>
    <p>${t(FLOWS[purpose].help)}</p>
    ${phone && html`<p>${t('token.callOffice')} <a href=${telHref(phone)}>${phone}</a></p>`}
    ${purpose === 'reset' && html`<p><a href="/nie-pamietam-hasla">${t('reset.newLink')}</a></p>`}
  </div>`;
}

function SetPasswordForm({ purpose, token, info }) {
  const app = useApp();
  const flow = CONFIRM[info.purpose] ? info.purpose : purpose; // the server knows what the token is for
  const form = useForm({ password: '', repeat: '' }, {
    required: ['password', 'repeat'],
    validate: passwordChecks('password', 'repeat'),
  });
  const submit = form.onSubmit(async (v) => {
    const me = await api.post(CONFIRM[flow], { token, password: v.password });
    forgetToken(purpose);
    // an account the office opened (Polish until said otherwise) activated on a page shown in
    // Ukrainian or English takes that language; one registered in a language keeps its own
    const language = flow === 'activation' && me.language === 'pl' ? app.lang : undefined;
    app.signedIn(me, { to: '/', notice: t(FLOWS[flow].done), language });
  });
  return html`<p>${t(FLOWS[flow].intro)}</p>
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <div class="field">
        <label for=${form.fieldId('email')}>${t('token.email')}</label>
        <input id=${form.fieldId('email')} type="email" value=${info.email} readonly autocomplete="username" />
      </div>
      <${Field} form=${form} name="password" type="password" label=${t('token.password')} hint=${t('password.hint')}
        autocomplete="new-password" />
      <${Field} form=${form} name="repeat" type="password" label=${t('token.repeat')} autocomplete="new-password" />
      <div class="form-actions"><${Submit} form=${form}>${t('token.submit')}<//></div>
    </form>`;
}

export function TokenView({ purpose }) {
  const { config } = useApp();
  const [token] = useState(() => takeToken(purpose));
  const [check, setCheck] = useState(token ? { loading: true } : { invalid: true });

  const load = async () => {
    setCheck({ loading: true });
    try {
      setCheck({ data: await api.post('/api/account/token', { token }) });
    } catch (error) {
      setCheck(error.code === 'token_invalid' ? { invalid: true } : { error });
    }
  };
  useEffect(() => {
    if (token) load();
  }, []);

  return html`<${Page} title=${t(FLOWS[purpose].title)} className="narrow">
    ${check.invalid
      ? html`<${InvalidLink} purpose=${purpose} config=${config} />`
      : html`<${DataView} resource=${{ ...check, reload: load }} loadingText=${t('token.checking')}>
          ${(info) => html`<${SetPasswordForm} purpose=${purpose} token=${token} info=${info} />`}
        <//>`}
  <//>`;
}
