// Asking for the reason of an act that is recorded with it (publishing a version, retiring or reinstating a
// service): a modal native <dialog> with one text box, as common.js's confirmDialog is built — focus stays
// inside, Escape cancels, and focus returns to the opening button when it closes. An empty reason is refused in
// the dialog itself, next to the box.
//
// Contract: receives the words (title, explanation, the box's label, the confirming button) and whether the act is
// dangerous (a red button); owns the <dialog> (appended to <body> while open, removed on close); gives `answer`
// (the reason, or null when cancelled) and `cancel()` for the view's cleanup.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';

export const REASON_MAX = 500;

/**
 * @param {{ title: string, text: string, label: string, yes: string, danger?: boolean }} words
 * @returns {{ answer: Promise<string | null>, cancel: () => void }}
 */
export function reasonDialog({ title, text, label, yes, danger = false }) {
  const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: 'std-reason', rows: '4', maxlength: String(REASON_MAX), 'aria-describedby': 'std-reason-hint std-reason-error', required: true,
  }));
  const $error = h('p', { class: 'error', id: 'std-reason-error', role: 'alert', hidden: true });
  /** @type {string | null} */
  let given = null;
  const $form = h('form', { method: 'dialog', novalidate: true }, [
    h('h2', { id: 'std-reason-title' }, [title]),
    h('p', { id: 'std-reason-text' }, [text]),
    h('div', { class: 'field' }, [
      h('label', { for: 'std-reason' }, [label]),
      h('p', { class: 'hint', id: 'std-reason-hint' }, [t('stdReasonHint', { max: REASON_MAX })]),
      $error, $reason,
    ]),
    h('div', { class: 'adm-actions' }, [
      h('button', { type: 'submit', class: danger ? 'danger' : '', id: 'std-reason-yes' }, [yes]),
      h('button', { type: 'button', class: 'secondary', onclick: () => $dialog.close() }, [t('adminCancel')]),
    ]),
  ]);
  const $dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'adm-dialog std-reason', 'aria-labelledby': 'std-reason-title', 'aria-describedby': 'std-reason-text' }, [$form]));
  $form.addEventListener('submit', (event) => {
    const reason = $reason.value.trim();
    if (!reason) {
      event.preventDefault();
      $error.textContent = t('stdReasonMissing');
      $error.hidden = false;
      $reason.setAttribute('aria-invalid', 'true');
      $reason.focus();
      return;
    }
    given = reason;
  });
  const answer = new Promise((resolve) => {
    $dialog.addEventListener('close', () => { $dialog.remove(); resolve(given); });
  });
  document.body.append($dialog);
  $dialog.showModal();
  $reason.focus();
  return { answer: /** @type {Promise<string | null>} */ (answer), cancel: () => { if ($dialog.open) $dialog.close(); } };
}
