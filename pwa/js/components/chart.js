// Accessible SVG charts for the staff and admin dashboards (views/stats/): columns or a line over periods, and
// horizontal bars across units (a breakdown, a ranking). No chart library and no build step: a few <rect>,
// <path> and <text> in a viewBox, so the chart scales to the phone's width instead of widening the page.
//
// Accessibility decisions:
// - The <svg> is one image (`role="img"`) named by its <title> and described by a <desc> that says, in words,
//   the range (lowest and highest, with their periods or units) and where the numbers are. Its shapes are not
//   read one by one: a screen reader user gets the same numbers, in order, from the real <table> behind it.
// - The table is always in the page. It is visually hidden (still read by screen readers) until "Tampilkan
//   tabel" is pressed, which shows it for sighted readers who want the exact numbers or to copy them; the button
//   says whether it is shown (aria-expanded) and names what it controls (aria-controls).
// - Nothing depends on colour alone: a value is printed next to each bar, and a missing value (no data, or a
//   share without a denominator) is drawn as a gap and written "–" in the table, never as a zero.
//
// Contract: `createChart(options)` receives the chart's id (a prefix for its elements' ids), its title, the
// points (label, value), the unit's formatter and the shape; it returns `$el`, a <figure> the caller places,
// which it owns. It keeps no state beyond the toggle, emits nothing, and has nothing to clean up (listeners are
// on its own elements).
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

const NS = 'http://www.w3.org/2000/svg';

/**
 * @typedef {object} ChartPoint
 * @property {string} label   the period or unit, in words (the table's row header, the bars' label)
 * @property {string} [short] a shorter label for the time axis ("5 Des" for the week of 5–11 December)
 * @property {number | null} value
 * @property {string} [href]  a unit's own page (a drill-down link in the table)
 *
 * @typedef {object} ChartOptions
 * @property {string} id            a prefix for the ids of the chart's elements (unique on the page)
 * @property {string} title         what is shown ("Permohonan diterima per minggu")
 * @property {string} labelHeading  the table's first column ("Periode", "Wilayah")
 * @property {string} valueHeading  the table's second column (the figure's name)
 * @property {ChartPoint[]} points
 * @property {(value: number | null) => string} format  a value in the reader's language, with its unit
 * @property {'columns' | 'line' | 'bars'} shape  columns/line: over periods; bars: across units
 * @property {number} [max]  the top of the scale when the unit has one (a share: 1; the IKM: 100)
 * @property {boolean} [whole] the values are counts: the scale's ticks are whole numbers
 */

/**
 * @param {string} tag @param {Record<string, string | number>} attrs @param {string} [text]
 * @returns {SVGElement}
 */
function svg(tag, attrs, text) {
  const $el = /** @type {SVGElement} */ (document.createElementNS(NS, tag));
  for (const [k, v] of Object.entries(attrs)) $el.setAttribute(k, String(v));
  if (text !== undefined) $el.textContent = text;
  return $el;
}

/** A round top for the scale (1, 2, 2.5 or 5 times a power of ten) above the largest value. @param {number} top */
function niceTop(top) {
  if (!(top > 0)) return 1;
  const power = 10 ** Math.floor(Math.log10(top));
  return ([1, 2, 2.5, 5, 10].find((step) => step * power >= top) ?? 10) * power;
}

/** A long name shortened for the chart's label column; the table keeps it whole. @param {string} text @param {number} max */
const clip = (text, max) => (text.length > max ? `${text.slice(0, max - 1)}…` : text);

/**
 * The <desc>: the lowest and the highest value with their labels, and where the rest is.
 * @param {ChartPoint[]} points @param {ChartOptions['format']} format
 */
function summary(points, format) {
  const known = points.filter((p) => p.value !== null);
  if (known.length === 0) return t('chartNoValues');
  const low = known.reduce((a, b) => (/** @type {number} */ (b.value) < /** @type {number} */ (a.value) ? b : a));
  const high = known.reduce((a, b) => (/** @type {number} */ (b.value) > /** @type {number} */ (a.value) ? b : a));
  return t('chartSummary', { low: format(low.value), lowLabel: low.label, high: format(high.value), highLabel: high.label });
}

/**
 * Columns or a line over periods, on a 320 × 180 box.
 * @param {SVGElement} $svg @param {ChartOptions} o @param {number} top
 */
