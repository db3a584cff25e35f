// Reviewing one application: answers with their labels, documents with a viewer and inline verification, the
// timeline and deadline, and the decision with reasons. Decisions carry the version the officer read (If-Match),
// so when someone else decided first the officer is told and can reload — without losing what they typed.
import { api, ApiError, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { createViewer } from '../../components/officer-viewer.js';
import { dueText, errorText, ifMatch, isConflict, loadStyles, statusBadge, statusText } from './common.js';

/** Which decisions each status allows (the API's TRANSITIONS for officers). */
const ACTIONS = /** @type {Record<string, string[]>} */ ({
  submitted: ['start_review', 'reject'],
  in_review: ['request_correction', 'approve', 'reject'],
  approved: ['complete'],
});
const NEEDS_REASON = new Set(['request_correction', 'reject']);
const IRREVERSIBLE = new Set(['approve', 'reject', 'complete']);
const OPEN = new Set(['submitted', 'in_review', 'needs_correction', 'approved']);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const id = ctx.params.id;
  const me = session.me() || {};
  const viewer = createViewer();
  // What the officer typed survives a reload of the application (conflict) and a redraw after an action.
  const draft = { action: '', reason: '' };
  /** @type {Record<string, string>} document id → reason typed for "not valid" */
  const docReasons = {};
  /** @type {any[] | null} the service's form fields, for the answers' labels */
  let form = null;

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
  form = await serviceForm(app);

  const $conflict = h('div', { class: 'off-conflict', role: 'alert', tabindex: '-1', hidden: true });
  const $notice = h('p', { class: 'off-message', role: 'status', tabindex: '-1', hidden: true });

  /** Redraw the whole screen from `app`, keeping the viewer (and what it shows) in place. */
  function draw() {
    const number = app.number || app.id.slice(0, 8);
    $main.replaceChildren(
      h('p', {}, [h('a', { class: 'back', href: '#/officer' }, [t('officerBackToInbox')])]),
      h('div', { class: 'off-review' }, [
        h('header', { class: 'off-head' }, [
          h('h1', {}, [`${number} · ${app.service?.name || ''}`]),
          h('p', { class: 'meta' }, [statusBadge(app.status), app.flagged ? h('span', { class: 'off-flag off-overdue' }, [h('span', { 'aria-hidden': 'true' }, ['⚑']), ` ${t('officerFlagged')}`]) : null]),
          h('dl', { class: 'off-facts' }, [
            h('dt', {}, [t('officerApplicant')]), h('dd', {}, [app.subjectName || '—']),
            h('dt', {}, [t('officerSubmittedAt')]), h('dd', {}, [formatDate(app.submittedAt, true) || '—']),
            h('dt', {}, [t('officerDeadline')]), h('dd', {}, [
              dueText(app.deadline),
              app.deadline?.workingDaysLeft != null && !app.deadline.overdue ? ` · ${t('officerWorkingDaysLeft', { n: app.deadline.workingDaysLeft })}` : '',
            ]),
            h('dt', {}, [t('officerHolder')]), h('dd', {}, [
              !app.assignedTo ? t('officerUnassigned') : app.assignedTo === me.id ? t('officerYou') : (app.assignee || '—'),
              app.assignedTo !== me.id && OPEN.has(app.status)
                ? h('button', { type: 'button', class: 'secondary off-inline', onclick: claim, 'aria-label': t('officerClaimLabel', { number }) }, [t('officerClaim')])
                : null,
            ]),
          ]),
        ]),
        $conflict,
        $notice,
        h('div', { class: 'off-review-grid' }, [
          h('section', { class: 'card off-area-answers', 'aria-labelledby': 'off-answers-title' }, [
            h('h2', { id: 'off-answers-title' }, [t('officerAnswers')]),
            answers(),
          ]),
          h('div', { class: 'off-review-side off-area-side' }, [documents(), viewer.$el]),
          decision(),
          h('section', { class: 'card off-area-timeline', 'aria-labelledby': 'off-timeline-title' }, [
            h('h2', { id: 'off-timeline-title' }, [t('officerTimeline')]),
            h('ol', { class: 'off-timeline' }, (app.timeline || []).map(entry)),
          ]),
        ]),
      ]),
    );
  }

  function answers() {
    const given = app.answers || {};
    const fields = form && form.length ? form : Object.keys(given).map((name) => ({ name, label: name }));
    const known = new Set(fields.map((/** @type {any} */ f) => f.name));
    const extra = Object.keys(given).filter((name) => !known.has(name)).map((name) => ({ name, label: name }));
    return h('dl', { class: 'off-answers' }, [...fields, ...extra].flatMap((/** @type {any} */ field) => [
      h('dt', {}, [field.label || field.name]),
      h('dd', {}, [answerText(field, given[field.name])]),
    ]));
  }

  function documents() {
    const docs = app.documents || [];
    return h('section', { class: 'card', 'aria-labelledby': 'off-docs-title' }, [
      h('h2', { id: 'off-docs-title' }, [t('officerDocuments')]),
      docs.length
        ? h('ul', { class: 'off-docs' }, docs.map(documentItem))
        : h('p', {}, [t('officerNoDocuments')]),
    ]);
  }

  /** @param {any} doc */
  function documentItem(doc) {
    const name = doc.type?.name || doc.requirement;
    const reasonId = `off-doc-reason-${doc.id}`;
    const errorId = `${reasonId}-error`;
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: reasonId, maxlength: '500', 'aria-describedby': `${reasonId}-hint` }));
    $reason.value = docReasons[doc.id] || '';
    $reason.addEventListener('input', () => { docReasons[doc.id] = $reason.value; });
    const $error = h('p', { class: 'error', id: errorId, hidden: true });
    const $why = h('div', { class: 'off-doc-why', hidden: !docReasons[doc.id] }, [
      h('div', { class: 'field' }, [
        h('label', { for: reasonId }, [t('officerVerifyReason')]),
        h('p', { class: 'hint', id: `${reasonId}-hint` }, [t('officerVerifyReasonHint')]),
        $error,
        $reason,
      ]),
      h('div', { class: 'off-actions' }, [
        h('button', { type: 'button', class: 'danger', onclick: () => verify(doc, false, $reason, $error) }, [t('officerVerifyConfirmInvalid')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => { $why.hidden = true; $open.focus(); } }, [t('officerCancel')]),
      ]),
    ]);
    const canVerify = doc.status === 'uploaded' && OPEN.has(app.status);
    const $open = h('button', { type: 'button', class: 'secondary', 'data-doc': doc.id, onclick: () => viewer.show(doc, name) }, [
      t('officerViewShort'), h('span', { class: 'visually-hidden' }, [` ${name}`]),
    ]);
    return h('li', { class: 'off-doc', id: `off-doc-${doc.id}` }, [
      h('p', { class: 'off-doc-name' }, [name, h('span', { class: `badge off-st off-st-${doc.status}` }, [t(`officerDoc_${doc.status}`)])]),
      h('div', { class: 'off-actions' }, [
        $open,
        canVerify ? h('button', { type: 'button', onclick: () => verify(doc, true, $reason, $error) }, [t('officerValid')]) : null,
        canVerify ? h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (/** @type {Event} */ e) => {
          $why.hidden = false;
          /** @type {HTMLElement} */ (e.currentTarget).setAttribute('aria-expanded', 'true');
          $reason.focus();
        } }, [t('officerInvalid')]) : null,
      ]),
      canVerify ? $why : null,
    ]);
  }

  /**
   * @param {any} doc @param {boolean} valid @param {HTMLTextAreaElement} $reason @param {HTMLElement} $error
   */
  async function verify(doc, valid, $reason, $error) {
    const reason = $reason.value.trim();
    if (!valid && !reason) {
      $error.hidden = false;
      $error.textContent = t('officerReasonRequired');
      $reason.setAttribute('aria-invalid', 'true');
      $reason.setAttribute('aria-describedby', `${$error.id} ${$reason.id}-hint`);
      $reason.focus();
      return;
    }
    const name = doc.type?.name || doc.requirement;
    try {
      const result = await api(`/api/v1/officer/documents/${doc.id}/verify`, { method: 'POST', body: valid ? { valid } : { valid, reason } });
      doc.status = result.status;
      delete docReasons[doc.id];
      const $old = document.getElementById(`off-doc-${doc.id}`);
      const $new = documentItem(doc);
      $old?.replaceWith($new);
      announce(t('officerVerified', { name, status: t(`officerDoc_${doc.status}`) }));
      /** @type {HTMLElement | null} */ ($new.querySelector('button'))?.focus();
    } catch (error) {
      $error.hidden = false;
      $error.textContent = errorText(error);
      $error.setAttribute('role', 'alert');
    }
  }

  function decision() {
    const allowed = ACTIONS[app.status] || [];
    if (!allowed.includes(draft.action)) draft.action = allowed.length === 1 ? allowed[0] : (allowed.includes(draft.action) ? draft.action : '');
    const $error = h('p', { class: 'error', id: 'off-decide-error', hidden: true });
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'off-reason', name: 'reason', maxlength: '1000', 'aria-describedby': 'off-reason-hint' }));
    $reason.value = draft.reason;
    $reason.addEventListener('input', () => { draft.reason = $reason.value; });
    const $reasonLabel = h('label', { for: 'off-reason' });
    const $hint = h('p', { class: 'hint', id: 'off-reason-hint' });
    const drawReason = () => {
      const required = NEEDS_REASON.has(draft.action);
      $reasonLabel.textContent = required ? t('officerReason') : t('officerReasonOptional');
      $hint.textContent = draft.action === 'request_correction' ? t('officerReasonHintCorrection') : '';
      $hint.hidden = !$hint.textContent;
      if (required) $reason.setAttribute('aria-required', 'true'); else $reason.removeAttribute('aria-required');
    };
    drawReason();
    const $submit = h('button', { type: 'submit' }, [t('officerDecide')]);
    const $form = h('form', { class: 'off-decide', novalidate: true }, [
      h('fieldset', {}, [
        h('legend', {}, [t('officerAction')]),
        ...allowed.map((action) => h('div', { class: 'off-radio' }, [
          h('input', { type: 'radio', name: 'action', id: `off-act-${action}`, value: action, checked: draft.action === action,
            onchange: () => { draft.action = action; drawReason(); } }),
          h('label', { for: `off-act-${action}` }, [t(`officerAct_${action}`)]),
        ])),
      ]),
      h('div', { class: 'field' }, [$reasonLabel, $hint, $error, $reason]),
      $submit,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      $error.hidden = true;
      $reason.removeAttribute('aria-invalid');
      if (!draft.action) {
        fail($error, t('officerChooseAction'));
        /** @type {HTMLElement | null} */ ($form.querySelector('input[type=radio]'))?.focus();
        return;
      }
      const reason = draft.reason.trim();
      if (NEEDS_REASON.has(draft.action) && !reason) {
        fail($error, t('officerReasonRequired'));
        $reason.setAttribute('aria-invalid', 'true');
        $reason.setAttribute('aria-describedby', 'off-decide-error off-reason-hint');
        $reason.focus();
        return;
      }
      if (IRREVERSIBLE.has(draft.action) && !(await confirmAction(t(`officerAct_${draft.action}`)))) {
        $submit.focus();
        return;
      }
      $submit.setAttribute('disabled', '');
      try {
        const body = { action: draft.action, ...(reason ? { reason } : {}) };
        app = await api(`/api/v1/officer/applications/${id}/decision`, { method: 'POST', body, headers: ifMatch(app.version) });
        draft.action = '';
        draft.reason = '';
        draw();
        notice(t('officerDecided', { status: statusText(app.status) }));
      } catch (error) {
        $submit.removeAttribute('disabled');
        if (isConflict(error)) conflict();
        else { fail($error, errorText(error)); $reason.focus(); }
      }
    });
    return h('section', { class: 'card off-area-decide', 'aria-labelledby': 'off-decide-title' }, [
      h('h2', { id: 'off-decide-title' }, [t('officerDecision')]),
      allowed.length ? $form : h('p', {}, [t('officerNoActions')]),
    ]);
  }

  /** @param {any} e a timeline entry */
  function entry(e) {
    return h('li', {}, [
      h('strong', {}, [t(`officerAct_${e.action}`)]), ' ', statusBadge(e.toStatus),
      h('p', { class: 'meta' }, [formatDate(e.at, true), e.actor ? ` · ${t('officerBy', { name: e.actor })}` : '']),
      e.reason ? h('p', {}, [e.reason]) : null,
    ]);
  }

  /** @param {HTMLElement} $error @param {string} text */
  function fail($error, text) {
    $error.hidden = false;
    $error.textContent = text;
    $error.setAttribute('role', 'alert');
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
  return () => viewer.destroy();
}

