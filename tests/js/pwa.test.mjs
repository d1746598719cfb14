// Unit checks of the PWA's pure modules, plus the module preload list in index.html.
// Run from the repository root: node --test tests/js/   (Node ≥ 20.19 or ≥ 22.12)
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

import {
  formatVolume, formatMoney, formatDateTime, formatDate, formatDay, telHref, formatAddress, todayInWarsaw, formatSize,
} from '../../pwa/app/format.js';
import { addFiles, MAX_BYTES } from '../../pwa/app/components/attachments.js';
import { DICTIONARIES, t, setLang, errorText, loadLanguage } from '../../pwa/app/i18n.js';
import { disagree, parseM3 } from '../../pwa/app/plausibility.js';
import { KINDS, OPTIONAL } from '../../pwa/app/components/application.js';
// the views' own dictionaries join DICTIONARIES when imported, as they do when a view loads: every
// file in pwa/app/i18n/, so a new one is checked without being listed here
const I18N = resolve(dirname(fileURLToPath(import.meta.url)), '../../pwa/app/i18n');
for (const name of readdirSync(I18N).filter((f) => f.endsWith('.js')).sort()) await import(pathToFileURL(join(I18N, name)).href);

// English and Ukrainian shell texts load on demand, as when a person picks EN or УКР
await loadLanguage('en');
await loadLanguage('uk');
const LANGS = ['pl', 'en', 'uk'];

const NBSP = '\u00a0';
const PWA = resolve(dirname(fileURLToPath(import.meta.url)), '../../pwa');

test('volumes: litres shown as m³ with three decimals', () => {
  assert.equal(formatVolume(123456, 'pl'), `123,456${NBSP}m³`);
  assert.equal(formatVolume(5, 'pl'), `0,005${NBSP}m³`);
  assert.equal(formatVolume(1234567, 'pl'), `1${NBSP}234,567${NBSP}m³`);
  assert.equal(formatVolume(123456, 'en'), `123.456${NBSP}m³`);
});

test('money: grosze shown as złoty, grouped also for four digits', () => {
  assert.equal(formatMoney(123456, 'pl'), `1${NBSP}234,56${NBSP}zł`);
  assert.equal(formatMoney(5, 'pl'), `0,05${NBSP}zł`);
  assert.equal(formatMoney(-100, 'pl'), `-1,00${NBSP}zł`);
  assert.equal(formatMoney(123456, 'en'), `PLN${NBSP}1,234.56`);
});

test('times are shown in Europe/Warsaw, calendar dates are never shifted', () => {
  assert.equal(formatDateTime('2026-11-21T05:42:00Z', 'pl'), '21.11.2026, 06:42'); // CET
  assert.equal(formatDateTime('2026-07-01T22:30:00Z', 'pl'), '02.07.2026, 00:30'); // CEST
  assert.equal(formatDate('2026-07-01T22:30:00Z', 'pl'), '02.07.2026');
  assert.equal(formatDay('2029-05-01', 'pl'), '01.05.2029');
});

test('file sizes with the decimal comma, MB rounded up', () => {
  assert.equal(formatSize(512, 'pl'), `512${NBSP}B`);
  assert.equal(formatSize(300 * 1024, 'pl'), `300${NBSP}KB`);
  assert.equal(formatSize(1.2 * 1024 * 1024, 'pl'), `1,2${NBSP}MB`);
  assert.equal(formatSize(1.2 * 1024 * 1024, 'en'), `1.2${NBSP}MB`);
  assert.equal(formatSize(1.2 * 1024 * 1024, 'uk'), `1,2${NBSP}МБ`);
  assert.equal(formatSize(10 * 1024 * 1024 + 1, 'pl'), `10,1${NBSP}MB`); // over the limit never reads 10,0
});

test('attachments accumulate, skip duplicates and keep the limits', () => {
  const file = (name, size, type) => ({ name, size, type });
  const a = file('a.pdf', 1000, 'application/pdf');
  const b = file('b.jpg', 2000, 'image/jpeg');
  let r = addFiles([], [a, b], 3);
  assert.deepEqual(r.files, [a, b]);
  assert.equal(r.problem, null);
  r = addFiles(r.files, [file('a.pdf', 1000, 'application/pdf'), file('c.png', 5, 'image/png'), file('d.pdf', 9, '')], 3);
  assert.deepEqual(r.files.map((f) => f.name), ['a.pdf', 'b.jpg', 'c.png']); // a.pdf again: skipped
  assert.deepEqual(r.added.map((f) => f.name), ['c.png']);
  assert.deepEqual(r.problem, { code: 'att.tooMany', params: { name: 'd.pdf', max: 3 } });
  r = addFiles([], [file('big.pdf', MAX_BYTES + 1, 'application/pdf'), file('umowa.docx', 10, 'application/msword')], 5);
  assert.deepEqual(r.files, []);
  assert.equal(r.problem.code, 'att.tooLarge');
  assert.equal(r.problem.params.mb, 10);
  assert.equal(addFiles([], [file('umowa.docx', 10, 'application/msword')], 5).problem.code, 'att.notAllowed');
  setLang('pl');
  assert.equal(t(r.problem.code, r.problem.params), `Nie dodano pliku big.pdf: ma 10,1${NBSP}MB, a plik może mieć najwyżej 10 MB.`);
});

