// Zone editor: draw polygons on a camera snapshot in normalised coordinates and save them
// through PUT /api/cameras/:id/zones, which writes the camera's YAML (comments kept).
import { api, boot, el } from './app.js';
import { t } from './i18n.js';

await boot();
const TYPES = ['no-vending', 'bin-point', 'protected-surface', 'road'];
const COLORS = { 'no-vending': '#ff6b3d', 'bin-point': '#2fbf71', 'protected-surface': '#7c5cff', road: '#f5a524' };
const sel = document.getElementById('camera');
const overlay = document.getElementById('overlay');
const NS = 'http://www.w3.org/2000/svg';
let zones = [];
let drawing = null; // points of the polygon being drawn
let active = -1;

const { items } = await api('/api/cameras');
for (const c of items) sel.append(el('option', { value: c.id }, `${c.name} (${c.id})`));
const want = new URLSearchParams(location.search).get('camera');
if (want) sel.value = want;
sel.onchange = load;

async function load() {
  document.getElementById('snap').src = `/api/cameras/${sel.value}/snapshot?t=${Date.now()}`;
  zones = (await api(`/api/cameras/${sel.value}/zones`)).zones;
  drawing = null;
  render();
}

function point(e) {
  const r = overlay.getBoundingClientRect();
  const clamp = (v) => Math.min(1, Math.max(0, Math.round(v * 10000) / 10000));
  return [clamp((e.clientX - r.left) / r.width), clamp((e.clientY - r.top) / r.height)];
}

overlay.addEventListener('click', (e) => {
  if (e.detail > 1) return;
  drawing ??= [];
  drawing.push(point(e));
  render();
});
overlay.addEventListener('dblclick', finish);
document.addEventListener('keydown', (e) => {
  if (e.key === 'Enter' && drawing) finish();
  if (e.key === 'Escape') { drawing = null; render(); }
});

function finish() {
  if (!drawing || drawing.length < 3) return;
  if (active >= 0 && zones[active]) zones[active].polygon = drawing;
  else zones.push({ id: `zone-${zones.length + 1}`, name: '', type: 'no-vending', polygon: drawing });
  drawing = null;
  active = -1;
  render();
}

function poly(points, color, dashed) {
  const p = document.createElementNS(NS, 'polygon');
  p.setAttribute('points', points.map(([x, y]) => `${x},${y}`).join(' '));
  p.setAttribute('fill', color);
  p.setAttribute('fill-opacity', '0.25');
  p.setAttribute('stroke', color);
  p.setAttribute('stroke-width', '0.004');
  if (dashed) p.setAttribute('stroke-dasharray', '0.01');
  return p;
}

function render() {
  overlay.replaceChildren(...zones.map((z) => poly(z.polygon, COLORS[z.type] ?? '#fff')));
  if (drawing) {
    overlay.append(poly(drawing, '#ffffff', true));
    for (const [x, y] of drawing) {
      const c = document.createElementNS(NS, 'circle');
      c.setAttribute('cx', x); c.setAttribute('cy', y); c.setAttribute('r', '0.006'); c.setAttribute('fill', '#fff');
      overlay.append(c);
    }
  }
  document.getElementById('zones').replaceChildren(...zones.map((z, i) => el('div', { class: 'panel', dataset: { zone: z.id } },
    el('label', {}, t('zoneId')), el('input', { value: z.id, onchange: (e) => (z.id = e.target.value) }),
    el('label', {}, t('zoneName')), el('input', { value: z.name ?? '', onchange: (e) => (z.name = e.target.value) }),
    el('label', {}, t('zoneType')),
    el('select', { onchange: (e) => { z.type = e.target.value; render(); } },
      TYPES.map((ty) => el('option', { value: ty, selected: ty === z.type }, t(`zone_${ty}`)))),
    el('div', { class: 'meta' }, `${z.polygon.length} pts`),
    el('button', { class: 'link', onclick: () => { active = i; drawing = []; render(); } }, '✎'), ' ',
    el('button', { class: 'link', onclick: () => { zones.splice(i, 1); render(); } }, t('deleteZone')))));
}

document.getElementById('add').onclick = () => { active = -1; drawing = []; render(); };
document.getElementById('save').onclick = async () => {
  const msg = document.getElementById('msg');
  try {
    // Only what the editor changes is sent; the server applies the schema defaults.
    const body = { zones: zones.map(({ id, name, type, polygon, ...rest }) => ({ ...rest, id, ...(name ? { name } : {}), type, polygon })) };
    zones = (await api(`/api/cameras/${sel.value}/zones`, { method: 'PUT', body })).zones;
    msg.textContent = t('saved');
    render();
  } catch (err) {
    msg.textContent = err.body?.issues?.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ') ?? err.message;
  }
};

await load();
document.body.dataset.ready = '1';
