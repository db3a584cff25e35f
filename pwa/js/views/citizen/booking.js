// Book a time at the MPP's counter for a service (`#/queue/book/<serviceId>`), or move a booking to another time
// (`?move=<bookingId>`): pick a day among the next open days (days off and closures are not offered), then a time
// with seats left ("Tersisa 3"), then book. Times are the building's (WIB/WITA/WIT), whatever the phone's zone.
//
// Booking sends an Idempotency-Key made once per chosen time and kept on this tab (sessionStorage) until the
// answer arrives: a retry after a lost answer — the button again, or a reload — gets the same booking back instead
// of a second one (the API answers 200 with it). A refusal is said in words with the way forward: another time
// (full), my bookings (already booked that day), the suspension's end and its rule, identity verification, the NIK.
import { ApiError, OfflineError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, newId } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';
import { addDays, dateOf, dayText, regionToday, slotText, whenText } from '../../components/queue-common.js';

/** Days a booking can be made ahead, as api/queue/rules.py (today … today + 14). */
const AHEAD_DAYS = 14;
const LEVELS = ['phone', 'registry', 'in_person'];
const KEY = (/** @type {string} */ serviceId) => `mpp-queue-key:${serviceId}`;

/**
 * @typedef {{ start: string, end: string, available: number }} Slot
 * @typedef {{ date: string, items: Slot[], closed: string | null }} Day
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const serviceId = ctx.params.serviceId;
  const moveId = ctx.query.get('move');
  /** @type {any} */
  let service;
  /** @type {any} */
  let moving = null;
  try {
    service = await get(`/api/v1/services/${encodeURIComponent(serviceId)}`);
    if (moveId) moving = await get(`/api/v1/queue/bookings/${encodeURIComponent(moveId)}`);
  } catch (error) {
    $main.append(h('h1', {}, [t('titleQueueBook')]), h('p', { class: 'status' }, [error instanceof ApiError && error.status === 404 ? t('notFound') : t('offline')]));
    return;
  }
  const region = service.region.code;
  $main.append(
    h('p', {}, [h('a', { class: 'back', href: moving ? `#/queue/${moving.id}` : `#/services/${service.id}` }, [t('back')])]),
    h('h1', {}, [moving ? t('queueMoveTitle') : t('queueBookTitle')]),
    h('p', { class: 'q-service-name' }, [h('strong', {}, [service.name])]),
    h('p', { class: 'meta' }, [`${service.agency.name} · ${service.where?.mpp || service.region.name}`]),
  );
  // Said before the person picks a time, rather than refused after (the server checks the same).
  await session.reloadMe().catch(() => undefined);
  const me = session.me();
  if (!moving && !me?.nik) { $main.append(nikNeeded(serviceId)); return; }
  if (!moving && LEVELS.indexOf(me?.assurance || 'phone') < LEVELS.indexOf(service.assurance || 'phone')) {
    $main.append(assuranceNeeded(service, serviceId));
    return;
  }
  if (moving && moving.status !== 'booked') {
    $main.append(h('p', { class: 'card' }, [t('accountErr_booking_not_changeable')]));
    return;
  }

  const $days = h('div', { class: 'q-choices q-days', id: 'q-days' });
  const $slots = h('div', { class: 'q-choices q-slots', id: 'q-slots' });
  const $dayStatus = h('p', { class: 'status', role: 'status', id: 'q-days-status' }, [t('queueLoadingDays')]);
  const $slotStatus = h('p', { class: 'status', role: 'status', id: 'q-slots-status' });
  const $problem = h('div', { class: 'error-summary q-problem', role: 'alert', tabindex: '-1', id: 'q-problem', hidden: true });
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'q-book', disabled: true }, [moving ? t('queueMoveButton') : t('queueBookButton')]));
  const $chosen = h('p', { class: 'q-chosen', id: 'q-chosen', 'aria-live': 'polite' });
  const $slotLegend = h('legend', {}, [t('queuePickTime')]);
  const $form = h('form', { class: 'q-book', id: 'q-book-form', novalidate: true }, [
    moving ? h('p', { class: 'card', id: 'q-moving' }, [t('queueMovingFrom', { when: whenText(moving) })]) : h('p', { class: 'hint' }, [t('queueBookIntro')]),
    h('fieldset', { class: 'q-fieldset' }, [h('legend', {}, [t('queuePickDay')]), $dayStatus, $days]),
    h('fieldset', { class: 'q-fieldset', id: 'q-slot-fieldset', hidden: true }, [$slotLegend, $slotStatus, $slots]),
    $problem,
    $chosen,
    h('div', { class: 'actions' }, [$send]),
  ]);
  $main.append($form);

  /** @type {Map<string, Day>} */
  const days = new Map();
  let chosenDay = moving ? dateOf(moving.start) : '';
  let chosenStart = '';
  let busy = false;

  /** @param {string} date @returns {Promise<Day | null>} */
  const loadDay = async (date) => {
    try {
      const body = await get(`/api/v1/regions/${region}/queue/slots`, { service: serviceId, date });
      /** @type {Day} */
      const day = { date, items: body.items, closed: body.closed ?? null };
      days.set(date, day);
      return day;
    } catch (error) {
      if (error instanceof ApiError && error.status === 404) throw error;
      return null;
    }
  };

  // The next open days: each day's slots at once (public, small answers), offered when the building is open.
  const today = regionToday(region);
  let loaded;
  try {
    loaded = await Promise.all(Array.from({ length: AHEAD_DAYS + 1 }, (_, i) => loadDay(addDays(today, i))));
  } catch {
    $dayStatus.textContent = t('notFound');
    return;
  }
  if (loaded.every((d) => d === null)) { $dayStatus.textContent = t('offline'); return; }
  if (loaded.every((d) => d === null || d.closed === 'not_queued')) {
    $dayStatus.replaceChildren(t('queueNotQueued'));
    return;
  }
  const open = /** @type {Day[]} */ (loaded.filter((d) => d && !d.closed && upcoming(d.items).length));
  if (!open.length) { $dayStatus.textContent = t('queueNoDays'); return; }
  $dayStatus.textContent = '';
  if (!open.some((d) => d.date === chosenDay)) chosenDay = '';
  drawDays(open);
  if (chosenDay) drawSlots();

  /** Slots not yet started. @param {Slot[]} items */
  function upcoming(items) {
    const now = Date.now();
    return items.filter((s) => Date.parse(s.start) > now);
  }

  /** @param {Day[]} list */
  function drawDays(list) {
    $days.replaceChildren(...list.map((d) => {
      const free = upcoming(d.items).reduce((n, s) => n + s.available, 0);
      const $input = /** @type {HTMLInputElement} */ (h('input', {
        type: 'radio', name: 'day', value: d.date, id: `q-day-${d.date}`, checked: d.date === chosenDay, disabled: free === 0,
      }));
      $input.addEventListener('change', () => { chosenDay = d.date; chosenStart = ''; drawSlots(); });
      return h('label', { class: 'q-choice', for: `q-day-${d.date}` }, [
        $input,
        h('span', { class: 'q-choice-main' }, [dayText(d.date, true)]),
        h('span', { class: 'q-choice-sub' }, [free === 0 ? t('queueFull') : t('queueSeatsLeft', { n: free })]),
      ]);
    }));
  }

  function drawSlots() {
    const day = days.get(chosenDay);
    const $fieldset = /** @type {HTMLElement} */ (document.getElementById('q-slot-fieldset'));
    $fieldset.hidden = !day;
    if (!day) return;
    $slotLegend.textContent = t('queuePickTimeOn', { day: dayText(day.date) });
    const items = upcoming(day.items);
    $slotStatus.textContent = items.some((s) => s.available > 0) ? '' : t('queueDayFull');
    $slots.replaceChildren(...items.map((s) => {
      const current = moving && moving.start === s.start;
      const $input = /** @type {HTMLInputElement} */ (h('input', {
        type: 'radio', name: 'slot', value: s.start, id: `q-slot-${s.start.slice(11, 16).replace(':', '')}`,
        checked: s.start === chosenStart, disabled: s.available <= 0 || current,
      }));
      $input.addEventListener('change', () => { chosenStart = s.start; showChosen(); });
      return h('label', { class: 'q-choice', for: $input.id }, [
        $input,
        h('span', { class: 'q-choice-main' }, [slotText(s.start, s.end)]),
        h('span', { class: 'q-choice-sub' }, [current ? t('queueCurrentSlot') : s.available > 0 ? t('queueSeatsLeft', { n: s.available }) : t('queueFull')]),
      ]);
    }));
    showChosen();
  }

  function showChosen() {
    const slot = days.get(chosenDay)?.items.find((s) => s.start === chosenStart);
    $chosen.textContent = slot ? t('queueChosen', { when: whenText(slot) }) : '';
    $send.disabled = !slot || busy;
  }

  /** Refresh the chosen day's seats (after "full" or a time no longer offered). */
  async function refreshDay() {
    const day = await loadDay(chosenDay).catch(() => null);
    if (!day) return;
    if (!day.items.some((s) => s.start === chosenStart && s.available > 0)) chosenStart = '';
    drawSlots();
  }

  /**
   * The Idempotency-Key of this choice: the same one again for the same time (a retry), a new one for another.
   * @param {string} start
   */
  function keyFor(start) {
    const sig = `${moving?.id || ''}|${start}`;
    try {
      const kept = JSON.parse(sessionStorage.getItem(KEY(serviceId)) || 'null');
      if (kept?.sig === sig) return /** @type {string} */ (kept.key);
      const key = newId();
      sessionStorage.setItem(KEY(serviceId), JSON.stringify({ sig, key }));
      return key;
    } catch {
      return newId();
    }
  }

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    if (!chosenStart || busy) return;
    busy = true;
    $send.disabled = true;
    $problem.hidden = true;
    $send.textContent = t('queueBooking');
    try {
      const booking = moving
        ? await api(`/api/v1/queue/bookings/${moving.id}`, { method: 'PATCH', body: { start: chosenStart } })
        : await api('/api/v1/queue/bookings', {
          method: 'POST',
          body: { serviceId, start: chosenStart },
          headers: { 'Idempotency-Key': keyFor(chosenStart) },
        });
      try { sessionStorage.removeItem(KEY(serviceId)); } catch { /* storage disabled */ }
      announce(moving ? t('queueMoved') : t('queueBooked'));
      location.hash = `#/queue/${booking.id}?${moving ? 'moved' : 'new'}=1`;
    } catch (error) {
      busy = false;
      $send.textContent = moving ? t('queueMoveButton') : t('queueBookButton');
      await refused(error);
      showChosen();
    }
  });

  /** A refusal in words, with the way forward. @param {unknown} error */
  async function refused(error) {
    const code = error instanceof ApiError ? error.code : '';
    /** @type {(Node | string)[]} */
    let body = [problemText(error)];
    if (error instanceof OfflineError) body = [t('queueBookOffline')];
    else if (code === 'slot_full' || code === 'invalid_booking') {
      body = [code === 'slot_full' ? t('accountErr_slot_full') : t('queueSlotGone')];
      await refreshDay();
    } else if (code === 'already_booked') {
      body = [t('accountErr_already_booked'), ' ', h('a', { href: '#/queue' }, [t('queueSeeMine')])];
    } else if (code === 'booking_suspended') {
      body = [await suspendedText(/** @type {ApiError} */ (error))];
    } else if (code === 'assurance_required') {
      body = [assuranceNeeded(service, serviceId)];
    } else if (code === 'profile_incomplete') {
      body = [nikNeeded(serviceId)];
    }
    $problem.replaceChildren(...body);
    $problem.hidden = false;
    $problem.focus();
  }
}

