// History routing: real <a href> links, intercepted when they stay inside the app.
import { useEffect, useState } from './preact.js';

const listeners = new Set();
const NOT_APP = /^\/(api|static)\/|^\/(sw\.js|manifest\.json|offline\.html)$/;
let focusPending = false;

function current() {
  return { path: location.pathname, search: location.search };
}

function changed() {
  focusPending = true;
  for (const fn of listeners) fn(current());
}

export function navigate(to, { replace = false } = {}) {
  const target = new URL(to, location.href);
  if (target.pathname + target.search !== location.pathname + location.search) {
    history[replace ? 'replaceState' : 'pushState'](null, '', target.pathname + target.search + target.hash);
  }
  window.scrollTo(0, 0);
  changed();
}

// Page headings take focus after a route change (not on the first load, where the reader starts
// at the top anyway), so screen reader and keyboard users land on the new content.
export function takeRouteFocus() {
  const pending = focusPending;
  focusPending = false;
  return pending;
}

export function useLocation() {
  const [loc, setLoc] = useState(current);
  useEffect(() => {
    listeners.add(setLoc);
    return () => listeners.delete(setLoc);
  }, []);
  return loc;
}

export function queryParam(search, name) {
  return new URLSearchParams(search).get(name);
}

// Only same-site paths; "//evil.example" and absolute URLs after login are refused.
export function safeNext(next) {
  return next && next.startsWith('/') && !next.startsWith('//') && !next.startsWith('/\\') ? next : '/';
}

function onClick(event) {
  if (event.defaultPrevented || event.button !== 0) return;
  if (event.metaKey || event.ctrlKey || event.shiftKey || event.altKey) return;
  const link = event.target.closest && event.target.closest('a[href]');
  if (!link || link.target || link.hasAttribute('download')) return;
  const url = new URL(link.href, location.href);
  if (url.origin !== location.origin || NOT_APP.test(url.pathname)) return;
  if (url.pathname === location.pathname && url.search === location.search && url.hash) return; // in-page anchor
  event.preventDefault();
  navigate(url.pathname + url.search + url.hash);
}

export function startRouter() {
  document.addEventListener('click', onClick);
  window.addEventListener('popstate', changed);
}
