// Office staff: the queue of customers' applications by deadline (days left, overdue marked), and one
// application with its answer, the one extension with a reason, and closing the case.
import '../i18n/applications-views.js'; // this view's texts
import '../i18n/account-views.js'; // staffnav.back
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { queryParam } from '../router.js';
import { Page } from '../components/page.js';
import { useForm, FormAlert, Submit, Success } from '../components/form.js';
import { TextArea } from '../components/textarea.js';
import { StatusBadge, ApplicationDetail } from '../components/application.js';
import { formatDay, formatDateTime } from '../format.js';

function DaysLeft({ app }) {
  if (app.status === 'answered' || app.status === 'closed') return '—';
  if (app.days_left < 0) return html`<span class="badge badge-late">${t('sapp.overdue', { count: -app.days_left })}</span>`;
  if (app.days_left === 0) return html`<span class="badge badge-wanted">${t('sapp.lastDay')}</span>`;
  return t('sapp.daysLeft', { count: app.days_left });
}

function Queue() {
  const [status, setStatus] = useState('open');
  const [apps, setApps] = useState(null);
  const [error, setError] = useState(null);
  useEffect(() => { setApps(null); api.get(`/api/staff/applications?status=${status}`).then(setApps, setError); }, [status]);
  return html`<section aria-labelledby="queue-title">
    <h2 id="queue-title" class="visually-hidden">${t('sapp.title')}</h2>
    <div class="lang-switch" role="group" aria-label=${t('sapp.filter')}>
      ${['open', 'all'].map((s) => html`<button type="button" class="btn btn-secondary" aria-pressed=${s === status ? 'true' : 'false'}
        onClick=${() => setStatus(s)}>${t(`sapp.filter.${s}`)}</button>`)}
    </div>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    ${apps && (apps.length ? html`<div class="table-scroll" tabindex="0" role="region" aria-labelledby="queue-title">
      <table class="table queue-table" data-testid="application-queue">
        <thead><tr><th scope="col">${t('sapp.col.number')}</th><th scope="col">${t('sapp.col.kind')}</th>
          <th scope="col">${t('sapp.col.customer')}</th><th scope="col">${t('sapp.col.filed')}</th>
          <th scope="col">${t('sapp.col.due')}</th><th scope="col">${t('sapp.col.status')}</th></tr></thead>
        <tbody>${apps.map((a) => html`<tr key=${a.id} data-testid="queue-row" class=${a.overdue ? 'row-late' : ''}>
          <th scope="row"><a href=${`/biuro/wnioski?id=${a.id}`}>${a.number}</a></th>
          <td>${t(`appl.kind.${a.kind}`)}</td><td>${a.customer_number}</td>
          <td>${formatDateTime(a.filed_at)}</td>
          <td>${formatDay(a.due_on)}<br /><${DaysLeft} app=${a} /></td>
          <td><${StatusBadge} app=${a} /></td>
        </tr>`)}</tbody>
      </table></div>` : html`<p>${t('sapp.empty')}</p>`)}
  </section>`;
}

function ActionForm({ name, label, submit, url, onDone, done }) {
  const form = useForm({ [name]: '' }, { required: [name] });
  const send = form.onSubmit(async (v) => {
    const updated = await api.post(url, { [name]: v[name].trim() });
    form.reset({ [name]: '' });
    onDone(updated, done(updated)); // the form may go away with the new state: the notice is drawn above it
  });
  return html`<form class="form form-card" onSubmit=${send} novalidate>
    <${FormAlert} form=${form} />
    <${TextArea} form=${form} name=${name} label=${label} rows="5" />
    <div class="form-actions"><${Submit} form=${form}>${submit}<//></div>
  </form>`;
}

function One({ id }) {
  const [app, setApp] = useState(null);
  const [error, setError] = useState(null);
  const [notice, setNotice] = useState('');
  const changed = (updated, message) => { setApp(updated); setNotice(message); };
  useEffect(() => { api.get(`/api/applications/${encodeURIComponent(id)}`).then(setApp, setError); }, [id]);
  if (error) return html`<p class="field-error" role="alert">${errorText(error)}</p>`;
  if (!app) return html`<p class="loading" role="status">${t('app.loading')}</p>`;
  const close = async () => {
    try { changed(await api.post(`/api/staff/applications/${app.id}/close`), t('sapp.closed')); } catch (err) { setError(err); }
  };
  const open = app.status === 'filed' || app.status === 'extended';
  return html`<div class="stack">
    <h2>${t('appl.number', { number: app.number })}</h2>
    <p class="hint">${t('sapp.customer')}: ${app.customer_number} · <${DaysLeft} app=${app} /></p>
    <p><a class="btn btn-secondary" href=${`/api/applications/${app.id}/confirmation`} download>${t('appl.confirmation')}</a></p>
    <div class="review-grid">
      <${ApplicationDetail} app=${app} attachmentUrl=${(attId) => `/api/applications/attachments/${attId}`} />
      <div class="stack">
        ${notice && html`<${Success}>${notice}<//>`}
        ${open && html`<section aria-labelledby="answer-title"><h2 id="answer-title">${t('sapp.answer')}</h2>
          <${ActionForm} name="answer" label=${t('sapp.answerText')} submit=${t('sapp.answerSubmit')}
            url=${`/api/staff/applications/${app.id}/answer`} onDone=${changed} done=${() => t('sapp.answered')} /></section>`}
        ${app.status === 'filed' && html`<section aria-labelledby="extend-title"><h2 id="extend-title">${t('sapp.extend')}</h2>
          <${ActionForm} name="reason" label=${t('sapp.extendReason')} submit=${t('sapp.extendSubmit')}
            url=${`/api/staff/applications/${app.id}/extend`} onDone=${changed}
            done=${(u) => t('sapp.extended', { date: formatDay(u.due_on) })} /></section>`}
        ${app.status === 'answered' && html`<p><button type="button" class="btn btn-primary" onClick=${close}>${t('sapp.close')}</button></p>`}
      </div>
    </div>
  </div>`;
}

export function StaffApplicationsView() {
  const id = queryParam(location.search, 'id');
  return html`<${Page} title=${t('sapp.title')} className="wide">
    <p><a href=${id ? '/biuro/wnioski' : '/biuro'}>${id ? t('sapp.back') : t('staffnav.back')}</a></p>
    ${id ? html`<${One} id=${id} />` : html`<${Queue} />`}
  <//>`;
}
