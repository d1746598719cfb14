// The page's side of the outbox (outbox-core.js holds the storage and the sending): adding a
// reading, a contact message or an inspector's visit result, when to send (app start, back online, a
// timer for retries, Background Sync, the "Wyślij teraz" button, after logging in), the CSRF token
// the service worker needs, and a hook that keeps views and the badge current.
import './outbox-core.js';
import { useEffect, useState } from './preact.js';
import { getDB } from './db.js';
import { csrfToken, sessionEnded } from './api.js';

const core = self.EbokOutbox;
const SENT_KEPT_MS = 7 * 24 * 3600 * 1000; // a week of "sent" so people can see it arrived
const SYNC_TAG = 'ebok-outbox';

let items = [];
let timer = 0;
let owner = null; // the id of the account logged in here: only its items are sent and listed
const subscribers = new Set();

const mine = (list) => list.filter((i) => core.isMine(i, owner));

async function refresh() {
  items = await core.all().catch(() => items);
  for (const fn of subscribers) fn(items);
  schedule();
}

// The earliest retry time of a waiting item decides when to try again by ourselves.
function schedule() {
  clearTimeout(timer);
  const next = mine(items).filter((i) => i.state === 'waiting' && i.nextAttemptAt).map((i) => i.nextAttemptAt);
  if (!next.length) return;
  const delay = Math.max(Math.min(...next) - Date.now(), 500);
  timer = setTimeout(() => flush(), Math.min(delay, 2 ** 31 - 1));
}

export function uuid() {
  if (crypto.randomUUID) return crypto.randomUUID();
  const b = crypto.getRandomValues(new Uint8Array(16));
  b[6] = (b[6] & 0x0f) | 0x40;
  b[8] = (b[8] & 0x3f) | 0x80;
  const h = [...b].map((x) => x.toString(16).padStart(2, '0')).join('');
  return `${h.slice(0, 8)}-${h.slice(8, 12)}-${h.slice(12, 16)}-${h.slice(16, 20)}-${h.slice(20)}`;
}

// The service worker cannot read cookies: it finds the CSRF token here for Background Sync.
async function keepCsrf(token) {
  if (!token) return;
  const db = await getDB();
  await db.put('meta', { key: 'csrf', value: token });
}

async function pageCsrf(refreshToken) {
  const token = await csrfToken(Boolean(refreshToken));
  keepCsrf(token).catch(() => {});
  return token;
}

// Who is logged in on this page (null: nobody). Kept in the meta store for the service worker's
// Background Sync, which must not send one account's items with another's session either.
export async function setOwner(id) {
  const changed = owner !== (id || null);
  owner = id || null;
  try {
    const db = await getDB();
    await (owner ? db.put('meta', { key: 'owner', value: owner }) : db.delete('meta', 'owner'));
  } catch {
    // no IndexedDB (private mode): the page still decides by itself
  }
  await refresh();
  if (changed && owner) flush({ force: true, retry: ['session_expired'] }); // the owner is back: send theirs
}

export async function flush(options = {}) {
  if (!navigator.onLine && !options.force) return null;
  try {
    const summary = await core.flush({ ...options, owner, csrf: pageCsrf });
    if (summary.expired) sessionEnded(); // log in again; the item is sent right after
    return summary;
  } finally {
    await refresh();
  }
}

export function addReading(reading) {
  return addItem('reading', reading);
}

// A message to the office (Kontakt): {customerId, category, subject, body, attachments: [{name, type, buffer}]}.
export function addContactMessage(message) {
  return addItem('contact', message);
}

// An application (Wnioski): {customerId, type, fields, attachments: [{name, type, buffer}]}.
export function addApplication(application) {
  return addItem('application', application);
}

// This account's result of a visit still on this device (sent or not), or undefined.
export function visitResultOf(list, visitId) {
  return ofKind(mine(list), 'visit').find((i) => i.visitId === visitId);
}

