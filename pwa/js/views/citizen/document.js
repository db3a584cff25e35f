// One document of my wallet: details, a preview of its content, the attestation QR once verified or issued,
// share links (create, copy, share, revoke), replace and delete (not for a document an agency issued).
import { api, del, get, post, OfflineError } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { render as redraw } from '../../router.js';
import * as snapshots from '../../store/snapshots.js';
import { field, formError, setError, showMessage } from '../../components/account-field.js';
import { problemText } from '../../lib/problem.js';
import { fileSize, statusBadge } from '../../components/wallet-status.js';
import { prepareFile, sendForm } from '../../components/wallet-upload.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const id = ctx.params.id;
  /** @type {string[]} object URLs to release when leaving the screen */
  const urls = [];
  const cleanup = () => { for (const url of urls) URL.revokeObjectURL(url); };
  const back = h('p', {}, [h('a', { href: '#/wallet', class: 'back' }, [t('walletBack')])]);

  let doc;
  let offline = false;
  try {
    doc = await get(`/api/v1/wallet/documents/${id}`);
  } catch (error) {
    // Offline: the wallet snapshot still knows the basics of this document.
    const saved = error instanceof OfflineError ? await snapshots.load('wallet') : undefined;
    doc = saved?.data?.items?.find((/** @type {any} */ d) => d.id === id);
    if (!doc) {
      $main.append(back, h('h1', {}, [t('titleDocument')]), h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      return cleanup;
    }
    offline = true;
  }

  const $article = h('article', { class: 'detail', id: 'wallet-document' }, [
    back,
    h('h1', {}, [doc.type?.name || doc.title]),
    h('p', {}, [statusBadge(doc.status)]),
    offline ? h('p', { class: 'status' }, [t('walletDocOffline')]) : null,
    doc.status === 'rejected' && doc.rejectionReason ? h('p', { class: 'error' }, [t('walletRejectedBecause', { reason: doc.rejectionReason })]) : null,
    facts(doc),
  ]);
  $main.append($article);
  if (offline) return cleanup;

  $article.append(h('h2', {}, [t('walletPreview')]), preview(doc, urls));
  if (doc.status === 'verified' || doc.status === 'issued') $article.append(qr(doc, urls));
  $article.append(shareSection(doc));
  // An issued document is the agency's record (its attestation vouches for this very file): the API refuses to
  // replace or delete it, so the screen offers neither and says why.
  if (doc.status === 'issued') $article.append(h('p', { class: 'hint', id: 'wallet-issued-kept' }, [t('walletIssuedKept')]));
  else $article.append(replaceSection(doc), deleteSection(doc));
  return cleanup;
}

/** @param {any} doc */
function facts(doc) {
  /** @type {[string, string][]} */
  const rows = [
    [t('walletFile'), `${doc.title} (${doc.format.toUpperCase()}, ${fileSize(doc.size)})`],
    [t('walletUploadedAt'), formatDate(doc.createdAt, true)],
  ];
  if (doc.updatedAt && doc.updatedAt !== doc.createdAt) rows.push([t('walletUpdatedAt'), formatDate(doc.updatedAt, true)]);
  if (doc.version > 1) rows.push([t('walletVersion'), String(doc.version)]);
  if (doc.pages) rows.push([t('walletPages'), String(doc.pages)]);
  if (doc.issuedBy) rows.push([t('walletIssuedBy'), doc.issuedBy.name]);
  if (doc.attestation) {
    rows.push([doc.attestation.kind === 'issued' ? t('walletIssuedAt') : t('walletVerifiedAt'), formatDate(doc.attestation.attestedAt, true)]);
    rows.push([t('walletAgency'), doc.attestation.agency.name]);
  }
  if (doc.validUntil) rows.push([t('walletValidUntilLabel'), formatDate(doc.validUntil)]);
  return h('dl', {}, rows.flatMap(([term, value]) => [h('dt', {}, [term]), h('dd', {}, [value])]));
}

/**
 * The content, fetched with the bearer token (an <img src> could not send it) and shown from an object URL.
 * @param {any} doc
 * @param {string[]} urls
 */
