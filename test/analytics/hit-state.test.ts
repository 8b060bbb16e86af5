// Open hits are durable: a config reload (even of the camera's display name) continues the
// same hit; after a restart the same violation continues as the same hit (state saved in the
// hit outbox's folder, read back by a fresh engine); a restored hit not seen again is cleared
// with an event. Real overflow classifier on real photos.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { OverflowClassifier } from '../../src/analytics/overflow/classifier.ts';
import { Camera } from '../../src/config/schema.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { HitOutbox } from '../../src/dispatch/outbox.ts';
import { dispatchConfigFromEnv } from '../../src/dispatch/queues.ts';
import { readImageBgr, type BgrImage } from '../../src/inference/image.ts';

const DATA = path.resolve(PROJECT_ROOT, '../shared/data');
const BASE_TIME = Date.UTC(2026, 10, 23, 2, 0, 0);

let classifier: OverflowClassifier;
let full: BgrImage;
let clean: BgrImage;
let dir: string;
before(async () => {
  classifier = await OverflowClassifier.load();
  full = await readImageBgr(await readFile(path.join(DATA, 'overflow/train/dirty/dirty_0003.jpg')));
  clean = await readImageBgr(await readFile(path.join(DATA, 'overflow/train/clean', 'clean_0001.jpg')));
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-hit-state-'));
});
after(async () => {
  await classifier?.close();
  if (dir) await rm(dir, { recursive: true, force: true });
});

const camera = (name: string) =>
  Camera.parse({
    id: 'bin-1', name, location: { district: '徐汇区', street: '漕河泾街道' }, source: { kind: 'file', path: 'eval' }, rules: ['overflow'],
    zones: [{ id: 'bin', type: 'bin-point', polygon: [[0.1, 0.1], [0.9, 0.1], [0.9, 0.9], [0.1, 0.9]], dwellSeconds: 2 }],
  });

async function run(engine: AnalyticsEngine, image: BgrImage, from: number, seconds: number): Promise<HitEventT[]> {
  const out: HitEventT[] = [];
  for (let t = 0; t <= seconds; t++) out.push(...(await engine.process({ frameTime: from + t * 1000, detections: [], image })));
  return out;
}

test('reload, restart, stale: one hit for one violation, cleared when it is gone', { timeout: 180_000 }, async () => {
  // The first run: the overflowing bin opens one hit.
  const first = new AnalyticsEngine(camera('垃圾桶'), { overflow: classifier });
  const opened = (await run(first, full, BASE_TIME, 4)).filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  const hitId = opened[0]!.hitId;

  // A reload that renames the camera: the same hit continues, nothing new opens.
  first.reconfigure(camera('垃圾桶 (东门)'), BASE_TIME + 5_000);
  const afterReload = await run(first, full, BASE_TIME + 5_000, 40);
  assert.deepEqual(afterReload.filter((e) => e.event === 'opened'), []);
  assert.ok(afterReload.length > 0 && afterReload.every((e) => e.hitId === hitId && e.event === 'updated'), 'updates of the same hit');
  const lastSeq = afterReload.at(-1)!.seq;

  // Saved where the producer keeps its outbox, as the pipeline does after each event.
  const outbox = new HitOutbox({ dir, cfg: dispatchConfigFromEnv({}) });
  await outbox.init();
  await outbox.saveOpenHits('bin-1', first.deduper.snapshot());
  await outbox.stop();

  // Restart: a fresh engine takes the saved hits back; the same violation continues as the same hit.
  const restartAt = BASE_TIME + 600_000;
  const restored = await new HitOutbox({ dir, cfg: dispatchConfigFromEnv({}) }).loadOpenHits('bin-1');
  const second = new AnalyticsEngine(camera('垃圾桶 (东门)'), { overflow: classifier, dedup: { updateIntervalMs: 1000 } });
  second.restore(restored, restartAt);
  const afterRestart = await run(second, full, restartAt, 6);
  assert.deepEqual(afterRestart.filter((e) => e.event === 'opened'), [], 'no second hit after a restart');
  assert.ok(afterRestart.some((e) => e.hitId === hitId && e.event === 'updated'), 'the restored hit continues');
  assert.ok(afterRestart.every((e) => e.seq > lastSeq), 'its seq goes on from where it was');

  // A restart after the violation ended: the restored hit waits out the dwell, then is cleared with an event.
  const third = new AnalyticsEngine(camera('垃圾桶 (东门)'), { overflow: classifier });
  third.restore(restored, restartAt);
  const stale = await run(third, clean, restartAt, 25);
  assert.deepEqual(stale.map((e) => [e.hitId, e.event]), [[hitId, 'cleared']]);
  assert.ok(stale[0]!.at - restartAt >= 2_000, 'not before the zone had its dwell to see it again');
});
