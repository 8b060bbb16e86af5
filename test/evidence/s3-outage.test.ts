// Storage fault: a real S3 server process (s3rver on loopback; MinIO cannot be installed
// here) is killed while hits keep coming. Bundles go to the spool, survive a service restart,
// and once the server is back they all arrive, oldest first, exactly once, and verify clean.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvidenceService, KeyRing, type EvidenceAlert, type SealedBundle } from '../../src/evidence/index.ts';
import { S3EvidenceStore } from '../../src/evidence/store/s3-store.ts';
import { groupBundles, sweepRetention } from '../../src/evidence/retention.ts';
import { verifyAll } from '../../src/evidence/verify.ts';
import { Spool } from '../../src/evidence/spool.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from './helpers.ts';
import { S3rverProcess } from './s3rver-process.ts';

const PORT = 19001;
const dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-s3-'));
const s3 = new S3rverProcess(PORT, path.join(dir, 's3data'));
const services: Array<{ stop(): Promise<void> }> = [];
after(async () => {
  for (const s of services) await s.stop();
  await s3.stop();
  rmSync(dir, { recursive: true, force: true });
});

async function until(what: string, cond: () => Promise<boolean>, timeoutMs = 90_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await cond())) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
}

test('bundles spool while S3 is down and all arrive once it is back', async () => {
  await s3.start();
  const store = new S3EvidenceStore({ endPoint: '127.0.0.1', port: PORT, accessKey: 'S3RVER', secretKey: 'S3RVER', bucket: 'huiyan-ev-test', prefix: 'appliance-1', objectLock: true, timeoutMs: 5000 });
  const keys = await KeyRing.loadOrCreate(path.join(dir, 'keys'));
  const spoolDir = path.join(dir, 'spool');
  const make = async () => {
    const svc = createEvidenceService({ store, keys, spoolDir, uploader: { pollMs: 200, minBackoffMs: 200, maxBackoffMs: 1000 }, uploadWaitMs: 20_000 });
    services.push(svc);
    await svc.init();
    svc.start();
    return svc;
  };
  const cams = [testCamera('cam-s3-a'), testCamera('cam-s3-b')];
  const jpegs = extractFrames(3, 60);
  const sealed: SealedBundle[] = [];
  let n = 0;
  const seal = async (svc: Awaited<ReturnType<typeof make>>) => {
    const cam = cams[n % 2];
    const hit = testHit(cam.id, n++);
    const r = await svc.seal({ hit, camera: cam, frames: framesFor(jpegs, hit.at), models: MODELS });
    sealed.push(r);
    return r;
  };

  let svc = await make();
  for (let i = 0; i < 3; i++) assert.equal((await seal(svc)).spooled, false, 'uploaded while S3 is up');

  // Outage.
  await s3.stop();
  const alerts: EvidenceAlert[] = [];
  svc.on('alert', (a: EvidenceAlert) => alerts.push(a));
  for (let i = 0; i < 4; i++) assert.equal((await seal(svc)).spooled, true, 'spooled while S3 is down');
  assert.deepEqual(alerts.map((a) => a.kind), ['store-unavailable'], 'one alert per outage');
  const h = await svc.health();
  assert.equal(h.uploader.pending, 4);
  assert.ok(h.uploader.lastError);

  // The service restarts during the outage: init tolerates the dead store, sealing goes on.
  await svc.stop();
  svc = await make();
  for (let i = 0; i < 3; i++) assert.equal((await seal(svc)).spooled, true);
  await svc.stop();

  // S3 comes back. Before the uploader runs, one file of the oldest pending bundle is already
  // there, as if a crash had cut an upload short: the upload must simply complete it.
  await s3.start();
  const spool = new Spool(spoolDir);
  const oldest = await spool.readPending((await spool.listPending())[0]);
  const firstFile = oldest.meta.files.find((f) => f.endsWith('.jpg'))!;
  await store.put(oldest.meta.record.storageKey + firstFile, await spool.readPendingFile(oldest, firstFile), { immutable: true });

  const uploaded: SealedBundle[] = [];
  svc.on('uploaded', (r: SealedBundle) => uploaded.push(r));
  const after: EvidenceAlert[] = [];
  svc.on('alert', (a: EvidenceAlert) => after.push(a));
  svc.start();
  await until('the spool to drain', async () => (await svc.health()).uploader.pending === 0);
  assert.equal(uploaded.length, 7);
  assert.deepEqual(after.map((a) => a.kind), ['store-recovered']);
  // The store was down when this service started; it was initialised once it came back.
  assert.ok((await svc.health()).store.capabilities);
  // Oldest first: seal order, which per camera is chain order.
  assert.deepEqual(uploaded.map((r) => r.bundleId), sealed.slice(3).map((r) => r.bundleId));

  // None lost, none duplicated, all intact.
  const prefixes = [...groupBundles(await store.list('bundles/')).keys()].sort();
  assert.deepEqual(prefixes, sealed.map((r) => r.storageKey).sort());
  for (const r of sealed) assert.ok(await store.exists(r.storageKey + 'manifest.json'), r.bundleId);
  const report = await verifyAll(store, keys);
  assert.deepEqual(report.problems, []);
  assert.equal(report.bundles, 10);
  assert.equal(report.cameras, 2);

  // A retried hit after recovery maps to its existing bundle.
  const again = await svc.seal({ hit: testHit(cams[0].id, 4), camera: cams[0], frames: framesFor(jpegs, 0), models: MODELS });
  assert.equal(again.bundleId, sealed[4].bundleId);
  assert.equal(again.spooled, false);
  assert.equal(groupBundles(await store.list('bundles/')).size, 10);

  // Retention on S3: everything is expired 200 days on; the first two bundles belong to open cases.
  const keep = new Set(sealed.slice(0, 2).map((r) => r.bundleId));
  const swept = await sweepRetention({ store, keys, retentionDays: 180, now: Date.now() + 200 * 86_400_000, isProtected: (id) => keep.has(id) });
  assert.equal(swept.deleted.length, 8);
  assert.deepEqual(swept.protectedKept.sort(), [...keep].sort());
  const afterSweep = await verifyAll(store, keys);
  assert.deepEqual(afterSweep.problems, []);
  assert.equal(afterSweep.bundles, 2);
  assert.equal(afterSweep.tombstones, 8);
});
