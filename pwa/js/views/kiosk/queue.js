// Taking a queue number at the kiosk (`#/kiosk/queue`, `?service=<id>` to start from a service): "Saya sudah
// booking" leads to the check-in (queue-checkin.js); otherwise the citizen picks the service (a filter narrows a long
// list), sees how many wait, may leave a phone number for an SMS when their turn is near, and takes a walk-in ticket
// (no account needed). The ticket is then shown and printed (queue-ticket.js).
//
// A retry (a lost answer, a double tap) never makes two tickets: the request carries an Idempotency-Key made once
// per confirmation step, and the same key goes with every attempt from that step.
import { ApiError, OfflineError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { h, newId } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { device, kioskBar, startIdle, useStyles } from '../../components/kiosk-shell.js';
import { regionToday } from '../../components/queue-common.js';
import { showTicket } from './queue-ticket.js';

/**
 * @typedef {{ id: string, name: string, agency: { code: string, name: string }, letter: string | null,
 *   open: boolean, walkInLeft: number | null, waiting: number }} QueueService
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  useStyles();
  startIdle();
  const $step = h('div', { id: 'kq-step' });
  $main.append(h('div', { class: 'kiosk' }, [
    kioskBar('queue'),
    h('h1', {}, [t('kqTitle')]),
    $step,
  ]));
  /** @type {() => void} */
  let cleanup = () => {};
  /** @type {import('../../components/kiosk-shell.js').KioskDevice} */
  let info;
  /** @type {QueueService[]} */
  let services;
  try {
    info = await device();
    services = (await get(`/api/v1/regions/${info.region.code}/queue/services`, { date: regionToday(info.region.code) })).items;
  } catch {
    $step.replaceChildren(h('p', { class: 'status' }, [t('kioskOffline')]));
    return;
  }
  const chosen = services.find((s) => s.id === ctx.query.get('service'));
  if (chosen) confirm(chosen); else list();
  return () => cleanup();

  function list() {
    const $q = /** @type {HTMLInputElement} */ (h('input', { id: 'kq-filter', type: 'search', autocomplete: 'off', maxlength: '100' }));
    const $list = h('ul', { class: 'kiosk-results kq-services', id: 'kq-services' });
    const $count = h('p', { class: 'status', role: 'status', id: 'kq-count' });
    const draw = () => {
      const words = $q.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
      const shown = services.filter((s) => words.every((w) => `${s.name} ${s.agency.name} ${s.letter || ''}`.toLowerCase().includes(w)));
      $list.replaceChildren(...shown.map(item));
      $count.textContent = shown.length ? '' : t('kioskNone');
    };
    $q.addEventListener('input', draw);
    const open = services.some((s) => s.open);
    $step.replaceChildren(
      h('a', { class: 'kiosk-status-card kq-booked-card', id: 'kq-have-booking', href: '#/kiosk/queue/checkin' }, [
        h('span', { class: 'kiosk-card-title' }, [t('kqHaveBooking')]),
        h('span', {}, [t('kqHaveBookingText')]),
      ]),
      open ? '' : h('p', { class: 'kiosk-note', id: 'kq-closed' }, [t('kqClosedToday')]),
      h('h2', { class: 'kiosk-subtitle' }, [t('kqChooseService')]),
      h('div', { class: 'kiosk-search' }, [h('label', { for: 'kq-filter' }, [t('kqFilter')]), $q]),
      $count,
      $list,
    );
    draw();
  }

  /** @param {QueueService} s */
  function item(s) {
    const none = !s.open || s.walkInLeft === 0;
    return h('li', {}, [
      h('button', { type: 'button', class: 'kiosk-result kq-service', disabled: none, onclick: () => confirm(s) }, [
        h('span', { class: 'kiosk-card-title' }, [s.name]),
        h('span', { class: 'meta' }, [s.agency.name]),
        h('span', { class: 'kq-service-facts' }, [
          t('kqWaiting', { n: s.waiting }),
          s.walkInLeft !== null && s.walkInLeft !== undefined ? ` · ${s.walkInLeft === 0 ? t('kqNoneLeft') : t('kqLeft', { n: s.walkInLeft })}` : '',
        ]),
      ]),
    ]);
  }

  /** The confirmation: the service, an optional phone for the SMS heads-up, the big button. @param {QueueService} s */
  function confirm(s) {
    const key = newId();
    const $phone = /** @type {HTMLInputElement} */ (h('input', {
      id: 'kq-phone', name: 'phone', type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: '20',
      'aria-describedby': 'kq-phone-hint kq-phone-error',
    }));
    const $phoneError = h('p', { class: 'error', id: 'kq-phone-error', role: 'alert' });
    const $error = h('p', { class: 'error', id: 'kq-error', role: 'alert', tabindex: '-1' });
    const $take = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'kiosk-primary', id: 'kq-take' }, [t('kqTake')]));
    const $title = h('h2', { id: 'kq-confirm-title', tabindex: '-1' }, [s.name]);
    const $form = h('form', { class: 'card kiosk-form', id: 'kq-confirm', novalidate: true, 'aria-labelledby': 'kq-confirm-title' }, [
      $title,
      h('p', { class: 'meta' }, [s.agency.name]),
      h('p', { class: 'kq-service-facts' }, [t('kqWaiting', { n: s.waiting })]),
      h('details', { class: 'kq-sms' }, [
        h('summary', {}, [t('kqSmsOffer')]),
        h('div', { class: 'field' }, [
          h('label', { for: 'kq-phone' }, [t('kqPhoneLabel')]),
          h('p', { class: 'hint', id: 'kq-phone-hint' }, [t('kqPhoneHint')]),
          $phone,
          $phoneError,
        ]),
      ]),
      $error,
      $take,
      h('div', { class: 'kiosk-row' }, [h('button', { type: 'button', class: 'secondary kiosk-secondary', onclick: list }, [t('kqOtherService')])]),
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      $error.textContent = '';
      $phoneError.textContent = '';
      $phone.removeAttribute('aria-invalid');
      const phone = normalisePhone($phone.value);
      if (phone === null) { $phoneError.textContent = t('kqPhoneInvalid'); $phone.setAttribute('aria-invalid', 'true'); $phone.focus(); return; }
      $take.disabled = true;
      $take.textContent = t('kqTaking');
      try {
        const ticket = await api('/api/v1/kiosk/queue/tickets', {
          method: 'POST', body: { serviceId: s.id, ...(phone ? { phone } : {}) }, headers: { 'Idempotency-Key': key },
        });
        cleanup = showTicket($step, ticket, info?.mpp || null);
      } catch (error) {
        $take.disabled = false;
        $take.textContent = t('kqTake');
        const code = error instanceof ApiError ? error.code : '';
        if (code === 'invalid_ticket_request' && /** @type {ApiError} */ (error).problem?.errors?.some((/** @type {any} */ e) => e.field === 'phone')) {
          $phoneError.textContent = t('kqPhoneInvalid');
          $phone.setAttribute('aria-invalid', 'true');
          $phone.focus();
          return;
        }
        $error.textContent = error instanceof OfflineError ? t('kqOfflineRetry') : problemText(error);
        $error.focus();
      }
    });
    $step.replaceChildren($form);
    $title.focus();
  }
}

/**
 * A phone number as the API takes it (+62…), '' when none was typed, null when it is not a phone number.
 * "0812-3456-7890", "62812…" and "+62 812…" are the same number.
 * @param {string} typed
 */
export function normalisePhone(typed) {
  const plain = typed.replace(/[\s().-]/g, '');
  if (!plain) return '';
  const number = plain.startsWith('+62') ? plain : plain.startsWith('62') ? `+${plain}` : plain.startsWith('0') ? `+62${plain.slice(1)}` : null;
  return number && /^\+628\d{7,11}$/.test(number) ? number : null;
}
