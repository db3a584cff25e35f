// Small DOM helpers shared by every view. No innerHTML anywhere: texts from the API are data, never markup.

/**
 * Build an element. Attributes starting with "on" take a listener; `hidden`/`disabled` etc. take booleans.
 * @param {string} tag
 * @param {Record<string, any>} [attrs]
 * @param {(Node | string | null | undefined | false)[]} [children]
 * @returns {HTMLElement}
 */
export function h(tag, attrs = {}, children = []) {
  const $el = document.createElement(tag);
  for (const [key, value] of Object.entries(attrs)) {
    if (value === undefined || value === null || value === false) continue;
    if (key.startsWith('on') && typeof value === 'function') $el.addEventListener(key.slice(2), value);
    else if (value === true) $el.setAttribute(key, '');
    else $el.setAttribute(key, String(value));
  }
  for (const child of children) if (child !== null && child !== undefined && child !== false) $el.append(child);
  return $el;
}

/**
 * Say something to screen-reader users without moving focus (the shell's polite live region).
 * @param {string} text
 */
export function announce(text) {
  const $live = document.getElementById('live');
  if (!$live) return;
  // Clearing first makes screen readers repeat an identical message.
  $live.textContent = '';
  window.setTimeout(() => { $live.textContent = text; }, 50);
}

/**
 * A short message at the bottom of the screen, with an optional action button.
 * It stays until dismissed when it has an action, since a timed action fails WCAG 2.2.1 for slow readers.
 * @param {string} text
 * @param {{ action?: string, onAction?: () => void, timeout?: number }} [options]
 */
export function toast(text, options = {}) {
  const $region = document.getElementById('toasts');
  if (!$region) return () => {};
  const close = () => $item.remove();
  const $item = h('div', { class: 'toast', role: 'status' }, [
    h('span', {}, [text]),
    options.action ? h('button', { type: 'button', onclick: () => { close(); options.onAction?.(); } }, [options.action]) : null,
  ]);
  $region.append($item);
  if (!options.action) window.setTimeout(close, options.timeout ?? 5000);
  return close;
}

/**
 * Format a date (ISO string or Date) in the language the person chose ("1 November 2026", never "2026-11-01").
 * A date-only string ("2026-11-01", a due date or a validity) is a calendar day: it is read as local midnight,
 * since `new Date('2026-11-01')` is UTC midnight and shows as 31 October west of Greenwich.
 * @param {string | Date | null | undefined} value
 * @param {boolean} [withTime]
 */
export function formatDate(value, withTime = false) {
  if (!value) return '';
  const date = typeof value !== 'string' ? value
    : /^\d{4}-\d{2}-\d{2}$/.test(value) ? new Date(`${value}T00:00:00`) : new Date(value);
  if (Number.isNaN(date.getTime())) return String(value);
  const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
  return new Intl.DateTimeFormat(lang, withTime
    ? { day: 'numeric', month: 'short', year: 'numeric', hour: '2-digit', minute: '2-digit' }
    : { day: 'numeric', month: 'long', year: 'numeric' }).format(date);
}

/**
 * A month ("2026-12") in the page's language: "Desember 2026". Feedback shows months, not days, where a day could
 * point at the one person who answered.
 * @param {string} value
 */
export function formatMonth(value) {
  const match = /^(\d{4})-(\d{2})$/.exec(value || '');
  if (!match) return String(value || '');
  const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
  return new Intl.DateTimeFormat(lang, { month: 'long', year: 'numeric' }).format(new Date(Number(match[1]), Number(match[2]) - 1, 1));
}

const rupiah = new Intl.NumberFormat('id-ID', { style: 'currency', currency: 'IDR', maximumFractionDigits: 0 });
/** @param {number} amount */
export const formatRupiah = (amount) => rupiah.format(amount);

/** A random Idempotency-Key / client id that survives a reload when stored. */
export function newId() {
  return crypto.randomUUID();
}
