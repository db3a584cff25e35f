// The timeline card: every step of the application, oldest first, with who did it and why.
//
// Contract
// - Receives: the application (its `timeline`).
// - Owns: the <section> it returns (redrawn with the screen; no state, no listeners).
import { t } from '../../../i18n.js';
import { formatDate, h } from '../../../lib/dom.js';
import { statusBadge } from '../common.js';

/** @param {import('../review.js').OfficerApplication} app */
export function timelineCard(app) {
  return h('section', { class: 'card off-area-timeline', 'aria-labelledby': 'off-timeline-title' }, [
    h('h2', { id: 'off-timeline-title' }, [t('officerTimeline')]),
    h('ol', { class: 'off-timeline' }, (app.timeline || []).map((e) => h('li', {}, [
      h('strong', {}, [t(`officerAct_${e.action}`)]), ' ', statusBadge(e.toStatus),
      h('p', { class: 'meta' }, [formatDate(e.at, true), e.actor ? ` · ${t('officerBy', { name: e.actor })}` : '']),
      e.reason ? h('p', {}, [e.reason]) : null,
    ]))),
  ]);
}
