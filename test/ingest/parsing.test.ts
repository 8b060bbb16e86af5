import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { reasonFromStderr, StderrTail } from '../../src/ingest/ffmpeg-stderr.ts';
import { JpegSplitter } from '../../src/ingest/jpeg-split.ts';
import { backoffDelay } from '../../src/ingest/supervisor.ts';
import { VTEST } from '../support/rtsp-server.ts';

test('stderr lines become short reasons (newest wins)', () => {
  assert.equal(reasonFromStderr(['[tcp @ 0x5] Connection to tcp://127.0.0.1:18599?timeout=0 failed: Connection refused']), 'connection refused');
  assert.equal(reasonFromStderr(['[rtsp @ 0x5] method DESCRIBE failed: 404 Not Found']), 'stream not found (404)');
  assert.equal(reasonFromStderr(['[rtsp @ 0x5] method SETUP failed: 461 Unsupported transport']), 'rtsp SETUP failed: 461 Unsupported transport');
  assert.equal(reasonFromStderr(['x.mp4: No such file or directory', 'later: Connection timed out']), 'timeout');
  assert.equal(reasonFromStderr(['Input #0, rtsp, from ...']), undefined);
  const seen: string[] = [];
  const tail = new StderrTail(2, (l) => seen.push(l));
  tail.push('a\n[showinfo@out @ 0x1] n: 0 pts: 0\nb\r');
  tail.push('c');
  tail.flush();
  assert.deepEqual(tail.lines, ['b', 'c']);
  assert.equal(seen.length, 4);
});

test('back-off doubles up to the cap, jitter only shortens', () => {
  const o = { baseMs: 500, maxMs: 10_000, jitter: 0.3 };
  assert.deepEqual([0, 1, 2, 3, 4, 5, 40].map((n) => backoffDelay(n, o, () => 0)), [500, 1000, 2000, 4000, 8000, 10_000, 10_000]);
  assert.equal(backoffDelay(2, o, () => 1), 1400);
});

test('JPEG splitter reassembles images cut at any byte boundary', () => {
  const bytes = execFileSync('ffmpeg', ['-v', 'error', '-nostdin', '-t', '1', '-i', VTEST, '-vf', 'fps=5', '-f', 'image2pipe', '-c:v', 'mjpeg', 'pipe:1'], { maxBuffer: 64 << 20 });
  for (const chunk of [997, 4096, 65536, bytes.length]) {
    const s = new JpegSplitter();
    const images = [];
    for (let i = 0; i < bytes.length; i += chunk) images.push(...s.push(bytes.subarray(i, i + chunk)));
    assert.equal(images.length, 5, `chunk ${chunk}`);
    assert.equal(images.reduce((n, im) => n + im.data.length, 0), bytes.length);
    assert.ok(images.every((im) => im.width === 768 && im.height === 576 && im.data.at(-1) === 0xd9));
    assert.equal(s.pending, 0);
  }
});
