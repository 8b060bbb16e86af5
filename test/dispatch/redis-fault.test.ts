// Fault: Redis (a private redis-server process) goes away while hits flow — first a clean
// stop, then kill -9 — and comes back. Every hit still becomes exactly one case, with its
// sealed evidence, because the producer's outbox keeps hits on disk until Redis acknowledged
// them and every later step is idempotent.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { makeHit } from '../cases/hits.ts';
import { extractFrames } from '../evidence/helpers.ts';
import { FsEvidenceStore, KeyRing, verifyAll } from '../../src/evidence/index.ts';

const N = 18;
let redis: PrivateRedis | undefined;
let h: Harness | undefined;
after(async () => {
  await h?.dispose();
  await redis?.dispose();
});

test('Redis stopped and killed while hits flow: every hit becomes exactly one case', { timeout: 300_000 }, async () => {
  redis = await startRedis(16390);
  h = await createHarness(redis.url);
  const jpegs = extractFrames(3, 20, 2);
  for (const w of ['hit', 'evidence', 'case'] as const) h.spawnWorker(w);
  h.outbox.start();

  const hits = Array.from({ length: N }, (_, i) => makeHit(100 + i, { cameraId: 'cam-a', zoneId: 'sidewalk' }));
  const submit = async (from: number, to: number) => {
    for (const hit of hits.slice(from, to)) {
      await h!.outbox.submit(hit, jpegs.map((jpeg, k) => ({ role: (['before', 'at', 'after'] as const)[k]!, capturedAt: hit.at + (k - 1) * 2000, jpeg })));
    }
  };

  await submit(0, 6);
  await waitFor('first cases', async () => (await h!.countCases()) >= 1);

  // Clean stop (SIGTERM) with hits in flight, more hits while it is down.
  await redis.stop();
  await submit(6, 12);
  const clear = { ...hits[0]!, event: 'cleared' as const, seq: 1, at: hits[0]!.at + 60_000 };
  await h.outbox.submit(clear);
  await waitFor('outbox to notice Redis is down', () => h!.outbox.health().lastError !== null, 30_000);
  assert.ok(h.outbox.health().pending >= 6, `pending ${h.outbox.health().pending}`);
  await redis.restart();

  // kill -9 while the rest flows; AOF with fsync always keeps what Redis acknowledged.
  await submit(12, 15);
  await redis.kill();
  await submit(15, N);
  await new Promise((r) => setTimeout(r, 1500));
  await redis.restart();

  await waitFor(`${N} cases`, async () => (await h!.countCases()) >= N && h!.outbox.health().pending === 0, 180_000);
  // Let redelivered jobs (stalled during the outage) run out before counting again.
  await new Promise((r) => setTimeout(r, 4000));

  const rows = await h.db.query<{ hit_id: string; n: number; state: string; bundle_id: string | null }>(
    'SELECT hit_id, count(*)::int AS n, min(state) AS state, min(bundle_id) AS bundle_id FROM cases GROUP BY hit_id ORDER BY hit_id',
  );
  assert.deepEqual(rows.map((r) => r.hit_id), hits.map((x) => x.hitId).sort());
  assert.ok(rows.every((r) => r.n === 1));
  assert.ok(rows.every((r) => r.state === 'pending_review' && r.bundle_id), 'every case has sealed evidence and awaits review');
  const events = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM hit_events WHERE hit_id = $1`, [hits[0]!.hitId]);
  assert.equal(events[0]!.n, 2, 'the clear event was recorded too');

  // One bundle per hit, and the evidence chain verifies.
  const report = await verifyAll(new FsEvidenceStore(h.env.HUIYAN_EVIDENCE_DIR!), await KeyRing.load(h.env.HUIYAN_EVIDENCE_KEYS!));
  assert.equal(report.ok, true, JSON.stringify(report.problems));
  assert.equal(report.bundles, N);
  const audit = await h.db.query<{ n: number }>(`SELECT count(*)::int AS n FROM audit_log WHERE action = 'case.created'`);
  assert.equal(audit[0]!.n, N);
});
