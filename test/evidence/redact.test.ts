// Redaction with the real YuNet model on a real photo (street/bus.jpg): the shared copy has
// the faces YuNet finds blurred, the rest of the picture intact, and the original untouched.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { loadDetector } from '../../src/inference/detectors.ts';
import { createEvidenceService, FsEvidenceStore, KeyRing } from '../../src/evidence/index.ts';
import { BundleManifest } from '../../src/evidence/manifest.ts';
import { DATA, MODELS, testCamera, testHit } from './helpers.ts';

const dir = mkdtempSync(path.join(tmpdir(), 'huiyan-ev-redact-'));
after(() => rmSync(dir, { recursive: true, force: true }));

/** Variance of the grey levels inside a box. */
async function variance(jpeg: Buffer, [x1, y1, x2, y2]: number[]): Promise<number> {
  const left = Math.round(x1);
  const top = Math.round(y1);
  const { data } = await sharp(jpeg)
    .extract({ left, top, width: Math.round(x2) - left, height: Math.round(y2) - top })
    .greyscale()
    .raw()
    .toBuffer({ resolveWithObject: true });
  let sum = 0;
  let sq = 0;
  for (const v of data) {
    sum += v;
    sq += v * v;
  }
  const mean = sum / data.length;
  return sq / data.length - mean * mean;
}

test('the redacted copy blurs the faces YuNet finds in bus.jpg and nothing else', async () => {
  const yunet = await loadDetector('yunet', { threads: 1 });
  try {
    const jpeg = readFileSync(path.join(DATA, 'street/bus.jpg'));
    const store = new FsEvidenceStore(path.join(dir, 'store'));
    const svc = createEvidenceService({ store, keys: await KeyRing.loadOrCreate(path.join(dir, 'keys')), spoolDir: path.join(dir, 'spool'), faceDetector: yunet });
    await svc.init();
    const cam = testCamera('cam-redact');
    const hit = { ...testHit(cam.id, 1), detections: [] };
    const r = await svc.seal({ hit, camera: cam, frames: [{ role: 'at', capturedAt: hit.at, jpeg }], models: MODELS });
    const m = BundleManifest.parse(JSON.parse((await store.get(r.storageKey + 'manifest.json'))!.toString()));
    assert.equal(m.redaction?.modelId, 'yunet');
    const faces = m.redaction!.faces;
    assert.ok(faces.length >= 2, `YuNet found ${faces.length} faces`);
    const frame = m.frames[0];
    const original = (await store.get(r.storageKey + frame.original))!;
    const redacted = (await store.get(r.storageKey + frame.redacted!))!;
    assert.ok(original.equals(jpeg), 'the sealed original is the untouched photo');
    for (const f of faces) {
      assert.ok(f.score >= 0.6);
      const before = await variance(original, f.box);
      const afterBlur = await variance(redacted, f.box);
      assert.ok(before > 100, `face ${f.box.map(Math.round)} has detail (${before.toFixed(0)})`);
      assert.ok(afterBlur < before * 0.25, `face ${f.box.map(Math.round)}: variance ${before.toFixed(0)} → ${afterBlur.toFixed(0)}`);
    }
    // A region away from faces and from the header strip keeps its detail (the bus side).
    const bus: [number, number, number, number] = [450, 500, 750, 650];
    const ratio = (await variance(redacted, bus)) / (await variance(original, bus));
    assert.ok(ratio > 0.8 && ratio < 1.25, `non-face region variance ratio ${ratio.toFixed(2)}`);
    await svc.stop();
  } finally {
    await yunet.close();
  }
});
