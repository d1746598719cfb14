// Accessible forms: every control has a <label>; an error sits under its field, linked with
// aria-describedby and aria-invalid; errors not about one field go to an alert above the form.
// Errors are kept as {code, params} and translated when drawn, so a language switch applies to them.
import { html, useState } from '../preact.js';
import { errorText, t } from '../i18n.js';

let formCount = 0;

function isEmpty(value) {
  return value === undefined || value === null || value === false || (typeof value === 'string' && !value.trim());
}

function focusById(id) {
  requestAnimationFrame(() => {
    const el = document.getElementById(id);
    if (el) el.focus();
  });
}

// options.required: names that must be filled; options.validate(values) -> {name: code}.
// options.markOnError: {code: [names]} marks fields invalid for a form-level error (e.g. bad login).
export function useForm(initial, { required = [], validate, markOnError = {} } = {}) {
  const [id] = useState(() => `form${++formCount}`);
  const [values, setValues] = useState(initial);
  const [errors, setErrors] = useState({});
  const [alert, setAlert] = useState(null);
  const [busy, setBusy] = useState(false);

  const fieldId = (name) => `${id}-${name}`;
  const set = (name, value) => setValues((v) => ({ ...v, [name]: value }));
  const reset = (next = initial) => {
    setValues(next);
    setErrors({});
    setAlert(null);
  };

  const fail = (err) => {
    if (err.field && err.field in values) {
      setErrors({ [err.field]: err });
      focusById(fieldId(err.field));
      return;
    }
    const marked = {};
    for (const name of markOnError[err.code] || []) marked[name] = true;
    setErrors(marked);
    setAlert(err);
  };

  const onSubmit = (action) => async (event) => {
    event.preventDefault();
    if (busy) return;
    const found = {};
    for (const name of required) if (isEmpty(values[name])) found[name] = { code: 'required' };
    const extra = validate ? validate(values) : {};
    for (const [name, code] of Object.entries(extra || {})) if (code && !found[name]) found[name] = { code };
    setAlert(null);
    const names = Object.keys(found);
    if (names.length) {
      setErrors(found);
      focusById(fieldId(names[0]));
      return;
    }
    setErrors({});
    setBusy(true);
    try {
      await action(values);
    } catch (err) {
      fail(err);
    } finally {
      setBusy(false);
    }
  };

  return { id, values, errors, alert, busy, set, reset, fieldId, onSubmit, fail };
}

function describedBy(form, name, hint) {
  const ids = [];
  if (hint) ids.push(`${form.fieldId(name)}-hint`);
  const error = form.errors[name];
  if (error === true) ids.push(`${form.id}-alert`);
  else if (error) ids.push(`${form.fieldId(name)}-error`);
  return ids.length ? ids.join(' ') : undefined;
}

function FieldError({ form, name }) {
  const error = form.errors[name];
  if (!error || error === true) return null;
  return html`<p class="field-error" id=${`${form.fieldId(name)}-error`}>${errorText(error)}</p>`;
}

// A password field has a toggle that shows what was typed (a pressed button; focus stays on it).
export function Field({ form, name, label, hint, type = 'text', ...rest }) {
  const id = form.fieldId(name);
  const [shown, setShown] = useState(false);
  const input = html`<input id=${id} name=${name} type=${shown ? 'text' : type} value=${form.values[name]}
      onInput=${(e) => form.set(name, e.currentTarget.value)}
      aria-invalid=${form.errors[name] ? 'true' : 'false'} aria-describedby=${describedBy(form, name, hint)} ...${rest} />`;
  return html`<div class="field">
    <label for=${id}>${label}</label>
    ${hint && html`<p class="hint" id=${`${id}-hint`}>${hint}</p>`}
    ${type === 'password' ? html`<div class="reveal">${input}<button type="button" class="btn btn-secondary"
      aria-pressed=${String(shown)} aria-controls=${id} onClick=${() => setShown(!shown)}>${t('pw.show')}</button></div>` : input}
    <${FieldError} form=${form} name=${name} />
  </div>`;
}

export function Checkbox({ form, name, label, ...rest }) {
  const id = form.fieldId(name);
  return html`<div class="field field-check">
    <input id=${id} name=${name} type="checkbox" checked=${form.values[name]}
      onChange=${(e) => form.set(name, e.currentTarget.checked)}
      aria-invalid=${form.errors[name] ? 'true' : 'false'} aria-describedby=${describedBy(form, name)} ...${rest} />
    <label for=${id}>${label}</label>
    <${FieldError} form=${form} name=${name} />
  </div>`;
}

export function Select({ form, name, label, options }) {
  const id = form.fieldId(name);
  return html`<div class="field">
    <label for=${id}>${label}</label>
    <select id=${id} name=${name} value=${form.values[name]} onChange=${(e) => form.set(name, e.currentTarget.value)}
      aria-invalid=${form.errors[name] ? 'true' : 'false'} aria-describedby=${describedBy(form, name)}>
      ${options.map(([value, text]) => html`<option value=${value}>${text}</option>`)}
    </select>
    <${FieldError} form=${form} name=${name} />
  </div>`;
}

export function FormAlert({ form }) {
  if (!form.alert) return null;
  return html`<div class="banner banner-error" role="alert" id=${`${form.id}-alert`}><p>${errorText(form.alert)}</p></div>`;
}

export function Submit({ form, children, className = 'btn btn-primary' }) {
  return html`<button type="submit" class=${className} aria-disabled=${form.busy ? 'true' : 'false'}>${children}</button>`;
}

export function Success({ children }) {
  return html`<div class="banner banner-ok" role="status"><p>${children}</p></div>`;
}
