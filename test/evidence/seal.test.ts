// Sealing with the embedded filesystem store: manifest contents, idempotency, chain across a
// restart and across concurrent seals, read-only files, a playable clip, the disk guard.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { createEvidenceService, FsEvidenceStore, KeyRing, DiskFullError, type EvidenceAlert } from '../../src/evidence/index.ts';
import { canonicalize } from '../../src/evidence/canonical-json.ts';
import { sha256Hex } from '../../src/evidence/hash.ts';
import { BundleManifest } from '../../src/evidence/manifest.ts';
import { verifyCamera } from '../../src/evidence/verify.ts';
import { AnchorWriter, anchorLeaf, checkAnchor } from '../../src/evidence/anchor.ts';
import { createLogger } from '../../src/util/log.ts';
import { merkleRoot } from '../../src/evidence/merkle.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from './helpers.ts';

let dir: string;
let jpegs: Buffer[];
before(() => {
  dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-seal-'));
  jpegs = extractFrames(8, 12, 4);
});
after(() => rmSync(dir, { recursive: true, force: true }));

async function service(name: string, extra: Partial<Parameters<typeof createEvidenceService>[0]> = {}) {
  const keys = await KeyRing.loadOrCreate(path.join(dir, name, 'keys'));
  const store = new FsEvidenceStore(path.join(dir, name, 'store'));
  const svc = createEvidenceService({ store, keys, spoolDir: path.join(dir, name, 'spool'), ...extra });
  await svc.init();
  return { svc, store, keys };
}

test('a sealed bundle holds originals, annotated copies, a clip and a signed canonical manifest', async () => {
  const { svc, store, keys } = await service('a');
  const cam = testCamera('cam-seal-a');
  const hit = testHit(cam.id, 1);
  const frames = framesFor(jpegs, hit.at);
  const clipFrames = jpegs.map((jpeg, i) => ({ capturedAt: hit.at - 1000 + i * 250, jpeg }));
  const r = await svc.seal({ hit, camera: cam, frames, models: MODELS, clip: true, clipFrames });
  assert.equal(r.spooled, false);
  assert.equal(r.height, 0);
  assert.equal(r.prevBundleHash, null);

  const manifestBytes = (await store.get(r.storageKey + 'manifest.json'))!;
  assert.equal(sha256Hex(manifestBytes), r.manifestSha256);
  // Stored bytes are exactly the canonical form.
  assert.equal(manifestBytes.toString('utf8'), canonicalize(JSON.parse(manifestBytes.toString('utf8'))));
  const m = BundleManifest.parse(JSON.parse(manifestBytes.toString('utf8')));
  assert.equal(m.camera.id, cam.id);
  assert.equal(m.camera.location.street, '南京东路');
  assert.deepEqual(m.hit.thresholds, hit.thresholds);
  assert.deepEqual(m.models, MODELS);
  assert.deepEqual(m.detections.map((d) => d.score), [0.82, 0.61]);
  assert.equal(m.signer.keyId, keys.activeKeyId);
  assert.deepEqual(m.frames.map((f) => f.role), ['before', 'at', 'after']);
  assert.deepEqual(m.frames.map((f) => f.capturedAt), frames.map((f) => f.capturedAt));
  assert.equal(m.clip?.frames, 8);

  for (const [name, want] of Object.entries(m.files)) {
    const buf = (await store.get(r.storageKey + name))!;
    assert.equal(sha256Hex(buf), want.sha256, name);
    // Sealed files are read-only on disk.
    assert.equal(statSync(path.join(store.location, r.storageKey, name)).mode & 0o222, 0, `${name} should be read-only`);
  }
  // The original is the frame as given; the annotated copy is a different picture of the same size.
  const orig = (await store.get(r.storageKey + m.frames[1].original))!;
  const anno = (await store.get(r.storageKey + m.frames[1].annotated))!;
  assert.ok(orig.equals(frames[1].jpeg));
  assert.ok(!anno.equals(orig));
  const [mo, ma] = await Promise.all([sharp(orig).metadata(), sharp(anno).metadata()]);
  assert.deepEqual([ma.width, ma.height], [mo.width, mo.height]);

  // ffprobe reads the clip as H.264 with all 8 frames.
  const clipPath = path.join(store.location, r.storageKey, 'clip.mp4');
  const probe = spawnSync('ffprobe', ['-v', 'error', '-count_frames', '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,nb_read_frames', '-of', 'json', clipPath]);
  const stream = JSON.parse(probe.stdout.toString()).streams[0];
  assert.equal(stream.codec_name, 'h264');
  assert.equal(Number(stream.nb_read_frames), 8);
});

