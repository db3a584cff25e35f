// What the figures' screens share (views/stats/: the staff and admin dashboard, the national ranking, the public
// MPP page): their stylesheet, the figures' definitions as the API words them, numbers in the reader's language,
// the filters kept in the URL, the CSV download and the errors in words.
//
// Figure names and definitions are never written here: `GET /api/v1/stats/definitions` gives them in the reader's
// language, as written once in api/stats/definitions.py, so the page and the open data say the same thing.
import { api, get } from '../../api.js';
import { language, t } from '../../i18n.js';
import { formatDate, h } from '../../lib/dom.js';
import { problemText } from '../../lib/problem.js';

/**
 * @typedef {'count' | 'share' | 'days' | 'minutes' | 'index'} FigureUnit
 * @typedef {{ key: string, name: string, description: string, unit: FigureUnit, higherIsBetter: boolean }} Definition
 * @typedef {Record<string, number | null>} Figures
 * @typedef {{ kind: string, code: string, name: string }} UnitRef
 */

/** The figures in the order the screens show them, grouped as a reader looks for them. */
export const GROUPS = /** @type {const} */ ([
  ['statsGroupApplications', ['applicationsReceived', 'applicationsDecided', 'applicationsCompleted', 'applicationsRejected',
    'applicationsWithdrawn', 'decidedWithinSlaShare', 'decideDaysMedian', 'decideDaysP90', 'overdueNow',
    'correctionsRequested', 'digitalTakeUp']],
  ['statsGroupQueue', ['ticketsIssued', 'ticketsServed', 'noShows', 'waitMinutesMedian', 'waitMinutesP90', 'estimateAccuracy']],
  ['statsGroupSkm', ['skmIndex', 'skmRespondents']],
  ['statsGroupComplaints', ['complaintsReceived', 'complaintsAnswered', 'complaintsAnsweredOnTimeShare']],
]);

/** The stylesheet of these screens, added by them (once): nobody else downloads it. */
export function loadStyles() {
  if (document.querySelector('link[data-stats-css]')) return;
  document.head.append(h('link', { rel: 'stylesheet', href: '/css/stats.css', 'data-stats-css': true }));
}

/** @type {Map<string, Promise<Map<string, Definition>>>} */
const definitionsByLanguage = new Map();

/**
 * The figures' definitions in the reader's language, asked once per language (they change only with a release).
 * @returns {Promise<Map<string, Definition>>}
 */
export function definitions() {
  const lang = language();
  let found = definitionsByLanguage.get(lang);
  if (!found) {
    found = get('/api/v1/stats/definitions').then((body) => new Map((body.items || []).map((/** @type {Definition} */ d) => [d.key, d])));
    // A failure is not remembered: the next screen asks again.
    found.catch(() => definitionsByLanguage.delete(lang));
    definitionsByLanguage.set(lang, found);
  }
  return found;
}

/** A figure's name, or its key when the definitions could not be read. @param {Map<string, Definition>} defs @param {string} key */
export const figureName = (defs, key) => defs.get(key)?.name || key;

/**
 * A figure's value in the reader's language: counts whole ("1.234"), shares as percentages ("87,5%"), days and
 * minutes with at most one decimal, the IKM with two ("83,33"); "–" when there is no value (a share of nothing,
 * a suppressed count), never 0.
 * @param {number | null | undefined} value
 * @param {FigureUnit | undefined} unit
 */
export function formatFigure(value, unit) {
  if (value === null || value === undefined || !Number.isFinite(Number(value))) return '–';
  const locale = language() === 'en' ? 'en-GB' : 'id-ID';
  const options = unit === 'share' ? { style: 'percent', maximumFractionDigits: 1 }
    : unit === 'index' ? { minimumFractionDigits: 2, maximumFractionDigits: 2 }
      : unit === 'count' ? { maximumFractionDigits: 0 } : { maximumFractionDigits: 1 };
  return new Intl.NumberFormat(locale, /** @type {Intl.NumberFormatOptions} */ (options)).format(Number(value));
}

/** The top of a unit's scale when it has one (a share: 100 %; the IKM: 100). @param {FigureUnit | undefined} unit */
export const scaleTop = (unit) => (unit === 'share' ? 1 : unit === 'index' ? 100 : undefined);

/** @param {string | null} value */
export const isDay = (value) => /^\d{4}-\d{2}-\d{2}$/.test(value || '');

/** A date `days` after a `YYYY-MM-DD` date. @param {string} date @param {number} days */
export function addDays(date, days) {
  const [y, m, d] = date.split('-').map(Number);
  return new Date(Date.UTC(y, m - 1, d + days)).toISOString().slice(0, 10);
}

