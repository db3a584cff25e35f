// The counters section: the building's counters (loket), each staffed by one agency and serving all of its
// services or only those chosen; add one, change one, or close one for good (its record stays: queue tickets
// refer to it, and its number is free again).
//
// Contract: countersSection(building, env) receives the building (its counters, its agencies for the agency
// choice, its region for the services look-up) and the screen's env (shared.js). Returns its <section>; keeps no
// state beyond its forms.
import { api, get, post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import { clearProblems, formMessage, ifMatch, labelled, section, showProblems, textInput } from './shared.js';

/**
 * @param {import('./shared.js').Building} building
 * @param {import('./shared.js').Env} env
 */
export function countersSection(building, env) {
  const agencies = building.agencies.filter((a) => !a.retired);
  const shortName = (/** @type {string} */ id, /** @type {string} */ fallback) => building.agencies.find((a) => a.id === id)?.shortName || fallback;
  const live = building.counters.filter((c) => !c.retired);
  const retired = building.counters.filter((c) => c.retired);
  return section('bld-counters', t('bldCountersTitle'), [
    live.length ? h('ul', { class: 'adm-list' }, live.map(card)) : h('p', {}, [t('bldCountersEmpty')]),
    retired.length
      ? h('details', { class: 'bld-retired' }, [
        h('summary', {}, [t('bldCountersRetired', { n: retired.length })]),
        h('ul', { class: 'adm-list' }, retired.map(card)),
      ])
      : null,
    agencies.length
      ? h('div', { class: 'card' }, [h('h3', { id: 'bld-counter-new' }, [t('bldCounterNew')]), counterForm(null)])
      : h('p', { class: 'hint' }, [t('bldCounterNoAgency')]),
  ]);

  /** @param {import('./shared.js').Counter} counter */
  function card(counter) {
    const $error = h('p', { class: 'error', role: 'alert', tabindex: '-1', hidden: true });
    const $edit = h('div', { class: 'bld-edit' });
    const served = counter.services.length
      ? counter.services.map((s) => s.name).join('; ')
      : t('bldCounterServesAll');
    return h('li', { class: 'card bld-counter', 'data-number': counter.number }, [
      h('h3', {}, [t('bldCounterName', { number: counter.number }), counter.retired ? h('span', { class: 'badge adm-st adm-st-revoked' }, [t('bldCounterRetiredBadge')]) : '']),
      h('p', {}, [shortName(counter.agency.id, counter.agency.name)]),
      h('p', { class: 'meta bld-served' }, [served]),
      $error,
      counter.retired ? null : h('div', { class: 'adm-actions' }, [
        h('button', {
          type: 'button',
          class: 'secondary',
          'aria-expanded': 'false',
          onclick: (/** @type {Event} */ e) => {
            const $toggle = /** @type {HTMLElement} */ (e.currentTarget);
            const open = Boolean($edit.firstChild);
            $edit.replaceChildren(...(open ? [] : [counterForm(counter)]));
            $toggle.setAttribute('aria-expanded', String(!open));
            if (!open) /** @type {HTMLElement | null} */ ($edit.querySelector('input'))?.focus();
          },
        }, [t('bldCounterEdit')]),
        h('button', { type: 'button', class: 'danger', onclick: () => retire(counter, $error) }, [t('bldCounterRetire')]),
      ]),
      $edit,
    ]);
  }

  /**
   * @param {import('./shared.js').Counter} counter
   * @param {HTMLElement} $error
   */
  async function retire(counter, $error) {
    const yes = await env.confirm({
      title: t('bldCounterRetireTitle', { number: counter.number }), text: t('bldCounterRetireText'), yes: t('bldCounterRetireYes'),
    });
    if (!yes) return;
    try {
      await post(`/api/v1/admin/counters/${counter.id}/retire`, undefined, ifMatch(counter.revision));
      await env.reload(t('bldCounterRetired', { number: counter.number }), 'bld-counters');
    } catch (error) {
      if (/** @type {any} */ (error)?.status === 412) { await env.reload(t('bldConflictReloaded'), 'bld-counters'); return; }
      $error.textContent = problemText(error);
      $error.hidden = false;
      $error.focus();
    }
  }

  /**
   * A new counter's form (counter null), or a counter's.
   * @param {import('./shared.js').Counter | null} counter
   */
  function counterForm(counter) {
    const $number = textInput(counter?.number || '', { maxlength: '10', autocapitalize: 'characters', spellcheck: 'false' });
    const $agency = /** @type {HTMLSelectElement} */ (h('select', {}, [
      h('option', { value: '' }, [t('bldChoose')]),
      ...agencies.map((a) => h('option', { value: a.id, selected: a.id === counter?.agency.id || undefined }, [a.shortName])),
    ]));
    const chooser = createServiceChooser(building.region.code, counter?.services.map((s) => s.id) || []);
    const agencyCode = () => agencies.find((a) => a.id === $agency.value)?.code || '';
    $agency.addEventListener('change', () => chooser.setAgency(agencyCode()));
    chooser.setAgency(agencyCode());
    const $save = h('button', { type: 'submit' }, [counter ? t('bldCounterSave') : t('bldCounterAdd')]);
    const $form = h('form', { novalidate: true, 'aria-labelledby': counter ? undefined : 'bld-counter-new' }, [
      labelled({ field: 'number', label: t('bldCounterNumber'), input: $number, hint: t('bldCounterNumberHint') }),
      labelled({ field: 'agencyId', label: t('bldCounterAgency'), input: $agency }),
      chooser.$el,
      formMessage(),
      $save,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems($form);
      if (!$agency.value) {
        showProblems($form, { status: 422, problem: { errors: [{ field: 'agencyId', message: 'is required' }] } }, () => env.reload());
        return;
      }
      const body = { number: $number.value.trim(), agencyId: $agency.value, serviceIds: chooser.value() };
      $save.setAttribute('disabled', '');
      try {
        if (counter) {
          await api(`/api/v1/admin/counters/${counter.id}`, { method: 'PUT', body, headers: ifMatch(counter.revision) });
          await env.reload(t('bldCounterSaved', { number: body.number }), 'bld-counters');
        } else {
          await post('/api/v1/admin/counters', { ...body, region: env.region ?? undefined });
          await env.reload(t('bldCounterAdded', { number: body.number }), 'bld-counters');
        }
      } catch (error) {
        showProblems($form, error, () => env.reload());
      } finally {
        $save.removeAttribute('disabled');
      }
    });
    return $form;
  }
}

/**
 * Which services a counter serves: all of its agency's (the default), or the ones ticked. The agency's active
 * services in the region are fetched when "only these" is chosen or the agency changes.
 * Contract: `$el` (a fieldset, `data-field="serviceIds"` for the server's problems), `setAgency(code)`, `value()`
 * (the ids ticked; empty for all).
 * @param {string} region
 * @param {string[]} chosen
 */
function createServiceChooser(region, chosen) {
  const name = `bld-serves-${Math.random().toString(36).slice(2, 7)}`;
  const $all = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name, value: 'all', checked: !chosen.length || undefined }));
  const $some = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name, value: 'some', checked: chosen.length > 0 || undefined }));
  const $list = h('div', { class: 'bld-services', hidden: !chosen.length || undefined });
  const $el = h('fieldset', { class: 'field bld-serves', 'data-field': 'serviceIds' }, [
    h('legend', {}, [t('bldCounterServicesLegend')]),
    h('p', { class: 'error', hidden: true }),
    h('label', { class: 'bld-choice' }, [$all, h('span', {}, [t('bldCounterServesAll')])]),
    h('label', { class: 'bld-choice' }, [$some, h('span', {}, [t('bldCounterServesChosen')])]),
    $list,
  ]);
  let agency = '';
  let selected = new Set(chosen);
  const toggle = () => { $list.hidden = !$some.checked; if ($some.checked) load(); };
  $all.addEventListener('change', toggle);
  $some.addEventListener('change', toggle);
  return { $el, setAgency, value };

  /** @param {string} code */
  function setAgency(code) {
    if (agency && code !== agency) selected = new Set(); // another agency: its services are others
    agency = code;
    if ($some.checked) load();
  }

  async function load() {
    if (!agency) { $list.replaceChildren(h('p', { class: 'hint' }, [t('bldCounterChooseAgency')])); return; }
    $list.replaceChildren(h('p', { class: 'status' }, [t('bldLoading')]));
    try {
      /** @type {{ id: string, name: string }[]} */
      const services = [];
      for (let page = 1; page <= 20; page += 1) {
        const found = await get('/api/v1/services', { region, agency, page, pageSize: 100 });
        services.push(...found.items);
        if (services.length >= found.total || !found.items.length) break;
      }
      $list.replaceChildren(...(services.length
        ? services.map((s) => h('label', { class: 'bld-choice' }, [
          h('input', { type: 'checkbox', value: s.id, checked: selected.has(s.id) || undefined, onchange: (/** @type {Event} */ e) => {
            const $box = /** @type {HTMLInputElement} */ (e.currentTarget);
            if ($box.checked) selected.add(s.id); else selected.delete(s.id);
          } }),
          h('span', {}, [s.name]),
        ]))
        : [h('p', {}, [t('bldCounterNoServices')])]));
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
  }

  /** @returns {string[]} */
  function value() {
    return $some.checked ? [...selected] : [];
  }
}
