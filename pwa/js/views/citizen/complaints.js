// My complaints (`#/complaints`): each with its number, status in words, what it is about, and — while the agency
// still has to answer — its due date, "terlambat" once past it. A new complaint starts from what it is about (an
// application, a queue ticket, a service page), so the list only says where to go.
import { ApiError, OfflineError, get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { complaintChip, complaintDue } from '../../components/feedback-common.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} _ctx
 */
export default async function render($main, _ctx) {
  const $list = h('ol', { class: 'results fb-complaints', id: 'fb-complaints' });
  const $status = h('p', { class: 'status', role: 'status', id: 'fb-complaints-status' }, [t('fbLoading')]);
  $main.append(h('h1', {}, [t('titleComplaints')]), $status, $list, h('p', { class: 'hint', id: 'fb-complaints-how' }, [t('fbCmpHowToFile')]));
  let body;
  try {
    body = await get('/api/v1/complaints');
  } catch (error) {
    $status.textContent = error instanceof OfflineError ? t('offline') : error instanceof ApiError ? problemText(error) : t('offline');
    return;
  }
  $status.textContent = body.items.length ? '' : t('fbCmpNone');
  $list.replaceChildren(...body.items.map((/** @type {any} */ c) => h('li', { class: 'result fb-complaint-row', id: `fb-complaint-${c.id}` }, [
    h('h2', {}, [h('a', { href: `#/complaints/${c.id}` }, [c.number])]),
    h('p', { class: 'meta' }, [complaintChip(c.status)]),
    h('p', { class: 'meta' }, [[c.serviceName, c.agencyName].filter(Boolean).join(' · ')]),
    h('p', { class: 'meta' }, [t('fbCmpFiled', { date: formatDate(c.createdAt) })]),
    complaintDue(c) ? h('p', { class: 'meta' }, [complaintDue(c)]) : '',
  ])));
}
