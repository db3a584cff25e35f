// Hash routes (`/#/applications/<id>`): static hosting needs no server fallback, and push notifications and SMS
// links already point at them. Views are loaded with import() when first shown, so officer and kiosk code is
// never downloaded in citizen mode (nor admin code anywhere but on an admin's device).
//
// A view module's default export: `async render($main, ctx) => (cleanup function | void)`.
// It fills $main (already empty), and its first <h1> receives focus so screen readers announce the new screen.
import * as session from './session.js';
import { t } from './i18n.js';
import { h } from './lib/dom.js';

/**
 * @typedef {'public' | 'citizen' | 'staff' | 'admin' | 'kiosk'} Access
 * @typedef {{ pattern: string, load: () => Promise<any>, access: Access, title: string }} Route
 * @typedef {{ params: Record<string, string>, query: URLSearchParams, path: string }} RouteContext
 */

/** @type {Route[]} */
export const routes = [
  // Citizen mode (and anyone not signed in).
  { pattern: '/', load: () => import('./views/citizen/home.js'), access: 'public', title: 'titleHome' },
  { pattern: '/services/:id', load: () => import('./views/citizen/service.js'), access: 'public', title: 'titleService' },
  { pattern: '/signin', load: () => import('./views/citizen/signin.js'), access: 'public', title: 'titleSignIn' },
  { pattern: '/signin/national', load: () => import('./views/citizen/signin-national.js'), access: 'public', title: 'titleSignInNational' },
  { pattern: '/wallet', load: () => import('./views/citizen/wallet.js'), access: 'citizen', title: 'titleWallet' },
  { pattern: '/wallet/:id', load: () => import('./views/citizen/document.js'), access: 'citizen', title: 'titleDocument' },
  { pattern: '/apply/:serviceId', load: () => import('./views/citizen/apply.js'), access: 'citizen', title: 'titleApply' },
  { pattern: '/applications', load: () => import('./views/citizen/applications.js'), access: 'citizen', title: 'titleApplications' },
  { pattern: '/applications/:id', load: () => import('./views/citizen/application.js'), access: 'citizen', title: 'titleApplication' },
  { pattern: '/outbox', load: () => import('./views/citizen/outbox.js'), access: 'citizen', title: 'titleOutbox' },
  { pattern: '/notifications', load: () => import('./views/citizen/notifications.js'), access: 'citizen', title: 'titleNotifications' },
  { pattern: '/settings', load: () => import('./views/citizen/settings.js'), access: 'public', title: 'titleSettings' },
  { pattern: '/settings/identity', load: () => import('./views/citizen/identity.js'), access: 'citizen', title: 'titleIdentity' },
  { pattern: '/settings/family', load: () => import('./views/citizen/family.js'), access: 'citizen', title: 'titleFamily' },
  // Single sign-on (issue 19): an agency system asks to sign the citizen in (consent), signing out of every
  // connected system at once, and the systems the citizen has allowed.
  // Public: the view itself sends a visitor to sign in, unless the system asked for no screen at all (prompt=none).
  { pattern: '/sso/:id', load: () => import('./views/citizen/sso.js'), access: 'public', title: 'titleSso' },
  { pattern: '/sso/logout/:id', load: () => import('./views/citizen/sso-logout.js'), access: 'public', title: 'titleSsoLogout' },
  { pattern: '/settings/connected', load: () => import('./views/citizen/connected.js'), access: 'citizen', title: 'titleConnected' },
  // The queue (antrian): bookings at the counters, and following a ticket from its QR (no sign-in).
  { pattern: '/queue', load: () => import('./views/citizen/bookings.js'), access: 'citizen', title: 'titleQueueMine' },
  { pattern: '/queue/book/:serviceId', load: () => import('./views/citizen/booking.js'), access: 'citizen', title: 'titleQueueBook' },
  { pattern: '/queue/:id', load: () => import('./views/citizen/booking-detail.js'), access: 'citizen', title: 'titleQueueBooking' },
  { pattern: '/q/:token', load: () => import('./views/citizen/ticket.js'), access: 'public', title: 'titleQueueFollow' },
  // Feedback (issue 17): rating a service (SKM) and complaints (pengaduan).
  { pattern: '/applications/:id/survey', load: () => import('./views/citizen/survey.js'), access: 'citizen', title: 'titleSurvey' },
  { pattern: '/surveys/:invitationId', load: () => import('./views/citizen/survey.js'), access: 'citizen', title: 'titleSurvey' },
  { pattern: '/complaints', load: () => import('./views/citizen/complaints.js'), access: 'citizen', title: 'titleComplaints' },
  { pattern: '/complaints/new', load: () => import('./views/citizen/complaint-new.js'), access: 'citizen', title: 'titleComplaintNew' },
  { pattern: '/complaints/:id', load: () => import('./views/citizen/complaint.js'), access: 'citizen', title: 'titleComplaint' },
  // Officer mode: staff accounts.
  { pattern: '/officer', load: () => import('./views/officer/inbox.js'), access: 'staff', title: 'titleInbox' },
  { pattern: '/officer/applications/:id', load: () => import('./views/officer/review.js'), access: 'staff', title: 'titleReview' },
  { pattern: '/officer/workload', load: () => import('./views/officer/workload.js'), access: 'staff', title: 'titleWorkload' },
  { pattern: '/officer/identity', load: () => import('./views/officer/identity.js'), access: 'staff', title: 'titleCounterCheck' },
  { pattern: '/officer/mandates', load: () => import('./views/officer/mandates.js'), access: 'staff', title: 'titleOfficerMandates' },
  { pattern: '/officer/counter', load: () => import('./views/officer/counter.js'), access: 'staff', title: 'titleQueueCounter' },
  { pattern: '/officer/queue-stats', load: () => import('./views/officer/queue-stats.js'), access: 'staff', title: 'titleQueueStats' },
  // Feedback (issue 17): the agency's complaints and its SKM index with the survey comments.
  { pattern: '/officer/complaints', load: () => import('./views/officer/complaints.js'), access: 'staff', title: 'titleStaffComplaints' },
  { pattern: '/officer/complaints/:id', load: () => import('./views/officer/complaint.js'), access: 'staff', title: 'titleStaffComplaint' },
  { pattern: '/officer/skm', load: () => import('./views/officer/skm.js'), access: 'staff', title: 'titleStaffSkm' },
  { pattern: '/officer/skm/comments', load: () => import('./views/officer/skm-comments.js'), access: 'staff', title: 'titleStaffSkmComments' },
  // Admin mode: region and national admins (staff accounts), after their passkey step.
  { pattern: '/admin', load: () => import('./views/admin/home.js'), access: 'admin', title: 'titleAdminHome' },
  { pattern: '/admin/kiosks', load: () => import('./views/admin/kiosks.js'), access: 'admin', title: 'titleAdminKiosks' },
  { pattern: '/admin/staff', load: () => import('./views/admin/staff.js'), access: 'admin', title: 'titleAdminStaff' },
  { pattern: '/admin/sso', load: () => import('./views/admin/sso.js'), access: 'admin', title: 'titleAdminSso' },
  { pattern: '/admin/sso/:id', load: () => import('./views/admin/sso.js'), access: 'admin', title: 'titleAdminSso' },
  // Integrations (issue 20): agencies' webhook endpoints with their dead deliveries, and the OSS reconciliation's
  // differences.
  { pattern: '/admin/webhooks', load: () => import('./views/admin/webhooks.js'), access: 'admin', title: 'titleAdminWebhooks' },
  { pattern: '/admin/oss', load: () => import('./views/admin/oss.js'), access: 'admin', title: 'titleAdminOss' },
  { pattern: '/admin/notifications', load: () => import('./views/admin/notifications.js'), access: 'admin', title: 'titleAdminFailed' },
  { pattern: '/admin/services', load: () => import('./views/admin/services.js'), access: 'admin', title: 'titleAdminServices' },
  { pattern: '/admin/services/:id', load: () => import('./views/admin/service.js'), access: 'admin', title: 'titleAdminService' },
  { pattern: '/admin/drafts/:id', load: () => import('./views/admin/draft.js'), access: 'admin', title: 'titleAdminDraft' },
  { pattern: '/admin/building', load: () => import('./views/admin/building.js'), access: 'admin', title: 'titleAdminBuilding' },
  { pattern: '/admin/calendar', load: () => import('./views/admin/calendar.js'), access: 'admin', title: 'titleAdminCalendar' },
  { pattern: '/admin/transfer', load: () => import('./views/admin/transfer.js'), access: 'admin', title: 'titleAdminTransfer' },
  { pattern: '/admin/queue', load: () => import('./views/admin/queue.js'), access: 'admin', title: 'titleAdminQueue' },
  { pattern: '/admin/complaints', load: () => import('./views/admin/complaints.js'), access: 'admin', title: 'titleStaffComplaints' },
  { pattern: '/admin/complaints/:id', load: () => import('./views/admin/complaints.js'), access: 'admin', title: 'titleStaffComplaint' },
  { pattern: '/admin/skm', load: () => import('./views/admin/skm.js'), access: 'admin', title: 'titleStaffSkm' },
  { pattern: '/admin/skm/comments', load: () => import('./views/officer/skm-comments.js'), access: 'admin', title: 'titleStaffSkmComments' },
  // Figures (issue 18): the performance dashboard (a supervisor's agency in officer mode, an admin's region or the
  // nation), the national ranking, and an MPP's public page (its region's code or its id in the address).
  { pattern: '/officer/stats', load: () => import('./views/stats/dashboard.js'), access: 'staff', title: 'titleStats' },
  { pattern: '/admin/stats', load: () => import('./views/stats/dashboard.js'), access: 'admin', title: 'titleStats' },
  { pattern: '/admin/stats/ranking', load: () => import('./views/stats/ranking.js'), access: 'admin', title: 'titleStatsRanking' },
  { pattern: '/mpp/:id', load: () => import('./views/stats/public-mpp.js'), access: 'public', title: 'titleMppPerformance' },
  // Kiosk mode: a registered kiosk device.
  { pattern: '/kiosk', load: () => import('./views/kiosk/home.js'), access: 'public', title: 'titleKiosk' },
  { pattern: '/kiosk/services/:id', load: () => import('./views/kiosk/service.js'), access: 'kiosk', title: 'titleService' },
  { pattern: '/kiosk/pair', load: () => import('./views/kiosk/pair.js'), access: 'public', title: 'titleKioskPair' },
  { pattern: '/kiosk/status', load: () => import('./views/kiosk/status.js'), access: 'kiosk', title: 'titleKioskStatus' },
  // The queue's display board: a TV in the building, nobody signed in (the region in the address).
  { pattern: '/board/:region', load: () => import('./views/board/board.js'), access: 'public', title: 'titleBoard' },
  { pattern: '/kiosk/queue', load: () => import('./views/kiosk/queue.js'), access: 'kiosk', title: 'titleKioskQueue' },
  { pattern: '/kiosk/queue/checkin', load: () => import('./views/kiosk/queue-checkin.js'), access: 'kiosk', title: 'titleKioskCheckIn' },
  { pattern: '/kiosk/queue/survey', load: () => import('./views/kiosk/queue-survey.js'), access: 'kiosk', title: 'titleKioskSurvey' },
];

