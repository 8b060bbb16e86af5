// The one sampler: `huiyan analyze` and the evaluation tools read files through the same
// FfmpegFrameReader as ingest. A phone video with display rotation 90° (made from vtest:
// pixels turned, rotation in the display matrix) gives upright samples, and `analyze` finds
// as many people in it as in the unrotated footage (issue 11: it found 11 vs 95 before).
// (ffmpeg 5.1 writes rotate=90 as a display matrix of 90° counter-clockwise: the pixels are
// turned clockwise so that the displayed picture is vtest upright.)
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { sampleFile } from '../../src/ingest/sample-file.ts';
import { VTEST } from '../support/rtsp-server.ts';

let dir = '';
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-sampler-'));
  const ff = (...a: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...a], { cwd: dir });
  ff('-t', '10', '-i', VTEST, '-c:v', 'libx264', 'flat.mp4');
  ff('-t', '10', '-i', VTEST, '-vf', 'transpose=1', '-c:v', 'libx264', 'turned.mp4');
  ff('-i', 'turned.mp4', '-c', 'copy', '-metadata:s:v:0', 'rotate=90', 'phone.mp4');
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
});

const mad = (a: Buffer, b: Buffer) => {
  let s = 0;
  for (let i = 0; i < a.length; i += 5) s += Math.abs(a[i]! - b[i]!);
  return s / Math.ceil(a.length / 5);
};

test('a display-rotated phone video is sampled upright, aspect kept', async () => {
  const flat = [];
  for await (const s of sampleFile(path.join(dir, 'flat.mp4'), { fps: 1, width: 416, height: 416 })) flat.push(s);
  const phone = [];
  for await (const s of sampleFile(path.join(dir, 'phone.mp4'), { fps: 1, width: 416, height: 416 })) phone.push(s);
  assert.equal(phone.length, flat.length);
  assert.ok(phone.length >= 9);
  const p = phone[3]!;
  assert.deepEqual([p.sourceWidth, p.sourceHeight, p.image.width, p.image.height], [768, 576, 416, 312]);
  const d = mad(p.image.data, flat[3]!.image.data);
  assert.ok(d < 8, `upright sample differs from the unrotated one by ${d.toFixed(1)}`);
  // Control: the same picture upside down is far off, so the comparison can fail.
  const flipped = Buffer.from(flat[3]!.image.data).reverse();
  assert.ok(mad(p.image.data, flipped) > 20);
});

test('huiyan analyze finds about as many detections in the rotated video as in the unrotated one', async () => {
  const count = async (name: string) => {
    const out = path.join(dir, `out-${name}`);
    const r = spawnSync('npx', ['tsx', 'src/cli/main.ts', 'analyze', path.join(dir, name), '--fps', '1', '--out', out], { encoding: 'utf8' });
    assert.equal(r.status, 0, r.stderr.slice(-2000));
    const lines = (await readFile(path.join(out, 'detections.jsonl'), 'utf8')).trim().split('\n');
    return lines.reduce((n, l) => n + (JSON.parse(l) as { detections: unknown[] }).detections.length, 0);
  };
  const flat = await count('flat.mp4');
  const phone = await count('phone.mp4');
  assert.ok(flat > 20, `${flat} detections in the unrotated footage`);
  assert.ok(Math.abs(phone - flat) <= 0.1 * flat, `rotated ${phone} vs unrotated ${flat} detections`);
});
