// The shared scheduler with the real YOLOX-nano model on real vtest frames.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { loadDetector } from '../../src/inference/detectors.ts';
import { DroppedSampleError, InferenceScheduler, SchedulerStoppedError } from '../../src/inference/scheduler.ts';
import { vtestFrames } from './frames.ts';

const load = (id: string) => loadDetector(id, { threads: 1 });

test('cameras are served round-robin: a busy camera does not starve a quiet one', async (t) => {
  const s = new InferenceScheduler({ queueDepth: 10, inFlight: 1, load });
  t.after(() => s.stop());
  s.start();
  const frames = await vtestFrames([4, 8, 12, 16, 20, 24]);
  const order: string[] = [];
  const track = (cam: string, p: Promise<unknown>) => p.then(() => order.push(cam));
  const all = [
    ...frames.map((f) => track('A', s.submit('A', f, 1, 'yolox-nano'))),
    ...frames.slice(0, 2).map((f) => track('B', s.submit('B', f, 1, 'yolox-nano'))),
  ];
  await Promise.all(all);
  // A's first sample starts at once; after that the two cameras alternate while both wait.
  assert.deepEqual(order, ['A', 'B', 'A', 'B', 'A', 'A', 'A', 'A']);
  const st = s.stats();
  assert.equal(st.cameras.A!.completed, 6);
  assert.equal(st.cameras.B!.completed, 2);
  assert.equal(st.models['yolox-nano']!.detectMs.count, 8);
  assert.ok(st.models['yolox-nano']!.detectMs.p50 > 0);
  assert.ok(st.models['yolox-nano']!.detectMs.p99 >= st.models['yolox-nano']!.detectMs.p50);
});

test('a lagging camera keeps at most queueDepth samples waiting and drops the oldest', async (t) => {
  const s = new InferenceScheduler({ queueDepth: 2, inFlight: 1, load });
  t.after(() => s.stop());
  s.start();
  const frames = await vtestFrames([10, 20, 30, 40, 50]);
  const results = await Promise.allSettled(frames.map((f) => s.submit('cam-1', f, 1, 'yolox-nano')));
  // #0 runs at once; #1 and #2 wait; #3 pushes out #1, #4 pushes out #2.
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled', 'fulfilled']);
  for (const r of results) {
    if (r.status === 'rejected') assert.ok(r.reason instanceof DroppedSampleError);
    else assert.ok(r.value.filter((d) => d.label === 'person').length >= 4);
  }
  const st = s.stats().cameras['cam-1']!;
  assert.deepEqual(st, { queued: 0, submitted: 5, completed: 3, dropped: 2, failed: 0 });
  assert.deepEqual(s.health(), { running: true, cameras: 1, queued: 0, active: 0, dropped: 2, failed: 0 });
});

