// Licence plates: the format check, voting, and real reads — YOLOX vehicles in the real
// checkpoint photo read by PP-OCR det + rec on each crop, and the spillage rule voting the
// plate of a truck over the frames of its track (composite: the checkpoint ambulance's real
// plate on vtest's van, since no footage here shows a readable truck plate).
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { formatPlate, normalisePlate, plateKind, PlateVote } from '../../src/analytics/reading/plate.ts';
import { PlateReader } from '../../src/analytics/reading/plate-reader.ts';
import { loadDetector, loadTextRecognizer } from '../../src/inference/detectors.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import type { Detector } from '../../src/inference/types.ts';
import type { TextRecognizer } from '../../src/inference/ocr-recognizer.ts';
import { CHECKPOINT_PLATE_TEXT, compositeParkedPlate, compositeSpill, DATA } from '../../tools/eval/cases.ts';
import { runCase } from '../../tools/eval/runner.ts';

test('plate format: ordinary and new-energy plates, separators and OCR look-alikes', () => {
  assert.equal(normalisePlate('鲁Q·1V825'), '鲁Q1V825');
  assert.equal(normalisePlate('车牌号：黄鲁Q1V825'), '鲁Q1V825');
  assert.equal(normalisePlate('沪A·D12345'), '沪AD12345');
  assert.equal(plateKind('沪AD12345'), 'new-energy');
  assert.equal(plateKind('粤B12345F'), 'new-energy');
  assert.equal(normalisePlate('京A·O1234'), '京A01234');
  assert.equal(normalisePlate('京ＡＢ１２３４'), '京AB1234');
  assert.equal(normalisePlate('苏E·1234学'), '苏E1234学');
  assert.equal(normalisePlate('QVW812'), undefined, 'no province');
  assert.equal(normalisePlate('鲁1VW812'), undefined, 'authority must be a letter');
  assert.equal(normalisePlate('鲁QVW81'), undefined, 'too short');
  assert.equal(normalisePlate('沪AI2345'), '沪A12345');
  assert.equal(formatPlate('鲁Q1V825'), '鲁Q·1V825');
});

test('votes across frames: the weightiest read wins', () => {
  const v = new PlateVote();
  assert.equal(v.result(), undefined);
  v.add('鲁Q1V825', 0.99);
  v.add('鲁Q1V826', 0.6);
  v.add('鲁Q1V825', 0.95);
  const r = v.result()!;
  assert.deepEqual([r.plate, r.votes, r.reads], ['鲁Q1V825', 2, 3]);
  assert.ok(r.confidence > 0.6 && r.confidence < 0.97);
});

let objects: Detector;
let text: Detector;
let reader: TextRecognizer;
before(async () => {
  objects = await loadDetector('yolox-nano', { threads: 2 });
  text = await loadDetector('ppocr-v4-det', { threads: 2 });
  reader = await loadTextRecognizer('ppocr-v4-rec', { threads: 2 });
});
after(async () => {
  await Promise.all([objects?.close(), text?.close(), reader?.close()]);
});

test('checkpoint photo: the readable plates (ambulance, SUV) are read and validated', { timeout: 300_000 }, async () => {
  const img = await readImageBgr(path.join(DATA, 'street/checkpoint_camera_cn.jpg'));
  const vehicles = (await objects.detect(img)).filter((d) => d.label === 'vehicle' || d.label === 'truck');
  const pr = new PlateReader(text, reader);
  const reads = [];
  for (const v of vehicles) {
    const r = await pr.read(img, v.box);
    if (r) reads.push(r);
  }
  const plates = new Set(reads.map((r) => r.plate));
  assert.ok(plates.has('鲁Q1V825'), JSON.stringify(reads));
  assert.ok(plates.has('鲁QVW812'), JSON.stringify(reads));
  for (const r of reads) {
    assert.ok(plateKind(r.plate), r.plate);
    // The plate lies inside the lower part of the photo's vehicles, not in the text strip.
    assert.ok(r.box[3] < img.height * 0.8, JSON.stringify(r));
  }
  // The distant van's plate (≈ 25 px wide) is too uncertain to report as a fact.
  assert.equal(plates.size, 2, JSON.stringify(reads));
});

test('parking: the parked van\'s plate is voted over its frames and stored with the hit', { timeout: 300_000 }, async () => {
  const r = await runCase(compositeParkedPlate(20), { objects }, { plateReader: new PlateReader(text, reader) });
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1, JSON.stringify(opened.map((e) => e.attributes)));
  assert.equal(r.tp, 1);
  const hit = opened[0]!;
  const plate = hit.rule === 'parking' ? hit.attributes.plate : undefined;
  assert.ok(plate, `the hit carries a plate: ${JSON.stringify(hit.attributes)}`);
  assert.equal(plate.plate, CHECKPOINT_PLATE_TEXT);
  assert.ok(plate.votes >= 2, JSON.stringify(plate));
});

test('spillage: the truck plate is voted over its frames and stored with the hit', { timeout: 300_000 }, async () => {
  const plateReader = new PlateReader(text, reader);
  const r = await runCase(compositeSpill({ truck: true, debris: true, plate: true }), { objects }, { plateReader });
  const opened = r.events.filter((e) => e.event === 'opened');
  assert.equal(opened.length, 1);
  const hit = opened[0]!;
  assert.equal(hit.rule, 'spillage');
  const plate = hit.rule === 'spillage' ? hit.attributes.plate : undefined;
  assert.ok(plate, 'the hit carries a plate');
  assert.equal(plate.plate, CHECKPOINT_PLATE_TEXT);
  assert.ok(plate.votes >= 2, JSON.stringify(plate));
  assert.ok(plate.confidence > 0.5);
});
