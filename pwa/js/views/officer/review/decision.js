// The decision card: the actions the application's status allows, a reason (required to reject or to ask for a
// correction), a confirmation for what cannot be undone, and the POST with the version the officer read
// (If-Match), so a decision taken on a stale screen is refused (412/409) rather than overwriting a colleague's.
//
// Contract
// - Receives: at creation, `onDecided(app)` with the application the API returned, and `onConflict()` when
//   someone else acted first; on each `render(app)`, the application to decide on.
// - Owns: the <section> `render` returns, and what the officer chose and typed, which survives a redraw of
//   the screen (a reload after a conflict keeps it; a successful decision clears it).
// - Cleans up: `destroy()` closes a confirmation dialog left open when the screen is left.
import { api } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { STATUS } from '../../../statuses.js';
import { errorText, ifMatch, isConflict } from '../common.js';
import { confirmDialog } from './confirm.js';

/** Which decisions each status allows (the API's TRANSITIONS for officers). */
const ACTIONS = /** @type {Record<string, string[]>} */ ({
  [STATUS.submitted]: ['start_review', 'reject'],
  [STATUS.in_review]: ['request_correction', 'approve', 'reject'],
  [STATUS.approved]: ['complete'],
});
const NEEDS_REASON = new Set(['request_correction', 'reject']);
const IRREVERSIBLE = new Set(['approve', 'reject', 'complete']);

/**
 * @param {{ onDecided: (app: import('../review.js').OfficerApplication) => void, onConflict: () => void }} events
 */
export function createDecision({ onDecided, onConflict }) {
  // What the officer chose and typed survives a reload of the application (conflict) and a redraw.
  const draft = { action: '', reason: '' };
  /** @type {{ cancel: () => void } | null} the confirmation on screen, if any */
  let confirming = null;

  /** @param {import('../review.js').OfficerApplication} app */
  function render(app) {
    const allowed = ACTIONS[app.status] || [];
    if (!allowed.includes(draft.action)) draft.action = allowed.length === 1 ? allowed[0] : '';
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
      if (IRREVERSIBLE.has(draft.action) && !(await confirm(t(`officerAct_${draft.action}`)))) {
        $submit.focus();
        return;
      }
      $submit.setAttribute('disabled', '');
      try {
        const body = { action: draft.action, ...(reason ? { reason } : {}) };
        const decided = await api(`/api/v1/officer/applications/${app.id}/decision`, { method: 'POST', body, headers: ifMatch(app.version) });
        draft.action = '';
        draft.reason = '';
        onDecided(decided);
      } catch (error) {
        $submit.removeAttribute('disabled');
        if (isConflict(error)) onConflict();
        else { fail($error, errorText(error)); $reason.focus(); }
      }
    });
    return h('section', { class: 'card off-area-decide', 'aria-labelledby': 'off-decide-title' }, [
      h('h2', { id: 'off-decide-title' }, [t('officerDecision')]),
      allowed.length ? $form : h('p', {}, [t('officerNoActions')]),
    ]);
  }

  /** @param {string} actionName @returns {Promise<boolean>} */
  async function confirm(actionName) {
    const dialog = confirmDialog(actionName);
    confirming = dialog;
    try {
      return await dialog.answer;
    } finally {
      confirming = null;
    }
  }

  return { render, destroy: () => confirming?.cancel() };
}

/** @param {HTMLElement} $error @param {string} text */
function fail($error, text) {
  $error.hidden = false;
  $error.textContent = text;
  $error.setAttribute('role', 'alert');
}
