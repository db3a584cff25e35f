// What waits on this phone to be sent: "saved on this phone" until the server answers, then "received" with
// its number; a submission the server refused stays here, marked, until the person fixes or deletes it.
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as outbox from '../../store/outbox.js';
import * as drafts from '../../store/drafts.js';

/** @param {HTMLElement} $main */
export default async function render($main) {
  const $list = h('ul', { class: 'results', id: 'outbox' });
  const $status = h('p', { class: 'status', role: 'status', id: 'outbox-status' });
  const $send = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'outbox-send' }, [t('outboxSendNow')]));
  $main.append(h('h1', {}, [t('titleOutbox')]), h('p', {}, [t('outboxIntro')]), $status, $list, h('p', {}, [$send]));

  const draw = async () => {
    const items = (await outbox.list()).reverse();
    $send.hidden = !items.some((i) => i.state === 'pending');
    if (items.length === 0) {
      $list.replaceChildren(h('li', {}, [t('outboxEmpty')]));
      return;
    }
    $list.replaceChildren(...items.map(row));
  };

  /** @param {import('../../store/outbox.js').OutboxItem} item */
  const row = (item) => h('li', { class: `result outbox-${item.state}`, 'data-state': item.state, 'data-id': item.id }, [
    h('h2', {}, [item.title]),
    item.state === 'received' && item.result
      ? h('p', {}, [h('strong', {}, [t('outboxReceived', { number: item.result.number ?? '' })]), ' ',
        h('a', { href: `#/applications/${item.result.id}` }, [t('outboxOpen')])])
      : item.state === 'failed'
        ? h('div', {}, [
          h('p', { class: 'error' }, [t('outboxFailed'), ' ', item.problem ? problemText(item.problem) : '']),
          h('div', { class: 'actions' }, [
            item.serviceId ? h('button', { type: 'button', onclick: () => fix(item) }, [t('outboxFix')]) : '',
            h('button', { type: 'button', class: 'danger', onclick: () => discard(item) }, [t('outboxDelete')]),
          ]),
        ])
        : h('p', {}, [h('strong', {}, [t('outboxPending')])]),
    h('p', { class: 'meta' }, [t('outboxMadeAt', { time: formatDate(item.createdAt, true) })]),
  ]);

  /** Back into the form, with what was typed: the refused submission becomes a draft again. */
  const fix = async (/** @type {import('../../store/outbox.js').OutboxItem} */ item) => {
    const serviceId = /** @type {string} */ (item.serviceId);
    await drafts.keep({
      serviceId, draftId: item.body.draftId ?? null, version: null, answers: item.body.answers,
      documentIds: item.body.documentIds, step: 2, updatedAt: '', unsynced: true,
    });
    await outbox.remove(item.id);
    location.hash = `#/apply/${serviceId}`;
  };

  const discard = async (/** @type {import('../../store/outbox.js').OutboxItem} */ item) => {
    // A refused submission is deleted only on an explicit, confirmed request.
    if (!window.confirm(t('outboxDeleteConfirm'))) return;
    await outbox.remove(item.id);
    announce(t('outboxDeleted'));
  };

  $send.addEventListener('click', async () => {
    $status.textContent = t('outboxSending');
    const received = await outbox.replay().catch(() => 0);
    $status.textContent = received ? t('outboxSent', { n: received }) : navigator.onLine ? '' : t('offline');
  });

  await draw();
  const stop = outbox.onChange(() => { draw(); });
  if (navigator.onLine) outbox.replay().catch(() => undefined);
  return stop;
}