/**
 * "Suspended until 4 January 2027", with the rule and what is still possible. The date comes with the problem, or
 * from my bookings' list (which states the suspension) when the problem has none.
 * @param {ApiError} error
 */
export async function suspendedText(error) {
  const rule = error.problem?.rule;
  let until = error.problem?.until;
  if (until && rule && typeof rule === 'object') {
    // The problem carries the date and the rule's figures: "… sampai 12 Januari 2027 karena 3 kali tidak hadir …".
    const figures = { date: formatDate(until), noShows: rule.noShows, windowDays: rule.windowDays, suspendDays: rule.suspendDays };
    return `${t('queueSuspendedBecause', figures)} ${t('queueSuspendedKiosk', figures)}`;
  }
  if (!until) until = (await get('/api/v1/queue/bookings', { pageSize: 1 }).catch(() => null))?.suspension?.until;
  return until ? t('queueSuspendedUntil', { date: formatDate(until) }) : t('accountErr_booking_suspended');
}

/** @param {string} serviceId */
function nikNeeded(serviceId) {
  const back = encodeURIComponent(`/queue/book/${serviceId}`);
  return h('section', { class: 'card', id: 'q-nik-needed' }, [
    h('p', {}, [t('queueNikNeeded')]),
    h('p', {}, [h('a', { class: 'button', href: `#/settings?profile=edit&need=nik&back=${back}` }, [t('applyProfileButton')])]),
  ]);
}

/** @param {any} service @param {string} serviceId */
function assuranceNeeded(service, serviceId) {
  const inPerson = service.assurance === 'in_person';
  const back = encodeURIComponent(`/queue/book/${serviceId}`);
  return h('section', { class: 'card', id: 'q-assurance' }, [
    h('p', {}, [t(inPerson ? 'queueAssuranceInPerson' : 'queueAssuranceNeeded')]),
    inPerson ? null : h('p', {}, [h('a', { class: 'button', href: `#/settings/identity?back=${back}` }, [t('applyAssuranceVerify')])]),
  ]);
}
