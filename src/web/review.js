// Officer review, built around the decision: the facts first (rule, place, time, party, phone
// numbers and plates as copyable text), then the evidence (original beside annotated, zoomable,
// with loading states), then confirm or reject with a reason — all from the keyboard. Verdicts
// reach other screens through SSE. What the user may do comes from /api/me's permissions.
import { api, boot, watchEvidenceIntake, can, copyText, el, onAlerts, stateBadge } from './app.js';
import { actorName, fmtTime, t } from './i18n.js';
import { showCaseParty } from './case-party.js';

const REASONS = ['not_violation', 'duplicate', 'wrong_type', 'image_unusable'];
// The moment of the violation first; before and after below it.
const ROLES = ['at', 'before', 'after'];
// List tabs: each shows one set of states, with its count.
// Confirmed runs on through the city back half (送达 … 缴款) until the case is closed (已结案).
const TABS = {
  pending: ['new', 'pending_review'], warned: ['warned'],
  confirmed: ['confirmed', 'dispatched', 'resolved', 'delivered', 'acknowledged', 'statement_received', 'decided', 'paid'],
  closed: ['closed'], rejected: ['rejected'], all: null,
};
const me = await boot();
watchEvidenceIntake();
const list = document.getElementById('list');
const tabs = document.getElementById('tabs');
const detail = document.getElementById('detail');
let all = [];
let cases = [];
let tab = new URLSearchParams(location.search).get('tab') ?? 'pending';
if (!(tab in TABS)) tab = 'pending';
let current = null;
let rejecting = false;
const canReview = can(me, 'cases:review');
const canVerify = can(me, 'evidence:verify');
const canAudit = can(me, 'audit:read');
const cameras = new Map((await api('/api/cameras').catch(() => ({ items: [] }))).items.map((c) => [c.id, c]));

async function loadList() {
  // Warned cases (限时整改, in their grace period) are listed only when asked for by state.
  const [filed, warned] = await Promise.all([api('/api/cases?limit=500'), api('/api/cases?state=warned&limit=500')]);
  all = [...filed.items, ...warned.items].sort((a, b) => b.openedAt - a.openedAt);
  renderList();
}

function renderList() {
  const inTab = (c, k) => !TABS[k] || TABS[k].includes(c.state);
  cases = all.filter((c) => inTab(c, tab));
  tabs.replaceChildren(...Object.keys(TABS).map((k) => el('button', {
    class: `tab${k === tab ? ' on' : ''}`, dataset: { tab: k },
    onclick: () => { tab = k; renderList(); },
  }, t(`tab_${k}`), ' ', el('span', { class: 'count' }, String(all.filter((c) => inTab(c, k)).length)))));
  list.replaceChildren(...(cases.length ? cases.map((c) => el('li', { class: current?.id === c.id ? 'sel' : '', dataset: { case: c.id }, onclick: () => select(c.id) },
    el('div', {}, el('strong', {}, t(`cat_${c.category}`)), ' ', stateBadge(c.state)),
    el('div', {}, cameras.get(c.cameraId)?.name ?? c.cameraId),
    el('div', { class: 'meta' }, `${c.district} · ${c.street} · ${fmtTime(c.openedAt)}`)))
    : [el('li', { class: 'empty meta' }, t('noCases'))]));
}

/** The history: the state changes and, between them, the legal review's decisions (法制审核通过 / 退回), by time. */
function historyRows(c) {
  const rows = [
    ...c.history.map((h) => ({ at: h.at, actor: h.actor, event: h.to,
      cells: [h.from ? t(`state_${h.from}`) : '', ['→ ', t(`state_${h.to}`)], h.reason ? t(`reason_${h.reason}`) : ''] })),
    ...(c.legal ?? []).map((e) => ({ at: e.at, actor: e.actor, event: e.action, cells: ['', t(`action_${e.action}`), e.note ?? ''] })),
  ];
  // A stable sort: each kind is already in order, so ties keep the transition first.
  return rows.sort((a, b) => a.at - b.at).map((r) => el('tr', { dataset: { event: r.event } },
    el('td', {}, fmtTime(r.at)), el('td', {}, actorName(r.actor)), ...r.cells.map((x) => el('td', {}, x))));
}

/** `bundle`: 'after' for a warn-first case's after bundle (限时整改), else the case's own. */
const fileUrl = (id, name, bundle) => `/api/cases/${id}/evidence/view?name=${encodeURIComponent(name)}${bundle === 'after' ? '&bundle=after' : ''}`;
const WARN_OUTCOME = { self_corrected: 'warnSelfCorrected', filed: 'warnFiled' };

