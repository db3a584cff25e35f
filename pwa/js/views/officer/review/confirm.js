// A modal confirmation for decisions that cannot be undone (approve, reject, complete). A native <dialog> keeps
// focus inside and Escape cancels; focus returns to the caller's button (the browser does it on close).
//
// Contract
// - Receives: the action's name in words.
// - Owns: the <dialog>, appended to <body> while open and removed when it closes.
// - Gives: `answer`, a promise of true (confirmed) or false (cancelled, Escape, or closed by `cancel()`).
// - Cleans up: itself on close; `cancel()` closes it from outside (the decision component calls it when the
//   screen is left with the dialog open, e.g. by the Back button).
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';

/**
 * @param {string} actionName
 * @returns {{ answer: Promise<boolean>, cancel: () => void }}
 */
export function confirmDialog(actionName) {
  const $dialog = /** @type {HTMLDialogElement} */ (h('dialog', { class: 'off-dialog', 'aria-labelledby': 'off-confirm-title', 'aria-describedby': 'off-confirm-text' }, [
    h('h2', { id: 'off-confirm-title' }, [t('officerConfirmTitle')]),
    h('p', { id: 'off-confirm-text' }, [t('officerConfirmText', { action: actionName })]),
    h('div', { class: 'off-actions' }, [
      h('button', { type: 'button', onclick: () => $dialog.close('yes') }, [t('officerConfirmYes')]),
      h('button', { type: 'button', class: 'secondary', onclick: () => $dialog.close('no') }, [t('officerCancel')]),
    ]),
  ]));
  const answer = new Promise((resolve) => {
    $dialog.addEventListener('close', () => { $dialog.remove(); resolve($dialog.returnValue === 'yes'); });
  });
  document.body.append($dialog);
  $dialog.showModal();
  return { answer: /** @type {Promise<boolean>} */ (answer), cancel: () => { if ($dialog.open) $dialog.close('no'); } };
}
