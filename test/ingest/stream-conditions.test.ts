// Stream conditions field cameras and NVR exports produce, each made from vtest.avi exactly as
// issue 11 describes, played through the real source path (createSource → SourceSupervisor →
// FfmpegRunner → ffmpeg) and checked on the values that matter.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import sharp from 'sharp';
import { Camera } from '../../src/config/schema.ts';
import { createSource } from '../../src/ingest/sources.ts';
import { fitSize } from '../../src/ingest/ffmpeg-reader.ts';
import type { FfmpegSource } from '../../src/ingest/ffmpeg-source.ts';
import type { Frame } from '../../src/ingest/types.ts';
import { liveChildPids } from '../../src/ingest/child-registry.ts';
import { VTEST, startRtspServer } from '../support/rtsp-server.ts';
import { waitFor } from '../support/wait.ts';

let dir = '';
const ff = (...args: string[]) => execFileSync('ffmpeg', ['-v', 'error', '-y', ...args], { cwd: dir });

before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-conditions-'));
});
after(async () => {
  if (dir) await rm(dir, { recursive: true, force: true });
  assert.deepEqual(liveChildPids(), [], 'no ffmpeg left behind');
});

function fileCamera(id: string, file: string, fps: number, realtime = true) {
  return Camera.parse({ id, name: id, location: { district: 'd', street: 's' }, source: { kind: 'file', path: path.join(dir, file), realtime }, sampling: { fps, keyframesOnly: false } });
}

/** Runs a file camera until it stops by itself (end of recording); returns its frames and when each arrived (ms). */
async function playToEnd(cam: ReturnType<typeof fileCamera>, timeoutMs: number): Promise<{ frames: Frame[]; arrivals: number[]; src: FfmpegSource }> {
  const src = createSource(cam, { backoff: { baseMs: 200, maxMs: 1000 } }) as FfmpegSource;
  const frames: Frame[] = [];
  const arrivals: number[] = [];
  src.start();
  const timer = setTimeout(() => void src.stop(), timeoutMs);
  for await (const f of src.frames()) {
    frames.push(f);
    arrivals.push(Date.now());
  }
  clearTimeout(timer);
  await src.stop();
  return { frames, arrivals, src };
}

// A paced recording's frames are decoded samples ahead of their delivery: the watchdog must
// count from delivery (it once counted from decode time, stalled at 24 s and re-delivered a frame).
test('a 1-frame-per-8-s camera yields its samples and never reconnects', async () => {
  // 5 frames, one every 8 s (a battery / time-lapse camera).
  ff('-i', VTEST, '-vf', 'fps=1/8', '-frames:v', '5', '-c:v', 'libx264', '-bf', '0', '-g', '1', 'slow.ts');
  const { frames, arrivals, src } = await playToEnd(fileCamera('slow', 'slow.ts', 1), 60_000);
  const h = src.health();
  assert.deepEqual(frames.map((f) => Math.round(f.pts)), [0, 8, 16, 24, 32], JSON.stringify(h.history));
  assert.equal(h.reconnects, 0);
  assert.equal(h.stalls, 0);
  assert.equal(h.lastError, 'input ended');
  const gaps = arrivals.slice(1).map((t, i) => t - arrivals[i]!);
  assert.ok(gaps.every((g) => g > 6000 && g < 10_000), `arrival gaps ${gaps}`);
  // A paced recording is captured when it is played (ffmpeg decodes samples ahead).
  const captured = frames.slice(1).map((f, i) => f.capturedAt - frames[i]!.capturedAt);
  assert.ok(captured.every((g) => g > 7500 && g < 8500), `capturedAt gaps ${captured}`);
  assert.ok((h.frameIntervalMs ?? 0) > 6000, 'the watchdog learnt the 8 s interval');
  assert.ok(h.stallAfterMs >= 18_000, `stall timeout ${h.stallAfterMs} ms follows the camera's rate`);
});

