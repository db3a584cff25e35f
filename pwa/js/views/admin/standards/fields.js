// The editor's inputs, each bound to one part of the draft's content: every keystroke is written back through
// `set`, and each input's wrapper is marked with the API's path of that part (`data-field="requirements[1].type"`)
// so the server's problems land next to the input they are about (`placeProblems`). Texts asked in both languages
// are one fieldset with an Indonesian and an English box.
//
// Contract: builders return fresh nodes (the editor places them); `placeProblems` owns only the error slots
// (`.std-error`) of the wrappers inside the root it is given. No listeners outlive their elements.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';

let sequence = 0;
/** A unique element id (several lists draw the same kind of input). */
export const uid = (/** @type {string} */ prefix) => `${prefix}-${++sequence}`;

/**
 * The wrapper of one input: label, hint, error slot, input.
 * @param {{ path: string, id: string, label: string, hint?: string, $input: HTMLElement }} spec
 */
function wrap({ path, id, label, hint, $input }) {
  const $hint = hint ? h('p', { class: 'hint', id: `${id}-hint` }, [hint]) : null;
  const $error = h('p', { class: 'error std-error', id: `${id}-error`, hidden: true });
  $input.setAttribute('aria-describedby', [$hint ? `${id}-hint` : '', `${id}-error`].filter(Boolean).join(' '));
  return h('div', { class: 'field', 'data-field': path }, [h('label', { for: id }, [label]), $hint, $error, $input]);
}

/**
 * A text box (or a larger one, `multiline`).
 * @param {{ path: string, label: string, hint?: string, value: string | null | undefined, set: (value: string) => void,
 *   multiline?: boolean, lang?: string, max?: number, readonly?: boolean, id?: string }} spec
 */
export function textInput({ path, label, hint, value, set, multiline = false, lang, max = 2000, readonly = false, id }) {
  const inputId = id || uid('std-in');
  const $input = /** @type {HTMLInputElement | HTMLTextAreaElement} */ (multiline
    ? h('textarea', { id: inputId, rows: '3', lang, maxlength: String(max) })
    : h('input', { id: inputId, type: 'text', lang, maxlength: String(max), autocomplete: 'off', readonly }));
  $input.value = value ?? '';
  $input.addEventListener('input', () => set($input.value));
  return wrap({ path, id: inputId, label, hint, $input });
}

/**
 * A whole number (or empty: null).
 * @param {{ path: string, label: string, hint?: string, value: number | null | undefined, set: (value: number | null) => void,
 *   min?: number, max?: number, step?: string, id?: string }} spec
 */
export function numberInput({ path, label, hint, value, set, min, max, step = '1', id }) {
  const inputId = id || uid('std-num');
  const $input = /** @type {HTMLInputElement} */ (h('input', { id: inputId, type: 'number', inputmode: step === '1' ? 'numeric' : 'decimal', min, max, step }));
  $input.value = value === null || value === undefined ? '' : String(value);
  $input.addEventListener('input', () => set($input.value.trim() === '' || Number.isNaN(Number($input.value)) ? null : Number($input.value)));
  return wrap({ path, id: inputId, label, hint, $input });
}

/**
 * A choice from a list (`[value, text]` pairs); the empty value says "choose".
 * @param {{ path: string, label: string, hint?: string, value: string | null | undefined, set: (value: string) => void,
 *   options: [string, string][], id?: string }} spec
 */
export function selectInput({ path, label, hint, value, set, options, id }) {
  const inputId = id || uid('std-sel');
  const known = options.some(([v]) => v === value);
  const $input = /** @type {HTMLSelectElement} */ (h('select', { id: inputId }, [
    h('option', { value: '' }, [t('stdChoose')]),
    // A value the list does not know (a retired agency, a document type no longer offered) stays visible.
    !known && value ? h('option', { value }, [value]) : '',
    ...options.map(([v, text]) => h('option', { value: v }, [text])),
  ]));
  $input.value = value ?? '';
  $input.addEventListener('change', () => set($input.value));
  return wrap({ path, id: inputId, label, hint, $input });
}

/**
 * A yes/no box.
 * @param {{ path: string, label: string, checked: boolean, set: (value: boolean) => void }} spec
 */
export function checkInput({ path, label, checked, set }) {
  const id = uid('std-chk');
  const $input = /** @type {HTMLInputElement} */ (h('input', { id, type: 'checkbox', checked, 'aria-describedby': `${id}-error` }));
  $input.addEventListener('change', () => set($input.checked));
  return h('div', { class: 'field', 'data-field': path }, [
    h('p', { class: 'error std-error', id: `${id}-error`, hidden: true }),
    h('label', { class: 'check', for: id }, [$input, label]),
  ]);
}

/**
 * One of a few choices, each with an explanation (radio buttons in a fieldset).
 * @param {{ path: string, legend: string, value: string | null | undefined, set: (value: string) => void,
 *   options: [string, string, string?][] }} spec
 */
