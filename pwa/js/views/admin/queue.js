// Queue settings (`#/admin/queue`): for each counter service of the region, whether its queue is on, the average
// handling time (which sizes the day's capacity and the waiting estimate), the length of a booking slot, and the
// online and walk-in quotas per day — empty means "worked out from the building's hours and counters", shown next
// to the field so the admin sees what they override. A national admin picks the region (kept in the URL).
//
// Each service is a disclosure whose form is built when opened (a region has a hundred and more services). Saving
// sends the revision read (If-Match): another admin's save in between is said, with a reload, never overwritten;
// the server's field problems are shown next to their fields.
import { ApiError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { go } from '../../router.js';
import { isRegionAdmin, loadStyles } from './common.js';

/**
 * @typedef {{ service: { id: string, code: string, name: string }, agency: { code: string, name: string },
 *   letter: string | null, handlingMinutes: number, slotMinutes: number, onlineQuota: number | null,
 *   walkInQuota: number | null, enabled: boolean, custom: boolean,
 *   derived: { capacity: number, onlineQuota: number, walkInQuota: number }, revision: number }} QueueSetting
 */

// The server's field problems (api/queue/settings.py) in the reader's words.
const MESSAGES = /** @type {Record<string, string>} */ ({
  'must be between 1 and 480 minutes': 'aqErr_handling',
  'must be between 5 and 240 minutes': 'aqErr_slot',
  'must be between 0 and 100000': 'aqErr_quota',
});

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const national = !isRegionAdmin();
  const region = national ? ctx.query.get('region') || '' : '';
  $main.append(h('h1', {}, [t('aqTitle')]), h('p', { class: 'adm-scope' }, [t('aqIntro')]));
  if (national) {
    $main.append(await regionPicker(region));
    if (!region) return;
  }
  const $status = h('p', { class: 'status', role: 'status', id: 'aq-status' });
  const $filter = /** @type {HTMLInputElement} */ (h('input', { type: 'search', id: 'aq-filter', autocomplete: 'off', maxlength: '100' }));
  const $list = h('ul', { class: 'adm-list aq-list', id: 'aq-list' });
  $main.append(h('div', { class: 'field' }, [h('label', { for: 'aq-filter' }, [t('aqFilter')]), $filter]), $status, $list);

  /** @type {QueueSetting[]} */
  let items;
  try {
    items = (await get('/api/v1/admin/queue/services', { region: region || undefined })).items;
  } catch (error) {
    $status.textContent = problemText(error);
    return;
  }
  const draw = () => {
    const words = $filter.value.trim().toLowerCase().split(/\s+/).filter(Boolean);
    const shown = items.filter((s) => words.every((w) => `${s.service.name} ${s.service.code} ${s.agency.name}`.toLowerCase().includes(w)));
    $list.replaceChildren(...shown.map(row));
    $status.textContent = shown.length ? t('aqCount', { n: shown.length }) : t('aqNone');
  };
  $filter.addEventListener('input', draw);
  draw();
}

/** @param {string} chosen */
async function regionPicker(chosen) {
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'aq-region' }, [h('option', { value: '' }, [t('bldRegionChoose')])]));
  const regions = await get('/api/v1/regions').catch(() => ({ items: [] }));
  for (const r of regions.items) $select.append(h('option', { value: r.code, selected: r.code === chosen || undefined }, [`${r.name} (${r.code})`]));
  $select.addEventListener('change', () => { if ($select.value) go(`/admin/queue?region=${$select.value}`); });
  return h('div', { class: 'field' }, [h('label', { for: 'aq-region' }, [t('bldRegionLabel')]), $select]);
}

/** The summary line of a setting. @param {QueueSetting} s */
function summary(s) {
  const online = s.onlineQuota ?? s.derived.onlineQuota;
  const walkIn = s.walkInQuota ?? s.derived.walkInQuota;
  return s.enabled
    ? t('aqSummary', { minutes: s.handlingMinutes, slot: s.slotMinutes, online, walkIn })
    : t('aqSummaryOff');
}

/** @param {QueueSetting} s */
function row(s) {
  const $summaryText = h('span', { class: 'meta aq-summary' }, [summary(s)]);
  const $body = h('div', { class: 'aq-body' });
  const $details = /** @type {HTMLDetailsElement} */ (h('details', { class: 'card aq-item', id: `aq-${s.service.id}` }, [
    h('summary', {}, [
      h('span', { class: 'aq-name' }, [s.service.name]),
      h('span', { class: 'meta' }, [`${s.agency.name}${s.letter ? ` · ${t('aqLetter', { letter: s.letter })}` : ''}`]),
      $summaryText,
    ]),
    $body,
  ]));
  let built = false;
  $details.addEventListener('toggle', () => {
    if (!$details.open || built) return;
    built = true;
    $body.replaceChildren(form(s, (saved) => { Object.assign(s, saved); $summaryText.textContent = summary(s); }));
  });
  return h('li', {}, [$details]);
}

/**
 * A labelled number input with a hint and an error slot, found by its API field name.
 * @param {string} field @param {string} label @param {string} hint @param {number | null | undefined} value (the API
 *   leaves out a quota that is not set)
 * @param {{ min: number, max: number, optional?: boolean }} range
 * @param {string} id
 */
function numberField(field, label, hint, value, range, id) {
  const $input = /** @type {HTMLInputElement} */ (h('input', {
    // Text, not type=number: a typo must be said, not silently read as "empty" (= worked out automatically).
    type: 'text', inputmode: 'numeric', id, autocomplete: 'off', maxlength: String(String(range.max).length + 2),
    value: value === null || value === undefined ? '' : String(value), 'aria-describedby': `${id}-hint ${id}-error`,
  }));
  return h('div', { class: 'field', 'data-field': field }, [
    h('label', { for: id }, [label]),
    h('p', { class: 'hint', id: `${id}-hint` }, [hint]),
    h('p', { class: 'error', id: `${id}-error`, hidden: true }),
    $input,
  ]);
}

