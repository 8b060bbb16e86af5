// Zone editor: draw polygons (and a shop's frontage line) on a camera snapshot in normalised
// coordinates, edit each zone type's parameters, and save through PUT /api/cameras/:id/zones,
// which validates against the camera schema (src/config/schema.ts) and writes the camera's
// YAML (comments kept); the schema's refusals are shown at the fields they name. Users without
// zones:write (from /api/me) get the same page read-only: no drawing, no Save.
import { api, boot, can, el } from './app.js';
import { t } from './i18n.js';

const me = await boot();
const editable = can(me, 'zones:write');
if (!editable) {
  for (const id of ['add', 'save']) document.getElementById(id).remove();
  document.getElementById('msg').textContent = t('readOnly');
  document.querySelector('.hint[data-i18n="drawHint"]')?.remove();
  document.body.classList.add('readonly');
}

// Parameter fields by kind. `key` is the zone's key in the schema; an empty number field is
// left out so the server applies the schema's default.
const num = (key, o = {}) => ({ kind: 'number', key, step: 'any', ...o });
const seconds = (key) => num(key, { min: 1, step: 1 });
const fraction = (key) => num(key, { min: 0, max: 1, step: 0.05 });
const choice = (key, options) => ({ kind: 'choice', key, options });
const line = (key) => ({ kind: 'line', key });
const party = (key) => ({ kind: 'party', key });

/**
 * One entry per zone type of src/config/schema.ts: its colour and its own parameters (the keys
 * every type shares — schedule, cooldown, size filter — are added to each). Adding a type to
 * the editor is one entry here and its name in i18n.js (`zone_<type>`).
 */
const ZONE_TYPES = {
  'no-vending': { color: '#ff6b3d', params: [seconds('dwellSeconds'), fraction('minScore'), fraction('jitterTolerance')] },
  'bin-point': { color: '#2fbf71', params: [seconds('dwellSeconds'), fraction('overflowThreshold')] },
  'protected-surface': { color: '#7c5cff', params: [seconds('persistSeconds'), fraction('minTextScore')] },
  road: { color: '#f5a524', params: [seconds('persistSeconds'), num('minDebrisArea', { min: 0, max: 1, step: 0.001 })] },
  'no-parking': { color: '#1e90ff', params: [seconds('dwellSeconds'), fraction('minScore'), fraction('stillTolerance')] },
  crowd: { color: '#e0457b', params: [num('minPersons', { min: 2, step: 1 }), seconds('durationSeconds'), fraction('minScore')] },
  'no-bicycle-parking': { color: '#14b8a6', params: [seconds('dwellSeconds'), num('minVehicles', { min: 1, step: 1 }), fraction('minScore'), fraction('stillTolerance')] },
  'no-piling': { color: '#a0522d', params: [seconds('persistSeconds'), num('minArea', { min: 0, max: 1, step: 0.005 })] },
  'shop-frontage': { color: '#ffe14d', params: [line('frontage'), choice('streetSide', ['right', 'left']), party('partyLicenceNo'), seconds('dwellSeconds'), fraction('minScore')] },
};
/** Parameters of every zone type (ZoneBase in src/config/schema.ts). */
const COMMON = [{ kind: 'schedule', key: 'schedule' }, num('cooldownSeconds', { min: 0, step: 1 })];
/** Keys every zone type has; the others belong to one type and go when the type changes. */
const BASE_KEYS = new Set(['id', 'name', 'type', 'polygon', 'schedule', 'cooldownSeconds', 'size', 'warnFirst']);

const sel = document.getElementById('camera');
const overlay = document.getElementById('overlay');
const NS = 'http://www.w3.org/2000/svg';
let zones = [];
/** What is being drawn: a zone's polygon (`key` 'polygon') or line (the line parameter's key), for zone `index` (-1: a new zone). */
let drawing = null;
/** Schema refusals of the last save, by zone index and key: `{ 0: { frontage: 'a line needs…' } }`. */
let problems = {};
/** What the page itself cannot read (a schedule not in its format), same shape; Save waits until it is fixed. */
let unreadable = {};
/** Names of parties already looked up, by licence number. */
const partyNames = new Map();

