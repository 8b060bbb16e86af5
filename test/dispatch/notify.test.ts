// Notifications end to end on a real Redis, PostgreSQL and HTTP server: a case created by
// the case worker and a dispatch done through the repository reach the city platforms as
// HMAC-signed webhooks with a stable idempotency key; a failing platform is retried with
// back-off; a platform that refuses the request lands in the dead-letter queue; a case left
// in review past its SLA raises an overdue alert.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { startRedis, type PrivateRedis } from '../support/redis-server.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { makeHit } from '../cases/hits.ts';
import { startCaseWorker, startNotifyWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { redisOptions } from '../../src/dispatch/queues.ts';
import { verifySignature } from '../../src/dispatch/webhook.ts';
import { openCaseStore, type CaseStore } from '../../src/cases/index.ts';

interface Received { path: string; at: number; headers: http.IncomingHttpHeaders; body: string }
const SECRET = 'test-secret-0123456789abcdef';
let redis: PrivateRedis | undefined;
let h: Harness | undefined;
let server: http.Server | undefined;
const running: RunningWorker[] = [];
let store: CaseStore | undefined;
let caseQ: Queue | undefined;
let deadQ: Queue | undefined;
after(async () => {
  for (const w of running) await w.close();
  await caseQ?.close();
  await deadQ?.close();
  await store?.close();
  server?.closeAllConnections();
  await new Promise((r) => server ? server.close(r) : r(undefined));
  await h?.dispose();
  await redis?.dispose();
});

test('webhooks are signed, retried with back-off, dead-lettered when refused; overdue reviews alert', { timeout: 180_000 }, async () => {
  const received: Received[] = [];
  let flakyCalls = 0;
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, at: Date.now(), headers: req.headers, body });
      if (req.url === '/flaky') res.statusCode = ++flakyCalls <= 2 ? 503 : 200;
      else if (req.url === '/bad') res.statusCode = 400;
      else if (req.url === '/down') res.statusCode = 502;
      else res.statusCode = 200;
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  redis = await startRedis(16392);
  h = await createHarness(redis.url, { HUIYAN_SLA_CHECK_MS: '300', HUIYAN_JOB_BACKOFF_MS: '300', HUIYAN_JOB_ATTEMPTS: '5' });
  const codes = path.join(h.dir, 'codes.yaml');
  await writeFile(codes, 'rules:\n  vending:\n    local: 占道经营\n    reviewSlaMinutes: 0.05\n    standard:\n      - { code: "05-01", name: 占道经营 }\n');
  const hooks = path.join(h.dir, 'webhooks.yaml');
  await writeFile(hooks, `endpoints:
  - { id: city-platform, url: "${base}/flaky", secret: "env:TEST_HOOK_SECRET", events: [case.created] }
  - { id: command-centre, url: "${base}/ok", secret: "${SECRET}", events: [case.review_overdue, case.dispatched] }
  - { id: broken, url: "${base}/bad", secret: "${SECRET}", events: [case.created] }
  - { id: down, url: "${base}/down", secret: "${SECRET}", events: [case.created] }
`);
  const env: NodeJS.ProcessEnv = { ...h.env, HUIYAN_CODES: codes, HUIYAN_WEBHOOKS: hooks, TEST_HOOK_SECRET: SECRET };
  running.push(await startCaseWorker(env), await startNotifyWorker(env));
  caseQ = new Queue('case', { connection: redisOptions(redis.url), prefix: h.cfg.prefix });
  deadQ = new Queue('dead', { connection: redisOptions(redis.url), prefix: h.cfg.prefix });

  const hit = makeHit(300, { cameraId: 'cam-a', zoneId: 'sidewalk' });
  const evidence = { bundleId: 'ev-test', storageKey: 'bundles/cam-a/0-ev-test/', manifestSha256: 'cd'.repeat(32) };
  await caseQ.add('case', { hit, evidence }, { jobId: 'case-test-1' });

  // city-platform: 503, 503, 200 — one idempotency key, valid signatures, growing gaps.
  await waitFor('three deliveries to the flaky platform', () => received.filter((r) => r.path === '/flaky').length >= 3, 60_000);
  const flaky = received.filter((r) => r.path === '/flaky');
  assert.equal(new Set(flaky.map((r) => r.headers['idempotency-key'])).size, 1);
  for (const r of flaky) assert.ok(verifySignature(SECRET, r.headers, r.body), 'signature checks out');
  assert.equal(verifySignature(SECRET, flaky[0]!.headers, flaky[0]!.body.replace('05-01', '05-04')), false, 'an altered body fails');
  assert.equal(verifySignature('wrong-secret', flaky[0]!.headers, flaky[0]!.body), false);
  const gaps = [flaky[1]!.at - flaky[0]!.at, flaky[2]!.at - flaky[1]!.at];
  assert.ok(gaps[0]! >= 250 && gaps[1]! >= 550, `back-off gaps ${gaps.join(', ')} ms`);
  const body = JSON.parse(flaky[2]!.body);
  assert.equal(body.kind, 'case.created');
  assert.equal(body.data.case.hitId, hit.hitId);
  assert.equal(body.data.case.standardCode, '05-01');
  assert.equal(body.data.case.district, '徐汇区');

  // broken: a 400 is not retried; down: 502 five times (HUIYAN_JOB_ATTEMPTS) — both dead-lettered.
  await waitFor('dead letters', async () => (await deadQ!.count()) >= 2, 60_000);
  const deadJobs = await deadQ.getJobs(['waiting'], 0, 10);
  const refused = deadJobs.find((j) => j.data.jobId === 'n1-broken')!.data;
  assert.equal(refused.queue, 'notify');
  assert.match(refused.error, /400/);
  assert.equal(refused.attemptsMade, 1);
  assert.equal(received.filter((r) => r.path === '/bad').length, 1);
  const down = deadJobs.find((j) => j.data.jobId === 'n1-down')!.data;
  assert.match(down.error, /502/);
  assert.equal(down.attemptsMade, 5);
  assert.equal(received.filter((r) => r.path === '/down').length, 5);

  // SLA 0.05 min = 3 s: the case waits in review, the command centre gets one overdue alert.
  await waitFor('overdue alert', () => received.some((r) => r.headers['x-huiyan-event'] === 'case.review_overdue'), 30_000);
  const overdue = JSON.parse(received.find((r) => r.headers['x-huiyan-event'] === 'case.review_overdue')!.body);
  assert.equal(overdue.data.case.hitId, hit.hitId);
  assert.ok(overdue.data.overdueMs >= 0);

  // A dispatch done through the repository (as the API does) notifies through the outbox too.
  store = await openCaseStore({ url: env.HUIYAN_DATABASE_URL, schema: env.HUIYAN_PG_SCHEMA, codes: { vending: { local: '占道经营', reviewSlaMinutes: 1, standard: [{ code: '05-01', name: '占道经营' }] } } });
  const c = (await store.getCaseByHit(hit.hitId))!;
  await store.transition(c.id, { to: 'confirmed', actor: 'user:li' });
  await store.transition(c.id, { to: 'dispatched', actor: 'user:li', dispatchTo: 'squad-3' });
  await waitFor('dispatch webhook', () => received.some((r) => r.headers['x-huiyan-event'] === 'case.dispatched'), 30_000);
  const dispatched = JSON.parse(received.find((r) => r.headers['x-huiyan-event'] === 'case.dispatched')!.body);
  assert.equal(dispatched.data.case.dispatchedTo, 'squad-3');
  assert.equal(received.filter((r) => r.headers['x-huiyan-event'] === 'case.review_overdue').length, 1, 'one alert per overdue case');
  const trail = await store.auditEntries({ targetId: c.id });
  assert.deepEqual(trail.map((e) => e.action), ['case.created', 'case.transition', 'case.party_linked', 'case.review_overdue', 'case.transition', 'case.transition']);
});