// An inspector's visit outcome: {visitId, result, valueText, capturedAt, comment, photo, photoType, address, serial}.
// One visit has one result: saving again while it waits here edits it (same item, same key); a new
// photo replaces the earlier one, none keeps it. Rejects with .code "visit_sending" while it is on its way.
export async function addVisitResult(result) {
  const pending = visitResultOf(await core.all(), result.visitId);
  if (!pending) return addItem('visit', result);
  if (pending.state === 'sent' || pending.state === 'sending') {
    const err = new Error('the result is being sent');
    err.code = pending.state === 'sent' ? 'visit_done' : 'visit_sending';
    throw err;
  }
  const photo = result.photo ? { photo: result.photo, photoType: result.photoType } : {};
  const { photo: _p, photoType: _t, ...fields } = result;
  const edited = { ...pending, ...fields, ...photo, state: 'waiting', attempts: 0, nextAttemptAt: 0, reason: null, field: null };
  await core.put(edited);
  await refresh();
  flush();
  return edited;
}

// Ids being added right now: two submits in one task (before any await) add one item.
const adding = new Set();

async function addItem(kind, fields) {
  if (fields.id && (adding.has(fields.id) || items.some((i) => i.id === fields.id))) {
    return items.find((i) => i.id === fields.id) || { id: fields.id };
  }
  if (fields.id) adding.add(fields.id);
  try {
    return await storeItem(kind, fields);
  } finally {
    adding.delete(fields.id);
  }
}

async function storeItem(kind, fields) {
  const item = {
    id: uuid(), kind, owner, state: 'waiting', attempts: 0, createdAt: Date.now(), nextAttemptAt: 0, reason: null,
    ...fields,
  };
  await core.put(item);
  await refresh();
  requestBackgroundSync();
  flush();
  return item;
}

async function requestBackgroundSync() {
  try {
    const registration = await navigator.serviceWorker.ready;
    if (registration.sync) await registration.sync.register(SYNC_TAG);
  } catch {
    // no Background Sync (Safari, Firefox): app start, "online" and the button do the job
  }
}

// Items of one kind; readings were queued before kinds existed, so no kind means a reading.
export function ofKind(list, kind) {
  return list.filter((i) => (i.kind || 'reading') === kind);
}

export function unsentCount(list = mine(items), kind = 'reading') {
  return ofKind(list, kind).filter(core.isUnsent).length;
}

// Unsent items of other accounts waiting on this device: only their number is shown, never their content.
export function othersUnsent(list = items) {
  return list.filter((i) => core.isUnsent(i) && !core.isMine(i, owner)).length;
}

export function discard(id) {
  return core.remove(id).then(refresh);
}

async function pruneSent() {
  const old = items.filter((i) => i.state === 'sent' && Date.now() - (i.sentAt || 0) > SENT_KEPT_MS);
  await Promise.all(old.map((i) => core.remove(i.id)));
}

export function startOutbox() {
  core.onChange(() => refresh());
  window.addEventListener('online', () => flush({ force: true }));
  if (navigator.serviceWorker) {
    navigator.serviceWorker.addEventListener('message', (event) => {
      if (event.data && event.data.type === 'SYNC') flush({ force: true });
    });
  }
  if (navigator.storage && navigator.storage.persist) {
    // Keep queued readings even when the browser is short of space (Safari evicts unused sites).
    navigator.storage.persisted().then((done) => done || navigator.storage.persist()).catch(() => {});
  }
  csrfToken().then(keepCsrf).catch(() => {});
  refresh().then(pruneSent).then(refresh).then(() => flush());
}

function useItems() {
  const [list, setList] = useState(items);
  useEffect(() => {
    subscribers.add(setList);
    setList(items);
    return () => subscribers.delete(setList);
  }, []);
  return list;
}

// The logged-in account's queued items of one kind ("reading" on Odczyty and its badge, "contact" on Kontakt).
export function useOutbox(kind = 'reading') {
  return ofKind(mine(useItems()), kind);
}

// How many items of other accounts wait on this device for their owners to log in.
export function useOthersUnsent() {
  return othersUnsent(useItems());
}

// Unsent items per kind, e.g. for the login page: after a restart without "remember me" the
// person should see that readings or visit results wait on this device for their login.
export function useUnsentCounts() {
  const [list, setList] = useState(items);
  useEffect(() => {
    subscribers.add(setList);
    setList(items);
    return () => subscribers.delete(setList);
  }, []);
  return Object.fromEntries(['reading', 'visit', 'contact', 'application'].map((kind) => [kind, unsentCount(list, kind)]));
}
