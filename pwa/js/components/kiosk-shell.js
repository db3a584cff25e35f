// What every kiosk screen shares: its stylesheet, the device's sign-in, its own big header actions, and the idle
// timeout that wipes the tablet for the next citizen.
//
// Why the wipe looks like this (issue 7, item 4; ASVS 5.0 14.3):
// - the kiosk session lives in memory only (session.beginKiosk), so reloading the page drops it and every
//   status shown; nothing personal is ever written to storage by kiosk code;
// - POST /api/v1/kiosk/reset answers `Clear-Site-Data: "cache", "storage"`: the browser itself empties the HTTP
//   cache, localStorage, sessionStorage, IndexedDB, Cache Storage and service workers — whatever any code left;
// - we clear the same stores from script too (defence in depth: a failed request, an older browser);
// - "cookies" is deliberately not cleared: the device's kiosk cookie (HttpOnly, SameSite=Strict, path
//   /api/v1/auth/kiosk only) is how the tablet signs in again by itself after the wipe. Scripts cannot read
//   it, so keeping it exposes nothing a citizen typed.
import { api, get } from '../api.js';
import { t } from '../i18n.js';
import { announce, h } from '../lib/dom.js';
import * as session from '../session.js';

/** @typedef {{ id: string, name: string, mpp: { code: string, name: string }, region: { code: string, name: string }, idleSeconds: number, warningSeconds: number }} KioskDevice */

/** Load kiosk.css once: citizens never download it. */
export function useStyles() {
  if (document.querySelector('link[data-kiosk-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/kiosk.css', 'data-kiosk-css': '' }));
}

/**
 * Sign the device in as a kiosk with the secret, or with its kiosk cookie when no secret is given.
 * @param {string} [deviceSecret]
 * @returns {Promise<boolean>} whether this device is now a kiosk
 */
export async function signIn(deviceSecret) {
  if (!deviceSecret && session.kind() === 'kiosk') return true;
  const tokens = await api('/api/v1/auth/kiosk', { method: 'POST', body: deviceSecret ? { deviceSecret } : {}, auth: false });
  if (deviceSecret && session.kind() !== 'kiosk') {
    // A tablet becoming a kiosk keeps nothing from an earlier personal use.
    await session.forget();
  }
  session.beginKiosk(tokens);
  startIdle();
  return true;
}

/** @type {Promise<KioskDevice> | null} */
let deviceInfo = null;
/** @returns {Promise<KioskDevice>} this tablet's MPP building, region and idle timeout */
export function device() {
  if (!deviceInfo) deviceInfo = get('/api/v1/kiosk/device').catch((error) => { deviceInfo = null; throw error; });
  return /** @type {Promise<KioskDevice>} */ (deviceInfo);
}

/**
 * The kiosk's own header actions (the shell's navigation is hidden in kiosk mode): big, always in the same place.
 * @param {'search' | 'status' | 'queue'} here
 */
export function kioskBar(here) {
  const link = (/** @type {string} */ href, /** @type {string} */ key, /** @type {boolean} */ current) =>
    h('li', {}, [h('a', { href, class: 'kiosk-action', 'aria-current': current ? 'page' : undefined }, [t(key)])]);
  const $lang = h('button', { type: 'button', class: 'kiosk-action kiosk-lang', 'aria-label': t('kioskLanguageLabel') }, [t('kioskLanguage')]);
  // The shell's language button already switches language and redraws the screen: reuse it.
  $lang.addEventListener('click', () => document.getElementById('lang')?.click());
  return h('nav', { class: 'kiosk-bar', 'aria-label': t('kioskNavLabel') }, [
    h('ul', {}, [
      link('#/kiosk', 'kioskNavSearch', here === 'search'),
      link('#/kiosk/status', 'kioskNavStatus', here === 'status'),
      link('#/kiosk/queue', 'kioskNavQueue', here === 'queue'),
      h('li', {}, [$lang]),
    ]),
  ]);
}

// --- idle timeout ---------------------------------------------------------------------------------------------

let idleStarted = false;
let idleTimer = 0;
let countdownTimer = 0;
let idleMs = 90_000;
let warningSeconds = 30;
/** @type {HTMLDialogElement | null} */
let $dialog = null;

const ACTIVITY = ['pointerdown', 'keydown', 'touchstart', 'input', 'wheel'];

