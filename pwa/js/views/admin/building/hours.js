// The opening-hours editor: per weekday, its time ranges (Friday's prayer break is two: 08:00–11:00 and
// 13:00–15:00), each added or removed with a button; a day without ranges is closed.
//
// Contract: createHours(hours, field) receives the hours as the API gives them and the API field they are sent as
// (`openingHours`, or `mpp.openingHours` for a new region). It owns one root, `$el`, which the caller places in its
// form; each range is a `data-field` of its own (`openingHours.fri[1]`), so the server's problem with a range is
// shown next to it (shared.showProblems). `value()` gives the hours to send. Nothing to clean up.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { WEEKDAYS } from './shared.js';

/**
 * @param {Record<string, string[]>} hours
 * @param {string} field
 */
export function createHours(hours, field) {
  /** @type {Record<string, HTMLElement>} */
  const lists = {};
  const $el = h('div', { class: 'bld-hours', 'data-field': field }, [
    h('p', { class: 'hint' }, [t('bldHoursHint')]),
    h('p', { class: 'error', hidden: true }),
    ...WEEKDAYS.map(day),
  ]);
  return { $el, value };

  /** @param {string} name */
  function day(name) {
    const $list = h('div', { class: 'bld-ranges' });
    lists[name] = $list;
    const $legend = h('legend', {}, [t(`bldDay_${name}`)]);
    const $fieldset = h('fieldset', { class: 'bld-day' }, [
      $legend,
      $list,
      h('button', { type: 'button', class: 'secondary bld-add-range', onclick: () => { addRange(name, '', ''); focusLast(name); } }, [
        t('bldAddRange'),
        h('span', { class: 'visually-hidden' }, [` (${t(`bldDay_${name}`)})`]),
      ]),
    ]);
    for (const range of hours[name] || []) {
      const [start = '', end = ''] = range.split('-');
      addRange(name, start, end);
    }
    showClosed(name);
    return $fieldset;
  }

  /** @param {string} name @param {string} start @param {string} end */
  function addRange(name, start, end) {
    const $list = lists[name];
    const label = t(`bldDay_${name}`);
    const $start = /** @type {HTMLInputElement} */ (h('input', { type: 'time', step: '60', value: start, 'aria-label': `${t('bldFrom')} (${label})` }));
    const $end = /** @type {HTMLInputElement} */ (h('input', { type: 'time', step: '60', value: end, 'aria-label': `${t('bldUntil')} (${label})` }));
    const $row = h('div', { class: 'field bld-range' }, [
      h('p', { class: 'error', hidden: true }),
      h('div', { class: 'bld-range-inputs' }, [
        h('label', {}, [h('span', {}, [t('bldFrom')]), $start]),
        h('label', {}, [h('span', {}, [t('bldUntil')]), $end]),
        h('button', {
          type: 'button',
          class: 'link',
          'aria-label': t('bldRemoveRangeLabel', { day: label }),
          onclick: () => { $row.remove(); renumber(name); showClosed(name); focusLast(name); },
        }, [t('bldRemoveRange')]),
      ]),
    ]);
    $list.querySelector('.bld-closed')?.remove();
    $list.append($row);
    renumber(name);
  }

  /** Each range's `data-field` follows its position, as the server numbers them. @param {string} name */
  function renumber(name) {
    [...lists[name].querySelectorAll('.bld-range')].forEach(($row, i) => $row.setAttribute('data-field', `${field}.${name}[${i}]`));
  }

  /** @param {string} name */
  function showClosed(name) {
    if (!lists[name].querySelector('.bld-range')) lists[name].replaceChildren(h('p', { class: 'bld-closed' }, [t('bldClosedDay')]));
  }

  /** After adding or removing a range, focus stays in that day: on its last range, or on its add button. @param {string} name */
  function focusLast(name) {
    const inputs = lists[name].querySelectorAll('input');
    const $target = /** @type {HTMLElement | null} */ (inputs.length ? inputs[inputs.length - 2] : lists[name].parentElement?.querySelector('.bld-add-range') ?? null);
    $target?.focus();
  }

  /** @returns {Record<string, string[]>} */
  function value() {
    return Object.fromEntries(WEEKDAYS.map((name) => [name, [...lists[name].querySelectorAll('.bld-range')].map(($row) => {
      const [$start, $end] = /** @type {NodeListOf<HTMLInputElement>} */ ($row.querySelectorAll('input'));
      return `${$start.value}-${$end.value}`;
    })]));
  }
}
