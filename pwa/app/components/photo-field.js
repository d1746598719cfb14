// The photo field of the resident's reading and the inspector's visit: "Zrób zdjęcie" opens the
// camera (capture), "Wybierz z galerii" the pictures; the chosen one shows with "Zrób ponownie".
// The file inputs stay hidden behind the native buttons, so the keyboard reaches every action.
import '../i18n/readings-views.js'; // the buttons' texts (capture.*)
import { html } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { preparePhoto } from '../photo.js';

// The photo being prepared per form (prefix): a save tapped before it is ready waits for it
// instead of going without the photo.
const pending = new Map();
export function photoPending(prefix) {
  return pending.get(prefix) || null;
}

// The change handler both forms use: the picture made small on the phone ({buffer, type, takenAt,
// url}; in a worker where the browser can, see photo.js), or the error code; focus goes to
// "Zrób ponownie" once a photo is in.
export function photoChosen(prefix, setPhoto, setError) {
  return async (event) => {
    const input = event.currentTarget;
    const file = input.files[0];
    input.value = ''; // the same picture chosen again is a change too
    setError(null);
    if (!file) return;
    const job = preparePhoto(file).then(
      (prepared) => ({ ...prepared, url: URL.createObjectURL(new Blob([prepared.buffer], { type: prepared.type })) }));
    pending.set(prefix, job);
    try {
      const photo = await job;
      if (pending.get(prefix) !== job) return; // another picture was chosen meanwhile
      setPhoto(photo);
      requestAnimationFrame(() => document.getElementById(`${prefix}-retake`)?.focus());
    } catch (err) {
      if (pending.get(prefix) !== job) return;
      setPhoto(null);
      setError(err.code || 'photo_not_image');
    } finally {
      if (pending.get(prefix) === job) pending.delete(prefix);
    }
  };
}

// prefix names the ids (`${prefix}-camera`, `-photo`, `-retake`, `-photo-hint`, `-photo-error`);
// label is the field's name, hint an optional line under it, preview the image's alternative text.
export function PhotoField({ prefix, label, hint, preview, photo, error, onPhoto, onRemove }) {
  const open = (id) => () => document.getElementById(id).click();
  const described = [hint && `${prefix}-photo-hint`, error && `${prefix}-photo-error`].filter(Boolean).join(' ') || undefined;
  return html`<div class="field photo-field">
    <p class="field-label">${label}</p>
    ${hint && html`<p class="hint" id=${`${prefix}-photo-hint`}>${hint}</p>`}
    ${photo
      ? html`<img class="photo-preview" src=${photo.url} alt=${preview} data-testid="photo-preview" />
        <p class="note" role="status">${t('capture.photoReady')}</p>
        <p class="actions">
          <button type="button" id=${`${prefix}-retake`} class="btn btn-secondary" onClick=${open(`${prefix}-camera`)}>${t('capture.retake')}</button>
          <button type="button" class="btn btn-secondary" onClick=${open(`${prefix}-photo`)}>${t('capture.fromGallery')}</button>
          <button type="button" class="btn btn-secondary" onClick=${onRemove}>${t('capture.removePhoto')}</button>
        </p>`
      : html`<p class="actions">
          <button type="button" class="btn btn-primary" onClick=${open(`${prefix}-camera`)} aria-describedby=${described}>${t('capture.takePhoto')}</button>
          <button type="button" class="btn btn-secondary" onClick=${open(`${prefix}-photo`)} aria-describedby=${described}>${t('capture.fromGallery')}</button>
        </p>`}
    <input id=${`${prefix}-camera`} type="file" accept="image/*" capture="environment" hidden tabindex="-1"
      aria-invalid=${error ? 'true' : 'false'} aria-label=${t('capture.takePhoto')} onChange=${onPhoto} />
    <input id=${`${prefix}-photo`} type="file" accept="image/jpeg,image/png,image/webp" hidden tabindex="-1"
      aria-invalid=${error ? 'true' : 'false'} aria-label=${label} onChange=${onPhoto} />
    ${error && html`<p class="field-error" id=${`${prefix}-photo-error`}>${errorText({ code: error })}</p>`}
  </div>`;
}
