// Settings: language (signed out too), my profile (name, NIK, birth date), push on this device, signed-in
// devices, passkeys, my data (export and who saw what), sign out, deleting the account.
// `?profile=edit&back=/apply/<id>` is how the apply flow sends someone whose profile lacks what applying needs: the
// profile comes first, and saving it returns to the application (`back`, a route of this app only).
import { api, del, get, post } from '../../api.js';
import { language, loadLanguage, t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import * as session from '../../session.js';
import { formError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { createPasskey, passkeysSupported } from '../../components/account-webauthn.js';
import { profileForm } from '../../components/profile-form.js';
import { internalRoute } from '../../components/return-to.js';
import { go } from '../../router.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} [ctx]
 */
export default async function render($main, ctx) {
  /** @type {string[]} */
  const urls = [];
  const kind = session.kind();
  const citizen = session.signedIn() && kind === 'citizen';
  const editing = citizen && ctx?.query.get('profile') === 'edit';
  const back = internalRoute(ctx?.query.get('back'));
  const $profile = citizen ? profileSection({ editing, back, needNik: ctx?.query.get('need') === 'nik' }) : null;
  // Sent here to complete the profile: it comes first, so it is on screen at once on a small phone.
  $main.append(h('h1', {}, [t('titleSettings')]), ...(editing && $profile ? [$profile] : []), languageSection());
  if (!session.signedIn() || kind === 'kiosk') {
    $main.append(h('section', { class: 'card' }, [h('p', {}, [t('settingsSignedOut')]), h('a', { class: 'button', href: '#/signin?next=%2Fsettings' }, [t('navSignIn')])]));
    return;
  }
  $main.append(
    ...(!editing && $profile ? [$profile] : []),
    accountSection(),
    pushSection(),
    devicesSection(),
    passkeysSection(),
    dataSection(urls),
    signOutSection(),
    ...(citizen ? [deletionSection()] : []),
  );
  return () => { for (const url of urls) URL.revokeObjectURL(url); };
}

/** @param {string} id @param {string} title @param {(Node | string | null)[]} children */
const section = (id, title, children) => h('section', { class: 'card settings-section', id, 'aria-labelledby': `${id}-title` }, [h('h2', { id: `${id}-title` }, [title]), ...children]);

function languageSection() {
  const options = /** @type {const} */ ([['id', 'Bahasa Indonesia'], ['en', 'English']]);
  const $fieldset = h('fieldset', { class: 'settings-choices' }, [
    h('legend', {}, [t('settingsLanguage')]),
    ...options.map(([code, name]) => h('label', { class: 'settings-choice' }, [
      h('input', { type: 'radio', name: 'language', value: code, checked: language() === code, lang: code }),
      h('span', { lang: code }, [name]),
    ])),
  ]);
  $fieldset.addEventListener('change', async (event) => {
    const lang = /** @type {'id' | 'en'} */ (/** @type {HTMLInputElement} */ (event.target).value);
    await loadLanguage(lang);
    document.getElementById('lang')?.setAttribute('aria-label', t('switchLanguageLabel'));
    // Notifications and SMS follow the account's language, so a signed-in change is saved on the server too.
    if (session.signedIn() && session.kind() !== 'kiosk') {
      await api('/api/v1/me', { method: 'PATCH', body: { language: lang } }).then(() => session.reloadMe()).catch(() => undefined);
    }
    // Redraw the navigation and this screen in the new language.
    window.dispatchEvent(new HashChangeEvent('hashchange'));
    announce(t('settingsLanguageChanged'));
  });
  return h('section', { class: 'card settings-section', id: 'settings-language' }, [$fieldset]);
}

/**
 * "Profil": name, NIK and the birth date it encodes, editable at any time (components/profile-form.js).
 * @param {{ editing: boolean, back: string | null, needNik: boolean }} options
 */
function profileSection({ editing, back, needNik }) {
  const me = session.me() || {};
  const $status = h('p', { class: 'status', id: 'settings-profile-status', role: 'status' });
  const form = profileForm(me, {
    needNik,
    onSaved: () => {
      toast(t('profileSaved'));
      // Back to the application it came from; otherwise say so here.
      if (editing && back) go(back);
      else $status.textContent = t('profileSaved');
    },
  });
  const intro = editing ? h('p', { class: 'notice', id: 'settings-profile-needed' }, [t(back ? 'profileNeededToApply' : 'profileNeeded')]) : h('p', { class: 'hint' }, [t('profileHint')]);
  return section('settings-profile', t('profileTitle'), [intro, form.$el, $status]);
}

function accountSection() {
  const me = session.me() || {};
  const level = me.assurance === 'in_person' ? 'identityLevelInPerson' : me.assurance === 'registry' ? 'identityLevelRegistry' : 'identityLevelPhone';
  return section('settings-account', t('settingsAccount'), [
    h('dl', { class: 'settings-facts' }, [
      h('dt', {}, [t('signinPhoneLabel')]), h('dd', {}, [me.phone || '—']),
    ]),
    // How sure we are of who is behind the account, and the way to prove it (views/citizen/identity.js).
    ...(session.kind() === 'citizen' ? [
      h('p', { id: 'settings-assurance' }, [t(level)]),
      h('p', {}, [h('a', { class: 'button secondary', id: 'settings-identity-link', href: '#/settings/identity' }, [t('identitySettingsLink')])]),
      h('p', {}, [h('a', { class: 'button secondary', id: 'settings-family-link', href: '#/settings/family' }, [t('familySettingsLink')])]),
      h('p', {}, [h('a', { class: 'button secondary', id: 'settings-connected-link', href: '#/settings/connected' }, [t('connectedSettingsLink')])]),
    ] : []),
  ]);
}

function pushSection() {
  const $status = h('p', { class: 'status', id: 'settings-push-status', role: 'status' });
  const $error = formError('settings-push-error');
  const $toggle = /** @type {HTMLInputElement} */ (h('input', { type: 'checkbox', id: 'settings-push', role: 'switch' }));
  const $label = h('label', { for: 'settings-push', class: 'settings-switch' }, [$toggle, h('span', {}, [t('settingsPushLabel')])]);
  const $box = section('settings-push-section', t('settingsPushTitle'), [h('p', { class: 'hint' }, [t('settingsPushHint')]), $label, $error, $status]);

  /** @type {typeof import('../../push.js') | null} */
  let push = null;
  const load = async () => (push ??= await import('../../push.js'));

  const explain = async () => {
    const p = await load();
    const state = p.permission();
    if (state === 'unsupported') {
      $toggle.disabled = true;
      showMessage($error, t('settingsPushUnsupported'));
      return;
    }
    if (state === 'denied') showMessage($error, t('settingsPushDenied'));
    const subscription = await p.current().catch(() => null);
    $toggle.checked = Boolean(subscription) && state === 'granted';
    $status.textContent = $toggle.checked ? t('settingsPushOn') : t('settingsPushOff');
  };

  $toggle.addEventListener('change', async () => {
    const p = await load();
    showMessage($error, '');
    $toggle.disabled = true;
    try {
      if ($toggle.checked) {
        await p.enable();
        $status.textContent = t('settingsPushOn');
      } else {
        await p.disable();
        $status.textContent = t('settingsPushOff');
      }
    } catch (error) {
      $toggle.checked = !$toggle.checked;
      const reason = error instanceof p.PushError ? error.reason : '';
      showMessage($error, reason ? t(`settingsPush_${reason}`) : problemText(error));
      $status.textContent = $toggle.checked ? t('settingsPushOn') : t('settingsPushOff');
    } finally {
      $toggle.disabled = p.permission() === 'unsupported';
    }
  });
  explain().catch(() => undefined);
  return $box;
}

/** A readable device name from a User-Agent: "Chrome di Android". @param {string} ua */
function deviceName(ua) {
  const browser = /SamsungBrowser/.test(ua) ? 'Samsung Internet' : /Edg\//.test(ua) ? 'Edge' : /Firefox\//.test(ua) ? 'Firefox'
    : /Chrom(e|ium)\//.test(ua) ? 'Chrome' : /Safari\//.test(ua) ? 'Safari' : '';
  const os = /Android/.test(ua) ? 'Android' : /iPhone|iPad/.test(ua) ? 'iOS' : /Windows/.test(ua) ? 'Windows'
    : /Mac OS X/.test(ua) ? 'macOS' : /Linux/.test(ua) ? 'Linux' : '';
  if (browser && os) return t('settingsDeviceName', { browser, os });
  return browser || os || ua.slice(0, 60) || t('settingsDeviceUnknown');
}

function devicesSection() {
  const $list = h('ul', { class: 'settings-list', id: 'settings-devices' });
  const $error = formError('settings-devices-error');
  const $others = h('button', { type: 'button', class: 'secondary', hidden: true }, [t('settingsSignOutOthers')]);
  const load = async () => {
    try {
      const sessions = await get('/api/v1/me/sessions');
      $list.replaceChildren(...sessions.items.map((/** @type {any} */ s) => {
        const $item = h('li', { class: 'settings-item' }, [
          h('p', {}, [h('strong', {}, [deviceName(s.userAgent || '')]), s.current ? h('span', { class: 'badge' }, [t('settingsThisDevice')]) : null]),
          h('p', { class: 'meta' }, [t('settingsDeviceMeta', { since: formatDate(s.createdAt, true), last: formatDate(s.lastUsedAt, true) })]),
        ]);
        if (!s.current) {
          const $revoke = h('button', { type: 'button', class: 'secondary' }, [t('settingsSignOutDevice')]);
          $revoke.setAttribute('aria-label', t('settingsSignOutDeviceLabel', { name: deviceName(s.userAgent || '') }));
          $revoke.addEventListener('click', async () => {
            try {
              await del(`/api/v1/me/sessions/${s.id}`);
              $item.remove();
              announce(t('settingsDeviceSignedOut'));
            } catch (error) { showMessage($error, problemText(error)); }
          });
          $item.append($revoke);
        }
        return $item;
      }));
      $others.hidden = !sessions.items.some((/** @type {any} */ s) => !s.current);
    } catch (error) {
      showMessage($error, problemText(error));
    }
  };
  $others.addEventListener('click', async () => {
    if (!confirm(t('settingsSignOutOthersConfirm'))) return;
    try {
      await del('/api/v1/me/sessions');
      announce(t('settingsOthersSignedOut'));
      await load();
    } catch (error) { showMessage($error, problemText(error)); }
  });
  load();
  return section('settings-devices-section', t('settingsDevices'), [h('p', { class: 'hint' }, [t('settingsDevicesHint')]), $error, $list, $others]);
}

function passkeysSection() {
  const $list = h('ul', { class: 'settings-list', id: 'settings-passkeys' });
  const $error = formError('settings-passkeys-error');
  const $add = h('button', { type: 'button', class: 'secondary', id: 'settings-passkey-add' }, [t('settingsPasskeyAdd')]);
  const load = async () => {
    try {
      const keys = await get('/api/v1/auth/passkeys');
      $list.replaceChildren(...keys.items.map((/** @type {any} */ k) => {
        const $remove = h('button', { type: 'button', class: 'secondary' }, [t('settingsPasskeyRemove')]);
        $remove.setAttribute('aria-label', t('settingsPasskeyRemoveLabel', { name: k.name || t('signinPasskeyName') }));
        const $item = h('li', { class: 'settings-item' }, [
          h('p', {}, [h('strong', {}, [k.name || t('signinPasskeyName')])]),
          h('p', { class: 'meta' }, [t('settingsPasskeyMeta', { since: formatDate(k.createdAt), last: k.lastUsedAt ? formatDate(k.lastUsedAt, true) : '—' })]),
          $remove,
        ]);
        $remove.addEventListener('click', async () => {
          if (!confirm(t('settingsPasskeyRemoveConfirm'))) return;
          try {
            await del(`/api/v1/auth/passkeys/${k.id}`);
            $item.remove();
            announce(t('settingsPasskeyRemoved'));
          } catch (error) { showMessage($error, problemText(error)); }
        });
        return $item;
      }));
      if (keys.items.length === 0) $list.replaceChildren(h('li', { class: 'meta' }, [t('settingsPasskeyNone')]));
    } catch (error) {
      showMessage($error, problemText(error));
    }
  };
  $add.addEventListener('click', async () => {
    showMessage($error, '');
    try {
      const options = await post('/api/v1/auth/passkeys/register/options');
      const credential = await createPasskey(options.publicKey);
      const label = /** @type {any} */ (navigator).userAgentData?.platform || deviceName(navigator.userAgent);
      await post('/api/v1/auth/passkeys/register', { challengeId: options.challengeId, credential, name: String(label).slice(0, 60) });
      toast(t('settingsPasskeyAdded'));
      await load();
    } catch (error) { showMessage($error, problemText(error)); }
  });
  if (!passkeysSupported()) { $add.setAttribute('disabled', ''); showMessage($error, t('signinNoPasskeySupport')); }
  load();
  return section('settings-passkeys-section', t('settingsPasskeys'), [h('p', { class: 'hint' }, [t('settingsPasskeysHint')]), $error, $list, $add]);
}

/** @param {string[]} urls */
function dataSection(urls) {
  const $error = formError('settings-data-error');
  const $export = h('button', { type: 'button', class: 'secondary', id: 'settings-export' }, [t('settingsExport')]);
  $export.addEventListener('click', async () => {
    showMessage($error, '');
    try {
      $export.setAttribute('disabled', '');
      /** @type {Response} */
      const response = await api('/api/v1/me/export', { as: 'response' });
      // The server names the archive (dated, in the account's language); the catalogue's name is the fallback.
      const named = /filename="([^"]+)"/.exec(response.headers.get('Content-Disposition') || '');
      const url = URL.createObjectURL(await response.blob());
      urls.push(url);
      const $a = h('a', { href: url, download: named ? named[1] : t('settingsExportFileName'), hidden: true });
      document.body.append($a);
      $a.click();
      $a.remove();
      announce(t('settingsExported'));
    } catch (error) { showMessage($error, problemText(error)); }
    $export.removeAttribute('disabled');
  });
  const $log = h('ol', { class: 'settings-list', id: 'settings-access-log' });
  get('/api/v1/me/access-log').then((log) => {
    if (log.items.length === 0) { $log.replaceChildren(h('li', { class: 'meta' }, [t('settingsAccessNone')])); return; }
    $log.replaceChildren(...log.items.slice(0, 50).map((/** @type {any} */ e) => {
      const key = `settingsAccess_${e.what}`;
      const what = t(key) === key ? e.what : t(key);
      const who = [e.actor, e.agency?.name].filter(Boolean).join(', ') || (e.via === 'link' ? t('settingsAccessViaLink') : t('settingsAccessUnknown'));
      return h('li', { class: 'settings-item' }, [h('p', {}, [h('strong', {}, [who]), ` — ${what}`]), h('p', { class: 'meta' }, [formatDate(e.at, true)])]);
    }));
  }).catch((error) => showMessage($error, problemText(error)));
  return section('settings-data-section', t('settingsData'), [
    h('p', { class: 'hint' }, [t('settingsExportHint')]), $export, $error,
    h('h3', {}, [t('settingsAccessLog')]), h('p', { class: 'hint' }, [t('settingsAccessHint')]), $log,
  ]);
}