/**
 * @param {string} path
 * @returns {{ route: Route, params: Record<string, string> } | null}
 */
export function match(path) {
  for (const route of routes) {
    const names = /** @type {string[]} */ ([]);
    const source = route.pattern.replace(/:(\w+)/g, (_, name) => { names.push(name); return '([^/]+)'; });
    const found = new RegExp(`^${source}$`).exec(path);
    if (found) return { route, params: Object.fromEntries(names.map((n, i) => [n, decodeURIComponent(found[i + 1])])) };
  }
  return null;
}

/** The path and query of the current hash: `#/applications?status=x` → ['/applications', URLSearchParams]. */
export function current() {
  const raw = location.hash.replace(/^#/, '') || '/';
  const [path, query = ''] = raw.split('?');
  return { path: path || '/', query: new URLSearchParams(query) };
}

/** @param {string} path e.g. '/applications/123' */
export function go(path) {
  location.hash = `#${path}`;
}

/** @type {(() => void) | void} */
let cleanup;
let sequence = 0;

/**
 * Whether the session may open a route; otherwise where to send the user instead.
 * @param {Access} access
 * @returns {string | null}
 */
function redirectFor(access) {
  const k = session.kind();
  if (access === 'public') return null;
  if (access === 'kiosk') return k === 'kiosk' ? null : '/kiosk';
  if (!session.signedIn()) return `/signin?next=${encodeURIComponent(current().path)}`;
  if (access === 'citizen' && k !== 'citizen') return session.home();
  if ((access === 'staff' || access === 'admin') && k !== 'staff') return '/';
  // Staff who signed in with a code must confirm with a passkey before any officer or admin screen.
  if (access !== 'citizen' && session.scope() === 'mfa') return '/signin?step=passkey';
  // Officers and admins each have their own screens; the other's would only answer "not allowed".
  if (access === 'staff' && session.isAdmin()) return '/admin';
  if (access === 'admin' && !session.isAdmin()) return '/officer';
  return null;
}

/** Render the route of the current hash into $main. */
export async function render() {
  const $main = /** @type {HTMLElement} */ (document.getElementById('main'));
  const { path, query } = current();
  const found = match(path);
  const seq = ++sequence;
  if (!found) {
    show($main, [h('h1', { tabindex: '-1' }, [t('notFound')]), h('p', {}, [h('a', { href: '#/' }, [t('goHome')])])]);
    return;
  }
  const redirect = redirectFor(found.route.access);
  if (redirect) { location.replace(`#${redirect}`); return; }
  let module;
  try {
    module = await found.route.load();
  } catch {
    // A module not yet cached and no network: say so rather than leave a blank screen.
    if (seq === sequence) show($main, [h('h1', { tabindex: '-1' }, [t('offlineScreen')]), h('p', {}, [t('offlineScreenHelp')])]);
    return;
  }
  if (seq !== sequence) return; // the user moved on while the module loaded
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  $main.replaceChildren();
  document.title = `${t(found.route.title)} · MPP Digital`;
  /** @type {RouteContext} */
  const ctx = { params: found.params, query, path };
  cleanup = await module.default($main, ctx);
  if (seq !== sequence) return;
  focusHeading($main);
}

/**
 * @param {HTMLElement} $main
 * @param {(Node | string)[]} children
 */
function show($main, children) {
  if (typeof cleanup === 'function') cleanup();
  cleanup = undefined;
  $main.replaceChildren(...children);
  focusHeading($main);
}

/** @param {HTMLElement} $main */
function focusHeading($main) {
  const $h1 = $main.querySelector('h1');
  if (!$h1) return;
  // Focus the heading (not the first control) so a screen reader reads the new screen from its title.
  if (!$h1.hasAttribute('tabindex')) $h1.setAttribute('tabindex', '-1');
  if (document.activeElement === document.body || !$main.contains(document.activeElement)) $h1.focus({ preventScroll: false });
}

export function start() {
  addEventListener('hashchange', render);
  return render();
}
