// Checking in a booking at the kiosk (`#/kiosk/queue/checkin`): the citizen holds the booking's QR code (on their
// phone, or printed) to the tablet's camera, or types the code shown under it; the kiosk then issues the ticket —
// ahead of walk-ins when within the booked time, as a walk-in when late — and shows and prints it (queue-ticket.js).
//
// Reading the QR: the camera (`getUserMedia`) with the browser's own `BarcodeDetector` where it has one (Chrome on
// Android and ChromeOS tablets, Safari); nothing is sent anywhere but the code itself. Where there is no detector or
// no camera, the code field is the way — and it has the focus, so a handheld USB/Bluetooth scanner (which "types"
// what it reads, then Enter) works on any tablet.
//
// A second check-in of the same booking (a double scan, a retry after a lost answer) gets the same ticket back (the
// API answers 200 with it); the Idempotency-Key of the attempt is kept for retries as well.
import { ApiError, OfflineError, api } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h, newId } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { device, kioskBar, startIdle, useStyles } from '../../components/kiosk-shell.js';
import { groupCode } from '../../components/queue-common.js';
import { startQrScan } from '../../components/kiosk-qr.js';
import { showTicket } from './queue-ticket.js';

/** @param {HTMLElement} $main */
export default async function render($main) {
  useStyles();
  startIdle();
  const $step = h('div', { id: 'kq-step' });
  $main.append(h('div', { class: 'kiosk' }, [
    kioskBar('queue'),
    h('h1', {}, [t('kqCheckInTitle')]),
    $step,
  ]));
  const info = await device().catch(() => null);
  let busy = false;
  /** @type {() => void} */
  let ticketCleanup = () => {};
  /** The key of the code being checked in: the same one for a retry of the same code. */
  let attempt = { code: '', key: '' };

  const $code = /** @type {HTMLInputElement} */ (h('input', {
    id: 'kq-code', name: 'code', type: 'text', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false',
    maxlength: '40', class: 'kq-code-input', 'aria-describedby': 'kq-code-hint kq-code-error',
  }));
  const $error = h('p', { class: 'error', id: 'kq-code-error', role: 'alert' });
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', class: 'kiosk-primary', id: 'kq-check-in' }, [t('kqCheckInButton')]));
  const $camera = h('div', { class: 'kq-camera', id: 'kq-camera', hidden: true });
  const $form = h('form', { class: 'card kiosk-form', id: 'kq-code-form', novalidate: true }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'kq-code' }, [t('kqCodeLabel')]),
      h('p', { class: 'hint', id: 'kq-code-hint' }, [t('kqCodeHint')]),
      $code,
    ]),
    $error,
    $send,
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const code = $code.value.replace(/[\s-]/g, '').toUpperCase();
    if (!/^[A-Z0-9]{6,40}$/.test(code)) {
      $error.textContent = t('kqCodeFormat');
      $code.setAttribute('aria-invalid', 'true');
      $code.focus();
      return;
    }
    checkIn(code);
  });
  $step.replaceChildren(
    h('p', { class: 'kiosk-lead' }, [t('kqCheckInIntro')]),
    $camera,
    $form,
    h('p', {}, [h('a', { class: 'kiosk-back', href: '#/kiosk/queue' }, [t('kqNoBooking')])]),
  );
  $code.focus();
  // The camera, where the tablet has one and a QR detector (components/kiosk-qr.js); the field stays either way.
  const stopCamera = startQrScan($camera, (value) => {
    announce(t('kqScanned'));
    checkIn(value.replace(/[\s-]/g, '').toUpperCase());
  }, { text: t('kqCameraText'), isBusy: () => busy });

  return () => { stopCamera(); ticketCleanup(); };

  /** @param {string} code */
  async function checkIn(code) {
    if (busy) return;
    busy = true;
    $send.disabled = true;
    $error.textContent = '';
    $code.removeAttribute('aria-invalid');
    if (attempt.code !== code) attempt = { code, key: newId() };
    try {
      const ticket = await api('/api/v1/kiosk/queue/tickets', {
        method: 'POST', body: { checkInCode: code }, headers: { 'Idempotency-Key': attempt.key },
      });
      stopCamera();
      ticketCleanup = showTicket($step, ticket, info?.mpp || null);
    } catch (error) {
      $error.replaceChildren(...refusal(error, code));
      $code.value = groupCode(code);
      $code.setAttribute('aria-invalid', 'true');
      $code.focus();
      // The same code stays in front of the camera: wait a moment before reading it again.
      window.setTimeout(() => { busy = false; }, 3000);
      $send.disabled = false;
    }
  }
}

/**
 * Why the check-in was refused, in words, with the way on (a walk-in ticket when the booking cannot be used).
 * @param {unknown} error
 * @param {string} code
 * @returns {(Node | string)[]}
 */
function refusal(error, code) {
  if (error instanceof OfflineError) return [t('kqOfflineRetry')];
  if (!(error instanceof ApiError)) return [problemText(error)];
  const walkIn = h('a', { href: '#/kiosk/queue', class: 'kq-inline-link' }, [t('kqTakeWalkIn')]);
  switch (error.code) {
    case 'not_found': return [t('kqCodeUnknown', { code: groupCode(code) })];
    case 'too_early': {
      // `opensAt` is the building's local time with its offset ("2027-01-12T07:30:00+07:00"): its clock part is
      // what the kiosk's wall clock shows, whatever zone the tablet's browser thinks it is in.
      const time = /T(\d{2}):(\d{2})/.exec(String(error.problem?.opensAt || ''));
      const sep = document.documentElement.lang === 'en' ? ':' : '.';
      return [time ? t('kqTooEarlyAt', { time: `${time[1]}${sep}${time[2]}` }) : t('accountErr_too_early')];
    }
    case 'booking_not_active': return [t('accountErr_booking_not_active'), ' ', walkIn];
    case 'booking_not_today': return [t('accountErr_booking_not_today')];
    default: return [problemText(error)];
  }
}
