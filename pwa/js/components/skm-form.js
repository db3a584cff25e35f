// The SKM survey form (Survei Kepuasan Masyarakat, PermenPANRB 14/2017): the regulation's nine elements, each a
// question with four answers scored 1–4 in the order shown, and an optional comment. Shared by the citizen's
// screens (an application's or a ticket's rating) and the kiosk (a walk-in ticket), so it lives with the citizen
// code and is precached.
//
// Contract: createSkmForm({ idPrefix, submitLabel, onSend }) → { $el, busy(on), problem(nodes), focusProblem() }.
// - receives: `onSend({ scores, comment })`, called on submit once all nine are answered (the caller sends it and
//   calls busy(false)/problem(...) with the answer); `idPrefix` keeps ids unique on a screen.
// - owns: one <form> ($el), which the caller places.
// - emits: onSend only; it never navigates and never reaches outside $el.
// - cleans up: nothing (no timers, no listeners outside $el).
//
// Why it is built this way: nothing is pre-selected (a default answer would be counted as the citizen's opinion);
// each element is a fieldset whose legend is the question, so a screen reader reads the question with each answer;
// the send button stays disabled until every element has an answer, and a live line under it names the ones still
// missing, so a person who skipped one learns which without hunting for it.
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

/** The nine elements in the regulation's order; the wire names are CONTRACT.md's score keys. */
export const ELEMENTS = /** @type {const} */ (['requirements', 'procedure', 'time', 'cost', 'product', 'competence', 'behaviour', 'complaints', 'facilities']);
export const COMMENT_MAX = 1000;

/** @typedef {typeof ELEMENTS[number]} Element */
/** @typedef {{ scores: Record<Element, number>, comment: string | null }} SkmAnswer */

/**
 * @param {{ idPrefix?: string, submitLabel?: string, onSend: (answer: SkmAnswer) => void }} options
 */
export function createSkmForm({ idPrefix = 'skm', submitLabel, onSend }) {
  /** @type {Partial<Record<Element, number>>} */
  const chosen = {};
  const $missing = h('p', { class: 'skm-missing', id: `${idPrefix}-missing`, 'aria-live': 'polite' });
  const $send = /** @type {HTMLButtonElement} */ (h('button', {
    type: 'submit', class: 'skm-send', id: `${idPrefix}-send`, disabled: true, 'aria-describedby': `${idPrefix}-missing`,
  }, [submitLabel || t('fbSkmSend')]));
  const $problem = h('div', { class: 'error-summary', role: 'alert', tabindex: '-1', id: `${idPrefix}-problem`, hidden: true });
  const $comment = /** @type {HTMLTextAreaElement} */ (h('textarea', {
    id: `${idPrefix}-comment`, name: 'comment', rows: '4', maxlength: String(COMMENT_MAX),
    'aria-describedby': `${idPrefix}-comment-hint ${idPrefix}-comment-count`,
  }));
  const $count = h('p', { class: 'hint skm-count', id: `${idPrefix}-comment-count`, 'aria-live': 'polite' });
  const showCount = () => { $count.textContent = t('fbCharCount', { used: $comment.value.length, max: COMMENT_MAX }); };
  $comment.addEventListener('input', showCount);
  showCount();

  const $fieldsets = ELEMENTS.map((element, index) => {
    const legendId = `${idPrefix}-q-${element}`;
    return h('fieldset', { class: 'skm-element', id: `${idPrefix}-el-${element}` }, [
      h('legend', { id: legendId }, [
        h('span', { class: 'skm-number' }, [`${index + 1}.`]), ' ', t(`fbSkmQ_${element}`),
      ]),
      h('div', { class: 'skm-choices' }, [1, 2, 3, 4].map((value) => {
        const id = `${idPrefix}-${element}-${value}`;
        const $input = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: `${idPrefix}-${element}`, value: String(value), id }));
        $input.addEventListener('change', () => { chosen[element] = value; update(); });
        return h('label', { class: 'skm-choice', for: id }, [$input, h('span', {}, [t(`fbSkmA_${element}_${value}`)])]);
      })),
    ]);
  });

  function missing() {
    return ELEMENTS.filter((element) => !chosen[element]);
  }

  function update() {
    const left = missing();
    $send.disabled = left.length > 0;
    $missing.textContent = left.length
      ? t('fbSkmMissing', { list: left.map((e) => `${ELEMENTS.indexOf(e) + 1}. ${t(`fbSkmE_${e}`)}`).join(', ') })
      : t('fbSkmAllAnswered');
    $missing.classList.toggle('skm-missing-done', left.length === 0);
  }
  update();

  const $form = h('form', { class: 'skm-form', id: `${idPrefix}-form`, novalidate: true }, [
    ...$fieldsets,
    h('div', { class: 'field skm-comment' }, [
      h('label', { for: `${idPrefix}-comment` }, [t('fbSkmComment')]),
      h('p', { class: 'hint', id: `${idPrefix}-comment-hint` }, [t('fbSkmCommentHint')]),
      $comment,
      $count,
    ]),
    $problem,
    h('div', { class: 'actions skm-actions' }, [$send]),
    $missing,
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const left = missing();
    if (left.length) {
      // Only reachable by Enter in the comment field of an incomplete form: go to the first unanswered question.
      /** @type {HTMLInputElement | null} */ ($form.querySelector(`#${idPrefix}-${left[0]}-1`))?.focus();
      return;
    }
    const comment = $comment.value.trim();
    onSend({ scores: /** @type {Record<Element, number>} */ ({ ...chosen }), comment: comment || null });
  });

  return {
    $el: $form,
    /** @param {boolean} on */
    busy(on) {
      $send.disabled = on || missing().length > 0;
      $send.textContent = on ? t('fbSkmSending') : (submitLabel || t('fbSkmSend'));
      if (on) $problem.hidden = true;
    },
    /** Show a refusal above the send button and move focus to it (the person pressed the button). @param {(Node | string)[]} nodes */
    problem(nodes) {
      $problem.replaceChildren(...nodes.map((n) => (typeof n === 'string' ? h('p', {}, [n]) : n)));
      $problem.hidden = false;
      $problem.focus();
    },
  };
}
