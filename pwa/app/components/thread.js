// A conversation with the office: its messages with their photos and PDFs, and the reply form.
// The resident's thread page and the office's inbox show the same.
import '../i18n/account-views.js'; // the contact texts
import { html, useState } from '../preact.js';
import { t } from '../i18n.js';
import { api } from '../api.js';
import { useForm, FormAlert, Submit, Success } from './form.js';
import { TextArea } from './textarea.js';
import { formatDateTime } from '../format.js';

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
