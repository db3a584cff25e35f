// "Keluarga dan kuasa" (Settings → Family and mandates): the family members I linked, the mandate I hold over
// each (its status in words: active, waiting for an officer, waiting for consent, refused, revoked), adding a
// member — which asks for the mandate at once — and the mandates others hold over me (accept, revoke).
//
// What decides a mandate is the server's (api/accounts/mandate_review.py): a parent's mandate over a minor child
// is active when a family card fact lists both, else a Disdukcapil officer reviews it; an adult member consents
// in their own account. After adding someone, the screen says in one sentence what happens next.
// Linking goes through the family card (KK): without a KK number in the profile, its field comes first.
import { api, del, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { formError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { nikBirthDate, nikProblem } from '../../components/profile-form.js';

/**
 * @typedef {{ id: string, nik: string, name: string, relation: string, hasAccount: boolean, minor: boolean }} Member
 * @typedef {{ id: string, holder: { id: string, name: string }, member: { id: string, name: string },
 *   relation: string, basis: string, status: string, validUntil: string, proof?: string | null,
 *   reviewReason?: string | null }} Mandate
 */

const RELATIONS = ['child', 'parent', 'spouse', 'sibling', 'other'];
const LIVE = new Set(['active', 'review', 'pending']);
// The longest mandate the server gives (a parent's ends earlier, when the child turns 17).
const MANDATE_DAYS = 365;

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  await session.reloadMe().catch(() => undefined);
  const $outcome = h('div', { id: 'family-outcome', role: 'status', tabindex: '-1' });
  const $members = h('ul', { class: 'settings-list', id: 'family-list', 'aria-live': 'polite' });
  const $overMe = h('ul', { class: 'settings-list', id: 'family-over-me' });
  const $error = formError('family-error');
  $main.append(
    h('p', {}, [h('a', { href: '#/settings', class: 'back' }, [t('titleSettings')])]),
    h('h1', {}, [t('titleFamily')]),
    h('p', { class: 'hint' }, [t('familyIntro')]),
    $outcome,
  );
  const $kk = session.me()?.kk ? null : kkSection(() => { $kk?.remove(); $add.hidden = false; });
  const $add = addSection(async (member, mandate) => {
    await refresh();
    $outcome.className = 'card notice';
    $outcome.replaceChildren(h('p', {}, [nextStep(member, mandate)]));
    $outcome.focus();
    announce($outcome.textContent || '');
  });
  $add.hidden = Boolean($kk);
  $main.append(
    section('family-members', t('familyMembersTitle'), [$error, $members]),
    ...($kk ? [$kk] : []),
    $add,
    section('family-over-me-section', t('familyOverMeTitle'), [$overMe]),
  );

  async function refresh() {
    showMessage($error, '');
    try {
      const [family, mandates] = await Promise.all([get('/api/v1/me/family'), get('/api/v1/me/mandates')]);
      const me = session.me()?.id;
      /** @type {Mandate[]} */
      const mine = mandates.items.filter((/** @type {Mandate} */ m) => m.holder.id === me);
      /** @type {Mandate[]} */
      const overMe = mandates.items.filter((/** @type {Mandate} */ m) => m.holder.id !== me);
      $members.replaceChildren(...(family.items.length
        ? family.items.map((/** @type {Member} */ m) => memberItem(m, mine.find((x) => x.member.id === m.id)))
        : [h('li', { class: 'hint' }, [t('familyNone')])]));
      $overMe.replaceChildren(...(overMe.length ? overMe.map(overMeItem) : [h('li', { class: 'hint' }, [t('familyOverMeNone')])]));
    } catch (error) {
      showMessage($error, problemText(error));
    }
  }

  /** @param {() => Promise<any>} action @param {string} done */
  async function act(action, done) {
    showMessage($error, '');
    try {
      await action();
      await refresh();
      announce(done);
    } catch (error) {
      showMessage($error, problemText(error));
    }
  }

  /** @param {Member} member @param {Mandate | undefined} mandate the newest I hold over them */
  function memberItem(member, mandate) {
    const live = mandate && LIVE.has(mandate.status);
    const canAsk = !live && ((member.relation === 'child' && member.minor) || member.hasAccount);
    return h('li', { class: 'settings-item family-member', 'data-member': member.id }, [
      h('p', {}, [h('strong', {}, [member.name]), ` — ${t(`familyRel_${member.relation}`)}`]),
      h('p', { class: 'meta' }, [`NIK ${member.nik}`]),
      mandate ? mandateLine(mandate) : h('p', { class: 'family-status' }, [t('familyNoMandate')]),
      h('div', { class: 'actions' }, [
        live ? h('button', { type: 'button', class: 'secondary family-revoke', onclick: () => act(() => del(`/api/v1/me/mandates/${mandate.id}`), t('familyRevoked')) }, [t('familyRevoke')]) : null,
        canAsk ? h('button', { type: 'button', class: 'secondary family-request', onclick: () => request(member) }, [t('familyRequest')]) : null,
        h('button', {
          type: 'button',
          class: 'danger family-remove',
          onclick: () => { if (confirm(t('familyRemoveConfirm', { name: member.name }))) act(() => del(`/api/v1/me/family/${member.id}`), t('familyRemoved')); },
        }, [t('familyRemove')]),
      ]),
    ]);
  }

  /** @param {Member} member */
  async function request(member) {
    showMessage($error, '');
    try {
      const mandate = await askMandate(member.id);
      await refresh();
      $outcome.className = 'card notice';
      $outcome.replaceChildren(h('p', {}, [nextStep(member, mandate)]));
      $outcome.focus();
      announce($outcome.textContent || '');
    } catch (error) {
      showMessage($error, problemText(error));
    }
  }

  /** @param {Mandate} mandate */
  function overMeItem(mandate) {
    return h('li', { class: 'settings-item family-over-me-item' }, [
      h('p', {}, [h('strong', {}, [t('familyOverMeItem', { name: mandate.holder.name })])]),
      mandateLine(mandate),
      h('div', { class: 'actions' }, [
        mandate.status === 'pending' ? h('button', { type: 'button', class: 'family-accept', onclick: () => act(() => post(`/api/v1/me/mandates/${mandate.id}/accept`, {}), t('familyAccepted')) }, [t('familyAccept')]) : null,
        LIVE.has(mandate.status) ? h('button', { type: 'button', class: 'secondary family-revoke', onclick: () => act(() => del(`/api/v1/me/mandates/${mandate.id}`), t('familyRevoked')) }, [t('familyRevoke')]) : null,
      ]),
    ]);
  }

  await refresh();
}

/** @param {string} id @param {string} title @param {(Node | null)[]} children */
const section = (id, title, children) => h('section', { class: 'card settings-section', id, 'aria-labelledby': `${id}-title` }, [h('h2', { id: `${id}-title` }, [title]), ...children]);

/** The mandate's status in words, its end, and an officer's refusal reason. @param {Mandate} mandate */
function mandateLine(mandate) {
  return h('div', { class: 'family-mandate' }, [
    h('p', { class: `family-status family-st-${mandate.status}` }, [
      h('strong', {}, [t('familyMandateStatus', { status: t(`mandateSt_${mandate.status}`) })]),
      mandate.status === 'active' ? ` · ${t('familyUntil', { date: formatDate(mandate.validUntil) })}` : '',
    ]),
    mandate.status === 'refused' && mandate.reviewReason ? h('p', { class: 'hint' }, [t('familyRefusedReason', { reason: mandate.reviewReason })]) : null,
  ]);
}

/** POST /me/mandates for every service, as long as the server allows. @param {string} memberId @returns {Promise<Mandate>} */
function askMandate(memberId) {
  const until = new Date(Date.now() + MANDATE_DAYS * 24 * 3600 * 1000).toISOString();
  return post('/api/v1/me/mandates', { memberId, services: ['*'], validUntil: until });
}

/** What happens next, in one sentence. @param {Member} member @param {Mandate | null} mandate */
function nextStep(member, mandate) {
  if (!mandate) return t('familyNext_noAccount', { name: member.name });
  const key = mandate.status === 'active' ? 'familyNext_active' : mandate.status === 'review' ? 'familyNext_review' : 'familyNext_pending';
  return t(key, { name: member.name });
}

/**
 * "Add a family member": relation, NIK (the birth date it encodes is shown), name. Adding asks for the mandate at
 * once when the server can decide it: a minor child (parental), or an adult with an account (their consent).
 * @param {(member: Member, mandate: Mandate | null) => Promise<void>} onAdded
 */
function addSection(onAdded) {
  const $relation = /** @type {HTMLSelectElement} */ (h('select', { id: 'family-relation' }, RELATIONS.map((r) => h('option', { value: r }, [t(`familyRel_${r}`)]))));
  const $nik = /** @type {HTMLInputElement} */ (h('input', { id: 'family-nik', inputmode: 'numeric', autocomplete: 'off', maxlength: '16', pattern: '[0-9]{16}' }));
  const $birth = h('p', { class: 'hint', id: 'family-birth', 'aria-live': 'polite' });
  const $name = /** @type {HTMLInputElement} */ (h('input', { id: 'family-name', autocomplete: 'off', maxlength: '120' }));
  const $error = formError('family-add-error');
  const $send = h('button', { type: 'submit', id: 'family-add' }, [t('familyAdd')]);
  $nik.addEventListener('input', () => {
    const born = nikBirthDate($nik.value.trim());
    $birth.textContent = born ? t('familyBirth', { date: formatDate(born) }) : '';
  });
  const $form = h('form', { id: 'family-form', novalidate: true }, [
    h('div', { class: 'field' }, [h('label', { for: 'family-relation' }, [t('familyRelation')]), $relation]),
    h('div', { class: 'field' }, [h('label', { for: 'family-nik' }, [t('familyNik')]), $nik, $birth]),
    h('div', { class: 'field' }, [h('label', { for: 'family-name' }, [t('familyName')]), $name]),
    $error, $send,
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    showMessage($error, '');
    const nik = $nik.value.trim();
    const name = $name.value.trim();
    const wrong = nikProblem(nik);
    if (wrong || !name) { showMessage($error, wrong || t('familyIncomplete')); return; }
    $send.toggleAttribute('disabled', true);
    try {
      /** @type {Member} */
      const member = await post('/api/v1/me/family', { nik, name, relation: $relation.value });
      const parental = member.relation === 'child' && member.minor;
      const mandate = parental || member.hasAccount ? await askMandate(member.id) : null;
      $nik.value = ''; $name.value = ''; $birth.textContent = '';
      await onAdded(member, mandate);
    } catch (error) {
      showMessage($error, problemText(error));
    } finally {
      $send.toggleAttribute('disabled', false);
    }
  });
  return section('family-add-section', t('familyAddTitle'), [h('p', { class: 'hint' }, [t('familyRules')]), $form]);
}

/** The KK number, needed before any member can be linked (PATCH /me). @param {() => void} onSaved */
function kkSection(onSaved) {
  const $input = /** @type {HTMLInputElement} */ (h('input', { id: 'family-kk', inputmode: 'numeric', autocomplete: 'off', maxlength: '16', pattern: '[0-9]{16}' }));
  const $error = formError('family-kk-error');
  const $form = h('form', { id: 'family-kk-form', novalidate: true }, [
    h('p', { class: 'hint' }, [t('familyKkHint')]),
    h('div', { class: 'field' }, [h('label', { for: 'family-kk' }, [t('familyKkLabel')]), $input]),
    $error,
    h('button', { type: 'submit' }, [t('familyKkSave')]),
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const kk = $input.value.trim();
    if (!/^[0-9]{16}$/.test(kk)) { showMessage($error, t('familyKkInvalid')); return; }
    try {
      await api('/api/v1/me', { method: 'PATCH', body: { kk } });
      await session.reloadMe().catch(() => undefined);
      announce(t('familyKkSaved'));
      onSaved();
    } catch (error) {
      showMessage($error, problemText(error));
    }
  });
  return section('family-kk-section', t('familyKkTitle'), [$form]);
}
