// Status messages: stale data, load errors, app updates, connectivity.
import { html, useEffect, useState } from '../preact.js';
import { t, errorText } from '../i18n.js';
import { formatDateTime } from '../format.js';
import { onUpdateReady, applyUpdate } from '../update.js';
import { isUnreachable } from '../api.js';

export function StaleBanner({ fetchedAt, onRetry }) {
  return html`<div class="banner banner-warn" role="status" data-testid="stale-banner">
    <p>${t('stale.text', { date: formatDateTime(fetchedAt) })}</p>
    ${onRetry && html`<button type="button" class="btn btn-secondary" onClick=${onRetry}>${t('retry')}</button>`}
  </div>`;
}

// Loading, error and stale states around data from useCachedData; renders children(data) when there is data.
export function DataView({ resource, loadingText, children }) {
  const { data, error, stale, fetchedAt, reload } = resource;
  if (data === undefined) {
    if (error) {
      const text = isUnreachable(error) ? t('offline.noData') : errorText(error);
      return html`<div class="banner banner-error" role="alert">
        <p>${text}</p>
        <button type="button" class="btn btn-secondary" onClick=${reload}>${t('retry')}</button>
      </div>`;
    }
    return html`<p class="loading" role="status">${loadingText || t('app.loading')}</p>`;
  }
  return html`${stale && html`<${StaleBanner} fetchedAt=${fetchedAt} onRetry=${reload} />`}
    ${children(data)}`;
}

export function UpdateBanner() {
  const [ready, setReady] = useState(false);
  useEffect(() => onUpdateReady(() => setReady(true)), []);
  if (!ready) return null;
  return html`<div class="banner banner-info update-banner" role="status" data-testid="update-banner">
    <p>${t('update.text')}</p>
    <button type="button" class="btn btn-primary" onClick=${applyUpdate}>${t('update.button')}</button>
  </div>`;
}

export function useOnline() {
  const [online, setOnline] = useState(() => navigator.onLine);
  useEffect(() => {
    const on = () => setOnline(true);
    const off = () => setOnline(false);
    window.addEventListener('online', on);
    window.addEventListener('offline', off);
    return () => {
      window.removeEventListener('online', on);
      window.removeEventListener('offline', off);
    };
  }, []);
  return online;
}

export function ConnectionPill({ online }) {
  return online ? null : html`<span class="conn-pill" data-testid="connection-status">${t('conn.offline')}</span>`;
}
