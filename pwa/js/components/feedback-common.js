// What the citizen's feedback screens share (survey.js, complaints.js, complaint.js, complaint-new.js, and the
// small cards on home, application, ticket and service): the complaint's status chip and due date in words, the
// Idempotency-Key kept per form, the public index in Indonesian number format, and the open survey invitations.
//
// Contract: plain functions; render functions return fresh nodes and keep no state. Owns no DOM of its own.
import { get } from '../api.js';
import { language, t } from '../i18n.js';
import { formatDate, h, newId } from '../lib/dom.js';

/** Complaint statuses as the API spells them (feedback_complaint's CHECK). */
export const COMPLAINT_STATUSES = /** @type {const} */ (['submitted', 'answered', 'escalated', 'closed']);

/** @param {string} status */
export function complaintChip(status) {
  return h('span', { class: `badge fb-st fb-st-${status}` }, [t(`fbCmpSt_${status}`)]);
}

/**
 * "Dijawab paling lambat 12 Desember 2026 · terlambat": the due date of a complaint still waiting for the agency
 * (received or escalated); null once answered or closed, when the date no longer asks anything of anyone.
 * @param {{ status: string, dueDate: string, overdue?: boolean }} complaint
 */
export function complaintDue(complaint) {
  if (complaint.status !== 'submitted' && complaint.status !== 'escalated') return null;
  return h('span', { class: complaint.overdue ? 'deadline deadline-overdue' : 'deadline' }, [
    t('fbCmpDue', { date: formatDate(complaint.dueDate) }),
    complaint.overdue ? ` · ${t('fbCmpOverdue')}` : '',
  ]);
}

/**
 * The Idempotency-Key of a creating POST: the same key again for the same body (a retry after a lost answer, the
 * button pressed again, a reload of the tab), a new one once the body changes — the server refuses a key reused
 * for another body. Kept on this tab (sessionStorage) until `forgetKey`, as booking.js does.
 * @param {string} slot which form (e.g. "complaint:application:<id>")
 * @param {unknown} body
 */
export function keyFor(slot, body) {
  const sig = JSON.stringify(body);
  try {
    const kept = JSON.parse(sessionStorage.getItem(`mpp-fb-key:${slot}`) || 'null');
    if (kept?.sig === sig) return /** @type {string} */ (kept.key);
    const key = newId();
    sessionStorage.setItem(`mpp-fb-key:${slot}`, JSON.stringify({ sig, key }));
    return key;
  } catch {
    return newId();
  }
}

/** @param {string} slot */
export function forgetKey(slot) {
  try { sessionStorage.removeItem(`mpp-fb-key:${slot}`); } catch { /* storage disabled */ }
}

/** 87.5 → "87,50" (Indonesian) or "87.50" (English): the published score always has two decimals. @param {number} value */
export function indexNumber(value) {
  return new Intl.NumberFormat(language() === 'en' ? 'en-GB' : 'id-ID', { minimumFractionDigits: 2, maximumFractionDigits: 2 }).format(value);
}

/**
 * @typedef {{ id: string, kind: 'application' | 'ticket', ref: string, agencyName: string, serviceName: string | null,
 *   day: string, expiresAt: string, label: string | null }} Invitation
 */

/** The signed-in citizen's open survey invitations (empty when the list cannot be had). @returns {Promise<Invitation[]>} */
export async function openInvitations() {
  const body = await get('/api/v1/me/surveys').catch(() => null);
  return Array.isArray(body?.items) ? body.items : [];
}
