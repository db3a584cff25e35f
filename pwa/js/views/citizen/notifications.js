// The in-app inbox: what happened to my applications and documents, newest first, unread marked. Readable offline
// from the last copy on this phone.
import { post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import { problemText } from '../../lib/problem.js';
import { setUnread } from '../../components/notifications-badge.js';

const PAGE_SIZE = 50;

/** Only links into this app are followed: a notification's url is a path such as "/#/applications/<id>". @param {string} url */
export function inAppHref(url) {
  try {
    const target = new URL(url, location.origin);
    return target.origin === location.origin ? `${target.pathname === '/' ? '' : target.pathname}${target.search}${target.hash}` || '#/' : null;
  } catch {
    return null;
  }
}

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  const $status = h('p', { class: 'status', id: 'notif-status', role: 'status' });
  const $list = h('ul', { class: 'results', id: 'notif-list', 'aria-labelledby': 'notif-title' });
  const $readAll = h('button', { type: 'button', class: 'secondary', id: 'notif-read-all', hidden: true }, [t('notifReadAll')]);
  $main.append(h('h1', { id: 'notif-title' }, [t('titleNotifications')]), h('p', { class: 'row' }, [$readAll]), $status, $list);

  /** @type {any} */
  let inbox = { items: [], unread: 0, total: 0 };
  let stale = false;

  const draw = () => {
    $list.replaceChildren(...inbox.items.map(item));
    $readAll.hidden = stale || inbox.unread === 0;
    if (!stale) setUnread(inbox.unread);
  };

  /** @param {any} n */
  const item = (n) => {
    const href = inAppHref(n.url);
    const $title = href ? h('a', { href }, [n.title]) : h('span', {}, [n.title]);
    const $li = h('li', { class: n.read ? 'result notif-item' : 'result notif-item notif-unread' }, [
      h('h2', {}, [$title, n.read ? null : h('span', { class: 'badge notif-new' }, [t('notifNew')])]),
      h('p', {}, [n.body]),
      h('p', { class: 'meta' }, [formatDate(n.createdAt, true)]),
    ]);
    const markRead = async () => {
      if (n.read || stale) return;
      try {
        await post(`/api/v1/notifications/${n.id}/read`);
        n.read = true;
        inbox.unread = Math.max(0, inbox.unread - 1);
        draw();
      } catch { /* offline: it stays unread, which is honest */ }
    };
    // Opening an item marks it read; so does the explicit button, for those who only want to clear it.
    $title.addEventListener('click', () => { markRead(); });
    if (!n.read && !stale) {
      const $mark = h('button', { type: 'button', class: 'secondary' }, [t('notifMarkRead')]);
      $mark.setAttribute('aria-label', t('notifMarkReadLabel', { title: n.title }));
      $mark.addEventListener('click', async () => { await markRead(); announce(t('notifMarkedRead')); });
      $li.append($mark);
    }
    return $li;
  };

  $readAll.addEventListener('click', async () => {
    try {
      await post('/api/v1/notifications/read-all');
      for (const n of inbox.items) n.read = true;
      inbox.unread = 0;
      draw();
      announce(t('notifAllRead'));
      $status.textContent = t('notifAllRead');
    } catch (error) {
      toast(problemText(error));
    }
  });

  $status.textContent = t('walletLoading');
  try {
    const { data, at, offline } = await fetchWithSnapshot('notifications', '/api/v1/notifications', { pageSize: PAGE_SIZE });
    inbox = data;
    stale = offline;
    draw();
    $status.textContent = offline ? t('walletSnapshot', { time: formatDate(at, true) })
      : inbox.total === 0 ? t('notifEmpty') : t('notifCount', { n: inbox.total, unread: inbox.unread });
  } catch (error) {
    $status.textContent = problemText(error);
  }
}
