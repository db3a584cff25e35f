// Following a ticket on a phone (`#/q/<token>`, public: opened from the QR printed on the ticket or from the
// heads-up message): its number, where it stands (people ahead, the waiting window), and "Dipanggil ke loket A3"
// once called — so a citizen can sit in the café instead of by the board.
//
// It asks again every 10 seconds while the screen is visible (a phone in a pocket asks nothing) and stops once the
// ticket is over (done, no-show). Being called is said by the live region (and a vibration where the phone has
// one), once per call, not on every refresh. Without a network it keeps what it last knew and says since when.
import { ApiError, OfflineError, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import { aheadText, clock, dateOf, estimateText, ticketStatusText } from '../../components/queue-common.js';
import * as session from '../../session.js';

const EVERY_MS = 10_000;

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const token = ctx.params.token;
  const $body = h('div', { class: 'q-follow', id: 'q-follow' });
  const $updated = h('p', { class: 'status', id: 'q-updated' });
  // Rating and complaining once served (issue 17), for the signed-in citizen whose ticket it is.
  const $feedback = h('div', { class: 'fb-ticket', id: 'fb-ticket' });
  $main.append(h('h1', {}, [t('queueFollowTitle')]), $body, $updated, $feedback);
  let feedbackShown = false;

  /** @type {any} */
  let last = null;
  let lastCalls = -1;
  let lastTime = '';
  let timer = 0;
  let stopped = false;

  const load = async () => {
    window.clearTimeout(timer);
    try {
      const ticket = await get(`/api/v1/queue/tickets/${encodeURIComponent(token)}`, {});
      if (stopped) return;
      const newlyCalled = ticket.status === 'called' && ticket.calls !== lastCalls;
      last = ticket;
      draw(ticket);
      lastTime = new Date().toLocaleTimeString(document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID', { hour: '2-digit', minute: '2-digit' });
      $updated.textContent = t('queueUpdatedAt', { time: lastTime });
      if (newlyCalled) {
        // A call (or a recall) is the one change worth interrupting for.
        announce(t('queueCalledTo', { counter: ticket.counter }));
        navigator.vibrate?.([300, 150, 300]);
      }
      lastCalls = ticket.status === 'called' ? ticket.calls : lastCalls;
      if (ticket.status === 'done' && !feedbackShown && session.kind() === 'citizen') {
        feedbackShown = true;
        feedbackCard(ticket, token, $feedback);
      }
      if (ticket.status === 'done' || ticket.status === 'no_show') return;
    } catch (error) {
      if (stopped) return;
      if (error instanceof ApiError && error.status === 404) {
        $body.replaceChildren(h('p', { class: 'card' }, [t('queueTicketUnknown')]));
        return;
      }
      $updated.textContent = last ? t('queueStale', { time: lastTime }) : (error instanceof OfflineError ? t('offline') : t('accountErrServer'));
    }
    if (!document.hidden) timer = window.setTimeout(load, EVERY_MS);
  };

  /** @param {any} ticket */
  function draw(ticket) {
    const called = ticket.status === 'called' || ticket.status === 'serving';
    $body.replaceChildren(
      h('div', { class: `q-ticket q-ticket-${ticket.status}` }, [
        h('p', { class: 'q-ticket-label' }, [t('queueTicketLabel')]),
        h('p', { class: 'q-number', id: 'q-number' }, [ticket.number]),
        h('p', { class: 'meta' }, [[ticket.service?.name, ticket.agency.name].filter(Boolean).join(' · ')]),
      ]),
      called
        ? h('p', { class: 'q-called', id: 'q-called' }, [ticket.status === 'called' ? t('queueCalledTo', { counter: ticket.counter }) : t('queueServingAt', { counter: ticket.counter })])
        : h('p', { class: 'q-state', id: 'q-state' }, [ticketStatusText(ticket.status)]),
      ticket.status === 'waiting' ? h('dl', { class: 'facts q-wait' }, [
        h('dt', {}, [t('queueAheadLabel')]), h('dd', { id: 'q-ahead' }, [aheadText(ticket.waitingAhead)]),
        ticket.estimate ? h('dt', {}, [t('queueEstimateLabel')]) : '',
        ticket.estimate ? h('dd', { id: 'q-estimate' }, [estimateText(ticket.estimate)]) : '',
      ]) : '',
      ticket.status === 'waiting' ? h('p', { class: 'hint' }, [t('queueEstimateHint')]) : '',
      ticket.status === 'no_show' ? h('p', { class: 'hint' }, [t('queueTicketNoShowHint')]) : '',
      ticket.status === 'called' && ticket.calledAt ? h('p', { class: 'meta' }, [t('queueCalledAt', { time: clock(ticket.calledAt) })]) : '',
    );
  }

  // Back to the foreground: ask at once (the phone may have slept through the call).
  const onVisible = () => { if (!document.hidden && !stopped && !(last && (last.status === 'done' || last.status === 'no_show'))) load(); };
  document.addEventListener('visibilitychange', onVisible);
  await load();
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    document.removeEventListener('visibilitychange', onVisible);
  };
}

/**
 * "Beri penilaian" for a served ticket while its survey invitation is open (a signed-in citizen's own ticket: the
 * invitation list is theirs), and the way to complain — about the ticket when it is known to be theirs, otherwise
 * about its service.
 * @param {any} ticket @param {string} token @param {HTMLElement} $slot
 */
async function feedbackCard(ticket, token, $slot) {
  const { openInvitations } = await import('../../components/feedback-common.js');
  const mine = (await openInvitations()).filter((i) => i.kind === 'ticket' && i.label === ticket.number && i.agencyName === ticket.agency.name);
  // Ticket numbers start again every day: the day tells two of them apart.
  const invitation = mine.find((i) => i.day === dateOf(ticket.issuedAt)) || (mine.length === 1 ? mine[0] : null);
  const back = encodeURIComponent(`/q/${token}`);
  const complainHref = invitation
    ? `#/complaints/new?ticket=${invitation.ref}&label=${encodeURIComponent(ticket.number)}&back=${back}`
    : ticket.service ? `#/complaints/new?service=${ticket.service.id}` : '';
  const complain = complainHref ? h('p', { class: 'fb-complain' }, [h('a', { href: complainHref, id: 'fb-ticket-complain' }, [t('fbComplainLink')])]) : '';
  $slot.replaceChildren(
    invitation ? h('section', { class: 'card fb-rate', id: 'fb-ticket-rate', 'aria-labelledby': 'fb-ticket-rate-title' }, [
      h('h2', { id: 'fb-ticket-rate-title' }, [t('fbRateCardTitle')]),
      h('p', {}, [t('fbRateTicketText')]),
      h('p', {}, [h('a', { class: 'button', href: `#/surveys/${invitation.id}`, id: 'fb-ticket-rate-link' }, [t('fbRateButton')])]),
    ]) : '',
    complain,
  );
}