const { items } = await api('/api/cameras');
for (const c of items) sel.append(el('option', { value: c.id }, `${c.name} (${c.id})`));
const want = new URLSearchParams(location.search).get('camera');
if (want) sel.value = want;
sel.onchange = load;

async function load() {
  document.getElementById('snap').src = `/api/cameras/${sel.value}/snapshot?t=${Date.now()}`;
  zones = (await api(`/api/cameras/${sel.value}/zones`)).zones;
  drawing = null;
  problems = {};
  unreadable = {};
  render();
}

function point(e) {
  const r = overlay.getBoundingClientRect();
  const clamp = (v) => Math.min(1, Math.max(0, Math.round(v * 10000) / 10000));
  return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
}

overlay.addEventListener('click', (e) => {
  if (!editable || e.detail > 1) return;
  drawing ??= { index: -1, key: 'polygon', points: [] };
  drawing.points.push(point(e));
  render();
});
overlay.addEventListener('dblclick', finish);
document.addEventListener('keydown', (e) => {
  // preventDefault: Enter would also press the focused 画线 button again and restart the line.
  if (e.key === 'Enter' && drawing) { e.preventDefault(); finish(); }
  if (e.key === 'Escape') { drawing = null; render(); }
});

function finish() {
  if (!drawing) return;
  const { index, key, points } = drawing;
  if (points.length < (key === 'polygon' ? 3 : 2)) return;
  if (index >= 0 && zones[index]) {
    zones[index][key] = points;
    delete problems[index]?.[key];
  }
  else zones.push({ id: `zone-${zones.length + 1}`, name: '', type: 'no-vending', polygon: points });
  drawing = null;
  render();
}

function svg(tag, attrs) {
  const e = document.createElementNS(NS, tag);
  for (const [k, v] of Object.entries(attrs)) e.setAttribute(k, v);
  return e;
}

const pts = (points) => points.map(([x, y]) => `${x},${y}`).join(' ');

function poly(points, color, dashed) {
  return svg('polygon', { points: pts(points), fill: color, 'fill-opacity': '0.25', stroke: color, 'stroke-width': '0.004', ...(dashed ? { 'stroke-dasharray': '0.01' } : {}) });
}

/** A frontage line with a tick on its street side at each segment's middle. */
function frontage(points, side, color) {
  const out = [svg('polyline', { points: pts(points), fill: 'none', stroke: color, 'stroke-width': '0.008' })];
  for (let i = 1; i < points.length && side; i++) {
    const [ax, ay] = points[i - 1];
    const [bx, by] = points[i];
    const len = Math.hypot(bx - ax, by - ay) || 1;
    // The walker's right on the picture (y down) is (-dy, dx).
    const s = side === 'right' ? 1 : -1;
    const [mx, my] = [(ax + bx) / 2, (ay + by) / 2];
    out.push(svg('line', { x1: mx, y1: my, x2: mx + (s * -(by - ay) / len) * 0.04, y2: my + (s * (bx - ax) / len) * 0.04, stroke: color, 'stroke-width': '0.006', class: 'street-tick' }));
  }
  return out;
}

function renderOverlay() {
  overlay.replaceChildren();
  for (const z of zones) {
    const color = ZONE_TYPES[z.type]?.color ?? '#fff';
    overlay.append(poly(z.polygon, color));
    for (const p of ZONE_TYPES[z.type]?.params ?? []) if (p.kind === 'line' && z[p.key]?.length >= 2) overlay.append(...frontage(z[p.key], z.streetSide, color));
  }
  if (drawing) {
    overlay.append(drawing.key === 'polygon' ? poly(drawing.points, '#ffffff', true) : svg('polyline', { points: pts(drawing.points), fill: 'none', stroke: '#fff', 'stroke-width': '0.006', 'stroke-dasharray': '0.01' }));
    for (const [x, y] of drawing.points) overlay.append(svg('circle', { cx: x, cy: y, r: '0.006', fill: '#fff' }));
  }
}

