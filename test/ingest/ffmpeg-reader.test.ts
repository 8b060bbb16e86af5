import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createReadStream } from 'node:fs';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { execFileSync } from 'node:child_process';
import sharp from 'sharp';
import { FfmpegFrameReader, fitSize } from '../../src/ingest/ffmpeg-reader.ts';
import { liveChildPids } from '../../src/ingest/child-registry.ts';
import type { Frame } from '../../src/ingest/types.ts';

const VTEST = path.resolve('../shared/data/vtest.avi');
let dir = '';
let h264 = '';
let ps = '';

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-reader-'));
  h264 = path.join(dir, 'gop5.mp4');
  ps = path.join(dir, 'clip.mpg');
  // 6 s of vtest as H.264 with a keyframe every 5 frames (0.5 s), and as MPEG-PS (MPEG-2
  // video: ffmpeg's PS muxer writes no stream map, so piped H.264 in PS would not be recognised).
  execFileSync('ffmpeg', ['-v', 'error', '-t', '6', '-i', VTEST, '-c:v', 'libx264', '-preset', 'ultrafast',
    '-g', '5', '-keyint_min', '5', '-sc_threshold', '0', '-y', h264]);
  execFileSync('ffmpeg', ['-v', 'error', '-i', h264, '-c:v', 'mpeg2video', '-g', '5', '-f', 'mpeg', '-y', ps]);
});
after(async () => {
  await rm(dir, { recursive: true, force: true });
});

async function collect(reader: FfmpegFrameReader): Promise<Frame[]> {
  reader.start();
  const out: Frame[] = [];
  for await (const f of reader.frames()) out.push(f);
  return out;
}

test('fitSize matches the scale filter for common shapes', () => {
  assert.deepEqual(fitSize(768, 576, 416, 416), { width: 416, height: 312 });
  assert.deepEqual(fitSize(1920, 1080, 416, 416), { width: 416, height: 234 });
  assert.deepEqual(fitSize(576, 768, 416, 416), { width: 312, height: 416 });
});

test('samples a file at the configured rate into paired BGR and full-resolution JPEG', async () => {
  const reader = new FfmpegFrameReader({ cameraId: 'cam-r', input: { url: VTEST, inputArgs: ['-t', '4'] }, fps: 2, seqStart: 100 });
  const frames = await collect(reader);
  const exit = await reader.exited;
  assert.equal(exit.code, 0);
  assert.equal(exit.reason, 'stream ended');
  assert.ok(frames.length >= 7 && frames.length <= 9, `got ${frames.length} frames for 4 s at 2 fps`);
  assert.deepEqual(frames.map((f) => f.seq), frames.map((_, i) => 100 + i));
  for (const [i, f] of frames.entries()) {
    assert.equal(f.cameraId, 'cam-r');
    assert.equal(f.sourceWidth, 768);
    assert.equal(f.sourceHeight, 576);
    assert.equal(f.bgr.width, 416);
    assert.equal(f.bgr.height, 312);
    assert.equal(f.bgr.data.length, 416 * 312 * 3);
    assert.ok(Math.abs(f.pts - i / 2) < 0.26, `pts ${f.pts} of sample ${i}`);
  }
  // The BGR image is the same picture as the JPEG: decode and downscale the JPEG, compare.
  for (const f of [frames[0]!, frames[frames.length - 1]!]) {
    const { data } = await sharp(f.jpeg).resize(416, 312, { fit: 'fill' }).raw().toBuffer({ resolveWithObject: true });
    let diff = 0;
    for (let p = 0; p < 416 * 312; p++) {
      // sharp gives RGB, ffmpeg gave BGR
      diff += Math.abs(data[p * 3]! - f.bgr.data[p * 3 + 2]!) + Math.abs(data[p * 3 + 2]! - f.bgr.data[p * 3]!);
    }
    const mean = diff / (416 * 312 * 2);
    assert.ok(mean < 12, `mean abs difference BGR vs JPEG ${mean.toFixed(1)}`);
  }
  // Consecutive samples differ (people walk): not one frame repeated.
  assert.notDeepEqual(frames[0]!.bgr.data, frames[frames.length - 1]!.bgr.data);
  assert.deepEqual(liveChildPids(), []);
});

test('keyframe-only decoding measures the GOP', async () => {
  const reader = new FfmpegFrameReader({ cameraId: 'cam-k', input: { url: h264 }, fps: 1, keyframesOnly: true });
  const frames = await collect(reader);
  assert.ok(frames.length >= 5 && frames.length <= 7, `got ${frames.length}`);
  assert.ok(Math.abs((reader.stats.keyframeIntervalS ?? 0) - 0.5) < 0.01, `interval ${reader.stats.keyframeIntervalS}`);
});

test('reads MPEG-PS piped to stdin (the GB28181 path)', async () => {
  const reader = new FfmpegFrameReader({
    cameraId: 'cam-ps',
    input: { stdin: createReadStream(ps), inputArgs: ['-f', 'mpeg'] },
    fps: 1,
    detectorWidth: 320,
    detectorHeight: 320,
  });
  const frames = await collect(reader);
  assert.ok(frames.length >= 5 && frames.length <= 7, `got ${frames.length}`);
  assert.equal(frames[0]!.bgr.width, 320);
  assert.equal(frames[0]!.bgr.height, 240);
});

test('a missing input ends with a reason, and stop() kills a running ffmpeg', async () => {
  const bad = new FfmpegFrameReader({ cameraId: 'x', input: { url: path.join(dir, 'nope.mp4') }, fps: 1 });
  const frames = await collect(bad);
  assert.equal(frames.length, 0);
  assert.equal((await bad.exited).reason, 'no such file');

  const live = new FfmpegFrameReader({ cameraId: 'y', input: { url: VTEST, inputArgs: ['-re'] }, fps: 2 });
  live.start();
  const it = live.frames();
  assert.equal((await it.next()).done, false);
  const pid = live.pid!;
  const exit = await live.stop();
  assert.equal(exit.reason, 'stopped');
  assert.throws(() => process.kill(pid, 0));
  assert.deepEqual(liveChildPids(), []);
});