function preview(doc, urls) {
  const $box = h('div', { class: 'wallet-preview', id: 'wallet-preview' }, [h('p', { class: 'status' }, [t('walletLoading')])]);
  api(`/api/v1/wallet/documents/${doc.id}/content`, { as: 'blob' }).then((blob) => {
    const url = URL.createObjectURL(blob);
    urls.push(url);
    if (blob.type.startsWith('image/')) {
      $box.replaceChildren(h('img', { src: url, alt: t('walletPreviewAlt', { type: doc.type?.name || doc.title }) }));
    } else {
      // No inline PDF viewer: the CSP forbids <object>/<iframe> of blobs, and phones open PDFs better themselves.
      $box.replaceChildren(h('a', { href: url, download: doc.title, class: 'button secondary' }, [t('walletOpenPdf')]));
    }
  }).catch((error) => {
    $box.replaceChildren(h('p', { class: 'error' }, [problemText(error)]));
  });
  return $box;
}

/**
 * The attestation QR: anyone can scan it to check the document is genuine.
 * @param {any} doc
 * @param {string[]} urls
 */
function qr(doc, urls) {
  const $box = h('div', { class: 'wallet-qr' });
  api(`/api/v1/wallet/documents/${doc.id}/qr.svg`, { as: 'blob' }).then((blob) => {
    const url = URL.createObjectURL(blob);
    urls.push(url);
    $box.replaceChildren(
      h('img', { src: url, alt: t('walletQrAlt'), width: '220', height: '220' }),
      doc.attestation?.verificationUrl ? h('p', {}, [h('a', { href: doc.attestation.verificationUrl }, [t('walletQrLink')])]) : '',
    );
  }).catch((error) => { $box.replaceChildren(h('p', { class: 'error' }, [problemText(error)])); });
  return h('section', { 'aria-labelledby': 'wallet-qr-title' }, [
    h('h2', { id: 'wallet-qr-title' }, [t('walletQrTitle')]),
    h('p', { class: 'hint' }, [t('walletQrHint')]),
    $box,
  ]);
}

/** @param {any} doc */
function shareSection(doc) {
  const $links = h('ul', { class: 'wallet-links', id: 'wallet-links' });
  const $result = h('div', { id: 'wallet-share-result', 'aria-live': 'polite' });
  const $purposeInput = /** @type {HTMLInputElement} */ (h('input', { type: 'text', name: 'purpose', maxlength: '200', required: true }));
  const $purpose = field({ id: 'wallet-purpose', label: t('walletSharePurpose'), hint: t('walletSharePurposeHint'), input: $purposeInput });
  const $hours = /** @type {HTMLSelectElement} */ (h('select', { name: 'hours' }, [
    h('option', { value: '1' }, [t('walletShare1h')]),
    h('option', { value: '24', selected: true }, [t('walletShare24h')]),
    h('option', { value: '72' }, [t('walletShare3d')]),
    h('option', { value: '168' }, [t('walletShare7d')]),
  ]));
  const $valid = field({ id: 'wallet-hours', label: t('walletShareValid'), input: $hours });
  const $submit = h('button', { type: 'submit' }, [t('walletShareCreate')]);
  const $form = h('form', { novalidate: true }, [$purpose, $valid, $submit]);

  /** @param {any} link */
  const linkItem = (link) => {
    const $revoke = h('button', { type: 'button', class: 'secondary' }, [t('walletShareRevoke')]);
    const $item = h('li', { class: 'card' }, [
      h('p', {}, [h('strong', {}, [link.purpose])]),
      h('p', { class: 'meta' }, [t('walletShareMeta', { date: formatDate(link.expiresAt, true), n: link.uses })]),
      $revoke,
    ]);
    $revoke.addEventListener('click', async () => {
      if (!confirm(t('walletShareRevokeConfirm', { purpose: link.purpose }))) return;
      try {
        await del(`/api/v1/wallet/documents/${doc.id}/links/${link.id}`);
        $item.remove();
        announce(t('walletShareRevoked'));
        $result.replaceChildren();
      } catch (error) {
        toast(problemText(error));
      }
    });
    return $item;
  };
  const now = Date.now();
  $links.replaceChildren(...(doc.links || [])
    .filter((/** @type {any} */ l) => !l.revokedAt && Date.parse(l.expiresAt) > now)
    .map(linkItem));

  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const purpose = $purposeInput.value.trim();
    if (purpose.length < 3) { setError($purpose, t('walletSharePurposeRequired')); $purposeInput.focus(); return; }
    setError($purpose, '');
    $submit.setAttribute('disabled', '');
    try {
      const link = await post(`/api/v1/wallet/documents/${doc.id}/links`, { purpose, hours: Number($hours.value) });
      $purposeInput.value = '';
      $links.prepend(linkItem(link));
      $result.replaceChildren(shareResult(link.url, doc));
      announce(t('walletShareReady'));
    } catch (error) {
      setError($purpose, problemText(error));
    } finally {
      $submit.removeAttribute('disabled');
    }
  });
  return h('section', { 'aria-labelledby': 'wallet-share-title' }, [
    h('h2', { id: 'wallet-share-title' }, [t('walletShareTitle')]),
    h('p', { class: 'hint' }, [t('walletShareHint')]),
    $form, $result, $links,
  ]);
}