test('phone links and addresses', () => {
  assert.equal(telHref('+48 87 520 00 00'), 'tel:+48875200000');
  assert.equal(formatAddress({ street: 'ul. Lipowa', house_number: '12', apartment: '3', postcode: '19-400', town: 'Olecko' }),
    'ul. Lipowa 12/3, 19-400 Olecko');
  assert.equal(formatAddress({ street: 'ul. Długa', house_number: '12/14', apartment: '3', town: 'Olecko' }),
    'ul. Długa 12/14 m. 3, Olecko');
  assert.equal(formatAddress({ street: 'ul. Zielona', house_number: '5', apartment: '', town: 'Olecko' }), 'ul. Zielona 5, Olecko');
});

test('every language has the same keys as Polish', () => {
  assert.deepEqual(Object.keys(DICTIONARIES).sort(), [...LANGS].sort());
  for (const lang of ['en', 'uk']) {
    const keys = Object.keys(DICTIONARIES[lang]);
    assert.deepEqual(Object.keys(DICTIONARIES.pl).filter((key) => !keys.includes(key)), [], `${lang} lacks these texts`);
    assert.deepEqual(keys.filter((key) => !(key in DICTIONARIES.pl)), [], `${lang} has texts Polish does not`);
  }
});

test('every language fills the same placeholders', () => {
  const names = (text) => [...new Set([...(typeof text === 'object' ? Object.values(text).join(' ') : text)
    .matchAll(/\{(\w+)\}/g)].map((m) => m[1]))].sort();
  const differ = [];
  for (const [key, text] of Object.entries(DICTIONARIES.pl)) {
    for (const lang of ['en', 'uk']) {
      if (key in DICTIONARIES[lang] && names(DICTIONARIES[lang][key]).join() !== names(text).join()) {
        differ.push(`${lang} ${key}: {${names(DICTIONARIES[lang][key])}} instead of {${names(text)}}`);
      }
    }
  }
  assert.deepEqual(differ, []);
});

test('Ukrainian texts are shown when Ukrainian is chosen', () => {
  assert.equal(setLang('uk'), 'uk');
  assert.equal(t('nav.dashboard'), 'Головна');
  assert.equal(t('nav.unsent', { count: 22 }), '22 ненадіслані показання');
  assert.equal(errorText({ code: 'invalid_credentials' }), 'Неправильний логін або пароль.');
  setLang('pl');
});

