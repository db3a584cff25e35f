// Helpers shared by the officer screens: their stylesheet, translated statuses, deadline flags and error texts.
import { ApiError, OfflineError } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';

/**
 * Officer styles are loaded by the officer views themselves (once), so citizens never download them.
 */
export function loadStyles() {
  if (document.querySelector('link[data-officer-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/officer.css', 'data-officer-css': true }));
}

/** @param {string} status */
export const statusText = (status) => t(`officerSt_${status}`);

/** @param {string} status */
export function statusBadge(status) {
  return h('span', { class: `badge off-st off-st-${status}` }, [statusText(status)]);
}

/**
 * The due date with its flags. The flag is a word next to an icon, never colour alone (WCAG 1.4.1).
 * @param {any} deadline {dueDate, paused, overdue, dueSoon, workingDaysLeft}
 */
export function dueText(deadline) {
  // Glyphs from the common system fonts (DejaVu, Noto, Roboto): a missing glyph would show as an empty box.
  const flag = deadline?.overdue ? ['off-overdue', '⚠', t('officerOverdue')]
    : deadline?.dueSoon ? ['off-soon', '◷', t('officerDueSoon')]
      : deadline?.paused ? ['off-paused', '‖', t('officerPaused')] : null;
  return h('span', { class: 'off-due' }, [
    deadline?.dueDate ? formatDate(deadline.dueDate) : t('officerNoDue'),
    flag ? h('span', { class: `off-flag ${flag[0]}` }, [h('span', { 'aria-hidden': 'true' }, [flag[1]]), ` ${flag[2]}`]) : null,
  ]);
}

/**
 * A sentence for an error, for people: offline, someone else's change first, or the problem's code in words
 * (lib/problem.js; never the server's English detail).
 * @param {unknown} error
 */
export function errorText(error) {
  if (error instanceof OfflineError) return t('officerOffline');
  if (isConflict(error)) return t('officerConflict');
  return problemText(error);
}

/**
 * Someone else changed the application first: a stale version (412) or a transition no longer allowed (409).
 * @param {unknown} error
 */
export const isConflict = (error) => error instanceof ApiError && (error.status === 409 || error.status === 412);

/** The ETag the API wants back in If-Match for an application at this version. */
export const ifMatch = (/** @type {number} */ version) => ({ 'If-Match': `"${version}"` });
