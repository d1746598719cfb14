// Service worker registration and the "new version" prompt. A new worker waits (it never skips
// waiting by itself) until the user presses "Odśwież"; then every open tab reloads once.
let waitingWorker = null;
const listeners = new Set();

function setWaiting(worker) {
  waitingWorker = worker;
  for (const fn of listeners) fn(worker);
}

export function onUpdateReady(fn) {
  listeners.add(fn);
  if (waitingWorker) fn(waitingWorker);
  return () => listeners.delete(fn);
}

export function applyUpdate() {
  if (waitingWorker) waitingWorker.postMessage({ type: 'SKIP_WAITING' });
}

export async function registerServiceWorker() {
  if (!('serviceWorker' in navigator)) return;
  const sw = navigator.serviceWorker;
  // The very first worker claims the page too; that is not an update and needs no reload.
  const hadController = Boolean(sw.controller);
  let reloading = false;
  sw.addEventListener('controllerchange', () => {
    if (reloading || !(hadController || waitingWorker)) return;
    reloading = true;
    location.reload();
  });

  const registration = await sw.register('/sw.js', { scope: '/' });
  if (registration.waiting) setWaiting(registration.waiting);
  registration.addEventListener('updatefound', () => {
    const worker = registration.installing;
    if (!worker) return;
    worker.addEventListener('statechange', () => {
      if (worker.state === 'installed' && sw.controller) setWaiting(worker);
    });
  });
  // A long-lived tab (an installed app stays open for days) should still hear about releases.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => {});
  });
}