// Every stable error code the server can answer with (ApiError("code", ...), PhotoError codes and
// the generic ones of backend/core/errors.py) needs a sentence in Polish (and so in English).
function backendErrorCodes() {
  const root = join(PWA, '../backend');
  const codes = new Set();
  const walk = (dir) => {
    for (const entry of readdirSync(dir, { withFileTypes: true })) {
      const path = join(dir, entry.name);
      if (entry.isDirectory()) { if (entry.name !== 'migrations') walk(path); continue; }
      if (!entry.name.endsWith('.py')) continue;
      const source = readFileSync(path, 'utf8');
      for (const m of source.matchAll(/(?:ApiError|PhotoError|_body)\(\s*"([a-z]+(?:_[a-z]+)*)"/g)) codes.add(m[1]);
      if (entry.name === 'photos.py') {
        for (const m of source.matchAll(/"(photo_[a-z_]+)"/g)) codes.add(m[1]);
      }
      if (path.endsWith(join('core', 'errors.py'))) { // codes chosen by status: code = "csrf" if …, {405: "…"}
        for (const line of source.split('\n').filter((l) => /code\b|\d{3}: "/.test(l))) {
          for (const m of line.matchAll(/"([a-z]+(?:_[a-z]+)*)"/g)) if (!['code', 'message', 'field'].includes(m[1])) codes.add(m[1]);
        }
      }
    }
  };
  walk(root);
  return codes;
}

test('every error code the server sends has a message', () => {
  const codes = backendErrorCodes();
  assert.ok(codes.has('csrf') && codes.has('not_authenticated') && codes.has('invalid_credentials'));
  assert.ok(codes.has('photo_not_image') && codes.has('value_not_number'));
  const missing = [...codes].filter((code) => !(`error.${code}` in DICTIONARIES.pl));
  assert.deepEqual(missing, []);
});

test('error messages', () => {
  setLang('pl');
  assert.equal(errorText({ code: 'invalid_credentials' }), 'Nieprawidłowy login lub hasło.');
  assert.equal(errorText({ code: 'too_many_attempts', params: { minutes: 5 } }),
    'Zbyt wiele nieudanych prób. Spróbuj ponownie za 5 min.');
  assert.equal(errorText({ code: 'too_many_attempts' }), 'Zbyt wiele nieudanych prób. Spróbuj ponownie później.');
  assert.equal(errorText({ code: 'too_many_attempts', params: { seconds: 5 } }),
    'Zbyt wiele nieudanych prób. Spróbuj ponownie za 5 s.');
  assert.equal(errorText({ code: 'something_new' }), t('error.generic'));
  setLang('en');
  assert.equal(errorText({ code: 'password_too_short' }), 'The password must have at least 10 characters.');
  setLang('pl');
});

// The counted phrase of every message that depends on a number: Polish [1, 2, 5] forms (one, few,
// many), English [1, 2] forms (one, other) and Ukrainian [1, 2, 5, 1.5] forms (one, few, many, other:
// 21 takes one, 22 few like 2, 11–14 many, a fraction other). A new counted message needs its line
// here, so its forms get read.
const COUNTED = {
  'nav.unsent': { pl: ['niewysłany odczyt', 'niewysłane odczyty', 'niewysłanych odczytów'], en: ['unsent reading', 'unsent readings'],
    uk: ['ненадіслане показання', 'ненадіслані показання', 'ненадісланих показань', 'ненадісланого показання'] },
  'route.downloaded': { pl: ['wizyta,', 'wizyty,', 'wizyt,'], en: ['visit,', 'visits,'], uk: ['візит,', 'візити,', 'візитів,', 'візиту,'] },
  'visit.meter': { pl: ['cyfra', 'cyfry', 'cyfr'], en: ['digit', 'digits'], uk: ['цифра', 'цифри', 'цифр', 'цифри'] },
  'outages.points': { pl: ['wskazany adres', 'wskazane adresy', 'wskazanych adresów'], en: ['listed address', 'listed addresses'],
    uk: ['вказана адреса', 'вказані адреси', 'вказаних адрес', 'вказаної адреси'] },
  'appl.unsent': { pl: ['niewysłany wniosek', 'niewysłane wnioski', 'niewysłanych wniosków'], en: ['unsent application', 'unsent applications'],
    uk: ['ненадіслана заява', 'ненадіслані заяви', 'ненадісланих заяв', 'ненадісланої заяви'] },
  'sapp.daysLeft': { pl: ['dzień', 'dni', 'dni'], en: ['day left', 'days left'], uk: ['день', 'дні', 'днів', 'дня'] },
  'sapp.overdue': { pl: ['dzień', 'dni', 'dni'], en: ['day overdue', 'days overdue'], uk: ['день', 'дні', 'днів', 'дня'] },
};
// which of the forms each number takes, written out rather than asked of Intl.PluralRules
const FORMS = {
  pl: { 1: 0, 2: 1, 3: 1, 4: 1, 5: 2, 12: 2, 13: 2, 21: 2, 22: 1, 24: 1, 25: 2, 112: 2, 122: 1 },
  en: { 1: 0, 2: 1, 5: 1, 12: 1, 22: 1, 112: 1 },
  uk: { 1: 0, 2: 1, 3: 1, 4: 1, 5: 2, 11: 2, 12: 2, 14: 2, 21: 0, 22: 1, 25: 2, 101: 0, 111: 2, 112: 2, 122: 1, 1.5: 3 },
};
const FORM_NAMES = { pl: ['few', 'many', 'one'], en: ['one', 'other'], uk: ['few', 'many', 'one', 'other'] };

test('every message with a number has its plural forms, and each number gets the right one', () => {
  const countKeys = Object.keys(DICTIONARIES.pl).filter((key) => {
    const text = DICTIONARIES.pl[key];
    return (typeof text === 'object' ? Object.values(text).join(' ') : text).includes('{count}');
  });
  assert.ok(countKeys.length >= 10);
  for (const key of countKeys) {
    for (const lang of LANGS) {
      const text = DICTIONARIES[lang][key];
      if (typeof text === 'string') {
        // only the label form ("odczyty: 3", "(3)") reads right with any number without forms
        assert.match(text.replaceAll(/: \{count\}|\(\{count\}\)/g, ''), /^[^{]*(\{(?!count\})\w+\}[^{]*)*$/,
          `${lang} ${key} puts {count} into a sentence: it needs plural forms`);
        continue;
      }
      assert.deepEqual(Object.keys(text).sort(), FORM_NAMES[lang], `${lang} ${key} forms`);
      assert.ok(COUNTED[key] && COUNTED[key][lang], `${lang} ${key} has plural forms but no expected phrases in COUNTED`);
      setLang(lang);
      for (const [n, form] of Object.entries(FORMS[lang])) {
        const shown = t(key, { count: Number(n), serial: 'A1' });
        assert.ok(shown.includes(`${n} ${COUNTED[key][lang][form]}`), `${lang} ${key} with ${n}: ${shown}`);
        assert.ok(!shown.includes('{'), shown);
      }
    }
  }
  setLang('pl');
  assert.deepEqual(Object.keys(COUNTED).filter((key) => typeof DICTIONARIES.pl[key] !== 'object'), []);
  assert.equal(t('nav.unsent', { count: 1 }), '1 niewysłany odczyt');
  assert.equal(t('outages.points', { count: 22 }), '22 wskazane adresy');
  setLang('uk');
  assert.equal(t('outages.points', { count: 21 }), '21 вказана адреса');
  setLang('pl');
});

test("a filed application's optional fields are shown without the form's (optional) hint, in every language", () => {
  for (const lang of LANGS) {
    for (const field of Object.values(KINDS).flat().filter((f) => f.optional)) {
      const label = DICTIONARIES[lang][`appl.field.${field.name}`];
      assert.match(label, OPTIONAL, `${lang} ${field.name}: the form says it is optional`);
      assert.doesNotMatch(label.replace(OPTIONAL, ''), /[()]/, `${lang} ${field.name}`);
    }
  }
});

test('index.html preloads exactly the modules main.js imports statically', () => {
  const seen = new Set();
  const walk = (file) => {
    if (seen.has(file)) return;
    seen.add(file);
    const source = readFileSync(file, 'utf8');
    // static imports only (with or without bindings); import() of lazy views is not preloaded
    for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?from\s+)?'([^']+)'/g)) walk(resolve(dirname(file), m[1]));
  };
  walk(join(PWA, 'app/main.js'));
  seen.delete(join(PWA, 'app/main.js'));
  const expected = [...seen].map((f) => `/static/${relative(PWA, f)}`).sort();
  const html = readFileSync(join(PWA, 'index.html'), 'utf8');
  const preloaded = [...html.matchAll(/<link rel="modulepreload" href="([^"]+)">/g)].map((m) => m[1]).sort();
  assert.deepEqual(preloaded, expected);
});

