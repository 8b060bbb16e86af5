import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRingBuffer } from '../../src/ingest/ring-buffer.ts';
import type { Frame } from '../../src/ingest/types.ts';

function frame(cameraId: string, seq: number, at: number, bytes: number): Frame {
  return {
    cameraId, seq, capturedAt: at, pts: seq, sourceWidth: 768, sourceHeight: 576,
    bgr: { data: Buffer.alloc(0), width: 0, height: 0 }, jpeg: Buffer.alloc(bytes, seq % 256),
  };
}

test('keeps the window and answers framesAround', () => {
  const rb = new FrameRingBuffer({ windowMs: 10_000 });
  for (let i = 0; i < 30; i++) rb.push(frame('a', i, 1_000_000 + i * 1000, 100));
  const s = rb.stats();
  assert.equal(s.perCamera.a!.frames, 11); // t-10 s … t
  const around = rb.framesAround('a', 1_000_000 + 25_000, 3000, 2000);
  assert.deepEqual(around.map((f) => f.seq), [22, 23, 24, 25, 26, 27]);
  assert.deepEqual(rb.framesAround('nope', 0, 1, 1), []);
});

test('caps memory per camera and in total, evicting the oldest frame overall', () => {
  const rb = new FrameRingBuffer({ windowMs: 1e9, perCameraBytes: 1000, totalBytes: 1500 });
  for (let i = 0; i < 20; i++) rb.push(frame('a', i, i, 100));
  assert.equal(rb.stats().perCamera.a!.bytes, 1000);
  for (let i = 0; i < 8; i++) rb.push(frame('b', i, 100 + i, 100));
  const s = rb.stats();
  assert.ok(s.bytes <= 1500);
  assert.equal(s.perCamera.b!.frames, 8); // b's frames are newer; a lost its oldest
  assert.equal(s.perCamera.a!.frames, 7);
  assert.equal(rb.latest('a')!.seq, 19);
  rb.drop('a');
  assert.equal(rb.stats().bytes, 800);
});

test('keeps the frame of a wanted moment past the window until the moment is no longer wanted', () => {
  const rb = new FrameRingBuffer({ windowMs: 10_000 });
  const t0 = 1_000_000;
  for (let i = 0; i < 60; i++) {
    rb.push(frame('a', i, t0 + i * 1000, 100));
    // A vehicle stopped at t0 + 5.2 s: wanted from then on (AnalyticsEngine.keepMoments).
    rb.keep('a', i >= 5 ? [t0 + 5200] : []);
  }
  const around = rb.framesAround('a', t0 + 59_000, 55_000, 0);
  assert.deepEqual(around.map((f) => f.seq), [5, 49, 50, 51, 52, 53, 54, 55, 56, 57, 58, 59]);
  // Moments with no frame within 2 s keep nothing; no longer wanted: gone.
  rb.keep('a', [t0 - 100_000]);
  assert.deepEqual(rb.framesAround('a', t0 + 59_000, 55_000, 0)[0]!.seq, 49);
});
