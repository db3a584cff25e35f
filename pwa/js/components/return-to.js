// Where to go back to after a detour (the wallet's upload, the profile form), from a `back` query parameter.
// Only a route of this app is accepted: a path that starts with one "/" and holds no scheme, host or backslash,
// so a link such as `#/wallet?back=https://evil.example` cannot send a person off-site (an open redirect).
//
// Contract: pure functions, no DOM, nothing to clean up.

/**
 * The `back` route if it is one of ours, else null.
 * @param {string | null | undefined} back e.g. "/apply/1234"
 * @returns {string | null}
 */
export function internalRoute(back) {
  if (!back || back.length > 300) return null;
  if (!/^\/(?![/\\])[A-Za-z0-9\-._~/?=&%]*$/.test(back)) return null;
  return back;
}

/**
 * The route with one query parameter set, e.g. withParam('/apply/1?x=1', 'document', id).
 * @param {string} route
 * @param {string} name
 * @param {string} value
 */
export function withParam(route, name, value) {
  const [path, query = ''] = route.split('?');
  const params = new URLSearchParams(query);
  params.set(name, value);
  return `${path}?${params}`;
}