/** Start watching for touches and keys (once per page load; a reload after the wipe starts it again). */
export function startIdle() {
  if (idleStarted) return;
  idleStarted = true;
  device().then((d) => {
    idleMs = d.idleSeconds * 1000;
    warningSeconds = d.warningSeconds;
    restartIdle();
  }).catch(() => restartIdle());
  for (const type of ACTIVITY) {
    document.addEventListener(type, () => { if (!$dialog?.open) restartIdle(); }, { capture: true, passive: true });
  }
  restartIdle();
}

function restartIdle() {
  clearTimeout(idleTimer);
  idleTimer = window.setTimeout(warn, idleMs);
}

/** The warning: an accessible modal with the focus on "I'm still here" and a visible countdown. */
function warn() {
  if (session.kind() !== 'kiosk') return;
  let left = warningSeconds;
  const $count = h('p', { id: 'kiosk-idle-text' }, [t('kioskIdleText', { n: left })]);
  const $stay = h('button', { type: 'button', class: 'kiosk-stay', id: 'kiosk-stay' }, [t('kioskIdleStay')]);
  $dialog = /** @type {HTMLDialogElement} */ (h('dialog', {
    class: 'kiosk-idle', id: 'kiosk-idle', role: 'alertdialog', 'aria-modal': 'true',
    'aria-labelledby': 'kiosk-idle-title', 'aria-describedby': 'kiosk-idle-text',
  }, [h('h2', { id: 'kiosk-idle-title' }, [t('kioskIdleTitle')]), $count, $stay]));
  const stay = () => {
    clearInterval(countdownTimer);
    $dialog?.close();
    $dialog?.remove();
    $dialog = null;
    restartIdle();
  };
  $stay.addEventListener('click', stay);
  // Escape means someone is at the keyboard: the same as "I'm still here".
  $dialog.addEventListener('cancel', (event) => { event.preventDefault(); stay(); });
  document.body.append($dialog);
  $dialog.showModal();
  $stay.focus();
  countdownTimer = window.setInterval(() => {
    left -= 1;
    // The visible text updates every second; screen readers hear it at the start (alertdialog) and near the end.
    $count.textContent = t('kioskIdleText', { n: Math.max(left, 0) });
    if (left === 10 || (left === 5 && warningSeconds < 10)) announce(t('kioskIdleSoon', { n: left }));
    if (left <= 0) { clearInterval(countdownTimer); wipe(); }
  }, 1000);
}

/**
 * Wipe the tablet for the next citizen: the screen, the server session, every store, then memory (reload).
 * Also used by the "Done" button after a status look-up.
 */
export async function wipe() {
  clearTimeout(idleTimer);
  clearInterval(countdownTimer);
  const $main = document.getElementById('main');
  // First what is on screen: a status must not stay visible while the requests below run.
  $main?.replaceChildren(h('h1', { tabindex: '-1' }, [t('kioskWiping')]));
  $dialog?.close();
  $dialog?.remove();
  $dialog = null;
  try {
    // Ends this kiosk session on the server; its answer's Clear-Site-Data empties the browser's stores.
    await api('/api/v1/kiosk/reset', { method: 'POST', as: 'response' });
  } catch {
    // Offline or the session already over: the client-side clear below still runs.
  }
  await clearStores();
  // Land on the kiosk home after the reload, which drops the in-memory session and everything shown.
  history.replaceState(null, '', '/#/kiosk');
  location.reload();
}

/** Empty every store a script can reach (defence in depth next to Clear-Site-Data). */
export async function clearStores() {
  try { localStorage.clear(); } catch { /* storage disabled */ }
  try { sessionStorage.clear(); } catch { /* storage disabled */ }
  try {
    const databases = indexedDB.databases ? await indexedDB.databases() : [{ name: 'mpp' }];
    await Promise.all(databases.map((db) => new Promise((resolve) => {
      if (!db.name) { resolve(undefined); return; }
      const request = indexedDB.deleteDatabase(db.name);
      request.onsuccess = request.onerror = request.onblocked = () => resolve(undefined);
    })));
  } catch { /* IndexedDB unavailable */ }
  try {
    if ('caches' in self) for (const name of await caches.keys()) await caches.delete(name);
  } catch { /* Cache Storage unavailable */ }
}
