// My wallet: the documents I keep (type, status), readable offline from the last copy, and an upload that takes a
// photo or picks a file. The apply flow links here with `?upload=<type>&back=/apply/<id>`: the upload form comes
// first with that type chosen, and a successful upload returns to the application with the new document chosen
// (`back` is followed only when it is a route of this app, components/return-to.js).
import { get, OfflineError } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { field, formError, setError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { fetchWithSnapshot } from '../../store/snapshots.js';
import { fileSize, statusBadge } from '../../components/wallet-status.js';
import { isImage, prepareFile, sendForm } from '../../components/wallet-upload.js';
import { internalRoute, withParam } from '../../components/return-to.js';
import { go } from '../../router.js';

/** File formats as document types name them → the media types a browser reports. */
const MEDIA = { pdf: ['application/pdf'], jpeg: ['image/jpeg'], png: ['image/png'], webp: ['image/webp'] };

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} [ctx]
 */
export default async function render($main, ctx) {
  const $status = h('p', { class: 'status', id: 'wallet-status', role: 'status' });
  const $list = h('ul', { class: 'results', id: 'wallet-list', 'aria-labelledby': 'wallet-title' });
  const $upload = h('section', { class: 'card', id: 'wallet-upload', 'aria-labelledby': 'wallet-upload-title' });
  const back = internalRoute(ctx?.query.get('back'));
  const preselect = ctx?.query.get('upload') || '';
  // Sent from an application to upload one document: the form first, so it is on screen on a small phone.
  const forApplication = Boolean(back || preselect);
  $main.append(
    h('h1', { id: 'wallet-title' }, [t('titleWallet')]),
    ...(back ? [h('p', {}, [h('a', { href: `#${back}`, class: 'back', id: 'wallet-back' }, [t('walletBackToApplication')])])] : []),
    ...(forApplication ? [$upload, $status, $list] : [$status, $list, $upload]),
  );

  const load = async () => {
    $status.textContent = t('walletLoading');
    try {
      const { data, at, offline } = await fetchWithSnapshot('wallet', '/api/v1/wallet/documents');
      $list.replaceChildren(...data.items.map(renderItem));
      $status.textContent = offline ? t('walletSnapshot', { time: formatDate(at, true) })
        : data.total === 0 ? t('walletEmpty') : t('walletCount', { n: data.total });
    } catch (error) {
      $status.textContent = problemText(error);
    }
  };
  await load();
  await renderUpload($upload, load, { preselect, back });
}

/** @param {any} doc */
function renderItem(doc) {
  return h('li', { class: 'result wallet-item' }, [
    h('h2', {}, [h('a', { href: `#/wallet/${doc.id}` }, [doc.type?.name || doc.title])]),
    h('p', { class: 'meta' }, [statusBadge(doc.status), ` ${doc.title} · ${t('walletAdded', { date: formatDate(doc.createdAt) })}`]),
    doc.status === 'rejected' && doc.rejectionReason ? h('p', { class: 'error' }, [t('walletRejectedBecause', { reason: doc.rejectionReason })]) : null,
    doc.validUntil ? h('p', { class: 'meta' }, [t('walletValidUntil', { date: formatDate(doc.validUntil) })]) : null,
  ]);
}

/**
 * @param {HTMLElement} $section
 * @param {() => Promise<void>} reload
 * @param {{ preselect: string, back: string | null }} from the type to choose, and where to return after uploading
 */
