// Camera wall live view in real Chromium: a GStreamer RTSP server plays vtest (H.264),
// node-rtsp-stream transcodes it to MPEG-1 over WebSocket and JSMpeg paints it on a canvas.
// Camera health and snapshots come from ingest's CameraManager (sources + ring buffer). No transcoder may outlive
// the manager.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import type { Browser } from 'playwright-core';
import { LiveViewManager } from '../../src/api/cameras/live.ts';
import { ManagerRuntime } from '../../src/api/adapters/camera-manager.ts';
import { CameraManager } from '../../src/ingest/camera-manager.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import sharp from 'sharp';
import { startRtspServer, type RtspTestServer } from '../support/rtsp-server.ts';
import { startHarness, type Harness } from '../api/support/harness.ts';
import { launch, loginPage, shot } from './support.ts';

const PORT = 18093;
const RTSP_PORT = 18094;
let h: Harness;
let rtsp: RtspTestServer;
let live: LiveViewManager;
let browser: Browser;
let manager: CameraManager;

before(async () => {
  rtsp = await startRtspServer(RTSP_PORT, 'wall');
  live = new LiveViewManager();
  let runtime: ManagerRuntime | undefined;
  h = await startHarness(PORT, {
    live,
    runtime: {
      health: (id) => runtime?.health(id),
      snapshot: async (id) => (await runtime?.snapshot(id)) ?? null,
    },
    streamsYaml: `cameras:
  - id: cam-live
    name: 示范街道 南口 (RTSP)
    location: { district: 示范区, street: 示范街道 }
    source: { kind: rtsp, url: ${rtsp.url} }
    rules: [vending]
  - id: cam-file
    name: 示范街道 北口
    location: { district: 示范区, street: 示范街道 }
    source: { kind: file, path: ../shared/data/vtest.avi }
    rules: [vending]
`,
  });
  // Ingest runs the same streams-config the API serves (and edits).
  manager = new CameraManager({ configDir: h.configDir, tuning: { baseDir: PROJECT_ROOT } });
  await manager.start();
  runtime = new ManagerRuntime(manager);
  browser = await launch();
}, { timeout: 180_000 });
after(async () => {
  await browser?.close();
  await manager?.stop();
  await h?.close();
  await live?.stop();
  await rtsp?.close();
}, { timeout: 180_000 });

it('plays the RTSP camera live through JSMpeg and shows a snapshot for the file camera', { timeout: 300_000 }, async () => {
  const page = await loginPage(browser, h.url, 'officer_a');
  page.on('pageerror', (e) => console.log('pageerror:', e.message));
  await page.goto(`${h.url}/cameras.html`);
  await page.locator('body[data-ready="1"]').waitFor();
  await page.locator('[data-camera="cam-live"] canvas[data-mode="live"]').waitFor();
  await page.locator('[data-camera="cam-file"] img[data-mode="snapshot"]').waitFor();
  for (const id of ['cam-live', 'cam-file']) {
    const deadline = Date.now() + 60_000;
    while (!(await manager.ring.latest(id)) && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  }
  // Health and the snapshot come from the running RTSP source.
  await page.locator('[data-health="cam-live"].h-live').waitFor({ timeout: 60_000 });
  assert.equal(await page.locator('[data-health="cam-live"]').textContent(), '在线');
  await page.locator('[data-health="cam-file"].h-live').waitFor({ timeout: 60_000 });
  for (const id of ['cam-live', 'cam-file']) {
    const snap = await page.request.get(`${h.url}/api/cameras/${id}/snapshot`);
    assert.equal(snap.status(), 200);
    const meta = await sharp(await snap.body()).metadata();
    assert.deepEqual([meta.width, meta.height], [768, 576]);
  }
  // Painted video: many distinct grey levels across the canvas, not a blank or black frame.
  await page.waitForFunction(
    `(() => {
      const c = document.querySelector('[data-camera="cam-live"] canvas');
      if (!c || c.width < 100) return false;
      const g = c.getContext('2d');
      if (!g) return false;
      const d = g.getImageData(0, 0, c.width, c.height).data;
      const seen = new Set();
      for (let i = 0; i < d.length; i += 4 * 97) seen.add(d[i] >> 3);
      return seen.size > 12;
    })()`,
    undefined,
    { timeout: 60_000, polling: 500 },
  );
  assert.match((await page.locator('[data-camera="cam-live"] .mark').textContent()) ?? '', /队员 李 \(示范区\) · /);
  const aspect = await page.evaluate(`(() => { const c = document.querySelector('[data-camera="cam-live"] canvas'); return c.width / c.height; })()`);
  assert.ok(Math.abs(Number(aspect) - 768 / 576) < 0.02, `live picture keeps the camera's 4:3 aspect (${aspect})`);
  const running = live.health();
  assert.equal(running.length, 1);
  assert.equal(running[0].cameraId, 'cam-live');
  assert.equal(running[0].viewers, 1);
  await shot(page, 'camera-wall-live.png');
  await page.context().close();

  const pid = running[0].pid!;
  await live.stop();
  assert.deepEqual(live.health(), []);
  assert.throws(() => process.kill(pid, 0), 'the transcoder is gone');
});
