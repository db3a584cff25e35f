// The catalogue's import and export (`#/admin/transfer`): a region's catalogue downloaded as a YAML file (the data
// files' format), and a file uploaded back — checked first (a dry run: its problems, each at its place in the file,
// or the changes it makes, grouped by kind), then applied with a reason, all at once. A region admin works on their
// own region; a national admin picks one (kept in the URL, `?region=3302`).
//
// The apply sends back the dry run's basis: when the catalogue changed in between (409 `catalogue_changed`) nothing
// is applied, and the screen offers to check the same file again.
import { api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { go } from '../../router.js';
import * as session from '../../session.js';
import { loadStyles } from './common.js';
import { changeList, problemList } from './transfer/words.js';

const EXPORT = '/api/v1/admin/catalogue/export';
const IMPORT = '/api/v1/admin/catalogue/import';
const MAX_BYTES = 2 * 1024 * 1024;
const REASON_MAX = 500;

/** @typedef {import('./transfer/words.js').Answer} Answer */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const national = session.hasRole('national_admin');
  const region = national ? ctx.query.get('region') : null;
  /** @type {string[]} object URLs of downloads, revoked with the screen */
  const urls = [];
  $main.append(h('h1', {}, [t('adminTransferTitle')]), h('p', { class: 'adm-scope' }, [t('xferIntro')]));
  if (national) {
    $main.append(await regionPicker(region));
    if (!region) return undefined;
  }
  const params = { region };

  // --- download -------------------------------------------------------------------------------------------
  const $downloadStatus = h('p', { class: 'status', role: 'status' });
  const $download = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', id: 'xfer-download', onclick: download }, [t('xferDownload')]));
  $main.append(h('section', { class: 'card xfer-section', 'aria-labelledby': 'xfer-download-title' }, [
    h('h2', { id: 'xfer-download-title' }, [t('xferDownloadTitle')]),
    h('p', {}, [t('xferDownloadIntro')]),
    h('div', { class: 'adm-actions' }, [$download]),
    $downloadStatus,
  ]));

  // --- upload, check, apply -------------------------------------------------------------------------------
  // The browser's own file input says "Choose File" in the browser's language, whatever the screen's: it stays in
  // the page (hidden, out of the tab order) and a button of ours in the screen's language opens it; the button is
  // named by the field's label and its own words, and the chosen file's name is said next to it.
  const $file = /** @type {HTMLInputElement} */ (h('input', {
    type: 'file', id: 'xfer-file', class: 'visually-hidden', tabindex: '-1', 'aria-hidden': 'true',
    accept: '.yaml,.yml,application/yaml,application/x-yaml,text/yaml,text/plain',
  }));
  const $chosen = h('span', { class: 'xfer-chosen', id: 'xfer-chosen', 'aria-live': 'polite' }, [t('xferNoFile')]);
  const $pick = /** @type {HTMLButtonElement} */ (h('button', {
    type: 'button', class: 'secondary', id: 'xfer-pick', onclick: () => $file.click(),
    'aria-labelledby': 'xfer-file-label xfer-pick', 'aria-describedby': 'xfer-chosen xfer-file-hint xfer-file-error',
  }, [t('xferPick')]));
  $file.addEventListener('change', () => { $chosen.textContent = $file.files?.[0]?.name || t('xferNoFile'); });
  const $fileError = h('p', { class: 'error', id: 'xfer-file-error', hidden: true });
  const $check = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'xfer-check' }, [t('xferCheck')]));
  const $result = h('div', { class: 'xfer-result', id: 'xfer-result' });
  /** The text of the file last checked (checked again after a 409, applied after a dry run). */
  let text = '';
  const $form = h('form', { novalidate: true, onsubmit: (/** @type {Event} */ e) => { e.preventDefault(); checkFile(); } }, [
    h('div', { class: 'field' }, [
      h('label', { for: 'xfer-file', id: 'xfer-file-label' }, [t('xferFileLabel')]),
      h('p', { class: 'hint', id: 'xfer-file-hint' }, [t('xferFileHint')]),
      $fileError,
      h('div', { class: 'xfer-picker' }, [$pick, $chosen, $file]),
    ]),
    h('div', { class: 'adm-actions' }, [$check]),
  ]);
  $main.append(h('section', { class: 'card xfer-section', 'aria-labelledby': 'xfer-upload-title' }, [
    h('h2', { id: 'xfer-upload-title' }, [t('xferUploadTitle')]),
    h('p', {}, [t('xferUploadIntro')]),
    $form,
  ]), $result);
  return () => { for (const url of urls) URL.revokeObjectURL(url); };

  async function download() {
    $download.disabled = true;
    $downloadStatus.textContent = t('xferDownloading');
    try {
      /** @type {Response} */
      const response = await api(EXPORT, { params, as: 'response' });
      const name = /filename="([^"]+)"/.exec(response.headers.get('content-disposition') || '')?.[1] || 'katalog.yaml';
      const url = URL.createObjectURL(await response.blob());
      urls.push(url);
      const $link = h('a', { href: url, download: name, hidden: true });
      document.body.append($link);
      $link.click();
      $link.remove();
      $downloadStatus.textContent = t('xferDownloaded', { name });
    } catch (error) {
      $downloadStatus.textContent = problemText(error);
    } finally {
      $download.disabled = false;
    }
  }

  /** Read the chosen file and check it (a dry run). */
  async function checkFile() {
    $fileError.hidden = true;
    $pick.removeAttribute('aria-invalid');
    const file = $file.files?.[0];
    const refuse = (/** @type {string} */ message) => {
      $fileError.textContent = message;
      $fileError.hidden = false;
      $pick.setAttribute('aria-invalid', 'true');
      $pick.focus();
    };
    if (!file) return refuse(t('xferFileMissing'));
    if (file.size > MAX_BYTES) return refuse(t('xferFileTooLarge'));
    text = await file.text();
    return dryRun();
  }

  /**
   * The YAML as the request's body. api.js sends JSON or a form; a Blob passed where the form goes is sent as it
   * is, with its own type (fetch takes any BodyInit there).
   */
  function body() {
    return /** @type {FormData} */ (/** @type {unknown} */ (new Blob([text], { type: 'application/yaml' })));
  }

  async function dryRun() {
    $check.disabled = true;
    $result.replaceChildren(h('p', { role: 'status' }, [t('xferChecking')]));
    try {
      /** @type {Answer} */
      const answer = await api(IMPORT, { method: 'POST', params: { ...params, dryRun: 'true' }, form: body() });
      showChecked(answer);
    } catch (error) {
      showError(error, false);
    } finally {
      $check.disabled = false;
    }
  }

  /** @param {Answer} answer */
  function showChecked(answer) {
    const $title = h('h2', { id: 'xfer-result-title', tabindex: '-1' });
    if (!answer.valid) {
      $title.textContent = t('xferInvalid');
      $result.replaceChildren(h('section', { class: 'xfer-invalid', 'aria-labelledby': 'xfer-result-title' }, [
        $title,
        h('p', {}, [t('xferProblems', { n: answer.problems.length })]),
        problemList(answer.problems),
      ]));
    } else if (!answer.changes.length) {
      $title.textContent = t('xferNoChanges');
      $result.replaceChildren(h('section', { 'aria-labelledby': 'xfer-result-title' }, [$title, h('p', {}, [t('xferNoChangesText')])]));
    } else {
      $title.textContent = t('xferChangesTitle');
      $result.replaceChildren(h('section', { 'aria-labelledby': 'xfer-result-title' }, [
        $title,
        h('p', {}, [t('xferChanges', { n: answer.changes.length })]),
        changeList(answer.changes),
        applyForm(answer.basis),
      ]));
    }
    // The outcome is the next thing to read: focus goes to its heading.
    $title.focus();
  }

  /** @param {string} basis the dry run's, sent back so that a change made meanwhile is never overwritten */
  function applyForm(basis) {
    const $reason = /** @type {HTMLTextAreaElement} */ (h('textarea', {
      id: 'xfer-reason', rows: '3', maxlength: String(REASON_MAX), required: true, 'aria-describedby': 'xfer-reason-hint xfer-reason-error',
    }));
    const $error = h('p', { class: 'error', id: 'xfer-reason-error', hidden: true });
    const $apply = /** @type {HTMLButtonElement} */ (h('button', { type: 'submit', id: 'xfer-apply' }, [t('xferApply')]));
    const $form = h('form', { class: 'xfer-apply', novalidate: true }, [
      h('div', { class: 'field' }, [
        h('label', { for: 'xfer-reason' }, [t('xferReasonLabel')]),
        h('p', { class: 'hint', id: 'xfer-reason-hint' }, [t('xferReasonHint')]),
        $error,
        $reason,
      ]),
      h('div', { class: 'adm-actions' }, [$apply]),
    ]);
    $form.addEventListener('submit', async (event) => {
      event.preventDefault();
      const reason = $reason.value.trim();
      if (!reason) {
        $error.textContent = t('xferReasonMissing');
        $error.hidden = false;
        $reason.setAttribute('aria-invalid', 'true');
        $reason.focus();
        return;
      }
      $apply.disabled = true;
      try {
        /** @type {Answer} */
        const answer = await api(IMPORT, {
          method: 'POST', params: { ...params, dryRun: 'false', reason }, form: body(), headers: { 'If-Match': `"${basis}"` },
        });
        showApplied(answer);
      } catch (error) {
        $apply.disabled = false;
        showError(error, true);
      }
    });
    return $form;
  }

  /** @param {Answer} answer */
  function showApplied(answer) {
    const $title = h('h2', { id: 'xfer-result-title', tabindex: '-1' }, [t('xferApplied')]);
    $result.replaceChildren(h('section', { class: 'xfer-done', 'aria-labelledby': 'xfer-result-title' }, [
      $title,
      h('p', {}, [t('xferAppliedText', { n: answer.changes.length })]),
      changeList(answer.changes),
    ]));
    $file.value = '';
    $chosen.textContent = t('xferNoFile');
    toast(t('xferApplied'));
    $title.focus();
  }

  /**
   * An error of a check or an apply, said in words: the file's problems at their places (422), the catalogue
   * changed since the check (409: check again), anything else in one sentence.
   * @param {unknown} error
   * @param {boolean} applying
   */
  function showError(error, applying) {
    const problem = /** @type {any} */ (error)?.problem || {};
    const code = /** @type {any} */ (error)?.code;
    const $title = h('h2', { id: 'xfer-result-title', tabindex: '-1' });
    /** @type {(Node | string)[]} */
    const parts = [$title];
    if (code === 'catalogue_changed') {
      $title.textContent = t('xferChangedTitle');
      parts.push(h('p', {}, [t('accountErr_catalogue_changed')]), h('div', { class: 'adm-actions' }, [
        h('button', { type: 'button', id: 'xfer-recheck', onclick: dryRun }, [t('xferRecheck')]),
      ]));
    } else if (Array.isArray(problem.errors) && problem.errors.length) {
      $title.textContent = applying ? t('xferNotApplied') : t('xferInvalid');
      parts.push(h('p', {}, [t('xferProblems', { n: problem.errors.length })]), problemList(problem.errors));
    } else {
      $title.textContent = applying ? t('xferNotApplied') : t('xferInvalid');
      parts.push(h('p', { role: 'alert' }, [problemText(error)]));
    }
    $result.replaceChildren(h('section', { class: 'xfer-invalid', 'aria-labelledby': 'xfer-result-title' }, parts));
    announce($title.textContent || '');
    $title.focus();
  }
}

/**
 * A national admin's choice of region (the screen works on one region at a time).
 * @param {string | null} chosen
 */
async function regionPicker(chosen) {
  const $select = /** @type {HTMLSelectElement} */ (h('select', { id: 'xfer-region' }, [h('option', { value: '' }, [t('bldRegionChoose')])]));
  try {
    /** @type {{ items: { code: string, name: string }[] }} */
    const regions = await get('/api/v1/regions');
    for (const region of regions.items) {
      $select.append(h('option', { value: region.code, selected: region.code === chosen || undefined }, [`${region.name} (${region.code})`]));
    }
  } catch (error) {
    return h('p', { class: 'error', role: 'alert' }, [problemText(error)]);
  }
  $select.addEventListener('change', () => { if ($select.value) go(`/admin/transfer?region=${$select.value}`); });
  return h('div', { class: 'card' }, [h('div', { class: 'field' }, [h('label', { for: 'xfer-region' }, [t('bldRegionLabel')]), $select])]);
}
