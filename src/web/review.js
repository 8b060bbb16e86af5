// Officer review: frames (original beside annotated, zoomable), clip, confirm or reject with
// a reason, all from the keyboard. Verdicts arrive at other screens through SSE.
import { api, boot, el, onAlerts, stateBadge } from './app.js';
import { fmtTime, t } from './i18n.js';

const REASONS = ['not_violation', 'duplicate', 'wrong_type', 'image_unusable'];
// The moment of the violation first; before and after below it.
const ROLES = ['at', 'before', 'after'];
const me = await boot();
const list = document.getElementById('list');
const detail = document.getElementById('detail');
let cases = [];
let current = null;
let rejecting = false;
const canReview = me.role !== 'auditor';
const canVerify = ['admin', 'commander', 'auditor'].includes(me.role);
const canAudit = ['admin', 'auditor'].includes(me.role);

async function loadList() {
  const { items } = await api('/api/cases?limit=100');
  // Waiting ones first, then the rest by time, so the officer's queue is on top.
  cases = items.sort((a, b) => (b.state === 'pending_review') - (a.state === 'pending_review') || b.openedAt - a.openedAt);
  list.replaceChildren(...cases.map((c) => el('li', { class: current?.id === c.id ? 'sel' : '', dataset: { case: c.id }, onclick: () => select(c.id) },
    el('div', {}, el('strong', {}, t(`cat_${c.category}`)), ' ', stateBadge(c.state)),
    el('div', { class: 'meta' }, `${c.district} · ${c.street} · ${fmtTime(c.openedAt)}`))));
}

const fileUrl = (id, name) => `/api/cases/${id}/evidence/view?name=${encodeURIComponent(name)}`;

async function select(id) {
  const c = await api(`/api/cases/${id}`);
  current = c;
  rejecting = false;
  history.replaceState(null, '', `?case=${id}`);
  for (const li of list.children) li.classList.toggle('sel', li.dataset.case === id);
  let files = [];
  try {
    files = (await api(`/api/cases/${id}/evidence`)).files;
  } catch { /* not sealed yet */ }
  const byKind = (k) => files.find((f) => f.kind === k);
  const clip = byKind('clip');
  detail.replaceChildren(
    el('h2', {}, t(`cat_${c.category}`), ' ', el('span', { id: 'state' }, stateBadge(c.state))),
    el('div', { class: 'meta' }, `${t('camera')}: ${c.cameraId} · ${c.district} · ${c.street} · ${t('score')} ${Math.round(c.score * 100)}% · ${fmtTime(c.openedAt)}`),
    el('div', { class: 'actions' },
      el('button', { class: 'ok', id: 'confirm', disabled: !canReview || c.state !== 'pending_review', onclick: confirmCase }, `${t('confirm')} (C)`),
      el('button', { class: 'bad', id: 'reject', disabled: !canReview || !['new', 'pending_review', 'confirmed'].includes(c.state), onclick: () => showReasons(true) }, `${t('reject')} (R)`),
      el('span', { class: 'reasons', id: 'reasons', hidden: true },
        REASONS.map((r, i) => el('button', { dataset: { reason: r }, onclick: () => rejectCase(r) }, `${i + 1} ${t(`reason_${r}`)}`))),
      el('span', { class: 'meta', id: 'verdict' }, c.reason ? `${t('reason')}: ${t(`reason_${c.reason}`)}` : '')),
    el('p', { class: 'hint' }, t('shortcuts')),
    el('div', { class: 'frames' }, ROLES.flatMap((role) => {
      const o = byKind(`original:${role}`);
      const a = byKind(`annotated:${role}`);
      return [o, a].filter(Boolean).map((f) => el('figure', {},
        el('img', { src: fileUrl(c.id, f.name), alt: f.name, dataset: { kind: f.kind }, onclick: (e) => zoom(e.target.src) }),
        el('figcaption', {}, `${t(f.kind.startsWith('original') ? 'original' : 'annotated')} · ${role}`)));
    })),
    // The clip is served as sealed (re-encoding per view is costly); the viewer's mark is drawn over it here.
    clip ? el('div', {}, el('h2', {}, t('clip')), el('div', { class: 'livebox', style: 'max-width:100%' },
      el('video', { src: fileUrl(c.id, clip.name), controls: true, style: 'max-width:100%; display:block' }),
      el('div', { class: 'mark' }, `${me.name} · ${fmtTime(Date.now())}`))) : '',  // replaceChildren would print null
    el('div', { class: 'meta', id: 'verify' }),
    el('h2', {}, t('history')),
    el('table', { id: 'history' }, c.history.map((h) => el('tr', {},
      el('td', {}, fmtTime(h.at)), el('td', {}, h.actor.replace(/^(user|apikey):\S+ /, '')), el('td', {}, h.from ? t(`state_${h.from}`) : ''), el('td', {}, '→ ', t(`state_${h.to}`)),
      el('td', {}, h.reason ? t(`reason_${h.reason}`) : '')))),
    canAudit ? el('div', {}, el('h2', {}, t('auditTrail')), el('table', { id: 'audit' })) : '',
  );
  if (canVerify && c.bundleId) {
    api(`/api/cases/${c.id}/verify`).then((v) => {
      const box = document.getElementById('verify');
      box.className = v.ok ? 'h-live' : 'h-down';
      box.dataset.ok = String(v.ok);
      box.textContent = v.ok ? `✔ ${t('verified')} · ${v.bundleId}` : `✖ ${t('notVerified')}: ${v.problems.join('; ')}`;
    }).catch(() => {});
  }
  if (canAudit) {
    const { items } = await api(`/api/cases/${c.id}/audit`);
    document.getElementById('audit').replaceChildren(...items.map((e) => el('tr', {},
      el('td', {}, String(e.seq)), el('td', {}, fmtTime(e.at)), el('td', {}, e.actor.replace(/^(user|apikey):\S+ /, '')),
      el('td', {}, e.action), el('td', { class: 'meta' }, e.details.purpose ?? e.details.to ?? ''), el('td', { class: 'meta' }, e.details.variant ?? ''),
      el('td', { class: 'meta', title: e.hash }, e.hash.slice(0, 12)))));
  }
}

