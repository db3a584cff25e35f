// The holiday calendar (admin mode): a year's days off that deadlines skip. A region admin sees the national days
// (marked "Nasional", read-only: national admins keep them) and the region's own (libur daerah, its own cuti bersama),
// adds one (date, kind, names in both languages, and its legal basis — all required) and removes one with a reason,
// after a confirmation. A national admin keeps the national days the same way. The year is in the address
// (`?year=2027`), so Back and a reload keep it. After adding, the answer says how many open applications' deadlines
// moved one working day later (each got a timeline entry); a removal never brings a deadline forward, and says so.
import { api, get, post } from '../../api.js';
import { language, t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import * as session from '../../session.js';
import { confirmDialog, isRegionAdmin, loadStyles } from './common.js';

/** The API refuses days later than this many years ahead (no decree is published further ahead). */
const YEARS_AHEAD = 2;

/**
 * @typedef {{ id: string, name?: string | null }} Person
 * @typedef {{ id: string, day: string, kind: string, name: { id: string, en: string }, source: string, national: boolean,
 *   region: string | null, addedAt: string, addedBy?: Person, revision: number, editable: boolean,
 *   removed?: { at: string, reason: string, by?: Person } }} DayOff
 * @typedef {{ year: number, covered: boolean, confirmed: boolean, source?: string }} YearInfo
 * @typedef {HTMLElement & { $input: HTMLInputElement, $error: HTMLElement }} Field
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const regional = isRegionAdmin();
  const region = regional ? (session.me()?.region ?? null) : null;
  const thisYear = new Date().getFullYear();
  const asked = Number(ctx.query.get('year'));
  const year = Number.isInteger(asked) && asked >= 1900 && asked <= thisYear + YEARS_AHEAD ? asked : thisYear;
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  /** @type {YearInfo | null} */
  let yearInfo = null;

  $main.append(
    h('h1', {}, [t('adminCalendarTitle')]),
    h('p', { class: 'adm-scope' }, [regional ? t('adminCalIntroRegion', { region: region?.name ?? '' }) : t('adminCalIntroNational')]),
  );
  if (regional && !region) {
    $main.append(h('p', { class: 'error', role: 'alert' }, [t('adminCalNoRegion')]));
    return undefined;
  }

  const $yearInfo = h('p', { class: 'meta', id: 'adm-cal-year-info' });
  const $status = h('p', { class: 'status', role: 'status', id: 'adm-cal-count' });
  const $list = h('div', { id: 'adm-cal-list' });
  const $form = h('div', { id: 'adm-cal-new' });
  const $open = h('button', { type: 'button', id: 'adm-cal-add-open', 'aria-expanded': 'false', 'aria-controls': 'adm-cal-new' }, [t('adminCalAddOpen')]);
  $open.addEventListener('click', () => toggleForm($open.getAttribute('aria-expanded') !== 'true'));
  $main.append(
    yearNav(),
    $yearInfo,
    h('div', { class: 'adm-actions' }, [$open]),
    $form,
    h('section', { 'aria-labelledby': 'adm-cal-list-title' }, [
      h('h2', { id: 'adm-cal-list-title', tabindex: '-1' }, [t('adminCalListTitle', { year })]), $status, $list,
    ]),
  );
  await load();
  return () => dialog?.cancel();

  /** The year switcher: links, so the year lives in the address. */
  function yearNav() {
    /** @param {number} y @param {string} key @param {string} id */
    const link = (y, key, id) => h('a', { class: 'button secondary', id, href: `#/admin/calendar?year=${y}` }, [t(key, { year: y })]);
    return h('nav', { class: 'adm-cal-years', 'aria-label': t('adminCalYearNav') }, [
      link(year - 1, 'adminCalPrevYear', 'adm-cal-prev'),
      h('strong', { class: 'adm-cal-year', 'aria-current': 'page' }, [String(year)]),
      year < thisYear + YEARS_AHEAD ? link(year + 1, 'adminCalNextYear', 'adm-cal-next') : '',
    ]);
  }

  async function load() {
    $status.textContent = t('adminCalLoading');
    try {
      const answer = await get('/api/v1/admin/calendar', { year });
      /** @type {YearInfo} */
      const info = answer.year;
      yearInfo = info;
      $yearInfo.textContent = !info.covered ? t('adminCalYearNotCovered', { year })
        : info.confirmed ? t('adminCalYearCovered', { year, source: info.source ?? '' }) : t('adminCalYearEstimated', { year });
      /** @type {DayOff[]} */
      const days = answer.items;
      $status.textContent = t('adminCalCount', { n: days.filter((d) => !d.removed).length });
      $list.replaceChildren(days.length ? h('ul', { class: 'adm-list adm-cal-list' }, days.map(row)) : h('p', { id: 'adm-cal-empty' }, [t('adminCalEmpty')]));
    } catch (error) {
      $status.textContent = '';
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {DayOff} day */
  function nameOf(day) {
    return language() === 'en' ? day.name.en : day.name.id;
  }

  /** @param {DayOff} day */
  function row(day) {
    const removed = day.removed;
    /** @type {(Node | string)[]} */
    const badges = [
      h('span', { class: `badge adm-cal-scope ${day.national ? 'adm-cal-national' : 'adm-cal-regional'}` }, [day.national ? t('adminCalNational') : t('adminCalRegional')]),
      ' ',
      h('span', { class: 'badge adm-cal-kind' }, [t(`adminCalKind_${day.kind}`)]),
    ];
    if (removed) badges.push(' ', h('span', { class: 'badge adm-st adm-st-revoked' }, [t('adminCalRemovedBadge')]));
    // A national day of the year's decree names it once, above the list, rather than on each of its 25 days.
    const ofTheDecree = day.national && yearInfo?.source === day.source;
    const source = ofTheDecree ? t('adminCalSourceYear', { year }) : t('adminCalSource', { source: day.source });
    const added = !day.addedBy ? (ofTheDecree ? '' : t('adminCalSeeded'))
      : day.addedBy.name ? t('adminCalAddedBy', { date: formatDate(day.addedAt), name: day.addedBy.name })
        : t('adminCalAddedByUnknown', { date: formatDate(day.addedAt) });
    const $item = h('li', { class: `card adm-cal-day${removed ? ' adm-cal-removed' : ''}`, 'data-id': day.id, 'data-day': day.day }, [
      h('h3', {}, [formatDate(day.day)]),
      h('p', { class: 'adm-cal-name' }, [nameOf(day)]),
      h('p', {}, badges),
      h('p', { class: 'meta adm-cal-source' }, [source]),
      added ? h('p', { class: 'meta' }, [added]) : '',
      removed ? h('p', { class: 'meta' }, [removed.by?.name
        ? t('adminCalRemovedBy', { date: formatDate(removed.at), name: removed.by.name, reason: removed.reason })
        : t('adminCalRemovedByUnknown', { date: formatDate(removed.at), reason: removed.reason })]) : '',
    ]);
    if (day.editable) $item.append(removeControl(day));
    return $item;
  }

  /**
   * "Hapus…" opens the reason field under the day; the removal itself is confirmed in a dialog.
   * @param {DayOff} day
   */
  function removeControl(day) {
    const $details = h('details', { class: 'adm-cal-remove' });
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { maxlength: '1000', rows: '2' }));
    const $field = /** @type {Field} */ (field({ id: `adm-cal-reason-${day.id}`, label: t('adminCalReason'), hint: t('adminCalReasonHint'), input: $reason }));
    const $button = h('button', { type: 'submit', class: 'danger' }, [t('adminCalRemove')]);
    const $form = h('form', { novalidate: true }, [$field, h('div', { class: 'adm-actions' }, [$button])]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = $reason.value.trim();
      setError($field, '');
      if (!reason) { setError($field, t('adminCalErrReason')); $reason.focus(); return; }
      const asked = confirmDialog({
        title: t('adminCalRemoveTitle', { name: nameOf(day) }),
        text: t('adminCalRemoveText', { date: formatDate(day.day) }),
        yes: t('adminCalRemoveYes'),
      });
      dialog = asked;
      const yes = await asked.answer;
      dialog = null;
      if (!yes) return;
      $button.setAttribute('disabled', '');
      try {
        await api(`/api/v1/admin/calendar/days/${day.id}`, {
          method: 'DELETE', body: { reason }, headers: { 'If-Match': `"${day.revision}"` },
        });
        const done = t('adminCalRemoved', { name: nameOf(day) });
        toast(done);
        announce(done);
        await load();
        /** @type {HTMLElement | null} */ ($main.querySelector('#adm-cal-list-title'))?.focus();
      } catch (error) {
        setError($field, problemText(error));
        $reason.focus();
      } finally {
        $button.removeAttribute('disabled');
      }
    });
    $details.append(h('summary', {}, [t('adminCalRemoveOpen')]), $form);
    return $details;
  }

  /** @param {boolean} open */
  function toggleForm(open) {
    $open.setAttribute('aria-expanded', String(open));
    $form.replaceChildren(open ? addForm() : '');
    if (open) /** @type {HTMLElement | null} */ ($form.querySelector('input'))?.focus();
  }

  function addForm() {
    const today = new Date();
    const todayText = `${today.getFullYear()}-${String(today.getMonth() + 1).padStart(2, '0')}-${String(today.getDate()).padStart(2, '0')}`;
    const lastDay = `${thisYear + YEARS_AHEAD}-12-31`;
    const kinds = regional ? ['libur_daerah', 'cuti_bersama'] : ['libur_nasional', 'cuti_bersama'];
    const $day = /** @type {HTMLInputElement} */ (h('input', { type: 'date', min: todayText, max: lastDay, required: true }));
    const $kind = /** @type {HTMLSelectElement} */ (h('select', {}, kinds.map((k) => h('option', { value: k }, [t(`adminCalKind_${k}`)]))));
    const $nameId = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '300', autocomplete: 'off', required: true, lang: 'id' }));
    const $nameEn = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '300', autocomplete: 'off', required: true, lang: 'en' }));
    const $source = /** @type {HTMLTextAreaElement} */ (h('textarea', { maxlength: '2000', rows: '2', required: true }));
    /** @type {Record<string, Field>} */
    const fields = {
      day: /** @type {Field} */ (field({ id: 'adm-cal-day', label: t('adminCalDay'), hint: t('adminCalDayHint'), input: $day })),
      kind: /** @type {Field} */ (field({ id: 'adm-cal-kind', label: t('adminCalKind'), input: $kind })),
      'name.id': /** @type {Field} */ (field({ id: 'adm-cal-name-id', label: t('adminCalNameId'), hint: t('adminCalNameIdHint'), input: $nameId })),
      'name.en': /** @type {Field} */ (field({ id: 'adm-cal-name-en', label: t('adminCalNameEn'), hint: t('adminCalNameEnHint'), input: $nameEn })),
      source: /** @type {Field} */ (field({ id: 'adm-cal-source', label: t('adminCalSourceLabel'), hint: t('adminCalSourceHint'), input: $source })),
    };
    /** The sentence for a field the server refused (its own words are English, and for developers). */
    const words = /** @type {Record<string, string>} */ ({
      day: t('adminCalErrDay', { year: thisYear + YEARS_AHEAD }),
      kind: t('adminCalErrKind'),
      'name.id': t('adminCalErrName'),
      'name.en': t('adminCalErrName'),
      source: t('adminCalErrSource'),
    });
    const $button = h('button', { type: 'submit', id: 'adm-cal-save' }, [t('adminCalAdd')]);
    const $formError = h('p', { class: 'error', role: 'alert', hidden: true });
    const $form = h('form', { class: 'card', 'aria-labelledby': 'adm-cal-new-title', novalidate: true }, [
      h('h2', { id: 'adm-cal-new-title' }, [t('adminCalAddTitle')]),
      ...Object.values(fields), $formError, h('div', { class: 'adm-actions' }, [$button]),
    ]);

    /** @param {Record<string, string>} problems field → sentence; the first is focused */
    const show = (problems) => {
      for (const [name, $field] of Object.entries(fields)) setError($field, problems[name] || '');
      const first = Object.keys(fields).find((name) => problems[name]);
      if (first) fields[first].$input.focus();
      return Boolean(first);
    };

    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      $formError.hidden = true;
      const body = {
        day: $day.value,
        kind: $kind.value,
        name: { id: $nameId.value.trim(), en: $nameEn.value.trim() },
        source: $source.value.trim(),
      };
      /** @type {Record<string, string>} */
      const problems = {};
      if (!body.day || body.day < todayText || body.day > lastDay) problems.day = words.day;
      if (!body.name.id) problems['name.id'] = words['name.id'];
      if (!body.name.en) problems['name.en'] = words['name.en'];
      if (!body.source) problems.source = words.source;
      if (show(problems)) return;
      $button.setAttribute('disabled', '');
      try {
        /** @type {DayOff & { deadlinesMoved: number }} */
        const added = await post('/api/v1/admin/calendar/days', body);
        const moved = added.deadlinesMoved ? t('adminCalDeadlinesMoved', { n: added.deadlinesMoved }) : t('adminCalNoDeadlinesMoved');
        const done = `${t('adminCalAdded', { name: nameOf(added) })} ${moved}`;
        toggleForm(false);
        toast(done);
        $status.textContent = done;
        // The list shows the year of the new day: move there when it is another year.
        const addedYear = Number(added.day.slice(0, 4));
        if (addedYear !== year) { location.hash = `#/admin/calendar?year=${addedYear}`; return; }
        await load();
        $status.textContent = `${done} ${$status.textContent}`;
        /** @type {HTMLElement | null} */ ($list.querySelector(`[data-id="${added.id}"] h3`))?.setAttribute('tabindex', '-1');
        /** @type {HTMLElement | null} */ ($list.querySelector(`[data-id="${added.id}"] h3`))?.focus();
      } catch (error) {
        const problem = /** @type {any} */ (error)?.problem;
        /** @type {Record<string, string>} */
        const refused = {};
        for (const e of problem?.errors || []) if (fields[e.field]) refused[e.field] = problem.code === 'day_off_exists' ? problemText(error) : words[e.field];
        if (!show(refused)) { $formError.textContent = problemText(error); $formError.hidden = false; }
      } finally {
        $button.removeAttribute('disabled');
      }
    });
    return $form;
  }
}