/**
 * Account deletion (citizens): what goes, what the law keeps and when it happens are on screen before the button,
 * and asked once more in a confirmation; the answer's date is shown, then this phone is wiped as on sign-out
 * (the server has already ended every session).
 */
function deletionSection() {
  const $error = formError('settings-delete-error');
  const $button = h('button', { type: 'button', class: 'danger', id: 'settings-delete' }, [t('settingsDelete')]);
  $button.addEventListener('click', async () => {
    if (!confirm(t('settingsDeleteConfirm'))) return;
    showMessage($error, '');
    $button.setAttribute('disabled', '');
    try {
      const answer = await del('/api/v1/me');
      await session.signOut();
      location.replace('#/');
      toast(t('settingsDeleteRequested', { date: formatDate(answer.eraseAfter) }));
    } catch (error) {
      showMessage($error, problemText(error));
      $button.removeAttribute('disabled');
    }
  });
  const list = (/** @type {string} */ key) => h('ul', {}, t(key).split('\n').map((line) => h('li', {}, [line])));
  return section('settings-delete-section', t('settingsDeleteTitle'), [
    h('p', { class: 'hint' }, [t('settingsDeleteHint')]),
    h('h3', {}, [t('settingsDeleteErasedTitle')]), list('settingsDeleteErased'),
    h('h3', {}, [t('settingsDeleteKeptTitle')]), list('settingsDeleteKept'),
    $error, $button,
  ]);
}