function drawOverTime($svg, o, top) {
  const [left, right, upper, lower] = [48, 8, 10, 30];
  const width = 320 - left - right;
  const height = 180 - upper - lower;
  const n = o.points.length;
  const step = width / Math.max(1, n);
  const x = (/** @type {number} */ i) => left + step * i + step / 2;
  const y = (/** @type {number} */ v) => upper + height - (height * Math.max(0, Math.min(top, v))) / top;
  for (const tick of o.whole && !Number.isInteger(top / 2) ? [0, top] : [0, top / 2, top]) {
    $svg.append(svg('line', { x1: left, x2: left + width, y1: y(tick), y2: y(tick), class: 'chart-grid' }));
    $svg.append(svg('text', { x: left - 4, y: y(tick) + 4, 'text-anchor': 'end', class: 'chart-tick' }, o.format(tick)));
  }
  // The first and last periods always, the middle one when there is room: the table has every label.
  const labelled = n > 2 ? [0, Math.floor((n - 1) / 2), n - 1] : o.points.map((_, i) => i);
  for (const i of new Set(labelled)) {
    const anchor = n === 1 ? 'middle' : i === 0 ? 'start' : i === n - 1 ? 'end' : 'middle';
    const at = n === 1 ? x(0) : i === 0 ? left : i === n - 1 ? left + width : x(i);
    const point = o.points[i];
    $svg.append(svg('text', { x: at, y: 180 - 10, 'text-anchor': anchor, class: 'chart-tick' }, point.short ?? point.label));
  }
  if (o.shape === 'columns') {
    const bar = Math.max(1, Math.min(24, step * 0.7));
    o.points.forEach((p, i) => {
      if (p.value === null) return;
      $svg.append(svg('rect', { x: x(i) - bar / 2, y: y(p.value), width: bar, height: Math.max(0, upper + height - y(p.value)), class: 'chart-bar' }));
    });
    return;
  }
  // A line broken where a value is missing: joining over the gap would invent the periods in between.
  let d = '';
  let pen = false;
  o.points.forEach((p, i) => {
    if (p.value === null) { pen = false; return; }
    d += `${pen ? 'L' : 'M'}${x(i).toFixed(1)} ${y(p.value).toFixed(1)} `;
    pen = true;
  });
  if (d) $svg.append(svg('path', { d: d.trim(), class: 'chart-line' }));
  if (n <= 40) {
    o.points.forEach((p, i) => {
      if (p.value !== null) $svg.append(svg('circle', { cx: x(i), cy: y(p.value), r: 3, class: 'chart-dot' }));
    });
  }
}

/** The height of one unit's row in a bar chart: its name on a line of its own, the bar under it. */
const BAR_ROW = 34;

/**
 * Horizontal bars, one row per unit: the name above its bar (a phone has no room for a column of names beside
 * the bars), the value printed after the bar.
 * @param {SVGElement} $svg @param {ChartOptions} o @param {number} top
 */
function drawBars($svg, o, top) {
  const span = 320 - 60; // room for the value after the longest bar
  o.points.forEach((p, i) => {
    const y = i * BAR_ROW;
    $svg.append(svg('text', { x: 0, y: y + 12, class: 'chart-label' }, clip(p.label, 52)));
    const width = p.value === null ? 0 : (span * Math.max(0, Math.min(top, p.value))) / top;
    $svg.append(svg('rect', { x: 0, y: y + 17, width: Math.max(width, p.value === null ? 0 : 1), height: 12, rx: 2, class: 'chart-bar' }));
    $svg.append(svg('text', { x: width + 4, y: y + 28, class: 'chart-value' }, o.format(p.value)));
  });
}

/**
 * @param {ChartOptions} o
 * @returns {{ $el: HTMLElement }}
 */
export function createChart(o) {
  const values = o.points.map((p) => p.value).filter((v) => v !== null);
  // Counts get a top with a whole middle tick (0, 1, 2 rather than 0, 1, 1 once rounded).
  const top = o.max ?? Math.max(o.whole ? 2 : 0, niceTop(Math.max(0, ...values.map(Number))));
  const height = o.shape === 'bars' ? Math.max(1, o.points.length) * BAR_ROW + 2 : 180;
  const $svg = svg('svg', {
    viewBox: `0 0 320 ${height}`, role: 'img', 'aria-labelledby': `${o.id}-title ${o.id}-desc`,
    class: 'chart', id: `${o.id}-svg`, preserveAspectRatio: 'xMinYMin meet', focusable: 'false',
  });
  $svg.append(svg('title', { id: `${o.id}-title` }, o.title), svg('desc', { id: `${o.id}-desc` }, summary(o.points, o.format)));
  if (o.shape === 'bars') drawBars($svg, o, top); else drawOverTime($svg, o, top);

  const $table = h('table', { class: 'stats-table', id: `${o.id}-table` }, [
    h('caption', {}, [o.title]),
    h('thead', {}, [h('tr', {}, [
      h('th', { scope: 'col' }, [o.labelHeading]),
      h('th', { scope: 'col', class: 'num' }, [o.valueHeading]),
    ])]),
    h('tbody', {}, o.points.map((p) => h('tr', {}, [
      h('th', { scope: 'row' }, [p.href ? h('a', { href: p.href }, [p.label]) : p.label]),
      h('td', { class: 'num' }, [o.format(p.value)]),
    ]))),
  ]);
  // Hidden visually, not from screen readers, until asked for; its wrapper scrolls, never the page.
  const $wrap = h('div', { class: 'stats-table-wrap visually-hidden', id: `${o.id}-data` }, [$table]);
  const $toggle = h('button', {
    type: 'button', class: 'secondary chart-toggle', id: `${o.id}-toggle`, 'aria-expanded': 'false', 'aria-controls': `${o.id}-data`,
  }, [t('chartShowTable')]);
  $toggle.addEventListener('click', () => {
    const show = $toggle.getAttribute('aria-expanded') !== 'true';
    $toggle.setAttribute('aria-expanded', String(show));
    $toggle.textContent = show ? t('chartHideTable') : t('chartShowTable');
    $wrap.classList.toggle('visually-hidden', !show);
    // Shown, it is a scrollable region a keyboard can reach; hidden, it must not take a Tab stop.
    for (const [name, value] of [['tabindex', '0'], ['role', 'region'], ['aria-labelledby', `${o.id}-title-text`]]) {
      if (show) $wrap.setAttribute(name, value); else $wrap.removeAttribute(name);
    }
  });
  const $el = h('figure', { class: 'chart-figure', id: o.id }, [
    h('figcaption', { id: `${o.id}-title-text`, class: 'chart-caption' }, [o.title]),
    $svg,
    $toggle,
    $wrap,
  ]);
  return { $el };
}
