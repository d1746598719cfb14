// Audit entries as a table (on narrow screens each row becomes a block with its labels): the
// change log and the customer screen's trail share it.
import '../i18n/audit-views.js';
import { html } from '../preact.js';
import { t, hasText } from '../i18n.js';
import { formatDateTime } from '../format.js';

export function actionLabel(action) {
  return hasText(`audit.do.${action}`) ? t(`audit.do.${action}`) : action;
}

function show(value) {
  if (value === null || value === undefined || value === '') return '—';
  if (typeof value === 'object') return JSON.stringify(value);
  return String(value);
}

function Values({ values }) {
  if (values === null || values === undefined) return '—';
  if (typeof values !== 'object' || Array.isArray(values)) return show(values);
  const keys = Object.keys(values);
  if (!keys.length) return '—';
  return html`<dl class="audit-values">${keys.map((k) => html`<div><dt>${k}</dt><dd>${show(values[k])}</dd></div>`)}</dl>`;
}

export function AuditTable({ entries, caption }) {
  return html`<div class="table-scroll"><table class="table table-stack audit-table">
    ${caption && html`<caption class="visually-hidden">${caption}</caption>`}
    <thead><tr>
      <th scope="col">${t('audit.when')}</th><th scope="col">${t('audit.actor')}</th>
      <th scope="col">${t('audit.what')}</th><th scope="col">${t('audit.on')}</th>
      <th scope="col">${t('audit.before')}</th><th scope="col">${t('audit.after')}</th>
    </tr></thead>
    <tbody>${entries.map((e) => html`<tr key=${e.id}>
      <td data-label=${t('audit.when')}>${formatDateTime(e.at)}</td>
      <td data-label=${t('audit.actor')}>${e.actor === 'system' ? t('audit.system') : e.actor}</td>
      <td data-label=${t('audit.what')}>${actionLabel(e.action)}</td>
      <td data-label=${t('audit.on')} class="audit-object">${e.object_kind} ${e.object_id}</td>
      <td data-label=${t('audit.before')}><${Values} values=${e.before} /></td>
      <td data-label=${t('audit.after')}><${Values} values=${e.after} /></td>
    </tr>`)}</tbody>
  </table></div>`;
}
