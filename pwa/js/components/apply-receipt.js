// The receipt after sending: "received, number …" with a link to the application, or "saved on this phone"
// with a link to the outbox when there was no connection. When the outbox sends it later while this screen is
// open, the receipt turns into "received" in place and says so to screen readers.
//
// Contract
// - Receives: the outbox item the submission made, and `onTitle(text)` to retitle the step heading it sits
//   under (called at once and on every change).
// - Owns: `$el` (div#receipt, its `data-state` the item's state) and a subscription to the outbox's changes.
// - Gives: `announce()` to read the receipt's main line to screen readers (the view calls it once it has moved
//   focus; later changes announce themselves).
// - Cleans up: `destroy()` ends the outbox subscription (the view's cleanup calls it).
import { t } from '../i18n.js';
import { announce, formatDate, h } from '../lib/dom.js';
import * as outbox from '../store/outbox.js';

/**
 * @param {import('../store/outbox.js').OutboxItem} item
 * @param {{ onTitle: (text: string) => void }} events
 */
export function applyReceipt(item, { onTitle }) {
  const $el = h('div', { class: 'receipt', id: 'receipt', 'data-state': item.state });
  const say = () => announce(/** @type {string} */ ($el.querySelector('.receipt-main')?.textContent));

  /** @param {import('../store/outbox.js').OutboxItem} current */
  function draw(current) {
    $el.dataset.state = current.state;
    if (current.state === 'received' && current.result) {
      onTitle(t('applyReceivedTitle'));
      $el.replaceChildren(
        h('p', { class: 'receipt-main' }, [t('applyReceived', { number: current.result.number ?? '' })]),
        h('p', {}, [t('applyReceivedHelp')]),
        h('p', {}, [h('a', { class: 'button', href: `#/applications/${current.result.id}` }, [t('applyOpenApplication')])]),
      );
      // A good moment to offer installing the app: the person has just finished something.
      import('../sw-client.js').then((m) => m.offerInstall()).catch(() => undefined);
    } else {
      onTitle(t('applySavedTitle'));
      $el.replaceChildren(
        h('p', { class: 'receipt-main' }, [t('applySavedOnPhone')]),
        h('p', {}, [t('applySavedHelp', { time: formatDate(current.createdAt, true) })]),
        h('p', {}, [h('a', { class: 'button secondary', href: '#/outbox' }, [t('applyOpenOutbox')])]),
      );
    }
  }

  draw(item);
  // Sent later from this phone's outbox: the receipt turns into "received" in place.
  const destroy = outbox.onChange(async () => {
    const current = await outbox.item(item.id);
    if (current && current.state !== $el.dataset.state && current.state === 'received') {
      draw(current);
      say();
    }
  });

  return { $el, announce: say, destroy };
}
