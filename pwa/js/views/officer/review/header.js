// The review's header: the application's number and service, its status and flag, and the facts an officer
// looks at first (applicant, submitted, deadline, who holds it) with "Claim" when someone else holds it.
//
// Contract
// - Receives: the application, the signed-in officer's id, and `onClaim()` for the "Claim" button.
// - Owns: the <header> it returns (redrawn with the screen; it keeps no state).
// - Cleans up: nothing (listeners are on its own button; no timers).
import { t } from '../../../i18n.js';
import { formatDate, h } from '../../../lib/dom.js';
import { OPEN, isIn } from '../../../statuses.js';
import { dueText, statusBadge } from '../common.js';

/**
 * @param {import('../review.js').OfficerApplication} app
 * @param {{ me: string | undefined, onClaim: () => void }} options
 */
export function reviewHeader(app, { me, onClaim }) {
  const number = app.number || app.id.slice(0, 8);
  const deadline = app.deadline;
  return h('header', { class: 'off-head' }, [
    h('h1', {}, [`${number} · ${app.service?.name || ''}`]),
    h('p', { class: 'meta' }, [statusBadge(app.status), app.flagged ? h('span', { class: 'off-flag off-overdue' }, [h('span', { 'aria-hidden': 'true' }, ['⚑']), ` ${t('officerFlagged')}`]) : null]),
    h('dl', { class: 'off-facts' }, [
      h('dt', {}, [t('officerApplicant')]), h('dd', {}, [app.subjectName || '—']),
      // How sure we are of who applied (phone | registry | in_person): an officer weighs a case on it.
      h('dt', {}, [t('officerApplicantAssurance')]), h('dd', { id: 'off-applicant-assurance' }, [
        t(app.applicantAssurance === 'in_person' ? 'identityShortInPerson' : app.applicantAssurance === 'registry' ? 'identityShortRegistry' : 'identityShortPhone'),
      ]),
      h('dt', {}, [t('officerSubmittedAt')]), h('dd', {}, [formatDate(app.submittedAt, true) || '—']),
      h('dt', {}, [t('officerDeadline')]), h('dd', {}, [
        dueText(deadline),
        deadline?.workingDaysLeft != null && !deadline.overdue ? ` · ${t('officerWorkingDaysLeft', { n: deadline.workingDaysLeft })}` : '',
      ]),
      h('dt', {}, [t('officerHolder')]), h('dd', {}, [
        !app.assignedTo ? t('officerUnassigned') : app.assignedTo === me ? t('officerYou') : (app.assignee || '—'),
        app.assignedTo !== me && isIn(OPEN, app.status)
          ? h('button', { type: 'button', class: 'secondary off-inline', onclick: onClaim, 'aria-label': t('officerClaimLabel', { number }) }, [t('officerClaim')])
          : null,
      ]),
    ]),
  ]);
}
