// The changes between two versions of a standard (or a draft and its base), as a table a person reads: which
// part, what it was, what it is now. Lists are shown as lists, texts in both languages (words.js). On a phone the
// table's rows stack (admin.css), so each cell carries its column's name; the ARIA roles keep it a table for
// screen readers when CSS changes how it is laid out.
//
// Contract: `diffTable(changes, names)` returns fresh nodes (no state); the caller places them.
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { pathLabel, valueNode } from './words.js';

/**
 * @param {import('./shared.js').Change[]} changes
 * @param {import('./shared.js').Lookups} names
 * @param {string} [caption]
 */
export function diffTable(changes, names, caption) {
  if (!changes.length) return h('p', { class: 'std-nochange', role: 'status' }, [t('stdDiffNone')]);
  const before = t('stdDiffBefore');
  const after = t('stdDiffAfter');
  const field = t('stdDiffField');
  return h('table', { class: 'std-diff', role: 'table' }, [
    caption ? h('caption', {}, [caption]) : '',
    h('thead', { role: 'rowgroup' }, [h('tr', { role: 'row' }, [
      h('th', { scope: 'col', role: 'columnheader' }, [field]),
      h('th', { scope: 'col', role: 'columnheader' }, [before]),
      h('th', { scope: 'col', role: 'columnheader' }, [after]),
    ])]),
    h('tbody', { role: 'rowgroup' }, changes.map((change) => h('tr', { role: 'row', 'data-field': change.field }, [
      h('th', { scope: 'row', role: 'rowheader', class: 'std-diff-field' }, [pathLabel(change.field, names)]),
      h('td', { role: 'cell', class: 'std-diff-before', 'data-label': before }, [valueNode(change.before, change.field, names)]),
      h('td', { role: 'cell', class: 'std-diff-after', 'data-label': after }, [valueNode(change.after, change.field, names)]),
    ]))),
  ]);
}
