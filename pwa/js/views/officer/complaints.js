// The complaints inbox (`#/officer/complaints?status=&overdue=1`): my agency's complaints in my region, with the
// status and "overdue only" filters kept in the URL (a reload or Back keeps them), each with its number, status,
// category, due date, what it is about and who filed it ("Identitas disembunyikan" when the citizen asked).
// Escalated and overdue complaints are marked by a word and an icon, and by a border (never colour alone).
//
// The region admin's list (views/admin/complaints.js) is this one with another base path and a region.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { loadStyles } from './common.js';
import {
  STATUSES, categoryText, complaintBadge, complaintDue, complaintErrorText, loadCategories, nameText,
} from './complaint.js';

const PAGE_SIZE = 20;

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  await complaintList($main, ctx, { base: '#/officer/complaints', title: t('stcTitle'), intro: t('stcIntro') });
}

/**
 * Contract: fills $main with the heading, the filters and the list; returns nothing to clean up.
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 * @param {{ base: string, title: string, intro: string, region?: string, before?: Node | null, showAgency?: boolean }} options
 *   `region`: a national admin's chosen region (sent as `region`); `before`: drawn above the filters;
 *   `showAgency`: each row names its agency (the region's list spans them all)
 */
export async function complaintList($main, ctx, { base, title, intro, region, before, showAgency }) {
  const q = ctx.query;
  const filters = {
    status: STATUSES.includes(/** @type {any} */ (q.get('status'))) ? String(q.get('status')) : '',
    overdue: q.get('overdue') === '1',
  };
  const $status = /** @type {HTMLSelectElement} */ (h('select', { id: 'stc-f-status' }, [
    h('option', { value: '' }, [t('stcAllStatuses')]),
    ...STATUSES.map((s) => h('option', { value: s, selected: filters.status === s }, [t(`stcSt_${s}`)])),
  ]));
  const $overdue = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'stc-f-overdue', checked: filters.overdue }));
  const $form = h('form', { class: 'stc-filters', role: 'search', 'aria-label': t('stcFilters') }, [
    h('div', { class: 'field' }, [h('label', { for: 'stc-f-status' }, [t('stcFilterStatus')]), $status]),
    h('div', { class: 'off-check' }, [$overdue, h('label', { for: 'stc-f-overdue' }, [t('stcFilterOverdue')])]),
    h('div', { class: 'off-actions' }, [
      h('button', { type: 'submit' }, [t('stcApplyFilters')]),
      h('a', { class: 'button secondary', href: `${base}${region ? `?region=${encodeURIComponent(region)}` : ''}` }, [t('stcClearFilters')]),
    ]),
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    if (region) next.set('region', region);
    if ($status.value) next.set('status', $status.value);
    if ($overdue.checked) next.set('overdue', '1');
    const query = next.toString();
    location.hash = `${base}${query ? `?${query}` : ''}`;
  });

  // On a phone the filters fold away (the list matters more) unless some are in use; at a desk they stay open.
  const active = [filters.status, filters.overdue].filter(Boolean).length;
  const $filters = h('details', { class: 'card off-filters', open: active > 0 || matchMedia('(min-width: 1024px)').matches }, [
    h('summary', { id: 'stc-filters-toggle' }, [t('stcFilters'), active ? ` (${active})` : '']),
    $form,
  ]);
  const $count = h('p', { class: 'status', id: 'stc-count', role: 'status' });
  const $list = h('ul', { class: 'off-list stc-list', id: 'stc-list', 'aria-labelledby': 'stc-list-title' });
  const $more = h('button', { type: 'button', class: 'secondary', hidden: true }, [t('stcLoadMore')]);
  $main.append(
    h('h1', { id: 'stc-list-title' }, [title]),
    h('p', { class: 'hint' }, [intro]),
    before || '',
    $filters,
    h('section', { 'aria-labelledby': 'stc-list-title' }, [$count, $list, $more]),
  );

  const names = await loadCategories();
  /** @type {string | null} */
  let cursor = null;
  let shown = 0;
  $more.addEventListener('click', () => load(true));
  await load(false);

  /** @param {boolean} more */
  async function load(more) {
    $more.setAttribute('disabled', '');
    let data;
    try {
      data = await get('/api/v1/staff/complaints', {
        status: filters.status || undefined,
        overdue: filters.overdue || undefined,
        region: region || undefined,
        limit: PAGE_SIZE,
        cursor: more ? cursor : undefined,
      });
    } catch (error) {
      $count.textContent = '';
      $list.replaceChildren(h('li', { class: 'card' }, [
        h('p', { class: 'error', role: 'alert', id: 'stc-error' }, [complaintErrorText(error)]),
        h('button', { type: 'button', onclick: () => load(more) }, [t('officerRetry')]),
      ]));
      return;
    } finally {
      $more.removeAttribute('disabled');
    }
    if (!more) { $list.replaceChildren(); shown = 0; }
    const $rows = data.items.map((/** @type {import('./complaint.js').StaffComplaint} */ item) => complaintRow(item, base, names, Boolean(showAgency)));
    $list.append(...$rows);
    shown += $rows.length;
    cursor = data.nextCursor ?? data.cursor ?? null;
    const total = typeof data.total === 'number' ? data.total : shown;
    if (shown === 0) $list.append(h('li', { class: 'card' }, [t('stcEmpty')]));
    $count.textContent = t('stcCount', { n: total });
    $more.hidden = !cursor || shown >= total;
    // After "Muat lagi", focus the first new row so keyboard users continue where the list grew.
    if (more) /** @type {HTMLElement | null} */ ($rows[0]?.querySelector('h2 a'))?.focus();
  }
}

/**
 * One complaint in a list.
 * @param {import('./complaint.js').StaffComplaint} item
 * @param {string} base
 * @param {Map<string, any>} names
 * @param {boolean} showAgency
 */
export function complaintRow(item, base, names, showAgency) {
  const escalated = item.status === 'escalated';
  const late = item.overdue && (item.status === 'submitted' || escalated);
  const about = [nameText(item.serviceName), item.applicationNumber || ''].filter(Boolean).join(' · ');
  return h('li', {
    class: `card stc-item${escalated ? ' stc-escalated' : ''}${late ? ' stc-late' : ''}`,
    id: `stc-row-${item.id}`,
    'data-status': item.status,
  }, [
    h('h2', { class: 'off-item-title' }, [h('a', { href: `${base}/${encodeURIComponent(item.id)}` }, [item.number]), ' ', complaintBadge(item.status)]),
    escalated ? h('p', { class: 'off-flag off-overdue stc-flag' }, [h('span', { 'aria-hidden': 'true' }, ['⚑']), ` ${t('stcEscalatedFlag')}`]) : null,
    h('dl', { class: 'off-facts' }, [
      h('dt', {}, [t('stcCategory')]), h('dd', {}, [categoryText(item.category, names)]),
      h('dt', {}, [t('stcDue')]), h('dd', {}, [complaintDue(item)]),
      ...(showAgency ? [h('dt', {}, [t('stcAgency')]), h('dd', {}, [nameText(item.agencyName) || '—'])] : []),
      h('dt', {}, [t('stcAbout')]), h('dd', {}, [about || '—']),
      h('dt', {}, [t('stcComplainant')]), h('dd', {}, [item.complainantName || h('span', { class: 'stc-hidden' }, [t('stcIdentityHidden')])]),
    ]),
  ]);
}
