// Family mandate checks (officer mode, Disdukcapil): the parents' mandates over a child that no family card fact
// has proven (GET /api/v1/officer/mandates — the officer's own regency's, oldest first, NIKs masked). The officer
// compares them with the KK the parent brings to the counter and approves (the KK lists both) or refuses with a
// reason the parent reads (POST …/{id}/review). The API gives no file here: a KK in the parent's wallet is seen
// when shared in an application, and verifying it with the NIKs it lists proves such mandates without this
// screen. Another agency's officer is told the check is Disdukcapil's.
import { ApiError, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { errorText, loadStyles } from './common.js';

/**
 * @typedef {{ id: string, holder: { id: string, name: string }, holderNik: string | null,
 *   member: { id: string, name: string }, memberNik: string, relation: string, createdAt: string,
 *   services: string[] }} Waiting
 */

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const $status = h('p', { class: 'status', id: 'off-mandates-status', role: 'status' });
  const $list = h('ul', { class: 'off-mandates', id: 'off-mandates' });
  $main.append(h('h1', {}, [t('titleOfficerMandates')]), h('p', { class: 'hint' }, [t('officerMandatesHint')]), $status, $list);
  try {
    const waiting = await get('/api/v1/officer/mandates');
    show(waiting.items);
  } catch (error) {
    $status.textContent = error instanceof ApiError && error.status === 403 ? t('officerMandatesOnlyKk') : errorText(error);
  }

  /** @param {Waiting[]} items */
  function show(items) {
    $list.replaceChildren(...items.map(item));
    if (!items.length) $list.append(h('li', { class: 'hint' }, [t('officerMandatesNone')]));
  }

  /** @param {Waiting} mandate */
  function item(mandate) {
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: `off-mandate-reason-${mandate.id}`, maxlength: '500', rows: '2' }));
    const $refusal = h('div', { class: 'field', hidden: true }, [
      h('label', { for: $reason.id }, [t('officerMandateReason')]), $reason,
      h('button', { type: 'button', class: 'danger off-mandate-send-refusal', onclick: () => decide(false) }, [t('officerMandateSendRefusal')]),
    ]);
    const $li = h('li', { class: 'card off-mandate', 'data-mandate': mandate.id }, [
      h('dl', { class: 'off-facts' }, [
        h('dt', {}, [t('officerMandateHolder')]), h('dd', {}, [mandate.holder.name || '—']),
        h('dt', {}, [t('officerMandateNik')]), h('dd', {}, [mandate.holderNik || '—']),
        h('dt', {}, [t('officerMandateChild')]), h('dd', {}, [mandate.member.name]),
        h('dt', {}, [t('officerMandateNik')]), h('dd', {}, [mandate.memberNik]),
        h('dt', {}, [t('officerMandateServices')]), h('dd', {}, [mandate.services.includes('*') ? t('officerMandateAllServices') : mandate.services.join(', ')]),
        h('dt', {}, [t('officerMandateAsked')]), h('dd', {}, [formatDate(mandate.createdAt, true)]),
      ]),
      h('div', { class: 'actions' }, [
        h('button', { type: 'button', class: 'off-mandate-approve', onclick: () => decide(true) }, [t('officerMandateApprove')]),
        h('button', { type: 'button', class: 'secondary off-mandate-refuse', onclick: () => { $refusal.hidden = false; $reason.focus(); } }, [t('officerMandateRefuse')]),
      ]),
      $refusal, $error,
    ]);

    /** @param {boolean} approve */
    async function decide(approve) {
      const reason = $reason.value.trim();
      if (!approve && !reason) { $error.textContent = t('officerMandateReasonMissing'); $error.hidden = false; return; }
      try {
        await post(`/api/v1/officer/mandates/${mandate.id}/review`, approve ? { approve } : { approve, reason });
        const text = t(approve ? 'officerMandateApproved' : 'officerMandateRefused', { name: mandate.member.name });
        $li.remove();
        if (!$list.children.length) $list.append(h('li', { class: 'hint' }, [t('officerMandatesNone')]));
        $status.textContent = text;
        announce(text);
      } catch (error) {
        $error.textContent = errorText(error);
        $error.hidden = false;
      }
    }
    return $li;
  }
}
