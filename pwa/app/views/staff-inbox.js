// Office staff: the contact inbox (new messages first), a conversation with reply and close, and
// the residents' requests to delete their portal accounts.
import '../i18n/account-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the lists' column headers (wide screens)
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { formatDateTime } from '../format.js';
import { Messages, ReplyForm } from '../components/thread.js';
import { useWide } from '../components/wide.js';

const STATUSES = ['open', 'answered', 'closed', ''];

function Subject({ th }) {
  return html`<a href=${`/biuro/kontakt?watek=${th.id}`}>${th.subject}</a>
    ${th.unread && html` <span class="badge badge-wanted">${t('inbox.unread')}</span>`}`;
}

// The conversations: cards on a phone, from 1024 px a table (the subject, a link, is the row's header).
function Threads({ threads }) {
  const wide = useWide();
  if (!wide) {
    return html`<ul class="cards">${threads.map((th) => html`<li class="card" key=${th.id} data-testid="inbox-thread">
      <h3><${Subject} th=${th} /></h3>
      <p class="hint">${th.customer_number} · ${t(`msg.category.${th.category}`)} · ${t(`msg.status.${th.status}`)} · ${formatDateTime(th.last_message_at)}</p>
    </li>`)}</ul>`;
  }
  return html`<table class="table data-table" data-testid="inbox-table">
    <caption class="visually-hidden">${t('inbox.list')}</caption>
    <thead><tr><th scope="col">${t('col.subject')}</th><th scope="col">${t('col.customer')}</th><th scope="col">${t('col.category')}</th>
      <th scope="col">${t('col.status')}</th><th scope="col">${t('col.lastMessage')}</th></tr></thead>
    <tbody>${threads.map((th) => html`<tr key=${th.id} data-testid="inbox-thread">
      <th scope="row"><${Subject} th=${th} /></th><td>${th.customer_number}</td><td>${t(`msg.category.${th.category}`)}</td>
      <td>${t(`msg.status.${th.status}`)}</td><td>${formatDateTime(th.last_message_at)}</td>
    </tr>`)}</tbody>
  </table>`;
}

function Inbox() {
  const [status, setStatus] = useState('open');
  const [threads, setThreads] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api.get(`/api/staff/contact/threads?status=${status}`).then(setThreads, setError); }, [status]);
  return html`<section aria-labelledby="inbox-title">
    <h2 id="inbox-title">${t('inbox.list')}</h2>
    <div class="lang-switch" role="group" aria-label=${t('inbox.filter')}>
      ${STATUSES.map((s) => html`<button type="button" class="btn btn-secondary" aria-pressed=${s === status ? 'true' : 'false'}
        onClick=${() => setStatus(s)}>${s ? t(`msg.status.${s}`) : t('inbox.all')}</button>`)}
    </div>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    ${threads && (threads.length ? html`<${Threads} threads=${threads} />` : html`<p>${t('inbox.empty')}</p>`)}
  </section>`;
}

function Thread({ id }) {
  const [detail, setDetail] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { api.get(`/api/staff/contact/threads/${encodeURIComponent(id)}`).then(setDetail, setError); }, [id]);
  const close = async () => setDetail(await api.post(`/api/staff/contact/threads/${id}/close`));
  if (error) return html`<p class="field-error" role="alert">${errorText(error)}</p>`;
  if (!detail) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  return html`<div class="stack">
    <h2>${detail.thread.subject}</h2>
    <p class="hint">${t('inbox.customer', { number: detail.thread.customer_number, name: detail.customer_name })} ·
      ${t(`msg.category.${detail.thread.category}`)} · ${t(`msg.status.${detail.thread.status}`)}</p>
    <${Messages} messages=${detail.messages} staffView=${true} />
    <${ReplyForm} url=${`/api/staff/contact/threads/${id}/reply`} label=${t('inbox.reply')} onDone=${setDetail} />
    ${detail.thread.status !== 'closed' && html`<p><button type="button" class="btn btn-secondary" onClick=${close}>${t('inbox.close')}</button></p>`}
  </div>`;
}

export function StaffInboxView() {
  const id = queryParam(location.search, 'watek');
  return html`<${Page} title=${t('inbox.title')}>
    <p><a href=${id ? '/biuro/kontakt' : '/biuro'}>${id ? t('inbox.back') : t('staffnav.back')}</a></p>
    ${id ? html`<${Thread} id=${id} />` : html`<${Inbox} />`}
  <//>`;
}

function DeletionRequests({ rows, complete }) {
  const wide = useWide();
  const button = (r) => html`<button type="button" class="btn btn-primary" aria-describedby=${`dr-${r.id}`}
    onClick=${() => complete(r)}>${t('staffdata.complete')}</button>`;
  if (!wide) {
    return html`<ul class="cards">${rows.map((r) => html`<li class="card" key=${r.id}>
      <h2 id=${`dr-${r.id}`}>${r.email}</h2>
      <p class="hint">${t('staffdata.customers', { numbers: r.customer_numbers })} · ${formatDateTime(r.requested_at)}</p>
      ${r.reason && html`<p>${r.reason}</p>`}
      ${button(r)}
    </li>`)}</ul>`;
  }
  return html`<table class="table data-table" data-testid="deletion-requests">
    <caption class="visually-hidden">${t('staffdata.title')}</caption>
    <thead><tr><th scope="col">${t('col.email')}</th><th scope="col">${t('col.customers')}</th><th scope="col">${t('col.requested')}</th>
      <th scope="col">${t('col.reason')}</th><th scope="col">${t('col.actions')}</th></tr></thead>
    <tbody>${rows.map((r) => html`<tr key=${r.id}>
      <th scope="row" id=${`dr-${r.id}`} class="break">${r.email}</th><td>${[].concat(r.customer_numbers).join(', ')}</td>
      <td>${formatDateTime(r.requested_at)}</td><td>${r.reason || '—'}</td><td>${button(r)}</td>
    </tr>`)}</tbody>
  </table>`;
}

export function StaffDataView() {
  const [rows, setRows] = useState(null);
  const [error, setError] = useState(null);
  const load = () => api.get('/api/staff/deletion-requests').then(setRows, setError);
  useEffect(() => { load(); }, []);
  const complete = async (r) => {
    if (!window.confirm(t('staffdata.confirm', { email: r.email }))) return;
    await api.post(`/api/staff/deletion-requests/${r.id}/complete`).catch(setError);
    load();
  };
  return html`<${Page} title=${t('staffdata.title')}>
    <p><a href="/biuro">${t('staffnav.back')}</a></p>
    <p>${t('staffdata.intro')}</p>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    ${rows && (rows.length ? html`<${DeletionRequests} rows=${rows} complete=${complete} />` : html`<p>${t('staffdata.none')}</p>`)}
  <//>`;
}

