// Uploading a document from a phone: big camera photos are shrunk in the browser first (mobile data is dear and
// a 12-megapixel photo of a KTP reads just as well at 2000 px), and the upload reports its progress, which fetch()
// cannot do, hence XMLHttpRequest.
import { ApiError, OfflineError } from '../api.js';
import { language } from '../i18n.js';
import * as session from '../session.js';

const LONG_SIDE = 2000;
// Photos under this size are sent as they are: re-encoding a small PNG scan would only lose sharpness.
const KEEP_BELOW_BYTES = 1_500_000;

/** @param {File} file */
export const isImage = (file) => /^image\/(jpeg|png|webp)$/.test(file.type);

/**
 * A photo downscaled to JPEG (≤ 2000 px on its long side), or the file unchanged.
 * @param {File} file
 * @returns {Promise<File>}
 */
export async function prepareFile(file) {
  if (!isImage(file) || typeof createImageBitmap !== 'function') return file;
  let bitmap;
  try {
    bitmap = await createImageBitmap(file);
  } catch {
    return file; // unreadable here: let the server say what is wrong with it
  }
  const long = Math.max(bitmap.width, bitmap.height);
  if (long <= LONG_SIDE && file.size <= KEEP_BELOW_BYTES) { bitmap.close(); return file; }
  const scale = Math.min(1, LONG_SIDE / long);
  const canvas = document.createElement('canvas');
  canvas.width = Math.round(bitmap.width * scale);
  canvas.height = Math.round(bitmap.height * scale);
  const context = canvas.getContext('2d');
  if (!context) { bitmap.close(); return file; }
  context.drawImage(bitmap, 0, 0, canvas.width, canvas.height);
  bitmap.close();
  const blob = await new Promise((resolve) => canvas.toBlob(resolve, 'image/jpeg', 0.85));
  if (!blob || blob.size >= file.size) return file;
  const name = file.name.replace(/\.[^.]+$/, '') + '.jpg';
  return new File([/** @type {Blob} */ (blob)], name, { type: 'image/jpeg' });
}

/**
 * Send a multipart form with progress; refreshes the access token once on 401, like api().
 * @param {'POST' | 'PUT'} method
 * @param {string} path
 * @param {FormData} form
 * @param {(fraction: number) => void} onProgress
 * @returns {Promise<any>}
 */
export async function sendForm(method, path, form, onProgress) {
  /** @returns {Promise<XMLHttpRequest>} */
  const attempt = () => new Promise((resolve, reject) => {
    const xhr = new XMLHttpRequest();
    xhr.open(method, path);
    xhr.setRequestHeader('Accept', 'application/json');
    xhr.setRequestHeader('Accept-Language', language());
    const token = session.accessToken();
    if (token) xhr.setRequestHeader('Authorization', `Bearer ${token}`);
    xhr.upload.onprogress = (event) => { if (event.lengthComputable) onProgress(event.loaded / event.total); };
    xhr.onload = () => resolve(xhr);
    xhr.onerror = () => reject(new OfflineError('upload failed'));
    xhr.send(form);
  });
  let xhr = await attempt();
  if (xhr.status === 401 && (await session.refreshAccess())) xhr = await attempt();
  let body = null;
  try { body = xhr.responseText ? JSON.parse(xhr.responseText) : null; } catch { body = { title: xhr.statusText }; }
  if (xhr.status < 200 || xhr.status >= 300) throw new ApiError(xhr.status, body);
  onProgress(1);
  return body;
}
