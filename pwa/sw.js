// Service worker (root scope, classic script).
//
// - A versioned precache of the app shell (citizen code, styles, strings, icons, the /v/ verify page): served
//   cache-first, so the app opens instantly and offline. The server replaces VERSION with a digest of every
//   file under pwa/ (api/lib/pwa.py), so any change is a new version; the new worker then waits and the page
//   offers "Reload" (js/sw-client.js), so one tab never runs two versions of the code at once. Old caches are
//   deleted on activate.
// - The public catalogue (services, regions, categories, agencies, document types): stale-while-revalidate in
//   its own cache, keyed by language (the server varies it on Accept-Language).
// - Personal API responses are never put in a cache here: they stay in IndexedDB (store/snapshots.js), which
//   logout wipes. Requests we do not handle are left to the browser, untouched.
// - Background sync "mpp-outbox": the windows replay the outbox (see the sync handler for why not here).
importScripts('/js/sw-push.js');

const VERSION = 'mpp-shell-v1';
const SHELL_CACHE = VERSION;
const CATALOGUE_CACHE = 'mpp-catalogue-v1';
const PREFIXES = ['mpp-shell-', 'mpp-catalogue-', 'mpp-verify-'];

// Must all load, or the install fails and the previous version stays in charge.
const CORE = [
  '/index.html', '/manifest.webmanifest', '/css/app.css', '/i18n/id.json', '/i18n/en.json',
  '/js/main.js', '/js/router.js', '/js/api.js', '/js/session.js', '/js/i18n.js', '/js/lib/dom.js',
  '/js/store/db.js', '/js/store/outbox.js', '/js/store/snapshots.js', '/js/store/drafts.js', '/js/sw-client.js',
  '/js/sw-push.js', '/js/components/service-facts.js', '/js/components/answers-form.js',
  '/js/components/application-status.js',
  '/js/views/citizen/home.js', '/js/views/citizen/service.js', '/js/views/citizen/apply.js',
  '/js/views/citizen/applications.js', '/js/views/citizen/application.js', '/js/views/citizen/outbox.js',
  '/icons/icon.svg', '/icons/icon-192.png', '/icons/icon-512.png', '/icons/icon-maskable-512.png',
  '/v/', '/js/verify.js',
  '/js/views/citizen/signin.js', '/js/views/citizen/wallet.js', '/js/views/citizen/document.js',
  '/js/views/citizen/notifications.js', '/js/views/citizen/settings.js', '/js/push.js',
  '/js/components/notifications-badge.js', '/js/components/wallet-status.js', '/js/components/wallet-upload.js',
  '/js/components/account-field.js', '/js/lib/problem.js', '/js/components/account-webauthn.js',
  '/js/statuses.js', '/js/components/answer-text.js', '/js/components/apply-draft.js',
  '/js/components/apply-review.js', '/js/components/apply-receipt.js',
  '/js/components/profile-form.js', '/js/components/return-to.js',
  '/js/components/service-result.js', '/js/views/citizen/identity.js', '/js/views/citizen/family.js',
  // The queue (antrian): booking, my bookings, one booking (its QR works offline), following a ticket.
  '/js/components/queue-common.js', '/js/views/citizen/booking.js', '/js/views/citizen/bookings.js',
  '/js/views/citizen/booking-detail.js', '/js/views/citizen/ticket.js',
  // Feedback: rating a service (the form is shared with the kiosk) and complaints.
  '/js/components/skm-form.js', '/js/components/feedback-common.js', '/js/views/citizen/survey.js',
  '/js/views/citizen/complaints.js', '/js/views/citizen/complaint.js', '/js/views/citizen/complaint-new.js',
  // Single sign-on: consent to an agency system, signing out of every system, the systems allowed.
  '/js/views/citizen/sso.js', '/js/views/citizen/sso-logout.js', '/js/views/citizen/connected.js',
  // Signing in with the national identity provider: the screen its sign-in comes back to.
  '/js/views/citizen/signin-national.js',
  // The display board of the queue must load on a TV reloading during an outage (its call-out audio is cached
  // by the board itself, in a cache of its own: views/board/speaker.js).
  '/js/views/board/board.js', '/js/views/board/callout.js', '/js/views/board/speaker.js', '/css/board.css',
];
// Citizen screens and parts written alongside: cached when present, so one missing file cannot block an install
// (any other module is cached the first time it is used).
/** Paths a request may be answered from the shell cache under. */
const alias = (/** @type {string} */ path) => (path === '/' ? '/index.html' : path === '/v' || path === '/v/index.html' ? '/v/' : path);
const isShellAsset = (/** @type {string} */ path) => /^\/(js|css|i18n|icons)\//.test(path) || path === '/manifest.webmanifest';
const CATALOGUE = /^\/api\/v1\/(services(\/[^/]+)?|service-groups|regions(\/[^/]+)?|categories|agencies|document-types)$/;

