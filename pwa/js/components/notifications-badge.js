// The unread count on the "Notifications" link of the navigation. main.js redraws the navigation on every
// screen change, so the badge is re-applied by watching the nav rather than by changing how it is drawn.
import { get } from '../api.js';
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';
import * as session from '../session.js';

let unread = 0;
let watching = false;
let retrying = false;

function paint() {
  const $link = document.querySelector('#nav a[href="#/notifications"]');
  if (!$link) return;
  const $old = $link.querySelector('.notif-count');
  if (unread <= 0) { $old?.remove(); return; }
  const text = unread > 99 ? '99+' : String(unread);
  // The number is read as part of the link's name: "Notifikasi (3 belum dibaca)".
  const $badge = h('span', { class: 'notif-count' }, [
    h('span', { 'aria-hidden': 'true' }, [text]),
    h('span', { class: 'visually-hidden' }, [`(${t('notifUnreadCount', { n: unread })})`]),
  ]);
  if ($old) $old.replaceWith($badge); else $link.append($badge);
}

/** @param {number} count */
export function setUnread(count) {
  unread = count;
  watch();
  paint();
}

function watch() {
  const $nav = document.getElementById('nav');
  if (!$nav || watching) return;
  watching = true;
  new MutationObserver(() => paint()).observe($nav, { childList: true });
}

/** Watch the navigation and fetch the count once (cheap: one item). */
export async function start() {
  watch();
  if (session.kind() !== 'citizen') return;
  try {
    const inbox = await get('/api/v1/notifications', { pageSize: 1 });
    setUnread(inbox.unread);
  } catch {
    // Offline or signed out meanwhile: no badge is better than a wrong one. On patchy data the first request
    // may fail; the count is asked again when the phone is back online or the app comes back to the front.
    if (!retrying) {
      retrying = true;
      addEventListener('online', again);
      document.addEventListener('visibilitychange', again);
    }
  }
}

function again() {
  if (document.visibilityState !== 'visible' || !navigator.onLine) return;
  removeEventListener('online', again);
  document.removeEventListener('visibilitychange', again);
  retrying = false;
  start().catch(() => undefined);
}