test('seal is idempotent on (hitId, seq) and the chain survives a restart', async () => {
  const cam = testCamera('cam-seal-b');
  const first = await service('b');
  const a = await first.svc.seal({ hit: testHit(cam.id, 1), camera: cam, frames: framesFor(jpegs, 1), models: MODELS });
  const again = await first.svc.seal({ hit: testHit(cam.id, 1), camera: cam, frames: framesFor(jpegs.slice(3), 1), models: MODELS });
  assert.deepEqual(again, a);
  const b = await first.svc.seal({ hit: { ...testHit(cam.id, 1), seq: 1, event: 'updated' }, camera: cam, frames: framesFor(jpegs, 2), models: MODELS });
  assert.equal(b.height, 1);
  assert.equal(b.prevBundleHash, a.manifestSha256);
  assert.equal((await first.svc.lookup(`hit-${cam.id}-1`, 1))?.bundleId, b.bundleId);
  await first.svc.stop();

  // A new process with a fresh spool (the old one lost) picks the chain up from the store.
  rmSync(path.join(dir, 'b', 'spool'), { recursive: true, force: true });
  const second = await service('b');
  const dup = await second.svc.seal({ hit: testHit(cam.id, 1), camera: cam, frames: framesFor(jpegs, 1), models: MODELS });
  assert.equal(dup.bundleId, a.bundleId, 'the store index still answers for an old hit');
  const c = await second.svc.seal({ hit: testHit(cam.id, 2), camera: cam, frames: framesFor(jpegs, 3), models: MODELS });
  assert.equal(c.height, 2);
  assert.equal(c.prevBundleHash, b.manifestSha256);
  const report = await verifyCamera(second.store, second.keys, cam.id);
  assert.deepEqual(report.problems, []);
  assert.equal(report.bundles, 3);
});

test('concurrent seals of one camera from two services sharing a spool form one unbroken chain', async () => {
  const cam = testCamera('cam-seal-c');
  const one = await service('c');
  // A second service instance on the same folders stands in for a second worker process:
  // only the file lock serialises them.
  const two = createEvidenceService({ store: one.store, keys: one.keys, spoolDir: path.join(dir, 'c', 'spool') });
  await two.init();
  const seals = [];
  for (let i = 0; i < 8; i++) {
    const svc = i % 2 ? two : one.svc;
    seals.push(svc.seal({ hit: testHit(cam.id, i), camera: cam, frames: framesFor(jpegs, i), models: MODELS }));
  }
  const results = await Promise.all(seals);
  assert.deepEqual(results.map((r) => r.height).sort((x, y) => x - y), [0, 1, 2, 3, 4, 5, 6, 7]);
  await one.svc.flush();
  const report = await verifyCamera(one.store, one.keys, cam.id);
  assert.deepEqual(report.problems, []);
  assert.equal(report.bundles, 8);
});

test('the disk guard refuses new evidence with an alert and deletes nothing', async () => {
  const { svc, store } = await service('d', { disk: { minFreeFraction: 0.9999 } });
  const alerts: EvidenceAlert[] = [];
  svc.on('alert', (a: EvidenceAlert) => alerts.push(a));
  const before = await store.list('');
  const cam = testCamera('cam-seal-d');
  await assert.rejects(svc.seal({ hit: testHit(cam.id, 1), camera: cam, frames: framesFor(jpegs, 1), models: MODELS }), DiskFullError);
  await assert.rejects(svc.seal({ hit: testHit(cam.id, 2), camera: cam, frames: framesFor(jpegs, 1), models: MODELS }), DiskFullError);
  assert.equal(alerts.length, 1, 'one alert per low-disk episode');
  assert.equal(alerts[0].kind, 'disk-low');
  assert.deepEqual(await store.list(''), before);
  assert.equal((await svc.health()).diskLow, true);
});

