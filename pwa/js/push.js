// Web Push on this device. Permission is asked only from the settings toggle's click handler (a user gesture),
// never on load: a prompt out of nowhere is mostly answered "Block", and then the site can never ask again.
import { api, get, post, ApiError } from './api.js';
import { fromBase64url } from './components/account-webauthn.js';

/** Why push could not be turned on; `reason` picks the sentence shown to the person. */
export class PushError extends Error {
  /** @param {'unsupported' | 'denied' | 'dismissed' | 'no_worker' | 'subscribe_failed' | 'refused'} reason @param {unknown} [cause] */
  constructor(reason, cause) {
    super(reason);
    this.reason = reason;
    this.cause = cause;
  }
}

/** @returns {'unsupported' | NotificationPermission} */
export function permission() {
  if (!('serviceWorker' in navigator) || !('PushManager' in window) || !('Notification' in window)) return 'unsupported';
  return Notification.permission;
}

/** The service worker's registration, waiting a little for it on a first visit. @param {number} [ms] */
async function registration(ms = 8000) {
  const ready = navigator.serviceWorker.ready;
  const timeout = new Promise((resolve) => { setTimeout(() => resolve(null), ms); });
  return /** @type {ServiceWorkerRegistration | null} */ (await Promise.race([ready, timeout]));
}

/** This browser's current subscription, if any. */
export async function current() {
  if (permission() === 'unsupported') return null;
  const reg = await navigator.serviceWorker.getRegistration();
  return reg ? reg.pushManager.getSubscription() : null;
}

/** Turn push on: call straight from a click handler. */
export async function enable() {
  if (permission() === 'unsupported') throw new PushError('unsupported');
  // First thing in the gesture: browsers drop a permission request that comes after other awaits.
  const answer = await Notification.requestPermission();
  if (answer === 'denied') throw new PushError('denied');
  if (answer !== 'granted') throw new PushError('dismissed');
  const reg = await registration();
  if (!reg) throw new PushError('no_worker');
  const { publicKey } = await get('/api/v1/push/key');
  /** @type {PushSubscription} */
  let subscription;
  try {
    subscription = await reg.pushManager.getSubscription()
      ?? await reg.pushManager.subscribe({ userVisibleOnly: true, applicationServerKey: fromBase64url(publicKey) });
  } catch (error) {
    throw new PushError('subscribe_failed', error);
  }
  try {
    await post('/api/v1/push/subscriptions', subscription.toJSON());
  } catch (error) {
    // The server refused the endpoint: drop the browser side too, so the toggle tells the truth.
    if (error instanceof ApiError) { await subscription.unsubscribe().catch(() => undefined); throw new PushError('refused', error); }
    throw error;
  }
  return subscription;
}

/** Turn push off: tell the server first (so nothing more is sent), then drop the browser's subscription. */
export async function disable() {
  const subscription = await current();
  if (!subscription) return;
  await api('/api/v1/push/subscriptions', { method: 'DELETE', params: { endpoint: subscription.endpoint } }).catch((error) => {
    if (!(error instanceof ApiError && error.status === 404)) throw error;
  });
  await subscription.unsubscribe();
}
