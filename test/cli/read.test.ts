// `huiyan read` end to end through bin/huiyan.mjs with the real models: a rendered poster
// (phone numbers, one without area code) as text and the checkpoint photo (plates) as JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { renderPoster } from '../../tools/eval/poster.ts';
import { bgrToRgb } from '../../src/inference/image.ts';
import { huiyan } from './support.ts';

const DATA = path.resolve(PROJECT_ROOT, '../shared/data');


test('read a poster: OCR lines and phone numbers with their lines, area code from --area-code', { timeout: 180_000 }, async (t) => {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-read-'));
  t.after(() => rm(dir, { recursive: true, force: true }));
  const poster = await renderPoster({ lines: ['专业疏通下水道', '电话 1381234567824小时上门', '座机 6543 2198'], fontSize: 28 });
  const file = path.join(dir, 'poster.png');
  await writeFile(file, await sharp(bgrToRgb(poster), { raw: { width: poster.width, height: poster.height, channels: 3 } }).png().toBuffer());
  const r = await huiyan(['read', file, '--area-code', '021']);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stdout, /OCR lines \(3\):/);
  assert.match(r.stdout, /疏通下水道/);
  assert.match(r.stdout, /phone numbers \(2\):/);
  assert.match(r.stdout, /13812345678 {2}mobile {2}confidence 0\.\d\d {2}line 1: 电话/);
  assert.match(r.stdout, /021-65432198 {2}landline .* area code from --area-code/);
  assert.match(r.stdout, /plates \(0\):/);
});

test('read the checkpoint photo as JSON: plates on their vehicles, the strip text, no phone number', { timeout: 180_000 }, async () => {
  const r = await huiyan(['read', path.join(DATA, 'street/checkpoint_camera_cn.jpg'), '--json']);
  assert.equal(r.code, 0, r.stderr);
  const j = JSON.parse(r.stdout);
  assert.deepEqual(j.plates.map((p: { plate: string }) => p.plate).sort(), ['鲁Q1V825', '鲁QVW812']);
  assert.ok(j.lines.some((l: { text: string }) => l.text.includes('082km/h')));
  assert.deepEqual(j.phones, [], 'the 18-digit device id and the dates are not phone numbers');
});

test('bad arguments: usage and exit code 2', async () => {
  const none = await huiyan(['read']);
  assert.equal(none.code, 2);
  assert.match(none.stderr, /usage: huiyan read <image>/);
  const bad = await huiyan(['read', 'x.jpg', '--area-code', '21']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--area-code must be a Chinese area code/);
  const missing = await huiyan(['read', path.join(os.tmpdir(), 'no-such-image.jpg')]);
  assert.equal(missing.code, 2);
  assert.match(missing.stderr, /cannot read image/);
});
