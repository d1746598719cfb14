// Display formats. The API speaks integer litres, integer grosze and UTC; people read m³, złoty and
// Warsaw time. Grouping is done by hand: pl-PL in Intl leaves 4-digit numbers ungrouped ("1234,56"),
// while Polish bills print "1 234,56 zł".
import { getLang } from './i18n.js';

const NBSP = '\u00a0';
const TIME_ZONE = 'Europe/Warsaw';
const LOCALES = { pl: 'pl-PL', en: 'en-GB' };
const SEPARATORS = { pl: { group: NBSP, decimal: ',' }, en: { group: ',', decimal: '.' } };

function separators(lang) {
  return SEPARATORS[lang] || SEPARATORS.pl;
}

// Integer `units` with `scale` decimal places (e.g. grosze: scale 2), no floating point involved.
function fixedPoint(units, scale, lang) {
  const { group, decimal } = separators(lang);
  const negative = units < 0;
  const digits = String(Math.abs(Math.trunc(units))).padStart(scale + 1, '0');
  const whole = digits.slice(0, digits.length - scale).replace(/\B(?=(\d{3})+(?!\d))/g, group);
  const fraction = digits.slice(digits.length - scale);
  return `${negative ? '-' : ''}${whole}${decimal}${fraction}`;
}

export function formatVolume(litres, lang = getLang()) {
  return `${fixedPoint(litres, 3, lang)}${NBSP}m³`;
}

export function formatMoney(grosze, lang = getLang()) {
  const amount = fixedPoint(grosze, 2, lang);
  return lang === 'en' ? `PLN${NBSP}${amount}` : `${amount}${NBSP}zł`;
}

// A file's size, "1,2 MB" (MB of 1024 KB as the limits, rounded up: over 10 MB never reads "10,0 MB").
export function formatSize(bytes, lang = getLang()) {
  const [b, kb, mb] = lang === 'uk' ? ['Б', 'КБ', 'МБ'] : ['B', 'KB', 'MB'];
  if (bytes < 1024) return `${bytes}${NBSP}${b}`;
  if (bytes < 1024 * 1000) return `${Math.ceil(bytes / 1024)}${NBSP}${kb}`;
  return `${fixedPoint(Math.ceil(bytes / 104857.6), 1, lang)}${NBSP}${mb}`;
}

const formatters = new Map();
function formatter(lang, options) {
  const key = `${lang}|${JSON.stringify(options)}`;
  if (!formatters.has(key)) {
    formatters.set(key, new Intl.DateTimeFormat(LOCALES[lang] || LOCALES.pl, options));
  }
  return formatters.get(key);
}

const DATE = { day: '2-digit', month: '2-digit', year: 'numeric' };
const DATE_TIME = { ...DATE, hour: '2-digit', minute: '2-digit' };

// A moment (ISO string, epoch ms or Date) as date and time in Warsaw.
export function formatDateTime(value, lang = getLang()) {
  return formatter(lang, { ...DATE_TIME, timeZone: TIME_ZONE }).format(new Date(value));
}

// A moment as the calendar day it was in Warsaw.
export function formatDate(value, lang = getLang()) {
  return formatter(lang, { ...DATE, timeZone: TIME_ZONE }).format(new Date(value));
}

// A calendar date without time ("2029-05-01"): shown as that day everywhere, never shifted by zones.
export function formatDay(isoDate, lang = getLang()) {
  const [y, m, d] = String(isoDate).slice(0, 10).split('-').map(Number);
  return formatter(lang, { ...DATE, timeZone: 'UTC' }).format(new Date(Date.UTC(y, m - 1, d)));
}

// Today's date in Warsaw as "YYYY-MM-DD", comparable with calendar dates from the API.
export function todayInWarsaw(now = new Date()) {
  const parts = {};
  for (const part of formatter('en', { ...DATE, timeZone: TIME_ZONE }).formatToParts(now)) parts[part.type] = part.value;
  return `${parts.year}-${parts.month}-${parts.day}`;
}

// "tel:" target from a number written for people ("+48 87 520 00 00" -> "+48875200000").
export function telHref(phone) {
  return `tel:${String(phone).replace(/[^\d+]/g, '')}`;
}

export function formatAddress(point) {
  // '5/3', but '12/14 m. 3' (as backend/core/addresses.py)
  const house = point.house_number || '';
  const flat = !point.apartment ? '' : house.includes('/') ? ` m. ${point.apartment}` : `/${point.apartment}`;
  const street = [point.street, `${house}${flat}`].filter(Boolean).join(' ');
  const town = [point.postcode, point.town].filter(Boolean).join(' ');
  return [street, town].filter(Boolean).join(', ');
}
