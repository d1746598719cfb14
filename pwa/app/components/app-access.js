// Konto → "Dostęp dla aplikacji": a resident's own read-only tokens (e.g. for Home Assistant): made
// here and shown once, listed by name with when they were last used, revoked with one button.
import '../i18n/integration-views.js'; // this section's texts
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { formatDateTime } from '../format.js';

export function AppAccessSection() {
  const [tokens, setTokens] = useState(null);
  const [name, setName] = useState('');
  const [secret, setSecret] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const load = () => api.get('/api/account/app-tokens/').then(setTokens, setError);
  useEffect(() => { load(); }, []);
  const create = async (event) => {
    event.preventDefault();
    setError(null);
    setNotice('');
    try {
      const created = await api.post('/api/account/app-tokens/', { name: name.trim() });
      setSecret(created.secret);
      setName('');
      load();
    } catch (err) {
      setError(err);
      document.getElementById('access-name')?.focus();
    }
  };
  const revoke = async (tok) => {
    if (!window.confirm(t('access.revokeConfirm', { name: tok.name }))) return;
    await api.del(`/api/account/app-tokens/${tok.id}`).catch(setError);
    setNotice(t('access.revoked'));
    load();
  };
  return html`<section class="card" aria-labelledby="access-title">
    <h2 id="access-title">${t('access.title')}</h2>
    <p>${t('access.intro')}</p>
    ${secret && html`<div class="banner banner-ok" role="status" data-testid="app-token">
      <p>${t('access.tokenOnce')}</p>
      <p><code class="secret">${secret}</code></p>
      <button type="button" class="btn btn-secondary" onClick=${() => setSecret(null)}>${t('access.tokenDone')}</button>
    </div>`}
    <p role="status" class="hint">${notice}</p>
    ${tokens && (tokens.length ? html`<ul class="plain">${tokens.map((tok) => html`<li key=${tok.id} data-testid="app-token-row">
      <strong>${tok.name}</strong> · ${t('access.created', { date: formatDateTime(tok.created_at) })} ·
      ${tok.last_used_at ? t('access.lastUsed', { date: formatDateTime(tok.last_used_at) }) : t('access.neverUsed')}
      <button type="button" class="btn btn-secondary" onClick=${() => revoke(tok)}
        aria-label=${`${t('access.revoke')}: ${tok.name}`}>${t('access.revoke')}</button>
    </li>`)}</ul>` : html`<p>${t('access.none')}</p>`)}
    <form class="form" onSubmit=${create} novalidate>
      <div class="field"><label for="access-name">${t('access.name')}</label>
        <p class="hint" id="access-name-hint">${t('access.nameHint')}</p>
        <input id="access-name" value=${name} maxlength="100" autocomplete="off" required
          aria-invalid=${error ? 'true' : 'false'} aria-describedby=${error ? 'access-name-hint access-error' : 'access-name-hint'}
          onInput=${(e) => setName(e.currentTarget.value)} /></div>
      ${error && html`<p class="field-error" id="access-error" role="alert">${errorText(error)}</p>`}
      <div class="form-actions"><button type="submit" class="btn btn-primary">${t('access.create')}</button></div>
    </form>
  </section>`;
}
