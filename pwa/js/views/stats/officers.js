// The agency's officers' workload on the dashboard (decisions, corrections asked for, tickets served), for a
// supervisor of the agency and the admins of its region.
//
// Read only on request: every reading of per-officer figures is written in the audit log (api/stats/officers.py),
// so the section says so and waits for "Tampilkan" rather than logging everyone who opens the dashboard.
//
// Contract: `officersSection({ scope, from, to, urls })` receives the agency's scope and the period; returns the
// <section> it owns; object URLs of its CSV download go to `urls` (the view revokes them).
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { csvButton, formatFigure, statsErrorText } from './common.js';

/**
 * @typedef {{ officer: { id: string, name: string }, decisions: number, corrections: number, ticketsServed: number }} OfficerRow
 * @param {{ scope: string, from: string, to: string, urls: string[] }} o
 */
export function officersSection({ scope, from, to, urls }) {
  const params = () => ({ scope, from, to });
  const $status = h('p', { class: 'status', role: 'status', id: 'stats-officers-status' });
  const $result = h('div', { id: 'stats-officers-result' });
  const $show = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary', id: 'stats-officers-show' }, [t('statsOfficersShow')]));
  $show.addEventListener('click', async () => {
    $show.disabled = true;
    $status.textContent = t('statsLoading');
    try {
      /** @type {{ items: OfficerRow[], total: number }} */
      const body = await get('/api/v1/stats/officers', params());
      $status.textContent = '';
      $show.remove();
      $result.replaceChildren(...(body.items.length ? [table(body.items), csvButton({
        path: '/api/v1/stats/officers', params, id: 'stats-officers-csv', fallback: `petugas-${from}-${to}.csv`, urls,
      })] : [h('p', { id: 'stats-officers-none' }, [t('statsOfficersNone')])]));
      // The table replaces the button that had focus: focus goes to the table's region, not back to the top.
      /** @type {HTMLElement | null} */ ($result.querySelector('[tabindex], p'))?.focus();
    } catch (error) {
      $status.textContent = statsErrorText(error);
      $show.disabled = false;
    }
  });
  return h('section', { class: 'card', 'aria-labelledby': 'stats-officers-title', id: 'stats-officers' }, [
    h('h2', { id: 'stats-officers-title' }, [t('statsOfficers')]),
    h('p', { class: 'hint' }, [t('statsOfficersHint')]),
    $show,
    $status,
    $result,
  ]);
}

/** @param {OfficerRow[]} items */
function table(items) {
  const count = (/** @type {number} */ n) => formatFigure(n, 'count');
  return h('div', { class: 'stats-table-wrap', role: 'region', 'aria-labelledby': 'stats-officers-caption', tabindex: '0' }, [
    h('table', { class: 'stats-table', id: 'stats-officers-table' }, [
      h('caption', { id: 'stats-officers-caption' }, [t('statsOfficers')]),
      h('thead', {}, [h('tr', {}, [
        h('th', { scope: 'col' }, [t('statsOfficer')]),
        h('th', { scope: 'col', class: 'num' }, [t('statsOfficerDecisions')]),
        h('th', { scope: 'col', class: 'num' }, [t('statsOfficerCorrections')]),
        h('th', { scope: 'col', class: 'num' }, [t('statsOfficerTickets')]),
      ])]),
      h('tbody', {}, items.map((o) => h('tr', {}, [
        h('th', { scope: 'row' }, [o.officer.name]),
        h('td', { class: 'num' }, [count(o.decisions)]),
        h('td', { class: 'num' }, [count(o.corrections)]),
        h('td', { class: 'num' }, [count(o.ticketsServed)]),
      ]))),
    ]),
  ]);
}
