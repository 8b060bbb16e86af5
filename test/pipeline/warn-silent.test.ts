// Warn first (限时整改), the camera goes silent during the grace period: the detection pipeline
// (real PP-OCR text detector on the rendered small-ad poster over vtest's facade) opens the hit,
// the camera's frames stop before the time limit, and once the time limit is `silenceMs` past
// with no sample analysed, the pipeline sends one `updated` event marked evidenceDue and
// cameraSilent with the newest frame its ring holds — the last picture before the silence —
// so the case is filed with that frame instead of none. A camera that keeps sending is not silent.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { EventEmitter } from 'node:events';
import { Camera } from '../../src/config/schema.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';
import { encodeJpeg, readImageBgr } from '../../src/inference/image.ts';
import { InferenceScheduler } from '../../src/inference/scheduler.ts';
import { FrameRingBuffer } from '../../src/ingest/ring-buffer.ts';
import type { Frame } from '../../src/ingest/types.ts';
import type { OutboxFrame } from '../../src/dispatch/outbox.ts';
import { DetectionPipeline, type FrameFeed } from '../../src/pipeline/detection-pipeline.ts';
import { compositePoster } from '../../tools/eval/cases.ts';

test('warn-first: a camera silent past the time limit reports the hit once, with the last frame its ring holds', { timeout: 300_000 }, async () => {
  const base = compositePoster();
  const zone = { ...(base.camera.zones[0] as Record<string, unknown>), persistSeconds: 2, warnFirst: { graceSeconds: 8, channels: [{ kind: 'loudspeaker', url: 'http://127.0.0.1:9/tts' }] } };
  const camera = Camera.parse({ ...base.camera, id: 'silent-poster', zones: [zone] });
  let poster: Buffer | undefined;
  for await (const s of base.samples()) if (s.t >= 5) { poster = await encodeJpeg(s.image, 90); break; }
  const ring = new FrameRingBuffer();
  const feed = Object.assign(new EventEmitter(), { ring, camera: (id: string) => (id === camera.id ? camera : undefined) }) as FrameFeed;
  const scheduler = new InferenceScheduler({ queueDepth: 8 });
  scheduler.start();
  const sent: { hit: HitEventT; frames: OutboxFrame[] }[] = [];
  const sink = {
    submit: async (hit: HitEventT, frames: OutboxFrame[]) => (sent.push({ hit, frames }), 'x'),
    begin: async (hit: HitEventT, frames: OutboxFrame[]) => (sent.push({ hit, frames }), { name: 'x', complete: async () => undefined }),
  };
  // The wall clock the silence check reads, moved by the test (inference here may be slower than the grace period).
  let now = 0;
  const pipeline = new DetectionPipeline({ feed, scheduler, sink, silenceMs: 1_000, afterMs: 0, clock: () => now });
  pipeline.start();
  const full = await readImageBgr(poster!);
  const bgr = await readImageBgr(poster!, { width: 416, height: 416 });
  // Samples 1 s apart: the hit opens after its 2 s persistence; the last sample is before the
  // 8 s time limit ends; 1 s after that end with nothing more, the camera is silent.
  const t0 = Date.now() - 60_000;
  const frame = (i: number): Frame => ({ cameraId: camera.id, capturedAt: t0 + i * 1000, pts: i, seq: i, sourceWidth: full.width, sourceHeight: full.height, bgr, jpeg: poster! });
  const wait = async (what: string, ok: () => boolean) => {
    for (const end = Date.now() + 120_000; !ok(); await new Promise((r) => setTimeout(r, 100))) if (Date.now() > end) throw new Error(`timed out: ${what}`);
  };
  try {
    for (let i = 0; i <= 4; i++) {
      now = t0 + i * 1000;
      ring.push(frame(i));
      feed.emit('frame', frame(i));
      await wait(`sample ${i}`, () => (pipeline.health()[camera.id]?.samples ?? 0) > i);
    }
    const opened = sent.find((s) => s.hit.event === 'opened');
    assert.ok(opened, `the poster opened a hit: ${JSON.stringify(sent.map((s) => s.hit.event))}`);
    const openedAt = opened.hit.at;
    assert.ok(t0 + 4000 < openedAt + 8000, 'the last sample is before the time limit');
    now = openedAt + 8000 + 999;
    await new Promise((r) => setTimeout(r, 1000));
    assert.equal(sent.some((s) => s.hit.cameraSilent), false, 'not silent until 1 s past the time limit');
    now = openedAt + 8000 + 1000;
    await wait('the silent report', () => sent.some((s) => s.hit.cameraSilent));
    // The timer keeps running: the report goes once.
    await new Promise((r) => setTimeout(r, 1500));
  } finally {
    await pipeline.stop();
    await scheduler.stop();
  }
  const silent = sent.filter((s) => s.hit.cameraSilent);
  assert.equal(silent.length, 1, 'once');
  const { hit, frames } = silent[0]!;
  assert.deepEqual([hit.event, hit.evidenceDue, hit.hitId], ['updated', true, sent.find((s) => s.hit.event === 'opened')!.hit.hitId]);
  assert.ok(hit.lastSeenAt < hit.at, 'not seen again: last seen before the report');
  assert.equal(frames.length, 1);
  assert.equal(frames[0]!.capturedAt, t0 + 4000, 'the newest frame of the ring: the last before the silence');
  assert.ok(frames[0]!.jpeg.equals(poster!));
  assert.equal(sent.filter((s) => s.hit.evidenceDue && !s.hit.cameraSilent).length, 0, 'no after-grace update: the camera saw nothing after the limit');
});
