// Shared by every page: the API wrapper (401 → login page), the header, helpers. Every request
// of every page goes through api(), so a header all requests need is added in one place.
import { applyI18n, fmtTime, t, toggleLang } from './i18n.js';

// The session's CSRF token (login and /api/me hand it out); sent on every state change.
let csrfToken = null;

export async function api(path, opts = {}) {
  const unsafe = opts.method && opts.method !== 'GET';
  const init = { credentials: 'same-origin', ...opts, headers: {
    ...(opts.body ? { 'content-type': 'application/json' } : {}),
    ...(unsafe && csrfToken ? { 'x-csrf-token': csrfToken } : {}),
    ...opts.headers } };
  if (opts.body && typeof opts.body !== 'string') init.body = JSON.stringify(opts.body);
  const r = await fetch(path, init);
  if (r.status === 401 && !path.endsWith('/login')) {
    location.href = `/login.html?next=${encodeURIComponent(location.pathname + location.search)}`;
    // The page is being left: never settle, so no caller goes on and nothing is reported as uncaught.
    return new Promise(() => {});
  }
  const body = r.headers.get('content-type')?.includes('json') ? await r.json() : null;
  if (r.status === 403 && body?.error === 'notice_required') return toNotice();
  if (typeof body?.csrfToken === 'string') csrfToken = body.csrfToken;
  if (!r.ok) throw Object.assign(new Error(body?.message ?? r.statusText), { status: r.status, body });
  return body;
}

/** To the data-security notice, coming back here afterwards; never settles (the page is left). */
function toNotice() {
  location.href = `/notice.html?next=${encodeURIComponent(location.pathname + location.search)}`;
  return new Promise(() => {});
}

/** The page's `?next=` when it is a path of this origin ('//evil.host' and '/\\evil.host' are not), else /index.html. */
export function nextPath() {
  const next = new URLSearchParams(location.search).get('next');
  const to = next ? new URL(next, location.origin) : null;
  return to && to.origin === location.origin ? to.pathname + to.search + to.hash : '/index.html';
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

// Each page and the permission (from /api/me) it needs; the matrix itself lives only on the server.
const NAV = [
  ['index.html', 'navCentre', 'stats:read'],
  ['review.html', 'navReview', 'cases:read'],
  ['cameras.html', 'navCameras', 'cameras:read'],
  ['zones.html', 'navZones', 'cameras:read'],
  ['parties.html', 'navParties', 'parties:read'],
  ['legal.html', 'navLegal', 'legal:review'],
  ['users.html', 'navUsers', 'users:manage'],
];

/** Whether the logged-in user may perform `action` (as /api/me lists it). */
export const can = (me, action) => me.permissions.includes(action);

/** Renders the header and returns the logged-in user. */
export async function boot() {
  const me = await api('/api/me');
  // A session that has not acknowledged the data-security notice sees it before any page.
  if (me.noticePending) await toNotice();
  const here = location.pathname.split('/').pop() || 'index.html';
  const header = el('header', { class: 'top' },
    el('span', { class: 'brand', 'data-i18n': 'app' }),
    el('nav', {}, NAV.filter(([, , perm]) => can(me, perm)).map(([href, key]) =>
      el('a', { href, class: href === here ? 'on' : '', 'data-i18n': key }))),
    el('span', { class: 'who', id: 'who', dataset: { role: me.role } }, `${me.name} · ${t(`role_${me.role}`)}`),
    el('button', { class: 'link', id: 'lang', onclick: toggleLang }, t('lang')),
    el('button', { class: 'link', id: 'logout', onclick: async () => { await api('/api/logout', { method: 'POST', body: {} }); location.href = '/login.html'; }, 'data-i18n': 'logout' }),
  );
  document.body.prepend(header);
  // Outside the duty window the server refuses every read; say why instead of empty pages.
  if (me.offDuty) header.after(el('p', { class: 'banner off-duty', id: 'off-duty' }, `${t('offDuty')}（${me.offDuty}）`));
  applyI18n();
  return me;
}

/** Copies text to the clipboard (falls back to a selection when the Clipboard API is unavailable). */
export async function copyText(text, button) {
  try {
    await navigator.clipboard.writeText(text);
  } catch {
    const ta = el('textarea', { style: 'position:fixed;left:-9999px' }, text);
    document.body.append(ta);
    ta.select();
    document.execCommand('copy');
    ta.remove();
  }
  if (button) {
    button.textContent = t('copied');
    setTimeout(() => (button.textContent = t('copy')), 1500);
  }
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

/**
 * A banner under the header while new evidence is refused (GET /api/ops/alerts, every
 * `everyMs`); it goes away by itself once the evidence workers accept evidence again.
 */
export function watchEvidenceIntake(everyMs = 10_000) {
  const banner = el('div', { class: 'banner', id: 'intake', role: 'alert', hidden: true });
  document.querySelector('header.top').after(banner);
  const check = async () => {
    const refused = (await api('/api/ops/alerts').catch(() => null))?.evidence?.refused ?? [];
    banner.replaceChildren(...refused.map((r) => el('div', { dataset: { reason: r.reason }, title: r.message },
      el('strong', {}, t(`intake_${r.reason}`)), ' · ', t('intakeDetail', { since: fmtTime(r.since), count: r.count }))));
    banner.hidden = refused.length === 0;
  };
  void check();
  setInterval(check, everyMs);
}
