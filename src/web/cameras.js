// Camera wall: RTSP cameras play live (node-rtsp-stream → MPEG-1 over WebSocket → JSMpeg);
// other sources, and roles without live view, show a snapshot refreshed every few seconds.
import { api, boot, can, el } from './app.js';
import { fmtTime, t } from './i18n.js';

const me = await boot();
const wall = document.getElementById('wall');
const { items } = await api('/api/cameras');
if (!items.length) wall.append(el('p', { class: 'meta' }, t('noCameras')));

for (const c of items) {
  const status = el('span', { class: `h-${c.health.state}`, dataset: { health: c.id } }, t(`health_${c.health.state}`));
  const tile = el('div', { class: 'panel tile', dataset: { camera: c.id } },
    el('h2', {}, c.name, ' ', status),
    el('div', { class: 'meta' }, `${c.district} · ${c.street} · ${c.rules.map((r) => t(`cat_${r}`)).join('、')}`));
  wall.append(tile);
  let live = null;
  if (can(me, 'cameras:live')) live = await api(`/api/cameras/${c.id}/live`).catch(() => null);
  if (live?.mode === 'jsmpeg' && window.JSMpeg) {
    const canvas = el('canvas', { dataset: { mode: 'live' } });
    // One stream is shared by all viewers, so the viewer's mark is drawn over it in the page.
    const mark = el('div', { class: 'mark' });
    const tick = () => (mark.textContent = `${me.name} · ${fmtTime(Date.now())}`);
    tick();
    setInterval(tick, 1000);
    tile.append(el('div', { class: 'livebox' }, canvas, mark), el('div', { class: 'meta' }, t('live')));
    // The player class ships as JSMpeg.Player in the cycjimmy build.
    const Player = window.JSMpeg.Player;
    // A single-use ticket for this camera; the socket is on the API's own host and port.
    new Player(`${location.protocol === 'https:' ? 'wss' : 'ws'}://${location.host}${live.url}`, { canvas, autoplay: true, audio: false, disableGl: true });
  } else {
    const img = el('img', { alt: c.name, dataset: { mode: 'snapshot' } });
    const stamp = el('div', { class: 'meta' });
    tile.append(img, stamp);
    const refresh = () => {
      img.src = `/api/cameras/${c.id}/snapshot?t=${Date.now()}`;
      stamp.textContent = `${t('snapshot')} · ${fmtTime(Date.now())}`;
    };
    refresh();
    setInterval(refresh, 5_000);
  }
}

setInterval(async () => {
  const { items: now } = await api('/api/cameras');
  for (const c of now) {
    const s = document.querySelector(`[data-health="${c.id}"]`);
    if (s) { s.className = `h-${c.health.state}`; s.textContent = t(`health_${c.health.state}`); }
  }
}, 10_000);
document.body.dataset.ready = '1';
