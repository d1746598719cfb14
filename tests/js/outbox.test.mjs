// The outbox keeps a refusal's params with its code (issue 16.9): a reading the server refuses for
// its date waits for the person with the sentence naming the earliest day allowed.
// Run from the repository root: node --test tests/js/
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import { readdirSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import { setLang, errorText, loadLanguage } from '../../pwa/app/i18n.js';

const I18N = resolve(dirname(fileURLToPath(import.meta.url)), '../../pwa/app/i18n');
for (const name of readdirSync(I18N).filter((f) => f.endsWith('.js')).sort()) await import(pathToFileURL(join(I18N, name)).href);
await loadLanguage('en');
await loadLanguage('uk');

// outbox-core.js is a classic script that defines self.EbokOutbox (the page and the service worker)
globalThis.self = globalThis;
// no other tabs here to tell of changes (and Node's open channel would keep the test process alive)
globalThis.BroadcastChannel = undefined;
await import('../../pwa/app/outbox-core.js');
const { sendOne } = globalThis.EbokOutbox;

// A local server answering as the API does when a reading's date is before the meter's last reading.
async function withServer(answer, fn) {
  const seen = [];
  const server = createServer((req, res) => {
    seen.push(`${req.method} ${req.url}`);
    req.resume();
    req.on('end', () => {
      res.writeHead(answer.status, { 'Content-Type': 'application/json' });
      res.end(JSON.stringify(answer.body));
    });
  });
  await new Promise((done) => server.listen(0, '127.0.0.1', done));
  const origin = `http://127.0.0.1:${server.address().port}`;
  const pageFetch = globalThis.fetch;
  // the page's fetch resolves '/api/…' against its origin; Node's needs the origin given
  globalThis.fetch = (url, init) => pageFetch(new URL(url, origin), init);
  try {
    return await fn(seen);
  } finally {
    globalThis.fetch = pageFetch;
    await new Promise((done) => server.close(done));
  }
}

const item = {
  id: '7a1c2f9e-0000-4000-8000-000000000001', meterId: 'm-1', valueText: '123,456',
  capturedAt: '2026-11-20T10:00:00Z', readingDate: '2026-11-10', comment: '', state: 'sending',
};

test('a refused reading date waits for the person with the date the server named', async () => {
  const refusal = { code: 'reading_date_before_last', message: 'before the last reading', field: 'reading_date',
    params: { date: '2026-11-12' } };
  const stored = await withServer({ status: 400, body: refusal }, async (seen) => {
    const after = await sendOne(item, 'csrf-token');
    assert.deepEqual(seen, ['POST /api/readings']);
    return after;
  });
  assert.equal(stored.state, 'attention');
  assert.equal(stored.reason, 'reading_date_before_last');
  assert.equal(stored.field, 'reading_date');
  assert.deepEqual(stored.params, { date: '2026-11-12' });
  // the entry survives IndexedDB's structured clone as it is: shown from what was stored
  const shown = structuredClone(stored);
  const text = (lang) => { setLang(lang); return errorText({ code: shown.reason, params: shown.params }); };
  assert.equal(text('pl'), 'Data odczytu nie może być wcześniejsza niż 12.11.2026 (ostatni odczyt).');
  assert.equal(text('en'), 'The reading date cannot be earlier than 12.11.2026 (the last reading).');
  assert.equal(text('uk'), 'Дата показання не може бути ранішою за 12.11.2026 (останнє показання).');
  setLang('pl');
});

test('the window refusal names its first day; a later attempt forgets the old params', async () => {
  const refusal = { code: 'reading_date_outside_window', field: 'reading_date', params: { date: '2026-11-24' } };
  const refused = await withServer({ status: 400, body: refusal }, () => sendOne(item, ''));
  setLang('pl');
  assert.equal(errorText({ code: refused.reason, params: refused.params }),
    'Data odczytu nie może być wcześniejsza niż 24.11.2026 (początek okresu odczytów).');
  const sent = await withServer({ status: 201, body: { id: 'r-1', status: 'accepted' } },
    () => sendOne({ ...refused, state: 'sending' }, ''));
  assert.equal(sent.state, 'sent');
  assert.equal(sent.params, null);
});

test('an entry stored without params (an older version) still gets its own sentence', () => {
  setLang('pl');
  assert.equal(errorText({ code: 'reading_date_before_last' }),
    'Data odczytu jest wcześniejsza niż ostatni odczyt tego wodomierza.');
  setLang('en');
  assert.equal(errorText({ code: 'reading_date_outside_window', params: null }),
    'The reading date is before the current reading period. Choose a day in this period.');
  setLang('pl');
});
