// Kiosks: the tablets in the MPP building. An admin registers one by name and is shown a one-time pairing code in
// large type, its QR code and its link (the server keeps only an HMAC of the code, so it is shown once); the tablet
// types or scans it (views/kiosk/pair.js). The list says which kiosks wait for their tablet, which are active and
// when each was last seen; an admin renames one, gives a wiped tablet a new pairing code, or retires a lost one.
// Every change names the revision the admin saw (If-Match): two admins never overwrite each other silently.
// A region admin acts in their region; a national admin sees every region and registers for the one they choose.
import { ApiError, api, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { field, setError } from '../../components/account-field.js';
import { confirmDialog, copyButton, isRegionAdmin, loadStyles } from './common.js';

/**
 * @typedef {'waiting' | 'active' | 'retired'} KioskStatus
 * @typedef {{ id: string, name: string, region: string, mppId: string, createdAt: string, status: KioskStatus,
 *   revision: number, revokedAt?: string, pairedAt?: string, lastSeenAt?: string, pairingExpiresAt?: string,
 *   pairingCode?: string, pairingLink?: string }} Kiosk
 * @typedef {{ code: string, name: string }} Region
 */

const PAGE_SIZE = 100;
// While a pairing code is on screen, how often to look whether the tablet has used it.
const PAIRING_POLL_MS = 4000;
// The list is read again this often, so that "last seen" and new pairings stay current on an open screen.
const LIST_REFRESH_MS = 60_000;

/** "If-Match" for an edit of what the admin was shown. @param {Kiosk} kiosk */
const ifMatch = (kiosk) => ({ 'If-Match': `"${kiosk.revision}"` });

/** @param {string | undefined} iso */
const expired = (iso) => Boolean(iso) && Date.parse(/** @type {string} */ (iso)) <= Date.now();

/** The time of day only ("14.35"): a pairing code lives 15 minutes. @param {string} iso */
function clock(iso) {
  const lang = document.documentElement.lang === 'en' ? 'en-GB' : 'id-ID';
  return new Intl.DateTimeFormat(lang, { hour: '2-digit', minute: '2-digit' }).format(new Date(iso));
}

/** How long ago, in words and plural-correct ("5 menit lalu", "1 day ago"). @param {string} iso */
export function ago(iso) {
  const minutes = Math.max(0, Math.floor((Date.now() - Date.parse(iso)) / 60_000));
  if (minutes < 1) return t('adminKioskSeenNow');
  if (minutes < 60) return t('adminKioskSeenMinutes', { n: minutes });
  const hours = Math.floor(minutes / 60);
  if (hours < 24) return t('adminKioskSeenHours', { n: hours });
  return t('adminKioskSeenDays', { n: Math.floor(hours / 24) });
}

/**
 * @param {HTMLElement} $main
 */
export default async function render($main) {
  loadStyles();
  const regional = isRegionAdmin();
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  let pollTimer = 0;
  let qrUrl = '';
  let page = 1;
  /** @type {Map<string, string>} region code → name (a national admin's list and form) */
  const regionNames = new Map();
  const $status = h('p', { class: 'status', role: 'status' });
  const $list = h('div', { id: 'adm-kiosk-list' });
  const $more = h('div', {});
  const $pairing = h('div', { id: 'adm-kiosk-pairing' });
  $main.append(h('h1', {}, [t('adminKiosksTitle')]), h('p', {}, [regional ? t('adminKiosksIntro') : t('adminKiosksIntroNational')]));
  if (!regional) {
    /** @type {{ items: Region[] }} */
    const found = await get('/api/v1/regions', { pageSize: 100 }).catch(() => ({ items: [] }));
    for (const region of found.items) regionNames.set(region.code, region.name);
  }
  $main.append($pairing, registerForm());
  $main.append(h('section', { 'aria-labelledby': 'adm-kiosks-list-title' }, [
    h('h2', { id: 'adm-kiosks-list-title', tabindex: '-1' }, [t('adminKiosksList')]), $status, $list, $more,
  ]));
  await load();
  const refresh = window.setInterval(() => { if (!document.hidden) load(); }, LIST_REFRESH_MS);
  return () => {
    dialog?.cancel();
    clearInterval(refresh);
    stopPairing();
  };

  /** Read the list and show it; returns the kiosks shown. @returns {Promise<Kiosk[]>} */
  async function load() {
    try {
      // Pages 1..page, read again together (the first is the server's default: no query). A national admin's
      // list is the only one that grows past a page.
      /** @type {{ items: Kiosk[], total: number }} */
      const body = await get('/api/v1/admin/kiosks');
      for (let next = 2; next <= page; next += 1) {
        body.items.push(...(await get('/api/v1/admin/kiosks', { page: next, pageSize: PAGE_SIZE })).items);
      }
      $list.replaceChildren(body.items.length
        ? h('ul', { class: 'adm-list' }, body.items.map(row))
        : h('p', {}, [t('adminKiosksEmpty')]));
      $more.replaceChildren(body.total > body.items.length
        ? h('button', { type: 'button', class: 'secondary', onclick: () => { page += 1; load(); } }, [t('adminKioskMore')])
        : '');
      return body.items;
    } catch (error) {
      $list.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      return [];
    }
  }

  /** @param {Kiosk} kiosk */
  function badge(kiosk) {
    if (kiosk.status === 'retired') {
      return h('span', { class: 'badge adm-st adm-st-revoked' }, [t('adminKioskRevokedOn', { date: formatDate(kiosk.revokedAt) })]);
    }
    if (kiosk.status === 'waiting') {
      const late = expired(kiosk.pairingExpiresAt);
      return h('span', { class: `badge adm-st ${late ? 'adm-st-late' : 'adm-st-waiting'}` }, [
        late ? t('adminKioskCodeExpired') : t('adminKioskWaiting'),
      ]);
    }
    return h('span', { class: 'badge adm-st adm-st-active' }, [t('adminKioskActive')]);
  }

  /** @param {Kiosk} kiosk */
  function row(kiosk) {
    const $seen = kiosk.lastSeenAt
      ? h('time', { datetime: kiosk.lastSeenAt, title: formatDate(kiosk.lastSeenAt, true) }, [ago(kiosk.lastSeenAt)])
      : null;
    const $edit = h('div', { class: 'adm-kiosk-edit' });
    const dates = [
      kiosk.pairedAt ? t('adminKioskPairedOn', { date: formatDate(kiosk.pairedAt) }) : '',
      t('adminKioskRegistered', { date: formatDate(kiosk.createdAt) }),
      regional ? '' : t('adminRegionCode', { region: regionNames.get(kiosk.region) || kiosk.region }),
    ].filter(Boolean).join(' · ');
    const $li = h('li', { class: 'card adm-kiosk', 'data-id': kiosk.id, 'data-status': kiosk.status }, [
      h('h3', {}, [kiosk.name]),
      h('p', {}, [badge(kiosk)]),
      kiosk.status === 'retired' ? '' : h('p', { class: 'adm-seen' }, $seen
        ? [t('adminKioskLastSeen'), ' ', $seen]
        : [t('adminKioskNeverSeen')]),
      h('p', { class: 'meta' }, [dates]),
      $edit,
    ]);
    if (kiosk.status !== 'retired') {
      $li.append(h('div', { class: 'adm-actions' }, [
        h('button', { type: 'button', class: 'secondary', onclick: () => rename(kiosk, $edit) }, [t('adminKioskRename')]),
        h('button', { type: 'button', class: 'secondary', onclick: () => newCode(kiosk) }, [t('adminKioskNewCode')]),
        h('button', { type: 'button', class: 'danger', onclick: () => revoke(kiosk) }, [t('adminKioskRevoke')]),
      ]));
    }
    return $li;
  }

  /**
   * The rename form, in the kiosk's card; after a conflict it opens again on the kiosk as it is now, with what the
   * admin typed and the reason.
   * @param {Kiosk} kiosk
   * @param {HTMLElement} $edit
   * @param {string} [typed]
   * @param {string} [problem]
   */
  function rename(kiosk, $edit, typed, problem) {
    const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '60', autocomplete: 'off', required: true }));
    $name.value = typed ?? kiosk.name;
    const $field = field({ id: `adm-kiosk-rename-${kiosk.id}`, label: t('adminKioskNewName'), input: $name });
    const $save = h('button', { type: 'submit' }, [t('adminKioskSaveName')]);
    const $form = h('form', { class: 'adm-kiosk-rename', novalidate: true }, [
      $field,
      h('div', { class: 'adm-actions' }, [$save, h('button', { type: 'button', class: 'secondary', onclick: () => $edit.replaceChildren() }, [t('adminCancel')])]),
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = $name.value.trim();
      setError($field, '');
      if (!name) { setError($field, t('adminKioskNameMissing')); $name.focus(); return; }
      $save.setAttribute('disabled', '');
      try {
        await api(`/api/v1/admin/kiosks/${kiosk.id}`, { method: 'PATCH', body: { name }, headers: ifMatch(kiosk) });
        $status.textContent = t('adminKioskRenamed', { name });
        await load();
        focusList();
      } catch (error) {
        $save.removeAttribute('disabled');
        const text = fieldProblem(error, 'name') || conflictText(error);
        if (error instanceof ApiError && error.status === 412) {
          // Someone else changed it: show the kiosk as it is now, and the form again on that version.
          const now = (await load()).find((k) => k.id === kiosk.id);
          const $now = $list.querySelector(`[data-id="${CSS.escape(kiosk.id)}"] .adm-kiosk-edit`);
          if (now && now.status !== 'retired' && $now instanceof HTMLElement) { rename(now, $now, name, text); return; }
          $list.prepend(h('p', { class: 'error', role: 'alert' }, [text]));
          return;
        }
        setError($field, text);
        $name.focus();
      }
    });
    $edit.replaceChildren($form);
    if (problem) setError($field, problem);
    $name.focus();
  }

  /** @param {Kiosk} kiosk */
  async function newCode(kiosk) {
    // Only an active kiosk has a device to lose: say so before taking it away.
    if (kiosk.status === 'active') {
      const asked = confirmDialog({ title: t('adminKioskNewCodeTitle', { name: kiosk.name }), text: t('adminKioskNewCodeText'), yes: t('adminKioskNewCodeYes') });
      dialog = asked;
      const yes = await asked.answer;
      dialog = null;
      if (!yes) return;
    }
    try {
      /** @type {Kiosk} */
      const issued = await post(`/api/v1/admin/kiosks/${kiosk.id}/pairing-code`, undefined, ifMatch(kiosk));
      await load();
      showPairing(issued);
    } catch (error) {
      await failed(error);
    }
  }

  /** @param {Kiosk} kiosk */
  async function revoke(kiosk) {
    const asked = confirmDialog({ title: t('adminKioskRevokeTitle', { name: kiosk.name }), text: t('adminKioskRevokeText'), yes: t('adminKioskRevokeYes') });
    dialog = asked;
    const yes = await asked.answer;
    dialog = null;
    if (!yes) return;
    try {
      await api(`/api/v1/admin/kiosks/${kiosk.id}`, { method: 'DELETE', headers: ifMatch(kiosk) });
      toast(t('adminKioskRevoked', { name: kiosk.name }));
      $status.textContent = t('adminKioskRevoked', { name: kiosk.name });
      if ($pairing.getAttribute('data-id') === kiosk.id) stopPairing(true);
      await load();
      focusList();
    } catch (error) {
      await failed(error);
    }
  }

  /** An action refused: say why above the list, and show the list as it is now. @param {unknown} error */
  async function failed(error) {
    $status.textContent = '';
    await load();
    $list.prepend(h('p', { class: 'error', role: 'alert' }, [conflictText(error)]));
  }

  /** The problem in words; a conflict says that the screen now shows the latest (it was just read again). */
  function conflictText(/** @type {unknown} */ error) {
    return error instanceof ApiError && error.status === 412 ? t('adminKioskConflict') : problemText(error);
  }

  function focusList() {
    /** @type {HTMLElement | null} */ ($main.querySelector('#adm-kiosks-list-title'))?.focus();
  }

  /**
   * A field's own problem in words, when the server named that field (422 with `errors`).
   * @param {unknown} error
   * @param {string} name
   */
  function fieldProblem(error, name) {
    if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return '';
    const mine = error.problem.errors.find((/** @type {{ field: string }} */ e) => e.field === name);
    if (!mine) return '';
    if (name === 'name') return t('adminKioskNameMissing');
    if (name === 'region') return t(regional ? 'adminKioskNoMpp' : 'adminKioskRegionNoMpp');
    return '';
  }

  function registerForm() {
    const $name = /** @type {HTMLInputElement} */ (h('input', { type: 'text', maxlength: '60', autocomplete: 'off', required: true }));
    const $nameField = field({ id: 'adm-kiosk-name', label: t('adminKioskName'), hint: t('adminKioskNameHint'), input: $name });
    const $region = /** @type {HTMLSelectElement} */ (h('select', { required: true }, [
      h('option', { value: '' }, [t('adminKioskRegionChoose')]),
      ...[...regionNames].map(([code, name]) => h('option', { value: code }, [`${name} (${code})`])),
    ]));
    const $regionField = field({ id: 'adm-kiosk-region', label: t('adminKioskRegion'), input: $region });
    const $button = h('button', { type: 'submit' }, [t('adminKioskRegister')]);
    const $form = h('form', { class: 'card', 'aria-labelledby': 'adm-kiosk-new-title', novalidate: true }, [
      h('h2', { id: 'adm-kiosk-new-title' }, [t('adminKioskNew')]), $nameField, regional ? '' : $regionField, $button,
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const name = $name.value.trim();
      setError($nameField, '');
      setError($regionField, '');
      if (!name) { setError($nameField, t('adminKioskNameMissing')); $name.focus(); return; }
      if (!regional && !$region.value) { setError($regionField, t('adminKioskRegionMissing')); $region.focus(); return; }
      $button.setAttribute('disabled', '');
      try {
        /** @type {Kiosk} */
        const kiosk = await post('/api/v1/admin/kiosks', regional ? { name } : { name, region: $region.value });
        $name.value = '';
        await load();
        showPairing(kiosk);
      } catch (error) {
        const onRegion = fieldProblem(error, 'region');
        if (onRegion && !regional) { setError($regionField, onRegion); $region.focus(); }
        else { setError($nameField, fieldProblem(error, 'name') || onRegion || problemText(error)); $name.focus(); }
      } finally {
        $button.removeAttribute('disabled');
      }
    });
    return $form;
  }

  /**
   * The pairing code, shown this once (the server keeps only an HMAC): in large type, as a QR code of the pairing
   * link, and as the link with a copy button, with the time it stops working. It stays until the tablet has paired
   * (then it says so), the admin closes it, or the screen is left.
   * @param {Kiosk} kiosk the answer that carries `pairingCode` and `pairingLink`
   */
  function showPairing(kiosk) {
    stopPairing();
    const code = kiosk.pairingCode || '';
    const link = kiosk.pairingLink || '';
    const $code = h('p', { class: 'adm-pair-code', id: 'adm-pair-code', 'aria-describedby': 'adm-pair-code-label' }, [code]);
    const $link = h('code', { class: 'adm-secret', id: 'adm-pair-link' }, [link]);
    const $qr = h('div', { class: 'adm-pair-qr' });
    const $state = h('p', { class: 'adm-pair-state', role: 'status' }, [
      t('adminKioskPairExpires', { time: clock(/** @type {string} */ (kiosk.pairingExpiresAt)) }),
    ]);
    const $title = h('h2', { id: 'adm-pair-title', tabindex: '-1' }, [t('adminKioskPairTitle', { name: kiosk.name })]);
    $pairing.setAttribute('data-id', kiosk.id);
    $pairing.replaceChildren(h('section', { class: 'card adm-once adm-pairing', 'aria-labelledby': 'adm-pair-title' }, [
      $title,
      h('p', { class: 'adm-warning' }, [h('strong', {}, [t('adminShownOnce')]), ' ', t('adminKioskPairWarning')]),
      h('p', { class: 'adm-label', id: 'adm-pair-code-label' }, [t('adminKioskPairCode')]),
      $code,
      $state,
      $qr,
      h('p', {}, [t('adminKioskPairHow', { url: `${location.origin}/#/kiosk/pair` })]),
      h('p', { class: 'adm-label' }, [t('adminKioskPairLink')]),
      $link,
      h('div', { class: 'adm-actions' }, [
        copyButton(code, t('adminCopyCode'), $code),
        copyButton(link, t('adminCopyLink'), $link),
        h('button', { type: 'button', onclick: () => { stopPairing(true); /** @type {HTMLElement | null} */ ($main.querySelector('#adm-kiosk-name'))?.focus(); } }, [t('adminKioskPairDone')]),
      ]),
    ]));
    // The new code is what the admin must act on now: read it out from its heading.
    $title.focus();
    // The QR image needs the admin's token, which an <img src> cannot send: fetched, shown from memory.
    api(`/api/v1/admin/kiosks/${kiosk.id}/pairing-qr.svg`, { params: { code }, as: 'blob' }).then((/** @type {Blob} */ blob) => {
      if ($pairing.getAttribute('data-id') !== kiosk.id) return;
      qrUrl = URL.createObjectURL(blob);
      $qr.replaceChildren(h('img', { src: qrUrl, alt: t('adminKioskPairQrAlt', { name: kiosk.name }), width: '240', height: '240' }));
    }).catch(() => $qr.replaceChildren(h('p', { class: 'meta' }, [t('adminKioskPairQrMissing')])));
    watch(kiosk, $state);
  }

  /**
   * Look, now and then, whether the tablet has used the code: then say so here and in the list.
   * @param {Kiosk} kiosk
   * @param {HTMLElement} $state
   */
  function watch(kiosk, $state) {
    const look = async () => {
      if (expired(kiosk.pairingExpiresAt)) {
        $state.textContent = t('adminKioskPairExpired');
        $state.classList.add('error');
        return;
      }
      try {
        /** @type {Kiosk} */
        const now = await get(`/api/v1/admin/kiosks/${kiosk.id}`);
        if (now.status === 'active' && $pairing.getAttribute('data-id') === kiosk.id) {
          const text = t('adminKioskPaired', { name: now.name });
          $pairing.replaceChildren(h('p', { class: 'card adm-paired', role: 'status' }, [text]));
          announce(text);
          await load();
          return;
        }
        if (now.status === 'retired') return;
      } catch {
        // Offline for a moment: look again at the next turn.
      }
      pollTimer = window.setTimeout(look, PAIRING_POLL_MS);
    };
    pollTimer = window.setTimeout(look, PAIRING_POLL_MS);
  }

  /** Stop watching the code shown (and, with `clear`, take it off the screen). */
  function stopPairing(clear = false) {
    clearTimeout(pollTimer);
    if (qrUrl) URL.revokeObjectURL(qrUrl);
    qrUrl = '';
    if (clear) {
      $pairing.replaceChildren();
      $pairing.removeAttribute('data-id');
    }
  }
}