/**
 * The new link, shown once (the server keeps only its hash): copy it, or hand it to the phone's share sheet.
 * @param {string} url
 * @param {any} doc
 */
function shareResult(url, doc) {
  const $url = /** @type {HTMLInputElement} */ (h('input', { type: 'text', readonly: true, id: 'wallet-share-url' }));
  $url.value = url;
  const $copy = h('button', { type: 'button' }, [t('walletShareCopy')]);
  $copy.addEventListener('click', async () => {
    try {
      await navigator.clipboard.writeText(url);
    } catch {
      $url.select(); // no clipboard permission: select it so a long-press copies it
    }
    announce(t('walletShareCopied'));
    toast(t('walletShareCopied'));
  });
  const children = [
    h('div', { class: 'field' }, [h('label', { for: 'wallet-share-url' }, [t('walletShareLink')]), $url]),
    h('p', { class: 'hint' }, [t('walletShareOnce')]),
    h('p', { class: 'row' }, [$copy]),
  ];
  if (typeof navigator.share === 'function') {
    const $share = h('button', { type: 'button', class: 'secondary' }, [t('walletShareSend')]);
    $share.addEventListener('click', () => navigator.share({ title: doc.type?.name || doc.title, url }).catch(() => undefined));
    children[2].append($share);
  }
  return h('div', { class: 'card' }, children);
}

/** @param {any} doc */
function replaceSection(doc) {
  const $input = /** @type {HTMLInputElement} */ (h('input', { type: 'file', accept: 'image/jpeg,image/png,image/webp,application/pdf', name: 'file' }));
  const $file = field({ id: 'wallet-replace-file', label: t('walletReplaceLabel'), hint: t('walletReplaceHint'), input: $input });
  const $error = formError('wallet-replace-error');
  const $progress = /** @type {HTMLProgressElement} */ (h('progress', { max: '100', value: '0', hidden: true, 'aria-label': t('walletUploading') }));
  const $submit = h('button', { type: 'submit', class: 'secondary' }, [t('walletReplace')]);
  const $form = h('form', { novalidate: true }, [$file, $error, $progress, $submit]);
  $form.addEventListener('submit', async (event) => {
    event.preventDefault();
    const chosen = $input.files?.[0];
    if (!chosen) { setError($file, t('walletFileRequired')); $input.focus(); return; }
    setError($file, '');
    if (!confirm(t('walletReplaceConfirm'))) return;
    showMessage($error, '');
    $submit.setAttribute('disabled', '');
    $progress.hidden = false;
    try {
      const form = new FormData();
      const file = await prepareFile(chosen);
      form.append('file', file, file.name);
      await sendForm('PUT', `/api/v1/wallet/documents/${doc.id}/content`, form, (f) => { $progress.value = Math.round(f * 100); });
      toast(t('walletReplaced'));
      await redraw(); // the screen again, with the new version
    } catch (error) {
      showMessage($error, problemText(error));
    } finally {
      $progress.hidden = true;
      $submit.removeAttribute('disabled');
    }
  });
  return h('section', { 'aria-labelledby': 'wallet-replace-title' }, [h('h2', { id: 'wallet-replace-title' }, [t('walletReplaceTitle')]), $form]);
}

/** @param {any} doc */
function deleteSection(doc) {
  const $button = h('button', { type: 'button', class: 'danger', id: 'wallet-delete' }, [t('walletDelete')]);
  const $error = formError('wallet-delete-error');
  $button.addEventListener('click', async () => {
    if (!confirm(t('walletDeleteConfirm', { type: doc.type?.name || doc.title }))) return;
    try {
      await del(`/api/v1/wallet/documents/${doc.id}`);
      toast(t('walletDeleted'));
      location.replace('#/wallet');
    } catch (error) {
      showMessage($error, problemText(error));
    }
  });
  return h('section', { 'aria-labelledby': 'wallet-delete-title' }, [
    h('h2', { id: 'wallet-delete-title' }, [t('walletDeleteTitle')]),
    h('p', { class: 'hint' }, [t('walletDeleteHint')]),
    $error, $button,
  ]);
}
