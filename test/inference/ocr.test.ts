// PP-OCRv4 detection and recognition on a real checkpoint-camera frame with its on-screen
// text strip (four lines of red text on black along the bottom).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDetector, loadTextRecognizer } from '../../src/inference/detectors.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { minAreaRect, rectCorners } from '../../src/inference/ppocr-det.ts';
import { SHARED_DATA, decodeFrame } from './frames.ts';

const FILE = path.join(SHARED_DATA, 'street/checkpoint_camera_cn.jpg');

test('PP-OCR det finds the text strip at the bottom and PP-OCR rec reads it', async () => {
  const det = await loadDetector('ppocr-v4-det', { threads: 1 });
  const rec = await loadTextRecognizer('ppocr-v4-rec', { threads: 1 });
  after(async () => {
    await det.close();
    await rec.close();
  });
  const image = await readImageBgr(FILE);
  const regions = await det.detect(image);
  // The strip starts at about 88% of the height (y ≈ 2000 of 2264).
  const strip = regions.filter((r) => r.box[1] >= 0.86 * image.height);
  assert.ok(strip.length >= 4, `${strip.length} text regions in the strip`);
  const widest = Math.max(...strip.map((r) => r.box[2] - r.box[0]));
  assert.ok(widest > 0.5 * image.width, 'the first strip line spans most of the width');
  for (const r of regions) {
    assert.equal(r.label, 'text');
    assert.equal(r.points?.length, 4);
    assert.ok(r.box[0] >= 0 && r.box[3] <= image.height);
  }

  const lines: string[] = [];
  for (const r of strip) lines.push((await rec.recognize(image, r.box)).text);
  const all = lines.join('\n');
  // What the strip says (read by eye): capture time 2019-01-05 11:19:48.494, speeds in km/h.
  assert.match(all, /2019-01-05 11:19:48/);
  assert.match(all, /060km\/h/);
  assert.match(all, /抓拍时间/);
  const plate = regions.filter((r) => r.box[1] < 0.86 * image.height);
  const plates = await Promise.all(plate.map((r) => rec.recognize(image, r.box)));
  assert.ok(plates.some((p) => /Q.?1V825/.test(p.text) && p.score > 0.5), plates.map((p) => p.text).join(' | '));
});

test('a tilted strip: the detector returns rotated rectangles and rec straightens them', async (t) => {
  const det = await loadDetector('ppocr-v4-det', { threads: 1 });
  const rec = await loadTextRecognizer('ppocr-v4-rec', { threads: 1 });
  t.after(async () => {
    await det.close();
    await rec.close();
  });
  // The left half of the real strip, turned 8° by ffmpeg and decoded straight to bgr24.
  const image = await decodeFrameWithFilter(FILE, 'crop=1700:400:0:1864,rotate=8*PI/180:ow=1800:oh=700:c=gray', 1800, 700);
  const regions = await det.detect(image);
  const tilts = regions.map((r) => (Math.atan2(r.points![1]![1] - r.points![0]![1], r.points![1]![0] - r.points![0]![0]) * 180) / Math.PI);
  assert.ok(tilts.filter((a) => Math.abs(a - 8) < 1.5).length >= 4, `tilts ${tilts.map((a) => a.toFixed(1))}`);
  const texts: string[] = [];
  for (const r of regions) texts.push((await rec.recognize(image, r.box, r.points)).text);
  const all = texts.join('\n');
  assert.match(all, /2019-01-05 11:19:48/);
  assert.match(all, /082km\/h/);
  assert.match(all, /371322000000032466/);
});

function decodeFrameWithFilter(file: string, filter: string, width: number, height: number) {
  return decodeFrame(file, 0, width, height, filter);
}

test('minAreaRect recovers a rotated rectangle from its corners', () => {
  const r = { cx: 50, cy: 40, w: 60, h: 12, angle: 0.3 };
  const got = minAreaRect(rectCorners(r));
  assert.ok(Math.abs(got.w - 60) < 1e-6 && Math.abs(got.h - 12) < 1e-6);
  assert.ok(Math.abs(got.angle - 0.3) < 1e-6);
  assert.ok(Math.abs(got.cx - 50) < 1e-6 && Math.abs(got.cy - 40) < 1e-6);
});