/**
 * The service's form fields (for labels), found by the application's service code in its region.
 * @param {any} app
 * @returns {Promise<any[] | null>}
 */
async function serviceForm(app) {
  try {
    const list = await get('/api/v1/services', { q: app.service.code, region: app.region?.code, agency: app.agency?.code, pageSize: 100 });
    const found = list.items.find((/** @type {any} */ s) => s.code === app.service.code);
    if (!found) return null;
    return (await get(`/api/v1/services/${found.id}`)).form || null;
  } catch {
    return null;
  }
}

/**
 * An answer as a person reads it: a select's option label, an address on one line, a date in words.
 * @param {any} field @param {any} value
 */
function answerText(field, value) {
  if (value === undefined || value === null || value === '') return t('officerNoAnswer');
  if (field.type === 'select' && Array.isArray(field.options)) {
    return field.options.find((/** @type {any} */ o) => o.value === value)?.label ?? String(value);
  }
  if (field.type === 'date' && typeof value === 'string') return formatDate(value);
  if (typeof value === 'boolean') return value ? '✓' : '✗';
  if (Array.isArray(value)) return value.join(', ');
  if (typeof value === 'object') return Object.values(value).filter(Boolean).join(', ');
  return String(value);
}

/**
 * A modal confirmation for decisions that cannot be undone. A native <dialog> keeps focus inside and Escape
 * cancels; focus returns to the caller's button.
 * @param {string} actionName
 * @returns {Promise<boolean>}
 */
function confirmAction(actionName) {
  return new Promise((resolve) => {
    const $dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'off-dialog', 'aria-labelledby': 'off-confirm-title', 'aria-describedby': 'off-confirm-text' }, [
      h('h2', { id: 'off-confirm-title' }, [t('officerConfirmTitle')]),
      h('p', { id: 'off-confirm-text' }, [t('officerConfirmText', { action: actionName })]),
      h('div', { class: 'off-actions' }, [
        h('button', { type: 'button', onclick: () => $dialog.close('yes') }, [t('officerConfirmYes')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => $dialog.close('no') }, [t('officerCancel')]),
      ]),
    ]));
    $dialog.addEventListener('close', () => { $dialog.remove(); resolve($dialog.returnValue === 'yes'); });
    document.body.append($dialog);
    $dialog.showModal();
  });
}
