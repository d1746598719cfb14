// One visit on site: what the office knows (address, meter, the resident's reading and photo,
// the reasons, access notes), the control photo, the value found and the outcome. Saved to the
// outbox at once; it reaches the office exactly once when there is signal.
import '../i18n/inspections-views.js'; // this view's texts
import { html, useEffect, useMemo, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { queryParam, navigate } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDateTime, formatVolume } from '../format.js';
import { assess, disagree, parseM3 } from '../plausibility.js';
import { PhotoField, photoChosen } from '../components/photo-field.js';
import { addVisitResult, useOutbox, visitResultOf } from '../outbox.js';
import { useApp } from '../context.js';
import { CachedImage, ROUTE_URL, thumbUrl } from '../components/route.js';

const RESULTS = ['confirmed', 'corrected', 'damaged', 'no_access'];

function Comparison({ litres, visit }) {
  if (litres === null || visit.resident_litres === null) return null;
  const diff = litres - visit.resident_litres;
  const text = diff === 0 ? t('visit.same') : t('visit.diff', { diff: `${diff > 0 ? '+' : '−'}${formatVolume(Math.abs(diff))}` });
  return html`<p class=${diff === 0 ? 'badge badge-ok' : 'badge badge-wanted'} aria-live="polite" data-testid="visit-diff">${text}</p>`;
}

// The server's plausibility rules (pwa/app/plausibility.js repeats backend/readings/rules.py) on
// what the route carries for the visit: the last accepted reading but the one under review, the
// meter's daily average, the configured limits; a "confirmed" value must also agree with the
// resident's. The server checks everything again; an implausible value waits in the review queue.
export function visitFlags(litres, result, visit, limits, at = new Date()) {
  if (litres === null) return [];
  const flags = assess(litres, at, visit, limits);
  const resident = visit.resident_litres === null ? null
    : { value_litres: visit.resident_litres, captured_at: visit.resident_captured_at };
  if (result === 'confirmed' && resident
      && disagree(resident, { value_litres: litres, captured_at: at }, visit.avg_daily_litres, limits)) {
    flags.push('differs_from_confirmed');
  }
  return flags;
}

