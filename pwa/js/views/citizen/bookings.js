// My bookings at MPP counters ("Antrean saya", `#/queue`): newest time first, each with its status, and the
// suspension of online booking when there is one — until when, and the rule that caused it (three no-shows in 90
// days suspend online booking for 30 days), since a refusal without its reason reads as arbitrary. Linked from my
// applications (the tab where people look for "my things at the MPP"). Readable offline from its last copy.
import { ApiError } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import { bookingStatusText, whenText } from '../../components/queue-common.js';

/** @param {HTMLElement} $main */
export default async function render($main) {
  $main.append(
    h('p', {}, [h('a', { class: 'back', href: '#/applications' }, [t('queueBackToApplications')])]),
    h('h1', {}, [t('titleQueueMine')]),
  );
  let snapshot;
  try {
    snapshot = await fetchWithSnapshot('queue-bookings', '/api/v1/queue/bookings', { pageSize: 50 });
  } catch (error) {
    $main.append(h('p', { class: 'status' }, [error instanceof ApiError ? t('notFound') : t('offline')]));
    return;
  }
  const { items, suspension } = snapshot.data;
  $main.append(
    snapshot.offline ? h('p', { class: 'status', id: 'q-offline' }, [t('applicationsOfflineNote', { time: formatDate(snapshot.at, true) })]) : '',
    suspension ? h('section', { class: 'card q-suspended', id: 'q-suspension', 'aria-labelledby': 'q-suspension-title' }, [
      h('h2', { id: 'q-suspension-title' }, [t('queueSuspendedTitle')]),
      h('p', {}, [t('queueSuspendedUntil', { date: formatDate(suspension.until) })]),
      h('p', { class: 'hint' }, [t('queueSuspendedCount', { n: suspension.noShows })]),
    ]) : '',
    h('p', { class: 'hint' }, [t('queueMineIntro')]),
  );
  if (!items.length) {
    $main.append(h('p', { class: 'card', id: 'q-empty' }, [t('queueMineEmpty'), ' ', h('a', { href: '#/' }, [t('applicationsFindService')])]));
    return;
  }
  $main.append(h('ol', { class: 'results', id: 'q-bookings' }, items.map((/** @type {any} */ b) => h('li', { class: 'result', 'data-status': b.status }, [
    h('h2', {}, [h('a', { href: `#/queue/${b.id}` }, [b.service.name])]),
    h('p', { class: 'meta' }, [whenText(b)]),
    h('p', { class: 'meta' }, [
      h('span', { class: `badge q-st q-st-${b.status}` }, [bookingStatusText(b.status)]),
      b.ticket ? ` ${t('queueTicketNumber', { number: b.ticket.number })}` : '',
    ]),
  ]))));
}
