// Transferring the called ticket (views/officer/counter.js): to another counter of my agency (only that counter will
// call it), or to another agency in the building, optionally naming the service there. The ticket goes to the
// front of the target's line and keeps its number, which the form says, so the officer can tell the citizen.
//
// Contract: transferForm({ ticket, here, region, agency, onDone, onCancel }) receives the ticket, my counter's
// number, my region and agency codes; owns one root `$el` (the caller places it); emits onDone(message) after the
// transfer and onCancel(); `focus()` puts the focus in it, `cancel()` closes it. Nothing to clean up besides.
import { ApiError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import { errorText } from './common.js';

/**
 * @param {{ ticket: { id: string, number: string }, here: string, region: string, agency: string,
 *   onDone: (message: string) => void, onCancel: () => void }} options
 */
export function transferForm({ ticket, here, region, agency, onDone, onCancel }) {
  const $counter = /** @type {HTMLSelectElement} */ (h('select', { id: 'qc-t-counter' }, [h('option', { value: '' }, [t('qcTransferChoose')])]));
  const $agency = /** @type {HTMLSelectElement} */ (h('select', { id: 'qc-t-agency' }, [h('option', { value: '' }, [t('qcTransferChoose')])]));
  const $service = /** @type {HTMLSelectElement} */ (h('select', { id: 'qc-t-service' }, [h('option', { value: '' }, [t('qcTransferAnyService')])]));
  const $toCounter = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: 'qc-t-kind', id: 'qc-t-kind-counter', value: 'counter', checked: true }));
  const $toAgency = /** @type {HTMLInputElement} */ (h('input', { type: 'radio', name: 'qc-t-kind', id: 'qc-t-kind-agency', value: 'agency' }));
  const $counterField = h('div', { class: 'field', 'data-field': 'counter' }, [h('label', { for: 'qc-t-counter' }, [t('qcTransferCounter')]), $counter]);
  const $agencyFields = h('div', { hidden: true }, [
    h('div', { class: 'field', 'data-field': 'agency' }, [h('label', { for: 'qc-t-agency' }, [t('qcTransferAgency')]), $agency]),
    h('div', { class: 'field', 'data-field': 'service' }, [h('label', { for: 'qc-t-service' }, [t('qcTransferService')]), $service]),
  ]);
  const $error = h('p', { class: 'error', role: 'alert', id: 'qc-t-error' });
  const $send = h('button', { type: 'submit', id: 'qc-t-send' }, [t('qcTransferSend')]);
  const $legend = h('legend', {}, [t('qcTransferTitle', { number: ticket.number })]);
  const $el = h('form', { class: 'qc-transfer-form', id: 'qc-transfer-form', novalidate: true }, [
    h('fieldset', {}, [
      $legend,
      h('div', { class: 'off-check' }, [$toCounter, h('label', { for: 'qc-t-kind-counter' }, [t('qcTransferToCounter')])]),
      h('div', { class: 'off-check' }, [$toAgency, h('label', { for: 'qc-t-kind-agency' }, [t('qcTransferToAgency')])]),
    ]),
    $counterField,
    $agencyFields,
    h('p', { class: 'hint' }, [t('qcTransferHint')]),
    $error,
    h('div', { class: 'off-actions' }, [$send, h('button', { type: 'button', class: 'secondary', onclick: onCancel }, [t('qcTransferCancel')])]),
  ]);
  const toggle = () => { $counterField.hidden = !$toCounter.checked; $agencyFields.hidden = $toCounter.checked; };
  $toCounter.addEventListener('change', toggle);
  $toAgency.addEventListener('change', toggle);

  /** @type {any[]} the building's queued services (for the service choice of an agency) */
  let services = [];
  // The building's counters and agencies (public), and its queued services.
  get(`/api/v1/regions/${encodeURIComponent(region)}`).then((r) => {
    const counters = (r.mpp?.counters || []);
    for (const c of counters.filter((/** @type {any} */ c) => c.agency.code === agency && c.number !== here)) {
      $counter.append(h('option', { value: c.number }, [t('qcCounter', { counter: c.number })]));
    }
    const others = new Map(counters.filter((/** @type {any} */ c) => c.agency.code !== agency).map((/** @type {any} */ c) => [c.agency.code, c.agency.name]));
    for (const [code, name] of [...others].sort((a, b) => a[1].localeCompare(b[1]))) $agency.append(h('option', { value: code }, [name]));
  }).catch(() => { $error.textContent = t('officerOffline'); });
  get(`/api/v1/regions/${encodeURIComponent(region)}/queue/services`).then((r) => { services = r.items; }).catch(() => undefined);
  $agency.addEventListener('change', () => {
    $service.replaceChildren(h('option', { value: '' }, [t('qcTransferAnyService')]),
      ...services.filter((s) => s.agency.code === $agency.value).map((s) => h('option', { value: s.id }, [s.name])));
  });

  $el.addEventListener('submit', async (event) => {
    event.preventDefault();
    $error.textContent = '';
    const body = $toCounter.checked
      ? { counter: $counter.value }
      : { agency: $agency.value, ...($service.value ? { service: $service.value } : {}) };
    const missing = $toCounter.checked ? !$counter.value : !$agency.value;
    if (missing) {
      $error.textContent = t('qcTransferMissing');
      ($toCounter.checked ? $counter : $agency).focus();
      return;
    }
    $send.setAttribute('disabled', '');
    try {
      await api(`/api/v1/officer/queue/tickets/${ticket.id}/transfer`, { method: 'POST', body });
      const where = $toCounter.checked ? t('qcCounter', { counter: $counter.value }) : $agency.selectedOptions[0]?.textContent || '';
      onDone(t('qcTransferred_done', { number: ticket.number, where }));
    } catch (error) {
      $send.removeAttribute('disabled');
      $error.textContent = error instanceof ApiError && error.code === 'invalid_transfer' ? t('accountErr_invalid_transfer') : errorText(error);
    }
  });

  return { $el, focus: () => $toCounter.focus(), cancel: onCancel };
}
