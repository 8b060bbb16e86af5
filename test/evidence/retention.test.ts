// Retention: expired bundles go (each leaving a signed tombstone so the chain still verifies),
// bundles of open or confirmed cases stay, and a forged tombstone does not pass verify.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, mkdtempSync, readFileSync, readdirSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvidenceService, FsEvidenceStore, KeyRing, type SealedBundle } from '../../src/evidence/index.ts';
import { RetentionSweeper, sweepRetention } from '../../src/evidence/retention.ts';
import { verifyAll } from '../../src/evidence/verify.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-ret-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('retention deletes expired bundles except protected ones, and the chain still verifies', async () => {
  const keys = await KeyRing.loadOrCreate(path.join(dir, 'keys'));
  const store = new FsEvidenceStore(path.join(dir, 'store'));
  const svc = createEvidenceService({ store, keys, spoolDir: path.join(dir, 'spool') });
  await svc.init();
  const cam = testCamera('cam-ret');
  const jpegs = extractFrames(3, 50);
  const sealed: SealedBundle[] = [];
  for (let i = 0; i < 5; i++) sealed.push(await svc.seal({ hit: testHit(cam.id, i), camera: cam, frames: framesFor(jpegs, i), models: MODELS }));
  await svc.stop();
  const protectedIds = new Set([sealed[1].bundleId, sealed[4].bundleId]);
  let asked = 0;

  // Nothing is old enough yet.
  const sweeper = new RetentionSweeper({ store, keys, retentionDays: 30, isProtected: () => false });
  const none = await sweeper.runOnce();
  assert.deepEqual(none.deleted, []);
  assert.equal(none.scanned, 5);
  assert.equal(sweeper.health().lastDeleted, 0);

  const later = Date.now() + 31 * 86_400_000;
  const res = await sweepRetention({
    store,
    keys,
    retentionDays: 30,
    now: later,
    isProtected: async (id) => {
      asked++;
      if (id === sealed[2].bundleId) throw new Error('cases database unreachable');
      return protectedIds.has(id);
    },
  });
  assert.equal(asked, 5);
  assert.deepEqual(res.deleted.sort(), [sealed[0].bundleId, sealed[3].bundleId].sort());
  // Protected, and the one whose status could not be checked, are kept.
  assert.deepEqual(res.protectedKept.sort(), [sealed[1].bundleId, sealed[2].bundleId, sealed[4].bundleId].sort());
  for (const s of sealed) {
    assert.equal(await store.exists(s.storageKey + 'manifest.json'), !res.deleted.includes(s.bundleId), s.bundleId);
  }
  const report = await verifyAll(store, keys);
  assert.deepEqual(report.problems, []);
  assert.equal(report.tombstones, 2);
  assert.equal(report.bundles, 3);

  // A tombstone edited to cover a deletion is rejected, and the gap shows.
  const tdir = path.join(store.location, 'tombstones', cam.id);
  const tfile = path.join(tdir, readdirSync(tdir).sort()[0]);
  chmodSync(tfile, 0o644);
  writeFileSync(tfile, readFileSync(tfile, 'utf8').replace('retention 30 days', 'retention 1 days'));
  const bad = await verifyAll(store, keys);
  assert.deepEqual(bad.problems.map((p) => p.kind).sort(), ['bundle-deleted', 'tombstone-invalid']);
});
