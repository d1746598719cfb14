// What an application (wniosek) is made of, shared by the resident's views and the office's queue:
// each kind's fields (the same as backend/applications/kinds.py checks) and how a filed one reads.
import { html } from '../preact.js';
import { t } from '../i18n.js';
import { formatDay, formatDateTime } from '../format.js';

const choice = (name, choices, extra = {}) => ({ name, type: 'choice', choices, ...extra });
export const KINDS = {
  connection_conditions: [
    { name: 'applicant_name' }, { name: 'applicant_address' }, { name: 'property_address' },
    { name: 'plot_number', optional: true },
    choice('building', ['single_family', 'multi_family', 'other']),
    { name: 'property_use', type: 'text' },
    choice('connection', ['water', 'sewage', 'both']),
    { name: 'water_demand', type: 'decimal', when: (v) => v.connection !== 'sewage' },
    { name: 'water_purpose', when: (v) => v.connection !== 'sewage' },
    { name: 'sewage_amount', type: 'decimal', when: (v) => v.connection !== 'water' },
    choice('sewage_kind', ['domestic', 'industrial'], { when: (v) => v.connection !== 'water' }),
    { name: 'planned_start', type: 'date', optional: true },
  ],
  complaint: [
    choice('subject', ['invoice', 'reading', 'other']),
    { name: 'reference', optional: true }, { name: 'description', type: 'text' },
  ],
  customer_change: [
    choice('change', ['move_out', 'move_in']), { name: 'date', type: 'date' },
    { name: 'meter_serial', type: 'meter' }, { name: 'final_reading', type: 'decimal' },
    { name: 'other_party_name' }, { name: 'other_party_address', optional: true },
    { name: 'notes', type: 'text', optional: true },
  ],
  contract_end: [
    { name: 'end_date', type: 'date' }, { name: 'meter_serial', type: 'meter' },
    { name: 'final_reading', type: 'decimal' }, { name: 'correspondence_address' },
    { name: 'notes', type: 'text', optional: true },
  ],
  meter_check: [{ name: 'meter_serial', type: 'meter' }, { name: 'reason', type: 'text' }],
};
export const NEEDS_ATTACHMENT = ['connection_conditions'];
export const OPTIONAL = /\s*\((nieobowiązkow\w*|optional|необов’язков[^)]*)\)$/; // a form's hint, not part of a filed answer

// The fields that apply to these values (a water-only connection has no sewage fields).
export const fieldsOf = (kind, values) => KINDS[kind].filter((f) => !f.when || f.when(values));

function shown(name, value) {
  if (['date', 'end_date', 'planned_start'].includes(name)) return formatDay(value);
  const key = `appl.choice.${value}`;
  return t(key) === key ? value : t(key);
}

export function StatusBadge({ app }) {
  const tone = app.overdue ? 'badge-late' : app.status === 'answered' || app.status === 'closed' ? 'badge-ok' : 'badge-info';
  return html`<span class=${`badge ${tone}`}>${t(`appl.status.${app.status}`)}</span>`;
}

// The application as filed, the deadline, the extension and the answer.
export function ApplicationDetail({ app, attachmentUrl }) {
  return html`<div class="stack">
    <dl class="facts">
      <div><dt>${t('appl.kind')}</dt><dd>${t(`appl.kind.${app.kind}`)}</dd></div>
      <div><dt>${t('appl.filed')}</dt><dd>${formatDateTime(app.filed_at)}</dd></div>
      <div><dt>${t('appl.due')}</dt><dd>${formatDay(app.due_on)}</dd></div>
      <div><dt>${t('sapp.col.status')}</dt><dd><${StatusBadge} app=${app} /></dd></div>
    </dl>
    ${app.extension_reason && html`<div class="banner banner-info" data-testid="extension">
      <p><strong>${t('appl.extension')}</strong> (${formatDateTime(app.extended_at)})</p>
      <p>${t('appl.extensionReason', { reason: app.extension_reason })}</p></div>`}
    <section aria-labelledby="app-answer">
      <h2 id="app-answer">${t('appl.answer')}</h2>
      ${app.answer
        ? html`<p class="answer" data-testid="answer">${app.answer}</p><p class="hint">${formatDateTime(app.answered_at)}</p>`
        : html`<p>${t('appl.noAnswer')}</p>`}
    </section>
    <section aria-labelledby="app-content">
      <h2 id="app-content">${t('appl.content')}</h2>
      <dl class="facts">${Object.entries(app.fields).map(([name, value]) => html`<div key=${name}>
        <dt>${t(`appl.field.${name}`).replace(OPTIONAL, '')}</dt><dd>${shown(name, value)}</dd></div>`)}</dl>
      ${app.attachments.length > 0 && html`<h3>${t('appl.files')}</h3>
        <ul>${app.attachments.map((a) => html`<li key=${a.id}><a href=${attachmentUrl(a.id)}>${a.file_name}</a></li>`)}</ul>`}
    </section>
  </div>`;
}
