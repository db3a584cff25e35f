// Step 3 of applying: what will be sent (the chosen documents, the answers in words), the declaration, the
// "Send" button, and — when the server refuses the content — GOV.UK's error summary with a way back to each
// problem.
//
// Contract
// - Receives: the service's form fields, the requirements (from /applications/readiness), the answers and the
//   chosen document ids; `onEdit(step)` (0 documents, 1 answers) for the "Change" links, `onSend()` for the
//   button, and `onFix(step, errors)` when a problem in the summary is chosen (errors as serverErrors splits
//   them, for the step's own fields).
// - Owns: the nodes in `$nodes` (the error summary first) and `$send`, which the view places in its step actions.
// - Gives: `busy(on)` to disable the button while sending; `refused(problem)` to show the server's refusal.
// - Cleans up: nothing beyond its nodes (listeners are on its own elements; no timers).
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';
import { problemText } from '../lib/problem.js';
import { answerText } from './answer-text.js';
import { attachable, serverErrors } from './answers-form.js';

/**
 * @typedef {{ answers: Record<string, string>, documents: string[], other: string[] }} SplitErrors
 * @typedef {{ detail?: string, errors?: { field: string, message: string }[] } | undefined} Problem
 */

/**
 * @param {{
 *   fields: import('./answers-form.js').Field[],
 *   requirements: import('./answers-form.js').RequirementState[],
 *   answers: Record<string, any>,
 *   documentIds: string[],
 * }} content
 * @param {{ onEdit: (step: number) => void, onSend: () => void, onFix: (step: number, errors: SplitErrors) => void }} events
 */
export function applyReview({ fields, requirements, answers, documentIds }, { onEdit, onSend, onFix }) {
  const chosen = new Set(documentIds);
  const $problem = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', hidden: true });
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'apply-submit' }, [t('applySubmit')]));
  $send.addEventListener('click', onSend);
  const change = (/** @type {number} */ step, /** @type {string} */ key) => h('p', {}, [
    h('button', { type: 'button', class: 'link', onclick: () => onEdit(step) }, [t(key)]),
  ]);

  const $nodes = [
    $problem,
    h('h3', {}, [t('applyStepDocuments')]),
    h('ul', {}, requirements.filter((r) => attachable(r).some((d) => chosen.has(d.id))).map((r) => h('li', {}, [r.name]))),
    change(0, 'applyChangeDocuments'),
    h('h3', {}, [t('applyStepForm')]),
    h('dl', { class: 'review' }, fields.flatMap((f) => [h('dt', {}, [f.label]), h('dd', {}, [answerText(f, answers[f.name])])])),
    change(1, 'applyChangeAnswers'),
    h('p', { class: 'hint' }, [t('applyDeclaration')]),
  ];

  /** @param {boolean} on */
  const busy = (on) => { $send.disabled = on; };

  /**
   * Each problem listed, those about an answer or a document as a button back to its step.
   * @param {Problem} problem
   */
  function refused(problem) {
    const split = serverErrors(problem?.errors);
    const fix = (/** @type {number} */ step, /** @type {string} */ text) => h('li', {}, [
      h('button', { type: 'button', class: 'link', onclick: () => onFix(step, split) }, [text]),
    ]);
    const items = [
      ...Object.entries(split.answers).map(([name, message]) => fix(1, `${fields.find((f) => f.name === name)?.label ?? name}: ${message}`)),
      ...split.documents.map((m) => fix(0, `${t('applyStepDocuments')}: ${m}`)),
      ...split.other.map((m) => h('li', {}, [m])),
    ];
    $problem.hidden = false;
    $problem.replaceChildren(h('h2', {}, [t('applyRefused')]), h('p', {}, [problemText(problem)]), items.length ? h('ul', {}, items) : '');
    $problem.focus();
  }

  return { $nodes, $send, busy, refused };
}
