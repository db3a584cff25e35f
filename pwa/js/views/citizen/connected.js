// "Layanan terhubung": the agency systems the citizen allowed to sign them in with MPP Digital, what each received
// and since when, and when it last used it. "Cabut akses" withdraws the consent: the server signs the citizen out
// of that system and it must ask again next time.
import { del, get } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { inOrder, scopeText, systemMark } from './sso.js';

/**
 * @typedef {{ clientId: string, clientName: string, logoUrl: string | null, sector: string, scopes: string[],
 *   grantedAt: string, lastUsedAt: string | null }} Grant
 */

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  const $status = h('p', { class: 'status', role: 'status', id: 'connected-status' });
  const $list = h('div', { id: 'connected-list' });
  $main.append(
    h('h1', {}, [t('titleConnected')]),
    h('p', {}, [t('connectedIntro')]),
    $status,
    $list,
    h('p', {}, [h('a', { href: '#/settings' }, [t('connectedBack')])]),
  );
  /** @type {{ items: Grant[] }} */
  let grants;
  try {
    grants = await get('/api/v1/me/oidc-grants');
  } catch (error) {
    $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    return;
  }
  const empty = () => h('p', { id: 'connected-empty' }, [t('connectedEmpty')]);
  if (!grants.items.length) { $list.replaceChildren(empty()); return; }
  const $ul = h('ul', { class: 'sso-grants' }, grants.items.map(item));
  $list.replaceChildren($ul);

  /** @param {Grant} grant */
  function item(grant) {
    const $error = h('p', { class: 'error', role: 'alert', hidden: true });
    const $revoke = h('button', { type: 'button', class: 'danger' }, [t('connectedRevoke')]);
    const $li = h('li', { class: 'card sso-grant', 'data-client': grant.clientId }, [
      h('div', { class: 'sso-client' }, [
        systemMark(grant.clientName),
        h('div', {}, [h('h2', {}, [grant.clientName]), grant.sector ? h('p', { class: 'meta' }, [t('ssoSector', { sector: grant.sector })]) : '']),
      ]),
      h('p', {}, [t('connectedReceives')]),
      h('ul', { class: 'sso-scopes' }, inOrder(grant.scopes).map((scope) => h('li', {}, [scopeText(scope)]))),
      h('p', { class: 'meta' }, [t('connectedSince', { date: formatDate(grant.grantedAt) })]),
      h('p', { class: 'meta' }, [grant.lastUsedAt ? t('connectedLastUsed', { date: formatDate(grant.lastUsedAt, true) }) : t('connectedNeverUsed')]),
      $error,
      $revoke,
    ]);
    $revoke.addEventListener('click', async () => {
      if (!confirm(t('connectedRevokeConfirm', { name: grant.clientName }))) return;
      $revoke.setAttribute('disabled', '');
      $error.hidden = true;
      try {
        await del(`/api/v1/me/oidc-grants/${encodeURIComponent(grant.clientId)}`);
        $li.remove();
        const text = t('connectedRevoked', { name: grant.clientName });
        $status.textContent = text;
        toast(text);
        if (!$ul.children.length) $list.replaceChildren(empty());
        /** @type {HTMLElement | null} */ ($main.querySelector('h1'))?.focus();
      } catch (error) {
        $error.textContent = problemText(error);
        $error.hidden = false;
        $revoke.removeAttribute('disabled');
      }
    });
    return $li;
  }
}
