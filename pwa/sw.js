// Service worker (root scope). For now it keeps the document-verification page usable offline: an officer or
// a kiosk that opened it once can check a QR printout with no network. The full app shell comes with the PWA.
const VERSION = 'mpp-verify-v1';
const SHELL = ['/v/', '/js/verify.js', '/js/i18n.js', '/css/app.css', '/i18n/id.json', '/i18n/en.json'];

self.addEventListener('install', (event) => {
  event.waitUntil(caches.open(VERSION).then((cache) => cache.addAll(SHELL)).then(() => self.skipWaiting()));
});

self.addEventListener('activate', (event) => {
  // Old versions' caches go: a new release never serves a stale shell next to new code.
  event.waitUntil(caches.keys()
    .then((names) => Promise.all(names.filter((n) => n.startsWith('mpp-verify-') && n !== VERSION).map((n) => caches.delete(n))))
    .then(() => self.clients.claim()));
});

self.addEventListener('fetch', (event) => {
  const url = new URL(event.request.url);
  if (event.request.method !== 'GET' || url.origin !== location.origin) return;
  const path = url.pathname === '/v' || url.pathname === '/v/index.html' ? '/v/' : url.pathname;
  if (!SHELL.includes(path)) return; // everything else: straight to the network
  // Network first, so an update shows at once; the cached copy when offline.
  event.respondWith(
    fetch(event.request)
      .then((response) => {
        if (response.ok) caches.open(VERSION).then((cache) => cache.put(path, response.clone()));
        return response;
      })
      .catch(() => caches.match(path).then((cached) => cached || Response.error())),
  );
});
