// Service standards (standar pelayanan) of a region, or the national ones: search, a state filter (active, hidden,
// retired, all), each standard with its agency, a "Nasional" badge when the region inherits it, its version and
// whether a draft is open; the drafts not yet published (a new service is only a draft until then); and "Tambah
// layanan", which starts a new local service as a draft and opens the editor. A national admin picks the region or
// the national standards; the scope, search, filter and page live in the URL query, so Back and reload keep them.
import { get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import * as session from '../../session.js';
import { loadStyles } from './common.js';
import { NATIONAL, agencies, canWrite, ownRegion, regions, scopeName, standardHref } from './standards/shared.js';

const PAGE_SIZE = 20;
const STATES = ['active', 'hidden', 'retired', 'all'];

/**
 * @typedef {{ scope: string, code: string, serviceId: string | null, name: string, agency: { code: string, name: string },
 *   national: boolean, hidden: boolean, retired: boolean, version: number, updatedAt: string, draftId: string | null }} Row
 * @typedef {{ id: string, scope: string, code: string, name: string, baseVersion: number | null, revision: number,
 *   authorName?: string | null, updatedAt: string }} DraftRow
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const own = ownRegion();
  const national = session.hasRole('national_admin');
  const scope = (national ? ctx.query.get('scope') : own?.code) || (national ? NATIONAL : '');
  const q = ctx.query.get('q') || '';
  const state = STATES.includes(ctx.query.get('state') || '') ? /** @type {string} */ (ctx.query.get('state')) : 'active';
  const page = Math.max(1, Number(ctx.query.get('page')) || 1);
  const where = await scopeName(scope);

  $main.append(
    h('h1', {}, [t('adminServicesTitle')]),
    h('p', { class: 'adm-scope', id: 'std-scope' }, [scope === NATIONAL ? t('stdListIntroNational') : t('stdListIntroRegion', { region: where })]),
  );
  if (!scope) { $main.append(h('p', { class: 'error', role: 'alert' }, [t('stdNoRegion')])); return; }

  /**
   * Move to another list: the query holds what is shown.
   * @param {Record<string, string | number>} changes
   */
  const go = (changes) => {
    const next = new URLSearchParams({ ...(national ? { scope } : {}), q, state, page: '1' });
    for (const [k, v] of Object.entries(changes)) next.set(k, String(v));
    for (const [k, v] of [...next]) if (!v || (k === 'state' && v === 'active') || (k === 'page' && v === '1')) next.delete(k);
    const query = next.toString();
    location.hash = `#/admin/services${query ? `?${query}` : ''}`;
  };

  const $new = h('div', { id: 'std-new' });
  if (canWrite(scope)) {
    const $add = h('button', { type: 'button', id: 'std-add', 'aria-expanded': 'false', 'aria-controls': 'std-new' }, [t('stdAdd')]);
    $add.addEventListener('click', () => {
      const open = $add.getAttribute('aria-expanded') === 'true';
      $add.setAttribute('aria-expanded', String(!open));
      $new.replaceChildren(open ? '' : newServiceForm());
      if (!open) /** @type {HTMLElement | null} */ ($new.querySelector('input'))?.focus();
    });
    $main.append(h('div', { class: 'adm-actions' }, [$add]), $new);
  }
  $main.append(filters());
  const $drafts = h('section', { id: 'std-drafts', 'aria-labelledby': 'std-drafts-title', hidden: true });
  const $status = h('p', { class: 'status', role: 'status', id: 'std-count' });
  const $list = h('div', { id: 'std-list' });
  const $pages = h('nav', { class: 'std-pages', 'aria-label': t('stdPages') });
  $main.append($drafts, h('section', { 'aria-labelledby': 'std-list-title' }, [
    h('h2', { id: 'std-list-title' }, [t('stdListTitle')]), $status, $list, $pages,
  ]));
  await Promise.all([loadDrafts(), loadList()]);

  function filters() {
    const $q = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'std-q', maxlength: '100', autocomplete: 'off', value: q }));
    const $state = /** @type {HTMLSelectElement} */ (h('select', { id: 'std-state' }, STATES.map((s) => h('option', { value: s, selected: s === state }, [t(`stdState_${s}`)]))));
    /** @type {(Node | string)[]} */
    const parts = [];
    if (national) {
      const $scope = /** @type {HTMLSelectElement} */ (h('select', { id: 'std-scope-pick' }, [h('option', { value: NATIONAL }, [t('stdScopeNational')])]));
      regions().then((list) => {
        for (const r of list) $scope.append(h('option', { value: r.code }, [`${r.name} (${r.code})`]));
        $scope.value = scope;
      }).catch(() => {});
      $scope.value = scope;
      $scope.addEventListener('change', () => go({ scope: $scope.value, q: '', page: 1 }));
      parts.push(h('div', { class: 'field' }, [h('label', { for: 'std-scope-pick' }, [t('stdScopePick')]), $scope]));
    }
    // The search box and its button share a row (as on the citizen's home); the button applies the state filter
    // too (a changed choice alone reloads nothing, so the list never changes under a screen reader's cursor).
    const $form = h('form', { class: 'std-filters', role: 'search', 'aria-label': t('stdSearchLabel'), novalidate: true }, [
      ...parts,
      h('div', { class: 'field' }, [
        h('label', { for: 'std-q' }, [t('stdSearch')]),
        h('div', { class: 'row' }, [$q, h('button', { type: 'submit', id: 'std-search' }, [t('stdSearchButton')])]),
      ]),
      h('div', { class: 'field std-state-pick' }, [h('label', { for: 'std-state' }, [t('stdStateLabel')]), $state]),
    ]);
    $form.addEventListener('submit', (event) => { event.preventDefault(); go({ q: $q.value.trim(), state: $state.value, page: 1 }); });
    return $form;
  }

  async function loadList() {
    $status.textContent = t('stdLoading');
    try {
      const answer = await get('/api/v1/admin/standards', { scope, q, state, page, pageSize: PAGE_SIZE });
      /** @type {Row[]} */
      const items = answer.items;
      $status.textContent = t('stdCount', { n: answer.total });
      $list.replaceChildren(items.length ? h('ul', { class: 'adm-list' }, items.map(row)) : h('p', { id: 'std-empty' }, [q ? t('stdEmptySearch') : t('stdEmpty')]));
      const pages = Math.max(1, Math.ceil(answer.total / PAGE_SIZE));
      $pages.replaceChildren(pages > 1 ? h('div', { class: 'adm-actions' }, [
        page > 1 ? h('a', { class: 'button secondary', href: '#', onclick: (/** @type {Event} */ e) => { e.preventDefault(); go({ page: page - 1 }); } }, [t('stdPrev')]) : '',
        h('span', { class: 'std-page' }, [t('stdPage', { page, pages })]),
        page < pages ? h('a', { class: 'button secondary', href: '#', onclick: (/** @type {Event} */ e) => { e.preventDefault(); go({ page: page + 1 }); } }, [t('stdNext')]) : '',
      ]) : '');
    } catch (error) {
      $status.textContent = '';
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @param {Row} item */
  function row(item) {
    return h('li', { class: 'card std-row', 'data-code': item.code }, [
      h('h3', {}, [h('a', { href: standardHref(item.scope, item.code) }, [item.name])]),
      h('p', { class: 'meta' }, [item.agency?.name || item.agency?.code || '']),
      h('p', { class: 'std-badges' }, [
        item.national && item.scope !== NATIONAL ? h('span', { class: 'badge std-national' }, [t('stdNational')]) : '',
        h('span', { class: 'badge' }, [t('stdVersion', { version: item.version })]),
        item.hidden ? h('span', { class: 'badge std-hidden' }, [t('stdHidden')]) : '',
        item.retired ? h('span', { class: 'badge std-retired' }, [t('stdRetired')]) : '',
        item.draftId ? h('a', { class: 'badge std-draft', href: `#/admin/drafts/${item.draftId}` }, [t('stdHasDraft')]) : '',
      ]),
    ]);
  }

  async function loadDrafts() {
    try {
      const answer = await get('/api/v1/admin/drafts', { scope });
      /** @type {DraftRow[]} */
      const drafts = answer.items ?? answer;
      if (!drafts.length) return;
      $drafts.hidden = false;
      $drafts.replaceChildren(
        h('h2', { id: 'std-drafts-title' }, [t('stdDraftsTitle')]),
        h('ul', { class: 'adm-list' }, drafts.map((d) => h('li', { class: 'card std-draft-row' }, [
          h('h3', {}, [h('a', { href: `#/admin/drafts/${d.id}` }, [d.name || d.code])]),
          h('p', { class: 'meta' }, [
            d.baseVersion ? t('stdDraftOf', { version: d.baseVersion }) : t('stdDraftNew'), ' · ',
            d.authorName ? t('stdDraftBy', { name: d.authorName, date: formatDate(d.updatedAt, true) }) : formatDate(d.updatedAt, true),
          ]),
        ]))),
      );
    } catch {
      // The standards list says what went wrong; the drafts are a shortcut only.
    }
  }

  /** The first facts of a new local service; the rest is filled in the editor. */
  function newServiceForm() {
    const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '200', autocomplete: 'off' }));
    const $nameEn = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '200', autocomplete: 'off', lang: 'en' }));
    const $code = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '80', autocomplete: 'off', autocapitalize: 'off', spellcheck: 'false' }));
    const $agency = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('stdChoose')])]));
    const $fName = field({ id: 'std-new-name', label: t('stdNewName'), hint: t('stdNewNameHint'), input: $name });
    const $fNameEn = field({ id: 'std-new-name-en', label: t('stdNewNameEn'), input: $nameEn });
    const $fCode = field({ id: 'std-new-code', label: t('stdNewCode'), hint: t('stdNewCodeHint'), input: $code });
    const $fAgency = field({ id: 'std-new-agency', label: t('stdF_agency'), input: $agency });
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $create = h('button', { type: 'submit' }, [t('stdCreate')]);
    agencies(scope).then((list) => {
      for (const a of list) $agency.append(h('option', { value: a.code }, [a.name]));
    }).catch((error) => setError($fAgency, problemText(error)));
    // The code follows the name until the admin types one of their own.
    let codeTyped = false;
    $code.addEventListener('input', () => { codeTyped = $code.value !== ''; });
    $name.addEventListener('input', () => { if (!codeTyped) $code.value = slug($name.value); });
    const $form = h('form', { class: 'card', 'aria-labelledby': 'std-new-title', novalidate: true }, [
      h('h2', { id: 'std-new-title' }, [t('stdNewTitle')]),
      h('p', { class: 'hint' }, [t('stdNewIntro')]),
      $error, $fName, $fNameEn, $fCode, $fAgency, $create,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      for (const $f of [$fName, $fNameEn, $fCode, $fAgency]) setError(/** @type {any} */ ($f), '');
      $error.hidden = true;
      const name = $name.value.trim();
      const code = $code.value.trim();
      /** @type {[any, string][]} */
      const missing = [];
      if (!name) missing.push([$fName, t('stdNewNameMissing')]);
      if (!/^[a-z0-9]+(-[a-z0-9]+)*$/.test(code)) missing.push([$fCode, t('stdErr_codePattern')]);
      if (!$agency.value) missing.push([$fAgency, t('stdNewAgencyMissing')]);
      for (const [$f, text] of missing) setError($f, text);
      if (missing.length) { missing[0][0].$input.focus(); return; }
      $create.setAttribute('disabled', '');
      try {
        const draft = await post('/api/v1/admin/drafts', { scope, content: starter({ code, agency: $agency.value, name, nameEn: $nameEn.value.trim() }) });
        location.hash = `#/admin/drafts/${draft.id}?new=1`;
      } catch (error) {
        const e = /** @type {any} */ (error);
        const fields = /** @type {{ field: string }[]} */ (e?.problem?.errors || []);
        if (e?.code === 'code_taken' || fields.some((f) => /(^|\.)code$/.test(f.field))) {
          setError(/** @type {any} */ ($fCode), e?.code === 'code_taken' ? t('accountErr_code_taken') : t('stdErr_codePattern'));
          $code.focus();
        } else {
          $error.textContent = problemText(error);
          $error.hidden = false;
        }
      } finally {
        $create.removeAttribute('disabled');
      }
    });
    return $form;
  }
}

/**
 * A code from a name: "Izin Reklame Baru" → "izin-reklame-baru" (letters without accents, digits, hyphens).
 * @param {string} name
 */
export function slug(name) {
  return name.normalize('NFD').replace(/[\u0300-\u036f]/g, '').toLowerCase()
    .replace(/[^a-z0-9]+/g, '-').replace(/^-+|-+$/g, '').slice(0, 60).replace(/-+$/, '');
}

/**
 * The smallest content a new service starts from: its names, code and agency; the editor lists what is missing.
 * @param {{ code: string, agency: string, name: string, nameEn: string }} facts
 * @returns {import('./standards/shared.js').Content}
 */
function starter({ code, agency, name, nameEn }) {
  return {
    code, agency, name: { id: name, en: nameEn || name }, description: { id: '', en: '' }, categories: [],
    channels: 'both', fee: 0, slaDays: 5, legalBasis: [], requirements: [], procedure: [], form: [], keywords: [],
    assurance: 'phone',
  };
}
