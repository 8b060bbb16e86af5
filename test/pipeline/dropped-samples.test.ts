// A camera with a protected-surface zone runs two models per sample (object detection and
// PP-OCR text detection). When inference lags, the scheduler drops samples of either model;
// every dropped sample must be counted in the pipeline's stats and none may escape as an
// unhandled rejection (test/run-all.mjs makes those fatal). Real models, real picture.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { Camera } from '../../src/config/schema.ts';
import { readImageBgr } from '../../src/inference/image.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { InferenceScheduler } from '../../src/inference/scheduler.ts';
import { FrameRingBuffer } from '../../src/ingest/ring-buffer.ts';
import type { Frame } from '../../src/ingest/types.ts';
import { DetectionPipeline, type FrameFeed } from '../../src/pipeline/detection-pipeline.ts';

const PICTURE = path.resolve(PROJECT_ROOT, '../shared/data/street/checkpoint_camera_cn.jpg');

test('samples dropped by either model of an ads camera are counted, never unhandled', { timeout: 300_000 }, async () => {
  const camera = Camera.parse({
    id: 'ads-burst',
    name: 'burst',
    location: { district: 'd', street: 's' },
    source: { kind: 'file', path: PICTURE },
    rules: ['ads'],
    zones: [{ id: 'wall', type: 'protected-surface', polygon: [[0, 0], [1, 0], [1, 1], [0, 1]] }],
  });
  const feed = Object.assign(new EventEmitter(), {
    ring: new FrameRingBuffer(),
    camera: (id: string) => (id === camera.id ? camera : undefined),
  }) as FrameFeed;
  // Depth 1: each new sample pushes out the camera's waiting one, for both models.
  const scheduler = new InferenceScheduler({ queueDepth: 1 });
  scheduler.start();
  // No hit is expected from one picture in a burst; the sink only has to exist.
  const sink = { submit: async () => 'x', begin: async () => ({ name: 'x', complete: async () => undefined }) };
  const pipeline = new DetectionPipeline({ feed, scheduler, sink });
  pipeline.start();

  const jpeg = await readFile(PICTURE);
  const full = await readImageBgr(jpeg);
  const bgr = await readImageBgr(jpeg, { width: 416, height: 416 });
  const n = 16;
  try {
    for (let i = 0; i < n; i++) {
      const f: Frame = { cameraId: camera.id, capturedAt: Date.now() + i, pts: i, seq: i, sourceWidth: full.width, sourceHeight: full.height, bgr, jpeg };
      feed.emit('frame', f);
      // Let some decodes start between frames, so drops land while other promises are pending.
      if (i % 4 === 3) await new Promise((r) => setTimeout(r, 5));
    }
    // Every sample is accounted for (analysed, dropped or failed) before the pipeline stops.
    const deadline = Date.now() + 120_000;
    for (;;) {
      const h = pipeline.health()[camera.id];
      if (h && h.samples + h.dropped + h.failed >= n) break;
      if (Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 100));
    }
    await pipeline.stop();
  } finally {
    await scheduler.stop();
  }
  const s = pipeline.health()[camera.id]!;
  assert.equal(s.samples + s.dropped + s.failed, n, JSON.stringify(s));
  assert.equal(s.failed, 0, s.lastError);
  assert.ok(s.dropped > 0, `a burst of ${n} frames with queue depth 1 drops samples: ${JSON.stringify(s)}`);
  assert.ok(s.samples > 0, 'the newest samples are analysed');
});
