// One member of staff in the list: roles, agency, passkey, last sign-in and status, and behind "Kelola <name>"
// what an admin can do: change role or agency, a new enrolment code, lost passkeys, sign out everywhere, suspend
// (with a reason, after a confirmation) or reinstate. Every change sends the revision the admin read (If-Match):
// when another admin changed the person meanwhile, the card says so and offers to reload them.
//
// Contract: receives the StaffItem and { national, ask(words) → Promise<boolean> } (the view's confirmation
// dialog, which it cancels on leaving); returns { $el }, an <li> the caller places in its list. The card redraws
// itself after each change, keeping "Kelola" open; focus goes to the sentence saying what happened.
import { ApiError, api, get, post } from '../../../api.js';
import { t } from '../../../i18n.js';
import { formatDate, h } from '../../../lib/dom.js';
import { problemText } from '../../../lib/problem.js';
import { field, setError, showMessage } from '../../../components/account-field.js';
import { roleText } from '../common.js';
import { codePanel } from './code.js';
import { STAFF, agenciesOf, fieldErrors, ifMatch, lastSignIn, nameOf } from './shared.js';

/** @typedef {import('./shared.js').StaffItem} StaffItem */
/** @typedef {{ title: string, text: string, yes: string }} Words */

/**
 * @param {StaffItem} first
 * @param {{ national: boolean, ask: (words: Words) => Promise<boolean> }} options
 */
