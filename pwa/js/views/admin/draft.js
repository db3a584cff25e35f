// A draft of a service standard (`#/admin/drafts/<id>`): the editor (standards/editor.js), what still blocks
// publishing (listed at the top, each also next to its input), the preview exactly as a citizen's service screen
// shows it, the changes against the published version, and the acts: save (PUT with If-Match), publish (with a
// reason; then the standard's screen announces the new version) and discard.
//
// Unsaved changes are not lost to a stray Back: leaving the screen keeps them on this tab (sessionStorage) and a
// notice offers the way back, where they are put back into the editor; closing the tab asks first (beforeunload).
import { api, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { answersForm } from '../../components/answers-form.js';
import { serviceArticle } from '../citizen/service.js';
import { confirmDialog, loadStyles } from './common.js';
import { diffTable } from './standards/diff.js';
import { createEditor } from './standards/editor.js';
import { reasonDialog } from './standards/reason.js';
import {
  NATIONAL, agencies, categories, documentTypes, errorNotice, getTagged, ifMatch, isConflict, listHref, local, lookups, scopeName,
  standardHref,
} from './standards/shared.js';
import { pathLabel, problemMessage } from './standards/words.js';

/**
 * @typedef {import('./standards/shared.js').Draft} Draft
 * @typedef {import('./standards/shared.js').Problem} Problem
 * @typedef {'edit' | 'preview' | 'changes'} Tab
 */

const TABS = /** @type {Tab[]} */ (['edit', 'preview', 'changes']);
const KEEP = (/** @type {string} */ id) => `mpp.stdDraft.${id}`;

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const id = ctx.params.id;
  /** @type {Draft} */
  let draft;
  let etag = '';
  try {
    ({ data: draft, etag } = await getTagged(`/api/v1/admin/drafts/${encodeURIComponent(id)}`));
  } catch (error) {
    const missing = /** @type {any} */ (error)?.status === 404;
    $main.append(h('h1', {}, [missing ? t('notFound') : t('titleAdminDraft')]),
      h('p', { class: missing ? '' : 'error', role: missing ? undefined : 'alert' }, [missing ? t('stdDraftNotFound') : problemText(error)]),
      h('p', {}, [h('a', { href: '#/admin/services' }, [t('stdBackToList')])]));
    return undefined;
  }
  const scope = draft.scope;
  const [names, where, lists] = await Promise.all([
    lookups(scope),
    scopeName(scope),
    Promise.all([agencies(scope).catch(() => []), categories().catch(() => []), documentTypes().catch(() => [])])
      .then(([a, c, d]) => ({ agencies: a, categories: c, docs: d })),
  ]);

  // Changes kept when the admin left without saving, put back if the draft has not changed since.
  let restored = false;
  const kept = readKept(id);
  if (kept && kept.revision === draft.revision) { draft.content = kept.content; restored = true; }
  sessionStorage.removeItem(KEEP(id));

  let dirty = restored;
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  /** @type {Problem[]} */
  let problems = draft.problems ?? [];
  const changed = () => {
    if (!dirty) { dirty = true; drawState(); }
  };
  const editor = createEditor(draft.content, { codeFixed: draft.baseVersion !== null && draft.baseVersion !== undefined, lists, changed });

  const $state = h('p', { class: 'std-state', id: 'std-save-state', role: 'status' });
  const $notice = h('div', { id: 'std-notice' });
  const $summary = h('div', { class: 'error-summary std-problems', id: 'std-problems', tabindex: '-1', hidden: true });
  const $preview = h('section', { id: 'std-preview', 'aria-labelledby': 'std-preview-title', hidden: true });
  const $changes = h('section', { id: 'std-changes', 'aria-labelledby': 'std-changes-title', hidden: true });
  const $edit = h('div', { id: 'std-edit-panel' }, [editor.$el]);
  const $tabs = h('div', { class: 'std-tabs', role: 'group', 'aria-label': t('stdTabsLabel') }, TABS.map((tab) => h('button', {
    type: 'button', class: 'secondary std-tab', id: `std-tab-${tab}`, 'aria-pressed': 'false', 'aria-controls': `std-${tab === 'edit' ? 'edit-panel' : tab}`,
    onclick: () => show(tab, true),
  }, [t(`stdTab_${tab}`)])));
  const $save = h('button', { type: 'button', id: 'std-save', onclick: () => save(true) }, [t('stdSave')]);
  const $publish = h('button', { type: 'button', id: 'std-publish', onclick: publish }, [t('stdPublish')]);
  const title = local(draft.content.name) || draft.code;

  $main.append(
    h('p', {}, [h('a', { class: 'back', href: draft.baseVersion ? standardHref(scope, draft.code) : listHref(scope) }, [draft.baseVersion ? t('stdBackToStandard') : t('stdBackToList')])]),
    h('h1', { id: 'std-draft-title' }, [t('stdDraftTitle', { name: title })]),
    h('p', { class: 'meta' }, [
      where, ' · ', draft.baseVersion ? t('stdDraftOf', { version: draft.baseVersion }) : t('stdDraftNew'),
      draft.authorName ? ` · ${t('stdDraftBy', { name: draft.authorName, date: formatDate(draft.updatedAt, true) })}` : '',
    ]),
    scope === NATIONAL ? h('p', { class: 'hint' }, [t('stdNationalDraftHint')]) : '',
    restored ? h('p', { class: 'card std-restored', role: 'status' }, [t('stdRestored')]) : '',
    kept && !restored ? h('p', { class: 'card std-restored', role: 'status' }, [t('stdRestoreDropped')]) : '',
    $notice, $summary, $tabs, $state,
    $edit, $preview, $changes,
    h('div', { class: 'std-bar' }, [$save, $publish]),
    h('section', { class: 'std-discard', 'aria-labelledby': 'std-discard-title' }, [
      h('h2', { id: 'std-discard-title', class: 'visually-hidden' }, [t('stdDiscard')]),
      h('button', { type: 'button', class: 'danger', id: 'std-discard', onclick: discard }, [t('stdDiscard')]),
    ]),
  );
  showProblems(false);
  drawState();
  const wanted = /** @type {Tab} */ (ctx.query.get('tab'));
  show(TABS.includes(wanted) ? wanted : 'edit', false);

  /** @param {BeforeUnloadEvent} event */
  const beforeUnload = (event) => { if (dirty) { event.preventDefault(); event.returnValue = ''; } };
  addEventListener('beforeunload', beforeUnload);
  return () => {
    removeEventListener('beforeunload', beforeUnload);
    dialog?.cancel();
    if (!dirty) return;
    // Left with unsaved changes (Back, a menu link): keep them for this tab and say how to get back to them.
    sessionStorage.setItem(KEEP(id), JSON.stringify({ revision: draft.revision, content: editor.value(), at: new Date().toISOString() }));
    toast(t('stdUnsavedKept', { name: title }), { action: t('stdUnsavedBack'), onAction: () => { location.hash = `#/admin/drafts/${id}`; } });
  };

  function drawState() {
    $state.textContent = dirty ? t('stdUnsaved') : t('stdSaved', { date: formatDate(draft.updatedAt, true) });
    $state.classList.toggle('std-dirty', dirty);
  }

  /**
   * @param {Tab} tab
   * @param {boolean} moved a person chose it (focus moves to what they opened)
   */
  async function show(tab, moved) {
    for (const name of TABS) /** @type {HTMLElement} */ ($tabs.querySelector(`#std-tab-${name}`)).setAttribute('aria-pressed', String(name === tab));
    $edit.hidden = tab !== 'edit';
    $preview.hidden = tab !== 'preview';
    $changes.hidden = tab !== 'changes';
    // The tab is kept in the address (without a new history entry), so a reload shows the same one.
    history.replaceState(null, '', `#/admin/drafts/${encodeURIComponent(id)}${tab === 'edit' ? '' : `?tab=${tab}`}`);
    if (tab === 'edit') { if (moved) /** @type {HTMLElement | null} */ ($edit.querySelector('input, select, textarea'))?.focus(); return; }
    const $panel = tab === 'preview' ? $preview : $changes;
    const heading = tab === 'preview' ? t('stdPreviewTitle') : t('stdChangesTitle');
    const $title = h('h2', { id: `std-${tab}-title`, tabindex: '-1' }, [heading]);
    $panel.replaceChildren($title, h('p', { class: 'status', role: 'status' }, [t('stdLoading')]));
    if (moved) $title.focus();
    // Preview and changes are of the saved draft: save what was typed first.
    if (dirty && !(await save(false))) { $panel.replaceChildren($title, h('p', { class: 'hint' }, [t('stdSaveFirst')])); return; }
    try {
      if (tab === 'preview') {
        const detail = await get(`/api/v1/admin/drafts/${encodeURIComponent(id)}/preview`);
        const form = answersForm(detail.form ?? [], {}, () => {});
        $panel.replaceChildren(
          $title,
          h('p', { class: 'hint' }, [t('stdPreviewHint')]),
          h('div', { class: 'std-preview-frame' }, [serviceArticle(detail, { preview: true })]),
          h('h3', { id: 'std-preview-form-title' }, [t('stdPreviewForm')]),
          h('p', { class: 'hint' }, [t('stdPreviewFormHint')]),
          h('fieldset', { class: 'std-preview-frame std-preview-form', disabled: true, 'aria-labelledby': 'std-preview-form-title' }, [form.$el]),
        );
      } else {
        const diff = await get(`/api/v1/admin/drafts/${encodeURIComponent(id)}/diff`);
        $panel.replaceChildren($title, h('p', { class: 'hint' }, [draft.baseVersion ? t('stdChangesHint', { version: draft.baseVersion }) : t('stdChangesNew')]), diffTable(diff.changes, names));
      }
    } catch (error) {
      const e = /** @type {any} */ (error);
      if (e?.status === 422 && Array.isArray(e.problem?.errors)) {
        problems = e.problem.errors;
        showProblems(false);
        $panel.replaceChildren($title, h('p', { class: 'error', role: 'alert' }, [t('stdPreviewBlocked')]), problemList());
      } else {
        $panel.replaceChildren($title, errorNotice(error, reload));
      }
    }
  }

  /**
   * Save the editor's content; true when saved.
   * @param {boolean} say announce the outcome (the Save button), or stay quiet (saving before a preview)
   */
  async function save(say) {
    $notice.replaceChildren();
    $save.setAttribute('disabled', '');
    try {
      /** @type {Response} */
      const response = await api(`/api/v1/admin/drafts/${encodeURIComponent(id)}`, { method: 'PUT', body: { content: editor.value() }, headers: ifMatch(etag), as: 'response' });
      draft = await response.json();
      etag = response.headers.get('ETag') || `"${draft.revision}"`;
      dirty = false;
      problems = draft.problems ?? [];
      showProblems(false);
      drawState();
      if (say) announce(problems.length ? t('stdSavedWithProblems', { n: problems.length }) : t('stdSavedOk'));
      return true;
    } catch (error) {
      fail(error);
      return false;
    } finally {
      $save.removeAttribute('disabled');
    }
  }

  async function publish() {
    if (dirty && !(await save(false))) return;
    if (problems.length) { showProblems(true); return; }
    const asked = reasonDialog({
      title: t('stdPublishTitle', { name: local(editor.value().name) || draft.code }),
      text: draft.baseVersion ? t('stdPublishText', { version: draft.baseVersion + 1 }) : t('stdPublishTextNew'),
      label: t('stdPublishReason'),
      yes: t('stdPublishYes'),
    });
    dialog = asked;
    const reason = await asked.answer;
    dialog = null;
    if (reason === null) return;
    $publish.setAttribute('disabled', '');
    try {
      const done = await post(`/api/v1/admin/drafts/${encodeURIComponent(id)}/publish`, { reason }, ifMatch(etag));
      dirty = false;
      location.hash = `${standardHref(done.scope ?? scope, done.code ?? draft.code)}?published=${done.version}`;
    } catch (error) {
      fail(error);
    } finally {
      $publish.removeAttribute('disabled');
    }
  }

  async function discard() {
    const asked = confirmDialog({ title: t('stdDiscardTitle'), text: t('stdDiscardText'), yes: t('stdDiscardYes') });
    dialog = asked;
    const yes = await asked.answer;
    dialog = null;
    if (!yes) return;
    try {
      await api(`/api/v1/admin/drafts/${encodeURIComponent(id)}`, { method: 'DELETE', headers: ifMatch(etag) });
      dirty = false;
      toast(t('stdDiscarded'));
      location.hash = draft.baseVersion ? standardHref(scope, draft.code) : listHref(scope);
    } catch (error) {
      fail(error);
    }
  }

  /** What went wrong: problems next to their fields (422), the conflict notice (412), or a sentence. */
  function fail(/** @type {unknown} */ error) {
    const e = /** @type {any} */ (error);
    if (e?.status === 422 && Array.isArray(e.problem?.errors) && e.problem.errors.length) {
      problems = e.problem.errors;
      show('edit', false);
      showProblems(true);
      return;
    }
    if (e?.code === 'code_taken') {
      // A new service's code changed to one in use: said next to the code.
      show('edit', false);
      const [$code] = editor.showProblems([{ field: 'code', text: t('accountErr_code_taken') }]);
      $code?.focus();
      return;
    }
    if (e?.code === 'stale_draft') {
      $notice.replaceChildren(h('div', { class: 'card std-conflict', role: 'alert', tabindex: '-1' }, [
        h('p', {}, [t('accountErr_stale_draft')]),
        h('p', {}, [h('a', { href: standardHref(scope, draft.code) }, [t('stdOpenStandard')])]),
      ]));
    } else {
      $notice.replaceChildren(errorNotice(error, reload));
    }
    const $first = /** @type {HTMLElement} */ ($notice.firstElementChild);
    $first.setAttribute('tabindex', '-1');
    $first.focus();
    if (isConflict(error)) announce(t('stdConflict'));
  }

  /** Reload the screen from the server (after a conflict): what was typed here is dropped on purpose. */
  function reload() {
    dirty = false;
    sessionStorage.removeItem(KEEP(id));
    location.reload();
  }

  /**
   * The problems that block publishing: at the top as a list of links to their inputs, and next to each input.
   * @param {boolean} focus move focus to the list (after an act the problems stopped)
   */
  function showProblems(focus) {
    const texts = problems.map((p) => ({ field: p.field, text: problemMessage(p) }));
    const targets = editor.showProblems(texts);
    $summary.hidden = !problems.length;
    $summary.replaceChildren(
      h('h2', {}, [t('stdProblemsTitle', { n: problems.length })]),
      h('p', {}, [t('stdProblemsHint')]),
      h('ul', {}, texts.map((p, i) => h('li', {}, [h('a', {
        href: '#',
        onclick: (/** @type {Event} */ event) => {
          event.preventDefault();
          show('edit', false);
          targets[i]?.scrollIntoView({ block: 'center' });
          targets[i]?.focus();
        },
      }, [`${pathLabel(p.field, names)}: ${p.text}`])]))),
    );
    if (focus && problems.length) $summary.focus();
  }

  /** The problems as a plain list (inside the preview panel). */
  function problemList() {
    return h('ul', {}, problems.map((p) => h('li', {}, [`${pathLabel(p.field, names)}: ${problemMessage(p)}`])));
  }
}

/**
 * @param {string} id
 * @returns {{ revision: number, content: import('./standards/shared.js').Content, at: string } | null}
 */
function readKept(id) {
  try {
    const raw = sessionStorage.getItem(KEEP(id));
    return raw ? JSON.parse(raw) : null;
  } catch {
    return null;
  }
}
