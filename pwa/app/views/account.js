import { html, useState } from '../preact.js';
import { t, LANGUAGES } from '../i18n.js';
import { api, remember } from '../api.js';
import { useApp } from '../context.js';
import { Page } from '../components/page.js';
import { useForm, Field, FormAlert, Submit, Success } from '../components/form.js';
import { passwordChecks } from '../components/password.js';
import { ProfileSection, ConsentsSection, MoreLinks } from '../components/account-sections.js';
import { AppAccessSection } from '../components/app-access.js';
import { PreferencesSection } from '../components/preferences.js';
import { LANGUAGE_NAMES } from '../components/layout.js';


function AccountData({ me }) {
  return html`<section class="card">
    <h2>${t('account.data')}</h2>
    <dl class="facts">
      <div><dt>${t('account.name')}</dt><dd>${me.name}</dd></div>
      <div><dt>${t('account.email')}</dt><dd>${me.email}</dd></div>
      <div><dt>${t('account.role')}</dt><dd>${t(`role.${me.role}`)}</dd></div>
      ${me.customers.length > 0 && html`<div><dt>${t('account.customers')}</dt><dd><ul class="plain">
        ${me.customers.map((c) => html`<li>${t('account.customer', { number: c.number, name: c.name })}</li>`)}
      </ul></dd></div>`}
    </dl>
  </section>`;
}

function LanguageChoice({ lang, onChange }) {
  return html`<section class="card">
    <h2>${t('account.language')}</h2>
    <fieldset class="choices">
      <legend class="visually-hidden">${t('account.language')}</legend>
      ${LANGUAGES.map((code) => html`<div class="field-check">
        <input type="radio" id=${`lang-${code}`} name="language" value=${code} checked=${code === lang}
          onChange=${() => onChange(code)} />
        <label for=${`lang-${code}`} lang=${code}>${LANGUAGE_NAMES[code]}</label>
      </div>`)}
    </fieldset>
  </section>`;
}

function ChangePassword({ onChanged }) {
  const [done, setDone] = useState(false);
  const empty = { current_password: '', new_password: '', repeat: '' };
  const form = useForm(empty, {
    required: ['current_password', 'new_password', 'repeat'],
    validate: passwordChecks('new_password', 'repeat'),
  });
  const submit = form.onSubmit(async (v) => {
    setDone(false);
    const me = await api.post('/api/account/password', { current_password: v.current_password, new_password: v.new_password });
    form.reset(empty);
    setDone(true);
    onChanged(me);
  });
  return html`<section class="card">
    <h2>${t('account.password')}</h2>
    ${done && html`<${Success}>${t('pw.done')}<//>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      <${Field} form=${form} name="current_password" type="password" label=${t('pw.current')} autocomplete="current-password" />
      <${Field} form=${form} name="new_password" type="password" label=${t('pw.new')} hint=${t('password.hint')} autocomplete="new-password" />
      <${Field} form=${form} name="repeat" type="password" label=${t('pw.repeat')} autocomplete="new-password" />
      <div class="form-actions"><${Submit} form=${form}>${t('pw.submit')}<//></div>
    </form>
  </section>`;
}

export function AccountView() {
  const app = useApp();
  const updated = (me) => {
    app.setMe(me);
    remember('/api/me', me);
  };
  return html`<${Page} title=${t('account.title')}>
    <div class="stack">
      <${AccountData} me=${app.me} />
      ${app.me.role === 'resident' && html`<${MoreLinks} />`}
      ${app.me.role === 'resident' && html`<${ProfileSection} />`}
      ${app.me.role === 'resident' && html`<${PreferencesSection} />`}
      ${app.me.role === 'resident' && html`<${ConsentsSection} />`}
      ${app.me.role === 'resident' && html`<${AppAccessSection} />`}
      <${LanguageChoice} lang=${app.lang} onChange=${app.setLanguage} />
      <${ChangePassword} onChanged=${updated} />
    </div>
  <//>`;
}
