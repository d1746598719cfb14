/* e-BOK service worker: one classic script, scope "/".
 *
 * The server prepends two constants when it serves /sw.js (so they are not declared here):
 *   EBOK_VERSION  content hash of the shell; a new hash means a new worker and a new cache
 *   EBOK_SHELL    every URL of the app shell to precache ("/", "/offline.html", /static/..., "/manifest.json")
 *
 * Strategy:
 *   page navigations  network first (4 s), then the cached shell "/", then "/offline.html"
 *   /deklaracja-dostepnosci  the accessibility statement, server HTML: network first, each answer
 *                     kept per language (Content-Language); offline the kept or precached one
 *   /static/, /manifest.json  cache first (the cache is per version, so no stale mix)
 *   /api/             never touched: the app keeps its own data in IndexedDB
 */
/* global EBOK_VERSION, EBOK_SHELL */

const SHELL_CACHE = `ebok-shell-${EBOK_VERSION}`;
const SHELL_PREFIX = 'ebok-shell-';
const NAVIGATION_TIMEOUT_MS = 4000;

// ---- lifecycle ---------------------------------------------------------------------------------

self.addEventListener('install', (event) => {
  // cache: 'reload' skips the HTTP cache so a new version never precaches old files.
  // No skipWaiting here: the page asks for it when the user accepts the update.
  event.waitUntil(
    caches.open(SHELL_CACHE).then((cache) => cache.addAll(EBOK_SHELL.map((url) => new Request(url, { cache: 'reload' })))),
  );
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    const names = await caches.keys();
    await Promise.all(names
      .filter((name) => name.startsWith(SHELL_PREFIX) && name !== SHELL_CACHE)
      .map((name) => caches.delete(name)));
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data && event.data.type === 'SKIP_WAITING') self.skipWaiting();
});

// ---- fetch -------------------------------------------------------------------------------------

function timeout(ms) {
  return new Promise((resolve, reject) => setTimeout(() => reject(new Error('timeout')), ms));
}

async function shellFallback() {
  const cache = await caches.open(SHELL_CACHE);
  return (await cache.match('/')) || (await cache.match('/offline.html')) || Response.error();
}

async function networkFirstNavigation(request) {
  try {
    const response = await Promise.race([fetch(request), timeout(NAVIGATION_TIMEOUT_MS)]);
    // A proxy's error page (server down) is worse than the app running on its saved data.
    if (response.status >= 500) {
      const shell = await (await caches.open(SHELL_CACHE)).match('/');
      return shell || response;
    }
    return response;
  } catch {
    return shellFallback();
  }
}

// The accessibility statement is the server's page, not the app's: precached in each language
// (EBOK_SHELL has /deklaracja-dostepnosci?lang=pl, ?lang=en and ?lang=uk), refreshed by every online visit.
const STATEMENT = '/deklaracja-dostepnosci';
const STATEMENT_LANGUAGES = ['pl', 'en', 'uk'];

function statementKey(url) {
  const asked = url.searchParams.get('lang');
  const preferred = (self.navigator.languages || [self.navigator.language || ''])
    .map((tag) => tag.toLowerCase().split('-')[0]).find((tag) => STATEMENT_LANGUAGES.includes(tag));
  return `${STATEMENT}?lang=${STATEMENT_LANGUAGES.includes(asked) ? asked : preferred || 'pl'}`;
}

async function statementNavigation(request, url) {
  const cache = await caches.open(SHELL_CACHE);
  try {
    const response = await Promise.race([fetch(request), timeout(NAVIGATION_TIMEOUT_MS)]);
    if (response.ok) {
      const lang = response.headers.get('content-language');
      if (STATEMENT_LANGUAGES.includes(lang)) await cache.put(`${STATEMENT}?lang=${lang}`, response.clone());
      return response;
    }
    return (await cache.match(statementKey(url))) || response;
  } catch {
    return (await cache.match(statementKey(url))) || shellFallback();
  }
}

async function cacheFirst(request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(request);
  if (cached) return cached;
  const response = await fetch(request);
  if (response.ok && response.type === 'basic') cache.put(request, response.clone());
  return response;
}

self.addEventListener('fetch', (event) => {
  const { request } = event;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== self.location.origin) return;
  if (url.pathname.startsWith('/api/')) return; // data: the app decides what to keep

  if (request.mode === 'navigate' && url.pathname === STATEMENT) {
    event.respondWith(statementNavigation(request, url));
  } else if (request.mode === 'navigate') {
    event.respondWith(networkFirstNavigation(request));
  } else if (url.pathname.startsWith('/static/') || url.pathname === '/manifest.json') {
    event.respondWith(cacheFirst(request));
  }
});

// ---- background work ---------------------------------------------------------------------------
// What works while no page is in front:
//   sync                    sends the IndexedDB outbox (readings, contact messages, visit results)
//   push                    outage alerts (Web Push): shows the notification
//   notificationclick       focuses an open e-BOK window or opens the URL the notification carries
//   pushsubscriptionchange  gives the server the browser's new subscription