export function createPerson(first, { national, ask }) {
  let item = first;
  let open = false;
  const $el = h('li', { class: 'card adm-person', 'data-id': item.accountId });
  /** Parts of the current drawing that the actions write into. */
  let $status = h('p');
  let $error = h('p');
  let $reload = h('button');
  let $slot = h('div');
  draw();
  return { $el };

  /** @param {string} [said] what just happened, read out and focused */
  function draw(said = '') {
    const name = nameOf(item);
    const id = item.accountId;
    const suspended = item.status === 'suspended';
    $status = h('p', { class: 'status adm-said', role: 'status', tabindex: '-1' }, [said]);
    $error = h('p', { class: 'error', role: 'alert', hidden: true });
    $reload = h('button', { type: 'button', class: 'secondary', hidden: true, onclick: () => act($reload, reload) }, [t('adminStaffReload')]);
    $slot = h('div');
    const staffRoles = item.roles.filter((r) => r !== 'citizen');
    const $details = /** @type {HTMLDetailsElement} */ (h('details', { class: 'adm-manage' }, [
      h('summary', {}, [t('adminStaffManage', { name })]),
      ...(suspended ? [reinstateButton()] : [
        changeForm(id, staffRoles[0] || ''),
        h('div', { class: 'adm-actions' }, [
          h('button', { type: 'button', class: 'secondary', onclick: (/** @type {Event} */ e) => act(/** @type {HTMLElement} */ (e.currentTarget), issue) }, [t('adminStaffIssue')]),
          item.hasPasskey ? h('button', { type: 'button', class: 'secondary', onclick: (/** @type {Event} */ e) => act(/** @type {HTMLElement} */ (e.currentTarget), lostPasskeys) }, [t('adminStaffLostPasskey')]) : '',
          h('button', { type: 'button', class: 'secondary', onclick: (/** @type {Event} */ e) => act(/** @type {HTMLElement} */ (e.currentTarget), signOut) }, [t('adminStaffSignOut')]),
        ]),
        h('p', { class: 'hint' }, [t('adminStaffIssueHint')]),
        suspendForm(id),
      ]),
      $error, $reload, $slot,
    ]));
    $details.open = open;
    $details.addEventListener('toggle', () => { open = $details.open; });
    $el.replaceChildren(
      h('h3', {}, [name]),
      h('p', { class: 'meta' }, [item.phone]),
      h('p', { class: 'adm-badges' }, [
        ...staffRoles.map((r) => h('span', { class: 'badge' }, [roleText(r)])),
        h('span', { class: `badge adm-st ${suspended ? 'adm-st-revoked' : 'adm-st-active'}` }, [
          suspended ? t('adminStaffStatusSuspended') : t('adminStaffStatusActive'),
        ]),
      ]),
      h('dl', { class: 'adm-facts' }, [
        ...(item.agency ? [h('dt', {}, [t('adminStaffAgency')]), h('dd', {}, [item.agency.name])] : []),
        ...(national && item.region ? [h('dt', {}, [t('adminStaffRegion')]), h('dd', {}, [item.region.name])] : []),
        h('dt', {}, [t('adminStaffPasskey')]), h('dd', {}, [item.hasPasskey ? t('adminStaffHasPasskey') : t('adminStaffNoPasskey')]),
        h('dt', {}, [t('adminStaffLastSignIn')]),
        h('dd', { title: item.lastSignInAt ? formatDate(item.lastSignInAt, true) : null }, [lastSignIn(item.lastSignInAt)]),
      ]),
      $status,
      $details,
    );
    if (said) $status.focus();
  }

  /**
   * Run an action with its button disabled; a refusal is said under the actions (a stale screen also gets
   * "Muat ulang").
   * @param {HTMLElement} $button
   * @param {() => Promise<void>} work
   */
  async function act($button, work) {
    showMessage($error, '');
    $reload.hidden = true;
    $button.setAttribute('disabled', '');
    try {
      await work();
    } catch (error) {
      showMessage($error, problemText(error));
      $reload.hidden = !(error instanceof ApiError && (error.status === 412 || error.status === 428));
    } finally {
      $button.removeAttribute('disabled');
    }
  }

  /** After a refused stale change: the person as they are now, to decide again. */
  async function reload() {
    item = await get(`${STAFF}/${item.accountId}`);
    draw();
    /** @type {HTMLElement | null} */ ($el.querySelector('summary'))?.focus();
  }

  /** @param {string} id @param {string} role */
  function changeForm(id, role) {
    // A national admin is made with `mpp users create`, not here: their role is not offered for change.
    const roles = national ? ['officer', 'supervisor', 'region_admin'] : ['officer', 'supervisor'];
    if (!roles.includes(role)) return '';
    const $role = /** @type {HTMLSelectElement} */ (h('select', {}, roles.map((r) => h('option', { value: r, selected: r === role }, [roleText(r)]))));
    const $agency = /** @type {HTMLSelectElement} */ (h('select', {}, [h('option', { value: '' }, [t('adminStaffAgencyChoose')])]));
    const $roleField = field({ id: `adm-p-${id}-role`, label: t('adminStaffRoles'), input: $role });
    const $agencyField = field({ id: `adm-p-${id}-agency`, label: t('adminStaffAgency'), input: $agency });
    const showAgency = () => { $agencyField.hidden = $role.value === 'region_admin'; };
    $role.addEventListener('change', showAgency);
    showAgency();
    if (item.region) {
      agenciesOf(item.region.code).then((list) => {
        $agency.append(...list.map((a) => h('option', { value: a.code, selected: a.code === item.agency?.code }, [a.name])));
      }).catch((error) => setError($agencyField, problemText(error)));
    }
    const $save = h('button', { type: 'submit' }, [t('adminStaffChangeSave')]);
    const $form = h('form', { class: 'adm-change', 'aria-labelledby': `adm-p-${id}-change`, novalidate: true }, [
      h('h4', { id: `adm-p-${id}-change` }, [t('adminStaffChangeTitle')]),
      h('p', { class: 'hint' }, [t('adminStaffChangeHint')]),
      $roleField, $agencyField, $save,
    ]);
    $form.addEventListener('submit', (event) => {
      event.preventDefault();
      setError($roleField, '');
      setError($agencyField, '');
      const agency = $role.value === 'region_admin' ? null : $agency.value;
      if ($role.value !== 'region_admin' && !agency) { setError($agencyField, t('adminStaffAgencyMissing')); $agency.focus(); return; }
      if ($role.value === role && (agency || null) === (item.agency?.code || null)) { draw(t('adminStaffNoChange')); return; }
      act($save, async () => {
        try {
          item = await api(`${STAFF}/${id}`, { method: 'PATCH', body: { role: $role.value, ...(agency ? { agency } : {}) }, headers: ifMatch(item) });
        } catch (error) {
          const problems = fieldErrors(error);
          if (!problems.length) throw error;
          for (const [name, text] of problems) setError(name === 'role' ? $roleField : $agencyField, text);
          return;
        }
        draw(t('adminStaffChanged', { name: nameOf(item) }));
      });
    });
    return $form;
  }

  /** @param {string} id */
  function suspendForm(id) {
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', { maxlength: '500', rows: '2' }));
    const $reasonField = field({ id: `adm-p-${id}-reason`, label: t('adminStaffSuspendReason'), hint: t('adminStaffSuspendReasonHint'), input: $reason });
    const $go = h('button', { type: 'submit', class: 'danger' }, [t('adminStaffSuspend')]);
    const $form = h('form', { class: 'adm-suspend', 'aria-labelledby': `adm-p-${id}-suspend`, novalidate: true }, [
      h('h4', { id: `adm-p-${id}-suspend` }, [t('adminStaffSuspendTitle')]), $reasonField, $go,
    ]);
    $form.addEventListener('submit', (event) => {
      event.preventDefault();
      const reason = $reason.value.trim();
      setError($reasonField, reason ? '' : t('adminStaffSuspendReasonMissing'));
      if (!reason) { $reason.focus(); return; }
      act($go, async () => {
        const name = nameOf(item);
        if (!(await ask({ title: t('adminStaffSuspendAsk', { name }), text: t('adminStaffSuspendText', { name }), yes: t('adminStaffSuspendYes') }))) return;
        item = await post(`${STAFF}/${id}/suspend`, { reason }, ifMatch(item));
        draw(t('adminStaffSuspended', { name }));
      });
    });
    return $form;
  }

  function reinstateButton() {
    const $button = h('button', { type: 'button' }, [t('adminStaffReinstate')]);
    $button.addEventListener('click', () => act($button, async () => {
      item = await post(`${STAFF}/${item.accountId}/reinstate`, undefined, ifMatch(item));
      draw(t('adminStaffReinstated', { name: nameOf(item) }));
    }));
    return $button;
  }

  async function issue() {
    const issued = await post(`${STAFF}/${item.accountId}/enrolment-code`);
    showCode(issued, t('adminStaffIssued', { name: nameOf(item) }));
  }

  async function lostPasskeys() {
    const name = nameOf(item);
    if (!(await ask({ title: t('adminStaffLostTitle', { name }), text: t('adminStaffLostText', { name }), yes: t('adminStaffLostYes') }))) return;
    const issued = await api(`${STAFF}/${item.accountId}/passkeys`, { method: 'DELETE', headers: ifMatch(item) });
    item = await get(`${STAFF}/${item.accountId}`);
    draw();
    showCode(issued);
  }

  async function signOut() {
    const name = nameOf(item);
    if (!(await ask({ title: t('adminStaffSignOutTitle', { name }), text: t('adminStaffSignOutText', { name }), yes: t('adminStaffSignOutYes') }))) return;
    const { ended } = await post(`${STAFF}/${item.accountId}/sessions/end`);
    $status.textContent = t('adminStaffSignedOut', { name, n: ended });
    $status.focus();
  }

  /** @param {import('./shared.js').NewCode} issued @param {string} [note] */
  function showCode(issued, note) {
    const panel = codePanel(issued, item, { note, heading: 'h4', onDone: () => $status.focus() });
    $slot.replaceChildren(panel.$el);
    panel.focus();
  }
}