export function radioInput({ path, legend, value, set, options }) {
  const name = uid('std-radio');
  return h('fieldset', { class: 'field std-choices', 'data-field': path }, [
    h('legend', {}, [legend]),
    h('p', { class: 'error std-error', id: `${name}-error`, hidden: true }),
    ...options.map(([v, text, hint], i) => {
      const id = `${name}-${i}`;
      const $input = /** @type {HTMLInputElement} */ (h('input', { id, type: 'radio', name, value: v, checked: v === value, 'aria-describedby': hint ? `${id}-hint` : undefined }));
      $input.addEventListener('change', () => { if ($input.checked) set(v); });
      return h('div', { class: 'std-choice' }, [
        h('label', { class: 'check', for: id }, [$input, text]),
        hint ? h('p', { class: 'hint', id: `${id}-hint` }, [hint]) : '',
      ]);
    }),
  ]);
}

/**
 * Several of many (checkboxes in a fieldset), e.g. life-event categories.
 * @param {{ path: string, legend: string, hint?: string, values: string[], options: [string, string][] }} spec
 *   `values` is changed in place
 */
export function checksInput({ path, legend, hint, values, options }) {
  const name = uid('std-checks');
  const known = new Set(options.map(([v]) => v));
  return h('fieldset', { class: 'field std-choices std-checks', 'data-field': path }, [
    h('legend', {}, [legend]),
    hint ? h('p', { class: 'hint' }, [hint]) : '',
    h('p', { class: 'error std-error', id: `${name}-error`, hidden: true }),
    ...[...options, ...values.filter((v) => !known.has(v)).map((v) => /** @type {[string, string]} */ ([v, v]))].map(([v, text], i) => {
      const id = `${name}-${i}`;
      const $input = /** @type {HTMLInputElement} */ (h('input', { id, type: 'checkbox', value: v, checked: values.includes(v) }));
      $input.addEventListener('change', () => {
        const at = values.indexOf(v);
        if ($input.checked && at < 0) values.push(v);
        if (!$input.checked && at >= 0) values.splice(at, 1);
      });
      return h('label', { class: 'check', for: id }, [$input, text]);
    }),
  ]);
}

/**
 * A text in Indonesian and English: one fieldset (the problems of the whole text land on it), two boxes.
 * @param {{ path: string, legend: string, hint?: string, value: { id: string, en: string }, multiline?: boolean, max?: number,
 *   optional?: boolean }} spec `value` is changed in place
 */
export function bilingualInput({ path, legend, hint, value, multiline = false, max = 2000, optional = false }) {
  const name = uid('std-pair');
  return h('fieldset', { class: 'field std-pair-field', 'data-field': path }, [
    h('legend', {}, [optional ? `${legend} (${t('stdOptional')})` : legend]),
    hint ? h('p', { class: 'hint' }, [hint]) : '',
    h('p', { class: 'error std-error', id: `${name}-error`, hidden: true }),
    textInput({ path: `${path}.id`, label: t('stdLangId'), value: value.id, set: (v) => { value.id = v; }, multiline, lang: 'id', max, id: `${name}-id` }),
    textInput({ path: `${path}.en`, label: t('stdLangEn'), value: value.en, set: (v) => { value.en = v; }, multiline, lang: 'en', max, id: `${name}-en` }),
  ]);
}

/**
 * Show the server's problems next to their inputs: each goes to the wrapper marked with its path, or with the
 * nearest path above it (`requirements[1].note.id` → `requirements[1].note` → `requirements[1]` → `requirements`).
 * Returns, per problem, the element to focus for it (for the summary's links).
 * @param {HTMLElement} $root
 * @param {{ field: string, text: string }[]} problems
 * @returns {(HTMLElement | null)[]}
 */
export function placeProblems($root, problems) {
  for (const $error of /** @type {NodeListOf<HTMLElement>} */ ($root.querySelectorAll('.std-error'))) {
    $error.textContent = '';
    $error.hidden = true;
  }
  for (const $bad of $root.querySelectorAll('[aria-invalid]')) $bad.removeAttribute('aria-invalid');
  return problems.map(({ field, text }) => {
    const $wrapper = nearest($root, field);
    if (!$wrapper) return null;
    const $error = /** @type {HTMLElement | null} */ ($wrapper.querySelector(':scope > .std-error'));
    if ($error) {
      $error.textContent = $error.textContent ? `${$error.textContent} ${text}` : text;
      $error.hidden = false;
    }
    const $input = /** @type {HTMLElement | null} */ ($wrapper.querySelector('input:not([type=hidden]), select, textarea, button'));
    if ($input && $wrapper.getAttribute('data-field') === field) $input.setAttribute('aria-invalid', 'true');
    return $input || $wrapper;
  });
}

/**
 * @param {HTMLElement} $root
 * @param {string} field
 */
function nearest($root, field) {
  let path = field.replace(/^content\./, '');
  while (path) {
    const $found = /** @type {HTMLElement | null} */ ($root.querySelector(`[data-field="${CSS.escape(path)}"]`));
    if ($found) return $found;
    const cut = Math.max(path.lastIndexOf('.'), path.lastIndexOf('['));
    path = cut > 0 ? path.slice(0, cut) : '';
  }
  return null;
}
