// A list in the editor whose items are added, removed and put in order (requirements, procedure steps, legal
// basis, form fields and their options). Moving is done with "up"/"down" buttons rather than dragging: they work
// with a thumb on a small screen, with a keyboard and with a screen reader, and each says which item it moves.
// After a move the focus stays on the same button of the moved item, so pressing it again keeps moving it.
//
// Contract: receives the list (an array of the draft's content, changed in place), how to draw one item (its
// inputs, given the item's API path such as `requirements[2]`), how to make a new one, the words, and `changed()`
// (called after every add, remove and move); owns `$el` (the caller places it). No listeners outlive it.
import { t } from '../../../i18n.js';
import { announce, h } from '../../../lib/dom.js';

/**
 * @template T
 * @param {{ path: string, items: T[], draw: (item: T, path: string, index: number) => (Node | string)[], make: () => T,
 *   itemLabel: (index: number) => string, add: string, empty: string, changed: () => void, id: string }} spec
 * @returns {{ $el: HTMLElement, redraw: () => void }}
 */
export function listEditor({ path, items, draw, make, itemLabel, add, empty, changed, id }) {
  const $list = h('ol', { class: 'std-items', id: `${id}-items` });
  const $add = h('button', { type: 'button', class: 'secondary std-add', id: `${id}-add` }, [add]);
  const $el = h('div', { class: 'std-list', 'data-field': path, id }, [
    h('p', { class: 'error std-error', id: `${id}-error`, hidden: true }),
    $list,
    $add,
  ]);
  $add.addEventListener('click', () => {
    items.push(make());
    redraw();
    changed();
    const $new = /** @type {HTMLElement | null} */ ($list.lastElementChild?.querySelector('input, select, textarea') ?? null);
    $new?.focus();
    announce(t('stdItemAdded', { item: itemLabel(items.length - 1) }));
  });

  function redraw() {
    $list.replaceChildren(...(items.length ? items.map((item, i) => h('li', { class: 'std-item', 'data-index': String(i) }, [
      h('div', { class: 'std-item-head' }, [
        h('h4', { class: 'std-item-title' }, [itemLabel(i)]),
        h('div', { class: 'std-item-tools' }, [
          tool('up', i, t('stdMoveUp'), t('stdMoveUpLabel', { item: itemLabel(i) }), i === 0),
          tool('down', i, t('stdMoveDown'), t('stdMoveDownLabel', { item: itemLabel(i) }), i === items.length - 1),
          tool('remove', i, t('stdRemove'), t('stdRemoveLabel', { item: itemLabel(i) }), false),
        ]),
      ]),
      ...draw(item, `${path}[${i}]`, i),
    ])) : [h('li', { class: 'std-empty hint' }, [empty])]));
  }

  /**
   * @param {'up' | 'down' | 'remove'} act
   * @param {number} i
   * @param {string} text
   * @param {string} label the accessible name: which item it acts on
   * @param {boolean} disabled
   */
  function tool(act, i, text, label, disabled) {
    return h('button', {
      type: 'button', class: `secondary std-tool std-${act}`, 'aria-label': label, disabled, 'data-act': act,
      onclick: () => {
        if (act === 'remove') {
          const gone = itemLabel(i);
          items.splice(i, 1);
          redraw();
          changed();
          announce(t('stdItemRemoved', { item: gone }));
          // Focus where the removed item was: the next item's title area, or the add button.
          const $next = /** @type {HTMLElement | null} */ ($list.children[Math.min(i, items.length - 1)]?.querySelector('button[data-act="remove"]') ?? null);
          ($next || $add).focus();
          return;
        }
        const to = act === 'up' ? i - 1 : i + 1;
        [items[i], items[to]] = [items[to], items[i]];
        redraw();
        changed();
        announce(t('stdItemMoved', { item: itemLabel(to) }));
        const $moved = $list.children[to];
        const $same = /** @type {HTMLButtonElement | null} */ ($moved?.querySelector(`button[data-act="${act}"]`) ?? null);
        const $other = /** @type {HTMLElement | null} */ ($moved?.querySelector(`button[data-act="${act === 'up' ? 'down' : 'up'}"]`) ?? null);
        ($same && !$same.disabled ? $same : $other)?.focus();
      },
    }, [text]);
  }

  redraw();
  return { $el, redraw };
}
