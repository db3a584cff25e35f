// The closure-days section: the days the building is closed besides the calendar's days off (renovation, an
// election, a flood), from today on; a new one with its date and reason in both languages; removing one after a
// confirmation (the building opens again that day).
//
// Contract: closuresSection(closures, env) receives the upcoming closure days and the screen's env (shared.js).
// Returns its <section>; keeps no state beyond its form.
import { api, post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { formatDate, h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import { clearProblems, formMessage, labelled, local, section, showProblems, textInput } from './shared.js';

/**
 * @param {import('./shared.js').Closure[]} closures
 * @param {import('./shared.js').Env} env
 */
export function closuresSection(closures, env) {
  const $list = closures.length
    ? h('ul', { class: 'adm-list' }, closures.map(row))
    : h('p', {}, [t('bldClosuresEmpty')]);
  return section('bld-closures', t('bldClosuresTitle'), [h('p', { class: 'hint' }, [t('bldClosuresHint')]), $list, addForm()]);

  /** @param {import('./shared.js').Closure} closure */
  function row(closure) {
    const date = formatDate(closure.day);
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    return h('li', { class: 'card bld-closure' }, [
      h('h3', {}, [date]),
      h('p', {}, [local(closure.reason)]),
      $error,
      h('div', { class: 'adm-actions' }, [
        h('button', {
          type: 'button',
          class: 'secondary',
          'aria-label': t('bldClosureRemoveLabel', { date }),
          onclick: async () => {
            const yes = await env.confirm({ title: t('bldClosureRemoveTitle', { date }), text: t('bldClosureRemoveText'), yes: t('bldClosureRemoveYes') });
            if (!yes) return;
            try {
              await api(`/api/v1/admin/closures/${closure.id}`, { method: 'DELETE' });
              await env.reload(t('bldClosureRemoved', { date }), 'bld-closures');
            } catch (error) {
              $error.textContent = problemText(error);
              $error.hidden = false;
            }
          },
        }, [t('bldClosureRemove')]),
      ]),
    ]);
  }

  function addForm() {
    const $day = /** @type {HTMLInputElement} */ (h('input', { type: 'date', required: true }));
    const $reasonId = textInput('', { maxlength: '200' });
    const $reasonEn = textInput('', { maxlength: '200', lang: 'en' });
    const $message = formMessage();
    const $add = h('button', { type: 'submit' }, [t('bldClosureAdd')]);
    const $form = h('form', { class: 'card', novalidate: true, 'aria-labelledby': 'bld-closure-new' }, [
      h('h3', { id: 'bld-closure-new' }, [t('bldClosureNew')]),
      labelled({ field: 'day', label: t('bldClosureDay'), input: $day }),
      labelled({ field: 'reason.id', label: t('bldClosureReasonId'), input: $reasonId, hint: t('bldClosureReasonIdHint') }),
      labelled({ field: 'reason.en', label: t('bldClosureReasonEn'), input: $reasonEn, hint: t('bldClosureReasonEnHint') }),
      $message,
      $add,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      clearProblems($form);
      if (!$day.value) {
        showProblems($form, { status: 422, problem: { errors: [{ field: 'day', message: 'is required' }] } }, () => env.reload());
        return;
      }
      $add.setAttribute('disabled', '');
      try {
        await post('/api/v1/admin/closures', { day: $day.value, reason: { id: $reasonId.value, en: $reasonEn.value }, region: env.region ?? undefined });
        await env.reload(t('bldClosureAdded', { date: formatDate($day.value) }), 'bld-closures');
      } catch (error) {
        showProblems($form, error, () => env.reload());
      } finally {
        $add.removeAttribute('disabled');
      }
    });
    return $form;
  }
}
