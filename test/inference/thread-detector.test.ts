// ThreadDetector: a manifest detector in a worker thread (src/inference/thread-detector.ts), as
// the appliance's scheduler and `huiyan analyze` use it — the same detections as in this thread
// on real frames, this thread left free while it runs, clear errors.
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import path from 'node:path';
import { loadDetector } from '../../src/inference/detectors.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import type { OnnxDetector } from '../../src/inference/onnx-detector.ts';
import { ThreadDetector } from '../../src/inference/thread-detector.ts';
import { sampleFile } from '../../src/ingest/sample-file.ts';
import type { BgrImage } from '../../src/ingest/types.ts';

const VTEST = path.resolve(PROJECT_ROOT, '../shared/data/vtest.avi');
const frames: Array<{ image: BgrImage; scale: number }> = [];
let local: OnnxDetector;
let thread: ThreadDetector;

before(async () => {
  for await (const s of sampleFile(VTEST, { fps: 1, width: 416, height: 312, maxSeconds: 12 })) frames.push({ image: s.image, scale: s.image.width / s.sourceWidth });
  local = await loadDetector('yolox-nano', { threads: 1 });
  thread = await ThreadDetector.load('yolox-nano', { threads: 1 });
}, { timeout: 120_000 });
after(async () => {
  await local?.close();
  await thread?.close();
});

test('gives the same detections as the detector on this thread, frame by frame (vtest.avi)', async () => {
  let boxes = 0;
  for (const f of frames) {
    const want = await local.detect(f.image, f.scale);
    assert.deepEqual(await thread.detect(f.image, f.scale), want);
    boxes += want.length;
  }
  assert.ok(frames.length >= 10 && boxes > 50, `${frames.length} frames, ${boxes} boxes`);
});

test('leaves this thread free while it runs; the caller keeps its picture', async () => {
  // Turns of this thread's event loop while one detection is pending: on this thread the run
  // holds the loop (about none), in the worker the loop keeps turning.
  const turns = async (d: { detect: OnnxDetector['detect'] }) => {
    let n = 0;
    let done = false;
    const spin = () => { if (!done) { n++; setImmediate(spin); } };
    setImmediate(spin);
    await d.detect(frames[0]!.image, frames[0]!.scale);
    done = true;
    return n;
  };
  const [inThread, inWorker] = [await turns(local), await turns(thread)];
  assert.ok(inThread <= 2, `${inThread} turns while the local detector ran`);
  assert.ok(inWorker > 10, `${inWorker} turns while the thread detector ran`);
  // The picture was copied, not moved: still readable here.
  assert.equal(frames[0]!.image.data.length, 416 * 312 * 3);
});

test('a model that cannot load fails the load with the loader\'s message; a closed detector refuses work', async () => {
  await assert.rejects(ThreadDetector.load('no-such-model'), /model "no-such-model" is not in the manifest/);
  await assert.rejects(ThreadDetector.load('ppocr-v4-rec'), /not a detector/);
  const d = await ThreadDetector.load('yolox-nano', { threads: 1 });
  await d.close();
  await assert.rejects(d.detect(frames[0]!.image, frames[0]!.scale), /inference thread of yolox-nano is closed/);
});

test('a thread that dies fails the detection it held and is started again for the next', async () => {
  const d = await ThreadDetector.load('yolox-nano', { threads: 1 });
  try {
    const want = await local.detect(frames[1]!.image, frames[1]!.scale);
    const held = d.detect(frames[1]!.image, frames[1]!.scale);
    // The thread ends under it, as an error thrown in it or an exhausted heap would end it.
    await (d as unknown as { thread: { worker: { terminate(): Promise<number> } } }).thread.worker.terminate();
    await assert.rejects(held, /inference thread of yolox-nano exited/);
    assert.deepEqual(await d.detect(frames[1]!.image, frames[1]!.scale), want);
    assert.equal(d.restarts, 1);
  } finally {
    await d.close();
  }
});
