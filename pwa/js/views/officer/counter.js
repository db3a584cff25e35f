// The officer's counter (`#/officer/counter`): open my counter (loket), call the next citizen with one big button,
// and for the ticket called: recall, start serving, done, no-show (only after the third call, as the rule says),
// transfer to another counter or agency, and open the citizen's application when the ticket has one. Then close the
// counter. The next few in line are listed; a supervisor also gets the link to the queue's figures.
//
// Desks have keyboards: each action has a one-letter shortcut (shown on its button, `aria-keyshortcuts`), ignored
// while typing in a field. The screen asks the API again every 10 seconds (the line and my counter: another officer
// may take it over) without moving the focus; the desk itself only changes on the officer's own actions.
import { ApiError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { clock } from '../../components/queue-common.js';
import { errorText, loadStyles } from './common.js';
import { transferForm } from './counter-transfer.js';

const EVERY_MS = 10_000;
const LAST_COUNTER = 'mpp-officer-counter';

/**
 * @typedef {{ id: string, number: string, status: string, kind: string, service: { id: string, name: string } | null,
 *   agency: { code: string, name: string }, counter: string | null, calls: number, noShowAllowed: boolean,
 *   issuedAt: string, calledAt: string | null, applicationId: string | null, booking: { id: string, start: string } | null,
 *   transferred: boolean, waitedMinutes: number | null }} OfficerTicket
 * @typedef {{ number: string, open: boolean, mine: boolean, openedAt: string | null, current: OfficerTicket | null,
 *   waiting: number }} CounterItem
 */

/** @param {HTMLElement} $main */
export default async function render($main) {
  loadStyles();
  const $message = h('p', { class: 'off-message', id: 'qc-message', role: 'status', tabindex: '-1', hidden: true });
  const $body = h('div', { id: 'qc-body' });
  $main.append(h('h1', {}, [t('qcTitle')]), $message, $body);

  /** @type {CounterItem[]} */
  let counters = [];
  /** @type {CounterItem | null} */
  let desk = null;
  let busy = false;
  let timer = 0;
  let stopped = false;
  /** @type {(() => void) | null} */
  let closeTransfer = null;

  /** @param {string} text @param {boolean} [error] */
  const say = (text, error = false) => {
    $message.textContent = text;
    $message.classList.toggle('error', error);
    $message.hidden = !text;
    if (text) announce(text);
  };

  const load = async () => {
    counters = (await get('/api/v1/officer/queue/counters')).items;
    const mine = counters.find((c) => c.mine) || null;
    if (desk && !mine) say(t('qcTakenOver', { counter: desk.number }), true);
    desk = mine;
  };

  try {
    await load();
  } catch (error) {
    $body.append(h('p', { class: 'error', role: 'alert' }, [errorText(error)]));
    return;
  }
  draw();
  schedule();
  document.addEventListener('keydown', onKey);
  return () => {
    stopped = true;
    window.clearTimeout(timer);
    document.removeEventListener('keydown', onKey);
  };

  function schedule() {
    window.clearTimeout(timer);
    timer = window.setTimeout(async () => {
      if (stopped) return;
      if (!document.hidden && !busy && !closeTransfer) {
        const had = desk?.number;
        await load().catch(() => undefined);
        // Redraw only what the officer is not working in: the line and the counts (the focus stays put).
        if (desk && had === desk.number) await drawLine(); else draw();
      }
      schedule();
    }, EVERY_MS);
  }

  function draw() {
    if (desk) drawDesk(); else drawChooser();
  }

  // --- choosing a counter ---------------------------------------------------------------------------------------

  function drawChooser() {
    const last = localStorage.getItem(LAST_COUNTER);
    const sorted = [...counters].sort((a, b) => Number(b.number === last) - Number(a.number === last));
    $body.replaceChildren(
      h('p', {}, [t('qcChooseIntro')]),
      counters.length ? h('ul', { class: 'qc-counters', id: 'qc-counters' }, sorted.map((c) => h('li', { class: 'card qc-counter' }, [
        h('h2', {}, [t('qcCounter', { counter: c.number })]),
        h('p', { class: 'meta' }, [
          c.open ? t('qcOpenByOther', { time: clock(c.openedAt) }) : t('qcClosed'),
          ' · ', t('qcWaitingHere', { n: c.waiting }),
        ]),
        h('button', { type: 'button', id: `qc-open-${c.number}`, class: c.open ? 'secondary' : '', onclick: () => openCounter(c) }, [
          c.open ? t('qcTakeOver', { counter: c.number }) : t('qcOpen', { counter: c.number }),
        ]),
      ]))) : h('p', { class: 'card' }, [t('qcNoCounters')]),
      statsLink(),
    );
  }

  /** @param {CounterItem} c */
  async function openCounter(c) {
    // Taking over ends another officer's session at that counter: said before, not after.
    if (c.open && !window.confirm(t('qcTakeOverConfirm', { counter: c.number }))) return;
    await act(async () => {
      await api(`/api/v1/officer/queue/counters/${encodeURIComponent(c.number)}/open`, { method: 'POST' });
      localStorage.setItem(LAST_COUNTER, c.number);
      await load();
      return t('qcOpened', { counter: c.number });
    });
  }

  // --- the desk -------------------------------------------------------------------------------------------------

  function drawDesk() {
    if (!desk) return;
    const current = desk.current;
    const called = current?.status === 'called';
    const $next = button('qc-next', t('qcNext'), 'n', next, { disabled: called, cls: 'qc-next' });
    $body.replaceChildren(
      h('section', { class: 'qc-desk', 'aria-labelledby': 'qc-desk-title' }, [
        h('div', { class: 'qc-desk-head' }, [
          h('h2', { id: 'qc-desk-title' }, [t('qcCounter', { counter: desk.number })]),
          h('p', { class: 'meta', id: 'qc-waiting' }, [t('qcWaitingHere', { n: desk.waiting })]),
        ]),
        $next,
        called ? h('p', { class: 'hint', id: 'qc-next-hint' }, [t('qcNextAfterCalled')]) : '',
        current ? ticketCard(current) : h('p', { class: 'card', id: 'qc-none' }, [t('qcNoTicket')]),
      ]),
      h('section', { class: 'qc-line', 'aria-labelledby': 'qc-line-title' }, [
        h('h2', { id: 'qc-line-title' }, [t('qcLineTitle')]),
        h('ol', { class: 'qc-line-list', id: 'qc-line' }),
      ]),
      h('details', { class: 'qc-keys' }, [
        h('summary', {}, [t('qcKeysTitle')]),
        h('ul', {}, [['N', 'qcNext'], ['U', 'qcRecall'], ['M', 'qcServe'], ['S', 'qcDone'], ['T', 'qcNoShow'], ['A', 'qcTransfer']]
          .map(([key, label]) => h('li', {}, [h('kbd', {}, [key]), ` ${t(label)}`]))),
      ]),
      h('div', { class: 'off-actions' }, [
        h('button', { type: 'button', class: 'secondary', id: 'qc-close', onclick: closeCounter }, [t('qcCloseCounter')]),
      ]),
      statsLink(),
    );
    drawLine();
  }

  /** @param {OfficerTicket} ticket */
  function ticketCard(ticket) {
    const called = ticket.status === 'called';
    const $transfer = h('div', { id: 'qc-transfer-slot' });
    return h('div', { class: `card qc-ticket qc-ticket-${ticket.status}`, id: 'qc-ticket' }, [
      h('p', { class: 'qc-number', id: 'qc-number' }, [ticket.number]),
      h('p', { class: 'qc-status' }, [
        h('span', { class: `badge qc-st qc-st-${ticket.status}` }, [t(`queueTicketSt_${ticket.status}`)]),
        ticket.transferred ? h('span', { class: 'badge qc-transferred' }, [t('qcTransferred')]) : '',
      ]),
      h('dl', { class: 'off-facts' }, [
        h('dt', {}, [t('qcService')]), h('dd', {}, [ticket.service?.name || '—']),
        h('dt', {}, [t('qcKind')]), h('dd', { id: 'qc-kind' }, [ticket.booking ? t('qcBooked', { time: clock(ticket.booking.start) }) : t('qcWalkIn')]),
        h('dt', {}, [t('qcCalls')]), h('dd', { id: 'qc-calls' }, [t('qcCallsCount', { n: ticket.calls })]),
        ticket.waitedMinutes !== null && ticket.waitedMinutes !== undefined ? h('dt', {}, [t('qcWaited')]) : '',
        ticket.waitedMinutes !== null && ticket.waitedMinutes !== undefined ? h('dd', {}, [t('qcMinutes', { n: ticket.waitedMinutes })]) : '',
      ]),
      ticket.applicationId ? h('p', {}, [h('a', { class: 'button secondary', id: 'qc-application', href: `#/officer/applications/${ticket.applicationId}` }, [t('qcOpenApplication')])]) : '',
      h('div', { class: 'off-actions qc-actions' }, [
        called ? button('qc-recall', t('qcRecall'), 'u', () => ticketAction(ticket, 'recall')) : '',
        called ? button('qc-serve', t('qcServe'), 'm', () => ticketAction(ticket, 'serve')) : '',
        button('qc-done', t('qcDone'), 's', () => ticketAction(ticket, 'done'), { cls: called ? 'secondary' : '' }),
        called ? button('qc-no-show', t('qcNoShow'), 't', () => ticketAction(ticket, 'no-show'), { disabled: !ticket.noShowAllowed, cls: 'secondary', describedby: 'qc-no-show-hint' }) : '',
        button('qc-transfer', t('qcTransfer'), 'a', () => openTransfer(ticket, $transfer), { cls: 'secondary' }),
      ]),
      called && !ticket.noShowAllowed ? h('p', { class: 'hint', id: 'qc-no-show-hint' }, [t('qcNoShowAfter', { n: ticket.calls })]) : '',
      $transfer,
    ]);
  }

  /**
   * A button with its shortcut shown and announced.
   * @param {string} id @param {string} label @param {string} key @param {() => void} onclick
   * @param {{ disabled?: boolean, cls?: string, describedby?: string }} [options]
   */
  function button(id, label, key, onclick, options = {}) {
    return h('button', {
      type: 'button', id, class: options.cls || undefined, disabled: options.disabled, 'data-key': key,
      'aria-keyshortcuts': key.toUpperCase(), 'aria-describedby': options.describedby, onclick,
    }, [label, ' ', h('kbd', { 'aria-hidden': 'true' }, [key.toUpperCase()])]);
  }

  /** The next few in line for this counter (the agency's line, in its order). */
  async function drawLine() {
    const $line = document.getElementById('qc-line');
    const $waiting = document.getElementById('qc-waiting');
    if ($waiting && desk) $waiting.textContent = t('qcWaitingHere', { n: desk.waiting });
    if (!$line) return;
    const waiting = await get('/api/v1/officer/queue/tickets', { status: 'waiting' }).catch(() => null);
    if (!waiting) return;
    const items = /** @type {OfficerTicket[]} */ (waiting.items).slice(0, 8);
    $line.replaceChildren(...(items.length ? items.map((w) => h('li', {}, [
      h('strong', {}, [w.number]), ` ${w.service?.name || ''} · `,
      w.booking ? t('qcBooked', { time: clock(w.booking.start) }) : t('qcWalkIn'),
      w.transferred ? ` · ${t('qcTransferred')}` : '',
      ` · ${t('qcIssuedAt', { time: clock(w.issuedAt) })}`,
    ])) : [h('li', { class: 'qc-empty' }, [t('qcLineEmpty')])]));
  }

  async function next() {
    if (!desk) return;
    const number = desk.number;
    await act(async () => {
      const ticket = await api('/api/v1/officer/queue/next', { method: 'POST', body: { counter: number } });
      await load();
      return ticket ? t('qcCalledTo', { number: ticket.number, counter: number }) : t('qcNobody');
    }, 'qc-next');
  }

  /** @param {OfficerTicket} ticket @param {'recall' | 'serve' | 'done' | 'no-show'} action */
  async function ticketAction(ticket, action) {
    await act(async () => {
      await api(`/api/v1/officer/queue/tickets/${ticket.id}/${action}`, { method: 'POST' });
      await load();
      return t(`qcDid_${action.replace('-', '_')}`, { number: ticket.number });
    }, action === 'recall' ? 'qc-recall' : 'qc-next');
  }

  /** @param {OfficerTicket} ticket @param {HTMLElement} $slot */
  function openTransfer(ticket, $slot) {
    if (closeTransfer) return;
    const me = session.me() || {};
    const form = transferForm({
      ticket,
      here: desk?.number || '',
      region: me.region?.code || '',
      agency: me.agency?.code || ticket.agency.code,
      onDone: async (message) => { closeTransfer = null; await load().catch(() => undefined); draw(); say(message); $message.focus(); },
      onCancel: () => { closeTransfer = null; $slot.replaceChildren(); /** @type {HTMLElement | null} */ (document.getElementById('qc-transfer'))?.focus(); },
    });
    closeTransfer = form.cancel;
    $slot.replaceChildren(form.$el);
    form.focus();
  }

  async function closeCounter() {
    if (!desk) return;
    const number = desk.number;
    await act(async () => {
      await api(`/api/v1/officer/queue/counters/${encodeURIComponent(number)}/close`, { method: 'POST' });
      await load();
      return t('qcClosedDone', { counter: number });
    });
  }

  /**
   * Run an action (one at a time), redraw, say what happened, and put the focus back on a sensible button.
   * @param {() => Promise<string>} work
   * @param {string} [focusId]
   */
  async function act(work, focusId) {
    if (busy) return;
    busy = true;
    try {
      const text = await work();
      draw();
      say(text);
    } catch (error) {
      await load().catch(() => undefined);
      draw();
      say(error instanceof ApiError && error.code === 'counter_in_use' ? t('accountErr_counter_in_use') : errorText(error), true);
    } finally {
      busy = false;
      const $focus = /** @type {HTMLElement | null} */ (focusId ? document.getElementById(focusId) : null);
      if ($focus && !(/** @type {HTMLButtonElement} */ ($focus).disabled)) $focus.focus(); else $message.focus();
    }
  }

  /** The shortcuts: a letter alone, outside fields and dialogs, for a button that is there and enabled. @param {KeyboardEvent} event */
  function onKey(event) {
    if (event.ctrlKey || event.altKey || event.metaKey || event.repeat || busy) return;
    const target = /** @type {HTMLElement} */ (event.target);
    if (target.closest('input, select, textarea, [contenteditable], dialog, summary')) return;
    const $button = /** @type {HTMLButtonElement | null} */ ($body.querySelector(`button[data-key="${CSS.escape(event.key.toLowerCase())}"]`));
    if (!$button || $button.disabled) return;
    event.preventDefault();
    $button.click();
  }

  function statsLink() {
    return session.hasRole('supervisor')
      ? h('p', {}, [h('a', { href: '#/officer/queue-stats', id: 'qc-stats-link' }, [t('qcStatsLink')])]) : '';
  }
}