/** "1-5 07:00-22:00; 6,7 09:00-21:00" ⇄ [{ days: [1..5], from, to }, …] (1 = Monday). */
function formatSchedule(windows) {
  return (windows ?? []).map((w) => `${w.days?.join(',') ?? '1-7'} ${w.from}-${w.to}`).join('; ');
}
function parseSchedule(text) {
  const out = [];
  for (const part of text.split(';').map((s) => s.trim()).filter(Boolean)) {
    const m = /^(?:([\d,\-\s]+)\s+)?(\d{1,2}:\d{2})\s*-\s*(\d{1,2}:\d{2})$/.exec(part);
    if (!m) throw new Error(t('scheduleFormat'));
    const days = m[1] ? m[1].replace(/\s/g, '').split(',').flatMap((d) => {
      const [a, b] = d.split('-').map(Number);
      return b === undefined ? [a] : Array.from({ length: Math.max(0, b - a + 1) }, (_, i) => a + i);
    }) : undefined;
    const pad = (hm) => hm.padStart(5, '0');
    out.push({ ...(days ? { days } : {}), from: pad(m[2]), to: pad(m[3]) });
  }
  return out;
}

/** The input(s) for one parameter of zone `z` (index `i`). */
function field(z, i, p) {
  const id = `z${i}-${p.key}`;
  const problem = unreadable[i]?.[p.key] ?? problems[i]?.[p.key];
  const label = el('label', { for: id }, t(`param_${p.key}`));
  const err = problem ? el('div', { class: 'err', dataset: { error: p.key } }, problem) : null;
  let input;
  switch (p.kind) {
    case 'number':
      input = el('input', { id, name: p.key, type: 'number', min: p.min, max: p.max, step: p.step, value: z[p.key] ?? '', placeholder: t('paramDefault'), disabled: !editable,
        onchange: (e) => {
          if (e.target.value === '') delete z[p.key];
          else z[p.key] = Number(e.target.value);
        } });
      break;
    case 'choice':
      input = el('select', { id, name: p.key, disabled: !editable, onchange: (e) => { z[p.key] = e.target.value || undefined; delete problems[i]?.[p.key]; render(); } },
        el('option', { value: '', selected: !z[p.key] }, '—'),
        p.options.map((o) => el('option', { value: o, selected: z[p.key] === o }, t(`${p.key}_${o}`))));
      break;
    case 'schedule':
      input = el('input', { id, name: p.key, value: formatSchedule(z.schedule), placeholder: t('scheduleAlways'), disabled: !editable,
        onchange: (e) => {
          try {
            z.schedule = parseSchedule(e.target.value);
            if (unreadable[i]?.schedule) {
              delete unreadable[i].schedule;
              render();
            }
          } catch (x) {
            (unreadable[i] ??= {}).schedule = x.message;
            render();
          }
        } });
      break;
    case 'line':
      input = el('div', { class: 'meta', dataset: { line: p.key } }, z[p.key]?.length ? t('linePoints', { n: z[p.key].length }) : t('lineMissing'), ' ',
        editable ? el('button', { class: 'link', name: p.key, onclick: () => { drawing = { index: i, key: p.key, points: [] }; render(); } }, t('drawLine')) : []);
      break;
    case 'party':
      input = partyField(z, i, p, id);
      break;
  }
  return [label, input, err];
}

/** The shop bound to the zone: its licence number, the registry's name for it, and a search of the registry's shops. */
function partyField(z, i, p, id) {
  const licence = z[p.key];
  const bound = el('div', { class: 'meta', dataset: { party: licence ?? '' } },
    licence ? `${partyNames.get(licence) ?? ''} ${licence}`.trim() : t('partyNone'));
  if (licence && !partyNames.has(licence)) {
    api(`/api/parties?kind=shop&q=${encodeURIComponent(licence)}`).then((r) => {
      const found = r.items.find((x) => x.licenceNo === licence);
      partyNames.set(licence, found?.name ?? t('partyNotRegistered'));
      bound.textContent = `${partyNames.get(licence)} ${licence}`;
    }).catch(() => undefined);
  }
  if (!editable) return bound;
  const results = el('div', { class: 'party-results' });
  const search = el('input', { id, name: `${p.key}-search`, type: 'search', placeholder: t('partySearch'),
    oninput: async (e) => {
      const q = e.target.value.trim();
      if (!q) return results.replaceChildren();
      const r = await api(`/api/parties?kind=shop&q=${encodeURIComponent(q)}&limit=10`).catch(() => ({ items: [] }));
      if (e.target.value.trim() !== q) return;
      results.replaceChildren(...(r.items.length ? r.items.filter((x) => x.licenceNo).map((x) => el('button', { class: 'link', dataset: { partyResult: x.licenceNo },
        onclick: () => { z[p.key] = x.licenceNo; partyNames.set(x.licenceNo, x.name); delete problems[i]?.[p.key]; render(); } }, `${x.name} · ${x.licenceNo}`)) : [el('span', { class: 'meta' }, t('partyNoMatch'))]));
    } });
  return el('div', {}, bound, search, results);
}