/**
 * The form of one service's settings.
 * @param {QueueSetting} s
 * @param {(saved: QueueSetting) => void} onSaved
 */
function form(s, onSaved) {
  const id = s.service.id.slice(0, 8);
  const $enabled = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: `aq-enabled-${id}`, checked: s.enabled }));
  const $message = h('div', { class: 'error aq-form-error', role: 'alert', tabindex: '-1', hidden: true });
  const $saved = h('p', { class: 'status', role: 'status' });
  const $save = h('button', { type: 'submit', id: `aq-save-${id}` }, [t('aqSave')]);
  const $form = h('form', { class: 'aq-form', novalidate: true }, [
    h('label', { class: 'check', for: `aq-enabled-${id}` }, [$enabled, t('aqEnabled')]),
    numberField('handlingMinutes', t('aqHandling'), t('aqHandlingHint'), s.handlingMinutes, { min: 1, max: 480 }, `aq-handling-${id}`),
    numberField('slotMinutes', t('aqSlot'), t('aqSlotHint'), s.slotMinutes, { min: 5, max: 240 }, `aq-slot-${id}`),
    numberField('onlineQuota', t('aqOnline'), t('aqQuotaAuto', { n: s.derived.onlineQuota, capacity: s.derived.capacity }), s.onlineQuota, { min: 0, max: 100000 }, `aq-online-${id}`),
    numberField('walkInQuota', t('aqWalkIn'), t('aqQuotaAuto', { n: s.derived.walkInQuota, capacity: s.derived.capacity }), s.walkInQuota, { min: 0, max: 100000 }, `aq-walkin-${id}`),
    $message,
    h('div', { class: 'adm-actions' }, [$save]),
    $saved,
  ]);
  const input = (/** @type {string} */ field) => /** @type {HTMLInputElement} */ ($form.querySelector(`[data-field="${field}"] input`));
  /** @param {string} field @returns {number | null | undefined} undefined: not a whole number */
  const value = (field) => {
    const raw = input(field).value.trim();
    if (raw === '') return null;
    return /^\d+$/.test(raw) ? Number(raw) : undefined;
  };

  const clear = () => {
    for (const $e of $form.querySelectorAll('[data-field] > .error')) { $e.textContent = ''; /** @type {HTMLElement} */ ($e).hidden = true; }
    for (const $i of $form.querySelectorAll('[aria-invalid]')) $i.removeAttribute('aria-invalid');
    $message.hidden = true;
    $saved.textContent = '';
  };
  /** @param {{ field: string, message: string }[]} problems */
  const showFields = (problems) => {
    /** @type {HTMLInputElement | null} */
    let first = null;
    for (const p of problems) {
      const $field = $form.querySelector(`[data-field="${CSS.escape(p.field)}"]`);
      if (!$field) continue;
      const $error = /** @type {HTMLElement} */ ($field.querySelector('.error'));
      $error.textContent = t(MESSAGES[p.message] || 'aqErr_other');
      $error.hidden = false;
      const $input = /** @type {HTMLInputElement} */ ($field.querySelector('input'));
      $input.setAttribute('aria-invalid', 'true');
      first = first || $input;
    }
    $message.textContent = t('bldFieldErrors');
    $message.hidden = false;
    (first || $message).focus();
  };

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    clear();
    const fields = ['handlingMinutes', 'slotMinutes', 'onlineQuota', 'walkInQuota'];
    const values = Object.fromEntries(fields.map((f) => [f, value(f)]));
    // Whole numbers only, and the two times are required: said here, the server would say the same.
    const local = fields.filter((f) => values[f] === undefined || (values[f] === null && (f === 'handlingMinutes' || f === 'slotMinutes')))
      .map((f) => ({ field: f, message: f === 'handlingMinutes' ? 'must be between 1 and 480 minutes' : f === 'slotMinutes' ? 'must be between 5 and 240 minutes' : 'must be between 0 and 100000' }));
    if (local.length) { showFields(local); return; }
    $save.setAttribute('disabled', '');
    try {
      const saved = await api(`/api/v1/admin/queue/services/${s.service.id}`, {
        method: 'PUT', headers: { 'If-Match': `"${s.revision}"` }, body: { ...values, enabled: $enabled.checked },
      });
      Object.assign(s, saved);
      onSaved(s);
      $saved.textContent = t('aqSaved');
      announce(t('aqSaved'));
    } catch (error) {
      if (error instanceof ApiError && (error.status === 412 || error.status === 428)) {
        $message.replaceChildren(h('p', {}, [t('bldConflict')]), h('button', { type: 'button', onclick: () => reload() }, [t('bldReload')]));
        $message.hidden = false;
        $message.focus();
      } else if (error instanceof ApiError && error.problem?.errors?.length) {
        showFields(error.problem.errors);
      } else {
        $message.textContent = problemText(error);
        $message.hidden = false;
        $message.focus();
      }
    } finally {
      $save.removeAttribute('disabled');
    }
  });

  /** Another admin saved first: read the setting again and redraw this form with it. */
  async function reload() {
    try {
      const fresh = await get(`/api/v1/admin/queue/services/${s.service.id}`);
      onSaved(fresh);
      const $new = form(fresh, onSaved);
      $form.replaceWith($new);
      /** @type {HTMLElement} */ ($new.querySelector('input'))?.focus();
      announce(t('aqReloaded'));
    } catch (error) {
      $message.textContent = problemText(error);
    }
  }
  return $form;
}
