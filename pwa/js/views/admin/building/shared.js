// What the building screen's parts (views/admin/building.js and this folder) share: the API's shapes, the If-Match
// header of a revision, field problems said in the reader's language next to their fields, the edit-conflict
// notice, and a labelled input.
//
// Contract: functions only; each returns the nodes it builds (the caller places them) and keeps no state.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';

/**
 * @typedef {{ id: string, en: string }} Text
 * @typedef {Record<string, string[]>} Hours
 * @typedef {{ id: string, name: string, address: string, phone: string | null, latitude: number | null,
 *   longitude: number | null, openingHours: Hours, revision: number }} Mpp
 * @typedef {{ id: string, code: string, name: Text, shortName: string, kind: string, retired: boolean,
 *   revision: number, services: number, counters: number, staff: number }} Agency
 * @typedef {{ id: string, number: string, agency: { id: string, code: string, name: string },
 *   services: { id: string, name: string }[], retired: boolean, revision: number }} Counter
 * @typedef {{ id: string, day: string, reason: Text }} Closure
 * @typedef {{ region: { code: string, name: string }, mpp: Mpp, agencies: Agency[], counters: Counter[],
 *   closures: Closure[] }} Building
 * @typedef {{ code: string, name: Text, shortName: string, kind: string, present: boolean, retired: boolean }} AgencyKind
 * @typedef {{ field: string, message: string }} FieldProblem
 * @typedef {{ region: string | null, reload: (message?: string, focus?: string) => Promise<void>,
 *   confirm: (words: { title: string, text: string, yes: string }) => Promise<boolean> }} Env
 *   `region`: the region a creation names (a national admin's choice; null for a region admin, whose own it is);
 *   `reload`: fetch the building again and redraw, then say `message` in the status line of the section `focus`;
 *   `confirm`: the admin screens' confirmation dialog (cancelled with the screen).
 */

export const WEEKDAYS = ['mon', 'tue', 'wed', 'thu', 'fri', 'sat', 'sun'];

/** The If-Match header for a revision we read. */
export const ifMatch = (/** @type {number} */ revision) => ({ 'If-Match': `"${revision}"` });

/** Another admin changed it first (412), or the screen sent no revision (428): either way, reload. */
export const isConflict = (/** @type {any} */ error) => error?.status === 412 || error?.status === 428;

/** A text in the screen's language. */
export const local = (/** @type {Text} */ text) => (document.documentElement.lang === 'en' ? text.en || text.id : text.id || text.en);

// The server's field problems are a fixed set of English phrases (api/catalogue/building*.py): each has its words here.
const MESSAGES = /** @type {Record<string, string>} */ ({
  'is required': 'bldErr_required',
  'must be a time range HH:MM-HH:MM': 'bldErr_hoursFormat',
  'must start before it ends': 'bldErr_hoursOrder',
  'must start after the previous range ends': 'bldErr_hoursOverlap',
  'is outside Indonesia': 'bldErr_outside',
  'is not a number': 'bldErr_number',
  'is not a phone number': 'bldErr_phone',
  'is in the past': 'bldErr_past',
  'is more than three years ahead': 'bldErr_tooFar',
  'must be 2-40 capital letters, digits or _, starting with a letter': 'bldErr_agencyCode',
  'is set by the national agency kind': 'bldErr_setByKind',
  'must be 1-10 letters or digits (with - or .)': 'bldErr_counterNumber',
  'is not an agency in this building': 'bldErr_notAgencyHere',
  'is not an active service of this agency': 'bldErr_notServiceOfAgency',
  'is listed twice': 'bldErr_twice',
  'must be the 4-digit BPS code': 'bldErr_regionCode',
  'must be the 2-digit BPS province code': 'bldErr_provinceCode',
  'must start with the province code': 'bldErr_notInProvince',
  "must start with 'Kabupaten '": 'bldErr_kabupatenName',
  "must start with 'Kota '": 'bldErr_kotaName',
});

/** A field problem in the reader's words (a phrase this screen does not know yet still says "not accepted"). */
export const fieldText = (/** @type {string} */ message) => t(MESSAGES[message] || 'bldErr_other');

/**
 * A labelled input with its hint and an error slot, found by its API field name (`data-field`): the server's
 * problems land next to it (showProblems).
 * @param {{ field: string, label: string, input: HTMLElement, hint?: string }} spec
 */
export function labelled({ field, label, input, hint }) {
  const id = `bld-${field.replace(/[^A-Za-z0-9]+/g, '-')}-${Math.random().toString(36).slice(2, 7)}`;
  input.id = id;
  const $hint = hint ? h('p', { class: 'hint', id: `${id}-hint` }, [hint]) : null;
  const $error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
  input.setAttribute('aria-describedby', [$hint?.id, $error.id].filter(Boolean).join(' '));
  return h('div', { class: 'field', 'data-field': field }, [h('label', { for: id }, [label]), $hint, $error, input]);
}