test('a sample whose pre-processing finished late is the one dropped when it is the oldest', async (t) => {
  const s = new InferenceScheduler({ queueDepth: 1, inFlight: 1, load });
  t.after(() => s.stop());
  s.start();
  const frames = await vtestFrames([10, 20, 30]);
  // #0 runs at once; the frame captured at t=300 waits; the frame captured at t=200 arrives
  // after it (its decode was slower) and is dropped instead of the newer one.
  const results = await Promise.allSettled([
    s.submit('cam-late', frames[0]!, 1, 'yolox-nano', 100),
    s.submit('cam-late', frames[2]!, 1, 'yolox-nano', 300),
    s.submit('cam-late', frames[1]!, 1, 'yolox-nano', 200),
  ]);
  assert.deepEqual(results.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected']);
  assert.ok((results[2] as PromiseRejectedResult).reason instanceof DroppedSampleError);
});

test('stop() rejects waiting samples and refuses new ones', async () => {
  const s = new InferenceScheduler({ queueDepth: 4, load });
  s.start();
  const frames = await vtestFrames([5, 6, 7]);
  const settled = Promise.allSettled(frames.map((f) => s.submit('cam-2', f, 1, 'yolox-nano')));
  await s.stop();
  const results = await settled;
  assert.ok(results.some((r) => r.status === 'rejected' && r.reason instanceof SchedulerStoppedError));
  await assert.rejects(s.submit('cam-2', frames[0]!, 1, 'yolox-nano'), SchedulerStoppedError);
});

test('the bound is per camera and model: face samples survive a burst of detector samples', async (t) => {
  const s = new InferenceScheduler({ queueDepth: 1, inFlight: 1, load });
  t.after(() => s.stop());
  s.start();
  const frames = await vtestFrames([10, 20, 30, 40]);
  const face = s.submit('cam-3', frames[0]!, 1, 'yunet');
  const dets = await Promise.allSettled(frames.map((f) => s.submit('cam-3', f, 1, 'yolox-nano')));
  assert.deepEqual(dets.map((r) => r.status), ['fulfilled', 'rejected', 'rejected', 'fulfilled']);
  assert.ok(Array.isArray(await face));
  assert.equal(s.stats().cameras['cam-3']!.dropped, 2);
});

test('pipelined (two samples handed to the detector) stays fair and gives the same detections', async (t) => {
  const s = new InferenceScheduler({ queueDepth: 10, inFlight: 2, load });
  t.after(() => s.stop());
  s.start();
  const frames = await vtestFrames([4, 8, 12, 16, 20, 24]);
  const order: string[] = [];
  const track = <T>(cam: string, p: Promise<T>) => p.then((v) => (order.push(cam), v));
  const a = frames.map((f) => track('A', s.submit('A', f, 1, 'yolox-nano')));
  const b = frames.slice(0, 2).map((f) => track('B', s.submit('B', f, 1, 'yolox-nano')));
  const [ra, rb] = [await Promise.all(a), await Promise.all(b)];
  // A's first two go to the detector at once; then the cameras alternate while both wait.
  assert.deepEqual(order, ['A', 'A', 'B', 'A', 'B', 'A', 'A', 'A']);
  assert.deepEqual(rb, ra.slice(0, 2), 'the same frames give the same detections from either camera');
  assert.equal(s.stats().models['yolox-nano']!.active, 0);

  // Drop-oldest with two handed over: #0 and #1 go at once, #2 and #3 wait, #4 pushes out #2.
  const s2 = new InferenceScheduler({ queueDepth: 2, inFlight: 2, load });
  t.after(() => s2.stop());
  s2.start();
  const more = await Promise.allSettled(frames.slice(0, 5).map((f) => s2.submit('C', f, 1, 'yolox-nano')));
  assert.deepEqual(more.map((r) => r.status), ['fulfilled', 'fulfilled', 'rejected', 'fulfilled', 'fulfilled']);
});

test('a model that cannot load fails its samples with the loader error, counted as failed', async (t) => {
  const s = new InferenceScheduler({ load });
  t.after(() => s.stop());
  s.start();
  const [frame] = await vtestFrames([1], { width: 64, height: 48 });
  await assert.rejects(s.submit('cam-9', frame!, 1, 'no-such-model'), /model "no-such-model" is not in the manifest/);
  assert.equal(s.health().failed, 1);
});

test('preload opens each model once, before any sample; a failing one is left to fail its samples', async (t) => {
  const opened: string[] = [];
  const s = new InferenceScheduler({ load: (id) => (opened.push(id), load(id)) });
  t.after(() => s.stop());
  s.start();
  await s.preload(['yolox-nano', 'yolox-nano', 'no-such-model']);
  assert.deepEqual(opened, ['yolox-nano', 'no-such-model']);
  const [frame] = await vtestFrames([40]);
  // The first sample runs on the model already open: no drop while it loads, no second load.
  const dets = await s.submit('cam-pre', frame!, 1, 'yolox-nano');
  assert.ok(dets.some((d) => d.label === 'person'));
  assert.deepEqual(opened, ['yolox-nano', 'no-such-model']);
});
