// Informacje (public, no login): price lists, contract templates, forms, the e-BOK rules and the
// accessibility statement, grouped by kind.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/public-views.js';
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDate } from '../format.js';
import { fileSize, PUBLIC_CATEGORIES } from '../components/documents.js';

function Group({ category, docs }) {
  return html`<section>
    <h2>${t(`info.category.${category}`)}</h2>
    <ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id} data-testid="public-document">
      <h3 id=${`pub-${d.id}`}>${d.title}</h3>
      ${d.description && html`<p>${d.description}</p>`}
      <p class="hint">${t('docs.added', { date: formatDate(d.uploaded_at) })} · ${t('docs.pages', { pages: d.pages })} · ${fileSize(d.size)}</p>
      <p class="actions"><a class="btn btn-secondary" href=${`/api/information/${d.id}/file`} download=${d.file_name}
        aria-describedby=${`pub-${d.id}`}>${t('docs.download')}</a></p>
    </li>`)}</ul>
  </section>`;
}

export function InformationView() {
  const resource = useCachedData('/api/information');
  return html`<${Page} title=${t('info.title')}>
    <p>${t('info.intro')}</p>
    <p><a class="btn btn-secondary" href="/cennik">${t('prices.link')}</a></p>
    <${DataView} resource=${resource}>
      ${(docs) => (docs.length
        ? PUBLIC_CATEGORIES.filter((c) => docs.some((d) => d.category === c)).map((c) => html`<${Group}
            category=${c} docs=${docs.filter((d) => d.category === c)} />`)
        : html`<p>${t('info.none')}</p>`)}
    <//>
  <//>`;
}