/**
 * Clear the problems shown in a form.
 * @param {HTMLElement} $form
 */
export function clearProblems($form) {
  for (const $error of $form.querySelectorAll('[data-field] > .error, .bld-form-error')) {
    $error.textContent = '';
    /** @type {HTMLElement} */ ($error).hidden = true;
  }
  for (const $input of $form.querySelectorAll('[aria-invalid]')) $input.removeAttribute('aria-invalid');
}

/**
 * Show an API error in a form: each field problem next to its field (`data-field` = the problem's field; a problem
 * of `a.b[2]` without such a field goes to `a.b`, then `a`), the rest and the error itself in the form's message
 * (`.bld-form-error`), which is focused so it is read out. A conflict (412/428) shows the reload notice instead.
 * @param {HTMLElement} $form
 * @param {unknown} error
 * @param {() => void} onReload
 * @param {Record<string, string>} [texts] this form's own words for a problem code (e.g. `code_taken`)
 */
export function showProblems($form, error, onReload, texts = {}) {
  clearProblems($form);
  const $message = /** @type {HTMLElement} */ ($form.querySelector('.bld-form-error'));
  if (isConflict(error)) {
    $message.replaceChildren(conflictNotice(onReload));
    $message.hidden = false;
    /** @type {HTMLElement} */ ($message.querySelector('button'))?.focus();
    return;
  }
  /** @type {FieldProblem[]} */
  const problems = /** @type {any} */ (error)?.problem?.errors || [];
  /** @type {string[]} */
  const unplaced = [];
  let first = /** @type {HTMLElement | null} */ (null);
  for (const problem of problems) {
    const $field = fieldFor($form, problem.field);
    if (!$field) { unplaced.push(fieldText(problem.message)); continue; }
    const $error = /** @type {HTMLElement} */ ($field.querySelector(':scope > .error'));
    $error.textContent = [$error.textContent, fieldText(problem.message)].filter(Boolean).join(' ');
    $error.hidden = false;
    const $input = $field.querySelector('input, select, textarea');
    $input?.setAttribute('aria-invalid', 'true');
    first = first || /** @type {HTMLElement | null} */ ($input);
  }
  const code = /** @type {any} */ (error)?.code;
  const summary = problems.length ? t('bldFieldErrors') : texts[code] || problemText(error);
  $message.replaceChildren(h('span', {}, [[summary, ...unplaced].join(' ')]));
  $message.hidden = false;
  // Focus goes to the first field to fix (its error is read with it), or to the message when no field has one.
  (first || $message).focus();
}

/**
 * @param {HTMLElement} $form
 * @param {string} field
 * @returns {HTMLElement | null}
 */
function fieldFor($form, field) {
  let name = field;
  while (name) {
    const $field = /** @type {HTMLElement | null} */ ($form.querySelector(`[data-field="${CSS.escape(name)}"]`));
    if ($field) return $field;
    const cut = Math.max(name.lastIndexOf('.'), name.lastIndexOf('['));
    name = cut > 0 ? name.slice(0, cut) : '';
  }
  return null;
}

/** The form-level message slot that showProblems fills (focusable, so it is read out when focused). */
export const formMessage = () => h('div', { class: 'error bld-form-error', role: 'alert', tabindex: '-1', hidden: true });

/**
 * What happened when someone else saved first, and a button that reloads: nothing was saved, and the other
 * admin's change must be seen before changing again.
 * @param {() => void} onReload
 */
export function conflictNotice(onReload) {
  return h('div', { class: 'bld-conflict' }, [
    h('p', {}, [t('bldConflict')]),
    h('button', { type: 'button', onclick: onReload }, [t('bldReload')]),
  ]);
}

/**
 * A section of the screen: its heading (focusable, so a reload can return focus to it) and a status line that
 * says what the last action did.
 * @param {string} id
 * @param {string} title
 * @param {(Node | string | null)[]} children
 */
export function section(id, title, children) {
  return h('section', { class: 'bld-section', id, 'aria-labelledby': `${id}-title` }, [
    h('h2', { id: `${id}-title`, tabindex: '-1' }, [title]),
    h('p', { class: 'status', role: 'status', id: `${id}-status` }),
    ...children,
  ]);
}

/** A text input. @param {Record<string, any>} [attrs] */
export const textInput = (value = '', attrs = {}) => /** @type {HTMLInputElement} */ (h('input', { type: 'text', autocomplete: 'off', ...attrs, value }));
