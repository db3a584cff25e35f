// The form builder: the questions a citizen answers when applying (step 2 of applying, components/answers-form.js).
// Each field has a name (the key its answer is stored under), a kind, a label in both languages, whether it must
// be answered, a help text, and what its kind needs: choices for a select, a smallest and largest value for a
// number, a longest answer for text. Fields and choices are added, removed and put in order (lists.js). A name or
// a choice's value is suggested from its Indonesian label until the admin types one.
//
// Contract: receives the draft's `form` list (changed in place) and `changed()`; owns `$el`.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { bilingualInput, checkInput, numberInput, selectInput, textInput } from './fields.js';
import { listEditor } from './lists.js';
import { typeName } from './words.js';

/** @typedef {import('./shared.js').FormField} FormField */

export const FIELD_TYPES = ['text', 'textarea', 'number', 'date', 'select', 'nik', 'phone', 'email', 'address'];

/**
 * @param {FormField[]} form
 * @param {() => void} changed
 */
export function formBuilder(form, changed) {
  return listEditor({
    id: 'std-form',
    path: 'form',
    items: form,
    make: () => ({ name: '', type: 'text', label: { id: '', en: '' }, required: true }),
    itemLabel: (i) => t('stdItemField', { which: i + 1 }),
    add: t('stdAddField'),
    empty: t('stdNoFields'),
    changed,
    draw: (f, path, index) => fieldEditor(f, path, index, changed),
  }).$el;
}

/**
 * @param {FormField} f
 * @param {string} path
 * @param {number} index
 * @param {() => void} changed
 */
function fieldEditor(f, path, index, changed) {
  if (!f.label) f.label = { id: '', en: '' };
  const $extra = h('div', { class: 'std-extra' });
  const $name = textInput({
    path: `${path}.name`, label: t('stdFieldName'), hint: t('stdFieldNameHint'), value: f.name, max: 40,
    set: (v) => { f.name = v.trim(); nameTyped = f.name !== ''; },
  });
  let nameTyped = Boolean(f.name);
  const $label = bilingualInput({ path: `${path}.label`, legend: t('stdPart_label'), value: f.label, max: 200 });
  // The name follows the Indonesian label until typed: "Nama usaha" → "namaUsaha".
  $label.querySelector('input[lang="id"]')?.addEventListener('input', (event) => {
    if (nameTyped) return;
    f.name = camel(/** @type {HTMLInputElement} */ (event.target).value);
    /** @type {HTMLInputElement} */ ($name.querySelector('input')).value = f.name;
  });
  const $type = selectInput({
    path: `${path}.type`, label: t('stdFieldType'), value: f.type, options: FIELD_TYPES.map((v) => [v, typeName(v)]),
    set: (v) => { f.type = v; drawExtra(); changed(); },
  });
  function drawExtra() {
    // What a kind needs; what it does not need is dropped, so a number does not keep a select's choices.
    if (f.type !== 'select') delete f.options;
    if (f.type !== 'number') { delete f.min; delete f.max; }
    if (f.type !== 'text' && f.type !== 'textarea') delete f.maxLength;
    /** @type {(Node | string)[]} */
    const parts = [];
    if (f.type === 'select') {
      if (!f.options) f.options = [];
      const options = f.options;
      parts.push(h('h5', { class: 'std-sub' }, [t('stdPart_options')]), listEditor({
        id: `std-form-${index}-options`,
        path: `${path}.options`,
        items: options,
        make: () => ({ value: '', label: { id: '', en: '' } }),
        itemLabel: (i) => t('stdItemOption', { which: i + 1 }),
        add: t('stdAddOption'),
        empty: t('stdNoOptions'),
        changed,
        draw: (o, optionPath) => optionEditor(o, optionPath),
      }).$el);
    }
    if (f.type === 'number') {
      parts.push(h('div', { class: 'std-pair' }, [
        numberInput({ path: `${path}.min`, label: t('stdPart_min'), value: f.min, step: 'any', set: (v) => { setOrDrop(f, 'min', v); } }),
        numberInput({ path: `${path}.max`, label: t('stdPart_max'), value: f.max, step: 'any', set: (v) => { setOrDrop(f, 'max', v); } }),
      ]));
    }
    if (f.type === 'text' || f.type === 'textarea') {
      parts.push(numberInput({ path: `${path}.maxLength`, label: t('stdPart_maxLength'), hint: t('stdMaxLengthHint'), value: f.maxLength, min: 1, max: 5000, set: (v) => { setOrDrop(f, 'maxLength', v); } }));
    }
    $extra.replaceChildren(...parts);
  }
  drawExtra();
  const help = f.help ?? { id: '', en: '' };
  f.help = help;
  return [
    $label,
    $name,
    $type,
    checkInput({ path: `${path}.required`, label: t('stdFieldRequired'), checked: f.required !== false, set: (v) => { f.required = v; } }),
    $extra,
    bilingualInput({ path: `${path}.help`, legend: t('stdPart_help'), hint: t('stdFieldHelpHint'), value: help, optional: true, max: 500 }),
  ];
}

/**
 * @param {import('./shared.js').Option} o
 * @param {string} path
 */
function optionEditor(o, path) {
  let typed = Boolean(o.value);
  const $value = textInput({ path: `${path}.value`, label: t('stdPart_value'), hint: t('stdOptionValueHint'), value: o.value, max: 40, set: (v) => { o.value = v.trim(); typed = o.value !== ''; } });
  const $label = bilingualInput({ path: `${path}.label`, legend: t('stdPart_label'), value: o.label, max: 200 });
  $label.querySelector('input[lang="id"]')?.addEventListener('input', (event) => {
    if (typed) return;
    o.value = snake(/** @type {HTMLInputElement} */ (event.target).value);
    /** @type {HTMLInputElement} */ ($value.querySelector('input')).value = o.value;
  });
  return [$label, $value];
}

/**
 * @param {Record<string, any>} target
 * @param {string} key
 * @param {number | null} value
 */
function setOrDrop(target, key, value) {
  if (value === null) delete target[key];
  else target[key] = value;
}

/** Words without accents: the parts a name or a value is made of. */
const words = (/** @type {string} */ text) => text.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase().split(/[^a-z0-9]+/).filter(Boolean);

/** "Nama usaha" → "namaUsaha" (a field's name: a letter first, letters and digits, at most 40). */
export function camel(/** @type {string} */ text) {
  const name = words(text).map((w, i) => (i ? w[0].toUpperCase() + w.slice(1) : w)).join('').replace(/^[0-9]+/, '');
  return name.slice(0, 40);
}

/** "Rumah tinggal" → "rumah_tinggal" (a choice's value: lowercase letters, digits and _, at most 40). */
export function snake(/** @type {string} */ text) {
  return words(text).join('_').slice(0, 40);
}
