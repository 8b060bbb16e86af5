// The demo's sample cameras loop inside one RTSP session: a client reading a 3 s file for 9 s
// gets three loops' worth of frames over one connection, with no end of stream in between; and
// the server keeps answering client after client, several at once (its earlier segment-seek
// loop deadlocked gst-rtsp-server now and then, after which no camera of the demo connected).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFile, execFileSync, spawnSync } from 'node:child_process';
import { promisify } from 'node:util';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRtspServer, VTEST } from '../../src/app/sample-rtsp/server.ts';
import { freePort } from '../../src/util/net.ts';

function shortMedia(t: { after(fn: () => void): void }): string {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-rtsp-loop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const media = path.join(dir, 'short.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', VTEST, '-t', '3', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10',
    '-x264-params', 'repeat-headers=1', '-pix_fmt', 'yuv420p', media]);
  return media;
}

test('a looping sample camera keeps one RTSP session across the end of its file', { timeout: 120_000 }, async (t) => {
  const media = shortMedia(t);
  const server = await startRtspServer(await freePort(), 'loop', { media, loop: true });
  t.after(() => server.close());
  // One ffmpeg, one session: read 9 s of stream time and count the frames decoded.
  const r = spawnSync('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-i', server.url, '-t', '9', '-f', 'framemd5', '-'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const frames = r.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
  // vtest is 10 fps: 3 s of file = 30 frames; 9 s of stream ≈ 90 (a frame or two may be lost at each seam).
  assert.ok(frames >= 80, `only ${frames} frames in one session over 9 s of a 3 s file`);
});


test('a looping sample camera serves 24 sessions, four at a time, each with frames', { timeout: 180_000 }, async (t) => {
  const server = await startRtspServer(await freePort(), 'loop', { media: shortMedia(t), loop: true });
  t.after(() => server.close());
  const run = promisify(execFile);
  const session = async () => {
    const r = await run('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-timeout', '5000000', '-i', server.url, '-t', '1.5', '-f', 'framemd5', '-'], { timeout: 30_000 });
    return r.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
  };
  for (let round = 0; round < 6; round++) {
    const frames = await Promise.all([session(), session(), session(), session()]);
    assert.ok(frames.every((n) => n >= 10), `round ${round + 1}: frames per session ${frames.join(', ')}`);
  }
});