async function renderUpload($section, reload, { preselect, back }) {
  /** @type {any[]} */
  let types = [];
  try {
    types = (await get('/api/v1/document-types')).items;
  } catch (error) {
    if (!(error instanceof OfflineError)) throw error;
  }
  const $title = h('h2', { id: 'wallet-upload-title' }, [t('walletUploadTitle')]);
  if (types.length === 0) {
    $section.replaceChildren($title, h('p', { class: 'status' }, [t('walletUploadOffline')]));
    return;
  }
  const $select = /** @type {HTMLSelectElement} */ (h('select', { name: 'type', required: true }, [
    h('option', { value: '' }, [t('walletChooseType')]),
    ...types.map((dt) => h('option', { value: dt.code }, [dt.name])),
  ]));
  const $type = field({ id: 'wallet-type', label: t('walletTypeLabel'), input: $select });
  const $formats = h('p', { class: 'hint', id: 'wallet-formats' });
  // Two pickers: the camera straight away (capture), or any image or PDF from the phone.
  const $camera = /** @type {HTMLInputElement} */ (h('input', { type: 'file', accept: 'image/*', capture: 'environment', class: 'visually-hidden', id: 'wallet-camera', tabindex: '-1', 'aria-hidden': 'true' }));
  const $picker = /** @type {HTMLInputElement} */ (h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,application/pdf', class: 'visually-hidden', id: 'wallet-file', tabindex: '-1', 'aria-hidden': 'true' }));
  const $takePhoto = h('button', { type: 'button', class: 'secondary' }, [t('walletTakePhoto')]);
  const $pickFile = h('button', { type: 'button', class: 'secondary' }, [t('walletPickFile')]);
  $takePhoto.addEventListener('click', () => $camera.click());
  $pickFile.addEventListener('click', () => $picker.click());
  const $chosen = h('p', { id: 'wallet-chosen', class: 'meta', 'aria-live': 'polite' }, [t('walletNoFile')]);
  const $fileError = formError('wallet-file-error');
  const $progress = /** @type {HTMLProgressElement} */ (h('progress', { id: 'wallet-progress', max: '100', value: '0', hidden: true, 'aria-label': t('walletUploading') }));
  const $submit = h('button', { type: 'submit', id: 'wallet-submit' }, [t('walletUpload')]);
  const $form = h('form', { novalidate: true }, [
    $type, $formats,
    h('p', { class: 'row wallet-pickers' }, [$takePhoto, $pickFile]),
    $camera, $picker, $chosen, $fileError, $progress, $submit,
  ]);
  $section.replaceChildren($title, ...(back ? [h('p', { class: 'hint', id: 'wallet-upload-for' }, [t('walletUploadFor')])] : []), $form);

  /** @type {File | null} */
  let chosen = null;
  const typeOf = () => types.find((dt) => dt.code === $select.value);
  $select.addEventListener('change', () => {
    const dt = typeOf();
    $formats.textContent = dt ? t('walletFormats', { formats: dt.formats.map((/** @type {string} */ f) => f.toUpperCase()).join(', '), mb: dt.maxSizeMb }) : '';
    setError($type, '');
  });
  /** @param {HTMLInputElement} $input */
  const picked = ($input) => {
    chosen = $input.files?.[0] ?? null;
    $input.value = ''; // the same file can be picked again after an error
    showMessage($fileError, '');
    $chosen.textContent = chosen ? t('walletChosen', { name: chosen.name, size: fileSize(chosen.size) }) : t('walletNoFile');
  };
  if (preselect && types.some((dt) => dt.code === preselect)) {
    $select.value = preselect;
    $select.dispatchEvent(new Event('change'));
  }
  $camera.addEventListener('change', () => picked($camera));
  $picker.addEventListener('change', () => picked($picker));

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    // Uploads are not queued offline (a photo can be taken again); say so before anything else.
    if (!navigator.onLine) { showMessage($fileError, t('walletUploadOffline')); return; }
    const dt = typeOf();
    if (!dt) { setError($type, t('walletTypeRequired')); $select.focus(); return; }
    if (!chosen) { showMessage($fileError, t('walletFileRequired')); $pickFile.focus(); return; }
    const accepted = dt.formats.flatMap((/** @type {keyof typeof MEDIA} */ f) => MEDIA[f] || []);
    if (!accepted.includes(chosen.type)) {
      showMessage($fileError, t('walletWrongFormat', { formats: dt.formats.map((/** @type {string} */ f) => f.toUpperCase()).join(', ') }));
      return;
    }
    $submit.setAttribute('disabled', '');
    $progress.hidden = false;
    $progress.value = 0;
    try {
      // A photo is re-encoded as JPEG; types that accept images all accept JPEG.
      const file = isImage(chosen) && accepted.includes('image/jpeg') ? await prepareFile(chosen) : chosen;
      if (file.size > dt.maxSizeMb * 1024 * 1024) {
        showMessage($fileError, t('walletTooBig', { mb: dt.maxSizeMb }));
        return;
      }
      const form = new FormData();
      form.append('type', dt.code);
      form.append('file', file, file.name);
      announce(t('walletUploading'));
      const created = await sendForm('POST', '/api/v1/wallet/documents', form, (fraction) => { $progress.value = Math.round(fraction * 100); });
      if (back && created?.id) {
        // Back to the step it came from, with this document chosen; the toast says it worked.
        toast(t('walletUploaded'));
        go(withParam(back, 'document', created.id));
        return;
      }
      chosen = null;
      $chosen.textContent = t('walletNoFile');
      $select.value = '';
      $formats.textContent = '';
      toast(t('walletUploaded'));
      announce(t('walletUploaded'));
      await reload();
    } catch (error) {
      showMessage($fileError, problemText(error));
    } finally {
      $progress.hidden = true;
      $submit.removeAttribute('disabled');
    }
  });
}
