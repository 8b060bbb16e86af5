// End to end on real parts: composite footage (a vendor stall held in a vtest view) read as a
// live file camera → ffmpeg → YOLOX-nano → analytics → hit outbox → Redis/BullMQ → evidence
// sealed on disk → a case in real PostgreSQL, then the evidence verifies.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, mkdir, writeFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { stringify } from 'yaml';
import { compositeStall } from '../../tools/eval/cases.ts';
import { renderCase } from '../../tools/eval/footage.ts';
import { startAppliance } from '../../src/app/appliance.ts';
import { verifyAll } from '../../src/evidence/verify.ts';
import { openStore, evidenceEnv } from '../../src/evidence/config.ts';
import { KeyRing } from '../../src/evidence/keys.ts';
import { createSchema, freshSchemaName } from '../cases/stores.ts';
import { applianceTestEnv } from '../support/appliance-env.ts';
import { waitFor } from '../support/wait.ts';

test('a held stall on a live file camera becomes one sealed, verifiable case', { timeout: 240_000 }, async () => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-e2e-'));
  const schema = freshSchemaName('e2e');
  const dropSchema = await createSchema(schema);
  after(async () => {
    await dropSchema();
    await rm(dir, { recursive: true, force: true });
  });

  // The stall appears at 3 s; with an 8 s dwell the alert is due around 11 s of video.
  const scene = compositeStall({ from: 3, to: 70, dwellSeconds: 8 });
  const video = await renderCase(scene, path.join(dir, 'stall.mp4'), 2);
  const camera = {
    ...scene.camera,
    id: 'e2e-stall',
    name: '端到端测试摊位 (合成画面)',
    location: { district: '测试区', street: '测试街道' },
    source: { kind: 'file', path: video, loop: false, realtime: true },
    sampling: { fps: 2, keyframesOnly: false },
  };
  await mkdir(path.join(dir, 'streams'));
  await writeFile(path.join(dir, 'streams', 'e2e.yaml'), stringify({ cameras: [camera] }));

  const env = applianceTestEnv(dir, schema, 'e2e');

  const app = await startAppliance(env);
  try {
    const found = await waitFor(
      'a case for the stall',
      async () => (await app.store.listCases({ cameraId: 'e2e-stall' })).items[0],
      150_000,
      500,
    );
    assert.equal(found.rule, 'vending');
    assert.equal(found.district, '测试区');
    assert.ok(found.evidence?.bundleId, 'the case references its evidence bundle');
    const health = app.pipeline.health()['e2e-stall']!;
    assert.ok(health.samples > 10, `samples analysed: ${health.samples}`);
    assert.equal(health.failed, 0, health.lastError);
  } finally {
    await app.stop();
  }
  const ev = evidenceEnv(env);
  const report = await verifyAll(openStore(ev), await KeyRing.load(ev.HUIYAN_EVIDENCE_KEYS));
  assert.ok(report.ok, JSON.stringify(report.problems));
  assert.equal(report.bundles, 1, 'one stall, one bundle');
});
