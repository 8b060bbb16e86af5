// The demo's sample cameras loop inside one RTSP session: a client reading a 3 s file for 9 s
// gets three loops' worth of frames over one connection, with no end of stream in between.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { startRtspServer, VTEST } from '../../src/app/sample-rtsp/server.ts';
import { freePort } from '../../src/util/net.ts';


test('a looping sample camera keeps one RTSP session across the end of its file', { timeout: 120_000 }, async (t) => {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'huiyan-rtsp-loop-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const media = path.join(dir, 'short.mp4');
  execFileSync('ffmpeg', ['-v', 'error', '-y', '-i', VTEST, '-t', '3', '-an', '-c:v', 'libx264', '-preset', 'ultrafast', '-g', '10',
    '-x264-params', 'repeat-headers=1', '-pix_fmt', 'yuv420p', media]);
  const server = await startRtspServer(await freePort(), 'loop', { media, loop: true });
  t.after(() => server.close());
  // One ffmpeg, one session: read 9 s of stream time and count the frames decoded.
  const r = spawnSync('ffmpeg', ['-v', 'error', '-rtsp_transport', 'tcp', '-i', server.url, '-t', '9', '-f', 'framemd5', '-'], { encoding: 'utf8', timeout: 60_000 });
  assert.equal(r.status, 0, r.stderr);
  const frames = r.stdout.split('\n').filter((l) => /^0,/.test(l)).length;
  // vtest is 10 fps: 3 s of file = 30 frames; 9 s of stream ≈ 90 (a frame or two may be lost at each seam).
  assert.ok(frames >= 80, `only ${frames} frames in one session over 9 s of a 3 s file`);
});
