// The officer's inbox: my agency's applications in my region, soonest deadline first, with filters kept in the
// URL (so reload and Back keep them), claim / hand over, and a bulk start of review.
import { get, api } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { dueText, errorText, ifMatch, isConflict, loadStyles, statusBadge } from './common.js';
import { OPEN, isIn } from '../../statuses.js';

const PAGE_SIZE = 20;

/** @param {any} ref a Ref {code, name} or a plain code */
const code = (ref) => (ref && typeof ref === 'object' ? ref.code : ref) || '';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const me = session.me() || {};
  const q = ctx.query;
  const filters = {
    status: isIn(OPEN, q.get('status')) ? /** @type {string} */ (q.get('status')) : '',
    overdue: q.get('overdue') === '1',
    soon: q.get('soon') === '1',
    mine: q.get('mine') === '1',
    service: q.get('service') || '',
  };

  /** @type {Map<string, any>} the loaded applications, in order */
  const items = new Map();
  /** @type {Set<string>} */
  const selected = new Set();
  /** @type {Map<string, string>} officer id → name: the colleagues one may hand an application to */
  const colleagues = new Map();
  let page = 0;
  let total = 0;

  // --- Filters: a plain GET-like form whose submit writes the query into the hash (one history entry). ---
  const $status = h('select', { id: 'off-f-status', name: 'status' }, [
    h('option', { value: '' }, [t('officerAllOpen')]),
    ...OPEN.map((s) => h('option', { value: s, selected: filters.status === s }, [t(`officerSt_${s}`)])),
  ]);
  const $service = h('select', { id: 'off-f-service', name: 'service' }, [
    h('option', { value: '' }, [t('officerAllServices')]),
    ...(filters.service ? [h('option', { value: filters.service, selected: true }, [filters.service])] : []),
  ]);
  const check = (/** @type {string} */ id, /** @type {boolean} */ on, /** @type {string} */ key) => h('div', { class: 'off-check' }, [
    h('input', { type: 'checkbox', id, checked: on }),
    h('label', { for: id }, [t(key)]),
  ]);
  const active = [filters.status, filters.overdue, filters.soon, filters.mine, filters.service].filter(Boolean).length;
  const $form = h('form', { class: 'off-filters-form', 'aria-label': t('officerFilters') }, [
    h('div', { class: 'off-filter-grid' }, [
      h('div', { class: 'field' }, [h('label', { for: 'off-f-status' }, [t('officerFilterStatus')]), $status]),
      h('div', { class: 'field' }, [h('label', { for: 'off-f-service' }, [t('officerFilterService')]), $service]),
    ]),
    h('div', { class: 'off-checks' }, [
      check('off-f-overdue', filters.overdue, 'officerFilterOverdue'),
      check('off-f-soon', filters.soon, 'officerFilterDueSoon'),
      check('off-f-mine', filters.mine, 'officerFilterMine'),
    ]),
    h('div', { class: 'off-actions' }, [
      h('button', { type: 'submit' }, [t('officerApplyFilters')]),
      h('a', { class: 'button secondary', href: '#/officer' }, [t('officerClearFilters')]),
    ]),
  ]);
  // On a phone the filters fold away (the list matters more there) unless some are in use; at a desk they stay
  // open beside the list.
  const $filters = h('details', { class: 'off-filters card', open: active > 0 || matchMedia('(min-width: 1024px)').matches }, [
    // Plain text in the summary: a heading inside its button role would be flattened by screen readers anyway.
    h('summary', {}, [t('officerFilters'), active ? ` (${active})` : '']),
    $form,
  ]);
  $form.addEventListener('submit', (event) => {
    event.preventDefault();
    const next = new URLSearchParams();
    const value = (/** @type {string} */ id) => /** @type {HTMLInputElement} */ ($form.querySelector(`#${id}`));
    if (/** @type {HTMLSelectElement} */ ($status).value) next.set('status', /** @type {HTMLSelectElement} */ ($status).value);
    if (value('off-f-overdue').checked) next.set('overdue', '1');
    if (value('off-f-soon').checked) next.set('soon', '1');
    if (value('off-f-mine').checked) next.set('mine', '1');
    if (/** @type {HTMLSelectElement} */ ($service).value) next.set('service', /** @type {HTMLSelectElement} */ ($service).value);
    const query = next.toString();
    location.hash = `#/officer${query ? `?${query}` : ''}`;
  });

  // --- The list, the bulk bar and the messages. ---
  const $count = h('p', { class: 'status', id: 'off-count', role: 'status' });
  const $message = h('p', { class: 'off-message', id: 'off-message', role: 'status', tabindex: '-1', hidden: true });
  const $list = h('ul', { class: 'off-list', 'aria-labelledby': 'off-inbox-title' });
  const $more = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => loadPage(true) }, [t('officerLoadMore')]);
  const $selectAll = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'off-select-all' }));
  const $selectedCount = h('span', { id: 'off-selected', 'aria-live': 'polite' }, [t('officerSelected', { n: 0 })]);
  const $bulk = h('button', { type: 'button', id: 'off-bulk-start', onclick: bulkStart }, [t('officerBulkStart')]);
  const $bulkBar = h('div', { class: 'off-bulk', role: 'region', 'aria-label': t('officerBulkStart') }, [
    h('div', { class: 'off-check' }, [$selectAll, h('label', { for: 'off-select-all' }, [t('officerSelectAll')])]),
    $selectedCount,
    $bulk,
  ]);
  $selectAll.addEventListener('change', () => {
    for (const id of items.keys()) {
      if ($selectAll.checked) selected.add(id); else selected.delete(id);
    }
    for (const $box of /** @type {NodeListOf<HTMLInputElement>} */ ($list.querySelectorAll('input[data-select]'))) $box.checked = $selectAll.checked;
    drawSelection();
  });

  $main.append(
    h('h1', { id: 'off-inbox-title' }, [t('officerInboxTitle')]),
    h('div', { class: 'off-inbox' }, [
      $filters,
      h('section', { class: 'off-results', 'aria-labelledby': 'off-inbox-title' }, [$count, $message, $bulkBar, $list, $more]),
    ]),
  );

  function drawSelection() {
    $selectedCount.textContent = t('officerSelected', { n: selected.size });
    $selectAll.checked = items.size > 0 && selected.size === items.size;
    $selectAll.indeterminate = selected.size > 0 && selected.size < items.size;
  }

  /** @param {string} text @param {boolean} [isError] */
  function say(text, isError = false) {
    $message.hidden = false;
    $message.textContent = text;
    $message.classList.toggle('error', isError);
    announce(text);
  }

  /** @param {any} item */
  function holderText(item) {
    if (!item.assignedTo) return t('officerUnassigned');
    if (item.assignedTo === me.id) return t('officerYou');
    return item.assignee || '—';
  }

  /** @param {any} item */
  function row(item) {
    const number = item.number || item.id.slice(0, 8);
    const $box = h('input', { type: 'checkbox', id: `off-sel-${item.id}`, 'data-select': item.id, checked: selected.has(item.id) });
    $box.addEventListener('change', () => {
      if (/** @type {HTMLInputElement} */ ($box).checked) selected.add(item.id); else selected.delete(item.id);
      drawSelection();
    });
    const others = [...colleagues].filter(([id]) => id !== me.id && id !== item.assignedTo);
    const $assign = others.length ? assignControl(item, number, others) : null;
    return h('li', { class: 'off-item card', id: `off-row-${item.id}`, 'data-status': item.status }, [
      h('div', { class: 'off-item-select' }, [$box, h('label', { for: `off-sel-${item.id}`, class: 'visually-hidden' }, [t('officerSelect', { number })])]),
      h('div', { class: 'off-item-body' }, [
        h('h2', { class: 'off-item-title' }, [h('a', { href: `#/officer/applications/${item.id}` }, [number]), ' ', statusBadge(item.status)]),
        h('p', { class: 'off-item-service' }, [item.service?.name || '']),
        h('dl', { class: 'off-facts' }, [
          h('dt', {}, [t('officerApplicant')]), h('dd', {}, [item.subjectName || '—']),
          h('dt', {}, [t('officerDue')]), h('dd', {}, [dueText(item.deadline)]),
          h('dt', {}, [t('officerHolder')]), h('dd', {}, [holderText(item)]),
        ]),
        item.flagged ? h('p', { class: 'off-flag off-overdue' }, [h('span', { 'aria-hidden': 'true' }, ['⚑']), ` ${t('officerFlagged')}`]) : null,
        h('div', { class: 'off-actions' }, [
          item.assignedTo !== me.id
            ? h('button', { type: 'button', class: 'secondary', 'aria-label': t('officerClaimLabel', { number }), onclick: () => claim(item, null) }, [t('officerClaim')])
            : null,
          $assign,
        ]),
      ]),
    ]);
  }

  /**
   * @param {any} item @param {string} number @param {[string, string][]} others
   */
  function assignControl(item, number, others) {
    const id = `off-as-${item.id}`;
    const $select = /** @type {HTMLSelectElement} */ (h('select', { id }, [
      h('option', { value: '' }, [t('officerChooseColleague')]),
      ...others.map(([value, name]) => h('option', { value }, [name])),
    ]));
    return h('details', { class: 'off-assign' }, [
      h('summary', {}, [t('officerAssignTo')]),
      h('div', { class: 'field' }, [
        h('label', { for: id }, [t('officerAssignLabel', { number })]),
        $select,
      ]),
      h('button', { type: 'button', onclick: () => { if ($select.value) claim(item, $select.value); else $select.focus(); } }, [t('officerAssign')]),
    ]);
  }

  /** Replace one row after a change, keeping focus on it (its link) rather than losing it to the body. */
  function redraw(/** @type {any} */ item) {
    items.set(item.id, item);
    const $old = document.getElementById(`off-row-${item.id}`);
    const $new = row(item);
    $old?.replaceWith($new);
    /** @type {HTMLElement | null} */ ($new.querySelector('h2 a'))?.focus();
  }

  /**
   * Claim (to: null) or hand to a colleague, on the version we showed: a stale row answers 412.
   * @param {any} item @param {string | null} to
   */
  async function claim(item, to) {
    const number = item.number || item.id.slice(0, 8);
    try {
      const detail = await api(`/api/v1/officer/applications/${item.id}/assign`, {
        method: 'POST', body: to ? { officerId: to } : {}, headers: ifMatch(item.version),
      });
      if (detail.assignedTo && detail.assignee) colleagues.set(detail.assignedTo, detail.assignee);
      say(to ? t('officerAssigned', { number, name: colleagues.get(to) || '' }) : t('officerClaimed', { number }));
      redraw(detail);
    } catch (error) {
      say(errorText(error), true);
      if (isConflict(error)) {
        // Show the fresh state of that row so the officer sees who took it.
        const fresh = await get(`/api/v1/officer/applications/${item.id}`).catch(() => null);
        if (fresh) redraw(fresh);
      }
    }
  }

  async function bulkStart() {
    if (selected.size === 0) {
      say(t('officerBulkNone'), true);
      $message.focus();
      return;
    }
    $bulk.setAttribute('disabled', '');
    try {
      const result = await api('/api/v1/officer/applications/bulk/start-review', { method: 'POST', body: { ids: [...selected] } });
      selected.clear();
      await loadPage(false);
      say(t('officerBulkResult', { started: result.started.length, skipped: result.skipped.length }));
    } catch (error) {
      say(errorText(error), true);
    } finally {
      $bulk.removeAttribute('disabled');
      $message.focus();
    }
  }

  /** @param {boolean} more append the next page; otherwise start again from the first */
  async function loadPage(more) {
    const next = more ? page + 1 : 1;
    let data;
    try {
      data = await get('/api/v1/officer/applications', {
        status: filters.status || undefined,
        overdue: filters.overdue || undefined,
        dueWithinDays: filters.soon ? 2 : undefined,
        service: filters.service || undefined,
        mine: filters.mine || undefined,
        page: next,
        pageSize: PAGE_SIZE,
      });
    } catch (error) {
      $count.textContent = '';
      $list.replaceChildren(h('li', { class: 'card' }, [
        h('p', { class: 'error', role: 'alert' }, [errorText(error) || t('officerLoadError')]),
        h('button', { type: 'button', onclick: () => loadPage(more) }, [t('officerRetry')]),
      ]));
      return;
    }
    if (!more) { items.clear(); $list.replaceChildren(); }
    page = next;
    total = data.total;
    for (const item of data.items) if (item.assignedTo && item.assignee) colleagues.set(item.assignedTo, item.assignee);
    const $rows = data.items.map((/** @type {any} */ item) => { items.set(item.id, item); return row(item); });
    $list.append(...$rows);
    if (total === 0) $list.append(h('li', { class: 'card' }, [t('officerEmpty')]));
    $count.textContent = `${t('officerCount', { n: total })} · ${t('officerShowing', { shown: items.size, total })}`;
    $more.hidden = items.size >= total;
    $bulkBar.hidden = items.size === 0;
    drawSelection();
    // After "Load more", focus the first new row so keyboard users continue where the list grew.
    if (more) /** @type {HTMLElement | null} */ ($rows[0]?.querySelector('h2 a'))?.focus();
  }

  // Supervisors can see every colleague with work (the workload); plain officers see those holding cases.
  const loadColleagues = session.hasRole('supervisor')
    ? get('/api/v1/supervisor/workload').then((w) => {
      for (const o of w.items) if (o.officer) colleagues.set(o.officer, o.name);
    }).catch(() => undefined)
    : Promise.resolve();
  const loadServices = get('/api/v1/services', { agency: code(me.agency), region: code(me.region), pageSize: 100 })
    .then((list) => {
      const options = list.items
        .slice()
        .sort((/** @type {any} */ a, /** @type {any} */ b) => a.name.localeCompare(b.name))
        .map((/** @type {any} */ s) => h('option', { value: s.code, selected: s.code === filters.service }, [s.name]));
      $service.replaceChildren(h('option', { value: '' }, [t('officerAllServices')]), ...options);
    })
    .catch(() => undefined);
  await loadColleagues;
  await Promise.all([loadPage(false), loadServices]);
}
