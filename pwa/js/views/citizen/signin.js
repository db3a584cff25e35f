// Sign-in: phone number → SMS code (→ name for a new account), or a passkey alone. Staff, whose code gives only
// scope "mfa", then confirm with their passkey (`#/signin?step=passkey`), enrolling one first if they have none:
// that first one also needs the enrolment code an admin handed them, usually inside the link
// `#/signin?enrol=<code>` (something an SMS thief lacks).
import { api, post, ApiError } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h } from '../../lib/dom.js';
import * as session from '../../session.js';
import { field, setError, formError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { createPasskey, getPasskey, passkeysSupported } from '../../components/account-webauthn.js';

const RESEND_SECONDS = 30;
const PASSKEYS = '/api/v1/auth/passkeys';
const ENROLMENT_KEY = 'mpp.enrolmentCode';
const ENROLMENT_ERRORS = ['enrolment_code_required', 'invalid_enrolment_code'];

// The enrolment link's code is kept in sessionStorage until the passkey step: the steps in between replace the
// address (and its `?enrol=`). sessionStorage stays in this tab and is wiped by signing out (Clear-Site-Data).
/** @param {string | null} code */
function rememberEnrolmentCode(code) {
  try { if (code) sessionStorage.setItem(ENROLMENT_KEY, code.trim().slice(0, 40)); } catch { /* storage disabled */ }
}
function enrolmentCode() {
  try { return sessionStorage.getItem(ENROLMENT_KEY) || ''; } catch { return ''; }
}
function forgetEnrolmentCode() {
  try { sessionStorage.removeItem(ENROLMENT_KEY); } catch { /* storage disabled */ }
}

/**
 * Indonesian mobile numbers as people type them (0812…, 62812…, +62 812-…, 812…) → "+62812…", or null.
 * @param {string} raw
 */
export function normalisePhone(raw) {
  let digits = raw.replace(/[\s\-().]/g, '');
  if (digits.startsWith('+')) digits = digits.slice(1);
  if (!/^\d+$/.test(digits)) return null;
  if (digits.startsWith('62')) digits = digits.slice(2);
  else if (digits.startsWith('0')) digits = digits.slice(1);
  // Mobile numbers start with 8 and have 9 to 12 digits after the country code.
  return /^8\d{8,11}$/.test(digits) ? `+62${digits}` : null;
}

/** Only an in-app path may be a destination after sign-in (never another site). @param {string | null} next */
function safeNext(next) {
  return next && /^\/(?!\/)/.test(next) && !next.startsWith('/signin') ? next : '/';
}

/** @param {string} path */
const go = (path) => location.replace(`#${path}`);

/**
 * Passkeys are bound to the site's domain: opened at another address (http://127.0.0.1:8000/ for
 * http://localhost:8000/) the browser refuses them. Then this says where to go instead; '' when all is well.
 */
async function wrongAddress() {
  try {
    const site = await api('/api/v1/site', { auth: false });
    return site.passkeyOrigins.includes(location.origin) ? '' : t('signinPasskeyWrongAddress', { url: site.url });
  } catch {
    return '';
  }
}

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const next = safeNext(ctx.query.get('next'));
  rememberEnrolmentCode(ctx.query.get('enrol'));
  if (session.kind() === 'kiosk') { go('/kiosk'); return; }
  if (session.scope() === 'mfa') return passkeyStep($main);
  // Asked by an agency's system (prompt=login, max_age): a citizen already signed in here proves it again.
  const again = ctx.query.get('again') === '1' && session.kind() === 'citizen';
  if (session.signedIn() && !again) { go(session.kind() === 'staff' ? session.home() : next); return; }

  /** @type {number} */
  let timer = 0;
  // The national identity provider, when this site has one (404 otherwise): asked once, while the form shows.
  /** @type {Promise<{ name: string } | null>} */
  const national = api('/api/v1/auth/national', { auth: false }).catch(() => null);
  const $h1 = h('h1', {}, [t(again ? 'signinAgainTitle' : 'signinTitle')]);
  const $step = h('div', { id: 'signin-step' });
  $main.append($h1, $step);

  /** @param {import('../../session.js').Tokens} tokens */
  const finish = async (tokens) => {
    await session.begin(tokens);
    if (tokens.scope === 'mfa') { go('/signin?step=passkey'); return; }
    if (session.kind() === 'citizen') import('../../components/notifications-badge.js').then((m) => m.start()).catch(() => undefined);
    if (tokens.newAccount) { profileStep(); return; }
    go(session.kind() === 'staff' ? session.home() : next);
  };

  const phoneStep = (initial = '') => {
    const $input = /** @type {HTMLInputElement} */ (h('input', { type: 'tel', name: 'phone', autocomplete: 'tel', inputmode: 'tel', maxlength: '20', required: true }));
    $input.value = initial;
    const $phone = field({ id: 'signin-phone', label: t('signinPhoneLabel'), hint: t('signinPhoneHint'), input: $input });
    const $submit = h('button', { type: 'submit' }, [t('signinSendCode')]);
    const $form = h('form', { class: 'card', novalidate: true }, [$phone, $submit]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const phone = normalisePhone($input.value);
      if (!phone) { setError($phone, t('signinPhoneInvalid')); $input.focus(); return; }
      setError($phone, '');
      $submit.setAttribute('disabled', '');
      try {
        await post('/api/v1/auth/otp', { phone });
        codeStep(phone);
      } catch (error) {
        setError($phone, problemText(error));
        $input.focus();
      } finally {
        $submit.removeAttribute('disabled');
      }
    });
    /** @type {HTMLElement[]} */
    const children = [$form];
    // Opened from an enrolment link: say what it is for, so that a new officer knows what comes next.
    if (enrolmentCode()) children.unshift(h('p', { class: 'card', id: 'signin-enrol-intro' }, [t('signinEnrolLinkIntro')]));
    if (again) children.unshift(h('p', { class: 'card', id: 'signin-again-intro' }, [t('signinAgainIntro')]));
    if (passkeysSupported()) {
      const $error = formError('signin-passkey-error');
      const $button = h('button', { type: 'button', class: 'secondary', id: 'signin-passkey' }, [t('signinWithPasskey')]);
      $button.addEventListener('click', async () => {
        showMessage($error, '');
        $button.setAttribute('disabled', '');
        try {
          const options = await post(`${PASSKEYS}/authenticate/options`);
          const credential = await getPasskey(options.publicKey);
          await finish(await post(`${PASSKEYS}/authenticate`, { challengeId: options.challengeId, credential }));
        } catch (error) {
          showMessage($error, (await wrongAddress()) || problemText(error));
        } finally {
          $button.removeAttribute('disabled');
        }
      });
      children.push(h('div', { class: 'card signin-alt' }, [h('p', {}, [t('signinPasskeyHint')]), $error, $button]));
    }
    $step.replaceChildren(...children);
    // A full navigation: the provider's pages, then back through our callback to #/signin/national.
    national.then((provider) => {
      if (!provider || !$step.contains($form)) return;
      const $link = h('a', { class: 'button secondary', id: 'signin-national', href: '/api/v1/auth/national/start' }, [t('signinNational', { name: provider.name })]);
      $step.append(h('div', { class: 'card signin-alt' }, [h('p', {}, [t('signinNationalHint', { name: provider.name })]), $link]));
    });
  };

  /** @param {string} phone */
  const codeStep = (phone) => {
    const $input = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'code', autocomplete: 'one-time-code', inputmode: 'numeric', pattern: '[0-9]*', maxlength: '6', required: true }));
    const $code = field({ id: 'signin-code', label: t('signinCodeLabel'), hint: t('signinCodeHint', { phone }), input: $input });
    const $submit = h('button', { type: 'submit' }, [t('signinVerify')]);
    const $resend = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary', id: 'signin-resend' }));
    const $change = h('button', { type: 'button', class: 'secondary' }, [t('signinChangePhone')]);
    const $form = h('form', { class: 'card', novalidate: true }, [$code, $submit]);
    const countdown = () => {
      clearInterval(timer);
      let left = RESEND_SECONDS;
      const tick = () => {
        $resend.disabled = left > 0;
        $resend.textContent = left > 0 ? t('signinResendIn', { n: left }) : t('signinResend');
        if (left-- <= 0) clearInterval(timer);
      };
      tick();
      timer = window.setInterval(tick, 1000);
    };
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const code = $input.value.replace(/\D/g, '');
      if (code.length !== 6) { setError($code, t('signinCodeInvalid')); $input.focus(); return; }
      setError($code, '');
      $submit.setAttribute('disabled', '');
      try {
        const tokens = await post('/api/v1/auth/otp/verify', { phone, code });
        clearInterval(timer);
        await finish(tokens);
      } catch (error) {
        setError($code, problemText(error));
        $input.select();
        $input.focus();
      } finally {
        $submit.removeAttribute('disabled');
      }
    });
    $resend.addEventListener('click', async () => {
      try {
        await post('/api/v1/auth/otp', { phone });
        announce(t('signinCodeResent'));
        setError($code, '');
        countdown();
      } catch (error) {
        setError($code, problemText(error));
      }
    });
    $change.addEventListener('click', () => { clearInterval(timer); phoneStep(phone); });
    $step.replaceChildren($form, h('p', { class: 'row signin-actions' }, [$resend, $change]));
    countdown();
    announce(t('signinCodeSent', { phone }));
    $input.focus();
  };

  const profileStep = () => {
    $h1.textContent = t('signinProfileTitle');
    const $name = field({ id: 'signin-name', label: t('signinNameLabel'), hint: t('signinNameHint'), input: h('input', { type: 'text', name: 'name', autocomplete: 'name', maxlength: '120', required: true }) });
    const $nik = field({ id: 'signin-nik', label: t('signinNikLabel'), hint: t('signinNikHint'), input: h('input', { type: 'text', name: 'nik', inputmode: 'numeric', maxlength: '16', autocomplete: 'off' }) });
    const $error = formError('signin-profile-error');
    const $submit = h('button', { type: 'submit' }, [t('signinSaveContinue')]);
    const $form = h('form', { class: 'card', novalidate: true }, [h('p', {}, [t('signinProfileIntro')]), $name, $nik, $error, $submit]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = /** @type {HTMLInputElement} */ ($name.$input).value.trim();
      const nik = /** @type {HTMLInputElement} */ ($nik.$input).value.replace(/\s/g, '');
      setError($name, name ? '' : t('signinNameRequired'));
      setError($nik, !nik || /^\d{16}$/.test(nik) ? '' : t('signinNikInvalid'));
      if (!name) { $name.$input.focus(); return; }
      if (nik && !/^\d{16}$/.test(nik)) { $nik.$input.focus(); return; }
      showMessage($error, '');
      $submit.setAttribute('disabled', '');
      try {
        await api('/api/v1/me', { method: 'PATCH', body: nik ? { name, nik } : { name } });
        await session.reloadMe();
        go(next);
      } catch (error) {
        const text = problemText(error);
        if (error instanceof ApiError && error.code === 'invalid_nik') setError($nik, text);
        else showMessage($error, text);
      } finally {
        $submit.removeAttribute('disabled');
      }
    });
    $step.replaceChildren($form);
    $h1.focus();
  };

  phoneStep(again ? session.me()?.phone ?? '' : '');
  return () => clearInterval(timer);
}