function VisitForm({ visit, limits, pending }) {
  const app = useApp();
  const [photo, setPhoto] = useState(null); // {buffer, type, url, takenAt}
  const [photoError, setPhotoError] = useState(null);
  useEffect(() => () => photo && URL.revokeObjectURL(photo.url), [photo]);
  const [value, setValue] = useState(pending ? pending.valueText : '');
  const [result, setResult] = useState(pending ? pending.result : '');
  const [note, setNote] = useState(pending ? pending.comment : '');
  const [sure, setSure] = useState(false);
  const [error, setError] = useState(null);
  const litres = parseM3(value);
  const capturedAt = useMemo(() => (pending ? new Date(pending.capturedAt) : new Date()), []);
  const flags = result === 'confirmed' || result === 'corrected' ? visitFlags(litres, result, visit, limits, capturedAt) : [];

  const submit = async (event) => {
    event.preventDefault();
    setError(null);
    if (!result) return setError({ code: 'required', field: 'result' });
    if ((result === 'confirmed' || result === 'corrected') && litres === null) {
      return setError({ code: value.trim() ? 'value_not_number' : 'required', field: 'value' });
    }
    if (value.trim() && litres === null) return setError({ code: 'value_not_number', field: 'value' });
    if (flags.length && !sure) return setError({ code: 'implausible_unconfirmed', field: 'sure' });
    try {
      await addVisitResult({
        visitId: visit.id, result, valueText: value.trim(), capturedAt: capturedAt.toISOString(), comment: note.trim(),
        photo: photo ? photo.buffer : null, photoType: photo ? photo.type : null, address: visit.address,
        serial: visit.serial, userId: app.me && app.me.id,
      });
    } catch (err) {
      return setError({ code: err.code || 'generic', field: 'form' });
    }
    app.notify(t('visit.saved'), '/trasa');
    navigate('/trasa');
    return undefined;
  };
  const fieldError = (name) => error && error.field === name
    && html`<p class="field-error" id=${`visit-${name}-error`}>${errorText(error)}</p>`;
  return html`<form class="form" onSubmit=${submit} novalidate>
    ${pending && html`<p class="banner banner-info" data-testid="visit-pending">${t('visit.pendingEdit')}</p>`}
    ${error && error.field === 'form' && html`<p class="banner banner-error" role="alert">${errorText(error)}</p>`}
    <${PhotoField} prefix="visit" label=${t('visit.photo')} preview=${t('visit.preview')} photo=${photo} error=${photoError}
      onPhoto=${photoChosen('visit', setPhoto, setPhotoError)} onRemove=${() => setPhoto(null)} />
    <div class="field"><label for="visit-value">${t('visit.value')}</label>
      <input id="visit-value" type="text" inputmode="decimal" autocomplete="off" value=${value}
        aria-invalid=${error && error.field === 'value' ? 'true' : 'false'} aria-describedby=${error && error.field === 'value' ? 'visit-value-error' : undefined}
        onInput=${(e) => setValue(e.currentTarget.value)} />
      ${fieldError('value')}
      <${Comparison} litres=${litres} visit=${visit} />
    </div>
    <fieldset class="choices" aria-invalid=${error && error.field === 'result' ? 'true' : 'false'}
      aria-describedby=${error && error.field === 'result' ? 'visit-result-error' : undefined}>
      <legend>${t('visit.result')}</legend>
      ${RESULTS.map((r) => html`<div class="field-check">
        <input type="radio" name="result" id=${`result-${r}`} value=${r} checked=${result === r} onChange=${() => setResult(r)} />
        <label for=${`result-${r}`}>${t(`visit.result.${r}`)}</label></div>`)}
      ${fieldError('result')}
    </fieldset>
    ${flags.length > 0 && html`<div class="banner banner-warn" role="alert" data-testid="visit-warnings">
      <p><strong>${t('visit.checkTitle')}</strong></p>
      <ul>${flags.map((f) => html`<li>${t(`flag.${f}`)}</li>`)}</ul>
      ${visit.last_reading && html`<p data-testid="visit-check-basis">${t(visit.avg_daily_litres ? 'visit.checkBasis' : 'visit.checkBasisNoAverage', {
        value: formatVolume(visit.last_reading.value_litres), date: formatDateTime(visit.last_reading.captured_at),
        daily: formatVolume(Math.round(visit.avg_daily_litres || 0)) })}</p>`}
      <div class="field-check">
        <input type="checkbox" id="visit-sure" checked=${sure} onChange=${(e) => setSure(e.currentTarget.checked)}
          aria-invalid=${error && error.field === 'sure' ? 'true' : 'false'}
          aria-describedby=${error && error.field === 'sure' ? 'visit-sure-error' : undefined} />
        <label for="visit-sure">${t('visit.confirmImplausible')}</label></div>
      ${fieldError('sure')}
    </div>`}
    <div class="field"><label for="visit-note">${t('visit.note')}</label>
      <textarea id="visit-note" rows="2" maxlength="500" value=${note} onInput=${(e) => setNote(e.currentTarget.value)}></textarea></div>
    <button type="submit" class="btn btn-primary">${t('visit.save')}</button>
  </form>`;
}

export function VisitView() {
  const id = queryParam(location.search, 'id');
  const resource = useCachedData(ROUTE_URL);
  const saved = visitResultOf(useOutbox('visit'), id); // this phone's result, sent or waiting
  return html`<${Page} title=${t('visit.title')}>
    <p><a href="/trasa">${t('visit.back')}</a></p>
    <${DataView} resource=${resource}>${(routes) => {
      const route = routes.find((r) => r.visits.some((v) => v.id === id));
      const visit = route && route.visits.find((v) => v.id === id);
      if (!visit) return html`<p role="alert">${t('error.not_found')}</p>`;
      return html`<section class="card" data-testid="visit-info">
          <h2>${visit.address}</h2>
          <p>${visit.customer_number} — ${visit.customer_name}</p>
          <p class="meter-check">${t('visit.meter', { serial: visit.serial, count: visit.digits })}</p>
          <p>${t('visit.reasons', { reasons: visit.reasons.map((r) => t(`reason.${r}`)).join(', ') })}</p>
          ${visit.access_note && html`<p class="review-note">${t('visit.access', { note: visit.access_note })}</p>`}
          ${visit.last_litres !== null && html`<p>${t('visit.last', { value: formatVolume(visit.last_litres) })}</p>`}
          ${visit.resident_litres !== null
            ? html`<p class="reading-value">${t('visit.residentValue', { value: formatVolume(visit.resident_litres), date: formatDateTime(visit.resident_captured_at) })}</p>`
            : html`<p>${t('visit.noResident')}</p>`}
          ${visit.resident_has_photo && html`<${CachedImage} url=${thumbUrl(visit.resident_reading_id)} alt=${t('visit.residentPhoto')} className="photo-thumb" />`}
        </section>
        ${visit.status === 'done' || (saved && saved.state === 'sent')
          ? html`<p class="badge badge-ok">${t(`visit.result.${visit.status === 'done' ? visit.result : saved.result}`)}</p>`
          : html`<${VisitForm} key=${saved ? saved.id : 'new'} visit=${visit} limits=${route} pending=${saved} />`}`;
    }}<//>
  <//>`;
}
