// Second-stage crop verifier with the real MobileNetV2-int8: on the labelled YOLOX `truck`
// boxes of real photos it keeps every truck and vetoes many wrong boxes; in the engine a
// garbage container called `truck` no longer arms the spillage rule, and with the verifier
// on the composite spill still gives its hit, carrying the decision and scores.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { ImageNetClassifier } from '../../src/inference/mobilenet.ts';
import { loadDetector } from '../../src/inference/detectors.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import type { Detector } from '../../src/inference/types.ts';
import { CropVerifier, loadVerifierConfig, type Verification } from '../../src/analytics/verifier/verifier.ts';
import { loadTruckCrops, scoreTruckVerifier } from '../../tools/eval/truck-verifier.ts';
import { AnalyticsEngine } from '../../src/analytics/engine.ts';
import { Camera } from '../../src/config/schema.ts';
import { BASE_TIME, compositeSpill, DATA } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';

let classifier: ImageNetClassifier;
let objects: Detector;
before(async () => {
  classifier = await ImageNetClassifier.load('mobilenetv2-int8', { threads: 2 });
  objects = await loadDetector('yolox-nano', { threads: 2 });
});
after(async () => {
  await Promise.all([classifier?.close(), objects?.close()]);
});

test('ImageNet classifier: the bus photo is a minibus-like vehicle', async () => {
  const img = await readImageBgr(path.join(DATA, 'street/bus.jpg'));
  const { probs } = await classifier.classify(img, [0, 0, img.width, img.height]);
  assert.equal(probs.length, 1000);
  assert.ok(Math.abs(probs.reduce((s, p) => s + p, 0) - 1) < 1e-3);
  const top = classifier.classNames[probs.indexOf(Math.max(...probs))];
  assert.ok(['minibus', 'police van', 'amphibian', 'trolleybus', 'school bus'].includes(top!), top);
});

test('labelled truck boxes: same recall, higher precision', { timeout: 300_000 }, async () => {
  const s = await scoreTruckVerifier(classifier, new CropVerifier(classifier, await loadVerifierConfig()));
  assert.ok(s.boxes >= 400 && s.trucks >= 50);
  assert.equal(s.after.recall, 1, `trucks vetoed: ${JSON.stringify(s.lostTrucks)}`);
  assert.ok(s.after.precision >= s.before.precision + 0.07, JSON.stringify(s));
  assert.ok(s.boxes - s.after.kept >= 120, 'a good share of the wrong boxes vetoed');
});

test('in the engine: a garbage container called truck is vetoed for spillage', { timeout: 120_000 }, async () => {
  const bin = (await loadTruckCrops()).find((c) => !c.truck && c.file === 'overflow/train/clean/clean_0001.jpg') ?? (await loadTruckCrops()).find((c) => !c.truck)!;
  const img = await readImageBgr(path.join(DATA, bin.file));
  const dets = await objects.detect(img);
  assert.ok(dets.some((d) => d.label === 'truck'), 'YOLOX calls the container a truck');
  const cam = Camera.parse({
    id: 'verifier-test', name: 'v', location: { district: 'd', street: 's' }, source: { kind: 'file', path: 'x' },
    zones: [{ id: 'road', type: 'road', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
  });
  const verifier = new CropVerifier(classifier, await loadVerifierConfig());
  const engine = new AnalyticsEngine(cam, { verifier });
  for (let t = 0; t < 4; t++) await engine.process({ frameTime: BASE_TIME + t * 1000, detections: dets, image: img });
  const trucks = engine.tracker.all().filter((t) => t.label === 'truck');
  assert.ok(trucks.length >= 1);
  assert.ok(trucks.some((t) => verifier.vetoed(t.id, 'spillage')), JSON.stringify(verifier.verdicts(trucks.map((t) => t.id))));
  assert.ok(trucks.every((t) => !verifier.vetoed(t.id, 'vending')), 'the check names only spillage');
  assert.ok(verifier.stats.crops >= 1 && verifier.stats.crops <= trucks.length * 3, 'each track checked once, not every sample');
});

test('composite spill with the verifier on: still one hit, with the decision and scores', { timeout: 300_000 }, async () => {
  const verifier = new CropVerifier(classifier, await loadVerifierConfig());
  const r = await runCase(compositeSpill({ truck: true, debris: true }), { objects }, { verifier });
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  const v = opened[0]!.verification as Verification[];
  assert.equal(v.length, 1);
  assert.equal(v[0]!.decision, 'kept');
  assert.equal(v[0]!.model, 'mobilenetv2-int8');
  assert.ok(v[0]!.pAccept > v[0]!.pReject && v[0]!.top.length === 3);
});