// Background Sync (Chromium): the outbox is sent even when no e-BOK window is open.
// The session cookie goes with the request; the CSRF token was left in IndexedDB by the page.
// A rejected promise (still offline) makes the browser try the sync again later.
importScripts('/static/app/outbox-core.js');

self.addEventListener('sync', (event) => {
  if (event.tag !== 'ebok-outbox') return;
  event.waitUntil(self.EbokOutbox.flush({ force: true }).then((summary) => {
    if (summary.failed) throw new Error('some readings are still waiting');
  }));
});

// ---- outage alerts (Web Push) ------------------------------------------------------------------
// The server sends JSON {type: "outage", id, seq, reason, kind, title, body, tag, url}. Every alert
// about one outage has the same tag, so an update or the all-clear replaces the notification
// instead of piling up; renotify makes the phone sound again for the follow-up.

self.addEventListener('push', (event) => {
  let data = null;
  try {
    data = event.data ? event.data.json() : null;
  } catch {
    data = null;
  }
  if (!data || !['outage', 'reminder', 'notice'].includes(data.type)) return;
  // a reading reminder {type: "reminder", title, body, tag, url, lang} opens its meter's capture screen
  const outage = data.type === 'outage';
  event.waitUntil(shownText(data).then(({ title, body }) => self.registration.showNotification(title, {
    body,
    tag: data.tag,
    renotify: outage,
    requireInteraction: outage && data.kind !== 'planned' && data.reason !== 'closed',
    icon: '/static/icons/icon-192.png',
    badge: '/static/icons/icon-192.png',
    lang: data.lang || 'pl',
    timestamp: Date.now(),
    data: { url: data.url, id: data.id, seq: data.seq },
  })));
});

// A notice about the resident's own data {type: "notice", owner, locked: {title, body}} shows its
// content only while its account is the one logged in here: on a shared or handed-on phone where
// that account logged out, the lock screen says only that there is something to read after login.
async function shownText(data) {
  if (data.type !== 'notice' || !data.owner) return { title: data.title, body: data.body };
  const owner = await readMeta('owner');
  if (owner === data.owner) return { title: data.title, body: data.body };
  return data.locked || { title: 'e-BOK', body: '' };
}

// Tapping the notification opens the outage page, also when no e-BOK window was open.
self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = new URL((event.notification.data && event.notification.data.url) || '/awarie', self.location.origin);
  if (target.origin !== self.location.origin) return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    const open = windows.find((w) => new URL(w.url).origin === self.location.origin && 'navigate' in w);
    if (open) {
      await open.focus().catch(() => {}); // focus needs the click's user activation; navigating does not
      return open.navigate(target.href);
    }
    return self.clients.openWindow(target.href);
  })());
});

// The browser replaced the subscription (expired or rotated keys): give the server the new one,
// with the old endpoint so the device keeps its chosen addresses. The CSRF token comes from the
// IndexedDB meta store the page keeps it in (outbox.js). If the server cannot be told now, the
// app does it at its next start (push.js compares the endpoint with the one it registered).
function readCsrf() {
  return readMeta('csrf');
}

// A value the page keeps in the IndexedDB meta store (outbox.js): 'csrf', 'owner' (the account
// logged in on this device, absent after logout); '' when there is none.
function readMeta(key) {
  return new Promise((resolve) => {
    const open = indexedDB.open('ebok');
    open.onupgradeneeded = () => open.transaction.abort();
    open.onerror = () => resolve('');
    open.onsuccess = () => {
      const db = open.result;
      if (!db.objectStoreNames.contains('meta')) {
        db.close();
        resolve('');
        return;
      }
      const get = db.transaction('meta', 'readonly').objectStore('meta').get(key);
      get.onsuccess = () => { db.close(); resolve(get.result ? get.result.value : ''); };
      get.onerror = () => { db.close(); resolve(''); };
    };
  });
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

self.addEventListener('pushsubscriptionchange', (event) => {
  event.waitUntil((async () => {
    let subscription = event.newSubscription;
    if (!subscription) {
      const response = await fetch('/api/push/key', { credentials: 'same-origin' });
      const { public_key: key } = await response.json();
      subscription = await self.registration.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
    }
    const body = { ...subscription.toJSON() };
    if (event.oldSubscription && event.oldSubscription.endpoint !== subscription.endpoint) {
      body.old_endpoint = event.oldSubscription.endpoint;
    }
    const csrf = await readCsrf();
    const response = await fetch('/api/push/subscriptions', {
      method: 'POST',
      credentials: 'same-origin',
      headers: { 'Content-Type': 'application/json', Accept: 'application/json', 'X-CSRFToken': csrf },
      body: JSON.stringify(body),
    });
    if (!response.ok) throw new Error(`the server did not take the new subscription (${response.status})`);
  })().catch(() => {})); // the app's start-up check is the fallback
});
