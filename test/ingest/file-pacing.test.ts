// A recording played in real time stands in for a live camera: each frame's capture time is
// when the source delivers it, not when ffmpeg decoded it (seconds ahead). Otherwise every
// frame looks seconds old on arrival, and lag, dwell and evidence times are skewed by the
// decoder's read-ahead. Real ffmpeg on vtest.avi through createSource.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Camera } from '../../src/config/schema.ts';
import { createSource } from '../../src/ingest/sources.ts';
import { VTEST } from '../support/rtsp-server.ts';

test('a real-time file camera delivers frames with their delivery time, paced at the sampling rate', { timeout: 60_000 }, async () => {
  const cam = Camera.parse({ id: 'paced', name: 'paced', location: { district: 'd', street: 's' }, source: { kind: 'file', path: VTEST, realtime: true }, sampling: { fps: 2, keyframesOnly: false } });
  const src = createSource(cam, {});
  const ages: number[] = [];
  const times: number[] = [];
  src.start();
  for await (const f of src.frames()) {
    ages.push(Date.now() - f.capturedAt);
    times.push(f.capturedAt);
    if (times.length === 12) break;
  }
  await src.stop();
  assert.ok(Math.max(...ages) < 250, `frame age on arrival ${ages.join(', ')} ms`);
  const gaps = times.slice(1).map((t, i) => t - times[i]!);
  const mean = gaps.reduce((a, b) => a + b, 0) / gaps.length;
  assert.ok(mean > 400 && mean < 600, `mean gap ${mean.toFixed(0)} ms at 2 samples/s`);
});
