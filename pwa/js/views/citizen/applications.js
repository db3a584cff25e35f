// My applications: status and deadline of each, what waits in the outbox, readable offline (last snapshot).
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import * as outbox from '../../store/outbox.js';
import { deadlineText, statusBadge } from '../../components/application-status.js';

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  const $outbox = h('div', { id: 'outbox-summary' });
  const $note = h('p', { class: 'status', role: 'status', id: 'applications-note' });
  const $list = h('ol', { class: 'results', id: 'applications' });
  // Bookings at the MPP's counters live next to applications: "my things at the MPP" (no fifth tab).
  const $queue = h('p', { class: 'q-mine-link' }, [h('a', { class: 'button secondary', id: 'q-mine-link', href: '#/queue' }, [t('queueMineLink')])]);
  $main.append(h('h1', {}, [t('titleApplications')]), $queue, $outbox, $note, $list);

  const drawOutbox = async () => {
    const waiting = await outbox.waiting();
    const failed = waiting.filter((i) => i.state === 'failed').length;
    $outbox.replaceChildren(waiting.length === 0 ? '' : h('p', { class: 'card outbox-note' }, [
      h('a', { href: '#/outbox' }, [t('applicationsOutboxLink')]), ' ',
      h('span', { class: 'badge', id: 'outbox-count' }, [String(waiting.length)]),
      failed ? ` ${t('applicationsOutboxFailed', { n: failed })}` : '',
    ]));
  };

  const draw = async () => {
    let snapshot;
    try {
      snapshot = await fetchWithSnapshot('applications', '/api/v1/applications', { pageSize: 100 });
    } catch {
      $note.textContent = t('offline');
      return;
    }
    $note.textContent = snapshot.offline ? t('applicationsOfflineNote', { time: formatDate(snapshot.at, true) }) : '';
    const items = snapshot.data.items;
    if (items.length === 0) {
      $list.replaceChildren(h('li', {}, [t('applicationsEmpty'), ' ', h('a', { href: '#/' }, [t('applicationsFindService')])]));
      return;
    }
    $list.replaceChildren(...items.map((/** @type {any} */ a) => h('li', { class: 'result', 'data-status': a.status }, [
      h('h2', {}, [h('a', { href: `#/applications/${a.id}` }, [a.service.name])]),
      h('p', { class: 'meta' }, [a.number ? `${a.number} · ` : '', statusBadge(a.status)]),
      h('p', { class: 'facts' }, [deadlineText(a.deadline, a.status) ?? formatDate(a.submittedAt || a.createdAt)]),
    ])));
  };

  await Promise.all([drawOutbox(), draw()]);
  // A submission sent from the outbox meanwhile appears in the list.
  const stop = outbox.onChange(() => { drawOutbox(); if (navigator.onLine) draw(); });
  return stop;
}
