// Web Push on this device: subscribe only after the person pressed the button (the browser's
// permission prompt needs that gesture, and asking on page load is what makes people say no),
// keep the server's copy of the subscription in step with the browser's, and unsubscribe.
import { api, request } from './api.js';
import { getLang } from './i18n.js';

const REGISTERED = 'ebok.push.endpoint'; // the endpoint this device last gave the server

export function pushSupported() {
  return 'serviceWorker' in navigator && 'PushManager' in window && 'Notification' in window;
}

export function permission() {
  return pushSupported() ? Notification.permission : 'unsupported';
}

function keyBytes(base64url) {
  const padded = base64url.replace(/-/g, '+').replace(/_/g, '/') + '='.repeat((4 - (base64url.length % 4)) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

async function registration() {
  return navigator.serviceWorker.ready;
}

export async function currentSubscription() {
  if (!pushSupported()) return null;
  const reg = await navigator.serviceWorker.getRegistration();
  return reg ? reg.pushManager.getSubscription() : null;
}

async function send(subscription, { servicePointIds, oldEndpoint } = {}) {
  const body = { ...subscription.toJSON(), language: getLang() };
  if (servicePointIds) body.service_point_ids = servicePointIds;
  if (oldEndpoint && oldEndpoint !== subscription.endpoint) body.old_endpoint = oldEndpoint;
  const saved = await api.post('/api/push/subscriptions', body);
  localStorage.setItem(REGISTERED, subscription.endpoint);
  return saved;
}

// Called from a click: asks for permission, subscribes, tells the server. servicePointIds null
// means all of the person's addresses, now and later. Throws Error('denied') when refused.
export async function enablePush(servicePointIds = null) {
  const answer = await Notification.requestPermission();
  if (answer !== 'granted') throw Object.assign(new Error('denied'), { code: 'denied' });
  const reg = await registration();
  let subscription = await reg.pushManager.getSubscription();
  if (!subscription) {
    const { public_key: key } = await api.get('/api/push/key');
    subscription = await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: keyBytes(key) });
  }
  return send(subscription, { servicePointIds, oldEndpoint: localStorage.getItem(REGISTERED) });
}

export async function disablePush() {
  const subscription = await currentSubscription();
  const endpoint = subscription ? subscription.endpoint : localStorage.getItem(REGISTERED);
  if (endpoint) {
    await request('DELETE', `/api/push/subscriptions?endpoint=${encodeURIComponent(endpoint)}`).catch((err) => {
      if (err.code !== 'not_found') throw err;
    });
  }
  if (subscription) await subscription.unsubscribe();
  localStorage.removeItem(REGISTERED);
}

// On app start, logged in: the browser may have replaced the subscription while the app was
// closed (pushsubscriptionchange without a reachable server); give the server the new endpoint.
export async function syncPushSubscription() {
  if (permission() !== 'granted') return;
  const subscription = await currentSubscription();
  const registered = localStorage.getItem(REGISTERED);
  if (!subscription || !registered || subscription.endpoint === registered) return;
  await send(subscription, { oldEndpoint: registered });
}
