// Kontakt: write to the office (category, subject, text, up to 3 photos or PDFs). The message goes
// into the same IndexedDB outbox as readings, so it waits there without signal and is sent once
// (Idempotency-Key) when the phone is back online. Below: earlier conversations with the office.
import '../i18n/account-views.js'; // this view's texts
import { html, useEffect, useState } from '../preact.js';
import { t } from '../i18n.js';
import { useApp } from '../context.js';
import { useCachedData } from '../resource.js';
import { useOutbox, addContactMessage } from '../outbox.js';
import { QueuedUploads } from '../components/queued.js';
import { Attachments, prepareFiles } from '../components/attachments.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { useForm, Field, Select, FormAlert, Submit, Success } from '../components/form.js';
import { TextArea } from '../components/textarea.js';
import { formatDateTime } from '../format.js';

const CATEGORIES = ['question', 'complaint', 'meter_problem', 'data_change', 'outage_report'];
const MAX_FILES = 3; // backend contact/schemas.MAX_ATTACHMENTS
function NewMessage({ customers }) {
  const app = useApp();
  const [files, setFiles] = useState([]);
  const [saved, setSaved] = useState(false);
  const empty = { customer_id: customers[0] ? customers[0].id : '', category: 'question', subject: '', body: '', attachment: '' };
  const form = useForm(empty, {
    required: ['customer_id', 'category', 'subject', 'body'],
    validate: () => ({ attachment: files.length > MAX_FILES ? 'too_many_attachments' : null }),
  });
  const submit = form.onSubmit(async (v) => {
    setSaved(false);
    const attachments = await prepareFiles(files).catch((err) => { throw Object.assign(err, { field: 'attachment' }); });
    await addContactMessage({
      customerId: v.customer_id, category: v.category, subject: v.subject.trim(), body: v.body.trim(), attachments,
      userId: app.me && app.me.id,
    });
    form.reset(empty);
    setFiles([]);
    setSaved(true);
  });
  return html`<section class="card" aria-labelledby="new-message">
    <h2 id="new-message">${t('msg.new')}</h2>
    ${saved && html`<${Success}>${navigator.onLine ? t('msg.saved') : t('msg.savedOffline')}<//>`}
    <form class="form" onSubmit=${submit} novalidate>
      <${FormAlert} form=${form} />
      ${customers.length > 1 && html`<${Select} form=${form} name="customer_id" label=${t('msg.customer')}
        options=${customers.map((c) => [c.id, t('account.customer', { number: c.number, name: c.name })])} />`}
      <${Select} form=${form} name="category" label=${t('msg.category')}
        options=${CATEGORIES.map((c) => [c, t(`msg.category.${c}`)])} />
      <${Field} form=${form} name="subject" label=${t('msg.subject')} maxlength="200" />
      <${TextArea} form=${form} name="body" label=${t('msg.body')} />
      <${Attachments} form=${form} files=${files} setFiles=${setFiles} max=${MAX_FILES} />
      <div class="form-actions"><${Submit} form=${form}>${t('msg.send')}<//></div>
    </form>
  </section>`;
}

const QUEUED = { heading: 'msg.outbox', unsent: 'msg.unsent', loginAgain: 'msg.loginAgain', discardConfirm: 'msg.discardConfirm',
  discard: 'msg.discard' };
const Waiting = () => html`<${QueuedUploads} kind="contact" testid="contact" texts=${QUEUED}
  title=${(item) => html`<strong>${item.subject}</strong> · ${t(`msg.category.${item.category}`)}`} />`;

function Threads() {
  const resource = useCachedData('/api/contact/threads');
  const items = useOutbox('contact');
  const sentCount = items.filter((i) => i.state === 'sent').length;
  useEffect(() => { if (sentCount) resource.reload(); }, [sentCount]); // a queued message has arrived
  return html`<section aria-labelledby="threads-title">
    <h2 id="threads-title">${t('msg.threads')}</h2>
    <${DataView} resource=${resource}>
      ${(threads) => (threads.length
        ? html`<ul class="cards">${threads.map((th) => html`<li class="card" key=${th.id} data-testid="thread">
            <h3><a href=${`/kontakt/watek?id=${th.id}`}>${th.subject}</a>
              ${th.unread && html` <span class="badge badge-wanted">${t('msg.newReply')}</span>`}</h3>
            <p class="hint">${t(`msg.category.${th.category}`)} · ${t(`msg.status.${th.status}`)} · ${formatDateTime(th.last_message_at)}</p>
          </li>`)}</ul>`
        : html`<p>${t('msg.noThreads')}</p>`)}
    <//>
  </section>`;
}

export function ContactView() {
  const app = useApp();
  const customers = (app.me && app.me.customers) || [];
  return html`<${Page} title=${t('msg.title')}>
    <div class="stack">
      <p>${t('msg.intro')}</p>
      <${Waiting} />
      ${customers.length ? html`<${NewMessage} customers=${customers} />` : html`<p>${t('dash.noCustomers')}</p>`}
      <${Threads} />
    </div>
  <//>`;
}
