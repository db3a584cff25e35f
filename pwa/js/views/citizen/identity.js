// "Verifikasi identitas" (Settings → Verify identity): the citizen proves their NIK with the name and birth date
// on their KTP-el, which the population registry (Dukcapil) matches. The outcome is said in one sentence, the
// same for every kind of "no" (the API answers alike whether or not another account holds the NIK), and names
// the other way: an officer checking the KTP-el at an MPP counter.
// `?back=/apply/<id>` returns to the application that needed the proof (a route of this app only).
import { post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { formError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { internalRoute } from '../../components/return-to.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const me = session.me() || {};
  const back = internalRoute(ctx.query.get('back'));
  const $level = h('p', { id: 'identity-level' }, [levelText(me.assurance)]);
  $main.append(h('h1', {}, [t('identityTitle')]), h('section', { class: 'card' }, [$level, h('p', { class: 'hint' }, [t('identityHint')])]));
  if (me.assurance === 'registry' || me.assurance === 'in_person') {
    if (back) $main.append(h('p', {}, [h('a', { class: 'button', href: `#${back}` }, [t('identityBackToApply')])]));
    return;
  }

  const $nik = field('identity-nik', t('identityNik'), { inputmode: 'numeric', autocomplete: 'off', maxlength: '16', pattern: '[0-9]{16}', value: me.nik || '' });
  const $name = field('identity-name', t('identityName'), { autocomplete: 'name', maxlength: '120', value: me.name || '' });
  const $birth = field('identity-birth', t('identityBirthDate'), { type: 'date', value: me.birthDate || '' });
  const $error = formError('identity-error');
  const $outcome = h('div', { id: 'identity-outcome', role: 'status', tabindex: '-1' });
  const $send = h('button', { type: 'submit' }, [t('identitySubmit')]);
  const $form = h('form', { class: 'card', id: 'identity-form', novalidate: true }, [$nik.$row, $name.$row, $birth.$row, $error, $send]);
  $main.append($form, $outcome);

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage($error, '');
    const nik = $nik.$input.value.trim();
    if (!/^[0-9]{16}$/.test(nik) || !$name.$input.value.trim() || !$birth.$input.value) {
      showMessage($error, t('identityIncomplete'));
      return;
    }
    $send.toggleAttribute('disabled', true);
    try {
      const answer = await post('/api/v1/me/identity/verify', { nik, name: $name.$input.value.trim(), birthDate: $birth.$input.value });
      await session.reloadMe().catch(() => undefined);
      $outcome.replaceChildren(...outcome(answer.verified, back));
      $outcome.className = answer.verified ? 'card notice success' : 'card notice';
      if (answer.verified) $form.remove();
      $level.textContent = levelText(answer.assurance);
      // The outcome is the next thing to read: focus moves there after the user's own action.
      $outcome.focus();
      announce(answer.verified ? t('identityVerified') : t('identityNotMatched'));
    } catch (error) {
      showMessage($error, problemText(error));
    } finally {
      $send.toggleAttribute('disabled', false);
    }
  });
}

/** @param {string | undefined} level */
function levelText(level) {
  return t(level === 'in_person' ? 'identityLevelInPerson' : level === 'registry' ? 'identityLevelRegistry' : 'identityLevelPhone');
}

/**
 * @param {boolean} verified
 * @param {string | null} back
 * @returns {Node[]}
 */
function outcome(verified, back) {
  if (verified) {
    return [h('p', {}, [h('strong', {}, [t('identityVerified')])]), back ? h('a', { class: 'button', href: `#${back}` }, [t('identityBackToApply')]) : h('a', { href: '#/settings' }, [t('identityBackToSettings')])];
  }
  return [h('p', {}, [h('strong', {}, [t('identityNotMatched')])]), h('p', {}, [t('identityInPersonHint')])];
}

/**
 * A labelled input with its own id (the label's `for`), in a row.
 * @param {string} id @param {string} label @param {Record<string, string>} attrs
 */
function field(id, label, attrs) {
  const $input = /** @type {HTMLInputElement} */ (h('input', { id, name: id, ...attrs }));
  const $row = h('div', { class: 'field' }, [h('label', { for: id }, [label]), $input]);
  return { $row, $input };
}
