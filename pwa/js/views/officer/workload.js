// The supervisor's view: open, overdue and due-soon applications per officer, and the accounts flagged as
// possible brokers (*calo*: applying for many different people without a family mandate). Plain officers get a
// polite explanation instead of an error, since the navigation shows this entry to all staff.
import { get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { errorText, loadStyles } from './common.js';

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  $main.append(h('h1', {}, [t('officerWorkloadTitle')]));
  if (!session.hasRole('supervisor')) {
    $main.append(
      h('p', { class: 'card' }, [t('officerSupervisorsOnly')]),
      h('p', {}, [h('a', { class: 'back', href: '#/officer' }, [t('officerBackToInbox')])]),
    );
    return;
  }
  const [workload, flags] = await Promise.allSettled([get('/api/v1/supervisor/workload'), get('/api/v1/supervisor/broker-flags')]);

  const $work = h('section', { class: 'card', 'aria-labelledby': 'off-work-title' }, [h('h2', { id: 'off-work-title' }, [t('officerWorkloadCaption')])]);
  if (workload.status === 'rejected') $work.append(h('p', { class: 'error', role: 'alert' }, [errorText(workload.reason)]));
  else if (!workload.value.items.length) $work.append(h('p', {}, [t('officerWorkloadEmpty')]));
  else {
    $work.append(table('off-workload', t('officerWorkloadCaption'),
      [[t('officerOfficer'), ''], [t('officerOpen'), 'num'], [t('officerOverdue'), 'num'], [t('officerDueSoon'), 'num']],
      workload.value.items.map((/** @type {any} */ o) => [o.officer ? o.name : t('officerUnassigned'), o.open, o.overdue, o.dueSoon])));
  }

  const $flags = h('section', { class: 'card', 'aria-labelledby': 'off-flags-title' }, [
    h('h2', { id: 'off-flags-title' }, [t('officerBrokerFlags')]),
    h('p', { class: 'hint' }, [t('officerBrokerHelp')]),
  ]);
  if (flags.status === 'rejected') $flags.append(h('p', { class: 'error', role: 'alert' }, [errorText(flags.reason)]));
  else if (!flags.value.items.length) $flags.append(h('p', {}, [t('officerBrokerEmpty')]));
  else {
    $flags.append(table('off-flags', t('officerBrokerCaption'),
      [[t('officerBrokerName'), ''], [t('officerBrokerPhone'), ''], [t('officerBrokerPeople'), 'num'], [t('officerBrokerWindow'), 'num'], [t('officerBrokerAt'), '']],
      flags.value.items.map((/** @type {any} */ f) => [f.name || '—', f.phone, f.people, f.windowDays, formatDate(f.createdAt, true)])));
  }
  $main.append($work, $flags);
}

/**
 * A data table with a caption and column headers, the first cell of each row its row header (screen readers
 * then say "Budi, Overdue, 3").
 * @param {string} id @param {string} caption @param {[string, string][]} columns [label, class]
 * @param {(string | number)[][]} rows
 */
function table(id, caption, columns, rows) {
  return h('div', { class: 'off-table-wrap', role: 'region', 'aria-labelledby': `${id}-caption`, tabindex: '0' }, [
    h('table', { class: 'off-table', id }, [
      h('caption', { id: `${id}-caption`, class: 'visually-hidden' }, [caption]),
      h('thead', {}, [h('tr', {}, columns.map(([label, cls]) => h('th', { scope: 'col', class: cls || undefined }, [label])))]),
      h('tbody', {}, rows.map((cells) => h('tr', {}, cells.map((cell, i) => (i === 0
        ? h('th', { scope: 'row' }, [String(cell)])
        : h('td', { class: columns[i][1] || undefined }, [String(cell)])))))),
    ]),
  ]);
}