/**
 * Readings the detection stage attached to the case's hit (src/contracts/attributes.ts): ads
 * carry `phones` (PhoneReading: number, confidence, source line) or just `phoneNumbers`;
 * spillage and parking carry one voted `plate` ({plate, confidence}). Strings or objects.
 */
function readings(c, kind) {
  const a = c.attributes ?? {};
  const fallback = kind === 'phones' ? a.phoneNumbers : a.plate ? [a.plate] : undefined;
  const src = c.readings?.[kind] ?? a[kind] ?? fallback ?? c[kind] ?? [];
  return src.map((r) => (typeof r === 'string' ? { text: r } : { text: r.number ?? r.plate ?? r.text, confidence: r.confidence, source: r.source }))
    .filter((r) => r.text);
}

function readingList(kind, items) {
  return el('ul', { class: 'readings', id: kind }, items.map((r) => {
    // A number masked for this viewer (no pii:read) is no use on the clipboard: no copy button.
    const masked = r.text.includes('*');
    const btn = masked ? null : el('button', { class: 'copy', dataset: { copy: r.text }, onclick: () => copyText(r.text, btn) }, t('copy'));
    return el('li', {}, el('span', { class: 'reading' }, r.text), masked ? el('span', { class: 'meta' }, ` ${t('masked')}`) : [' ', btn],
      r.confidence !== undefined ? el('span', { class: 'meta' }, ` ${t('confidence')} ${Math.round(r.confidence * 100)}%`) : null,
      r.source ? el('span', { class: 'meta' }, ` · ${t('sourceLine')}「${r.source}」`) : null);
  }));
}

function facts(c) {
  const cam = cameras.get(c.cameraId);
  const phones = readings(c, 'phones');
  const plates = readings(c, 'plates');
  const row = (key, ...value) => [el('dt', {}, t(key)), el('dd', { dataset: { fact: key } }, ...value)];
  return el('dl', { class: 'facts', id: 'facts' },
    row('rule', t(`cat_${c.category}`)),
    row('place', el('strong', {}, cam?.name ?? c.cameraId), ' ', el('span', {}, [cam?.address, c.district, c.street].filter(Boolean).join(' · '))),
    row('openedAt', fmtTime(c.openedAt)),
    row('party', el('span', { id: 'party-box' }, t('loading'))),
    c.warning ? row('warnFirst', `${t('graceUntil')} ${fmtTime(c.warning.graceUntil)} · ${t(WARN_OUTCOME[c.warning.outcome] ?? 'warnWaiting')}`,
      c.warning.decidedBy === 'officer' ? ` · ${t('warnByOfficer')}${c.warning.note ? `：${c.warning.note}` : ''}` : '') : [],
    // Said plainly: a filed case without the after frame must not read as "seen again after the grace end".
    c.warning?.noAfterFrame ? row('noAfterFrame', el('strong', { class: 'h-down', id: 'no-after-frame', dataset: { why: c.warning.noAfterFrame } }, t(`noAfter_${c.warning.noAfterFrame}`))) : [],
    phones.length ? row('phones', readingList('phones', phones)) : [],
    plates.length ? row('plates', readingList('plates', plates)) : [],
    row('score', `${Math.round(c.score * 100)}%`));
}

/** An evidence slot: a labelled placeholder that says it is loading until its image has arrived. */
function slot(role, variant, caseId, file, bundle) {
  const caption = el('figcaption', {}, `${t(variant)} · ${t(`role_${role}`)}`);
  const fig = el('figure', { class: 'loading', dataset: { role, variant } }, el('div', { class: 'ph' }, t('loading')), caption);
  if (file) {
    const img = el('img', { alt: `${t(variant)} · ${t(`role_${role}`)}`, dataset: { kind: file.kind }, onclick: (e) => zoom(e.target) });
    img.addEventListener('load', () => fig.classList.remove('loading'));
    img.addEventListener('error', () => { fig.classList.remove('loading'); fig.classList.add('failed'); fig.querySelector('.ph').textContent = t('loadFailed'); });
    img.src = fileUrl(caseId, file.name, bundle);
    fig.prepend(img);
  }
  return fig;
}

