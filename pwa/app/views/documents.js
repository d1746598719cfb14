// Dokumenty: the customer's documents from the office (contracts, annexes, letters, notices) as PDF.
// New ones are marked until they are downloaded for the first time.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the table's column headers (wide screens)
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDate } from '../format.js';
import { fileSize } from '../components/documents.js';
import { useWide } from '../components/wide.js';

function DocumentCard({ doc, onOpened }) {
  const titleId = `doc-${doc.id}`;
  return html`<li class="card" data-testid="document">
    <h2 id=${titleId}>${doc.title}
      ${doc.unread && html` <span class="badge badge-wanted" data-testid="unread">${t('docs.new')}</span>`}</h2>
    <p class="hint">${t(`docs.category.${doc.category}`)} · ${t('docs.customer', { number: doc.customer_number })} ·
      ${t('docs.added', { date: formatDate(doc.uploaded_at) })} · ${t('docs.pages', { pages: doc.pages })} · ${fileSize(doc.size)}</p>
    <p class="actions"><a class="btn btn-secondary" href=${`/api/documents/${doc.id}/file`} download=${doc.file_name}
      aria-describedby=${titleId} onClick=${onOpened}>${t('docs.download')}</a></p>
  </li>`;
}

// From 1024 px the documents as one table: the title (with "Nowy") is the row's header.
function DocumentTable({ docs, onOpened }) {
  return html`<table class="table data-table" data-testid="documents-table">
    <caption class="visually-hidden">${t('docs.title')}</caption>
    <thead><tr><th scope="col">${t('col.title')}</th><th scope="col">${t('col.kind')}</th><th scope="col">${t('col.customer')}</th>
      <th scope="col">${t('col.added')}</th><th scope="col" class="num">${t('col.size')}</th>
      <th scope="col"><span class="visually-hidden">${t('docs.download')}</span></th></tr></thead>
    <tbody>${docs.map((doc) => html`<tr key=${doc.id} data-testid="document">
      <th scope="row" id=${`doc-${doc.id}`}>${doc.title}
        ${doc.unread && html` <span class="badge badge-wanted" data-testid="unread">${t('docs.new')}</span>`}</th>
      <td>${t(`docs.category.${doc.category}`)}</td><td>${doc.customer_number}</td><td>${formatDate(doc.uploaded_at)}</td>
      <td class="num">${t('docs.pages', { pages: doc.pages })} · ${fileSize(doc.size)}</td>
      <td><a class="btn btn-secondary" href=${`/api/documents/${doc.id}/file`} download=${doc.file_name}
        aria-describedby=${`doc-${doc.id}`} onClick=${onOpened}>${t('docs.download')}</a></td>
    </tr>`)}</tbody>
  </table>`;
}

function Documents({ docs, onOpened }) {
  const wide = useWide();
  if (wide) return html`<${DocumentTable} docs=${docs} onOpened=${onOpened} />`;
  return html`<ul class="cards">${docs.map((d) => html`<${DocumentCard} key=${d.id} doc=${d} onOpened=${onOpened} />`)}</ul>`;
}

export function DocumentsView() {
  const resource = useCachedData('/api/documents');
  // the first download marks the document read on the server; show it once the file has started
  const opened = () => setTimeout(resource.reload, 1500);
  return html`<${Page} title=${t('docs.title')}>
    <p>${t('docs.intro')}</p>
    <${DataView} resource=${resource}>
      ${(docs) => (docs.length
        ? html`<${Documents} docs=${docs} onOpened=${opened} />`
        : html`<p>${t('docs.none')}</p>`)}
    <//>
    <p><a href="/informacje">${t('docs.toInformation')}</a></p>
  <//>`;
}
