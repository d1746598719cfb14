// "Podaj odczyt": photo (camera or file), value with a numeric keyboard, warnings while typing,
// then the reading goes to the outbox at once — online or not — and is sent from there.
import '../i18n/readings-views.js'; // this view's own texts
import { html, useEffect, useMemo, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { queryParam, navigate } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { formatDateTime, formatDay, formatVolume, todayInWarsaw } from '../format.js';
import { parseM3, assess } from '../plausibility.js';
import { PhotoField, photoChosen, photoPending } from '../components/photo-field.js';
import { addReading, uuid } from '../outbox.js';
import { useApp } from '../context.js';

function Warnings({ flags }) {
  if (!flags.length) return null;
  return html`<div class="banner banner-warn" role="alert" id="capture-warnings">
    <p><strong>${t('capture.checkTitle')}</strong></p>
    <ul>${flags.map((f) => html`<li>${t(`flag.${f}`)}</li>`)}</ul>
    <p>${t('capture.checkHint')}</p>
  </div>`;
}

// The days a reading may be dated (as the server checks): today back to the start of the open window
// (else of the billing period), not before the last accepted reading.
function dayRange(meter) {
  const today = todayInWarsaw();
  const w = meter.window;
  let from = w ? (w.is_open ? w.opens : w.period_start) : today;
  const last = meter.last_reading && todayInWarsaw(new Date(meter.last_reading.captured_at));
  if (last && last > from) from = last;
  return { from: from > today ? today : from, today };
}

function dayError(day, range, meter) {
  if (!/^\d{4}-\d{2}-\d{2}$/.test(day)) return { code: 'date_invalid' };
  if (day > range.today) return { code: 'reading_date_future' };
  const w = meter.window;
  const earliest = w && (w.is_open ? w.opens : w.period_start);
  if (earliest && day < earliest) return { code: 'reading_date_outside_window', params: { date: earliest } };
  if (day < range.from) return { code: 'reading_date_before_last', params: { date: range.from } };
  return null;
}

// The moment saved: now, or the chosen earlier day at this time of day.
function dated(moment, day, today) {
  if (day === today) return moment;
  const [y, m, d] = day.split('-').map(Number);
  const at = new Date(moment);
  at.setFullYear(y, m - 1, d);
  return at;
}

function CaptureForm({ meter, limits }) {
  const range = useMemo(() => dayRange(meter), [meter]);
  const [day, setDay] = useState(range.today);
  const [dayProblem, setDayProblem] = useState(null);
  const app = useApp();
  const [photo, setPhoto] = useState(null); // {buffer, type, url, takenAt}
  const [photoError, setPhotoError] = useState(null);
  const [value, setValue] = useState('');
  const [comment, setComment] = useState('');
  const [valueError, setValueError] = useState(null);
  const [confirming, setConfirming] = useState(false);
  const [busy, setBusy] = useState(false);
  // one reading per form, whatever fires submit how often: its outbox id (the Idempotency-Key) is made once
  const readingId = useMemo(() => uuid(), []);
  const capturedAt = useMemo(() => dated((photo && photo.takenAt) || new Date(), day, range.today), [photo, day]);
  const litres = parseM3(value);
  const flags = litres === null ? [] : assess(litres, capturedAt, meter, limits);

  useEffect(() => () => photo && URL.revokeObjectURL(photo.url), [photo]);

  const onPhoto = photoChosen('capture', setPhoto, setPhotoError);

  const onSubmit = async (event) => {
    event.preventDefault();
    if (busy) return;
    const badDay = dayError(day, range, meter);
    if (badDay) {
      setDayProblem(badDay);
      document.getElementById('capture-date').focus();
      return;
    }
    if (litres === null) {
      setValueError(value.trim() ? 'value_not_number' : 'required');
      document.getElementById('capture-value').focus();
      return;
    }
    if (flags.length && !confirming) {
      setConfirming(true); // the person sees why and may still send it, with a comment
      requestAnimationFrame(() => document.getElementById('capture-warnings')?.focus?.());
      return;
    }
    setBusy(true);
    let chosen = photo;
    const preparing = photoPending('capture'); // tapped while the photo is still being made small
    if (preparing) chosen = await preparing.catch(() => null);
    await addReading({
      id: readingId, meterId: meter.id, serial: meter.serial, address: meter.address, userId: app.me && app.me.id,
      valueText: value.trim(), capturedAt: new Date(capturedAt).toISOString(), comment: comment.trim(),
      readingDate: day === range.today ? '' : day,
      photo: chosen ? chosen.buffer : null, photoType: chosen ? chosen.type : null,
    });
    app.notify(t('capture.saved'), '/odczyty');
    navigate('/odczyty');
  };

  const valueDescribed = ['capture-value-hint', valueError && 'capture-value-error', flags.length && 'capture-warnings']
    .filter(Boolean).join(' ');
  return html`<form class="form" onSubmit=${onSubmit} novalidate>
    <p class="meter-check" data-testid="capture-meter">${t('capture.checkSerial', { serial: meter.serial })}<br />${meter.address}</p>
    ${meter.last_reading && html`<p class="hint">${t('capture.last', {
      value: formatVolume(meter.last_reading.value_litres), date: formatDateTime(meter.last_reading.captured_at) })}</p>`}
    <${PhotoField} prefix="capture" label=${t('capture.photo')} hint=${t('capture.photoHint')} preview=${t('capture.preview')}
      photo=${photo} error=${photoError} onPhoto=${onPhoto} onRemove=${() => setPhoto(null)} />
    <div class="field">
      <label for="capture-value">${t('capture.value')}</label>
      <p class="hint" id="capture-value-hint">${t('capture.valueHint', { count: meter.digits })}</p>
      <input id="capture-value" name="value" type="text" inputmode="decimal" autocomplete="off"
        value=${value} onInput=${(e) => { setValue(e.currentTarget.value); setValueError(null); setConfirming(false); }}
        aria-invalid=${valueError ? 'true' : 'false'} aria-describedby=${valueDescribed} />
      ${valueError && html`<p class="field-error" id="capture-value-error">${errorText({ code: valueError })}</p>`}
    </div>
    <${Warnings} flags=${flags} />
    <div class="field">
      <label for="capture-comment">${t('capture.comment')}</label>
      <textarea id="capture-comment" maxlength="500" rows="2" value=${comment}
        onInput=${(e) => setComment(e.currentTarget.value)}></textarea>
    </div>
    <div class="field">
      <label for="capture-date">${t('capture.date')}</label>
      <p class="hint" id="capture-date-hint">${t('capture.dateHint', { from: formatDay(range.from) })}</p>
      <input id="capture-date" name="reading_date" type="date" class="input-date" value=${day} min=${range.from} max=${range.today}
        onInput=${(e) => { setDay(e.currentTarget.value); setDayProblem(null); }}
        aria-invalid=${dayProblem ? 'true' : 'false'}
        aria-describedby=${dayProblem ? 'capture-date-hint capture-date-error' : 'capture-date-hint'} />
      ${dayProblem && html`<p class="field-error" id="capture-date-error">${errorText(dayProblem)}</p>`}
    </div>
    <p class="hint">${t('capture.when', { date: formatDateTime(capturedAt) })}</p>
    <button type="submit" class="btn btn-primary" aria-disabled=${busy ? 'true' : 'false'}>
      ${confirming && flags.length ? t('capture.sendAnyway') : t('capture.save')}</button>
  </form>`;
}

export function CaptureView() {
  const meterId = queryParam(location.search, 'licznik');
  const resource = useCachedData('/api/meters');
  return html`<${Page} title=${t('capture.title')}>
    <p><a href="/odczyty">${t('capture.back')}</a></p>
    <${DataView} resource=${resource}>
      ${(data) => {
        const meter = data.meters.find((m) => m.id === meterId);
        return meter
          ? html`<${CaptureForm} meter=${meter} limits=${data} />`
          : html`<p role="alert">${t('error.not_found')}</p>`;
      }}
    <//>
  <//>`;
}
