// The agencies section: which agencies sit in the building, with what depends on each (services, counters, staff);
// rename one; retire one (refused while something still uses it, and then said what); reinstate a retired one;
// add one — a national kind with one tap (its national services come with it), or the region's own.
//
// Contract: agenciesSection(agencies, env) receives the building's agencies and the screen's env (shared.js).
// Returns its <section>; the national kinds are loaded into it when it is drawn. Keeps no state beyond its forms.
import { api, get, post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import { clearProblems, formMessage, ifMatch, labelled, local, section, showProblems, textInput } from './shared.js';

const KINDS = ['daerah', 'vertikal', 'bumn', 'bumd', 'lembaga'];

/**
 * @param {import('./shared.js').Agency[]} agencies
 * @param {import('./shared.js').Env} env
 */
export function agenciesSection(agencies, env) {
  const live = agencies.filter((a) => !a.retired);
  const retired = agencies.filter((a) => a.retired);
  const $kinds = h('div', { class: 'bld-kinds' }, [h('p', { class: 'status' }, [t('bldLoading')])]);
  loadKinds($kinds);
  return section('bld-agencies', t('bldAgenciesTitle'), [
    live.length ? h('ul', { class: 'adm-list' }, live.map(card)) : h('p', {}, [t('bldAgenciesEmpty')]),
    retired.length
      ? h('details', { class: 'bld-retired' }, [
        h('summary', {}, [t('bldAgenciesRetired', { n: retired.length })]),
        h('ul', { class: 'adm-list' }, retired.map(card)),
      ])
      : null,
    h('div', { class: 'card' }, [
      h('h3', {}, [t('bldAgencyAddTitle')]),
      // A long list (every national kind): open at first, when the building has none yet; folded afterwards.
      h('details', { class: 'bld-kinds-box', open: !live.length || undefined }, [
        h('summary', {}, [t('bldAgencyKindsSummary')]),
        h('p', { class: 'hint' }, [t('bldAgencyKindsHint')]),
        $kinds,
      ]),
      ownForm(),
    ]),
  ]);

  /** @param {import('./shared.js').Agency} agency */
  function card(agency) {
    const $error = h('p', { class: 'error', role: 'alert', tabindex: '-1', hidden: true });
    const $rename = h('div', { class: 'bld-rename' });
    const say = (/** @type {string} */ text) => { $error.textContent = text; $error.hidden = !text; if (text) $error.focus(); };
    const actions = agency.retired
      ? [h('button', { type: 'button', onclick: () => reinstate(agency, say) }, [t('bldAgencyReinstate')])]
      : [
        h('button', { type: 'button', class: 'secondary', 'aria-expanded': 'false', onclick: (/** @type {Event} */ e) => toggleRename(agency, $rename, /** @type {HTMLElement} */ (e.currentTarget)) }, [t('bldAgencyRename')]),
        h('button', { type: 'button', class: 'danger', onclick: () => retire(agency, say) }, [t('bldAgencyRetire')]),
      ];
    return h('li', { class: 'card bld-agency', 'data-code': agency.code }, [
      h('h3', {}, [agency.shortName, agency.retired ? h('span', { class: 'badge adm-st adm-st-revoked' }, [t('bldAgencyRetiredBadge')]) : '']),
      h('p', {}, [local(agency.name)]),
      h('p', { class: 'meta' }, [[
        t('bldServicesCount', { n: agency.services }), t('bldCountersCount', { n: agency.counters }), t('bldStaffCount', { n: agency.staff }),
      ].join(' · ')]),
      $error,
      h('div', { class: 'adm-actions' }, actions),
      $rename,
    ]);
  }

  /**
   * @param {import('./shared.js').Agency} agency
   * @param {HTMLElement} $slot
   * @param {HTMLElement} $toggle
   */
  function toggleRename(agency, $slot, $toggle) {
    if ($slot.firstChild) { $slot.replaceChildren(); $toggle.setAttribute('aria-expanded', 'false'); return; }
    $toggle.setAttribute('aria-expanded', 'true');
    const $nameId = textInput(agency.name.id, { maxlength: '200' });
    const $nameEn = textInput(agency.name.en, { maxlength: '200', lang: 'en' });
    const $short = textInput(agency.shortName, { maxlength: '40' });
    const $save = h('button', { type: 'submit' }, [t('bldSave')]);
    const $form = h('form', { novalidate: true }, [
      labelled({ field: 'name.id', label: t('bldAgencyNameId'), input: $nameId }),
      labelled({ field: 'name.en', label: t('bldAgencyNameEn'), input: $nameEn }),
      labelled({ field: 'shortName', label: t('bldAgencyShortName'), input: $short }),
      formMessage(),
      $save,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems($form);
      $save.setAttribute('disabled', '');
      try {
        await api(`/api/v1/admin/agencies/${agency.id}`, {
          method: 'PATCH',
          headers: ifMatch(agency.revision),
          body: { name: { id: $nameId.value, en: $nameEn.value }, shortName: $short.value },
        });
        await env.reload(t('bldAgencyRenamed', { name: $short.value.trim() }), 'bld-agencies');
      } catch (error) {
        showProblems($form, error, () => env.reload());
      } finally {
        $save.removeAttribute('disabled');
      }
    });
    $slot.replaceChildren($form);
    $nameId.focus();
  }

  /**
   * @param {import('./shared.js').Agency} agency
   * @param {(text: string) => void} say
   */
  async function retire(agency, say) {
    const yes = await env.confirm({
      title: t('bldAgencyRetireTitle', { name: agency.shortName }), text: t('bldAgencyRetireText'), yes: t('bldAgencyRetireYes'),
    });
    if (!yes) return;
    try {
      await post(`/api/v1/admin/agencies/${agency.id}/retire`, undefined, ifMatch(agency.revision));
      await env.reload(t('bldAgencyRetired', { name: agency.shortName }), 'bld-agencies');
    } catch (error) {
      const problem = /** @type {any} */ (error);
      if (problem?.code === 'in_use') say(t('bldAgencyInUse', { name: agency.shortName, uses: uses(problem.problem?.errors || []) }));
      else if (problem?.status === 412) await env.reload(t('bldConflictReloaded'), 'bld-agencies');
      else say(problemText(error));
    }
  }

  /**
   * @param {import('./shared.js').Agency} agency
   * @param {(text: string) => void} say
   */
  async function reinstate(agency, say) {
    try {
      await post(`/api/v1/admin/agencies/${agency.id}/reinstate`, undefined, ifMatch(agency.revision));
      await env.reload(t('bldAgencyReinstated', { name: agency.shortName }), 'bld-agencies');
    } catch (error) {
      if (/** @type {any} */ (error)?.status === 412) await env.reload(t('bldConflictReloaded'), 'bld-agencies');
      else say(problemText(error));
    }
  }

  /** @param {HTMLElement} $slot */
  async function loadKinds($slot) {
    try {
      /** @type {{ items: import('./shared.js').AgencyKind[] }} */
      const kinds = await get('/api/v1/admin/agency-kinds', { region: env.region });
      const addable = kinds.items.filter((k) => !k.present).sort((a, b) => a.shortName.localeCompare(b.shortName));
      $slot.replaceChildren(addable.length
        ? h('ul', { class: 'bld-kind-list' }, addable.map((kind) => h('li', {}, [
          h('button', { type: 'button', class: 'secondary', 'aria-label': t(kind.retired ? 'bldKindReinstateLabel' : 'bldKindAddLabel', { name: kind.shortName }), onclick: (/** @type {Event} */ e) => addKind(kind, /** @type {HTMLButtonElement} */ (e.currentTarget)) }, [
            h('span', { class: 'bld-kind-short' }, [kind.retired ? t('bldKindReinstate', { name: kind.shortName }) : `+ ${kind.shortName}`]),
            h('span', { class: 'bld-kind-name' }, [local(kind.name)]),
          ]),
        ])))
        : h('p', {}, [t('bldKindsAllPresent')]));
    } catch (error) {
      $slot.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /**
   * @param {import('./shared.js').AgencyKind} kind
   * @param {HTMLButtonElement} $button
   */
  async function addKind(kind, $button) {
    $button.disabled = true;
    try {
      await post('/api/v1/admin/agencies', { code: kind.code, region: env.region ?? undefined });
      await env.reload(t('bldAgencyAdded', { name: kind.shortName }), 'bld-agencies');
    } catch (error) {
      $button.disabled = false;
      const code = /** @type {any} */ (error)?.code;
      $button.after(h('p', { class: 'error', role: 'alert' }, [code === 'code_taken' ? t('bldErr_agencyTaken') : problemText(error)]));
    }
  }

  function ownForm() {
    const $code = textInput('', { maxlength: '40', autocapitalize: 'characters', spellcheck: 'false' });
    $code.addEventListener('input', () => { $code.value = $code.value.toUpperCase().replace(/[\s-]+/g, '_'); });
    const $nameId = textInput('', { maxlength: '200' });
    const $nameEn = textInput('', { maxlength: '200', lang: 'en' });
    const $short = textInput('', { maxlength: '40' });
    const $kind = /** @type {HTMLSelectElement} */ (h('select', {}, [
      h('option', { value: '' }, [t('bldChoose')]),
      ...KINDS.map((kind) => h('option', { value: kind }, [t(`bldKind_${kind}`)])),
    ]));
    const $add = h('button', { type: 'submit' }, [t('bldAgencyAddOwn')]);
    const $form = h('form', { novalidate: true }, [
      labelled({ field: 'code', label: t('bldAgencyCode'), input: $code, hint: t('bldAgencyCodeHint') }),
      labelled({ field: 'name.id', label: t('bldAgencyNameId'), input: $nameId }),
      labelled({ field: 'name.en', label: t('bldAgencyNameEn'), input: $nameEn }),
      labelled({ field: 'shortName', label: t('bldAgencyShortName'), input: $short }),
      labelled({ field: 'kind', label: t('bldAgencyKind'), input: $kind }),
      formMessage(),
      $add,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems($form);
      $add.setAttribute('disabled', '');
      try {
        await post('/api/v1/admin/agencies', {
          code: $code.value.trim(),
          name: { id: $nameId.value, en: $nameEn.value },
          shortName: $short.value,
          kind: $kind.value || undefined,
          region: env.region ?? undefined,
        });
        await env.reload(t('bldAgencyAdded', { name: $short.value.trim() }), 'bld-agencies');
      } catch (error) {
        showProblems($form, error, () => env.reload(), { code_taken: t('bldErr_agencyTaken') });
      } finally {
        $add.removeAttribute('disabled');
      }
    });
    return h('details', { class: 'bld-own' }, [h('summary', {}, [t('bldAgencyOwnTitle')]), $form]);
  }
}

/**
 * What still uses an agency, in words: the problem's errors name each (`services`, `counters`, `staff`) with its
 * count first ("3 still active").
 * @param {{ field: string, message: string }[]} errors
 */
function uses(errors) {
  const keys = /** @type {Record<string, string>} */ ({ services: 'bldServicesCount', counters: 'bldCountersCount', staff: 'bldStaffCount' });
  return errors.filter((e) => keys[e.field]).map((e) => t(keys[e.field], { n: Number.parseInt(e.message, 10) || 0 })).join(', ');
}
