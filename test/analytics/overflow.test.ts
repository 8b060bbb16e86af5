// The committed overflow head on the real (graph-edited) MobileNetV2-int8 backbone, scored on
// the grouped hold-out it records and was never trained on.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { readFile, writeFile, mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { OverflowClassifier } from '../../src/analytics/overflow/classifier.ts';
import { combine, tileBlockViews, type FeatureSpecT } from '../../src/analytics/overflow/features.ts';
import { heldOutPhotos } from '../../tools/eval/overflow-cases.ts';
import { holdoutOf, listSamples, OVERFLOW_DATA_DIR } from '../../tools/overflow/dataset.ts';
import { contentHash, dHash, GROUPING } from '../../tools/overflow/groups.ts';
import { addFloatOutputs, decodeModel, encodeModel } from '../../src/inference/onnx-proto.ts';
import { binaryMetrics } from '../../tools/overflow/train.ts';
import { loadManifest, resolveModel } from '../../src/inference/manifest.ts';
import { readImageBgr } from '../../src/inference/image.ts';

let clf: OverflowClassifier;
before(async () => {
  clf = await OverflowClassifier.load();
});
after(async () => {
  await clf?.close();
});

test('the graph edit adds outputs in memory and refuses unknown tensors', async () => {
  const m = await resolveModel(await loadManifest(), 'yolox-nano');
  const bytes = new Uint8Array(await readFile(m.path));
  const model = decodeModel(bytes);
  assert.deepEqual(model.graphOutputs, ['output']);
  const edited = encodeModel(addFloatOutputs(model, ['886', '1024']));
  assert.deepEqual(decodeModel(edited).graphOutputs, ['output', '886', '1024']);
  assert.deepEqual(decodeModel(bytes).graphOutputs, ['output'], 'the file bytes are left alone');
  assert.throws(() => addFloatOutputs(model, ['886', 'no-such-tensor']), /no node produces tensor "no-such-tensor"/);
});

test('grouped hold-out: no photo shares bytes or a near-identical dHash with a training photo; conflicting photos dropped', { timeout: 120_000 }, async () => {
  const holdout = holdoutOf(clf.head);
  const held = new Set(holdout.map((s) => s.file));
  const train = listSamples().filter((s) => !held.has(s.file));
  assert.ok(holdout.length > 250 && holdout.length < 400, `hold-out ${holdout.length}`);
  const dropped = (clf.head.training.cleaning as { droppedConflicting: string[] }).droppedConflicting;
  // The two files with the same bytes under clean/ and dirty/ (issue 13).
  assert.deepEqual(dropped, ['clean/clean_0285.jpg', 'dirty/dirty_0088.jpg']);
  assert.equal(contentHash(path.join(OVERFLOW_DATA_DIR, dropped[0]!)), contentHash(path.join(OVERFLOW_DATA_DIR, dropped[1]!)));
  assert.ok(dropped.every((d) => !held.has(path.join(OVERFLOW_DATA_DIR, d))));
  const trainHashes = new Set(train.map((s) => contentHash(s.file)));
  assert.ok(holdout.every((s) => !trainHashes.has(contentHash(s.file))), 'identical bytes on both sides');
  const trainD = await Promise.all(train.map((s) => dHash(s.file)));
  for (const s of holdout) {
    const d = await dHash(s.file);
    const near = trainD.findIndex((t) => {
      let v = t ^ d;
      let n = 0;
      for (; v; n++) v &= v - 1n;
      return n <= GROUPING.maxHamming;
    });
    assert.equal(near, -1, `${s.file} is a near-duplicate of training photo ${train[near]?.file}`);
  }
});

test('committed head on half the grouped hold-out: precision at the operating point, accuracy as recorded', { timeout: 300_000 }, async () => {
  const photos = heldOutPhotos(clf.head, 2);
  const probs: number[] = [];
  for (const p of photos) {
    const img = await readImageBgr(p.file);
    probs.push(await clf.score(img));
  }
  const m = binaryMetrics(probs, photos.map((p) => p.label));
  console.log(`grouped hold-out, every 2nd photo: n ${m.n}, accuracy ${m.accuracy.toFixed(3)}, precision ${m.precision.toFixed(3)}, recall ${m.recall.toFixed(3)} (tp ${m.tp} fp ${m.fp})`);
  // The operating point was chosen for precision ≥ 0.97 in grouped CV; the whole hold-out gave
  // 0.947 (docs/analytics.md), the round-2 head 0.895 on its random hold-out.
  assert.ok(m.precision >= 0.9, `precision ${m.precision}`);
  assert.ok(m.tp >= 20, `too few overflowing bins found: ${m.tp}`);
  // The runtime path (decode → region → features) gives what training measured on the same photos.
  const recorded = (clf.head.training.holdout as { accuracy: number }).accuracy;
  assert.ok(Math.abs(recorded - m.accuracy) < 0.05, `recorded ${recorded}, measured ${m.accuracy}`);
});

test('the acceptance matrix footage (dirty_0003.jpg) scores above the zone threshold 0.5', async () => {
  const img = await readImageBgr(path.join(OVERFLOW_DATA_DIR, 'dirty/dirty_0003.jpg'));
  const p = await clf.score(img, [0, 0, img.width, img.height]);
  assert.ok(p > 0.5, `score ${p}`);
});

test('a head trained on another backbone file is refused', async () => {
  const head = structuredClone(clf.head);
  head.features.backbones[0]!.sha256 = '0'.repeat(64);
  const dir = await mkdtemp(path.join(tmpdir(), 'ovf-'));
  try {
    await writeFile(path.join(dir, 'head.json'), JSON.stringify(head));
    await assert.rejects(OverflowClassifier.load(path.join(dir, 'head.json')), /trained on mobilenetv2-int8 with sha256 0{64}/);
  } finally {
    await rm(dir, { recursive: true });
  }
});

test('tiles in place (pool concat): the whole crop, then each tile flip-averaged in grid order; max pools them into one', () => {
  const v = (...xs: number[]) => Float32Array.from(xs);
  const parts = [{ whole: { plain: v(1, 2), flipped: v(3, 4) }, tiles: [0, 1, 2, 3].map((t) => ({ plain: v(t, 10 * t), flipped: v(t + 2, 10 * t) })) }];
  const spec = (pool: 'concat' | 'max'): FeatureSpecT => ({ flip: true, backbones: [{ modelId: 'm', sha256: '', tensors: ['x'], tiles: { grid: 2, size: 0.6, pool } }] });
  assert.deepEqual([...combine(parts, spec('concat'))], [2, 3, 1, 0, 2, 10, 3, 20, 4, 30]);
  assert.deepEqual([...combine(parts, spec('max'))], [2, 3, 4, 30]);
  assert.equal(tileBlockViews(spec('concat').backbones[0]!), 4);
  assert.equal(tileBlockViews(spec('max').backbones[0]!), 1);
});
