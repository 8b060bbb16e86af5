// Every rule's hits resolve their provenance through the one model registry: overflow hits
// (a trained head on a backbone) and spillage hits (tracker + background model over the
// detector's truck) are produced by the real rules on real pictures, go through the outbox,
// real Redis/BullMQ and the real evidence and case workers, and each becomes one case whose
// sealed bundle names every contributor.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { BASE_TIME, compositeSpill, DATA } from '../../tools/eval/cases.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { OverflowClassifier } from '../../src/analytics/overflow/classifier.ts';
import { Camera, type CameraConfig } from '../../src/config/schema.ts';
import { startCaseWorker, startEvidenceWorker, startHitWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import type { OutboxFrame } from '../../src/dispatch/outbox.ts';
import { loadDetector } from '../../src/inference/detectors.ts';
import { encodeJpeg, readImageBgr } from '../../src/inference/image.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let h: Harness | undefined;
const running: RunningWorker[] = [];
after(async () => {
  for (const w of running) await w.close();
  await h?.dispose();
});

interface Produced {
  camera: CameraConfig;
  hit: HitEventT;
  frames: OutboxFrame[];
}

/** A bin point with an overflowing pile held in view: the real classifier decides. */
async function overflowHit(): Promise<Produced> {
  const camera = Camera.parse({
    id: 'prov-bin', name: '垃圾桶 (测试)', location: { district: '徐汇区', street: '漕河泾街道' },
    source: { kind: 'file', path: 'eval' }, rules: ['overflow'],
    zones: [{ id: 'bin', type: 'bin-point', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]], dwellSeconds: 2 }],
  });
  const classifier = await OverflowClassifier.load();
  try {
    const dir = path.join(DATA, 'overflow/train/dirty');
    for (const name of (await readdir(dir)).sort().slice(0, 20)) {
      const jpeg = await readFile(path.join(dir, name));
      const image = await readImageBgr(jpeg);
      const engine = new AnalyticsEngine(camera, { overflow: classifier });
      for (let t = 0; t <= 4; t++) {
        const events = await engine.process({ frameTime: BASE_TIME + t * 1000, detections: [], image });
        const hit = events.find((e) => e.event === 'opened');
        if (hit) return { camera, hit, frames: [{ role: 'at', capturedAt: hit.at, jpeg }] };
      }
    }
  } finally {
    await classifier.close();
  }
  throw new Error('none of 20 overflowing-bin photos raised an overflow hit');
}

/** The composite spill (a van crosses the road, debris stays behind it) through the real detector. */
async function spillageHit(): Promise<Produced> {
  const scene = compositeSpill({ truck: true, debris: true });
  const camera = { ...scene.camera, id: 'prov-road', name: '道路 (合成画面)', location: { district: '徐汇区', street: '漕河泾街道' } };
  const objects = await loadDetector('yolox-nano', { threads: 2 });
  try {
    const engine = new AnalyticsEngine(camera);
    for await (const s of scene.samples()) {
      const events = await engine.process({ frameTime: BASE_TIME + s.t * 1000, detections: await objects.detect(s.image), image: s.image });
      const hit = events.find((e) => e.event === 'opened');
      if (hit) return { camera, hit, frames: [{ role: 'at', capturedAt: hit.at, jpeg: await encodeJpeg(s.image) }] };
    }
  } finally {
    await objects.close();
  }
  throw new Error('the composite spill raised no hit');
}

async function bundleManifests(dir: string): Promise<Array<{ hit: { hitId: string }; models: Array<{ id: string; kind?: string; sha256?: string; version?: string }> }>> {
  const out = [];
  for (const e of await readdir(dir, { recursive: true, withFileTypes: true })) {
    if (e.isFile() && e.name === 'manifest.json') out.push(JSON.parse(await readFile(path.join(e.parentPath, e.name), 'utf8')));
  }
  return out;
}

test('overflow and spillage hits from the real rules each become one case naming every contributor', { timeout: 480_000 }, async () => {
  const produced = [await overflowHit(), await spillageHit()];
  h = await createHarness(REDIS);
  await writeFile(path.join(h.env.HUIYAN_STREAMS_CONFIG!, 'prov.yaml'), JSON.stringify({ cameras: produced.map((p) => p.camera) }));
  running.push(await startHitWorker(h.env), await startEvidenceWorker(h.env), await startCaseWorker(h.env));
  h.outbox.start();
  for (const p of produced) await h.outbox.submit(p.hit, p.frames);

  await waitFor('two cases', async () => (await h!.countCases()) >= 2, 120_000);
  const rows = await h.db.query<{ hit_id: string; n: number }>('SELECT hit_id, count(*)::int AS n FROM cases GROUP BY hit_id ORDER BY hit_id');
  assert.deepEqual(rows.map((r) => r.hit_id), produced.map((p) => p.hit.hitId).sort());
  assert.ok(rows.every((r) => r.n === 1));

  const manifests = await bundleManifests(h.env.HUIYAN_EVIDENCE_DIR!);
  const modelsOf = (p: Produced) => manifests.find((m) => m.hit.hitId === p.hit.hitId)!.models;
  const [overflow, spill] = produced.map(modelsOf);
  // The head and the backbone whose features it reads, both pinned by file hash.
  assert.deepEqual(overflow!.map((m) => [m.id, m.kind]), [['mobilenetv2-int8', 'model'], ['overflow-head', 'head']]);
  assert.ok(overflow!.every((m) => /^[0-9a-f]{64}$/.test(m.sha256 ?? '')));
  // The detector that saw the truck, the tracker that followed it, the background model that found the debris.
  assert.deepEqual(spill!.map((m) => [m.id, m.kind]), [['background-model', 'algorithm'], ['tracker', 'algorithm'], ['yolox-nano', 'model']]);
  assert.ok(spill!.filter((m) => m.kind === 'algorithm').every((m) => m.version));
});
