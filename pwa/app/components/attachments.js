// Files a resident attaches (contact messages, applications): photos made smaller on the phone like
// meter photos, PDFs as they are (the server checks them), kept as ArrayBuffer + type for the outbox.
import { html } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { preparePhoto } from '../photo.js';

export const MAX_BYTES = 10 * 1024 * 1024;

export async function prepareFiles(files) {
  const out = [];
  for (const file of files) {
    if (file.type === 'application/pdf' || /\.pdf$/i.test(file.name)) {
      if (file.size > MAX_BYTES) throw Object.assign(new Error('big'), { code: 'file_too_large' });
      out.push({ name: file.name, type: 'application/pdf', buffer: await file.arrayBuffer() });
    } else {
      const photo = await preparePhoto(file).catch(() => { throw Object.assign(new Error('bad'), { code: 'attachment_not_allowed' }); });
      out.push({ name: file.name.replace(/\.[^.]+$/, '') + '.jpg', type: photo.type, buffer: photo.buffer });
    }
  }
  return out;
}

export function Attachments({ form, files, setFiles, label = t('msg.attachments'), hint = t('msg.attachmentsHint') }) {
  const id = form.fieldId('attachment');
  const error = form.errors.attachment;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <p class="hint" id=${`${id}-hint`}>${hint}</p>
    <input id=${id} type="file" multiple accept="image/jpeg,image/png,image/webp,application/pdf"
      aria-describedby=${[`${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ')} aria-invalid=${error ? 'true' : 'false'}
      onChange=${(e) => setFiles([...e.currentTarget.files])} />
    ${files.length > 0 && html`<ul class="plain" data-testid="chosen-files">${files.map((f) => html`<li>${f.name}</li>`)}</ul>`}
    ${error && html`<p class="field-error" id=${`${id}-error`}>${errorText(error)}</p>`}
  </div>`;
}
