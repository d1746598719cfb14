// One conversation with the office: the messages, their photos and PDFs, and a follow-up.
// Shared with the office's inbox (staff reply and close from the same component).
import '../i18n/account-views.js'; // this view's texts
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useCachedData } from '../resource.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { useForm, FormAlert, Submit, Success } from '../components/form.js';
import { formatDateTime } from '../format.js';
import { TextArea } from './contact.js';

function Attachment({ a }) {
  const url = `/api/contact/attachments/${a.id}`;
  if (a.kind === 'photo') {
    return html`<li><a href=${url} target="_blank" rel="noopener"><img src=${url} alt=${t('msg.photoAlt', { name: a.file_name })}
      class="photo-thumb" loading="lazy" /></a></li>`;
  }
  return html`<li><a href=${url} download=${a.file_name}>${t('msg.pdf', { name: a.file_name })}</a></li>`;
}

export function Messages({ messages, staffView }) {
  return html`<ol class="cards" aria-label=${t('msg.messages')}>
    ${messages.map((m) => html`<li class=${`card ${m.from_staff ? 'state-sent' : ''}`} key=${m.id} data-testid="message">
      <p><strong>${m.from_staff ? (staffView && m.author_name ? t('msg.fromStaffNamed', { name: m.author_name }) : t('msg.fromOffice'))
        : (m.author_name || t('msg.fromCustomer'))}</strong> · ${formatDateTime(m.created_at)}</p>
      <p>${m.body.split('\n').map((line, i) => html`${i > 0 && html`<br />`}${line}`)}</p>
      ${m.attachments.length > 0 && html`<ul class="plain">${m.attachments.map((a) => html`<${Attachment} a=${a} />`)}</ul>`}
    </li>`)}
  </ol>`;
}

export function ReplyForm({ url, label, onDone }) {
  const [done, setDone] = useState(false);
  const form = useForm({ body: '' }, { required: ['body'] });
  const submit = form.onSubmit(async (v) => {
    setDone(false);
    const detail = await api.post(url, { body: v.body.trim() });
    form.reset({ body: '' });
    setDone(true);
    onDone(detail);
  });
  return html`<form class="form" onSubmit=${submit} novalidate>
    ${done && html`<${Success}>${t('msg.replySent')}<//>`}
    <${FormAlert} form=${form} />
    <${TextArea} form=${form} name="body" label=${label} rows="4" />
    <div class="form-actions"><${Submit} form=${form}>${t('msg.replySend')}<//></div>
  </form>`;
}

export function ContactThreadView() {
  const id = queryParam(location.search, 'id') || '';
  const resource = useCachedData(`/api/contact/threads/${encodeURIComponent(id)}`);
  return html`<${Page} title=${t('msg.threadTitle')}>
    <p><a href="/kontakt">${t('msg.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(d) => html`<div class="stack">
        <h2>${d.thread.subject}</h2>
        <p class="hint">${t(`msg.category.${d.thread.category}`)} · ${t(`msg.status.${d.thread.status}`)}</p>
        <${Messages} messages=${d.messages} staffView=${false} />
        <${ReplyForm} url=${`/api/contact/threads/${d.thread.id}/messages`} label=${t('msg.followUp')}
          onDone=${() => resource.reload()} />
      </div>`}
    <//>
  <//>`;
}
