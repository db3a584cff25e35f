// The import's answers in words: a problem's place in the file (`localServices[3].requirements[0].type`) as a person
// reads it ("Layanan daerah ke-4 › Persyaratan 1 › Jenis dokumen"), with the path itself beside it for whoever edits
// the YAML; the server's sentence in the screen's language; and the changes, grouped by what they change.
//
// Contract: render functions only (fresh nodes each call, no state); owns no DOM beyond the nodes it returns.
import { language, t } from '../../../i18n.js';
import { h } from '../../../lib/dom.js';
import { fieldText } from '../building/shared.js';
import { pathLabel, problemMessage } from '../standards/words.js';

/**
 * @typedef {{ field: string, detail?: string, message?: string }} Problem
 * @typedef {{ kind: 'building' | 'agency' | 'service' | 'overlay' | 'counter', action: 'add' | 'change' | 'retire',
 *   code: string, name: string, fields: string[], version?: number | null }} Change
 * @typedef {{ valid: boolean, applied: boolean, basis: string, problems: Problem[], changes: Change[] }} Answer
 */

/** The kinds of change, in the order the screen lists them. */
export const KINDS = /** @type {const} */ (['building', 'agency', 'service', 'overlay', 'counter']);

// The server's sentences about a file (api/catalogue/transfer_check.py, transfer.py): a fixed set, each with its words.
const MESSAGES = /** @type {Record<string, string>} */ ({
  "must be one region's catalogue (a mapping with code, name, mpp, agencies…)": 'xferErr_document',
  "differs from the region's record; an import does not rename a region": 'xferErr_notThisRegion',
  'is neither a national agency kind nor one of ownAgencies': 'xferErr_unknownAgency',
  'is listed twice': 'xferErr_twice',
  'is a national agency kind: list it in agencies only': 'xferErr_nationalKind',
  'is not in agencies': 'xferErr_notInAgencies',
  "is not a national agency kind in agencies (an own agency's names are in ownAgencies)": 'xferErr_notNationalKind',
  'cannot change: the agency exists with another kind': 'xferErr_kindFixed',
  'must be at most 200 characters': 'xferErr_tooLong',
  'must be at most 30 characters': 'xferErr_tooLong30',
  'must be at most 500 characters': 'xferErr_tooLong500',
  "is not an active service of this counter's agency": 'xferErr_notServiceOfAgency',
  'is the code of a national service': 'xferErr_nationalCode',
  'is not a national service of an agency in agencies': 'xferErr_notInherited',
  'is not a service of this region in this file': 'xferErr_notOffered',
  'cannot leave the MPP while it has active services, counters or staff': 'xferErr_inUse',
  'is the number of another live counter': 'xferErr_numberTaken',
  'is the code of another service': 'xferErr_codeTaken',
  'was refused by the database (it clashes with another record)': 'xferErr_database',
  'say why (1-500 characters)': 'xferErr_reason',
  'unknown field': 'xferErr_unknownField',
  'is required': 'xferErr_required',
  'must be an object': 'xferErr_shape',
  'must be a list': 'xferErr_shape',
  'must be a list of time ranges': 'xferErr_shape',
});

/**
 * A problem's sentence: the server's own on an English screen; on an Indonesian one, by what it says (the file's
 * own sentences, then the building's, then a service standard's).
 * @param {Problem} problem
 */
export function problemWords(problem) {
  const said = String(problem.message ?? problem.detail ?? '');
  if (language() === 'en' && said) return said;
  if (MESSAGES[said]) return t(MESSAGES[said]);
  const building = fieldText(said);
  if (building !== t('bldErr_other')) return building;
  return problemMessage({ field: problem.field, detail: said });
}

const WEEKDAY = /** @type {Record<string, string>} */ ({
  mon: 'xferDay_mon', tue: 'xferDay_tue', wed: 'xferDay_wed', thu: 'xferDay_thu', fri: 'xferDay_fri', sat: 'xferDay_sat', sun: 'xferDay_sun',
});

/** Top-level parts of the file and of its building, with their labels' keys. */
const PARTS = /** @type {Record<string, string>} */ ({
  document: 'xferPath_document', code: 'xferPath_code', name: 'xferPath_name', nameEn: 'xferPath_nameEn',
  place: 'xferPath_place', kind: 'xferPath_kind', province: 'xferPath_province', agencies: 'xferPath_agencies',
  localServices: 'xferPath_localServices', reason: 'xferPath_reason', mpp: 'xferPath_mpp', overlay: 'xferPath_overlay',
  'mpp.name': 'xferPath_mppName', 'mpp.address': 'xferPath_mppAddress', 'mpp.phone': 'xferPath_mppPhone',
  'mpp.latitude': 'xferPath_mppLatitude', 'mpp.longitude': 'xferPath_mppLongitude',
  'mpp.openingHours': 'xferPath_hours', 'mpp.counters': 'xferPath_counters', 'overlay.hidden': 'xferPath_hidden',
  'overlay.notes': 'xferPath_notes',
});