// todo: ffmpeg's default probe holds such a camera's first samples ~32 s and releases them
// together, close to the 45 s connect bound: passed here, failed once in a clean clone. A smaller
// probe fixes the delay but fails on mid-GOP connects (rtspInputArgs), so it stays a todo; the
// arrival times are printed.
test('a 1-frame-per-8-s RTSP camera with the default watchdog connects and yields its samples', { todo: 'issue 11: first RTSP frame of a slow camera arrives close to the connect bound' }, async (t) => {
  const media = path.join(dir, 'slow8.mp4');
  ff('-i', VTEST, '-vf', 'fps=1/8', '-frames:v', '8', '-c:v', 'libx264', '-bf', '0', '-g', '1', '-x264-params', 'repeat-headers=1', media);
  const srv = await startRtspServer(20000 + Math.floor(Math.random() * 20000), 'slow8', { media });
  const cam = Camera.parse({ id: 'slow8', name: 'slow8', location: { district: 'd', street: 's' }, source: { kind: 'rtsp', url: srv.url }, sampling: { fps: 1, keyframesOnly: false } });
  const src = createSource(cam) as FfmpegSource;
  src.start();
  const it = src.frames()[Symbol.asyncIterator]();
  const pts: number[] = [];
  const arrivals: number[] = [];
  const started = Date.now();
  const giveUp = setTimeout(() => void src.stop(), 90_000); // ends frames(): the asserts below say why
  try {
    while (pts.length < 3) {
      const r = await it.next();
      if (r.done) break;
      pts.push(r.value.pts);
      arrivals.push((Date.now() - started) / 1000);
    }
  } finally {
    t.diagnostic(`samples arrived ${arrivals.map((s) => s.toFixed(1)).join(', ')} s after start`);
    clearTimeout(giveUp);
    await src.stop();
    await srv.close();
  }
  const h = src.health();
  assert.equal(h.reconnects, 0, JSON.stringify(h.history));
  assert.deepEqual(pts.map(Math.round), [0, 8, 16]);
  // Learnt from the camera, not the sampling rate: each gap is the larger of stream time (8 s) and
  // arrival time, so a late arrival on a busy box may raise it; it never falls below the stream's.
  assert.ok(h.frameIntervalMs! >= 8000 && h.frameIntervalMs! < 16_000, `interval ${h.frameIntervalMs}`);
  assert.equal(h.stallAfterMs, 3 * h.frameIntervalMs!);
});

/**
 * A slow RTSP camera (1 frame per 2 s) that dies without closing the connection (server frozen
 * with SIGSTOP; ffmpeg's own socket timeout set far out of the way, so only the watchdog can tell).
 * `framesBeforeFreeze` frames are let through first (0: frozen before connecting). Resolves
 * with ms from the freeze until `state` and the health then.
 */
async function freezeAfter(mount: string, framesBeforeFreeze: number, state: 'stalled' | 'down', watchdog: { stallSeconds: number; maxStallSeconds: number; connectSeconds: number }) {
  const media = path.join(dir, 'slow2.mp4');
  ff('-i', VTEST, '-vf', 'fps=1/2', '-frames:v', '30', '-c:v', 'libx264', '-bf', '0', '-g', '1', '-x264-params', 'repeat-headers=1', media);
  const port = 20000 + Math.floor(Math.random() * 20000);
  const srv = await startRtspServer(port, mount, { media });
  const cam = Camera.parse({ id: mount, name: mount, location: { district: 'd', street: 's' }, source: { kind: 'rtsp', url: srv.url }, sampling: { fps: 1, keyframesOnly: false }, watchdog });
  const src = createSource(cam, { backoff: { baseMs: 200, maxMs: 1000 }, rtspTimeoutMs: 120_000 }) as FfmpegSource;
  if (framesBeforeFreeze === 0) srv.stop();
  src.start();
  const it = src.frames()[Symbol.asyncIterator]();
  try {
    for (let n = 0; n < framesBeforeFreeze; n++) assert.equal((await it.next()).done, false);
    const live = src.health();
    srv.stop();
    const frozenAt = Date.now();
    await waitFor(state, () => src.health().state === state, 60_000, 50);
    return { ms: Date.now() - frozenAt, live, h: src.health() };
  } finally {
    await src.stop();
    await srv.close();
  }
}

