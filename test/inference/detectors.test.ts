// Real models on real frames: YOLOX-nano on vtest.avi, YuNet on bus.jpg.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDetector } from '../../src/inference/detectors.ts';
import { loadManifest } from '../../src/inference/manifest.ts';
import { agreement } from '../../tools/quantize/agreement.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { iou } from '../../src/inference/nms.ts';
import type { Detector } from '../../src/inference/types.ts';
import { vtestFrames, VTEST_SIZE, SHARED_DATA, VTEST, decodeFrameAs } from './frames.ts';

const open: Detector[] = [];
after(async () => {
  for (const d of open) await d.close();
});
async function load(id: string) {
  const d = await loadDetector(id, { threads: 1 });
  open.push(d);
  return d;
}

const TIMES = [2, 15, 33, 52, 70];

test('YOLOX-nano finds at least 4 persons per vtest frame, boxes inside the image', async () => {
  const yolox = await load('yolox-nano');
  const frames = await vtestFrames(TIMES);
  for (const [i, f] of frames.entries()) {
    const dets = await yolox.detect(f);
    const persons = dets.filter((d) => d.label === 'person');
    assert.ok(persons.length >= 4, `frame at ${TIMES[i]} s: ${persons.length} persons`);
    for (const d of dets) {
      assert.equal(d.modelId, 'yolox-nano');
      assert.ok(d.score >= 0.3 && d.score <= 1);
      const [x1, y1, x2, y2] = d.box;
      assert.ok(x1 >= 0 && y1 >= 0 && x2 <= VTEST_SIZE.width && y2 <= VTEST_SIZE.height && x2 > x1 && y2 > y1, `box ${d.box}`);
      // vtest pedestrians are upright and at most about a third of the frame tall.
      if (d.label === 'person') assert.ok(y2 - y1 > x2 - x1 && y2 - y1 < 250, `person box ${d.box}`);
    }
  }
});

test('a frame pre-scaled to the detector size maps back to the same source boxes', async () => {
  const yolox = await load('yolox-nano');
  const [full] = await vtestFrames([15]);
  const [small] = await vtestFrames([15], { width: 416, height: 312 });
  const a = (await yolox.detect(full!)).filter((d) => d.label === 'person');
  const b = (await yolox.detect(small!, 416 / 768)).filter((d) => d.label === 'person');
  assert.ok(a.length >= 4);
  const matched = a.filter((d) => b.some((e) => iou(d.box, e.box) >= 0.7));
  assert.ok(matched.length >= Math.ceil(a.length * 0.8), `${matched.length} of ${a.length} matched`);
});

test('YuNet finds at least 2 faces in bus.jpg, with five landmarks inside each face', async () => {
  const yunet = await load('yunet');
  const bus = await readImageBgr(path.join(SHARED_DATA, 'street/bus.jpg'));
  const faces = await yunet.detect(bus);
  assert.ok(faces.length >= 2, `${faces.length} faces`);
  for (const f of faces) {
    assert.equal(f.label, 'face');
    assert.equal(f.points?.length, 5);
    const [x1, y1, x2, y2] = f.box;
    assert.ok(x2 - x1 < 200 && y2 - y1 < 250, `a face, not a body: ${f.box}`);
    for (const [px, py] of f.points!) assert.ok(px >= x1 && px <= x2 && py >= y1 && py <= y2, `landmark ${px},${py} in ${f.box}`);
  }
  // The same photo fitted to 600×800 and passed with its scale gives the faces in source pixels.
  const small = await readImageBgr(path.join(SHARED_DATA, 'street/bus.jpg'), { width: 600, height: 800 });
  const again = await yunet.detect(small, small.scale);
  assert.ok(again.some((g) => iou(g.box, faces[0]!.box) >= 0.5));
});

test('NanoDet-m and YOLOX-nano agree on the persons (IoU ≥ 0.5 for most)', async () => {
  const yolox = await load('yolox-nano');
  const nanodet = await load('nanodet-m');
  let total = 0;
  let matched = 0;
  for (const f of await vtestFrames(TIMES.slice(0, 3))) {
    const a = (await yolox.detect(f)).filter((d) => d.label === 'person');
    const b = (await nanodet.detect(f)).filter((d) => d.label === 'person');
    assert.ok(b.length >= 3, `NanoDet found ${b.length} persons`);
    for (const d of b) assert.equal(d.modelId, 'nanodet-m');
    total += a.length;
    matched += a.filter((d) => b.some((e) => iou(d.box, e.box) >= 0.5)).length;
  }
  assert.ok(matched / total >= 0.7, `${matched} of ${total} YOLOX persons have a NanoDet match`);
});

test('concurrent detect() calls overlap safely: same results as one at a time', async () => {
  const yolox = await load('yolox-nano');
  const frames = await vtestFrames([3, 9, 27, 45, 63], { width: 416, height: 312 });
  const one: unknown[] = [];
  for (const f of frames) one.push(await yolox.detect(f, 416 / 768));
  const all = await Promise.all(frames.map((f) => yolox.detect(f, 416 / 768)));
  assert.deepEqual(all, one);
  assert.notDeepEqual(one[0], one[4], 'different frames give different detections');
});

test('YOLOX on planar gbrp frames finds the same persons as on bgr24', async () => {
  const yolox = await load('yolox-nano');
  const [packed] = await vtestFrames([33], { width: 416, height: 312 });
  const planar = await decodeFrameAs(VTEST, 33, 416, 312, 'gbrp');
  const a = (await yolox.detect(packed!, 416 / 768)).filter((d) => d.label === 'person');
  const b = (await yolox.detect({ format: 'gbrp', data: planar, width: 416, height: 312 }, 416 / 768)).filter((d) => d.label === 'person');
  assert.ok(a.length >= 4);
  const matched = a.filter((d) => b.some((e) => iou(d.box, e.box) >= 0.8)).length;
  assert.ok(matched >= a.length - 1, `${matched} of ${a.length}`);
});

test('YOLOX on the trimmed input (manifest multipleOf: 416×320 for vtest) finds what the padded 416×416 input finds', async (t) => {
  const manifest = await loadManifest();
  const padded = structuredClone(manifest);
  const entry = padded.models.find((m) => m.id === 'yolox-nano')!;
  assert.equal(entry.input.multipleOf, 32, 'the shipped manifest trims YOLOX-nano');
  delete entry.input.multipleOf;
  const trimmed = await load('yolox-nano');
  const full = await loadDetector('yolox-nano', { threads: 1, manifest: padded });
  open.push(full);
  const frames = await vtestFrames(TIMES);
  assert.deepEqual([trimmed.layoutFor(frames[0]!).width, trimmed.layoutFor(frames[0]!).height], [416, 320]);
  assert.deepEqual([full.layoutFor(frames[0]!).width, full.layoutFor(frames[0]!).height], [416, 416]);
  const ref = [];
  const got = [];
  for (const f of frames) {
    ref.push(await full.detect(f));
    got.push(await trimmed.detect(f));
  }
  const [person] = agreement(ref, got, ['person']);
  t.diagnostic(`person: padded ${person!.reference}, trimmed ${person!.test}, matched ${person!.matched}, F1 ${person!.f1.toFixed(3)}`);
  assert.ok(person!.reference >= 20 && person!.f1 >= 0.95, JSON.stringify(person));
});
