// `huiyan analyze` end to end, through bin/huiyan.mjs, on real footage with real models.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { huiyan as run } from './support.ts';

const huiyan = (args: string[]) => run(args, { HUIYAN_THREADS: '1' });
const DATA = path.resolve(PROJECT_ROOT, '../shared/data');


test('analyze a 5 s vtest segment at 2 fps: JSONL per frame, progress bar, contact sheet', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'huiyan-analyze-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const r = await huiyan(['analyze', path.join(DATA, 'vtest.avi'), '--fps', '2', '--max-seconds', '5', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  assert.match(r.stderr, /analyze \[.*\] 10\/10 frames/);
  const lines = (await readFile(path.join(out, 'detections.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.equal(lines.length, 10);
  lines.forEach((l, i) => {
    assert.equal(l.frame, i);
    assert.equal(l.t, i / 2);
    const persons = l.detections.filter((d: { label: string }) => d.label === 'person');
    assert.ok(persons.length >= 4, `frame ${i}: ${persons.length} persons`);
    for (const d of l.detections) assert.ok(d.box[2] <= 768 && d.box[3] <= 576, 'boxes in source pixels');
  });
  const sheet = await sharp(await readFile(path.join(out, 'contact-sheet.jpg'))).metadata();
  assert.equal(sheet.format, 'jpeg');
  assert.ok(sheet.width! > 4 * 416 && sheet.height! > 2 * 312, `${sheet.width}×${sheet.height}: a 4×3 grid`);
  assert.match(r.stdout, /10 frames, \d+ detections/);
});

test('analyze an image with YuNet, and refuse bad arguments with the usage', async (t) => {
  const out = await mkdtemp(path.join(os.tmpdir(), 'huiyan-analyze-'));
  t.after(() => rm(out, { recursive: true, force: true }));
  const r = await huiyan(['analyze', path.join(DATA, 'street/bus.jpg'), '--model', 'yunet', '--out', out]);
  assert.equal(r.code, 0, r.stderr);
  const [line] = (await readFile(path.join(out, 'detections.jsonl'), 'utf8')).trim().split('\n').map((l) => JSON.parse(l));
  assert.ok(line.detections.length >= 2);
  assert.ok(line.detections.every((d: { label: string }) => d.label === 'face'));

  const bad = await huiyan(['analyze', path.join(DATA, 'vtest.avi'), '--fps', 'fast']);
  assert.equal(bad.code, 2);
  assert.match(bad.stderr, /--fps must be a positive number[\s\S]*usage: huiyan analyze/);
  const unknown = await huiyan(['nonsense']);
  assert.equal(unknown.code, 2);
  assert.match(unknown.stderr, /unknown command "nonsense" \(known: .*analyze/);
});
