// Key rotation: new bundles are signed by the new key, old ones still verify with the
// retired public key, and only vanish from trust when that public key is removed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { createEvidenceService, FsEvidenceStore, KeyRing, KeyError, rotateKey } from '../../src/evidence/index.ts';
import { BundleManifest } from '../../src/evidence/manifest.ts';
import { verifyAll } from '../../src/evidence/verify.ts';
import { extractFrames, framesFor, MODELS, testCamera, testHit } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-rot-'));
after(() => rmSync(dir, { recursive: true, force: true }));

test('rotation: new key signs new bundles, retired keys keep old ones valid', async () => {
  const keysDir = path.join(dir, 'keys');
  const store = new FsEvidenceStore(path.join(dir, 'store'));
  const cam = testCamera('cam-rot');
  const jpegs = extractFrames(3, 40);
  const seal = async (keys: KeyRing, n: number) => {
    const svc = createEvidenceService({ store, keys, spoolDir: path.join(dir, 'spool') });
    await svc.init();
    const r = await svc.seal({ hit: testHit(cam.id, n), camera: cam, frames: framesFor(jpegs, n), models: MODELS });
    await svc.stop();
    return JSON.parse((await store.get(r.storageKey + 'manifest.json'))!.toString()) as unknown;
  };

  const k1 = await KeyRing.loadOrCreate(keysDir);
  const m1 = BundleManifest.parse(await seal(k1, 1));
  const newId = await rotateKey(keysDir);
  assert.notEqual(newId, k1.activeKeyId);
  const k2 = await KeyRing.load(keysDir, { requirePrivate: true });
  assert.equal(k2.activeKeyId, newId);
  const m2 = BundleManifest.parse(await seal(k2, 2));
  assert.equal(m1.signer.keyId, k1.activeKeyId);
  assert.equal(m2.signer.keyId, newId);
  assert.equal(m2.chain.height, 1);

  // The retired private key can go; its public key keeps bundle 1 verifiable.
  rmSync(path.join(keysDir, `${k1.activeKeyId}.key.pem`), { force: true });
  const verifier = await KeyRing.load(keysDir);
  assert.deepEqual(verifier.keyIds().sort(), [k1.activeKeyId, newId].sort());
  assert.deepEqual((await verifyAll(store, verifier)).problems, []);

  // Without the retired public key, bundle 1 (and the anchorless chain) is no longer trusted.
  rmSync(path.join(keysDir, `${k1.activeKeyId}.pub.pem`), { force: true });
  const r = await verifyAll(store, await KeyRing.load(keysDir));
  assert.deepEqual(r.problems.map((p) => [p.kind, p.bundleId]), [['unknown-key', m1.bundleId]]);
});

test('a verifier folder with public keys only can verify but not sign', async () => {
  const keysDir = path.join(dir, 'keys2');
  await rotateKey(keysDir);
  const active = readdirSync(keysDir).find((f) => f.endsWith('.key.pem'))!;
  rmSync(path.join(keysDir, active));
  const ring = await KeyRing.load(keysDir);
  assert.equal(ring.activeKeyId, null);
  assert.throws(() => ring.sign(Buffer.from('x')), KeyError);
  await assert.rejects(KeyRing.load(keysDir, { requirePrivate: true }), KeyError);
  assert.ok(!existsSync(path.join(keysDir, active)));
});

test('a process loading the key folder while another creates or rotates keys never reads half a key', async () => {
  const dir = mkdtempSync(path.join(tmpdir(), 'huiyan-keys-race-'));
  try {
    // Two starters create the first key at once (as the workers of a site do), while readers load.
    const starters = [KeyRing.loadOrCreate(dir), KeyRing.loadOrCreate(dir)];
    let loads = 0;
    let rotating = true;
    const rotations = (async () => {
      for (let i = 0; i < 20; i++) await rotateKey(dir);
      rotating = false;
    })();
    while (rotating) {
      const ring = await KeyRing.loadPublic(dir);
      assert.ok(ring !== undefined);
      loads++;
    }
    await rotations;
    for (const ring of await Promise.all(starters)) assert.ok(ring.activeKeyId);
    const ring = await KeyRing.load(dir, { requirePrivate: true });
    assert.ok(ring.activeKeyId);
    assert.ok(loads > 0);
    assert.deepEqual(readdirSync(dir).filter((f) => f.endsWith('.tmp')), [], 'no temporary file left');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
