// Talks to the JSON API (docs/API.md). Every failure becomes an Error with .code (stable API code,
// or "offline"/"server"/...), .field, .status and .params, so views can show i18n text for it.
import { readCache, writeCache, clearCache as clearCacheStore } from './db.js';

const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const GET_TIMEOUT_MS = 10000; // a basement "one bar" connection should fall back to saved data
export const PUBLIC_URLS = ['/api/config'];

let unauthenticatedHandler = () => {};

// The app decides what "log in again" means (drop the user, go to /logowanie).
export function onUnauthenticated(handler) {
  unauthenticatedHandler = handler;
}

// For requests made outside request() (the outbox's uploads) that learn the session is gone.
export function sessionEnded() {
  unauthenticatedHandler(apiError('not_authenticated', { status: 401 }));
}

function apiError(code, { status = 0, field = null, message = code, params } = {}) {
  const err = new Error(message);
  err.code = code;
  err.status = status;
  err.field = field;
  err.params = params;
  return err;
}

function offlineError() {
  return apiError('offline', { message: 'No connection' });
}

function readCookie(name) {
  const prefix = `${name}=`;
  const hit = document.cookie.split('; ').find((c) => c.startsWith(prefix));
  return hit ? decodeURIComponent(hit.slice(prefix.length)) : null;
}

// The readable twin of the HttpOnly session cookie (the server's guards.LOGIN_COOKIE): without it the
// session cookie logs nobody in, so deleting it logs this device out even without signal.
export function endSessionHere() {
  const secure = location.protocol === 'https:' ? '; Secure' : '';
  document.cookie = `ebok_login=; Max-Age=0; Path=/; SameSite=Lax${secure}`;
}

// Any GET sets the csrftoken cookie when it is missing; /api/config is public and cheap.
export async function csrfToken(refresh = false) {
  if (refresh || !readCookie('csrftoken')) {
    await fetch('/api/config', { credentials: 'same-origin', headers: { Accept: 'application/json' } });
  }
  return readCookie('csrftoken') || '';
}

async function errorFrom(res) {
  let body = {};
  try {
    body = await res.json();
  } catch {
    // not JSON (proxy error page): classify by status below
  }
  let code = body.code;
  if (!code) {
    if (res.status >= 500) code = 'server';
    else if (res.status === 403) code = 'forbidden';
    else if (res.status === 404) code = 'not_found';
    else code = 'generic';
  }
  // values the sentence needs (a date, a limit), as the server sends them
  let params = body.params && typeof body.params === 'object' ? { ...body.params } : undefined;
  if (code === 'too_many_attempts') {
    const seconds = Number(res.headers.get('Retry-After'));
    // the login throttle's delays start at a few seconds: say seconds under a minute
    if (seconds > 0) params = seconds < 60 ? { seconds } : { minutes: Math.ceil(seconds / 60) };
  }
  return apiError(code, { status: res.status, field: body.field || null, message: body.message || code, params });
}

export async function request(method, url, body, { timeout = 0, retried = false, kept } = {}) {
  const headers = { Accept: 'application/json' };
  if (kept?.etag) headers['If-None-Match'] = kept.etag; // 304: the kept copy is still current
  const multipart = body instanceof FormData; // the browser writes its Content-Type with the boundary
  if (body !== undefined && !multipart) headers['Content-Type'] = 'application/json';
  const controller = timeout ? new AbortController() : null;
  const timer = controller ? setTimeout(() => controller.abort(), timeout) : 0;
  let res;
  try {
    if (UNSAFE.has(method)) headers['X-CSRFToken'] = await csrfToken();
    res = await fetch(url, {
      method,
      headers,
      credentials: 'same-origin',
      body: body === undefined || multipart ? body : JSON.stringify(body),
      signal: controller ? controller.signal : undefined,
    });
  } catch {
    // TypeError (no network) or AbortError (timeout): both mean "not reachable now"
    throw offlineError();
  } finally {
    clearTimeout(timer);
  }
  if (kept && res.status === 304) return kept.data;
  if (res.ok) {
    if (kept) kept.etag = res.headers.get('ETag');
    if (res.status === 204) return null;
    const type = res.headers.get('Content-Type') || '';
    return type.includes('json') ? res.json() : null;
  }
  const err = await errorFrom(res);
  if (err.code === 'csrf' && !retried) {
    // the token cookie may have been rotated or lost: fetch a fresh one and try once more
    await csrfToken(true).catch(() => {});
    return request(method, url, body, { timeout, retried: true });
  }
  if (res.status === 401 && err.code === 'not_authenticated') unauthenticatedHandler(err);
  throw err;
}

export const api = {
  get: (url) => request('GET', url),
  post: (url, body = {}) => request('POST', url, body),
  patch: (url, body = {}) => request('PATCH', url, body),
  del: (url) => request('DELETE', url),
  upload: (url, form) => request('POST', url, form), // form: a FormData (multipart)
};

// No network, or the server (or the proxy in front of it) is failing: saved data is the best answer.
export function isUnreachable(err) {
  return err.code === 'offline' || err.status >= 500;
}

// Network first; the last good answer is kept in IndexedDB and returned, marked stale, when the
// server cannot be reached. Resolves to {data, stale, fetchedAt}.
// Bumped when the user's data is dropped: an answer that was on its way then (a prefetch, a
// slow screen) belongs to the session that ended and must not be written back on a shared phone.
let cacheGeneration = 0;

export async function getCached(url) {
  const generation = cacheGeneration;
  const kept = { ...(await readCache(url).catch(() => undefined)) };
  try {
    const data = await request('GET', url, undefined, { timeout: GET_TIMEOUT_MS, kept });
    const fetchedAt = Date.now();
    // storage may be unavailable (private mode, quota)
    if (generation === cacheGeneration) writeCache(url, data, kept.etag).catch(() => {});
    return { data, stale: false, fetchedAt };
  } catch (err) {
    if (!isUnreachable(err)) throw err;
    if (kept.url) return { data: kept.data, stale: true, fetchedAt: kept.fetchedAt };
    throw err;
  }
}

// Keep an answer that came from a POST/PATCH (e.g. the user after login) for offline starts.
export function remember(url, data) {
  return writeCache(url, data).catch(() => {});
}

// On logout or an ended session: drop the user's data, keep the public contact details.
export function clearCache() {
  cacheGeneration += 1;
  return clearCacheStore(PUBLIC_URLS).catch(() => {});
}