test('views import components, never other views', () => {
  const views = join(PWA, 'app/views');
  const crossings = [];
  for (const name of readdirSync(views).filter((f) => f.endsWith('.js'))) {
    const source = readFileSync(join(views, name), 'utf8');
    for (const m of source.matchAll(/(?:^|\n)\s*(?:import|export)\s(?:[^'"]*?from\s+)?'([^']+)'/g)) {
      if (dirname(resolve(views, m[1])) === views) crossings.push(`${name} -> ${m[1]}`);
    }
  }
  assert.deepEqual(crossings, []);
});

test("today's date is taken in Warsaw, not UTC", () => {
  assert.equal(todayInWarsaw(new Date('2026-12-31T23:30:00Z')), '2027-01-01');
  assert.equal(todayInWarsaw(new Date('2026-06-30T21:59:00Z')), '2026-06-30');
});

test('a reading is typed in ASCII digits, as the server takes it', () => {
  assert.equal(parseM3('123,456'), 123456);
  assert.equal(parseM3('1 234.5'), 1234500);
  for (const other of ['\u0661\u0662\u0663', '\uff11\uff12\uff13', '12\u0663,5', '\u0967\u0968\u0969']) {
    assert.equal(parseM3(other), null, other);
  }
});

test('two readings disagree as rules.disagree says: lower, or more than the time explains', () => {
  const limits = { max_daily_litres: 5000, high_factor: 3 };
  const at = (day, litres) => ({ value_litres: litres, captured_at: `2026-11-${day}T10:00:00Z` });
  assert.equal(disagree(at(10, 40000), at(10, 39950), null, limits), false); // within the 100 l rounding
  assert.equal(disagree(at(10, 40000), at(10, 39800), null, limits), true); // lower
  assert.equal(disagree(at(12, 40500), at(10, 40000), 100, limits), false); // either order: 2 days of 300 l
  assert.equal(disagree(at(10, 40000), at(12, 40800), 100, limits), true); // 800 l > 2 × 3 × 100 + 100
  assert.equal(disagree(at(10, 40000), at(12, 50000), null, limits), false); // no average: the hard limit
});
