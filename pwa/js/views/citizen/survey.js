// Rating a service (SKM, PermenPANRB 14/2017): `#/applications/<id>/survey` for one of my completed or rejected
// applications, `#/surveys/<invitationId>` for any open invitation (a served ticket, or one picked from home).
// The nine questions (components/skm-form.js), then a thank-you screen. The answer counts once per transaction;
// a second one is refused by the server (409 survey_answered) and said in words.
//
// Who answered is never shown to staff; the line under the title says so, because people rate more honestly
// when they know.
import { ApiError, OfflineError, api, get } from '../../api.js';
import { t } from '../../i18n.js';
import { announce, formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';
import { createSkmForm } from '../../components/skm-form.js';
import { forgetKey, keyFor, openInvitations } from '../../components/feedback-common.js';
import { STATUS } from '../../statuses.js';

/**
 * @param {HTMLElement} $main
 * @param {import('../../router.js').RouteContext} ctx
 */
export default async function render($main, ctx) {
  const applicationId = ctx.params.id;
  const invitationId = ctx.params.invitationId;
  /** @type {{ title: string, meta: string, expires: string | null, back: string, backText: string, path: string,
   *   complain: string }} */
  let about;
  if (applicationId) {
    let a;
    try {
      a = await get(`/api/v1/applications/${encodeURIComponent(applicationId)}`);
    } catch (error) {
      $main.append(h('h1', {}, [t('titleSurvey')]), h('p', { class: 'card' }, [loadProblem(error)]));
      return;
    }
    const back = `#/applications/${a.id}`;
    if (a.status !== STATUS.completed && a.status !== STATUS.rejected) {
      $main.append(backLink(back, t('fbBackToApplication')), h('h1', {}, [t('titleSurvey')]), h('p', { class: 'card', id: 'fb-survey-closed' }, [t('accountErr_survey_not_open')]));
      return;
    }
    about = {
      title: a.service.name, meta: [a.number, a.agency.name].filter(Boolean).join(' · '), expires: null, back,
      backText: t('fbBackToApplication'), path: `/api/v1/applications/${a.id}/survey`, complain: `#/complaints/new?application=${a.id}`,
    };
    // The invitation says until when the survey stays open (and whether it still is).
    const open = (await openInvitations()).find((i) => i.kind === 'application' && i.ref === a.id);
    if (open) about.expires = open.expiresAt;
  } else {
    const found = (await openInvitations()).find((i) => i.id === invitationId);
    if (!found) {
      $main.append(backLink('#/', t('goHome')), h('h1', {}, [t('titleSurvey')]), h('p', { class: 'card', id: 'fb-survey-closed' }, [t('fbSurveyGone')]));
      return;
    }
    const complain = found.kind === 'application' ? `#/complaints/new?application=${found.ref}` : `#/complaints/new?ticket=${found.ref}`;
    about = {
      title: found.serviceName || found.agencyName,
      meta: [found.label, found.serviceName ? found.agencyName : '', formatDate(found.day)].filter(Boolean).join(' · '),
      expires: found.expiresAt,
      back: found.kind === 'application' ? `#/applications/${found.ref}` : '#/',
      backText: found.kind === 'application' ? t('fbBackToApplication') : t('goHome'),
      path: `/api/v1/surveys/${encodeURIComponent(found.id)}`, complain,
    };
  }

  const slot = `survey:${about.path}`;
  const form = createSkmForm({
    idPrefix: 'skm',
    onSend: async (answer) => {
      form.busy(true);
      try {
        await api(about.path, { method: 'POST', body: answer, headers: { 'Idempotency-Key': keyFor(slot, answer) } });
        forgetKey(slot);
        thanks();
      } catch (error) {
        form.busy(false);
        form.problem(refusal(error));
      }
    },
  });

  $main.append(
    backLink(about.back, about.backText),
    h('h1', {}, [t('titleSurvey')]),
    h('p', { class: 'fb-survey-about' }, [h('strong', {}, [about.title])]),
    about.meta ? h('p', { class: 'meta' }, [about.meta]) : '',
    h('p', { class: 'fb-private', id: 'fb-private' }, [t('fbSkmPrivacy')]),
    about.expires ? h('p', { class: 'hint' }, [t('fbSurveyUntil', { date: formatDate(about.expires) })]) : '',
    h('p', { class: 'hint' }, [t('fbSkmIntro')]),
    form.$el,
  );

  /** The form's place is taken by the thanks; the new heading gets the focus (the person just sent the form). */
  function thanks() {
    const $title = h('h1', { tabindex: '-1', id: 'fb-thanks-title' }, [t('fbSkmThanksTitle')]);
    $main.replaceChildren(h('section', { class: 'card fb-thanks', id: 'fb-thanks', 'aria-labelledby': 'fb-thanks-title' }, [
      $title,
      h('p', {}, [t('fbSkmThanksText')]),
      h('p', {}, [h('a', { class: 'button', href: about.back }, [about.backText])]),
      h('p', { class: 'hint' }, [t('fbThanksComplainHint'), ' ', h('a', { href: about.complain, id: 'fb-thanks-complain' }, [t('fbComplainLink')])]),
    ]));
    $title.focus();
    announce(t('fbSkmThanksTitle'));
  }

  /** @param {unknown} error @returns {(Node | string)[]} */
  function refusal(error) {
    if (error instanceof OfflineError) return [t('fbSurveyOffline')];
    if (error instanceof ApiError && error.code === 'survey_answered') {
      return [h('p', { id: 'fb-survey-answered' }, [t('accountErr_survey_answered')]), h('p', {}, [h('a', { href: about.back }, [about.backText])])];
    }
    return [problemText(error)];
  }
}

/** @param {string} href @param {string} text */
function backLink(href, text) {
  return h('p', {}, [h('a', { class: 'back', href }, [text])]);
}

/** @param {unknown} error */
function loadProblem(error) {
  if (error instanceof ApiError && error.status === 404) return t('accountErr_not_found');
  return error instanceof OfflineError ? t('offline') : problemText(error);
}
