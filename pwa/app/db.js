// IndexedDB "ebok": the app's offline data. The schema only grows by appending an upgrade step to
// UPGRADES (the DB version is its length), so every installed copy replays the steps it missed.
import { openDB } from '../vendor/idb/index.js';

export const DB_NAME = 'ebok';

export const UPGRADES = [
  // v1: last good answer of each GET the app reads (key: the URL).
  (db) => db.createObjectStore('cache', { keyPath: 'url' }),
  // v2: readings waiting to be sent (outbox-core.js) and small values the service worker needs.
  (db) => {
    db.createObjectStore('outbox', { keyPath: 'id' });
    db.createObjectStore('meta', { keyPath: 'key' });
  },
  // v3: the big parts of outbox items (photos, attachments), apart from the list (outbox-core.js).
  (db) => db.createObjectStore('outbox-blobs', { keyPath: 'id' }),
];

let opening = null;

export function getDB() {
  if (!opening) {
    opening = openDB(DB_NAME, UPGRADES.length, {
      upgrade(db, oldVersion, newVersion, tx) {
        for (let v = oldVersion; v < newVersion; v++) UPGRADES[v](db, tx);
      },
      // Another tab runs a newer version that needs to upgrade: let it, reopen on next use.
      blocking() {
        const closing = opening;
        opening = null;
        closing.then((db) => db.close(), () => {});
      },
    });
    opening.catch(() => { opening = null; });
  }
  return opening;
}

export async function readCache(url) {
  return (await getDB()).get('cache', url);
}

export async function writeCache(url, data, etag) {
  const entry = { url, data, fetchedAt: Date.now(), etag };
  await (await getDB()).put('cache', entry);
  return entry;
}

// Public entries (the utility's contact data) survive logout so they still show offline.
export async function clearCache(keep = []) {
  const db = await getDB();
  const tx = db.transaction('cache', 'readwrite');
  for (const url of await tx.store.getAllKeys()) {
    if (!keep.includes(url)) tx.store.delete(url);
  }
  await tx.done;
}
