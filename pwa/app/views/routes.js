// The office plans inspectors' days: open visits go onto a route (one inspector, one day, ordered
// by street and number by the server); routes can be handed over; progress is visible.
import '../i18n/inspections-views.js'; // this view's texts
import '../i18n/tables-views.js'; // the lists' column headers (wide screens)
import { html, useCallback, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { api } from '../api.js';
import { Page } from '../components/page.js';
import { todayInWarsaw } from '../format.js';
import { useWide } from '../components/wide.js';

function Reassign({ route, inspectors, onDone }) {
  const [to, setTo] = useState('');
  const id = `reassign-${route.id}`;
  const others = inspectors.filter((i) => i.id !== route.inspector_id);
  if (!others.length) return null;
  return html`<details><summary>${t('routes.reassign')}</summary>
    <div class="field"><label for=${id}>${t('routes.reassignTo')}</label>
      <select id=${id} value=${to} onChange=${(e) => setTo(e.currentTarget.value)}>
        <option value="">—</option>
        ${others.map((i) => html`<option value=${i.id}>${i.name}</option>`)}
      </select></div>
    <button type="button" class="btn btn-secondary" onClick=${() => to && api.patch(`/api/staff/routes/${route.id}`,
      { inspector_id: to }).then(onDone)}>${t('routes.reassignSave')}</button>
  </details>`;
}

// A new route: the open visits to put on it, the inspector and the day.
function NewRoute({ visits, inspectors, onCreated }) {
  const wide = useWide();
  const [chosen, setChosen] = useState(new Set());
  const [inspector, setInspector] = useState('');
  const [day, setDay] = useState(todayInWarsaw());
  const [error, setError] = useState(null);
  const who = inspector || (inspectors[0] && inspectors[0].id) || '';

  const toggle = (id) => setChosen((s) => {
    const next = new Set(s);
    if (next.has(id)) next.delete(id); else next.add(id);
    return next;
  });

  const create = async (event) => {
    event.preventDefault();
    setError(null);
    try {
      await api.post('/api/staff/routes', { inspector_id: who, day, visit_ids: [...chosen] });
      setChosen(new Set());
      await onCreated();
    } catch (err) {
      setError(err);
    }
  };

  return html`<form class="form" onSubmit=${create} novalidate>
    <fieldset class="choices"><legend>${t('routes.pick')}</legend>
      ${wide
        ? html`<table class="table data-table visits-table" data-testid="open-visits">
          <caption class="visually-hidden">${t('routes.open')}</caption>
          <thead><tr><th scope="col"><span class="visually-hidden">${t('col.choose')}</span></th><th scope="col">${t('col.address')}</th>
            <th scope="col">${t('col.meter')}</th><th scope="col">${t('col.reasons')}</th></tr></thead>
          <tbody>${visits.map((v) => html`<tr key=${v.id}>
            <td class="check-cell"><input type="checkbox" id=${`v-${v.id}`} checked=${chosen.has(v.id)} onChange=${() => toggle(v.id)} /></td>
            <th scope="row"><label for=${`v-${v.id}`}>${v.address}</label></th>
            <td>${t('meter.serial', { serial: v.serial })}</td>
            <td>${v.reasons.map((r) => t(`reason.${r}`)).join(', ')}</td>
          </tr>`)}</tbody>
        </table>`
        : visits.map((v) => html`<div class="field-check">
          <input type="checkbox" id=${`v-${v.id}`} checked=${chosen.has(v.id)} onChange=${() => toggle(v.id)} />
          <label for=${`v-${v.id}`}>${v.address} · ${t('meter.serial', { serial: v.serial })} · ${v.reasons.map((r) => t(`reason.${r}`)).join(', ')}</label>
        </div>`)}
    </fieldset>
    <div class="field"><label for="route-inspector">${t('routes.inspector')}</label>
      <select id="route-inspector" value=${who} onChange=${(e) => setInspector(e.currentTarget.value)}>
        ${inspectors.map((i) => html`<option value=${i.id}>${i.name}</option>`)}
      </select></div>
    <div class="field"><label for="route-day">${t('routes.day')}</label>
      <input id="route-day" type="date" value=${day} onInput=${(e) => setDay(e.currentTarget.value)} /></div>
    ${error && html`<p class="field-error" role="alert">${errorText(error)}</p>`}
    <button type="submit" class="btn btn-primary">${t('routes.create')}</button>
  </form>`;
}

function visitLine(v) {
  return `${v.address} — ${t(`visit.state.${v.status}`)}${v.result ? ` (${t(`visit.result.${v.result}`)})` : ''}`;
}

// One planned route: its inspector and day, how far it got, its visits, the hand-over.
function RouteCard({ route: r, inspectors, onDone }) {
  const progress = t('routes.progress', { inspector: r.inspector_name, day: r.day, done: r.done, total: r.total });
  return html`<li class="card" data-testid="route">
    <p><strong>${progress}</strong></p>
    <progress max=${r.total} value=${r.done} aria-label=${progress}></progress>
    <ol>${r.visits.map((v) => html`<li>${visitLine(v)}</li>`)}</ol>
    <${Reassign} route=${r} inspectors=${inspectors} onDone=${onDone} />
  </li>`;
}

// From 1024 px the routes as one table: inspector and day, progress, the visits in order, hand-over.
function RouteTable({ routes, inspectors, onDone }) {
  const handOver = inspectors.length > 1; // the hand-over column only when there is someone to hand over to
  return html`<table class="table data-table routes-table" data-testid="routes">
    <caption class="visually-hidden">${t('routes.list')}</caption>
    <thead><tr><th scope="col">${t('routes.inspector')}</th><th scope="col">${t('routes.day')}</th>
      <th scope="col">${t('col.progress')}</th><th scope="col">${t('col.visits')}</th>
      ${handOver && html`<th scope="col">${t('col.actions')}</th>`}</tr></thead>
    <tbody>${routes.map((r) => {
      const progress = t('routes.progress', { inspector: r.inspector_name, day: r.day, done: r.done, total: r.total });
      return html`<tr key=${r.id} data-testid="route">
        <th scope="row">${r.inspector_name}</th><td>${r.day}</td>
        <td>${t('col.doneOf', { done: r.done, total: r.total })}
          <progress max=${r.total} value=${r.done} aria-label=${progress}></progress></td>
        <td><ol class="compact">${r.visits.map((v) => html`<li>${visitLine(v)}</li>`)}</ol></td>
        ${handOver && html`<td><${Reassign} route=${r} inspectors=${inspectors} onDone=${onDone} /></td>`}
      </tr>`;
    })}</tbody>
  </table>`;
}

function RouteList({ routes, inspectors, onDone }) {
  const wide = useWide();
  if (wide) return html`<${RouteTable} routes=${routes} inspectors=${inspectors} onDone=${onDone} />`;
  return html`<ul class="cards">${routes.map((r) => html`<${RouteCard} route=${r} inspectors=${inspectors} onDone=${onDone} />`)}</ul>`;
}

export function RoutesView() {
  const [visits, setVisits] = useState(null);
  const [routes, setRoutes] = useState([]);
  const [inspectors, setInspectors] = useState([]);
  const [message, setMessage] = useState('');

  const load = useCallback(async () => {
    const [v, r, i] = await Promise.all([api.get('/api/staff/visits'), api.get('/api/staff/routes'),
      api.get('/api/staff/inspectors')]);
    setVisits(v);
    setRoutes(r);
    setInspectors(i);
  }, []);
  useEffect(() => { load().catch(() => {}); }, []); // unreachable: the lists stay "loading"
  const created = () => {
    setMessage(t('routes.created'));
    return load();
  };

  return html`<${Page} title=${t('routes.title')}>
    <div role="status">${message && html`<div class="banner banner-ok"><p>${message}</p></div>`}</div>
    <section aria-labelledby="open-visits"><h2 id="open-visits">${t('routes.open')}</h2>
      ${visits === null ? html`<p class="loading">${t('app.loading')}</p>` : !visits.length ? html`<p>${t('routes.noOpen')}</p>`
        : html`<${NewRoute} visits=${visits} inspectors=${inspectors} onCreated=${created} />`}
    </section>
    <section aria-labelledby="route-list"><h2 id="route-list">${t('routes.list')}</h2>
      ${!routes.length ? html`<p>${t('routes.none')}</p>`
        : html`<${RouteList} routes=${routes} inspectors=${inspectors} onDone=${load} />`}
    </section>
  <//>`;
}