function showReasons(on) {
  rejecting = on;
  document.getElementById('reasons').hidden = !on;
}

async function confirmCase() {
  if (!current || document.getElementById('confirm').disabled) return;
  await api(`/api/cases/${current.id}/confirm`, { method: 'POST', body: {} });
  await after();
}

async function rejectCase(reason) {
  if (!current) return;
  await api(`/api/cases/${current.id}/reject`, { method: 'POST', body: { reason } });
  await after();
}

async function after() {
  await loadList();
  await select(current.id);
}

const zoomBox = document.getElementById('zoom');
const zoomImg = zoomBox.querySelector('img');
let zs = 1, zx = 0, zy = 0;
function zoom(src) {
  zoomImg.src = src;
  zs = 1; zx = 0; zy = 0;
  zoomImg.style.transform = '';
  zoomBox.classList.add('on');
}
zoomBox.addEventListener('wheel', (e) => {
  e.preventDefault();
  const k = e.deltaY < 0 ? 1.2 : 1 / 1.2;
  zx = e.clientX - (e.clientX - zx) * k; zy = e.clientY - (e.clientY - zy) * k; zs *= k;
  zoomImg.style.transform = `translate(${zx}px,${zy}px) scale(${zs})`;
}, { passive: false });
let drag = null;
zoomBox.addEventListener('mousedown', (e) => (drag = { x: e.clientX - zx, y: e.clientY - zy, moved: false }));
zoomBox.addEventListener('mousemove', (e) => {
  if (!drag) return;
  drag.moved = true; zx = e.clientX - drag.x; zy = e.clientY - drag.y;
  zoomImg.style.transform = `translate(${zx}px,${zy}px) scale(${zs})`;
});
zoomBox.addEventListener('mouseup', () => { if (drag && !drag.moved) zoomBox.classList.remove('on'); drag = null; });

document.addEventListener('keydown', (e) => {
  if (e.target.matches('input, textarea, select')) return;
  const k = e.key.toLowerCase();
  if (k === 'escape') { zoomBox.classList.remove('on'); showReasons(false); return; }
  if (!current) return;
  if (k === 'c' && canReview) confirmCase();
  else if (k === 'r' && canReview && !document.getElementById('reject').disabled) showReasons(!rejecting);
  else if (rejecting && k >= '1' && k <= '4') rejectCase(REASONS[Number(k) - 1]);
  else if (k === 'z') { const img = detail.querySelector('img[data-kind="annotated:at"]'); if (img) zoom(img.src); }
  else if (k === 'j' || k === 'k') {
    const i = cases.findIndex((c) => c.id === current.id) + (k === 'j' ? 1 : -1);
    if (cases[i]) select(cases[i].id);
  }
});

await loadList();
const want = new URLSearchParams(location.search).get('case');
if (want) await select(want).catch(() => {});
else if (cases[0]) await select(cases[0].id);
if (canReview) {
  onAlerts(async (a) => {
    await loadList();
    if (current?.id === a.caseId) await select(a.caseId);
  });
}
document.body.dataset.ready = '1';
