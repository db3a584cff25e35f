// A labelled form field with a hint and an error slot, wired for screen readers: the input is described by its
// hint and, when set, its error (announced through role=alert and marked aria-invalid).
import { h } from '../lib/dom.js';

/**
 * @param {{ id: string, label: string, hint?: string, input: HTMLElement }} spec
 * @returns {HTMLElement & { $input: HTMLInputElement, $error: HTMLElement }}
 */
export function field({ id, label, hint, input }) {
  input.id = id;
  const $hint = hint ? h('p', { class: 'hint', id: `${id}-hint` }, [hint]) : null;
  const $error = h('p', { class: 'error', id: `${id}-error`, role: 'alert', hidden: true });
  input.setAttribute('aria-describedby', [$hint ? $hint.id : '', $error.id].filter(Boolean).join(' '));
  const $field = /** @type {any} */ (h('div', { class: 'field' }, [h('label', { for: id }, [label]), $hint, $error, input]));
  $field.$input = input;
  $field.$error = $error;
  return $field;
}

/**
 * Show (or clear, with an empty text) the field's error.
 * @param {HTMLElement & { $input: HTMLElement, $error: HTMLElement }} $field
 * @param {string} text
 */
export function setError($field, text) {
  $field.$error.textContent = text;
  $field.$error.hidden = !text;
  if (text) $field.$input.setAttribute('aria-invalid', 'true');
  else $field.$input.removeAttribute('aria-invalid');
}

/**
 * A form-level message (role=alert) for errors that belong to no single field.
 * @param {string} id
 */
export function formError(id) {
  return h('p', { class: 'error', id, role: 'alert', hidden: true });
}

/** @param {HTMLElement} $el @param {string} text */
export function showMessage($el, text) {
  $el.textContent = text;
  $el.hidden = !text;
}
