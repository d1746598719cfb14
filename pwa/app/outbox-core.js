/* The outbox of readings waiting to reach the utility: IndexedDB store "outbox" of the "ebok"
 * database, sent one by one with the item's id as Idempotency-Key, so a resend after a lost
 * answer never makes a second reading. An item is marked sent only when the server confirmed it.
 *
 * A classic script on purpose: the service worker loads it with importScripts() for Background
 * Sync, and the page loads it as a module for everything else. It defines self.EbokOutbox.
 */
(function (scope) {
  'use strict';

  var DB_NAME = 'ebok';
  var STORE = 'outbox';
  var META = 'meta';
  var MAX_BACKOFF_MS = 5 * 60 * 1000;
  // Answers that a resend cannot fix: they wait for the person, with the reason shown.
  var NEEDS_PERSON = { 400: true, 404: true, 410: true, 413: true, 422: true };
  var channel = typeof BroadcastChannel !== 'undefined' ? new BroadcastChannel('ebok-outbox') : null;
  var listeners = [];

  function promisify(request) {
    return new Promise(function (resolve, reject) {
      request.onsuccess = function () { resolve(request.result); };
      request.onerror = function () { reject(request.error); };
    });
  }

  // Opens the database at whatever version the page created; the page owns the schema (db.js).
  function openDb() {
    return new Promise(function (resolve, reject) {
      var request = indexedDB.open(DB_NAME);
      var created = false;
      request.onupgradeneeded = function () { created = true; request.transaction.abort(); };
      request.onsuccess = function () {
        var db = request.result;
        db.onversionchange = function () { db.close(); };
        resolve(db);
      };
      request.onerror = function () { created ? resolve(null) : reject(request.error); };
    });
  }

  function withStore(name, mode, fn) {
    return openDb().then(function (db) {
      if (!db || !db.objectStoreNames.contains(name)) {
        if (db) db.close();
        return fn(null);
      }
      var tx = db.transaction(name, mode);
      var result = fn(tx.objectStore(name));
      return new Promise(function (resolve, reject) {
        tx.oncomplete = function () { db.close(); Promise.resolve(result).then(resolve, reject); };
        tx.onerror = function () { db.close(); reject(tx.error); };
        tx.onabort = function () { db.close(); reject(tx.error); };
      });
    });
  }

  function all() {
    return withStore(STORE, 'readonly', function (store) {
      return store ? promisify(store.getAll()) : [];
    }).then(function (items) {
      return (items || []).sort(function (a, b) { return a.createdAt - b.createdAt; });
    });
  }

  function put(item) {
    return withStore(STORE, 'readwrite', function (store) {
      if (!store) throw new Error('outbox store missing');
      store.put(item);
    }).then(changed);
  }

  function remove(id) {
    return withStore(STORE, 'readwrite', function (store) { if (store) store.delete(id); }).then(changed);
  }

  function getMeta(key) {
    return withStore(META, 'readonly', function (store) {
      return store ? promisify(store.get(key)) : undefined;
    }).then(function (entry) { return entry ? entry.value : undefined; });
  }

  function changed() {
    if (channel) channel.postMessage({ type: 'changed' });
    listeners.forEach(function (fn) { fn(); });
  }

  function onChange(fn) {
    listeners.push(fn);
    if (channel) channel.addEventListener('message', fn);
    return function () {
      listeners = listeners.filter(function (f) { return f !== fn; });
      if (channel) channel.removeEventListener('message', fn);
    };
  }

  function isUnsent(item) {
    return item.state !== 'sent';
  }

  function backoff(attempts) {
    return Math.min(5000 * Math.pow(2, Math.max(attempts - 1, 0)), MAX_BACKOFF_MS);
  }

  function formFor(item) {
    var form = new FormData();
    form.append('meter_id', item.meterId);
    form.append('value', item.valueText);
    form.append('captured_at', item.capturedAt);
    form.append('comment', item.comment || '');
    if (item.photo) form.append('photo', new Blob([item.photo], { type: item.photoType || 'image/jpeg' }), 'wodomierz.jpg');
    return form;
  }

  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }

  // One attempt for one item; returns the item as it should be stored afterwards.
  function sendOne(item, csrf) {
    var now = Date.now();
    return fetch('/api/readings', {
      method: 'POST',
      body: formFor(item),
      credentials: 'same-origin',
      headers: { 'Idempotency-Key': item.id, 'X-CSRFToken': csrf || '', Accept: 'application/json' },
    }).then(function (response) {
      return readJson(response).then(function (body) {
        var next = Object.assign({}, item, { attempts: (item.attempts || 0) + 1, lastTriedAt: now });
        if (response.ok) {
          return Object.assign(next, { state: 'sent', reason: null, sentAt: now, result: body, photo: null });
        }
        var code = body.code || ('http_' + response.status);
        if (response.status === 401) return Object.assign(next, { state: 'attention', reason: 'session_expired' });
        if (response.status === 403 && code === 'csrf') return Object.assign(next, { state: 'waiting', reason: 'csrf', nextAttemptAt: now + 2000, csrfFailed: true });
        if (response.status === 409) return Object.assign(next, { state: 'waiting', reason: code, nextAttemptAt: now + 2000 });
        if (NEEDS_PERSON[response.status] || response.status === 403) {
          return Object.assign(next, { state: 'attention', reason: code, field: body.field || null });
        }
        var retryAfter = Number(response.headers.get('Retry-After')) * 1000;
        return Object.assign(next, {
          state: 'waiting', reason: code, nextAttemptAt: now + Math.max(retryAfter || 0, backoff(next.attempts)),
        });
      });
    }, function () {
      var attempts = (item.attempts || 0) + 1;
      return Object.assign({}, item, {
        state: 'waiting', reason: 'offline', attempts: attempts, lastTriedAt: now, nextAttemptAt: now + backoff(attempts),
      });
    });
  }

  // Sends every item that is due. options.force: ignore backoff times; options.retry: also resend
  // items waiting for the person for these reasons (e.g. ["session_expired"] after logging in).
  // options.csrf: a function returning the CSRF token. Resolves to {sent, failed, left}.
  function flushNow(options) {
    options = options || {};
    var retry = options.retry || [];
    var summary = { sent: 0, failed: 0, left: 0, expired: false };
    return all().then(function (items) {
      var due = items.filter(function (item) {
        if (item.state === 'sent') return false;
        if (item.state === 'attention') return retry.indexOf(item.reason) >= 0;
        return options.force || !item.nextAttemptAt || item.nextAttemptAt <= Date.now() || item.state === 'sending';
      });
      var chain = Promise.resolve();
      var stop = false;
      due.forEach(function (item) {
        chain = chain.then(function () {
          if (stop) { summary.left += 1; return undefined; }
          return put(Object.assign({}, item, { state: 'sending' }))
            .then(function () { return options.csrf ? options.csrf(item.csrfFailed) : getMeta('csrf'); })
            .then(function (csrf) { return sendOne(item, csrf); })
            .then(function (next) {
              if (next.state === 'sent') summary.sent += 1;
              else summary.failed += 1;
              // no network or session: the rest would fail the same way, keep them for later
              if (next.reason === 'offline' || next.reason === 'session_expired') stop = true;
              if (next.reason === 'session_expired') summary.expired = true;
              return put(next);
            });
        });
      });
      return chain.then(function () { return summary; });
    });
  }

  // One flush at a time across tabs and the service worker, where the browser has Web Locks.
  function flush(options) {
    if (scope.navigator && navigator.locks && navigator.locks.request) {
      return navigator.locks.request('ebok-outbox', function () { return flushNow(options); });
    }
    return flushNow(options);
  }

  scope.EbokOutbox = {
    all: all, put: put, remove: remove, flush: flush, onChange: onChange, isUnsent: isUnsent, backoff: backoff,
  };
})(self);
