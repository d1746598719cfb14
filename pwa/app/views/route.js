// "Moja trasa": the inspector's visits for today. "Pobierz na teren" keeps the route and the
// residents' photo thumbnails on the device, so the whole route works in basements without signal.
import '../i18n/inspections-views.js'; // this view's texts
import { html, useEffect, useRef, useState } from '../preact.js';
import { t } from '../i18n.js';
import { useCachedData } from '../resource.js';
import { writeCache } from '../db.js';
import { useOutbox } from '../outbox.js';
import { navigate } from '../router.js';
import { Page } from '../components/page.js';
import { DataView } from '../components/status.js';
import { OutboxPanel } from '../components/outbox.js';
import { ROUTE_URL, thumbUrl } from '../components/route.js';

async function downloadForField(routes) {
  let count = 0;
  for (const route of routes) {
    for (const visit of route.visits) {
      count += 1;
      if (!visit.resident_has_photo) continue;
      const url = thumbUrl(visit.resident_reading_id);
      const response = await fetch(url, { credentials: 'same-origin' });
      if (response.ok) await writeCache(url, { type: response.headers.get('Content-Type'), buffer: await response.arrayBuffer() });
    }
  }
  return count;
}

function Scanner({ onCode }) {
  const video = useRef(null);
  const [on, setOn] = useState(false);
  useEffect(() => {
    if (!on) return undefined;
    let stream = null;
    let timer = 0;
    const detector = new window.BarcodeDetector();
    navigator.mediaDevices.getUserMedia({ video: { facingMode: 'environment' } }).then((s) => {
      stream = s;
      video.current.srcObject = s;
      video.current.play();
      timer = setInterval(async () => {
        const codes = await detector.detect(video.current).catch(() => []);
        if (codes.length) {
          onCode(codes[0].rawValue);
          setOn(false);
        }
      }, 300);
    }, () => setOn(false));
    return () => {
      clearInterval(timer);
      if (stream) stream.getTracks().forEach((track) => track.stop());
    };
  }, [on]);
  if (!('BarcodeDetector' in window)) return null; // the search field does the job everywhere else
  return html`<div>
    <button type="button" class="btn btn-secondary" onClick=${() => setOn(!on)}>${on ? t('route.scanStop') : t('route.scan')}</button>
    ${on && html`<video ref=${video} class="scanner" muted playsinline aria-label=${t('route.scanVideo')}></video>`}
  </div>`;
}

function visitState(visit, outbox) {
  if (visit.status === 'done') return 'done';
  return outbox.some((item) => item.visitId === visit.id) ? 'unsent' : 'pending';
}

function RouteList({ routes, outbox }) {
  const [query, setQuery] = useState('');
  const [message, setMessage] = useState('');
  const visits = routes.flatMap((r) => r.visits);
  const q = query.trim().toLowerCase();
  const shown = q ? visits.filter((v) => v.serial.toLowerCase().includes(q) || v.address.toLowerCase().includes(q)) : visits;
  const unsentItems = outbox.filter((i) => i.state !== 'sent');
  const done = visits.filter((v) => visitState(v, outbox) !== 'pending').length;
  const onCode = (code) => {
    setQuery(code);
    const hit = visits.filter((v) => v.serial === code);
    if (hit.length === 1) navigate(`/trasa/wizyta?id=${hit[0].id}`);
  };
  if (!visits.length) return html`<p>${t('route.none')}</p>`;
  return html`
    <p role="status" data-testid="route-progress">${t('route.progress', { done, total: visits.length, unsent: unsentItems.length })}</p>
    <p class="actions"><button type="button" class="btn btn-primary"
      onClick=${async () => setMessage(t('route.downloaded', { count: await downloadForField(routes) }))}>${t('route.download')}</button></p>
    <div role="status">${message && html`<div class="banner banner-ok"><p>${message}</p></div>`}</div>
    <div class="field"><label for="route-search">${t('route.search')}</label>
      <input id="route-search" type="search" value=${query} onInput=${(e) => setQuery(e.currentTarget.value)} /></div>
    <${Scanner} onCode=${onCode} />
    <ol class="cards">${shown.map((v) => html`<li class=${`card visit visit-${visitState(v, outbox)}`} data-testid="visit">
      <p><strong>${v.position}. ${v.address}</strong></p>
      <p>${t('meter.serial', { serial: v.serial })} · ${v.reasons.map((r) => t(`reason.${r}`)).join(', ')}</p>
      <p class="state-label">${t(`visit.state.${visitState(v, outbox)}`)}</p>
      <a class="btn btn-secondary" href=${`/trasa/wizyta?id=${v.id}`} aria-label=${t('route.open', { address: v.address })}>${t('visit.title')}</a>
    </li>`)}</ol>`;
}

export function RouteView() {
  const resource = useCachedData(ROUTE_URL);
  const outbox = useOutbox('visit');
  return html`<${Page} title=${t('route.title')}>
    <${DataView} resource=${resource}>${(routes) => html`<${RouteList} routes=${routes} outbox=${outbox} />`}<//>
    <${OutboxPanel} items=${outbox} kind="visit" />
  <//>`;
}