test('a slow camera (1 frame per 2 s, first frames in a burst) is not stalled by the 1 s floor, and is stalled 3 intervals after it dies', async () => {
  const { ms, live, h } = await freezeAfter('dead-slow', 5, 'stalled', { stallSeconds: 1, maxStallSeconds: 20, connectSeconds: 40 });
  assert.equal(live.stalls, 0, `a healthy 1-per-2-s camera is not stalled: ${JSON.stringify(live.history)}`);
  assert.equal(live.reconnects, 0);
  // Not the few ms between the frames of the burst ffmpeg releases after probing: at least the stream time between them.
  assert.ok(live.frameIntervalMs! >= 2000 && live.frameIntervalMs! < 2300, `interval ${live.frameIntervalMs}`);
  assert.equal(live.stallAfterMs, 3 * live.frameIntervalMs!);
  // Up to one interval may already have passed since the last frame when the server froze.
  assert.ok(ms > live.stallAfterMs - 2500 && ms < live.stallAfterMs + 1500, `stalled ${ms} ms after the freeze (timeout ${live.stallAfterMs})`);
  assert.match(h.lastError ?? '', /^no frame for [67] s$/);
});

test('a camera that never sends a frame is down at the connect bound from config', async () => {
  const { ms, h } = await freezeAfter('dead-first', 0, 'down', { stallSeconds: 1, maxStallSeconds: 20, connectSeconds: 4 });
  assert.equal(h.framesTotal, 0);
  assert.ok(ms > 3500 && ms < 7000, `down ${ms} ms after start`);
  assert.equal(h.lastError, 'no frame within 4 s of connecting');
});

test('a recording with 8 s missing plays through the gap to its end, once', async () => {
  ff('-t', '10', '-i', VTEST, '-c:v', 'libx264', '-g', '10', 'g1.ts');
  ff('-ss', '10', '-t', '10', '-i', VTEST, '-c:v', 'libx264', '-g', '10', '-output_ts_offset', '18', 'g2.ts');
  execFileSync('sh', ['-c', 'cat g1.ts g2.ts > gap.ts'], { cwd: dir });
  const { frames, src } = await playToEnd(fileCamera('gap', 'gap.ts', 1), 60_000);
  const pts = frames.map((f) => f.pts);
  const h = src.health();
  assert.equal(h.reconnects, 0, JSON.stringify(h.history));
  assert.equal(h.stalls, 0);
  assert.equal(h.state, 'stopped');
  assert.equal(h.lastError, 'input ended');
  assert.ok(pts[0]! < 1, `first sample at ${pts[0]}`);
  assert.ok(pts.at(-1)! >= 26.9, `analysed up to ${pts.at(-1)} s (the recording ends at 28 s)`);
  assert.equal(pts.filter((t) => t > 10.5 && t < 17.5).length, 0, 'nothing sampled inside the gap');
  assert.ok(frames.length >= 18 && frames.length <= 21, `${frames.length} samples for 20 s of video`);
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i]! > pts[i - 1]!, 'pts increase: never restarted from the beginning');
});

