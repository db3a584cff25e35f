// The officer's document viewer. Document content needs the bearer token, so it cannot be a plain <img src>:
// it is fetched as a blob and shown from an object URL (revoked when replaced or when the screen closes, so
// citizens' documents do not linger in memory). Images get zoom buttons; PDFs open in an <iframe>, with a
// download link as the fallback for browsers that cannot show PDFs inline.
import { api } from '../api.js';
import { t } from '../i18n.js';
import { h } from '../lib/dom.js';

const STEPS = [50, 75, 100, 150, 200, 300];

export function createViewer() {
  /** @type {string | null} */
  let url = null;
  let request = 0;
  const $body = h('div', { class: 'off-viewer-body' }, [h('p', { class: 'hint' }, [t('officerViewerEmpty')])]);
  const $title = h('h2', { id: 'off-viewer-title' }, [t('officerViewer')]);
  const $el = h('section', { class: 'off-viewer card', 'aria-labelledby': 'off-viewer-title', 'aria-busy': 'false' }, [$title, $body]);

  const release = () => {
    if (url) URL.revokeObjectURL(url);
    url = null;
  };

  /**
   * @param {{ id: string, mediaType?: string }} doc
   * @param {string} name
   */
  async function show(doc, name) {
    const mine = ++request;
    $el.setAttribute('aria-busy', 'true');
    $title.textContent = `${t('officerViewer')}: ${name}`;
    $body.replaceChildren(h('p', { class: 'status', role: 'status' }, [t('officerViewerLoading')]));
    let blob;
    try {
      blob = await api(`/api/v1/officer/documents/${doc.id}/content`, { as: 'blob' });
    } catch {
      if (mine === request) {
        $body.replaceChildren(h('p', { class: 'error', role: 'alert' }, [t('officerViewerError')]));
        $el.setAttribute('aria-busy', 'false');
      }
      return;
    }
    if (mine !== request) return; // another document was chosen meanwhile
    release();
    url = URL.createObjectURL(blob);
    const type = blob.type || doc.mediaType || '';
    const download = h('a', { href: url, download: name.replace(/[^\w.-]+/g, '_'), class: 'button secondary' }, [t('officerDownload', { name })]);
    if (type.startsWith('image/')) $body.replaceChildren(...image(url, name), h('p', {}, [download]));
    else if (type === 'application/pdf') {
      $body.replaceChildren(h('iframe', { src: url, title: name }), h('p', {}, [download]));
    } else $body.replaceChildren(h('p', {}, [download]));
    $el.setAttribute('aria-busy', 'false');
  }

  return { $el, show, destroy: release };
}

/**
 * An image with zoom buttons (not pinch only: keyboard and mouse users at a desk need them too).
 * @param {string} src @param {string} name
 */
function image(src, name) {
  let step = STEPS.indexOf(100);
  const $img = /** @type {HTMLImageElement} */ (h('img', { src, alt: t('officerDocImage', { name }) }));
  const $level = h('span', { class: 'off-zoom-level', 'aria-live': 'polite' }, [t('officerZoomLevel', { n: 100 })]);
  // Focusable so keyboard users can scroll a zoomed image with the arrow keys.
  const $frame = h('div', { class: 'off-viewer-frame', tabindex: '0', role: 'region', 'aria-label': t('officerDocImage', { name }) }, [$img]);
  const apply = () => {
    const percent = STEPS[step];
    // Fit the frame at 100 %, then scale from there: a phone photo is far wider than the column.
    $img.style.width = `${percent}%`;
    $level.textContent = t('officerZoomLevel', { n: percent });
  };
  apply();
  const button = (/** @type {string} */ key, /** @type {() => void} */ act) => h('button', { type: 'button', class: 'secondary', onclick: () => { act(); apply(); } }, [t(key)]);
  return [
    h('div', { class: 'off-zoom' }, [
      button('officerZoomOut', () => { step = Math.max(0, step - 1); }),
      button('officerZoomIn', () => { step = Math.min(STEPS.length - 1, step + 1); }),
      button('officerZoomReset', () => { step = STEPS.indexOf(100); }),
      $level,
    ]),
    $frame,
  ];
}