self.addEventListener('install', (event) => {
  event.waitUntil((async () => {
    const cache = await caches.open(SHELL_CACHE);
    // cache: 'reload' skips the HTTP cache, so a new version never precaches an old file.
    await cache.addAll(CORE.map((url) => new Request(url, { cache: 'reload' })));
    // The very first install takes over at once (nothing to be inconsistent with); an update waits for the
    // user's "Reload" (SKIP_WAITING below).
    if (!self.registration.active) await self.skipWaiting();
  })());
});

self.addEventListener('activate', (event) => {
  event.waitUntil((async () => {
    for (const name of await caches.keys()) {
      if (PREFIXES.some((p) => name.startsWith(p)) && name !== SHELL_CACHE && name !== CATALOGUE_CACHE) await caches.delete(name);
    }
    await self.clients.claim();
  })());
});

self.addEventListener('message', (event) => {
  if (event.data?.type === 'SKIP_WAITING') self.skipWaiting();
});

self.addEventListener('fetch', (event) => {
  const request = event.request;
  if (request.method !== 'GET') return;
  const url = new URL(request.url);
  if (url.origin !== location.origin) return;
  if (request.mode === 'navigate') {
    const path = alias(url.pathname);
    // The app lives at "/" with hash routes; /v/ is the verify page. Any other navigation (a document's
    // content, the API schema) goes to the network untouched.
    if (path === '/index.html' || path === '/v/') event.respondWith(fromShell(path, request));
    return;
  }
  if (isShellAsset(url.pathname)) { event.respondWith(fromShell(url.pathname, request)); return; }
  if (CATALOGUE.test(url.pathname)) event.respondWith(catalogue(request, url));
});

/**
 * Cache first; a miss is fetched and kept in the current version's cache (lazily loaded modules).
 * @param {string} path @param {Request} request
 */
async function fromShell(path, request) {
  const cache = await caches.open(SHELL_CACHE);
  const cached = await cache.match(path, { ignoreSearch: true });
  if (cached) return cached;
  try {
    const response = await fetch(request);
    if (response.ok && response.type === 'basic') await cache.put(path, response.clone());
    return response;
  } catch (error) {
    if (request.mode === 'navigate') {
      const shell = await cache.match(path === '/v/' ? '/v/' : '/index.html');
      if (shell) return shell;
    }
    throw error;
  }
}

/**
 * Stale-while-revalidate: answer from the cache when we can, refresh it in the background.
 * @param {Request} request @param {URL} url
 */
async function catalogue(request, url) {
  const cache = await caches.open(CATALOGUE_CACHE);
  // The answer depends on the language: it is part of the key (the Authorization header is not: the catalogue
  // is public and the same for everyone).
  const lang = (request.headers.get('Accept-Language') || 'id').slice(0, 2);
  const key = new Request(`${url.origin}${url.pathname}${url.search}${url.search ? '&' : '?'}_lang=${lang}`);
  const cached = await cache.match(key, { ignoreVary: true });
  const refresh = fetch(request).then(async (response) => {
    // Only what the server itself marks public is kept: a personal answer can never end up here.
    if (response.ok && /\bpublic\b/.test(response.headers.get('Cache-Control') || '')) await cache.put(key, response.clone());
    return response;
  });
  if (cached) {
    refresh.catch(() => undefined);
    return cached;
  }
  return refresh;
}

// Background sync: the outbox is replayed by an open window. The access token lives only in a page's memory
// (never in storage the worker could read), and refresh tokens rotate: a second refresher here would race the
// pages for it. So the worker asks the windows; with none open it fails the sync, and the browser retries later
// (and the app replays the outbox anyway when it is next opened).
self.addEventListener('sync', (event) => {
  if (event.tag !== 'mpp-outbox') return;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window' });
    if (windows.length === 0) throw new Error('no window to replay the outbox');
    for (const client of windows) client.postMessage({ type: 'REPLAY_OUTBOX' });
  })());
});
