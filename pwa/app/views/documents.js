// Dokumenty: the customer's documents from the office (contracts, annexes, letters, notices) as PDF.
// New ones are marked until they are downloaded for the first time.
import '../i18n/account-views.js'; // this view's texts
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDate } from '../format.js';
import { fileSize } from '../components/documents.js';

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

export function DocumentsView() {
  const resource = useCachedData('/api/documents');
  // the first download marks the document read on the server; show it once the file has started
  const opened = () => setTimeout(resource.reload, 1500);
  return html`<${Page} title=${t('docs.title')}>
    <p>${t('docs.intro')}</p>
    <${DataView} resource=${resource}>
      ${(docs) => (docs.length
        ? html`<ul class="cards">${docs.map((d) => html`<${DocumentCard} key=${d.id} doc=${d} onOpened=${opened} />`)}</ul>`
        : html`<p>${t('docs.none')}</p>`)}
    <//>
    <p><a href="/informacje">${t('docs.toInformation')}</a></p>
  <//>`;
}
