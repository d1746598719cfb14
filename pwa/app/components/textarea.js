// A multi-line text field wired to useForm like Field: label, hint, the error below it.
import { html } from '../preact.js';
import { errorText } from '../i18n.js';

export function TextArea({ form, name, label, hint, rows = 6 }) {
  const id = form.fieldId(name);
  const error = form.errors[name];
  const described = [hint && `${id}-hint`, error && error !== true && `${id}-error`].filter(Boolean).join(' ') || undefined;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    <textarea id=${id} name=${name} rows=${rows} value=${form.values[name]} maxlength="5000"
      onInput=${(e) => form.set(name, e.currentTarget.value)} aria-invalid=${error ? 'true' : 'false'}
      aria-describedby=${described}></textarea>
    ${error && error !== true && html`<p class="field-error" id=${`${id}-error`}>${errorText(error)}</p>`}
  </div>`;
}
