// Failed notifications (dead letters): messages the outbox gave up on after repeated delivery failures, of the
// admin's region (all regions for a national admin). Each can be sent again once its cause is fixed.
import { get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { loadStyles } from './common.js';

/**
 * @typedef {{ id: number, topic: string, createdAt: string, attempts: number, deadAt: string, lastError?: string, region?: string }} DeadLetter
 */

/** @param {string} topic e.g. "application.status_changed" */
function topicText(topic) {
  const key = `adminTopic_${topic.replace(/\W/g, '_')}`;
  const text = t(key);
  return text === key ? t('adminTopicOther') : text;
}

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const $list = h('div', { id: 'adm-dead-list' });
  const $status = h('p', { class: 'status', role: 'status' });
  $main.append(h('h1', {}, [t('adminFailedTitle')]), h('p', {}, [t('adminFailedIntro')]), $status, $list);
  await load();

  async function load() {
    try {
      /** @type {{ items: DeadLetter[], total: number }} */
      const found = await get('/api/v1/admin/notifications/dead-letters');
      $list.replaceChildren(found.items.length
        ? h('ul', { class: 'adm-list' }, found.items.map(row))
        : h('p', { class: 'card', id: 'adm-dead-empty' }, [t('adminFailedEmpty')]));
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {DeadLetter} item */
  function row(item) {
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $replay = h('button', { type: 'button' }, [t('adminFailedReplay')]);
    $replay.addEventListener('click', async () => {
      $replay.setAttribute('disabled', '');
      $error.hidden = true;
      try {
        await post(`/api/v1/admin/notifications/dead-letters/${item.id}/replay`);
        toast(t('adminFailedReplayed'));
        $status.textContent = t('adminFailedReplayed');
        await load();
      } catch (error) {
        $error.textContent = problemText(error);
        $error.hidden = false;
        $replay.removeAttribute('disabled');
      }
    });
    return h('li', { class: 'card', 'data-id': String(item.id) }, [
      h('h2', {}, [topicText(item.topic)]),
      h('p', { class: 'meta' }, [t('adminFailedWhen', { date: formatDate(item.deadAt, true) }), ' · ', t('adminFailedAttempts', { n: item.attempts })]),
      // The provider's own words (SMS gateway, push service), for whoever fixes the cause: marked as English.
      item.lastError ? h('details', {}, [h('summary', {}, [t('adminFailedDetail')]), h('code', { lang: 'en', class: 'adm-secret' }, [item.lastError])]) : '',
      $replay, $error,
    ]);
  }
}