/** The parts of an agency or a counter. */
const SUB = /** @type {Record<string, string>} */ ({
  code: 'xferSub_code', name: 'xferSub_name', 'name.id': 'xferSub_nameId', 'name.en': 'xferSub_nameEn',
  shortName: 'xferSub_shortName', kind: 'xferSub_kind', number: 'xferSub_number', agency: 'xferSub_agency',
  services: 'xferSub_services',
});

/**
 * A place in the file in words.
 * @param {string} path
 */
export function pathWords(path) {
  let m = path.match(/^localServices\[(\d+)\](?:\.(.+))?$/);
  if (m) return [t('xferPath_service', { which: Number(m[1]) + 1 }), m[2] ? pathLabel(m[2]) : ''].filter(Boolean).join(' › ');
  m = path.match(/^mpp\.counters\[(\d+)\](?:\.([a-zA-Z]+)(?:\[(\d+)\])?)?$/);
  if (m) {
    const part = m[2] ? t(SUB[m[2]] || 'xferSub_other') + (m[3] ? ` ${Number(m[3]) + 1}` : '') : '';
    return [t('xferPath_counter', { which: Number(m[1]) + 1 }), part].filter(Boolean).join(' › ');
  }
  m = path.match(/^mpp\.openingHours\.(\w+)(?:\[(\d+)\])?$/);
  if (m) return [t('xferPath_hours'), t(WEEKDAY[m[1]] || 'xferSub_other'), m[2] ? t('xferPath_range', { which: Number(m[2]) + 1 }) : ''].filter(Boolean).join(' › ');
  m = path.match(/^(agencies|overlay\.hidden)\[(\d+)\]$/);
  if (m) return `${t(PARTS[m[1]])} › ${t('xferPath_line', { which: Number(m[2]) + 1 })}`;
  m = path.match(/^ownAgencies\[(\d+)\](?:\.(.+))?$/);
  if (m) return [t('xferPath_ownAgency', { which: Number(m[1]) + 1 }), m[2] ? t(SUB[m[2]] || 'xferSub_other') : ''].filter(Boolean).join(' › ');
  m = path.match(/^(agencyNames|agencyShortNames|overlay\.notes)\.([^.]+)/);
  if (m) return t(m[1] === 'agencyNames' ? 'xferPath_agencyName' : m[1] === 'agencyShortNames' ? 'xferPath_agencyShortName' : 'xferPath_note', { code: m[2] });
  m = path.match(/^province\.(code|name)$/);
  if (m) return t('xferPath_province');
  return PARTS[path] ? t(PARTS[path]) : path;
}

/**
 * The problems of a file: each in words, at its place, with the path for whoever edits the YAML.
 * @param {Problem[]} problems
 */
export function problemList(problems) {
  return h('ul', { class: 'xfer-problems' }, problems.map((p) => h('li', {}, [
    h('p', { class: 'xfer-where' }, [pathWords(p.field)]),
    h('p', {}, [problemWords(p)]),
    h('p', { class: 'meta' }, [h('code', {}, [p.field])]),
  ])));
}

/** What changes in a change, in words (a service's content paths as the standards' screens name them). */
function fieldsWords(/** @type {Change} */ change) {
  return change.fields.map((f) => {
    if (f === 'reinstated') return t('xferReinstated');
    if (change.kind === 'service') return pathLabel(f);
    const key = `xferField_${change.kind}_${f.replace(/\W/g, '_')}`;
    const text = t(key);
    return text === key ? f : text;
  });
}

/**
 * One change: what it does to what, and (once applied) the version it published.
 * @param {Change} change
 */
function changeItem(change) {
  const reinstated = change.fields.includes('reinstated');
  const action = t(reinstated ? 'xferAction_reinstated' : `xferAction_${change.kind}_${change.action}`);
  const fields = fieldsWords(change).filter((f) => f !== t('xferReinstated'));
  return h('li', { class: `xfer-change xfer-${change.action}` }, [
    h('p', {}, [h('span', { class: 'badge xfer-badge' }, [action]), ' ', h('strong', {}, [change.name]), ' ', h('span', { class: 'meta' }, [`(${change.code})`])]),
    fields.length ? h('p', { class: 'meta' }, [t('xferChanged', { fields: fields.join(', ') })]) : '',
    change.version ? h('p', { class: 'xfer-version' }, [t('xferVersion', { version: change.version })]) : '',
  ]);
}

/**
 * The changes grouped by kind (the building, agencies, services, the overlay, counters), each group with its count.
 * @param {Change[]} changes
 */
export function changeList(changes) {
  return h('div', { class: 'xfer-changes' }, KINDS.map((kind) => {
    const items = changes.filter((c) => c.kind === kind);
    if (!items.length) return null;
    return h('section', { class: 'xfer-group', 'aria-label': t(`xferKind_${kind}`) }, [
      h('h3', {}, [t(`xferKind_${kind}`), ' ', h('span', { class: 'meta' }, [`(${items.length})`])]),
      h('ul', {}, items.map(changeItem)),
    ]);
  }));
}
