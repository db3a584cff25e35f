// Staff enrolment codes: a staff member's first passkey needs a one-time code from an admin (besides the SMS
// code). The admin finds the staff member by phone number (region admins: their region's staff only), then
// issues a code; the code and the sign-in link that carries it are shown once (the server keeps only an HMAC),
// and a new code ends the previous one.
import { get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import { copyButton, loadStyles, roleText } from './common.js';

/**
 * @typedef {{ accountId: string, name: string, phone: string, roles: string[], hasPasskey: boolean, agency?: string, region?: string }} StaffMember
 * @typedef {{ accountId: string, enrolmentCode: string, link: string, expiresAt: string }} EnrolmentCode
 */

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const $found = h('div', { id: 'adm-staff-found' });
  const $phone = /** @type {HTMLInputElement} */ (h('input', { type: 'tel', inputmode: 'tel', autocomplete: 'off', maxlength: '32' }));
  const $field = field({ id: 'adm-staff-phone', label: t('adminStaffPhone'), hint: t('adminStaffPhoneHint'), input: $phone });
  const $button = h('button', { type: 'submit' }, [t('adminStaffFind')]);
  const $form = h('form', { class: 'card', role: 'search', 'aria-label': t('adminStaffFindLabel'), novalidate: true }, [$field, $button]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    setError($field, '');
    $found.replaceChildren();
    const phone = $phone.value.trim();
    if (!phone) { setError($field, t('adminStaffPhoneMissing')); $phone.focus(); return; }
    $button.setAttribute('disabled', '');
    try {
      /** @type {StaffMember} */
      const member = await get('/api/v1/admin/staff', { phone });
      showMember(member);
    } catch (error) {
      // "Not found" here means: no active staff member with this number in the admin's reach.
      const code = /** @type {any} */ (error)?.code;
      setError($field, code === 'not_found' ? t('adminStaffNotFound') : problemText(error));
      $phone.focus();
    } finally {
      $button.removeAttribute('disabled');
    }
  });
  $main.append(h('h1', {}, [t('adminStaffTitle')]), h('p', {}, [t('adminStaffIntro')]), $form, $found);

  /** @param {StaffMember} member */
  function showMember(member) {
    const $title = h('h2', { id: 'adm-member-title', tabindex: '-1' }, [member.name || member.phone]);
    const $issued = h('div', {});
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $issue = h('button', { type: 'button', id: 'adm-issue' }, [t('adminStaffIssue')]);
    $issue.addEventListener('click', async () => {
      $error.hidden = true;
      $issue.setAttribute('disabled', '');
      try {
        /** @type {EnrolmentCode} */
        const issued = await post(`/api/v1/admin/staff/${member.accountId}/enrolment-code`);
        showCode(member, issued, $issued);
      } catch (error) {
        $error.textContent = problemText(error);
        $error.hidden = false;
      } finally {
        $issue.removeAttribute('disabled');
      }
    });
    $found.replaceChildren(h('section', { class: 'card', 'aria-labelledby': 'adm-member-title' }, [
      $title,
      h('dl', { class: 'adm-facts' }, [
        h('dt', {}, [t('adminStaffPhoneShort')]), h('dd', {}, [member.phone]),
        h('dt', {}, [t('adminStaffRoles')]), h('dd', {}, [member.roles.map(roleText).join(', ')]),
        member.agency ? h('dt', {}, [t('adminStaffAgency')]) : '', member.agency ? h('dd', {}, [member.agency]) : '',
        h('dt', {}, [t('adminStaffPasskey')]), h('dd', {}, [member.hasPasskey ? t('adminStaffHasPasskey') : t('adminStaffNoPasskey')]),
      ]),
      h('p', { class: 'hint' }, [t('adminStaffIssueHint')]),
      $issue, $error, $issued,
    ]));
    $title.focus();
  }

  /**
   * @param {StaffMember} member
   * @param {EnrolmentCode} issued
   * @param {HTMLElement} $into
   */
  function showCode(member, issued, $into) {
    const $code = h('code', { class: 'adm-code', id: 'adm-enrol-code' }, [issued.enrolmentCode]);
    const $link = h('code', { class: 'adm-secret', id: 'adm-enrol-link' }, [issued.link]);
    const $title = h('h3', { id: 'adm-code-title', tabindex: '-1' }, [t('adminStaffCodeTitle', { name: member.name || member.phone })]);
    $into.replaceChildren(h('section', { class: 'adm-once', 'aria-labelledby': 'adm-code-title' }, [
      $title,
      h('p', { class: 'adm-warning' }, [h('strong', {}, [t('adminShownOnce')]), ' ', t('adminStaffCodeWarning', { name: member.name || member.phone })]),
      h('p', { class: 'adm-label' }, [t('adminStaffCode')]), $code,
      h('p', { class: 'adm-label' }, [t('adminStaffLink')]), $link,
      h('p', { class: 'meta' }, [t('adminStaffExpires', { date: formatDate(issued.expiresAt, true) })]),
      h('div', { class: 'adm-actions' }, [copyButton(issued.enrolmentCode, t('adminCopyCode'), $code), copyButton(issued.link, t('adminCopyLink'), $link)]),
    ]));
    $title.focus();
  }
}
