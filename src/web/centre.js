// Command centre: live alert feed (SSE), camera health, statistics charts.
import { api, boot, el, onAlerts, stateBadge } from './app.js';
import { barChart } from './charts.js';
import { fmtTime, t } from './i18n.js';

const me = await boot();
const feed = document.getElementById('feed');
const items = new Map();
const names = new Map((await api('/api/cameras')).items.map((c) => [c.id, c.name]));

function alertItem(a, fresh) {
  const li = el('li', { class: fresh ? 'fresh' : '', dataset: { case: a.caseId }, onclick: () => (location.href = `review.html?case=${a.caseId}`) },
    el('div', {}, el('strong', {}, t(`cat_${a.category}`)), ' ', stateBadge(a.state)),
    el('div', {}, a.cameraName ?? names.get(a.cameraId) ?? a.cameraId),
    el('div', { class: 'meta' }, `${a.district} · ${a.street} · ${fmtTime(a.at)} · ${Math.round(a.score * 100)}%`));
  const old = items.get(a.caseId);
  if (old) old.replaceWith(li);
  else feed.prepend(li);
  items.set(a.caseId, li);
  document.getElementById('empty').hidden = items.size > 0;
}

const recent = await api('/api/cases?limit=30');
for (const c of recent.items.reverse()) alertItem({ ...c, caseId: c.id, at: c.openedAt }, false);
if (me.role !== 'auditor') {
  const es = onAlerts((a) => {
    alertItem(a, true);
    loadStats();
  });
  es.onopen = () => (document.getElementById('conn').textContent = '●');
}

async function loadHealth() {
  const { items: cams } = await api('/api/cameras');
  const table = document.getElementById('health');
  table.replaceChildren(
    el('tr', {}, ['camera', 'district', 'street', 'state'].map((k) => el('th', {}, t(k)))),
    ...(cams.length ? cams.map((c) => el('tr', { dataset: { camera: c.id } },
      el('td', {}, c.name), el('td', {}, c.district), el('td', {}, c.street),
      el('td', { class: `h-${c.health.state}` }, t(`health_${c.health.state}`),
        c.health.lastFrameAt ? el('span', { class: 'meta' }, ` ${fmtTime(c.health.lastFrameAt)}`) : null)))
      : [el('tr', {}, el('td', { colspan: 4, class: 'meta' }, t('noCameras')))]),
  );
}

async function loadStats() {
  const s = await api('/api/stats');
  document.getElementById('c-type').replaceChildren(barChart(s.byType.map((r) => ({ label: t(`cat_${r.key}`), value: r.count }))));
  document.getElementById('c-district').replaceChildren(barChart(s.byDistrict.map((r) => ({ label: r.key, value: r.count })), { color: '#7c5cff' }));
  const hours = Array.from({ length: 24 }, (_, h) => ({ label: String(h), value: s.byHour.find((r) => Number(r.key) === h)?.count ?? 0 }));
  document.getElementById('c-hour').replaceChildren(barChart(hours, { vertical: true, color: '#2fbf71' }));
  document.getElementById('c-precision').replaceChildren(barChart(
    s.precision.filter((p) => p.precision !== null).map((p) => ({ label: `${t(`cat_${p.key}`)} (${p.confirmed}/${p.confirmed + p.rejected})`, value: p.precision })),
    { max: 1, color: '#f5a524', format: (v) => `${Math.round(v * 100)}%` }));
}

await Promise.all([loadHealth(), loadStats()]);
setInterval(loadHealth, 10_000);
document.body.dataset.ready = '1';
