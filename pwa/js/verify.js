// The public verification page opened by a document's QR code: /v/#<attestation JWS>.
// The token travels in the fragment, which browsers never send to a server. The signature is checked here,
// with WebCrypto, against public keys kept on the device — so an officer or a kiosk can check a printout
// with the network off. When online, the server adds what only it knows: whether it was revoked.
import { language, loadLanguage, preferredLanguage, t } from './i18n.js';

const KEYS = 'mpp-jwks';
const $result = /** @type {HTMLElement} */ (document.getElementById('result'));
const $lang = /** @type {HTMLButtonElement} */ (document.getElementById('lang'));

/** @param {string} text */
function b64url(text) {
  const padded = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  return Uint8Array.from(atob(padded), (c) => c.charCodeAt(0));
}

/** @param {Uint8Array} bytes */
function toB64url(bytes) {
  return btoa(String.fromCharCode(...bytes)).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Fresh keys when online (kept for later), the kept ones otherwise. */
async function publicKeys() {
  try {
    const response = await fetch('/.well-known/jwks.json', { cache: 'no-store' });
    if (response.ok) {
      const jwks = await response.json();
      localStorage.setItem(KEYS, JSON.stringify(jwks));
      return jwks;
    }
  } catch { /* offline: fall through to the kept keys */ }
  const kept = localStorage.getItem(KEYS);
  return kept ? JSON.parse(kept) : null;
}

/**
 * @param {string} token
 * @param {{keys: any[]}} jwks
 * @returns {Promise<{verdict: 'valid'|'expired'|'invalid', claims: any}>}
 */
async function checkSignature(token, jwks) {
  const parts = token.split('.');
  if (parts.length !== 3) return { verdict: 'invalid', claims: null };
  try {
    const header = JSON.parse(new TextDecoder().decode(b64url(parts[0])));
    const claims = JSON.parse(new TextDecoder().decode(b64url(parts[1])));
    const jwk = jwks.keys.find((k) => k.kid === header.kid);
    if (header.alg !== 'ES256' || header.typ !== 'mpp-attestation+jwt' || !jwk) return { verdict: 'invalid', claims: null };
    const key = await crypto.subtle.importKey(
      'jwk', { kty: 'EC', crv: 'P-256', x: jwk.x, y: jwk.y }, { name: 'ECDSA', namedCurve: 'P-256' }, false, ['verify'],
    );
    const ok = await crypto.subtle.verify(
      { name: 'ECDSA', hash: 'SHA-256' }, key, b64url(parts[2]), new TextEncoder().encode(`${parts[0]}.${parts[1]}`),
    );
    if (!ok) return { verdict: 'invalid', claims: null };
    const expired = claims.validUntil && Date.now() / 1000 > claims.validUntil;
    return { verdict: expired ? 'expired' : 'valid', claims };
  } catch {
    return { verdict: 'invalid', claims: null };
  }
}

/** @param {string} token */
async function serverVerdict(token) {
  try {
    const response = await fetch(`/api/v1/verify?token=${encodeURIComponent(token)}`, { cache: 'no-store' });
    return response.ok ? (await response.json()).status : null;
  } catch {
    return null;
  }
}

/**
 * @param {string} tag
 * @param {Record<string, string>} [attrs]
 * @param {(Node|string)[]} [children]
 */
function h(tag, attrs = {}, children = []) {
  const $el = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) $el.setAttribute(k, v);
  $el.append(...children);
  return $el;
}

/** @param {number} seconds */
const date = (seconds) => new Date(seconds * 1000).toLocaleDateString(language() === 'en' ? 'en-GB' : 'id-ID',
  { day: 'numeric', month: 'long', year: 'numeric' });

/**
 * @param {string} verdict
 * @param {any} claims
 * @param {boolean} online
 */
function render(verdict, claims, online) {
  /** @type {Record<string, string>} */
  const label = { valid: t('verifyValid'), expired: t('verifyExpired'), revoked: t('verifyRevoked'), invalid: t('verifyInvalid') };
  const children = [h('h2', { class: `verdict verdict-${verdict}`, 'data-verdict': verdict }, [label[verdict]])];
  if (verdict === 'invalid') {
    children.push(h('p', {}, [t('verifyInvalidHelp')]));
  } else {
    const rows = [
      [t('fieldDocType'), claims.docTypeName || claims.docType],
      [t('fieldKind'), claims.kind === 'issued' ? t('kindIssued') : t('kindVerified')],
      [t('fieldAgency'), claims.agency?.name || ''],
      [claims.kind === 'issued' ? t('fieldIssuedAt') : t('fieldAttestedAt'), date(claims.iat)],
      ...(claims.validUntil ? [[t('fieldValidUntil'), date(claims.validUntil)]] : []),
      ...(claims.contentHash ? [[t('fieldHash'), claims.contentHash]] : []),
    ];
    children.push(h('dl', { class: 'facts' }, rows.flatMap(([k, v]) => [h('dt', {}, [k]), h('dd', {}, [String(v)])])));
    children.push(h('p', { class: 'meta' }, [online ? t('verifyOnline') : t('verifyOffline')]));
    if (claims.holder) children.push(nikCheck(claims.holder));
  }
  $result.replaceChildren(...children);
}

/** Lets the checker confirm that the person in front of them is the holder, without the NIK ever leaving the page. */
function nikCheck(/** @type {{nikHash: string, salt: string}} */ holder) {
  const $input = /** @type {HTMLInputElement} */ (h('input', { id: 'nik', inputmode: 'numeric', maxlength: '16', autocomplete: 'off' }));
  const $out = h('p', { role: 'status' });
  const $form = h('form', { class: 'search' }, [
    h('label', { for: 'nik' }, [t('nikLabel')]), h('div', { class: 'row' }, [$input, h('button', { type: 'submit' }, [t('nikCheck')])]), $out,
  ]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const digest = new Uint8Array(await crypto.subtle.digest('SHA-256', new TextEncoder().encode(`${holder.salt}:${$input.value.trim()}`)));
    $out.textContent = toB64url(digest) === holder.nikHash ? t('nikMatch') : t('nikNoMatch');
  });
  return h('section', {}, [h('h3', {}, [t('checkNik')]), $form]);
}

async function run() {
  // Keys first, even without a token: opening the page once online prepares the device for offline checks.
  const jwks = await publicKeys();
  const token = decodeURIComponent(location.hash.slice(1));
  if (!token) {
    $result.replaceChildren(h('p', {}, [t('verifyNoToken')]));
    return;
  }
  if (!jwks) {
    $result.replaceChildren(h('p', {}, [t('verifyNoKeys')]));
    return;
  }
  const local = await checkSignature(token, jwks);
  const server = local.verdict === 'invalid' ? null : await serverVerdict(token);
  render(server || local.verdict, local.claims, server !== null);
}

if ('serviceWorker' in navigator) navigator.serviceWorker.register('/sw.js').catch(() => {});
$lang.addEventListener('click', async () => { await loadLanguage(language() === 'id' ? 'en' : 'id'); await run(); });
addEventListener('hashchange', run);
await loadLanguage(preferredLanguage());
await run();