/**
 * Staff: confirm the code sign-in with a passkey; enrol the first one if there is none yet.
 * @param {HTMLElement} $main
 */
function passkeyStep($main) {
  const me = session.me();
  let hasPasskey = Boolean(me?.hasPasskey);
  const $text = h('p', {}, [hasPasskey ? t('signinMfaIntro') : t('signinMfaEnrolIntro')]);
  // Only for the first passkey (the server asks for it then, and ignores it otherwise).
  const $codeInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'enrolment-code', autocomplete: 'off', autocapitalize: 'characters', spellcheck: 'false', maxlength: '40' }));
  $codeInput.value = enrolmentCode();
  const $code = field({ id: 'signin-enrol-code', label: t('signinEnrolCodeLabel'), hint: t('signinEnrolCodeHint'), input: $codeInput });
  $code.hidden = hasPasskey;
  const $error = formError('signin-mfa-error');
  const $status = h('p', { class: 'status', role: 'status' });
  const $button = h('button', { type: 'button', id: 'signin-mfa' }, [hasPasskey ? t('signinMfaConfirm') : t('signinMfaCreate')]);
  const $cancel = h('button', { type: 'button', class: 'secondary' }, [t('signinMfaCancel')]);
  $cancel.addEventListener('click', async () => { await session.signOut(); go('/'); });

  const confirm = async () => {
    const options = await post(`${PASSKEYS}/authenticate/options`);
    const credential = await getPasskey(options.publicKey);
    const tokens = await post(`${PASSKEYS}/authenticate`, { challengeId: options.challengeId, credential });
    await session.begin(tokens);
    go(session.home());
  };
  const enrol = async () => {
    const options = await post(`${PASSKEYS}/register/options`, { enrolmentCode: $codeInput.value.trim() });
    const credential = await createPasskey(options.publicKey);
    const label = /** @type {any} */ (navigator).userAgentData?.platform || t('signinPasskeyName');
    await post(`${PASSKEYS}/register`, { challengeId: options.challengeId, credential, name: String(label).slice(0, 60) });
    hasPasskey = true;
    forgetEnrolmentCode();
    setError($code, '');
    $code.hidden = true;
    $status.textContent = t('signinMfaCreated');
    $text.textContent = t('signinMfaIntro');
    $button.textContent = t('signinMfaConfirm');
  };

  $button.addEventListener('click', async () => {
    showMessage($error, '');
    setError($code, '');
    if (!hasPasskey && !$codeInput.value.trim()) {
      setError($code, t('signinEnrolCodeMissing'));
      $codeInput.focus();
      return;
    }
    $button.setAttribute('disabled', '');
    try {
      if (!hasPasskey) await enrol();
      await confirm();
    } catch (error) {
      // The server says there is no passkey after all (removed elsewhere): offer to create one.
      if (error instanceof ApiError && error.code === 'no_passkey') {
        hasPasskey = false;
        $text.textContent = t('signinMfaEnrolIntro');
        $button.textContent = t('signinMfaCreate');
        $code.hidden = false;
      }
      if (error instanceof ApiError && ENROLMENT_ERRORS.includes(error.code)) {
        // The code's own field says what is wrong with it (missing; wrong, expired or used: ask for a new one).
        setError($code, problemText(error));
        $codeInput.select();
        $codeInput.focus();
        return;
      }
      showMessage($error, (await wrongAddress()) || problemText(error));
    } finally {
      $button.removeAttribute('disabled');
    }
  });
  if (!passkeysSupported()) {
    $button.setAttribute('disabled', '');
    showMessage($error, t('signinNoPasskeySupport'));
  }
  // Said before the person tries, not as "Terjadi kesalahan" after (nor as "no passkeys in this browser": at a
  // LAN address over http the browser offers none).
  wrongAddress().then((text) => { if (text) showMessage($error, text); });
  $main.append(h('h1', {}, [t('signinMfaTitle')]), h('div', { class: 'card' }, [$text, $code, $error, $status, h('p', { class: 'row signin-actions' }, [$button, $cancel])]));
}
