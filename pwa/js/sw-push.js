// Push handlers for the service worker (imported by sw.js with importScripts, so: a classic script, no modules).
// The payload is what api/notifications/worker.py sends: {id, tag, topic, title, body, url, lang}.
// Delivery is at-least-once; a repeat carries the same tag and replaces the first instead of showing twice.

/** Only paths of this app may be opened from a notification; anything else opens the home screen. */
function sameOriginUrl(raw) {
  try {
    const url = new URL(raw || '/', self.location.origin);
    return url.origin === self.location.origin ? url.href : null;
  } catch (error) {
    return null;
  }
}

self.addEventListener('push', (event) => {
  let data = {};
  try {
    data = event.data ? event.data.json() : {};
  } catch (error) {
    data = { body: event.data ? event.data.text() : '' };
  }
  const title = data.title || 'MPP Digital';
  const options = {
    body: data.body || '',
    tag: data.tag || undefined,
    // A repeat of the same message (same tag) replaces the first one quietly.
    renotify: false,
    data: { url: sameOriginUrl(data.url) || '/' },
    icon: '/icons/icon-192.png',
    badge: '/icons/icon-192.png',
    lang: data.lang || 'id',
  };
  event.waitUntil(self.registration.showNotification(title, options));
});

self.addEventListener('notificationclick', (event) => {
  event.notification.close();
  const target = sameOriginUrl(event.notification.data && event.notification.data.url) || new URL('/', self.location.origin).href;
  event.waitUntil((async () => {
    const windows = await self.clients.matchAll({ type: 'window', includeUncontrolled: true });
    // Reuse an open window of the app: focus it, then move it to the target.
    for (const client of windows) {
      if (new URL(client.url).origin !== self.location.origin) continue;
      const focused = 'focus' in client ? await client.focus() : client;
      if (focused && 'navigate' in focused) {
        try {
          await focused.navigate(target);
          return;
        } catch (error) {
          // An uncontrolled window cannot be navigated by the worker: open a new one below.
        }
      }
    }
    if (self.clients.openWindow) await self.clients.openWindow(target);
  })());
});