/** The back half from the city platform: the export, then 送达 … 结案 with the platform's times and references. */
async function loadCity(id) {
  const box = document.getElementById('city');
  const x = await api(`/api/cases/${id}/city`).catch(() => null);
  if (!box || !x || current?.id !== id) return;
  box.replaceChildren(...(x.exportedAt === null
    ? [el('tr', {}, el('td', { class: 'meta' }, t('cityNotExported')))]
    : [el('tr', { dataset: { step: 'exported' } }, el('td', {}, fmtTime(x.exportedAt)), el('td', {}, t('cityExported')), el('td', { class: 'meta' }, x.docNo ?? '')),
      ...x.events.map((e) => el('tr', { dataset: { step: e.event } },
        el('td', {}, fmtTime(e.at)), el('td', {}, t(`state_${e.event}`)), el('td', { class: 'meta' }, `${t('cityRef')} ${e.ref}`, e.note ? ` · ${e.note}` : '')))]));
}

/** The case's signed documents (责令改正通知书 with the warning, 违法行为告知书 on approval), each downloadable. */
async function loadDocuments(id) {
  const box = document.getElementById('documents');
  const x = await api(`/api/cases/${id}/documents`).catch(() => null);
  if (!box || !x || current?.id !== id) return;
  box.replaceChildren(...(x.items.length === 0
    ? [el('tr', {}, el('td', { class: 'meta' }, t('noDocuments')))]
    : x.items.map((d) => el('tr', { dataset: { kind: d.kind } },
      el('td', {}, d.title), el('td', {}, d.docNo), el('td', {}, fmtTime(d.issuedAt)),
      el('td', {}, el('a', { href: d.url, download: `${d.docNo}.pdf`, dataset: { doc: d.kind } }, t('download')))))));
}

/** A warned case (限时整改): the officer who looked closes it as self-corrected or files it now, with a note. */
function warnedActions() {
  const note = el('input', { id: 'warn-note', type: 'text', maxlength: 500, placeholder: t('warnNote'), style: 'min-width:18em' });
  const msg = el('span', { class: 'meta', id: 'warn-msg' });
  const decide = async (path) => {
    if (note.value.trim().length < 2) { msg.textContent = t('warnNoteNeeded'); note.focus(); return; }
    await api(`/api/cases/${current.id}/warning/${path}`, { method: 'POST', body: { note: note.value.trim() } });
    await after();
  };
  return el('div', { class: 'actions', id: 'warn-actions' }, note,
    el('button', { class: 'ok', id: 'warn-self-corrected', onclick: () => decide('self-corrected') }, t('warnCloseEarly')),
    el('button', { class: 'bad', id: 'warn-file', onclick: () => decide('file') }, t('warnFileNow')), msg);
}

function renderNotFound() {
  current = null;
  detail.replaceChildren(el('p', { class: 'notfound', id: 'notfound' }, t('notFound')));
}

async function select(id) {
  let c;
  try {
    c = await api(`/api/cases/${id}`);
  } catch (err) {
    if (err.status === 404 || err.status === 400) return renderNotFound();
    throw err;
  }
  current = c;
  rejecting = false;
  history.replaceState(null, '', `?case=${id}${tab !== 'pending' ? `&tab=${tab}` : ''}`);
  for (const li of list.children) li.classList.toggle('sel', li.dataset.case === id);
  // The facts and the evidence slots are on screen at once; the images fill in as they arrive.
  const frames = el('div', { class: 'frames', id: 'frames' }, c.bundleId
    ? ROLES.flatMap((role) => [slot(role, 'original', c.id), slot(role, 'annotated', c.id)])
    : el('p', { class: 'meta' }, t('noEvidence')));
  detail.replaceChildren(
    el('h2', {}, t(`cat_${c.category}`), ' ', el('span', { id: 'state' }, stateBadge(c.state))),
    facts(c),
    el('div', { class: 'actions' },
      canReview ? [
        el('button', { class: 'ok', id: 'confirm', disabled: c.state !== 'pending_review', onclick: confirmCase }, `${t('confirm')} (C)`),
        el('button', { class: 'bad', id: 'reject', disabled: !['new', 'pending_review', 'confirmed'].includes(c.state), onclick: () => showReasons(true) }, `${t('reject')} (R)`),
        el('span', { class: 'reasons', id: 'reasons', hidden: true },
          REASONS.map((r, i) => el('button', { dataset: { reason: r }, onclick: () => rejectCase(r) }, `${i + 1} ${t(`reason_${r}`)}`))),
      ] : [],
      el('span', { class: 'meta', id: 'verdict' }, c.reason ? `${t('reason')}: ${t(`reason_${c.reason}`)}` : '')),
    canReview && c.state === 'warned' ? warnedActions() : [],
    canReview ? el('p', { class: 'hint' }, t('shortcuts')) : [],
    el('h2', {}, t('evidenceFrames')),
    frames,
    // A silent camera's last frame is from before the time limit: never titled as the after-grace check.
    ...(c.warning?.after?.bundleId ? [el('h2', { id: 'after-title' }, t(c.warning.decidedBy === 'camera_silent' ? 'lastBeforeSilence' : 'afterFrames')), el('div', { class: 'frames', id: 'after-frames' }, ['original', 'annotated'].map((v) => slot('check', v, c.id)))] : []),
    el('div', { id: 'clipbox' }),
    el('div', { class: 'meta', id: 'verify' }),
    el('h2', {}, t('history')),
    el('table', { id: 'history' }, historyRows(c)),
    el('h2', {}, t('documents')),
    el('table', { id: 'documents' }),
    el('h2', {}, t('cityBackHalf')),
    el('table', { id: 'city' }),
    canAudit ? el('div', {}, el('h2', {}, t('auditTrail')), el('div', { id: 'audit-box' })) : [],
  );
  loadCity(c.id);
  // Party (当事人): shown to all; linked here by whoever may review cases and read the registry.
  showCaseParty(c.id, () => (current?.id === c.id ? document.getElementById('party-box') : null), canReview && can(me, 'parties:read'));
  loadDocuments(c.id);
  if (c.bundleId) loadEvidence(c);
  if (c.warning?.after?.bundleId) loadAfterFrames(c);
  if (canVerify && c.bundleId) showVerify(c);
  if (canAudit) loadAudit(c.id);
}

