// The ticket at the kiosk, once issued (a walk-in or a booking's check-in): the big number, the people ahead
// and the waiting window, a QR code to follow it on a phone, and printing on the kiosk's thermal printer through the
// browser's print dialog.
//
// Contract: showTicket($host, ticket, mpp) draws the ticket in $host (the kiosk view's step) and puts a print copy,
// `.kq-sheet`, directly in <body> — hidden on screen, the only thing printed (kiosk.css `@media print`): a thermal
// ticket is black on white, narrow and short, nothing like the screen. It returns the cleanup the view calls when the
// screen changes (removes the print copy and its page size). "Selesai" wipes the tablet (components/kiosk-shell.js).
//
// Paper: 58 mm or 80 mm rolls. The page is exactly the paper's width and the ticket's own height (`@page size`, set
// just before printing from the copy's measured height), so the printer neither scales the ticket down nor feeds a
// metre of blank paper; the ticket itself is as wide as the print head reaches (48 mm of a 58 mm roll, 72 mm of an
// 80 mm one: kiosk.css), centred. The choice of roll stays for this kiosk session (the idle wipe resets it to 80 mm, the
// commoner roll).
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { wipe } from '../../components/kiosk-shell.js';
import { aheadText, clock, dayText, dateOf, estimateText, qrImage, slotText, zone } from '../../components/queue-common.js';

/** @typedef {'58' | '80'} Paper */
const PAPER_KEY = 'mpp-kiosk-paper';

/** @returns {Paper} */
function paper() {
  try { return sessionStorage.getItem(PAPER_KEY) === '58' ? '58' : '80'; } catch { return '80'; }
}

/**
 * @param {HTMLElement} $host
 * @param {any} ticket the API's KioskTicket
 * @param {{ name: string } | null} mpp the building (for the printed header)
 * @returns {() => void} cleanup
 */
export function showTicket($host, ticket, mpp) {
  const $title = h('h2', { class: 'kq-title', id: 'kq-ticket-title', tabindex: '-1' }, [t('kqTicketTitle')]);
  const $print = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'kiosk-primary', id: 'kq-print' }, [t('kqPrint')]));
  const $papers = h('fieldset', { class: 'kq-paper' }, [
    h('legend', {}, [t('kqPaper')]),
    ...(/** @type {Paper[]} */ (['58', '80'])).map((size) => {
      const $radio = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: 'kq-paper', value: size, id: `kq-paper-${size}`, checked: paper() === size }));
      $radio.addEventListener('change', () => { try { sessionStorage.setItem(PAPER_KEY, size); } catch { /* storage disabled */ } });
      return h('label', { for: `kq-paper-${size}`, class: 'kq-paper-choice' }, [$radio, ` ${size} mm`]);
    }),
  ]);
  const $done = h('button', { type: 'button', class: 'secondary kiosk-secondary', id: 'kq-done' }, [t('kqDone')]);
  $done.addEventListener('click', () => { wipe(); });

  $host.replaceChildren(h('section', { class: 'kq-ticket', id: 'kq-ticket', 'aria-labelledby': 'kq-ticket-title' }, [
    $title,
    h('p', { class: 'kq-number', id: 'kq-number' }, [ticket.number]),
    h('p', { class: 'kq-service' }, [[ticket.service?.name, ticket.agency.name].filter(Boolean).join(' · ')]),
    bookingNote(ticket),
    h('dl', { class: 'kiosk-facts kq-facts' }, [
      h('dt', {}, [t('queueAheadLabel')]), h('dd', { id: 'kq-ahead' }, [aheadText(ticket.waitingAhead)]),
      h('dt', {}, [t('queueEstimateLabel')]), h('dd', { id: 'kq-estimate' }, [estimateText(ticket.estimate)]),
    ]),
    h('div', { class: 'kq-follow' }, [
      qrImage(ticket.qrSvg, t('kqFollowQrAlt'), { id: 'kq-follow-qr', class: 'kiosk-qr' }),
      h('p', {}, [t('kqFollowText')]),
    ]),
    h('div', { class: 'kq-actions' }, [$print, $papers]),
    h('p', { class: 'hint' }, [t('kqWatchBoard')]),
    $done,
  ]));
  $title.focus();

  const $sheet = printCopy(ticket, mpp);
  document.body.append($sheet);
  /** @type {CSSStyleSheet | null} */
  let pageSheet = null;
  $print.addEventListener('click', () => {
    pageSheet = sizePage($sheet, paper(), pageSheet);
    window.print();
  });
  return () => {
    $sheet.remove();
    if (pageSheet) document.adoptedStyleSheets = document.adoptedStyleSheets.filter((s) => s !== pageSheet);
  };
}

