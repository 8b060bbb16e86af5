// Command centre: live alert feed (SSE), camera health, statistics charts, precision of the
// detections per rule and per district from officers' verdicts, warn-first outcomes (/api/stats).
import { api, boot, watchEvidenceIntake, can, el, onAlerts, stateBadge } from './app.js';
import { barChart } from './charts.js';
import { fmtTime, t } from './i18n.js';

const me = await boot();
watchEvidenceIntake();
const feed = document.getElementById('feed');
const items = new Map();
// When each case opened: an alert announcing a verdict carries the verdict's time, not the case's.
const opened = new Map();
const names = new Map((await api('/api/cameras')).items.map((c) => [c.id, c.name]));

async function openedAt(a) {
  if (!opened.has(a.caseId)) {
    opened.set(a.caseId, ['new', 'pending_review'].includes(a.state) ? a.at : await api(`/api/cases/${a.caseId}`).then((c) => c.openedAt, () => a.at));
  }
  return opened.get(a.caseId);
}

function alertItem(a, fresh) {
  const li = el('li', { class: fresh ? 'fresh' : '', dataset: { case: a.caseId }, onclick: () => (location.href = `review.html?case=${a.caseId}`) },
    el('div', {}, el('strong', {}, t(`cat_${a.category}`)), ' ', stateBadge(a.state)),
    el('div', {}, a.cameraName ?? names.get(a.cameraId) ?? a.cameraId),
    el('div', { class: 'meta' }, `${a.district} · ${a.street} · ${t('openedLabel')} `, el('span', { class: 'opened' }, fmtTime(opened.get(a.caseId) ?? a.at)), ` · ${Math.round(a.score * 100)}%`));
  const old = items.get(a.caseId);
  if (old) old.replaceWith(li);
  else feed.prepend(li);
  items.set(a.caseId, li);
  document.getElementById('empty').hidden = items.size > 0;
}

const recent = await api('/api/cases?limit=30');
for (const c of recent.items.reverse()) {
  opened.set(c.id, c.openedAt);
  alertItem({ ...c, caseId: c.id, at: c.openedAt }, false);
}
if (can(me, 'alerts:subscribe')) {
  const es = onAlerts(async (a) => {
    await openedAt(a);
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

/** A chart, or a line saying there is nothing to show yet (never a blank panel). */
function chartOrEmpty(id, rows, opts, emptyKey = 'noData') {
  const box = document.getElementById(id);
  box.replaceChildren(rows.length && rows.some((r) => r.value > 0 || opts?.max) ? barChart(rows, opts) : el('p', { class: 'meta empty' }, t(emptyKey)));
}

// precision = true positives ÷ (true positives + false positives), as /api/stats counts them
// (duplicates and unusable images excluded); rows without any verdict are left out.
const precisionRows = (rows, label) => rows.filter((p) => p.truePositives + p.falsePositives > 0).map((p) => ({
  label: `${label(p.key)} (${p.truePositives}/${p.truePositives + p.falsePositives})`,
  value: p.truePositives / (p.truePositives + p.falsePositives),
}));
const PCT = { max: 1, color: '#f5a524', format: (v) => `${Math.round(v * 100)}%` };

async function loadStats() {
  const s = await api('/api/stats');
  chartOrEmpty('c-type', s.byType.map((r) => ({ label: t(`cat_${r.key}`), value: r.count })));
  chartOrEmpty('c-district', s.byDistrict.map((r) => ({ label: r.key, value: r.count })), { color: '#7c5cff' });
  const hours = Array.from({ length: 24 }, (_, h) => ({ label: String(h), value: s.byHour.find((r) => Number(r.key) === h)?.count ?? 0 }));
  chartOrEmpty('c-hour', hours, { vertical: true, color: '#2fbf71' });
  chartOrEmpty('c-precision', precisionRows(s.precision, (k) => t(`cat_${k}`)), PCT, 'noVerdicts');
  // Per district: the same statistics asked for one district at a time, summed over the rules.
  const perDistrict = await Promise.all(s.byDistrict.map(async (d) => {
    const ds = await api(`/api/stats?district=${encodeURIComponent(d.key)}`);
    const sum = (f) => ds.precision.reduce((n, p) => n + p[f], 0);
    return { key: d.key, truePositives: sum('truePositives'), falsePositives: sum('falsePositives') };
  }));
  chartOrEmpty('c-precision-district', precisionRows(perDistrict, (k) => k), PCT, 'noVerdicts');
  // Warn first (限时整改): per rule, how many corrected themselves and how many became cases.
  chartOrEmpty('c-warn', s.warnFirst.flatMap((r) => [
    { label: `${t(`cat_${r.key}`)} · ${t('warnSelfCorrected')}`, value: r.selfCorrected },
    { label: `${t(`cat_${r.key}`)} · ${t('warnFiled')}`, value: r.filed },
    ...(r.warned ? [{ label: `${t(`cat_${r.key}`)} · ${t('warnWaiting')}`, value: r.warned }] : []),
  ]), { color: '#2fbf71' }, 'noWarnings');
}

await Promise.all([loadHealth(), loadStats()]);
setInterval(loadHealth, 10_000);
document.body.dataset.ready = '1';
