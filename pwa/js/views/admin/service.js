// One service standard (`#/admin/services/<scope>~<code>`): the version in force as citizens read it, in both
// languages; who published each version, why and when; the changes between any two versions; and what this admin
// may do with it — start or continue a draft ("Ubah"), hide an inherited national service in the region or show it
// again, give it a regional note, retire a local service (with a reason) or reinstate it. Every act sends the
// standard's ETag as If-Match; when another admin changed it first (412) the screen says so and offers to reload.
import { api, get, post } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h, toast } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import * as session from '../../session.js';
import { loadStyles } from './common.js';
import { diffTable } from './standards/diff.js';
import { reasonDialog } from './standards/reason.js';
import {
  NATIONAL, canWrite, errorNotice, getTagged, ifMatch, listHref, local, lookups, parseStandardId, scopeName, standardHref, standardPath,
} from './standards/shared.js';
import { bilingual, contentView } from './standards/words.js';

/** @typedef {import('./standards/shared.js').Standard} Standard */

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  loadStyles();
  const at = parseStandardId(ctx.params.id);
  /** @type {{ cancel: () => void } | null} */
  let dialog = null;
  const $flash = h('div', { id: 'std-flash', role: 'status', tabindex: '-1' });
  const published = Number(ctx.query.get('published')) || 0;
  if (published) {
    $flash.append(h('p', { class: 'card std-published' }, [t('stdPublished', { version: published })]));
    toast(t('stdPublished', { version: published }));
    // The announcement is said once: a reload shows the standard without it.
    history.replaceState(null, '', `#/admin/services/${encodeURIComponent(ctx.params.id)}`);
  }
  if (!at) { notFound(); return undefined; }
  const { scope, code } = at;
  const names = await lookups(scope);
  const where = await scopeName(scope);
  await draw();
  return () => dialog?.cancel();

  function notFound() {
    $main.replaceChildren(h('h1', {}, [t('notFound')]), h('p', {}, [t('stdNotFound')]), h('p', {}, [h('a', { href: '#/admin/services' }, [t('stdBackToList')])]));
  }

  async function draw() {
    /** @type {Standard} */
    let s;
    /** @type {string} */
    let etag;
    try {
      ({ data: s, etag } = await getTagged(standardPath(scope, code)));
    } catch (error) {
      if (/** @type {any} */ (error)?.status === 404) { notFound(); return; }
      $main.replaceChildren(h('h1', {}, [t('titleAdminService')]), h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      return;
    }
    const inherited = s.national && scope !== NATIONAL;
    const $notice = h('div', { id: 'std-notice' });
    const back = listHref(scope);
    $main.replaceChildren(
      h('p', {}, [h('a', { href: back, class: 'back' }, [t('stdBackToList')])]),
      h('h1', { id: 'std-title' }, [local(s.content.name) || code]),
      $flash,
      h('dl', { class: 'adm-facts', id: 'std-facts' }, [
        h('dt', {}, [t('stdFactScope')]), h('dd', {}, [where]),
        h('dt', {}, [t('stdF_code')]), h('dd', {}, [code]),
        h('dt', {}, [t('stdFactVersion')]), h('dd', { id: 'std-version' }, [String(s.version)]),
        h('dt', {}, [t('stdFactKind')]), h('dd', {}, [inherited ? t('stdKindInherited') : scope === NATIONAL ? t('stdKindNational') : t('stdKindLocal')]),
        h('dt', {}, [t('stdFactState')]), h('dd', { id: 'std-state' }, [s.retired ? t('stdRetired') : s.hidden ? t('stdHidden') : t('stdActive')]),
        h('dt', {}, [t('stdFactApplications')]), h('dd', {}, [String(s.applications ?? 0)]),
      ]),
      s.localNote ? h('section', { class: 'card std-note', 'aria-labelledby': 'std-note-title' }, [
        h('h2', { id: 'std-note-title' }, [t('stdNoteTitle', { region: where })]), bilingual(s.localNote),
      ]) : '',
      $notice,
      actions(s, etag, inherited, $notice),
      h('section', { 'aria-labelledby': 'std-content-title' }, [
        h('h2', { id: 'std-content-title' }, [t('stdContentTitle', { version: s.version })]),
        inherited ? h('p', { class: 'hint' }, [t('stdInheritedHint')]) : '',
        contentView(s.content, names),
      ]),
      await versionHistory(),
    );
  }

  /**
   * @param {Standard} s
   * @param {string} etag
   * @param {boolean} inherited
   * @param {HTMLElement} $notice
   */
  function actions(s, etag, inherited, $notice) {
    if (!canWrite(scope)) return h('p', { class: 'hint', id: 'std-readonly' }, [t('stdReadOnly')]);
    /** @type {(Node | string)[]} */
    const buttons = [];
    if (s.draft) {
      buttons.push(h('a', { class: 'button', id: 'std-edit', href: `#/admin/drafts/${s.draft.id}` }, [t('stdContinueDraft')]));
    } else if (!inherited) {
      buttons.push(h('button', { type: 'button', id: 'std-edit', onclick: startDraft }, [t('stdEdit')]));
    }
    if (inherited) {
      if (session.hasRole('national_admin')) buttons.push(h('a', { class: 'button secondary', href: standardHref(NATIONAL, code) }, [t('stdOpenNational')]));
      buttons.push(s.hidden
        ? h('button', { type: 'button', id: 'std-unhide', onclick: () => patch({ hidden: false }, t('stdShownAgain')) }, [t('stdUnhide')])
        : h('button', { type: 'button', class: 'secondary', id: 'std-hide', onclick: () => patch({ hidden: true }, t('stdHiddenDone')) }, [t('stdHide')]));
    }
    if (scope !== NATIONAL && !inherited) {
      buttons.push(s.retired
        ? h('button', { type: 'button', id: 'std-reinstate', onclick: () => lifecycle('reinstate') }, [t('stdReinstate')])
        : h('button', { type: 'button', class: 'danger', id: 'std-retire', onclick: () => lifecycle('retire') }, [t('stdRetire')]));
    }
    return h('section', { class: 'card', 'aria-labelledby': 'std-actions-title' }, [
      h('h2', { id: 'std-actions-title' }, [t('stdActions')]),
      inherited ? h('p', { class: 'hint' }, [t('stdInheritedActions')]) : '',
      h('div', { class: 'adm-actions' }, buttons),
      s.serviceId ? noteForm(s) : '',
    ]);

    async function startDraft() {
      try {
        const draft = await post('/api/v1/admin/drafts', { scope, code });
        location.hash = `#/admin/drafts/${draft.id}`;
      } catch (error) {
        const e = /** @type {any} */ (error);
        // Someone opened a draft meanwhile: there is one draft per standard, so continue that one.
        if (e?.code === 'draft_exists' && e.problem?.draftId) { location.hash = `#/admin/drafts/${e.problem.draftId}`; return; }
        show(error);
      }
    }

    /** @param {Record<string, any>} body @param {string} done */
    async function patch(body, done) {
      try {
        await api(`/api/v1/admin/services/${s.serviceId}`, { method: 'PATCH', body, headers: ifMatch(etag) });
        await redraw(done);
      } catch (error) {
        show(error);
      }
    }

    /** @param {'retire' | 'reinstate'} act */
    async function lifecycle(act) {
      const name = local(s.content.name);
      const asked = act === 'retire'
        ? reasonDialog({ title: t('stdRetireTitle', { name }), text: t('stdRetireText'), label: t('stdRetireReason'), yes: t('stdRetireYes'), danger: true })
        : reasonDialog({ title: t('stdReinstateTitle', { name }), text: t('stdReinstateText'), label: t('stdReinstateReason'), yes: t('stdReinstateYes') });
      dialog = asked;
      const reason = await asked.answer;
      dialog = null;
      if (reason === null) return;
      try {
        await post(`/api/v1/admin/services/${s.serviceId}/${act}`, { reason }, ifMatch(etag));
        await redraw(act === 'retire' ? t('stdRetiredDone') : t('stdReinstatedDone'));
      } catch (error) {
        show(error);
      }
    }

    /** @param {Standard} std */
    function noteForm(std) {
      const $id = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'std-note-id', rows: '3', maxlength: '1000', lang: 'id' }));
      const $en = /** @type {HTMLTextAreaElement} */ (h('textarea', { id: 'std-note-en', rows: '3', maxlength: '1000', lang: 'en' }));
      $id.value = std.localNote?.id ?? '';
      $en.value = std.localNote?.en ?? '';
      const $error = h('p', { class: 'error', role: 'alert', hidden: true, id: 'std-note-error' });
      const $form = h('form', { novalidate: true, class: 'std-note-form' }, [
        h('p', { class: 'hint' }, [t('stdNoteHint')]),
        $error,
        h('div', { class: 'field' }, [h('label', { for: 'std-note-id' }, [t('stdNoteId')]), $id]),
        h('div', { class: 'field' }, [h('label', { for: 'std-note-en' }, [t('stdNoteEn')]), $en]),
        h('div', { class: 'adm-actions' }, [
          h('button', { type: 'submit' }, [t('stdNoteSave')]),
          std.localNote ? h('button', { type: 'button', class: 'secondary', onclick: () => patch({ localNote: null }, t('stdNoteRemoved')) }, [t('stdNoteRemove')]) : '',
        ]),
      ]);
      $form.addEventListener('submit', (event) => {
        event.preventDefault();
        const note = { id: $id.value.trim(), en: $en.value.trim() };
        if (!note.id || !note.en) {
          $error.textContent = t('stdNoteBoth');
          $error.hidden = false;
          (note.id ? $en : $id).focus();
          return;
        }
        patch({ localNote: note }, t('stdNoteSaved'));
      });
      return h('details', { class: 'std-note-edit', open: false }, [h('summary', {}, [t('stdNoteEdit')]), $form]);
    }

    /** @param {unknown} error */
    function show(error) {
      // What was done before is no longer the news: the failure is.
      $flash.replaceChildren();
      $notice.replaceChildren(errorNotice(error, () => redraw('')));
      // Focus the notice, so it is read out and the reload button is the next stop.
      const $first = /** @type {HTMLElement} */ ($notice.firstElementChild);
      $first.setAttribute('tabindex', '-1');
      $first.focus();
    }
  }

  /** Reload the standard and say what was done (in the status line, which takes focus so it is read). */
  async function redraw(/** @type {string} */ done) {
    $flash.replaceChildren(done ? h('p', { class: 'card std-done' }, [done]) : '');
    await draw();
    if (done) { announce(done); $flash.focus(); } else /** @type {HTMLElement | null} */ ($main.querySelector('h1'))?.focus();
  }

  /** Who published each version, why and when; and two versions compared. */
  async function versionHistory() {
    const $section = h('section', { 'aria-labelledby': 'std-history-title' }, [h('h2', { id: 'std-history-title' }, [t('stdHistory')])]);
    /** @type {import('./standards/shared.js').Version[]} */
    let versions;
    try {
      const answer = await get(`${standardPath(scope, code)}/versions`);
      versions = answer.items ?? answer;
    } catch (error) {
      $section.append(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      return $section;
    }
    $section.append(h('ul', { class: 'adm-list std-history', id: 'std-history' }, versions.map((v) => {
      const $body = h('div', {});
      const $details = h('details', {}, [h('summary', {}, [t('stdVersionShow', { version: v.version })]), $body]);
      $details.addEventListener('toggle', async () => {
        if (!/** @type {HTMLDetailsElement} */ ($details).open || $body.childElementCount) return;
        try {
          const one = await get(`${standardPath(scope, code)}/versions/${v.version}`);
          $body.replaceChildren(contentView(one.content, names));
        } catch (error) {
          $body.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
        }
      });
      return h('li', { class: 'card', 'data-version': String(v.version) }, [
        h('h3', {}, [t('stdVersion', { version: v.version })]),
        h('p', { class: 'meta' }, [formatDate(v.publishedAt, true), ' · ', v.authorName || t('stdAuthorSystem')]),
        h('p', { class: 'std-reason-text' }, [v.reason]),
        $details,
      ]);
    })));
    if (versions.length > 1) $section.append(compare(versions));
    return $section;
  }

  /** @param {import('./standards/shared.js').Version[]} versions */
  function compare(versions) {
    const numbers = versions.map((v) => v.version).sort((a, b) => a - b);
    const pick = (/** @type {string} */ id, /** @type {number} */ chosen) => /** @type {HTMLSelectElement} */ (h('select', { id }, numbers.map((n) => h('option', { value: String(n), selected: n === chosen }, [t('stdVersion', { version: n })]))));
    const wanted = (/** @type {string} */ key, /** @type {number} */ fallback) => (numbers.includes(Number(ctx.query.get(key))) ? Number(ctx.query.get(key)) : fallback);
    const $from = pick('std-from', wanted('from', numbers[numbers.length - 2]));
    const $to = pick('std-to', wanted('to', numbers[numbers.length - 1]));
    const $result = h('div', { id: 'std-diff', 'aria-live': 'polite' });
    const $form = h('form', { class: 'card std-compare', novalidate: true, 'aria-labelledby': 'std-compare-title' }, [
      h('h2', { id: 'std-compare-title' }, [t('stdCompare')]),
      h('div', { class: 'std-pair' }, [
        h('div', { class: 'field' }, [h('label', { for: 'std-from' }, [t('stdCompareFrom')]), $from]),
        h('div', { class: 'field' }, [h('label', { for: 'std-to' }, [t('stdCompareTo')]), $to]),
      ]),
      h('button', { type: 'submit' }, [t('stdCompareButton')]),
      $result,
    ]);
    const run = async () => {
      const from = Number($from.value);
      const to = Number($to.value);
      // Kept in the address, so a reload shows the same comparison.
      history.replaceState(null, '', `#/admin/services/${encodeURIComponent(ctx.params.id)}?from=${from}&to=${to}`);
      try {
        const diff = await get(`${standardPath(scope, code)}/diff`, { from, to });
        $result.replaceChildren(diffTable(diff.changes, names, t('stdDiffCaption', { from, to })));
      } catch (error) {
        $result.replaceChildren(h('p', { class: 'error', role: 'alert' }, [problemText(error)]));
      }
    };
    $form.addEventListener('submit', (event) => { event.preventDefault(); run(); });
    if (ctx.query.get('from') && ctx.query.get('to')) run();
    return $form;
  }
}
