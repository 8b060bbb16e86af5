// Shared by every page: the API wrapper (401 → login page), the header, helpers.
import { applyI18n, t, toggleLang } from './i18n.js';

export async function api(path, opts = {}) {
  const init = { credentials: 'same-origin', ...opts, headers: { ...(opts.body ? { 'content-type': 'application/json' } : {}), ...opts.headers } };
  if (opts.body && typeof opts.body !== 'string') init.body = JSON.stringify(opts.body);
  const r = await fetch(path, init);
  if (r.status === 401 && !path.endsWith('/login')) {
    location.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
    throw new Error('unauthorized');
  }
  const body = r.headers.get('content-type')?.includes('json') ? await r.json() : null;
  if (!r.ok) throw Object.assign(new Error(body?.message ?? r.statusText), { status: r.status, body });
  return body;
}

export function el(tag, attrs = {}, ...children) {
  const e = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k.startsWith('on')) e.addEventListener(k.slice(2), v);
    else if (k === 'dataset') Object.assign(e.dataset, v);
    else if (v !== undefined && v !== null && v !== false) e.setAttribute(k, v === true ? '' : v);
  }
  for (const c of children.flat()) if (c !== null && c !== undefined) e.append(c instanceof Node ? c : String(c));
  return e;
}

const NAV = [
  ['index.html', 'navCentre'],
  ['review.html', 'navReview'],
  ['cameras.html', 'navCameras'],
  ['zones.html', 'navZones'],
];

/** Renders the header and returns the logged-in user. */
export async function boot() {
  const me = await api('/api/me');
  const here = location.pathname.split('/').pop() || 'index.html';
  const header = el('header', { class: 'top' },
    el('span', { class: 'brand', 'data-i18n': 'app' }),
    el('nav', {}, NAV.filter(([href]) => href !== 'zones.html' || me.role === 'admin').map(([href, key]) =>
      el('a', { href, class: href === here ? 'on' : '', 'data-i18n': key }))),
    el('span', { class: 'who', id: 'who' }, `${me.name} · ${me.role}`),
    el('button', { class: 'link', id: 'lang', onclick: toggleLang }, t('lang')),
    el('button', { class: 'link', id: 'logout', onclick: async () => { await api('/api/logout', { method: 'POST', body: {} }); location.href = '/login.html'; }, 'data-i18n': 'logout' }),
  );
  document.body.prepend(header);
  applyI18n();
  return me;
}

export function stateBadge(state) {
  return el('span', { class: `badge s-${state}`, 'data-state': state }, t(`state_${state}`));
}

/** Subscribes to the SSE alert stream; returns the EventSource. */
export function onAlerts(fn) {
  const es = new EventSource('/api/alerts/stream');
  es.addEventListener('alert', (e) => fn(JSON.parse(e.data)));
  return es;
}
