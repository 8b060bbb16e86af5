// Fault: kill -9 an evidence worker and then a case worker in the middle of a job (after the
// seal / after the case row committed, before the job completed). BullMQ's stalled-job check
// hands the job to a replacement; seal() and case creation are idempotent, so no hit is lost
// and none becomes two cases or two bundles.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { Queue } from 'bullmq';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { makeHit } from '../cases/hits.ts';
import { extractFrames } from '../evidence/helpers.ts';
import { FsEvidenceStore, KeyRing, verifyAll } from '../../src/evidence/index.ts';
import { redisOptions } from '../../src/dispatch/queues.ts';
import { verifyAuditChain } from '../../src/cases/audit.ts';

const N = 8;
let redis: PrivateRedis | undefined;
let h: Harness | undefined;
const queues: Queue[] = [];
after(async () => {
  for (const q of queues) await q.close();
  await h?.dispose();
  await redis?.dispose();
});

async function bundleCount(dir: string): Promise<number> {
  const cams = await readdir(`${dir}/bundles`).catch(() => [] as string[]);
  let n = 0;
  for (const c of cams) n += (await readdir(`${dir}/bundles/${c}`)).length;
  return n;
}

test('kill -9 of an evidence worker and a case worker mid-job: no lost hit, no duplicate case', { timeout: 300_000 }, async () => {
  redis = await startRedis(16391);
  h = await createHarness(redis.url);
  const q = (name: string) => {
    const queue = new Queue(name, { connection: redisOptions(redis!.url), prefix: h!.cfg.prefix });
    queues.push(queue);
    return queue;
  };
  const evidenceQ = q('evidence');
  const caseQ = q('case');
  const dead = q('dead');
  const jpegs = extractFrames(3, 30, 2);
  const hold = { HUIYAN_TEST_HOLD_MS: '4000', HUIYAN_CONCURRENCY: '1' };

  h.spawnWorker('hit');
  const ev1 = h.spawnWorker('evidence', hold);
  const case1 = h.spawnWorker('case', hold);
  h.outbox.start();
  const hits = Array.from({ length: N }, (_, i) => makeHit(200 + i, { cameraId: 'cam-a', zoneId: 'sidewalk' }));
  for (const hit of hits) {
    await h.outbox.submit(hit, jpegs.map((jpeg, k) => ({ role: (['before', 'at', 'after'] as const)[k]!, capturedAt: hit.at + (k - 1) * 2000, jpeg })));
  }

  // The evidence worker holds each job 4 s after sealing: kill it once a bundle exists.
  const evDir = h.env.HUIYAN_EVIDENCE_DIR!;
  await waitFor('a sealed bundle', async () => (await bundleCount(evDir)) >= 1 && (await evidenceQ.getActiveCount()) >= 1);
  const activeEvidence = (await evidenceQ.getActive()).map((j) => j.id);
  await ev1.kill9();
  // A replacement (no hold) keeps case jobs coming; it also takes the killed job back.
  h.spawnWorker('evidence');

  // Same for the case worker: kill it while a committed case's job is still active.
  await waitFor('a committed case', async () => (await h!.countCases()) >= 1 && (await caseQ.getActiveCount()) >= 1);
  const activeCase = (await caseQ.getActive()).map((j) => j.id);
  await case1.kill9();
  assert.ok(activeEvidence.length >= 1 && activeCase.length >= 1);

  h.spawnWorker('case');
  await waitFor(`${N} cases`, async () => (await h!.countCases()) >= N, 180_000);
  await waitFor('queues to drain', async () =>
    (await evidenceQ.getActiveCount()) + (await evidenceQ.getWaitingCount()) + (await caseQ.getActiveCount()) + (await caseQ.getWaitingCount()) === 0, 60_000);

  const rows = await h.db.query<{ hit_id: string; n: number }>('SELECT hit_id, count(*)::int AS n FROM cases GROUP BY hit_id ORDER BY hit_id');
  assert.deepEqual(rows.map((r) => r.hit_id), hits.map((x) => x.hitId).sort());
  assert.ok(rows.every((r) => r.n === 1));
  // The killed jobs were finished by the replacements, not parked as dead letters.
  for (const id of [...activeEvidence, ...activeCase]) assert.equal(await (id!.startsWith('ev-') ? evidenceQ : caseQ).getJobState(id!), 'completed', id);
  assert.equal(await dead.count(), 0);
  // The replacement re-ran the killed case job and found the case the dead worker committed.
  for (const id of activeCase) {
    const job = (await caseQ.getJob(id!))!;
    assert.ok(job.attemptsStarted >= 2, `${id} started ${job.attemptsStarted} times`);
    assert.equal(job.returnvalue.created, false, `${id} was re-run idempotently`);
  }
  const report = await verifyAll(new FsEvidenceStore(evDir), await KeyRing.load(h.env.HUIYAN_EVIDENCE_KEYS!));
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.bundles, N, 'one bundle per hit: the re-run seal returned the first bundle');
  assert.equal((await verifyAuditChain(h.db)).ok, true);
});