test('the anchor writer signs a Merkle root over all chain heads and exports it', async () => {
  const exportDir = path.join(dir, 'e', 'anchors-out');
  const { svc, store, keys } = await service('e');
  const anchors = new AnchorWriter(store, keys, createLogger({ stage: 'test' }), { exportDir });
  for (const id of ['cam-anc-1', 'cam-anc-2']) {
    const cam = testCamera(id);
    await svc.seal({ hit: testHit(id, 1), camera: cam, frames: framesFor(jpegs, 1), models: MODELS });
  }
  const doc = await anchors.runOnce();
  assert.deepEqual(doc.anchor.heads.map((h) => [h.cameraId, h.height]), [['cam-anc-1', 0], ['cam-anc-2', 0]]);
  assert.equal(checkAnchor(doc, keys), null);
  const files = readdirSync(exportDir);
  assert.equal(files.length, 1);
  const exported = JSON.parse(readFileSync(path.join(exportDir, files[0]), 'utf8'));
  assert.equal(exported.anchor.merkleRoot, doc.anchor.merkleRoot);
  assert.equal(merkleRoot(exported.anchor.heads.map(anchorLeaf)), doc.anchor.merkleRoot);
  // A second anchor links to the first.
  const second = await anchors.runOnce();
  assert.equal(second.anchor.prevAnchorHash, sha256Hex((await store.get((await store.list('anchors/'))[0]))!));
  assert.equal(anchors.health().merkleRoot, second.anchor.merkleRoot);
});

test('a seal cut short between spool commit and chain head (kill -9) is repaired before the next seal', async () => {
  const { svc, store, keys } = await service('f', { uploadWaitMs: 0 });
  const cam = testCamera('cam-seal-f');
  const spool = path.join(dir, 'f', 'spool');
  const a = await svc.seal({ hit: testHit(cam.id, 1), camera: cam, frames: framesFor(jpegs, 1), models: MODELS });
  await svc.flush();
  const headAfterA = readFileSync(path.join(spool, 'chains', `${cam.id}.json`));
  // Seal b with the uploader held off, then undo the two steps that follow the commit, as a
  // worker killed right after renaming the bundle into pending/ would leave them.
  // Hold the upload back so b stays in pending/ (the killed worker never uploaded it).
  const origDrain = svc.uploader.drain.bind(svc.uploader);
  svc.uploader.drain = async () => {};
  const b = await svc.seal({ hit: testHit(cam.id, 2), camera: cam, frames: framesFor(jpegs, 2), models: MODELS });
  assert.equal(b.spooled, true);
  writeFileSync(path.join(spool, 'chains', `${cam.id}.json`), headAfterA);
  rmSync(path.join(spool, 'index', `${b.bundleId}.json`));
  svc.uploader.drain = origDrain;

  // The retried hit finds its bundle; the next hit continues the chain after it.
  const retry = await svc.seal({ hit: testHit(cam.id, 2), camera: cam, frames: framesFor(jpegs, 2), models: MODELS });
  assert.equal(retry.bundleId, b.bundleId);
  const c = await svc.seal({ hit: testHit(cam.id, 3), camera: cam, frames: framesFor(jpegs, 3), models: MODELS });
  assert.equal(c.height, 2);
  assert.equal(c.prevBundleHash, b.manifestSha256);
  await svc.flush();
  const report = await verifyCamera(store, keys, cam.id);
  assert.deepEqual(report.problems, []);
  assert.equal(report.bundles, 3);
  assert.equal(a.height, 0);
});
