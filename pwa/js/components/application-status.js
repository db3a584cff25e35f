// An application's status and deadline in words, the same on the list and on the details.
import { t } from '../i18n.js';
import { formatDate, h } from '../lib/dom.js';
import { WITHOUT_DEADLINE, isIn } from '../statuses.js';

/** @param {string} status */
export const statusBadge = (status) => h('span', { class: `badge status-${status}` }, [t(`applicationsStatus_${status}`)]);

/**
 * "Selesai paling lambat 3 Desember 2026 · 2 hari kerja lagi", or why the clock is stopped.
 * @param {{ dueDate: string | null, paused: boolean, overdue: boolean, dueSoon: boolean, workingDaysLeft?: number | null }} deadline
 * @param {string} status
 */
export function deadlineText(deadline, status) {
  if (!deadline?.dueDate || isIn(WITHOUT_DEADLINE, status)) return null;
  const parts = [t('applicationsDue', { date: formatDate(deadline.dueDate) })];
  if (deadline.paused) parts.push(t('applicationsPaused'));
  else if (deadline.overdue) parts.push(t('applicationsOverdue'));
  else if (typeof deadline.workingDaysLeft === 'number') parts.push(t('applicationsDaysLeft', { n: deadline.workingDaysLeft }));
  const flag = deadline.paused ? 'paused' : deadline.overdue ? 'overdue' : deadline.dueSoon ? 'due-soon' : 'on-time';
  return h('span', { class: `deadline deadline-${flag}` }, [parts.join(' · ')]);
}