/** The bundle's check (hashes, signature, chain); while it is still uploading, says so instead of failing. */
function showVerify(c) {
  api(`/api/cases/${c.id}/verify`).then((v) => {
    const box = document.getElementById('verify');
    if (!box || current?.id !== c.id) return;
    box.className = v.ok ? 'h-live' : v.uploading ? 'meta' : 'h-down';
    box.dataset.ok = String(v.ok);
    box.textContent = v.ok ? `✔ ${t('verified')} · ${v.bundleId}` : v.uploading ? `⏳ ${t('uploading')}` : `✖ ${t('notVerified')}: ${v.problems.join('; ')}`;
  }).catch(() => {});
}

async function loadEvidence(c) {
  let files = [];
  let clipWithheld = false;
  try {
    const x = await api(`/api/cases/${c.id}/evidence`);
    // Sealed but still in the spool: say so and look again until the upload is done.
    if (x.uploading) {
      if (current?.id !== c.id) return;
      document.getElementById('frames')?.replaceChildren(el('p', { class: 'meta', id: 'uploading' }, `⏳ ${t('uploading')}`));
      setTimeout(() => { if (current?.id === c.id) loadEvidence(c); }, 3000);
      return;
    }
    files = x.files;
    clipWithheld = x.clipWithheld === true;
  } catch {
    document.getElementById('frames')?.replaceChildren(el('p', { class: 'meta' }, t('loadFailed')));
    return;
  }
  if (current?.id !== c.id) return;
  // Once the pictures are there the bundle can be verified too.
  if (canVerify && document.getElementById('verify')?.textContent.startsWith('⏳')) showVerify(c);
  const byKind = (k) => files.find((f) => f.kind === k);
  document.getElementById('frames').replaceChildren(...ROLES.flatMap((role) =>
    ['original', 'annotated'].map((v) => [v, byKind(`${v}:${role}`)]).filter(([, f]) => f).map(([v, f]) => slot(role, v, c.id, f))));
  const clip = byKind('clip');
  // The clip is served as sealed (re-encoding per view is costly); the viewer's mark is drawn over it here.
  if (!clip && clipWithheld) document.getElementById('clipbox').replaceChildren(el('h2', {}, t('clip')), el('p', { class: 'meta', id: 'clip-withheld' }, t('clipWithheld')));
  if (clip) document.getElementById('clipbox').replaceChildren(el('h2', {}, t('clip')), el('div', { class: 'livebox', style: 'max-width:100%' },
    el('video', { src: fileUrl(c.id, clip.name), controls: true, style: 'max-width:100%; display:block' }),
    el('div', { class: 'mark' }, `${me.name} · ${fmtTime(Date.now())}`)));
}

