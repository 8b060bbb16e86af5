// The hit outbox on its own: hits submitted while Redis is down wait on disk, survive the
// producer process going away, and are sent exactly once (by job id) by the next producer; a new
// hit recovered from a kill is known to its camera as open.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtemp, readFile, readdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { Queue } from 'bullmq';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { HitOutbox } from '../../src/dispatch/outbox.ts';
import { HitDeduper } from '../../src/analytics/dedup.ts';
import { dispatchConfigFromEnv, hitJobKey, HitJob, redisOptions } from '../../src/dispatch/queues.ts';
import { makeHit } from '../cases/hits.ts';
import { extractFrames } from '../evidence/helpers.ts';

let redis: PrivateRedis | undefined;
let dir = '';
const closers: Array<() => Promise<unknown>> = [];
after(async () => {
  for (const c of closers.reverse()) await c().catch(() => {});
  await redis?.dispose();
  if (dir) await rm(dir, { recursive: true, force: true });
});

test('hits submitted while Redis is down survive a producer restart and are enqueued once', { timeout: 120_000 }, async () => {
  redis = await startRedis(16393);
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-outbox-'));
  const cfg = dispatchConfigFromEnv({ HUIYAN_REDIS_URL: redis.url, HUIYAN_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}` });
  const [jpeg] = extractFrames(1, 5, 1);
  await redis.stop();

  const first = new HitOutbox({ dir, cfg, retryMinMs: 100, retryMaxMs: 300 });
  await first.init();
  first.start();
  const hits = [1, 2, 3].map((n) => makeHit(n));
  for (const hit of hits) await first.submit(hit, [{ role: 'at', capturedAt: hit.at, jpeg: jpeg! }]);
  await first.submit(hits[0]!, [{ role: 'at', capturedAt: hits[0]!.at, jpeg: jpeg! }]); // a producer retrying the same event
  await first.flush();
  assert.equal(first.health().pending, 4);
  assert.match(first.health().lastError ?? '', /./);
  await first.stop(); // the producer process goes away with hits still on disk

  await redis.restart();
  const second = new HitOutbox({ dir, cfg, retryMinMs: 100, retryMaxMs: 300 });
  closers.push(() => second.stop());
  await second.init();
  assert.equal(second.health().pending, 4);
  second.start();
  await second.flush();
  assert.equal(second.health().pending, 0);
  assert.deepEqual(await readdir(second.outboxDir), []);

  const q = new Queue('hit', { connection: redisOptions(redis.url), prefix: cfg.prefix });
  closers.push(() => q.close());
  const jobs = await q.getWaiting(0, 100);
  assert.deepEqual(jobs.map((j) => j.id).sort(), hits.map((x) => `hit-${hitJobKey(x.hitId, x.seq)}`).sort());
  for (const job of jobs) {
    const data = HitJob.parse(job.data);
    assert.equal(data.frames.length, 1);
    assert.ok((await readFile(data.frames[0]!.path)).equals(jpeg!), 'the staged frame is the submitted JPEG');
  }
});

test('a new hit recovered after a kill before its camera saved its open hits is adopted as open: the restarted detector continues it', { timeout: 60_000 }, async () => {
  const d = await mkdtemp(path.join(os.tmpdir(), 'huiyan-outbox-adopt-'));
  closers.push(() => rm(d, { recursive: true, force: true }));
  const cfg = dispatchConfigFromEnv({ HUIYAN_REDIS_URL: process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379', HUIYAN_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}` });
  const [jpeg] = extractFrames(1, 5, 1);
  const killed = new HitOutbox({ dir: d, cfg });
  await killed.init();
  const earlier = makeHit(1, { place: { box: [600, 20, 700, 220], frameSize: [1280, 720] } });
  const hit = makeHit(2);
  // The camera's saved state knows an earlier hit; the new one's entry and first frame reach the
  // disk, and the kill comes before the detector saves the camera's open hits again.
  await killed.saveOpenHits(hit.cameraId, [HitDeduper.openHitOf(earlier)]);
  await killed.begin(hit, [{ role: 'at', capturedAt: hit.at, jpeg: jpeg! }]);
  await killed.stop();

  const next = new HitOutbox({ dir: d, cfg });
  closers.push(() => next.stop());
  await next.init();
  assert.equal(next.health().recovered, 1);
  const open = await next.loadOpenHits(hit.cameraId);
  assert.deepEqual(open.map((h) => h.hitId), [earlier.hitId, hit.hitId]);
  // The restarted detector, seeing the violation at the same place, continues the same hit.
  const dedup = new HitDeduper(hit.cameraId, () => 60_000);
  dedup.restore(open, Date.now());
  const again = { ...HitDeduper.openHitOf({ ...hit, score: 0.7 }).finding, box: [12, 24, 112, 222] as [number, number, number, number] };
  const continued = dedup.match(again);
  assert.equal(continued?.hitId, hit.hitId);
  assert.equal(continued?.seq, 1, 'its next event follows the recovered opened event');
});