/**
 * Whether signing out may go ahead: it wipes this phone, the outbox included, so unsent applications are named
 * and the person asked first. (Shared with signing out from an agency system: views/citizen/sso-logout.js.)
 */
export async function mayWipeOutbox() {
  const unsent = (await (await import('../../store/outbox.js')).waiting()).length;
  return unsent === 0 || confirm(t('settingsSignOutUnsent', { n: unsent }));
}

/** Sign this device out, as the settings' button does: push first, then the session and everything kept here. */
export async function signOutDevice() {
  // Stop push to this device first: after sign-out it must not show anyone's news.
  try {
    const push = await import('../../push.js');
    if (push.permission() === 'granted') await push.disable();
  } catch { /* best effort: the server drops subscriptions that fail */ }
  await session.signOut();
}

function signOutSection() {
  const $button = h('button', { type: 'button', class: 'danger', id: 'settings-signout' }, [t('settingsSignOut')]);
  $button.addEventListener('click', async () => {
    if (!(await mayWipeOutbox())) return;
    $button.setAttribute('disabled', '');
    await signOutDevice();
    location.replace('#/');
    toast(t('settingsSignedOutToast'));
  });
  return section('settings-signout-section', t('settingsSignOutTitle'), [h('p', { class: 'hint' }, [t('settingsSignOutHint')]), $button]);
}
