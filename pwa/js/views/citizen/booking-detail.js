// One of my bookings (`#/queue/<id>`): when and where, the QR code to scan at the MPP's kiosk (with the code to
// type where there is no scanner), and while it is still ahead: move it to another time, or cancel it. Once checked
// in, its ticket (number, and the link to follow it). Readable offline from its last copy, QR included: the MPP's
// lobby is where the signal is worst.
//
// Cancelling asks first, on the screen (as withdrawing an application does), and says what happens to the seat: it
// returns to the pool only after a delay, so a slot cannot be handed to someone else (no trading places).
import { ApiError, api } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { fetchWithSnapshot, save } from '../../store/snapshots.js';
import { bookingStatusText, clock, dateOf, dayText, groupCode, qrImage, ticketStatusText, whenText, zone } from '../../components/queue-common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const id = ctx.params.id;
  const key = `queue-booking:${id}`;
  let snapshot;
  try {
    snapshot = await fetchWithSnapshot(key, `/api/v1/queue/bookings/${encodeURIComponent(id)}`);
  } catch (error) {
    $main.append(h('h1', {}, [t('titleQueueBooking')]), h('p', { class: 'status' }, [error instanceof ApiError && error.status === 404 ? t('notFound') : t('offline')]));
    return;
  }
  /** @type {any} */
  let b = snapshot.data;
  const $article = h('article', { class: 'detail q-booking', id: 'q-booking' });
  // Once its time has started, a booking is no longer moved or cancelled (the API refuses the same).
  const started = () => Date.parse(b.start) <= Date.now();
  $main.append($article);
  const fresh = ctx.query.get('new') ? t('queueBooked') : ctx.query.get('moved') ? t('queueMoved') : '';
  draw(snapshot.offline, snapshot.at, fresh);

  /**
   * @param {boolean} offline
   * @param {string} at
   * @param {string} [notice] what just happened (booked, moved, cancelled), said at the top
   */
  function draw(offline, at, notice = '') {
    const active = b.status === 'booked';
    $article.replaceChildren(
      h('p', {}, [h('a', { class: 'back', href: '#/queue' }, [t('queueBackToMine')])]),
      h('h1', {}, [b.service.name]),
      notice ? h('p', { class: 'q-notice', id: 'q-notice', role: 'status' }, [notice]) : '',
      offline ? h('p', { class: 'status', id: 'q-offline' }, [t('applicationsOfflineNote', { time: formatDate(at, true) })]) : '',
      h('dl', { class: 'facts' }, [
        h('dt', {}, [t('queueStatus')]), h('dd', { id: 'q-booking-status' }, [h('span', { class: `badge q-st q-st-${b.status}` }, [bookingStatusText(b.status)])]),
        h('dt', {}, [t('queueWhen')]), h('dd', { id: 'q-booking-when' }, [whenText(b)]),
        h('dt', {}, [t('queueWhere')]), h('dd', {}, [`${b.agency.name} · ${b.region.name}`]),
        b.applicationId ? h('dt', {}, [t('queueApplication')]) : '',
        b.applicationId ? h('dd', {}, [h('a', { href: `#/applications/${b.applicationId}` }, [t('queueOpenApplication')])]) : '',
      ]),
      ...(active ? checkIn() : []),
      ...ticket(),
      b.status === 'cancelled' && b.seatReturnsAt ? h('p', { class: 'hint', id: 'q-seat-returns' }, [t('queueSeatReturns', { time: `${clock(b.seatReturnsAt)} ${zone(b.seatReturnsAt)}` })]) : '',
      b.status === 'no_show' ? h('p', { class: 'hint' }, [t('queueNoShowNote')]) : '',
      active && !offline && !started() ? actions() : '',
    );
  }

  /** When check-in opens: its clock time, and its day too when that is the day before (a slot just after midnight). */
  function checkInFrom() {
    const time = `${clock(b.checkInFrom)} ${zone(b.checkInFrom)}`;
    return dateOf(b.checkInFrom) === dateOf(b.start) ? time : `${dayText(dateOf(b.checkInFrom))} ${time}`;
  }

  /** The QR code and the code to type, with when check-in opens. */
  function checkIn() {
    return [
      h('section', { class: 'q-checkin', 'aria-labelledby': 'q-checkin-title' }, [
        h('h2', { id: 'q-checkin-title' }, [t('queueCheckInTitle')]),
        h('p', {}, [t('queueCheckInText', { time: checkInFrom() })]),
        b.qrSvg ? qrImage(b.qrSvg, t('queueQrAlt'), { id: 'q-booking-qr' }) : '',
        h('p', { class: 'q-code-label' }, [t('queueCodeLabel')]),
        h('p', { class: 'q-code', id: 'q-check-in-code' }, [groupCode(b.checkInCode)]),
      ]),
    ];
  }

  /** The ticket of a checked-in booking: its number and the way to follow it. */
  function ticket() {
    if (!b.ticket) return [];
    return [h('section', { class: 'card q-ticket-link', 'aria-labelledby': 'q-ticket-title' }, [
      h('h2', { id: 'q-ticket-title' }, [t('queueYourTicket')]),
      h('p', { class: 'q-number', id: 'q-booking-ticket' }, [b.ticket.number]),
      h('p', {}, [ticketStatusText(b.ticket.status)]),
      h('p', {}, [h('a', { class: 'button', href: `#/q/${encodeURIComponent(b.ticket.followToken)}` }, [t('queueFollowTicket')])]),
    ])];
  }

  function actions() {
    const $block = h('div', { class: 'q-actions', id: 'q-actions' });
    const $error = h('p', { class: 'error', role: 'alert', id: 'q-action-error' });
    const ask = () => {
      const $yes = h('button', { type: 'button', class: 'danger', id: 'q-cancel-yes' }, [t('queueCancelYes')]);
      const $no = h('button', { type: 'button', class: 'secondary', id: 'q-cancel-no' }, [t('queueCancelNo')]);
      const $confirm = h('div', { class: 'card confirm', role: 'group', 'aria-labelledby': 'q-cancel-q' }, [
        h('p', { id: 'q-cancel-q' }, [h('strong', {}, [t('queueCancelQuestion')])]),
        h('p', {}, [t('queueCancelExplain')]),
        $error,
        h('div', { class: 'actions' }, [$yes, $no]),
      ]);
      $yes.addEventListener('click', async () => {
        $yes.setAttribute('disabled', '');
        try {
          b = await api(`/api/v1/queue/bookings/${b.id}`, { method: 'DELETE' });
          await save(key, b);
          draw(false, '', t('queueCancelled'));
          announce(t('queueCancelled'));
          /** @type {HTMLElement} */ ($article.querySelector('h1')).focus();
        } catch (error) {
          $yes.removeAttribute('disabled');
          $error.textContent = problemText(error);
        }
      });
      $no.addEventListener('click', () => { $block.replaceChildren(...buttons()); /** @type {HTMLElement} */ ($block.querySelector('#q-cancel'))?.focus(); });
      $block.replaceChildren($confirm);
      $yes.focus();
    };
    const buttons = () => [h('div', { class: 'actions' }, [
      h('a', { class: 'button secondary', id: 'q-move', href: `#/queue/book/${b.service.id}?move=${b.id}` }, [t('queueMove')]),
      h('button', { type: 'button', class: 'secondary', id: 'q-cancel', onclick: ask }, [t('queueCancel')]),
    ])];
    $block.replaceChildren(...buttons());
    return $block;
  }
}
