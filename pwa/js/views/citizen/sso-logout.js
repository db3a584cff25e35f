// Signing out from an agency system (RP-initiated logout): the system sends the browser to the server, which keeps
// the request and sends the browser here (`/#/sso/logout/<id>`). The citizen is asked once; on yes the server ends
// this MPP Digital session and every system it signed in to, this phone is signed out exactly as the settings'
// button does (views/citizen/settings.js), and the browser goes back to the system (or home). Someone not signed
// in here has nothing to end: they are only sent on.
import { ApiError, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';

/**
 * @typedef {{ client: { name: string } | null, redirectTo?: string | null }} LogoutRequest
 */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const path = `/api/v1/oidc/logout-requests/${encodeURIComponent(ctx.params.id)}`;
  /** @type {LogoutRequest} */
  let request;
  try {
    request = await get(path);
  } catch (error) {
    $main.append(
      h('h1', {}, [t('ssoLogoutGone')]),
      h('p', { class: 'error', role: 'alert' }, [problemText(error)]),
      h('p', {}, [h('a', { href: '#/' }, [t('goHome')])]),
    );
    return;
  }
  // Only a citizen's session signs in to agency systems; anyone else has no such session to end here.
  const signedIn = session.signedIn() && session.kind() === 'citizen';
  const $error = h('p', { class: 'error', role: 'alert', hidden: true });
  const $yes = h('button', { type: 'button', class: 'danger', id: 'sso-logout-yes' }, [t('ssoLogoutYes')]);
  const $no = h('a', { class: 'button secondary', href: '#/', id: 'sso-logout-no' }, [t('ssoLogoutNo')]);
  $main.append(
    h('h1', {}, [t('ssoLogoutTitle')]),
    h('section', { class: 'card' }, [
      request.client ? h('p', {}, [t('ssoLogoutFrom', { name: request.client.name })]) : '',
      h('p', { class: 'hint' }, [signedIn ? t('ssoLogoutHint') : t('ssoLogoutNotSignedIn')]),
      $error,
      h('div', { class: 'sso-actions' }, [$yes, $no]),
    ]),
  );
  $yes.addEventListener('click', async () => {
    $error.hidden = true;
    if (!signedIn) { leave(request.redirectTo); return; }
    const settings = await import('./settings.js');
    if (!(await settings.mayWipeOutbox())) return;
    $yes.setAttribute('disabled', '');
    /** @type {string | null | undefined} */
    let redirectTo;
    try {
      /** @type {{ redirectTo: string | null }} */
      const answer = await post(path);
      redirectTo = answer.redirectTo;
    } catch (error) {
      // The session had already ended elsewhere: nothing left to end on the server, this phone is still signed out.
      if (!(error instanceof ApiError && error.status === 401)) {
        $error.textContent = problemText(error);
        $error.hidden = false;
        $yes.removeAttribute('disabled');
        return;
      }
      redirectTo = request.redirectTo;
    }
    await settings.signOutDevice();
    leave(redirectTo);
  });
}

/** Back to the system that asked, or home. @param {string | null | undefined} redirectTo */
function leave(redirectTo) {
  if (redirectTo) { location.assign(redirectTo); return; }
  location.replace('#/');
  toast(t('settingsSignedOutToast'));
}
