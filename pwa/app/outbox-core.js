/* The outbox of what waits to reach the utility: IndexedDB store "outbox" of the "ebok"
 * database, sent one by one with the item's id as Idempotency-Key, so a resend after a lost
 * answer never makes a second reading or message. An item is marked sent only when the server
 * confirmed it. item.kind picks the endpoint and form (KINDS); items without a kind are readings.
 *
 * A classic script on purpose: the service worker loads it with importScripts() for Background
 * Sync, and the page loads it as a module for everything else. It defines self.EbokOutbox.
 */
(function (scope) {
  'use strict';

  var DB_NAME = 'ebok';
  var STORE = 'outbox';
  var META = 'meta';
  var BLOBS = 'outbox-blobs';
  var PARALLEL = 3;
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

  function finished(tx, db) {
    return new Promise(function (resolve, reject) {
      tx.oncomplete = function () { db.close(); resolve(); };
      tx.onerror = function () { db.close(); reject(tx.error); };
      tx.onabort = function () { db.close(); reject(tx.error); };
    });
  }

  // The big parts of an item (photos, attachments) live in their own store, so listing the outbox
  // (on every change, for the badge and the list) reads a few hundred bytes per item, not megabytes.
  function put(item) {
    return openDb().then(function (db) {
      if (!db || !db.objectStoreNames.contains(STORE)) {
        if (db) db.close();
        throw new Error('outbox store missing');
      }
      var split = db.objectStoreNames.contains(BLOBS);
      var tx = db.transaction(split ? [STORE, BLOBS] : [STORE], 'readwrite');
      var light = item;
      if (split) {
        var parts = {};
        var found = false;
        light = Object.assign({}, item);
        Object.keys(kindOf(item).dropWhenSent).forEach(function (field) {
          if (item[field] != null) { parts[field] = item[field]; found = true; }
          delete light[field];
        });
        if (found) {
          tx.objectStore(BLOBS).put({ id: item.id, parts: parts });
          light.hasParts = true;
        } else if (item.state === 'sent') {
          tx.objectStore(BLOBS).delete(item.id); // the server has them now
          light.hasParts = false;
        }
      }
      tx.objectStore(STORE).put(light);
      return finished(tx, db);
    }).then(changed);
  }

  // The item with its big parts, as it is sent.
  function withParts(item) {
    if (!item.hasParts) return Promise.resolve(item);
    return withStore(BLOBS, 'readonly', function (store) {
      return store ? promisify(store.get(item.id)) : undefined;
    }).then(function (entry) { return entry ? Object.assign({}, item, entry.parts) : item; });
  }

  function remove(id) {
    return openDb().then(function (db) {
      if (!db) return undefined;
      var names = [STORE, BLOBS].filter(function (n) { return db.objectStoreNames.contains(n); });
      if (!names.length) { db.close(); return undefined; }
      var tx = db.transaction(names, 'readwrite');
      names.forEach(function (n) { tx.objectStore(n).delete(id); });
      return finished(tx, db);
    }).then(changed);
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

  // An item belongs to the account that queued it (item.owner, its user id) and is sent only with
  // that account's session; while another account is logged in on this browser it waits. Items
  // queued before owners were recorded have none and go with whoever is logged in.
  function isMine(item, owner) {
    return Boolean(owner) && (!item.owner || item.owner === owner);
  }

  function backoff(attempts) {
    return Math.min(5000 * Math.pow(2, Math.max(attempts - 1, 0)), MAX_BACKOFF_MS);
  }

  function readingForm(item) {
    var form = new FormData();
    form.append('meter_id', item.meterId);
    form.append('value', item.valueText);
    form.append('captured_at', item.capturedAt);
    if (item.readingDate) form.append('reading_date', item.readingDate);
    form.append('comment', item.comment || '');
    if (item.photo) form.append('photo', new Blob([item.photo], { type: item.photoType || 'image/jpeg' }), 'wodomierz.jpg');
    return form;
  }

  // Attachments are kept as ArrayBuffer + type (Safari cannot store Blobs).
  function appendFiles(form, attachments) {
    (attachments || []).forEach(function (a) {
      form.append('attachment', new Blob([a.buffer], { type: a.type || 'application/octet-stream' }), a.name || 'zalacznik');
    });
    return form;
  }

  // A message to the office.
  function contactForm(item) {
    var form = new FormData();
    form.append('customer_id', item.customerId);
    form.append('category', item.category);
    form.append('subject', item.subject);
    form.append('body', item.body);
    return appendFiles(form, item.attachments);
  }

  // An application (wniosek): its kind is `type` (`kind` names the outbox kind), its fields as JSON.
  function applicationForm(item) {
    var form = new FormData();
    form.append('customer_id', item.customerId);
    form.append('kind', item.type);
    form.append('fields', JSON.stringify(item.fields));
    return appendFiles(form, item.attachments);
  }

  // An inspector's visit outcome: the value found on site is optional (no access, damaged meter).
  function visitForm(item) {
    var form = new FormData();
    form.append('result', item.result);
    form.append('value', item.valueText || '');
    form.append('captured_at', item.capturedAt);
    form.append('comment', item.comment || '');
    if (item.photo) form.append('photo', new Blob([item.photo], { type: item.photoType || 'image/jpeg' }), 'kontrola.jpg');
    return form;
  }

  // What each kind of item is sent to; what is dropped once the server has it (the big parts).
  var KINDS = {
    reading: { url: '/api/readings', form: readingForm, dropWhenSent: { photo: null } },
    visit: {
      url: function (item) { return '/api/inspector/visits/' + encodeURIComponent(item.visitId) + '/result'; },
      form: visitForm, dropWhenSent: { photo: null },
    },
    contact: { url: '/api/contact/messages', form: contactForm, dropWhenSent: { attachments: null } },
    application: { url: '/api/applications', form: applicationForm, dropWhenSent: { attachments: null } },
  };

  function kindOf(item) {
    return KINDS[item.kind || 'reading'] || KINDS.reading;
  }

  function readJson(response) {
    return response.json().catch(function () { return {}; });
  }

  // One attempt for one item; returns the item as it should be stored afterwards.
  function sendOne(item, csrf) {
    var now = Date.now();
    var kind = kindOf(item);
    var headers = { 'Idempotency-Key': item.id, 'X-CSRFToken': csrf || '', Accept: 'application/json' };
    if (item.owner) headers['X-Outbox-Owner'] = item.owner; // the server refuses it under another session
    return fetch(typeof kind.url === 'function' ? kind.url(item) : kind.url, {
      method: 'POST',
      body: kind.form(item),
      credentials: 'same-origin',
      headers: headers,
    }).then(function (response) {
      return readJson(response).then(function (body) {
        // params: the refusal's values (e.g. the earliest date allowed), so its sentence can name them
        var next = Object.assign({}, item, { attempts: (item.attempts || 0) + 1, lastTriedAt: now, params: null });
        if (response.ok) {
          // the server's answer has a field of its own: a visit's `result` is its outcome and is shown after sending too
          return Object.assign(next, { state: 'sent', reason: null, sentAt: now, answer: body }, kind.dropWhenSent);
        }
        var code = body.code || ('http_' + response.status);
        if (response.status === 401) return Object.assign(next, { state: 'attention', reason: 'session_expired' });
        if (response.status === 403 && code === 'csrf') return Object.assign(next, { state: 'waiting', reason: 'csrf', nextAttemptAt: now + 2000, csrfFailed: true });
        // 409 is "being processed, ask again" — except a visit that has its result already
        if (response.status === 409 && code !== 'visit_done') return Object.assign(next, { state: 'waiting', reason: code, nextAttemptAt: now + 2000 });
        if (response.status === 409) return Object.assign(next, { state: 'attention', reason: code });
        if (NEEDS_PERSON[response.status] || response.status === 403) {
          var params = body.params && typeof body.params === 'object' ? body.params : null;
          return Object.assign(next, { state: 'attention', reason: code, field: body.field || null, params: params });
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

  // Sends every item of the logged-in account that is due. options.owner: that account's id (the
  // page knows it; the service worker reads the one the page left in the meta store); nobody logged
  // in sends nothing. options.force: ignore backoff times; options.retry: also resend items waiting
  // for the person for these reasons (e.g. ["session_expired"] after logging in).
  // options.csrf: a function returning the CSRF token. Resolves to {sent, failed, left, others}.
  function flushNow(options) {
    options = options || {};
    var retry = options.retry || [];
    var summary = { sent: 0, failed: 0, left: 0, expired: false, others: 0 };
    var owner = 'owner' in options ? Promise.resolve(options.owner) : getMeta('owner');
    return Promise.all([all(), owner]).then(function (found) {
      var items = found[0];
      var me = found[1];
      var due = items.filter(function (item) {
        if (item.state === 'sent') return false;
        if (!isMine(item, me)) { summary.others += 1; return false; }
        if (item.state === 'attention') return retry.indexOf(item.reason) >= 0;
        return options.force || !item.nextAttemptAt || item.nextAttemptAt <= Date.now() || item.state === 'sending';
      });
      var stop = false;
      var next = 0;
      function sendItem(item) {
          return put(Object.assign({}, item, { state: 'sending' }))
            .then(function () { return options.csrf ? options.csrf(item.csrfFailed) : getMeta('csrf'); })
            .then(function (csrf) { return withParts(item).then(function (full) { return sendOne(full, csrf); }); })
            .then(function (after) {
              if (after.state !== 'sent' && item.hasParts) {
                // the parts stay where they are; do not write megabytes back on every retry
                Object.keys(kindOf(item).dropWhenSent).forEach(function (field) { delete after[field]; });
                after.hasParts = true;
              }
              if (after.state === 'sent') summary.sent += 1;
              else summary.failed += 1;
              // no network or session: the rest would fail the same way, keep them for later
              if (after.reason === 'offline' || after.reason === 'session_expired' || after.reason === 'owner_mismatch') stop = true;
              if (after.reason === 'session_expired') summary.expired = true;
              return put(after);
            });
      }
      // A few uploads at a time: a phone back in signal empties a long queue quickly, and the
      // server keeps each one exactly once whatever order they arrive in.
      function worker() {
        if (next >= due.length) return Promise.resolve();
        var item = due[next++];
        if (stop) { summary.left += 1; return worker(); }
        return sendItem(item).then(worker);
      }
      var workers = [];
      for (var i = 0; i < Math.min(PARALLEL, due.length); i++) workers.push(worker());
      return Promise.all(workers).then(function () { return summary; });
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
    all: all, put: put, remove: remove, flush: flush, onChange: onChange, isUnsent: isUnsent, isMine: isMine,
    backoff: backoff, sendOne: sendOne,
  };
})(self);