test('a fault in the middle of a recording (ffmpeg killed) resumes at the last sample, never from the start', async () => {
  ff('-t', '12', '-i', VTEST, '-c:v', 'libx264', '-g', '10', 'fault.ts');
  const src = createSource(fileCamera('fault', 'fault.ts', 2), { backoff: { baseMs: 200, maxMs: 400 } }) as FfmpegSource;
  const pts: number[] = [];
  src.start();
  const giveUp = setTimeout(() => void src.stop(), 60_000);
  let killed = 0;
  for await (const f of src.frames()) {
    pts.push(f.pts);
    if (pts.length === 8) {
      killed = src.health().pid!;
      process.kill(killed, 'SIGKILL');
    }
  }
  clearTimeout(giveUp);
  await src.stop();
  const h = src.health();
  assert.ok(killed > 0);
  assert.equal(h.reconnects, 1, JSON.stringify(h.history));
  assert.equal(h.lastError, 'input ended');
  for (let i = 1; i < pts.length; i++) assert.ok(pts[i]! > pts[i - 1]!, `pts go on after the fault: ${pts.join(' ')}`);
  assert.ok(pts.at(-1)! >= 11, `played to the end: ${pts.at(-1)}`);
  assert.ok(pts.length >= 22 && pts.length <= 24, `${pts.length} samples for 12 s at 2/s: at most one lost at the fault`);
});

test('a file camera with loop: true plays its recording again and again, without a reconnect', async () => {
  ff('-t', '3', '-i', VTEST, '-c:v', 'libx264', '-g', '10', 'short.ts');
  const cam = Camera.parse({ id: 'loop', name: 'loop', location: { district: 'd', street: 's' }, source: { kind: 'file', path: path.join(dir, 'short.ts'), loop: true }, sampling: { fps: 2, keyframesOnly: false } });
  const src = createSource(cam) as FfmpegSource;
  const frames: Frame[] = [];
  src.start();
  for await (const f of src.frames()) if (frames.push(f) === 18) break; // 9 s of a 3 s clip at 2/s
  const h = src.health();
  await src.stop();
  assert.equal(h.state, 'live');
  assert.equal(h.reconnects, 0, JSON.stringify(h.history));
  const arrival = frames.at(-1)!.capturedAt - frames[0]!.capturedAt;
  assert.ok(arrival > 7000, `paced like a live camera across the loops (${arrival} ms for 18 samples)`);
});

test('a resolution change mid-stream (CIF → 1080p) is followed: detector image and JPEG at the new size, undistorted', async () => {
  ff('-t', '5', '-i', VTEST, '-vf', 'scale=352:288', 'a.ts');
  ff('-t', '5', '-i', VTEST, '-vf', 'crop=768:432,scale=1920:1080', 'b.ts');
  execFileSync('sh', ['-c', 'cat a.ts b.ts > switch.ts'], { cwd: dir });
  const { frames, src } = await playToEnd(fileCamera('switch', 'switch.ts', 2, false), 60_000);
  const sizes = frames.map((f) => `${f.sourceWidth}x${f.sourceHeight}`);
  const first = sizes.indexOf('1920x1080');
  assert.ok(first > 5, sizes.join(' '));
  assert.ok(sizes.slice(0, first).every((s) => s === '352x288'));
  assert.ok(sizes.slice(first).every((s) => s === '1920x1080'), sizes.join(' '));
  assert.ok(frames.length >= 17, `${frames.length} samples of 10 s at 2/s (at most a sample or two lost at the switch)`);
  const after = frames[first + 2]!;
  assert.deepEqual([after.bgr.width, after.bgr.height], [416, 234]);
  assert.equal(after.bgr.data.length, 416 * 234 * 3);
  assert.deepEqual(fitSize(1920, 1080, 416, 416), { width: 416, height: 234 });
  const meta = await sharp(after.jpeg).metadata();
  assert.deepEqual([meta.width, meta.height], [1920, 1080], 'the evidence JPEG is full resolution at the new size');
  // Undistorted: the 16:9 picture's JPEG matches the detector image (mean abs difference small).
  const small = await sharp(after.jpeg).resize(416, 234, { fit: 'fill' }).removeAlpha().raw().toBuffer();
  let sum = 0;
  for (let i = 0; i < small.length; i += 3) sum += Math.abs(small[i + 2]! - after.bgr.data[i]!); // RGB vs BGR
  assert.ok(sum / (small.length / 3) < 12, `JPEG and detector image differ by ${(sum / (small.length / 3)).toFixed(1)}`);
  assert.equal(src.health().reconnects, 0, 'a size change is not a disconnect');
});
