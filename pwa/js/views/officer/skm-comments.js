// Survey comments for the agency (`#/officer/skm/comments?replied=&from=&to=`; the region admin's
// `#/admin/skm/comments`): what citizens wrote with their answer, newest first, with the month, the service and the
// nine scores. A supervisor (or the region admin) may reply publicly: the reply publishes the pair on the
// service's page, without the citizen and without the officer. A reply can be changed or withdrawn (the API keeps
// each version; the latest shows). Plain officers read the comments and are told who can reply.
//
// Nothing here says who answered: the API gives no citizen, no application and no ticket, and this screen asks
// for nothing else.
import { ApiError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, formatMonth, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { errorText, loadStyles } from './common.js';
import { ELEMENTS } from './skm.js';

const REPLIED = /** @type {const} */ (['', 'false', 'true']);
const PAGE_SIZE = 20;

/**
 * @typedef {{ id: string, comment: string, month: string, serviceName?: any, scores?: Record<string, number>,
 *   reply: { text: string, at: string, author?: string | null } | null }} StaffComment
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const admin = session.isAdmin();
  const base = admin ? '#/admin/skm/comments' : '#/officer/skm/comments';
  const mayReply = admin || session.hasRole('supervisor');
  const replied = REPLIED.includes(/** @type {any} */ (ctx.query.get('replied') || '')) ? String(ctx.query.get('replied') || '') : '';
  const day = (/** @type {string} */ key) => (/^\d{4}-\d{2}-\d{2}$/.test(ctx.query.get(key) || '') ? String(ctx.query.get(key)) : '');
  const from = day('from');
  const to = day('to');

  const $replied = /** @type {HTMLSelectElement} */ (h('select', { id: 'sskc-replied' }, [
    h('option', { value: '', selected: replied === '' }, [t('sskcAll')]),
    h('option', { value: 'false', selected: replied === 'false' }, [t('sskcUnanswered')]),
    h('option', { value: 'true', selected: replied === 'true' }, [t('sskcAnswered')]),
  ]));
  const $form = h('form', { class: 'card', role: 'search', 'aria-label': t('sskcFilter') }, [
    h('div', { class: 'field' }, [h('label', { for: 'sskc-replied' }, [t('sskcShow')]), $replied]),
    h('button', { type: 'submit' }, [t('sskmShow')]),
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if ($replied.value) next.set('replied', $replied.value);
    if (from) next.set('from', from);
    if (to) next.set('to', to);
    const query = next.toString();
    location.hash = `${base}${query ? `?${query}` : ''}`;
  });
  const $count = h('p', { class: 'status', role: 'status', id: 'sskc-count' });
  const $list = h('ul', { class: 'off-list', id: 'sskc-list' });
  $main.append(
    h('h1', {}, [t('sskcTitle')]),
    h('p', {}, [h('a', { class: 'back', href: admin ? '#/admin/skm' : '#/officer/skm' }, [t('sskcBack')])]),
    h('p', { class: 'hint' }, [mayReply ? t('sskcIntroReply') : t('sskcIntroRead')]),
    $form,
    $count,
    $list,
  );

  const $more = h('button', { type: 'button', class: 'secondary', hidden: true }, [t('stcLoadMore')]);
  $main.append($more);
  let page = 0;
  let shown = 0;
  $more.addEventListener('click', () => load());
  await load();

  async function load() {
    $more.setAttribute('disabled', '');
    try {
      /** @type {{ items: StaffComment[], total?: number }} */
      const data = await get('/api/v1/staff/skm/comments', {
        replied: replied || undefined, from: from || undefined, to: to || undefined, page: page + 1, pageSize: PAGE_SIZE,
      });
      page += 1;
      const total = data.total ?? data.items.length;
      const $items = data.items.map(item);
      if (page === 1) $list.replaceChildren(...($items.length ? $items : [h('li', { class: 'card' }, [t('sskcEmpty')])]));
      else $list.append(...$items);
      shown += $items.length;
      $count.textContent = t('sskcCount', { n: total });
      $more.hidden = shown >= total || $items.length === 0;
      // After "Muat lagi", focus the first new comment so keyboard users continue where the list grew.
      if (page > 1) { $items[0]?.setAttribute('tabindex', '-1'); $items[0]?.focus(); }
    } catch (error) {
      $list.append(h('li', { class: 'card' }, [h('p', { class: 'error', role: 'alert', id: 'sskc-error' }, [words(error)])]));
    } finally {
      $more.removeAttribute('disabled');
    }
  }

  /** @param {StaffComment} c */
  function item(c) {
    const $li = h('li', { class: 'card sskc-item', id: `sskc-${c.id}` });
    draw($li, c);
    return $li;
  }

  /** @param {HTMLElement} $li @param {StaffComment} c */
  function draw($li, c) {
    const titleId = `sskc-t-${c.id}`;
    $li.replaceChildren(
      h('h2', { class: 'sskc-meta', id: titleId }, [formatMonth(c.month), nameOf(c.serviceName) ? ` · ${nameOf(c.serviceName)}` : '']),
      h('blockquote', { class: 'sskc-comment' }, [c.comment]),
      c.scores ? scores(c.scores) : '',
      c.reply ? h('div', { class: 'sskc-reply' }, [
        h('p', { class: 'sskc-reply-head' }, [t('sskcReplied', { date: formatDate(c.reply.at) }), c.reply.author ? ` · ${c.reply.author}` : '']),
        h('p', { class: 'sskc-reply-text' }, [c.reply.text]),
      ]) : h('p', { class: 'meta' }, [t('sskcNoReply')]),
      mayReply ? replyForm($li, c, titleId) : '',
    );
  }

  /** @param {Record<string, number>} s */
  function scores(s) {
    return h('details', { class: 'sskc-scores' }, [
      h('summary', {}, [t('sskcScores')]),
      h('dl', { class: 'off-facts' }, ELEMENTS.flatMap((key) => [h('dt', {}, [t(`sskmShort_${key}`)]), h('dd', {}, [String(s[key] ?? '—')])])),
    ]);
  }

  /** @param {HTMLElement} $li @param {StaffComment} c @param {string} titleId */
  function replyForm($li, c, titleId) {
    const id = `sskc-r-${c.id}`;
    const $text = /** @type {HTMLTextAreaElement} */ (h('textarea', { id, rows: '3', maxlength: '2000', 'aria-describedby': `${id}-hint ${id}-error` }));
    if (c.reply) $text.value = c.reply.text;
    const $error = h('p', { class: 'error', id: `${id}-error`, hidden: true });
    const $send = h('button', { type: 'submit' }, [c.reply ? t('sskcUpdate') : t('sskcPublish')]);
    const $withdraw = c.reply ? h('button', { type: 'button', class: 'danger' }, [t('sskcWithdraw')]) : null;
    const $form = h('form', { class: 'sskc-form', 'aria-labelledby': titleId, novalidate: true }, [
      h('details', { open: !c.reply || undefined }, [
        h('summary', {}, [c.reply ? t('sskcEdit') : t('sskcReply')]),
        h('div', { class: 'field' }, [
          h('label', { for: id }, [t('sskcReplyLabel')]),
          h('p', { class: 'hint', id: `${id}-hint` }, [t('sskcReplyHint')]),
          $text,
          $error,
        ]),
        h('div', { class: 'off-actions' }, [$send, $withdraw]),
      ]),
    ]);
    /** @param {string} message */
    const fail = (message) => { $error.hidden = false; $error.textContent = message; $text.focus(); };
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const text = $text.value.trim();
      if (!text) { fail(t('sskcReplyEmpty')); return; }
      $send.setAttribute('disabled', '');
      try {
        const reply = await api(`/api/v1/staff/skm/comments/${encodeURIComponent(c.id)}/reply`, { method: 'PUT', body: { text } });
        c.reply = reply && typeof reply === 'object' && 'text' in reply ? reply : { text, at: new Date().toISOString() };
        draw($li, c);
        announce(t('sskcPublished'));
        /** @type {HTMLElement | null} */ ($li.querySelector('.sskc-reply'))?.setAttribute('tabindex', '-1');
        /** @type {HTMLElement | null} */ ($li.querySelector('.sskc-reply'))?.focus();
      } catch (error) {
        $send.removeAttribute('disabled');
        fail(words(error));
      }
    });
    // Withdrawing asks first, in place (a second button), rather than in a dialog: it can be undone by replying again.
    const $sure = h('div', { class: 'sskc-sure', hidden: true, role: 'group', 'aria-label': t('sskcWithdrawTitle') }, [
      h('p', {}, [t('sskcWithdrawText')]),
      h('div', { class: 'off-actions' }, [
        h('button', { type: 'button', class: 'danger', onclick: withdraw }, [t('sskcWithdrawYes')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => { $sure.hidden = true; $withdraw?.focus(); } }, [t('sskcCancel')]),
      ]),
    ]);
    $withdraw?.addEventListener('click', () => {
      $sure.hidden = false;
      /** @type {HTMLElement | null} */ ($sure.querySelector('button'))?.focus();
    });
    if ($withdraw) $form.querySelector('details')?.append($sure);
    async function withdraw() {
      try {
        await api(`/api/v1/staff/skm/comments/${encodeURIComponent(c.id)}/reply`, { method: 'DELETE' });
        c.reply = null;
        draw($li, c);
        announce(t('sskcWithdrawn'));
        const $head = /** @type {HTMLElement | null} */ ($li.querySelector('h2'));
        $head?.setAttribute('tabindex', '-1');
        $head?.focus();
      } catch (error) {
        $sure.hidden = true;
        fail(words(error));
      }
    }
    return $form;
  }
}

/** An error in words; replying to another agency's comment (or as a plain officer) is said as such. @param {unknown} error */
function words(error) {
  if (error instanceof ApiError && error.status === 403) return t('sskcForbidden');
  if (error instanceof ApiError && error.status === 404) return t('sskcNotFound');
  return errorText(error);
}

/** @param {any} value */
function nameOf(value) {
  if (!value) return '';
  if (typeof value === 'string') return value;
  return String(value.id ?? value.name ?? '');
}