/** Today in Western Indonesia (WIB), the calendar of the nation's and most units' figures. */
export const todayWib = () => new Date(Date.now() + 7 * 3_600_000).toISOString().slice(0, 10);

/**
 * A hash with its query: empty values left out, so a shared link carries only what was chosen.
 * @param {string} base e.g. '#/admin/stats'
 * @param {Record<string, string | undefined | null>} params
 */
export function withQuery(base, params) {
  const query = new URLSearchParams(Object.entries(params).filter((e) => Boolean(e[1])).map(([k, v]) => [k, String(v)])).toString();
  return `${base}${query ? `?${query}` : ''}`;
}

/** "1 November 2026 – 30 November 2026". @param {string} from @param {string} to */
export const periodText = (from, to) => t('statsPeriodText', { from: formatDate(from), to: formatDate(to) });

/** When the figures were last brought up to date, in words ("Data per 5 Des 2026 09.12"). @param {string | null | undefined} asOf */
export const asOfText = (asOf) => (asOf ? t('statsAsOf', { at: formatDate(asOf, true) }) : t('statsAsOfNever'));

/**
 * An error of these screens in words: not allowed, too long a period, or the problem's code (lib/problem.js).
 * @param {unknown} error
 */
export function statsErrorText(error) {
  const status = /** @type {{ status?: number }} */ (error)?.status;
  if (status === 403) return t('statsErrForbidden');
  if (status === 404) return t('statsErrNotFound');
  return problemText(error);
}

/**
 * The definitions of the figures shown, under a <details> ("Definisi angka"): every number on the page says what
 * it counts, in the words written once in the API.
 * @param {Map<string, Definition>} defs
 * @param {string[]} keys
 * @param {string} id
 */
export function definitionsBlock(defs, keys, id) {
  const known = keys.filter((key) => defs.has(key));
  return h('details', { class: 'card stats-definitions', id }, [
    h('summary', {}, [t('statsDefinitions')]),
    known.length ? h('dl', {}, known.flatMap((key) => [
      h('dt', { id: `${id}-${key}` }, [figureName(defs, key)]),
      h('dd', {}, [/** @type {Definition} */ (defs.get(key)).description]),
    ])) : h('p', {}, [t('statsDefinitionsMissing')]),
  ]);
}

/**
 * A "Unduh CSV" button: the same request as the screen's with `format=csv`, fetched with the session's token
 * (a plain link could not send it) and saved under the server's file name.
 * Contract: receives the path, a function giving the current query, an id and a fallback file name; owns the
 * button and its status line (returned in one wrapper); the object URLs it makes are pushed to `urls`, which the
 * view revokes in its cleanup.
 * @param {{ path: string, params: () => Record<string, string | undefined>, id: string, fallback: string, urls: string[], auth?: boolean }} o
 */
export function csvButton({ path, params, id, fallback, urls, auth = true }) {
  const $status = h('p', { class: 'status', role: 'status', id: `${id}-status` });
  const $button = /** @type {HTMLButtonElement} */ (h('button', { type: 'button', class: 'secondary', id }, [t('statsDownloadCsv')]));
  $button.addEventListener('click', async () => {
    $button.disabled = true;
    $status.textContent = t('statsDownloading');
    try {
      /** @type {Response} */
      const response = await api(path, { params: { ...params(), format: 'csv' }, as: 'response', auth, headers: { Accept: 'text/csv' } });
      const name = /filename="?([^";]+)"?/.exec(response.headers.get('Content-Disposition') || '')?.[1] || fallback;
      const url = URL.createObjectURL(await response.blob());
      urls.push(url);
      const $a = h('a', { href: url, download: name, hidden: true });
      document.body.append($a);
      $a.click();
      $a.remove();
      $status.textContent = t('statsDownloaded', { name });
    } catch (error) {
      $status.textContent = statsErrorText(error);
    } finally {
      $button.disabled = false;
    }
  });
  return h('div', { class: 'stats-csv' }, [$button, $status]);
}

/** A unit's kind in words ("Provinsi", "Instansi"). @param {string} kind */
export const kindText = (kind) => t(`statsKind_${kind}`);

/** An API name that may come as a string or an {id, en} pair. @param {any} value */
export function nameOf(value) {
  if (!value) return '';
  if (typeof value === 'string') return value;
  return String((language() === 'en' ? value.en : value.id) ?? value.id ?? value.name ?? '');
}
