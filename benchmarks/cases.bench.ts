// Cases and dispatch benchmark. (1) Case store: creations, transitions, a filtered page and
// a full audit-chain verification, on real PostgreSQL and on embedded PGlite. (2) Dispatch:
// hits end to end through the outbox and the hit/evidence/case worker processes (real Redis
// on 127.0.0.1:16394, real evidence sealing with 3 vtest frames), hits/s and latency.
// Prints tables; writes benchmarks/results/cases.json.
//
//   npx tsx benchmarks/cases.bench.ts [--cases 300] [--hits 40] [--no-dispatch]
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { PROJECT_ROOT } from '../src/inference/manifest.ts';
import { openCaseStore, type CaseStore } from '../src/cases/index.ts';
import { createSchema, freshSchemaName, PG_URL } from '../test/cases/stores.ts';
import { makeHit } from '../test/cases/hits.ts';
import { startRedis } from '../test/support/redis-server.ts';
import { createHarness, waitFor } from '../test/dispatch/harness.ts';
import { extractFrames } from '../test/evidence/helpers.ts';

const { values: args } = parseArgs({
  options: { cases: { type: 'string', default: '300' }, hits: { type: 'string', default: '40' }, 'no-dispatch': { type: 'boolean', default: false } },
});
const NC = Number(args.cases);
const NH = Number(args.hits);
const loc = { district: '徐汇区', street: '漕河泾街道' };
const ev = (n: number) => ({ bundleId: `b-${n}`, storageKey: `k/${n}`, manifestSha256: 'ab'.repeat(32) });
const pct = (xs: number[], p: number) => [...xs].sort((a, b) => a - b)[Math.min(xs.length - 1, Math.floor((p / 100) * xs.length))]!;
const timed = async (fn: () => Promise<unknown>) => { const t = performance.now(); await fn(); return performance.now() - t; };

async function storeBench(name: string, store: CaseStore) {
  const t0 = performance.now();
  const ids: string[] = [];
  for (let i = 0; i < NC; i++) {
    const r = await store.createFromHit({ hit: makeHit(i, { rule: i % 4 ? 'vending' : 'ads' }), location: i % 2 ? loc : { district: '静安区', street: '南京西路街道' }, evidence: ev(i) });
    ids.push(r.case.id);
  }
  const createMs = performance.now() - t0;
  const t1 = performance.now();
  for (const id of ids) await store.transition(id, { to: 'confirmed', actor: 'user:bench' });
  const transitionMs = performance.now() - t1;
  const pageMs: number[] = [];
  for (let i = 0; i < 20; i++) pageMs.push(await timed(() => store.listCases({ district: '静安区', rule: 'vending', state: 'confirmed' }, { limit: 50 })));
  const statsMs = await timed(() => store.stats());
  let entries = 0;
  const verifyMs = await timed(async () => { entries = (await store.verifyAuditChain()).entries; });
  return {
    backend: name, cases: NC,
    createPerSec: NC / (createMs / 1000), transitionPerSec: NC / (transitionMs / 1000),
    pageP50Ms: pct(pageMs, 50), statsMs, auditEntries: entries, verifyMs,
  };
}

const results: Record<string, unknown> = { when: new Date().toISOString(), host: { cpus: (await import('node:os')).cpus().length } };
const schema = freshSchemaName('bench');
const drop = await createSchema(schema);
const rows = [];
try {
  const pgStore = await openCaseStore({ url: PG_URL, schema });
  rows.push(await storeBench('postgresql 15', pgStore));
  await pgStore.close();
} finally {
  await drop();
}
const lite = await openCaseStore({});
rows.push(await storeBench('pglite (memory)', lite));
await lite.close();
results.store = rows;
console.log('\nCase store (one connection, sequential; each write commits with its audit entry)');
console.table(rows.map((r) => ({
  backend: r.backend, 'create/s': r.createPerSec.toFixed(0), 'transition/s': r.transitionPerSec.toFixed(0),
  'page p50 ms': r.pageP50Ms.toFixed(1), 'stats ms': r.statsMs.toFixed(1), 'audit entries': r.auditEntries, 'verify ms': r.verifyMs.toFixed(0),
})));
const [pgRow, liteRow] = rows;
console.log(`pglite/postgres create ratio: ${(liteRow!.createPerSec / pgRow!.createPerSec).toFixed(2)}`);

if (!args['no-dispatch']) {
  const redis = await startRedis(16394);
  const h = await createHarness(redis.url, { HUIYAN_LOG_LEVEL: 'error', HUIYAN_LOCK_DURATION_MS: '30000', HUIYAN_STALLED_INTERVAL_MS: '30000' });
  try {
    const jpegs = extractFrames(3, 20, 2);
    for (const w of ['hit', 'evidence', 'case'] as const) h.spawnWorker(w);
    h.outbox.start();
    // Warm-up: worker start-up (tsx, key loading) is not part of the figure.
    const warmHit = makeHit(9998, { cameraId: 'cam-a', zoneId: 'sidewalk' });
    await h.outbox.submit(warmHit, jpegs.map((jpeg, k) => ({ role: (['before', 'at', 'after'] as const)[k]!, capturedAt: warmHit.at + k, jpeg })));
    await waitFor('warm-up', async () => (await h.countCases()) >= 1, 120_000);
    const submitted = new Map<string, number>();
    const t0 = performance.now();
    for (let i = 0; i < NH; i++) {
      const hit = makeHit(i, { cameraId: 'cam-a', zoneId: 'sidewalk' });
      submitted.set(hit.hitId, Date.now());
      await h.outbox.submit(hit, jpegs.map((jpeg, k) => ({ role: (['before', 'at', 'after'] as const)[k]!, capturedAt: hit.at + (k - 1) * 2000, jpeg })));
    }
    const submitMs = performance.now() - t0;
    await waitFor('all cases', async () => (await h.countCases()) >= NH + 1, 600_000, 100);
    const totalMs = performance.now() - t0;
    const created = await h.db.query<{ hit_id: string; created_at: Date }>('SELECT hit_id, created_at FROM cases');
    const lat = created.filter((r) => submitted.has(r.hit_id)).map((r) => new Date(r.created_at).getTime() - submitted.get(r.hit_id)!);
    const d = { hits: NH, submitPerSec: NH / (submitMs / 1000), hitsPerSec: NH / (totalMs / 1000), latencyP50Ms: pct(lat, 50), latencyP95Ms: pct(lat, 95) };
    results.dispatch = d;
    console.log('\nDispatch end to end: outbox → hit → evidence (seal, 3 frames) → case, one process per worker, concurrency 2');
    console.table([{ hits: d.hits, 'outbox submit/s': d.submitPerSec.toFixed(0), 'hits→cases/s': d.hitsPerSec.toFixed(2), 'latency p50 ms': d.latencyP50Ms, 'latency p95 ms': d.latencyP95Ms }]);
  } finally {
    await h.dispose();
    await redis.dispose();
  }
}
await mkdir(path.join(PROJECT_ROOT, 'benchmarks/results'), { recursive: true });
await writeFile(path.join(PROJECT_ROOT, 'benchmarks/results/cases.json'), JSON.stringify(results, null, 2) + '\n');
process.exit(0);
