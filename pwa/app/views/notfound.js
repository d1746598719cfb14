import { html } from '../preact.js';
import { t } from '../i18n.js';
import { Page } from '../components/page.js';

export function NotFoundView() {
  return html`<${Page} title=${t('nf.title')} className="narrow">
    <p>${t('nf.text')}</p>
    <p><a class="btn btn-primary" href="/">${t('nf.home')}</a></p>
  <//>`;
}
