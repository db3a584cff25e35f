// The page's side of the service worker: registration, the "update available" toast, background-sync
// messages, and the install prompt (offered after a first success, never on arrival).
import { t } from './i18n.js';
import { toast } from './lib/dom.js';

/** @type {any} the deferred `beforeinstallprompt` event */
let installPrompt = null;
addEventListener('beforeinstallprompt', (event) => {
  // Keep Chrome's own mini-infobar away: we ask at a better moment (offerInstall).
  event.preventDefault();
  installPrompt = event;
});
addEventListener('appinstalled', () => { installPrompt = null; });

export async function register() {
  const registration = await navigator.serviceWorker.register('/sw.js');
  let reloading = false;
  navigator.serviceWorker.addEventListener('controllerchange', () => {
    // Only after the user asked for the new version: the very first install also changes the controller.
    if (!wanted || reloading) return;
    reloading = true;
    location.reload();
  });
  navigator.serviceWorker.addEventListener('message', (event) => {
    if (event.data?.type === 'REPLAY_OUTBOX') import('./store/outbox.js').then((m) => m.replay()).catch(() => undefined);
  });
  const watch = (/** @type {ServiceWorker | null} */ worker) => {
    if (!worker) return;
    const check = () => { if (worker.state === 'installed' && navigator.serviceWorker.controller) offerUpdate(worker); };
    worker.addEventListener('statechange', check);
    check();
  };
  if (registration.waiting && navigator.serviceWorker.controller) offerUpdate(registration.waiting);
  watch(registration.installing);
  registration.addEventListener('updatefound', () => watch(registration.installing));
  // A phone keeps the app open for days: look for a new version whenever it comes back to the foreground.
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') registration.update().catch(() => undefined);
  });
  return registration;
}

let wanted = false;
/** @type {ServiceWorker | null} */
let offered = null;

/** @param {ServiceWorker} worker */
function offerUpdate(worker) {
  if (offered === worker) return;
  offered = worker;
  toast(t('swUpdateReady'), {
    action: t('swUpdateReload'),
    onAction: () => {
      wanted = true;
      worker.postMessage({ type: 'SKIP_WAITING' });
    },
  });
}

/** Offer to install the app, once, after something went well (e.g. an application was received). */
export function offerInstall() {
  if (!installPrompt || localStorage.getItem('mpp-install-offered')) return false;
  localStorage.setItem('mpp-install-offered', '1');
  const prompt = installPrompt;
  toast(t('swInstallOffer'), {
    action: t('swInstallAction'),
    onAction: () => { prompt.prompt(); installPrompt = null; },
  });
  return true;
}
