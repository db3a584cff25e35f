// The way back from the national identity provider (INApas-style). Our callback put a one-time hand-off code, or an
// error code, in this screen's address; the code is traded for a session here (stored as the SMS sign-in stores
// it), then home. The address is cleaned at once: the code must not stay in the history.
import { post, ApiError } from '../../api.js';
import { t } from '../../i18n.js';
import { h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { problemText } from '../../lib/problem.js';

/**
 * What went wrong, in the screen's language: the callback's error codes have their own sentences.
 * @param {string} code
 */
function errorText(code) {
  const key = `nationalErr_${code}`;
  const known = t(key);
  return known !== key ? known : problemText({ code });
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const handoff = ctx.query.get('handoff');
  const error = ctx.query.get('error');
  history.replaceState(null, '', '#/signin/national');
  const $status = h('p', { id: 'signin-national-status', role: 'status' }, [t('signinNationalWorking')]);
  const $card = h('div', { class: 'card' }, [$status]);
  $main.append(h('h1', {}, [t('titleSignInNational')]), $card);

  /** @param {string} text */
  const fail = (text) => {
    $status.setAttribute('role', 'alert');
    $status.className = 'error';
    $status.textContent = text;
    const $retry = h('a', { class: 'button', id: 'signin-national-retry', href: '/api/v1/auth/national/start' }, [t('signinNationalRetry')]);
    const $sms = h('a', { class: 'button secondary', href: '#/signin' }, [t('signinNationalUseSms')]);
    $card.append(h('p', { class: 'row signin-actions' }, [$retry, $sms]));
  };

  if (!handoff) { fail(errorText(error || 'failed')); return; }
  try {
    const tokens = await post('/api/v1/auth/national/complete', { handoff });
    await session.begin(tokens);
    // Staff confirm with their passkey, as after an SMS code.
    if (tokens.scope === 'mfa') { location.replace('#/signin?step=passkey'); return; }
    if (session.kind() === 'citizen') import('../../components/notifications-badge.js').then((m) => m.start()).catch(() => undefined);
    location.replace(session.kind() === 'staff' ? `#${session.home()}` : '#/');
  } catch (problem) {
    fail(problem instanceof ApiError && problem.code ? errorText(problem.code) : problemText(problem));
  }
}
