// Reviewing one application: answers with their labels, documents with a viewer and inline verification, the
// timeline and deadline, and the decision with reasons. Decisions carry the version the officer read (If-Match),
// so when someone else decided first the officer is told and can reload — without losing what they typed.
//
// This view holds the application and redraws the whole screen from it; its parts live in ./review/ (officer
// code only, never precached for citizens), each with its contract at the top:
//   header.js (number, status, facts, "Claim"), answers.js, documents.js (verification), decision.js (with
//   confirm.js), timeline.js; the document viewer is components/officer-viewer.js.
// It owns the conflict and notice messages, claiming, and reloading after a conflict. On leaving it destroys
// the viewer (its object URL) and the decision (an open confirmation dialog).
import { api, ApiError, get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { createViewer } from '../../components/officer-viewer.js';
import { errorText, ifMatch, isConflict, loadStyles, statusText } from './common.js';
import { answersCard, loadServiceForm } from './review/answers.js';
import { createDecision } from './review/decision.js';
import { createDocuments } from './review/documents.js';
import { reviewHeader } from './review/header.js';
import { timelineCard } from './review/timeline.js';

/**
 * The parts of GET /api/v1/officer/applications/{id} the review shows.
 * @typedef {{ id: string, status: string, requirement: string, mediaType?: string, type?: { code?: string, name: string } | null }} OfficerDocument
 * @typedef {{ action: string, toStatus: string, at: string, actor?: string | null, reason?: string | null }} TimelineEntry
 * @typedef {{ dueDate: string | null, paused: boolean, overdue: boolean, dueSoon: boolean, workingDaysLeft?: number | null }} Deadline
 * @typedef {object} OfficerApplication
 * @property {string} id
 * @property {string | null} number
 * @property {number} version
 * @property {string} status
 * @property {boolean} [flagged]
 * @property {{ code: string, name: string }} service
 * @property {{ code: string } | null} [region]
 * @property {{ code: string } | null} [agency]
 * @property {string | null} [subjectName]
 * @property {'phone' | 'registry' | 'in_person' | null} [applicantAssurance]
 * @property {string | null} [submittedAt]
 * @property {Deadline | null} [deadline]
 * @property {string | null} [assignedTo]
 * @property {string | null} [assignee]
 * @property {Record<string, unknown>} [answers]
 * @property {OfficerDocument[]} [documents]
 * @property {TimelineEntry[]} [timeline]
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const id = ctx.params.id;
  const me = session.me()?.id;

  /** @type {OfficerApplication} */
  let app;
  try {
    app = await get(`/api/v1/officer/applications/${id}`);
  } catch (error) {
    const missing = error instanceof ApiError && (error.status === 404 || error.status === 403);
    $main.append(
      h('h1', {}, [missing ? t('officerNotFound') : t('titleReview')]),
      h('p', { class: missing ? '' : 'error', role: missing ? undefined : 'alert' }, [missing ? t('officerNotFoundHelp') : errorText(error)]),
      h('p', {}, [h('a', { class: 'back', href: '#/officer' }, [t('officerBackToInbox')])]),
    );
    return;
  }
  const form = await loadServiceForm(app);

  const viewer = createViewer();
  const documents = createDocuments({ viewer });
  const decision = createDecision({
    onDecided: (decided) => {
      app = decided;
      draw();
      notice(t('officerDecided', { status: statusText(app.status) }));
    },
    onConflict: conflict,
  });
  const $conflict = h('div', { class: 'off-conflict', role: 'alert', tabindex: '-1', hidden: true });
  const $notice = h('p', { class: 'off-message', role: 'status', tabindex: '-1', hidden: true });

  /** Redraw the whole screen from `app`, keeping the viewer (and what it shows) in place. */
  function draw() {
    $main.replaceChildren(
      h('p', {}, [h('a', { class: 'back', href: '#/officer' }, [t('officerBackToInbox')])]),
      h('div', { class: 'off-review' }, [
        reviewHeader(app, { me, onClaim: claim }),
        $conflict,
        $notice,
        h('div', { class: 'off-review-grid' }, [
          answersCard(app, form),
          h('div', { class: 'off-review-side off-area-side' }, [documents.render(app), viewer.$el]),
          decision.render(app),
          timelineCard(app),
        ]),
      ]),
    );
  }

  /** @param {string} text */
  function notice(text) {
    $notice.hidden = false;
    $notice.textContent = text;
    $notice.focus();
  }

  /** Someone else acted first: say so, offer a reload; the form (and what was typed) stays as it is. */
  function conflict() {
    $conflict.hidden = false;
    $conflict.replaceChildren(
      h('p', {}, [t('officerConflict')]),
      h('button', { type: 'button', onclick: reload }, [t('officerReload')]),
    );
    $conflict.focus();
  }

  async function reload() {
    try {
      app = await get(`/api/v1/officer/applications/${id}`);
    } catch (error) {
      $conflict.replaceChildren(h('p', {}, [errorText(error)]), h('button', { type: 'button', onclick: reload }, [t('officerReload')]));
      return;
    }
    $conflict.hidden = true;
    draw();
    notice(t('officerStatusNow', { status: statusText(app.status) }));
  }

  async function claim() {
    try {
      app = await api(`/api/v1/officer/applications/${id}/assign`, { method: 'POST', body: {}, headers: ifMatch(app.version) });
      draw();
      notice(t('officerClaimed', { number: app.number || '' }));
    } catch (error) {
      if (isConflict(error)) conflict(); else notice(errorText(error));
    }
  }

  draw();
  return () => {
    decision.destroy();
    viewer.destroy();
  };
}
