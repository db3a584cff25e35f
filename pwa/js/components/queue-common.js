// What the queue's screens share (booking on the phone, my bookings, following a ticket, the kiosk's ticket, the
// officer's counter): times as the building's clocks show them, days in words, the waiting estimate and the people
// ahead in words, the check-in code grouped for typing, and a QR code drawn by the API.
//
// Contract: functions only, no state, no DOM kept. Times arrive from the API as ISO 8601 with the region's UTC offset
// (`2026-12-07T08:30:00+07:00`): the clock is read from the text itself, so a phone set to another time zone (a
// citizen travelling, a kiosk with a wrong clock) still shows the building's time, with its zone (WIB/WITA/WIT).
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

// Province codes by time zone (BPS), as api/queue/rules.py: WITA (+8) and WIT (+9); the rest of Indonesia is WIB (+7).
const WITA = new Set(['51', '52', '53', '63', '64', '65', '71', '72', '73', '74', '75', '76']);
const WIT = new Set(['81', '82', '91', '92', '93', '94', '95', '96']);

/** The region's UTC offset in hours. @param {string} region a BPS code ("3302") */
export const regionOffset = (region) => (WIT.has(region.slice(0, 2)) ? 9 : WITA.has(region.slice(0, 2)) ? 8 : 7);

/**
 * The building's date today (`YYYY-MM-DD`), whatever the device's own time zone.
 * @param {string} region
 * @param {number} [now] epoch milliseconds (tests)
 */
export function regionToday(region, now = Date.now()) {
  return new Date(now + regionOffset(region) * 3_600_000).toISOString().slice(0, 10);
}

/** A date `days` after a `YYYY-MM-DD` date. @param {string} date @param {number} days */
export function addDays(date, days) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/**
 * The clock time of an API time as the building shows it: "08.30" in Indonesian (KBBI writes times with a dot),
 * "08:30" in English.
 * @param {string | null | undefined} iso
 */
export function clock(iso) {
  const found = /T(\d{2}):(\d{2})/.exec(iso || '');
  if (!found) return '';
  return `${found[1]}${document.documentElement.lang === 'en' ? ':' : '.'}${found[2]}`;
}

/** "WIB", "WITA" or "WIT" from an API time's offset ('' when it has none we know). @param {string | null | undefined} iso */
export function zone(iso) {
  const offset = /([+-]\d{2}):?(\d{2})$/.exec(iso || '')?.[1];
  return offset === '+07' ? 'WIB' : offset === '+08' ? 'WITA' : offset === '+09' ? 'WIT' : '';
}

/** "08.30–09.00 WIB". @param {string} start @param {string} end */
export const slotText = (start, end) => `${clock(start)}–${clock(end)} ${zone(start)}`.trim();

/** The building's date of an API time (`YYYY-MM-DD`, from the text). @param {string} iso */
export const dateOf = (iso) => iso.slice(0, 10);

/**
 * A day in words, with its weekday: "Senin, 7 Desember 2026" (`short`: "Sen, 7 Des").
 * @param {string} date `YYYY-MM-DD` (a calendar day: read as local midnight, never shifted by a time zone)
 * @param {boolean} [short]
 */
export function dayText(date, short = false) {
  const [y, m, d] = date.split('-').map(Number);
  const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
  return new Intl.DateTimeFormat(lang, short
    ? { weekday: 'short', day: 'numeric', month: 'short' }
    : { weekday: 'long', day: 'numeric', month: 'long', year: 'numeric' }).format(new Date(y, m - 1, d));
}

/** "Senin, 7 Desember 2026, 08.30–09.00 WIB": a booking's time in full. @param {{ start: string, end: string }} b */
export const whenText = (b) => `${dayText(dateOf(b.start))}, ${slotText(b.start, b.end)}`;

/**
 * The waiting estimate in words: "sekitar 10–25 menit" (an ≈ 80 % window, as the API computes it).
 * @param {{ low: number, high: number } | null | undefined} estimate
 */
export function estimateText(estimate) {
  if (!estimate) return '';
  return t('queueEstimate', { low: estimate.low, n: estimate.high });
}

/** "3 orang di depan Anda", or "Anda berikutnya" at the front. @param {number | null | undefined} ahead */
export function aheadText(ahead) {
  if (ahead === null || ahead === undefined) return '';
  return ahead === 0 ? t('queueAheadNone') : t('queueAhead', { n: ahead });
}

/** A check-in code grouped for reading aloud and typing: "7KQ2M9XD4P" → "7KQ2M-9XD4P". @param {string} code */
export function groupCode(code) {
  const plain = String(code || '').replace(/[\s-]/g, '').toUpperCase();
  return plain.length > 6 ? `${plain.slice(0, Math.ceil(plain.length / 2))}-${plain.slice(Math.ceil(plain.length / 2))}` : plain;
}

/**
 * A QR code the API drew (an SVG document, as text), shown as an image: a data: URL, never markup in the page, so
 * nothing in it can run (the CSP allows `img-src data:`).
 * @param {string} svg
 * @param {string} alt what the code is for, for people who cannot see it
 * @param {Record<string, string>} [attrs] id, class
 */
export function qrImage(svg, alt, attrs = {}) {
  return h('img', { class: 'q-qr', ...attrs, alt, src: `data:image/svg+xml;charset=utf-8,${encodeURIComponent(svg)}` });
}

/** A ticket's status in words (waiting, called, serving, done, no_show). @param {string} status */
export const ticketStatusText = (status) => t(`queueTicketSt_${status}`);

/** A booking's status in words (booked, checked_in, cancelled, no_show). @param {string} status */
export const bookingStatusText = (status) => t(`queueBookingSt_${status}`);
