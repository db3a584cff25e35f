// An agency system asks to sign the citizen in with their MPP Digital account (single sign-on). The server keeps
// the system's request and sends the browser here (`/#/sso/<requestId>`); an unsigned visitor signs in first and
// comes back (router.js). When the system already has everything it asks for, nothing is asked: the approval goes
// at once and the browser returns to the system. Otherwise the citizen sees which system asks, for what, in plain
// words, since when it already has what, and answers Izinkan or Tolak; either way the browser goes back to the
// system with the answer (a code, or "access denied").
//
// Logos: the app's Content-Security-Policy loads images from this site only, so a system's logo (on its own site)
// is shown as the system's initial in a badge instead.
import { get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';

/**
 * @typedef {'openid' | 'profile' | 'phone' | 'nik' | 'assurance' | 'offline_access'} Scope
 * @typedef {{ clientId: string, name: string, logoUrl?: string | null, sector?: string | null }} RequestClient
 * @typedef {{ id: string, client: RequestClient, scopes: Scope[], newScopes: Scope[], grantedAt?: string | null,
 *   nikUnavailable?: boolean, prompt?: string | null, reauthenticate?: boolean }} SignInRequest
 */

/** The order in which scopes are listed, whatever order an answer gives them in. */
const ORDER = ['openid', 'profile', 'phone', 'nik', 'assurance', 'offline_access'];
/** @param {string[]} scopes */
export const inOrder = (scopes) => [...scopes].sort((a, b) => ORDER.indexOf(a) - ORDER.indexOf(b));

/** What each scope gives the system, in the citizen's words. @param {string} scope */
export const scopeText = (scope) => t(`ssoScope_${scope}`);

/** A system's badge: its initial (see the note on logos above). @param {string} name */
export const systemMark = (name) => h('span', { class: 'sso-mark', 'aria-hidden': 'true' }, [(name.trim()[0] || '?').toUpperCase()]);

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const path = `/api/v1/oidc/requests/${encodeURIComponent(ctx.params.id)}`;
  /** @type {SignInRequest} */
  let request;
  try {
    if (session.signedIn() && session.kind() !== 'citizen') {
      location.hash = `#${session.home()}`; // staff and kiosks sign in to agency systems with other accounts
      return;
    }
    if (!session.signedIn()) {
      // prompt=none: no sign-in screen may be shown, the system hears login_required; otherwise sign in first.
      /** @type {{ redirectTo?: string | null }} */
      const unattended = await post(`${path}/unattended`, { error: 'login_required' });
      if (unattended.redirectTo) {
        location.assign(unattended.redirectTo);
        return;
      }
      location.hash = `#/signin?next=${encodeURIComponent(`/sso/${ctx.params.id}`)}`;
      return;
    }
    request = await get(path);
  } catch (error) {
    $main.append(
      h('h1', {}, [t('ssoRequestGone')]),
      h('p', { class: 'error', role: 'alert' }, [problemText(error)]),
      h('p', {}, [h('a', { href: '#/' }, [t('goHome')])]),
    );
    return;
  }
  const { client } = request;
  const $error = h('p', { class: 'error', role: 'alert', hidden: true });

  /** Send the answer and follow the system's redirect. @param {boolean} approve */
  async function decide(approve) {
    for (const $b of $main.querySelectorAll('button')) $b.setAttribute('disabled', '');
    $error.hidden = true;
    try {
      /** @type {{ redirectTo: string }} */
      const answer = await post(`${path}/decision`, { approve });
      location.assign(answer.redirectTo);
    } catch (error) {
      $error.textContent = problemText(error);
      $error.hidden = false;
      for (const $b of $main.querySelectorAll('button')) $b.removeAttribute('disabled');
    }
  }

  // The system wants a fresh sign-in (prompt=login, max_age): silently impossible under prompt=none; else ask.
  if (request.reauthenticate) {
    if (request.prompt === 'none') {
      try {
        /** @type {{ redirectTo: string }} */
        const answer = await post(`${path}/unattended`, { error: 'login_required' });
        location.assign(answer.redirectTo);
      } catch (error) {
        $main.append(h('h1', {}, [t('ssoRequestGone')]), h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      }
      return;
    }
    $main.append(
      h('h1', {}, [t('ssoSignInAgainTitle', { name: client.name })]),
      h('p', {}, [t('ssoSignInAgainText', { name: client.name })]),
      h('p', {}, [h('a', { class: 'button', href: `#/signin?again=1&next=${encodeURIComponent(`/sso/${ctx.params.id}`)}` }, [t('ssoSignInAgain')])]),
    );
    return;
  }

  // prompt=none and something new is asked: no screen may be shown, so the system hears consent_required.
  if (request.prompt === 'none' && request.newScopes.length) {
    try {
      /** @type {{ redirectTo: string }} */
      const answer = await post(`${path}/unattended`, { error: 'consent_required' });
      location.assign(answer.redirectTo);
    } catch (error) {
      $main.append(h('h1', {}, [t('ssoRequestGone')]), h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
    }
    return;
  }

  // Nothing new is asked: the citizen said yes before; go back to the system at once.
  if (!request.newScopes.length) {
    $main.append(h('h1', {}, [t('ssoRedirecting', { name: client.name })]), h('p', { role: 'status' }, [t('ssoRedirectingHint')]), $error);
    await decide(true);
    return;
  }

  const asked = inOrder(request.scopes).filter((scope) => !(scope === 'nik' && request.nikUnavailable));
  const line = (/** @type {string} */ scope) => h('li', { 'data-scope': scope }, [
    scopeText(scope),
    request.newScopes.includes(/** @type {Scope} */ (scope)) ? '' : h('span', { class: 'meta sso-since' }, [
      ' ', request.grantedAt ? t('ssoAlreadySince', { date: formatDate(request.grantedAt) }) : t('ssoAlready'),
    ]),
  ]);
  $main.append(
    h('h1', {}, [t('ssoConsentTitle', { name: client.name })]),
    h('section', { class: 'card sso-consent', 'aria-labelledby': 'sso-client-name' }, [
      h('div', { class: 'sso-client' }, [
        systemMark(client.name),
        h('div', {}, [
          h('h2', { id: 'sso-client-name' }, [client.name]),
          client.sector ? h('p', { class: 'meta' }, [t('ssoSector', { sector: client.sector })]) : '',
        ]),
      ]),
      h('p', {}, [t('ssoWillReceive', { name: client.name })]),
      h('ul', { class: 'sso-scopes' }, asked.map(line)),
      request.nikUnavailable ? h('p', { class: 'hint', id: 'sso-nik-unavailable' }, [t('ssoNikUnavailable')]) : '',
      h('p', { class: 'hint' }, [t('ssoRevokeLater')]),
      $error,
      h('div', { class: 'sso-actions' }, [
        h('button', { type: 'button', id: 'sso-approve', onclick: () => decide(true) }, [t('ssoApprove')]),
        h('button', { type: 'button', class: 'secondary', id: 'sso-deny', onclick: () => decide(false) }, [t('ssoDeny')]),
      ]),
    ]),
  );
}