/** "Booking 08.30–09.00 WIB: on time, ahead of walk-ins" / "late: served as a walk-in". @param {any} ticket */
function bookingNote(ticket) {
  const booking = ticket.booking;
  if (!booking) return h('p', { class: 'kq-kind' }, [t('kqWalkIn')]);
  return h('p', { class: `kq-kind ${booking.onTime ? 'kq-on-time' : 'kq-late'}`, id: 'kq-booking' }, [
    t(booking.onTime ? 'kqBookedOnTime' : 'kqBookedLate', { time: slotText(booking.start, booking.end) }),
  ]);
}

/**
 * The thermal copy: only what a paper ticket needs, in print-friendly type.
 * @param {any} ticket
 * @param {{ name: string } | null} mpp
 */
function printCopy(ticket, mpp) {
  const issued = `${dayText(dateOf(ticket.issuedAt), true)} · ${clock(ticket.issuedAt)} ${zone(ticket.issuedAt)}`;
  return h('div', { class: 'kq-sheet', id: 'kq-sheet', 'aria-hidden': 'true' }, [
    mpp ? h('p', { class: 'kq-sheet-mpp' }, [mpp.name]) : '',
    h('p', { class: 'kq-sheet-label' }, [t('kqSheetLabel')]),
    h('p', { class: 'kq-sheet-number' }, [ticket.number]),
    h('p', { class: 'kq-sheet-service' }, [ticket.service?.name || '']),
    h('p', { class: 'kq-sheet-agency' }, [ticket.agency.name]),
    ticket.booking ? h('p', {}, [t(ticket.booking.onTime ? 'kqBookedOnTime' : 'kqBookedLate', { time: slotText(ticket.booking.start, ticket.booking.end) })]) : '',
    h('p', {}, [aheadText(ticket.waitingAhead)]),
    h('p', {}, [`${t('queueEstimateLabel')}: ${estimateText(ticket.estimate)}`]),
    qrImage(ticket.qrSvg, '', { class: 'kq-sheet-qr' }),
    h('p', { class: 'kq-sheet-small' }, [t('kqSheetFollow')]),
    h('p', { class: 'kq-sheet-small' }, [issued]),
  ]);
}

/**
 * The printed page: the roll's width and the ticket's height. Measured from the copy laid out at the roll's
 * printable width, then given as `@page { size }` in a constructed style sheet (allowed by the CSP, unlike a
 * <style> element). The kiosk.css rules keep a fixed-height page where constructed sheets are unknown.
 * @param {HTMLElement} $sheet
 * @param {Paper} size
 * @param {CSSStyleSheet | null} previous
 */
export function sizePage($sheet, size, previous) {
  $sheet.dataset.paper = size;
  $sheet.classList.add('kq-measure');
  const heightMm = Math.ceil(($sheet.getBoundingClientRect().height * 25.4) / 96) + 8;
  $sheet.classList.remove('kq-measure');
  if (typeof CSSStyleSheet === 'undefined' || !('adoptedStyleSheets' in document)) return previous;
  const sheet = previous || new CSSStyleSheet();
  sheet.replaceSync(`@page { size: ${size}mm ${heightMm}mm; margin: 0; }`);
  if (!previous) document.adoptedStyleSheets = [...document.adoptedStyleSheets, sheet];
  return sheet;
}
