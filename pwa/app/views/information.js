// Informacje (public, no login): price lists, contract templates, forms, the e-BOK rules and the
// accessibility statement, grouped by kind.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/public-views.js';
import '../i18n/tables-views.js'; // the tables' column headers (wide screens)
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDate } from '../format.js';
import { fileSize, PUBLIC_CATEGORIES } from '../components/documents.js';
import { useWide } from '../components/wide.js';

function download(d) {
  return html`<a class="btn btn-secondary" href=${`/api/information/${d.id}/file`} download=${d.file_name}
    aria-describedby=${`pub-${d.id}`}>${t('docs.download')}</a>`;
}

// One kind of documents: cards on a phone, from 1024 px a table named by the kind.
function Group({ category, docs }) {
  const wide = useWide();
  const name = t(`info.category.${category}`);
  return html`<section>
    <h2>${name}</h2>
    ${wide
      ? html`<table class="table data-table">
        <caption class="visually-hidden">${name}</caption>
        <thead><tr><th scope="col">${t('col.title')}</th><th scope="col">${t('col.added')}</th><th scope="col" class="num">${t('col.size')}</th>
          <th scope="col"><span class="visually-hidden">${t('docs.download')}</span></th></tr></thead>
        <tbody>${docs.map((d) => html`<tr key=${d.id} data-testid="public-document">
          <th scope="row"><span id=${`pub-${d.id}`}>${d.title}</span>${d.description && html`<span class="hint cell-note">${d.description}</span>`}</th>
          <td>${formatDate(d.uploaded_at)}</td><td class="num">${t('docs.pages', { pages: d.pages })} · ${fileSize(d.size)}</td>
          <td>${download(d)}</td>
        </tr>`)}</tbody>
      </table>`
      : html`<ul class="cards">${docs.map((d) => html`<li class="card" key=${d.id} data-testid="public-document">
        <h3 id=${`pub-${d.id}`}>${d.title}</h3>
        ${d.description && html`<p>${d.description}</p>`}
        <p class="hint">${t('docs.added', { date: formatDate(d.uploaded_at) })} · ${t('docs.pages', { pages: d.pages })} · ${fileSize(d.size)}</p>
        <p class="actions">${download(d)}</p>
      </li>`)}</ul>`}
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