function render() {
  renderOverlay();
  document.getElementById('zones').replaceChildren(...zones.map((z, i) => el('div', { class: 'panel', dataset: { zone: z.id } },
    el('label', {}, t('zoneId')), el('input', { value: z.id, disabled: !editable, onchange: (e) => (z.id = e.target.value) }),
    el('label', {}, t('zoneName')), el('input', { value: z.name ?? '', disabled: !editable, onchange: (e) => (z.name = e.target.value) }),
    el('label', {}, t('zoneType')),
    el('select', { name: 'type', disabled: !editable, onchange: (e) => {
      // The server's schema is strict: a crowd zone refuses a parking zone's stillTolerance.
      for (const k of Object.keys(z)) if (!BASE_KEYS.has(k)) delete z[k];
      z.type = e.target.value;
      delete problems[i];
      delete unreadable[i];
      render();
    } },
      Object.keys(ZONE_TYPES).map((ty) => el('option', { value: ty, selected: ty === z.type }, t(`zone_${ty}`)))),
    el('div', { class: 'params' }, [...(ZONE_TYPES[z.type]?.params ?? []), ...COMMON].flatMap((p) => field(z, i, p))),
    problems[i]?.[''] ? el('div', { class: 'err', dataset: { error: '' } }, problems[i]['']) : null,
    el('div', { class: 'meta' }, `${z.polygon.length} pts`),
    editable ? [el('button', { class: 'link', onclick: () => { drawing = { index: i, key: 'polygon', points: [] }; render(); } }, '✎'), ' ',
      el('button', { class: 'link', onclick: () => { zones.splice(i, 1); problems = {}; unreadable = {}; render(); } }, t('deleteZone'))] : [])));
}

if (editable) document.getElementById('add').onclick = () => { drawing = { index: -1, key: 'polygon', points: [] }; render(); };
if (editable) document.getElementById('save').onclick = async () => {
  const msg = document.getElementById('msg');
  const pending = Object.entries(unreadable).flatMap(([i, ps]) => Object.values(ps).map((m) => `${zones[i]?.id}: ${m}`));
  if (pending.length) {
    msg.textContent = pending.join('; ');
    return;
  }
  try {
    // Only what the editor changes is sent; the server applies the schema defaults.
    const body = { zones: zones.map(({ id, name, type, polygon, ...rest }) => ({ ...rest, id, ...(name ? { name } : {}), type, polygon })) };
    zones = (await api(`/api/cameras/${sel.value}/zones`, { method: 'PUT', body })).zones;
    problems = {};
    msg.textContent = t('saved');
    render();
  } catch (err) {
    if (err.status === 403) {
      msg.textContent = t('forbidden');
      return;
    }
    const issues = err.body?.issues ?? [];
    // Issues name zones.<index>.<key>…: each goes to its zone's field (or the zone itself).
    problems = {};
    for (const x of issues) {
      const i = Number(x.path[1]);
      if (x.path[0] !== 'zones' || !zones[i]) continue;
      const key = [...(ZONE_TYPES[zones[i].type]?.params ?? []), ...COMMON].some((p) => p.key === x.path[2]) ? x.path[2] : '';
      (problems[i] ??= {})[key] = fieldMessage(x.message);
    }
    msg.textContent = issues.length ? t('fixFields') : err.message;
    render();
  }
};

await load();
document.body.dataset.ready = '1';

/** The schema's refusal (zod's English) in the reader's words: missing, not one of the choices, or else invalid. */
function fieldMessage(message) {
  if (/received undefined|required/i.test(message)) return t('fieldRequired');
  if (/expected one of|invalid option|invalid enum/i.test(message)) return t('fieldChoose');
  return `${t('fieldInvalid')} (${message})`;
}
