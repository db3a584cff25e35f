// What the staff screen's parts share: the API's shapes, the If-Match of a member of staff, "3 hari yang lalu",
// a region's agencies (fetched once per region), and the server's field errors in words.
// Contract: plain functions and one cache of agencies per region; owns no DOM.
import { ApiError, get } from '../../../api.js';
import { language, t } from '../../../i18n.js';

/**
 * @typedef {{ code: string, name: string }} Ref
 * @typedef {{ accountId: string, name: string, phone: string, roles: string[], agency: Ref | null, region: Ref | null,
 *   status: 'active' | 'suspended', hasPasskey: boolean, lastSignInAt: string | null, revision: number }} StaffItem
 * @typedef {{ accountId: string, enrolmentCode: string, link: string, expiresAt: string, qrSvg: string }} NewCode
 */

export const STAFF = '/api/v1/admin/staff';

/** The revision the admin read, for If-Match: a change made meanwhile by another admin is refused (412). */
export const ifMatch = (/** @type {StaffItem} */ item) => ({ 'If-Match': `"${item.revision}"` });

/** A name to address the person by (an invited citizen may have none yet). */
export const nameOf = (/** @type {{ name: string, phone: string }} */ person) => person.name || person.phone;

/** @type {[Intl.RelativeTimeFormatUnit, number][]} */
const UNITS = [['year', 31_536_000], ['month', 2_592_000], ['week', 604_800], ['day', 86_400], ['hour', 3_600], ['minute', 60]];

/**
 * When someone last signed in, as people say it ("3 hari yang lalu", "kemarin"); the language's own plural rules
 * come with Intl.RelativeTimeFormat.
 * @param {string | null} iso
 */
export function lastSignIn(iso) {
  if (!iso) return t('adminStaffNeverSignedIn');
  const seconds = (new Date(iso).getTime() - Date.now()) / 1000;
  const format = new Intl.RelativeTimeFormat(language() === 'en' ? 'en-GB' : 'id-ID', { numeric: 'auto' });
  for (const [unit, size] of UNITS) {
    if (Math.abs(seconds) >= size) return format.format(Math.round(seconds / size), unit);
  }
  return format.format(0, 'second');
}

/** @type {Map<string, Promise<Ref[]>>} */
const agencies = new Map();

/**
 * The agencies of a region's MPP (for the invitation and the change of agency), fetched once per region.
 * @param {string} region
 * @returns {Promise<Ref[]>}
 */
export function agenciesOf(region) {
  let found = agencies.get(region);
  if (!found) {
    found = get('/api/v1/agencies', { region }).then(
      (/** @type {{ items: Ref[] }} */ list) => list.items.map(({ code, name }) => ({ code, name })),
      (error) => { agencies.delete(region); throw error; },
    );
    agencies.set(region, found);
  }
  return found;
}

/** Sentences for fields the server refused (its own messages are English and never shown). */
const FIELD_TEXT = /** @type {Record<string, string>} */ ({
  phone: 'accountErr_invalid_phone',
  name: 'adminStaffNameInvalid',
  agency: 'adminStaffAgencyInvalid',
  region: 'adminStaffRegionMissing',
  role: 'adminStaffRoleNotAllowed',
});

/**
 * The field-level problems of an API error, in words: [field name, sentence].
 * @param {unknown} error
 * @returns {[string, string][]}
 */
export function fieldErrors(error) {
  if (!(error instanceof ApiError) || !Array.isArray(error.problem.errors)) return [];
  return error.problem.errors
    .map((/** @type {{ field?: string }} */ e) => String(e.field || '').replace(/^\$\./, ''))
    .filter((/** @type {string} */ field) => field in FIELD_TEXT)
    .map((/** @type {string} */ field) => [field, t(FIELD_TEXT[field])]);
}
