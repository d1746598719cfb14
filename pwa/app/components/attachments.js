// Files a resident attaches (contact messages, applications): "Dodaj pliki" opens the file chooser,
// on phones "Zrób zdjęcie" the camera (a photo of a document), as in the meter photo field. The
// chosen files are listed with name, size and type, each with "Usuń"; choosing again adds to the
// list (the same name and size only once). The limits the server enforces (count per form, 10 MB a
// file) are checked here, before anything is queued. At submit, photos are made smaller on the phone
// like meter photos, PDFs go as they are (the server checks them), kept as ArrayBuffer + type for
// the outbox.
import '../i18n/account-views.js'; // the field's texts (att.*), with the contact view's
import { html, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { preparePhoto } from '../photo.js';
import { formatSize } from '../format.js';

export const MAX_BYTES = 10 * 1024 * 1024; // backend core/photos.MAX_BYTES: form_files' limit a file
const MB = MAX_BYTES / (1024 * 1024);
const isPdf = (file) => file.type === 'application/pdf' || /\.pdf$/i.test(file.name);
const isImage = (file) => /^image\//.test(file.type) || /\.(jpe?g|png|webp|heic|heif)$/i.test(file.name);

export async function prepareFiles(files) {
  const out = [];
  for (const file of files) {
    if (isPdf(file)) {
      if (file.size > MAX_BYTES) throw Object.assign(new Error('big'), { code: 'file_too_large' });
      out.push({ name: file.name, type: 'application/pdf', buffer: await file.arrayBuffer() });
    } else {
      const photo = await preparePhoto(file).catch(() => { throw Object.assign(new Error('bad'), { code: 'attachment_not_allowed' }); });
      out.push({ name: file.name.replace(/\.[^.]+$/, '') + '.jpg', type: photo.type, buffer: photo.buffer });
    }
  }
  return out;
}

// The list after choosing `chosen` with `files` already on it: {files, added, problem} where problem
// ({code, params}) says why a file was left out (the first reason met); duplicates are skipped quietly.
export function addFiles(files, chosen, max) {
  const next = [...files];
  const added = [];
  let problem = null;
  const refuse = (code, params) => { problem = problem || { code, params }; };
  for (const file of chosen) {
    if (next.some((f) => f.name === file.name && f.size === file.size)) continue;
    if (!isPdf(file) && !isImage(file)) refuse('att.notAllowed', { name: file.name });
    else if (isPdf(file) && file.size > MAX_BYTES) refuse('att.tooLarge', { name: file.name, size: formatSize(file.size), mb: MB });
    else if (next.length >= max) refuse('att.tooMany', { name: file.name, max });
    else {
      next.push(file);
      added.push(file);
    }
  }
  return { files: next, added, problem };
}

function kindOf(file) {
  if (isPdf(file)) return 'PDF';
  const format = (/^image\/(\w+)/.exec(file.type) || /\.(\w+)$/.exec(file.name) || [])[1] || '';
  return t('att.photo', { format: format.toUpperCase().replace('JPG', 'JPEG') }).trim();
}

// form: the useForm of the message or application (its error for `attachment` shows here and
// focuses the add button); files/setFiles: the chosen File objects; max: the server's count limit.
export function Attachments({ form, files, setFiles, max, label = t('msg.attachments'), hint }) {
  const id = form.fieldId('attachment');
  const [problem, setProblem] = useState(null);
  const [said, setSaid] = useState('');
  const [dismissed, setDismissed] = useState(null); // the form's error from before the list changed
  const formError = form.errors.attachment && form.errors.attachment !== dismissed ? form.errors.attachment : null;
  const error = problem ? t(problem.code, problem.params) : formError && errorText(formError);
  const described = [`${id}-hint`, error && `${id}-error`].filter(Boolean).join(' ');
  const open = (which) => () => document.getElementById(`${id}-${which}`).click();

  const chosen = (event) => {
    const input = event.currentTarget;
    const result = addFiles(files, [...input.files], max);
    input.value = ''; // the same file chosen again is a change too
    setDismissed(form.errors.attachment);
    setProblem(result.problem);
    if (result.added.length) setFiles(result.files);
    // what changed, and why a file was left out, is read out too (the error under the field is not live)
    setSaid([result.added.length && t('att.added', { names: result.added.map((f) => f.name).join(', ') }),
      result.problem && t(result.problem.code, result.problem.params)].filter(Boolean).join(' '));
  };
  const remove = (index) => () => {
    const file = files[index];
    setFiles(files.filter((_, i) => i !== index));
    setDismissed(form.errors.attachment);
    setProblem(null);
    setSaid(t('att.removed', { name: file.name }));
    // focus to the file that took its place, or to "Dodaj pliki" when it was the last one
    const nextId = index < files.length - 1 ? `${id}-remove-${index}` : id;
    requestAnimationFrame(() => document.getElementById(nextId)?.focus());
  };

  return html`<div class="field attachments" role="group" aria-labelledby=${`${id}-label`}>
    <p class="field-label" id=${`${id}-label`}>${label}</p>
    <p class="hint" id=${`${id}-hint`}>${hint ? `${hint} ` : ''}${t('att.limits', { max, mb: MB })}</p>
    ${files.length > 0 && html`<ul class="plain file-list" data-testid="chosen-files"
        aria-label=${t('att.chosen', { count: files.length, max })}>
      ${files.map((f, i) => html`<li class="file-item" key=${`${f.name}|${f.size}`} data-testid="chosen-file">
        <span class="file-about"><span class="file-name">${f.name}</span>
          <span class="hint">${formatSize(f.size)} · ${kindOf(f)}</span></span>
        <button type="button" class="btn btn-secondary" id=${`${id}-remove-${i}`} aria-label=${t('att.removeNamed', { name: f.name })}
          onClick=${remove(i)}>${t('att.remove')}</button>
      </li>`)}
    </ul>`}
    <p class="actions">
      <button type="button" class="btn btn-secondary" id=${id} aria-describedby=${described}
        aria-invalid=${error ? 'true' : 'false'} onClick=${open('files')}>${t('att.add')}</button>
      <button type="button" class="btn btn-secondary camera-only" aria-describedby=${described}
        onClick=${open('camera')}>${t('att.camera')}</button>
    </p>
    <input id=${`${id}-files`} type="file" multiple accept="image/jpeg,image/png,image/webp,application/pdf" hidden tabindex="-1"
      aria-label=${t('att.add')} onChange=${chosen} />
    <input id=${`${id}-camera`} type="file" accept="image/*" capture="environment" hidden tabindex="-1"
      aria-label=${t('att.camera')} onChange=${chosen} />
    <p class="visually-hidden" aria-live="polite" data-testid="attachments-said">${said}</p>
    ${error && html`<p class="field-error" id=${`${id}-error`}>${error}</p>`}
  </div>`;
}