/** A warn-first case's after bundle: the scene at the check (still there, or the place once cleared). */
async function loadAfterFrames(c) {
  const box = () => document.getElementById('after-frames');
  let files = [];
  try {
    files = (await api(`/api/cases/${c.id}/evidence?bundle=after`)).files;
  } catch {
    box()?.replaceChildren(el('p', { class: 'meta' }, t('loadFailed')));
    return;
  }
  if (current?.id !== c.id) return;
  box()?.replaceChildren(...['original', 'annotated'].map((v) => [v, files.find((f) => f.kind === `${v}:at`)]).filter(([, f]) => f)
    .map(([v, f]) => slot('check', v, c.id, f, 'after')));
}

/** The audit trail with routine "still detected" rows (one per hit update) folded into one line. */
async function loadAudit(id) {
  const { items } = await api(`/api/cases/${id}/audit`);
  const box = document.getElementById('audit-box');
  if (!box || current?.id !== id) return;
  const routine = items.filter((e) => e.action === 'hit.updated');
  const row = (e) => el('tr', { dataset: { action: e.action }, class: e.action === 'hit.updated' ? 'routine' : '' },
    el('td', {}, String(e.seq)), el('td', {}, fmtTime(e.at)), el('td', {}, actorName(e.actor)),
    el('td', {}, t(`action_${e.action}`)),
    el('td', { class: 'meta' }, e.details.purpose ? t(`purpose_${e.details.purpose}`) : e.details.to ? t(`state_${e.details.to}`) : ''),
    el('td', { class: 'meta' }, e.details.variant ?? ''),
    el('td', { class: 'meta', title: e.hash }, e.hash.slice(0, 12)));
  const table = el('table', { id: 'audit', class: 'fold' },
    el('tr', {}, ['seq', 'time', 'actor', 'action', 'detail', 'evidence', 'hash'].map((k) => el('th', {}, k === 'hash' ? 'SHA-256' : t(k)))),
    items.map(row));
  const toggle = routine.length ? el('p', { class: 'meta', id: 'audit-fold' }, t('folded', { n: routine.length }), ' ',
    el('button', { class: 'link', onclick: (e) => { table.classList.toggle('fold'); e.target.textContent = t(table.classList.contains('fold') ? 'showAll' : 'hideRoutine'); } }, t('showAll'))) : null;
  box.replaceChildren(...[toggle, table].filter(Boolean));
}

function showReasons(on) {
  rejecting = on;
  const r = document.getElementById('reasons');
  if (r) r.hidden = !on;
}

async function confirmCase() {
  const b = document.getElementById('confirm');
  if (!current || !b || b.disabled) return;
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

// Zoom: the overlay opens with the picture already shown (the slot's loaded image), never black.
const zoomBox = document.getElementById('zoom');
const zoomImg = zoomBox.querySelector('img');
const zoomMsg = zoomBox.querySelector('.ph');
let zs = 1, zx = 0, zy = 0;
function zoom(img) {
  zs = 1; zx = 0; zy = 0;
  zoomImg.style.transform = '';
  zoomBox.classList.add('on');
  if (zoomImg.src === img.src && zoomImg.complete) return;
  zoomImg.onload = () => zoomBox.classList.remove('loading');
  zoomImg.onerror = () => (zoomMsg.textContent = t('loadFailed'));
  zoomImg.src = img.src;
  // A picture already shown on the page comes from the cache at once: no loading state to flash.
  if (img.complete && img.naturalWidth > 0) return;
  zoomBox.classList.add('loading');
  zoomMsg.textContent = t('loading');
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
  if (k === 'j' || k === 'k') {
    const i = current ? cases.findIndex((c) => c.id === current.id) + (k === 'j' ? 1 : -1) : 0;
    if (cases[i]) select(cases[i].id);
    return;
  }
  if (!current) return;
  if (k === 'c' && canReview) confirmCase();
  else if (k === 'r' && canReview && !document.getElementById('reject')?.disabled) showReasons(!rejecting);
  else if (rejecting && k >= '1' && k <= '4') rejectCase(REASONS[Number(k) - 1]);
  else if (k === 'z') { const img = detail.querySelector('img[data-kind="annotated:at"]'); if (img) zoom(img); }
});

await loadList();
const want = new URLSearchParams(location.search).get('case');
if (want) await select(want);
else if (cases[0]) await select(cases[0].id);
if (can(me, 'alerts:subscribe')) {
  onAlerts(async (a) => {
    await loadList();
    if (current?.id === a.caseId) await select(a.caseId);
  });
}
document.body.dataset.ready = '1';
