// WebAuthn glue: the server speaks WebAuthn's JSON form (binary values as base64url), the browser's
// navigator.credentials API speaks ArrayBuffers. Newer browsers convert themselves (parse*OptionsFromJSON,
// credential.toJSON()); older Android WebViews do not, so the conversions are done here when missing.

/** @param {string} text base64url @returns {ArrayBuffer} */
export function fromBase64url(text) {
  const base64 = text.replace(/-/g, '+').replace(/_/g, '/') + '==='.slice((text.length + 3) % 4);
  const binary = atob(base64);
  const bytes = new Uint8Array(binary.length);
  for (let i = 0; i < binary.length; i++) bytes[i] = binary.charCodeAt(i);
  return bytes.buffer;
}

/** @param {ArrayBuffer | ArrayBufferView} buffer @returns {string} base64url without padding */
export function toBase64url(buffer) {
  const bytes = buffer instanceof ArrayBuffer ? new Uint8Array(buffer) : new Uint8Array(buffer.buffer, buffer.byteOffset, buffer.byteLength);
  let binary = '';
  for (const byte of bytes) binary += String.fromCharCode(byte);
  return btoa(binary).replace(/\+/g, '-').replace(/\//g, '_').replace(/=+$/, '');
}

/** Whether this browser can use passkeys at all. */
export const passkeysSupported = () => typeof window.PublicKeyCredential === 'function' && Boolean(navigator.credentials);

/** @param {any} json @returns {PublicKeyCredentialCreationOptions} */
function creationOptions(json) {
  const PKC = /** @type {any} */ (window.PublicKeyCredential);
  if (typeof PKC.parseCreationOptionsFromJSON === 'function') return PKC.parseCreationOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    user: { ...json.user, id: fromBase64url(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((/** @type {any} */ c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

/** @param {any} json @returns {PublicKeyCredentialRequestOptions} */
function requestOptions(json) {
  const PKC = /** @type {any} */ (window.PublicKeyCredential);
  if (typeof PKC.parseRequestOptionsFromJSON === 'function') return PKC.parseRequestOptionsFromJSON(json);
  return {
    ...json,
    challenge: fromBase64url(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((/** @type {any} */ c) => ({ ...c, id: fromBase64url(c.id) })),
  };
}

/**
 * The JSON the server expects back (the shape of PublicKeyCredential.toJSON()).
 * @param {any} credential
 */
function credentialJSON(credential) {
  if (typeof credential.toJSON === 'function') return credential.toJSON();
  const r = credential.response;
  /** @type {Record<string, any>} */
  const response = { clientDataJSON: toBase64url(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = toBase64url(r.attestationObject);
    response.transports = typeof r.getTransports === 'function' ? r.getTransports() : [];
  }
  if (r.authenticatorData) response.authenticatorData = toBase64url(r.authenticatorData);
  if (r.signature) response.signature = toBase64url(r.signature);
  if (r.userHandle) response.userHandle = toBase64url(r.userHandle);
  return {
    id: credential.id,
    rawId: toBase64url(credential.rawId),
    type: credential.type,
    response,
    authenticatorAttachment: credential.authenticatorAttachment ?? undefined,
    clientExtensionResults: credential.getClientExtensionResults?.() ?? {},
  };
}

/**
 * Create a passkey for server options ({publicKey} JSON) and return the credential as JSON.
 * @param {any} publicKey
 */
export async function createPasskey(publicKey) {
  const credential = await navigator.credentials.create({ publicKey: creationOptions(publicKey) });
  if (!credential) throw new DOMException('No credential', 'NotAllowedError');
  return credentialJSON(credential);
}

/**
 * Use a passkey for server options ({publicKey} JSON) and return the assertion as JSON.
 * @param {any} publicKey
 */
export async function getPasskey(publicKey) {
  const credential = await navigator.credentials.get({ publicKey: requestOptions(publicKey) });
  if (!credential) throw new DOMException('No credential', 'NotAllowedError');
  return credentialJSON(credential);
}
