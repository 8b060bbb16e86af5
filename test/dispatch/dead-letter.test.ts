// Jobs that can never succeed go to the dead-letter queue after one attempt, with the
// reason (jobs that keep failing go there after their last attempt: notify.test.ts).
// Real Redis, real evidence worker and hit worker (in-process).
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { Queue } from 'bullmq';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { makeHit } from '../cases/hits.ts';
import { startEvidenceWorker, startHitWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { redisOptions } from '../../src/dispatch/queues.ts';

let redis: PrivateRedis | undefined;
let h: Harness | undefined;
const running: RunningWorker[] = [];
const queues: Queue[] = [];
after(async () => {
  for (const w of running) await w.close();
  for (const q of queues) await q.close();
  await h?.dispose();
  await redis?.dispose();
});

test('jobs that can never succeed are dead-lettered after one attempt, with the reason', { timeout: 180_000 }, async () => {
  redis = await startRedis(16395);
  h = await createHarness(redis.url, { HUIYAN_JOB_ATTEMPTS: '3', HUIYAN_JOB_BACKOFF_MS: '100' });
  running.push(await startHitWorker(h.env), await startEvidenceWorker(h.env));
  const q = (name: string) => {
    const queue = new Queue(name, { connection: redisOptions(redis!.url), prefix: h!.cfg.prefix });
    queues.push(queue);
    return queue;
  };
  const hitQ = q('hit');
  const dead = q('dead');
  const base = { cameraId: 'cam-a', zoneId: 'sidewalk' };
  await hitQ.add('hit', { hit: makeHit(1, base), frames: [] }, { jobId: 'no-frames', attempts: 3 });
  await hitQ.add('hit', { hit: makeHit(2, base), frames: [{ role: 'at', capturedAt: 1, path: '/nonexistent/f.jpg' }] }, { jobId: 'missing-frame', attempts: 3 });
  await hitQ.add('hit', { hit: { ...makeHit(3, base), score: 7 } }, { jobId: 'bad-payload', attempts: 3 });
  await hitQ.add('hit', { hit: makeHit(4, { cameraId: 'cam-unknown' }), frames: [] }, { jobId: 'unknown-camera', attempts: 3 });

  await waitFor('four dead letters', async () => (await dead.count()) >= 4, 60_000);
  const jobs = await dead.getJobs(['waiting'], 0, 10);
  const bad = jobs.find((j) => j.data.jobId === 'bad-payload')!.data;
  assert.equal(bad.queue, 'hit');
  assert.match(bad.error, /invalid hit job/);
  const evidence = jobs.filter((j) => j.data.queue === 'evidence').map((j) => j.data.error).sort();
  assert.equal(evidence.length, 3);
  assert.ok(evidence.some((e: string) => /no frames/.test(e)));
  assert.ok(evidence.some((e: string) => /staged frame .* is missing/.test(e)));
  assert.ok(evidence.some((e: string) => /camera cam-unknown is not configured/.test(e)));
  assert.ok(jobs.every((j) => j.data.attemptsMade === 1), 'no retries for hopeless jobs');
  assert.equal(await h.countCases(), 0);
});
