// Warn first, file later (限时整改) through the real case worker, on real Redis, PostgreSQL and a
// local HTTP receiver standing in for the loudspeaker, the SMS gateway and a webhook platform:
// a hit in a warn-first zone becomes a `warned` case that is not in review; its warnings go out
// with the Chinese text (a failing channel is retried, every attempt audited); a clear within
// the grace period closes it as self-corrected with before/after evidence; the violation still
// seen after the grace period files exactly one case for review with before/after evidence; a
// warned case the camera says nothing more about is filed by the grace-end backstop, also when
// the case worker holding it was killed.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import type { AddressInfo } from 'node:net';
import { Queue } from 'bullmq';
import { createHarness, waitFor, type Harness } from './harness.ts';
import { makeHit } from '../cases/hits.ts';
import { startCaseWorker, startNotifyWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { jobOptions, redisOptions } from '../../src/dispatch/queues.ts';
import { verifySignature } from '../../src/dispatch/webhook.ts';
import { openCaseStore, type CaseStore } from '../../src/cases/index.ts';
import type { HitEventT } from '../../src/contracts/hit.ts';

interface Received { path: string; headers: http.IncomingHttpHeaders; body: string }
const SECRET = 'warn-secret-0123456789abcdef';
let h: Harness | undefined;
let server: http.Server | undefined;
const workers: RunningWorker[] = [];
let store: CaseStore | undefined;
let caseQ: Queue | undefined;
after(async () => {
  for (const w of workers) await w.close();
  await caseQ?.close();
  await store?.close();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  await h?.dispose();
});

const camera = (id: string, grace: number, base: string) => `
  - id: ${id}
    name: 测试摄像机 ${id}
    location: { district: 徐汇区, street: 漕河泾街道, address: 宜山路 100 号 }
    source: { kind: rtsp, url: rtsp://127.0.0.1:8554/${id} }
    rules: [vending]
    zones:
      - id: sidewalk
        type: no-vending
        polygon: [[0,0.5],[1,0.5],[1,1],[0,1]]
        warnFirst:
          graceSeconds: ${grace}
          channels:
            - { kind: loudspeaker, url: "${base}/speaker/${id}", text: "{place}禁止{rule}，请在{grace}内整改" }
            - { kind: sms, url: "${base}/sms-flaky/${id}", to: ["13800138000"] }
            - { kind: webhook, endpoint: city }
`;

test('warn-first: warned → self_corrected within grace, → pending_review (one case) after it, backstop files the silent one across a kill -9', { timeout: 120_000 }, async () => {
  const received: Received[] = [];
  const smsCalls = new Map<string, number>();
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url!, headers: req.headers, body });
      // The SMS gateway fails twice per camera before it takes the message.
      if (req.url!.startsWith('/sms-flaky')) {
        const n = (smsCalls.get(req.url!) ?? 0) + 1;
        smsCalls.set(req.url!, n);
        res.statusCode = n <= 2 ? 503 : 200;
      }
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  const base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;

  h = await createHarness('redis://127.0.0.1:6379', { HUIYAN_JOB_BACKOFF_MS: '200', HUIYAN_JOB_ATTEMPTS: '5', HUIYAN_WARN_BACKSTOP_MS: '1500' });
  await writeFile(path.join(h.env.HUIYAN_STREAMS_CONFIG!, 'cams.yaml'), `cameras:${camera('wf-short', 60, base)}${camera('wf-long', 5, base)}${camera('wf-silent', 8, base)}`);
  const hooks = path.join(h.dir, 'webhooks.yaml');
  await writeFile(hooks, `endpoints:\n  - { id: city, url: "${base}/city", secret: "${SECRET}", events: [case.created] }\n`);
  const env: NodeJS.ProcessEnv = { ...h.env, HUIYAN_WEBHOOKS: hooks };
  const caseWorker = await startCaseWorker(env);
  workers.push(caseWorker, await startNotifyWorker(env));
  store = await openCaseStore({ url: env.HUIYAN_DATABASE_URL!, schema: env.HUIYAN_PG_SCHEMA });
  caseQ = new Queue('case', { connection: redisOptions(h.cfg.redisUrl), prefix: h.cfg.prefix });
  const ev = (tag: string) => ({ bundleId: `ev-${tag}`, storageKey: `bundles/${tag}/`, manifestSha256: 'ab'.repeat(32) });
  // As the evidence and hit steps add them (retries with back-off).
  const send = (hit: HitEventT, tag?: string) => caseQ!.add(tag ? 'case' : 'hit-event', tag ? { hit, evidence: ev(tag) } : { hit }, jobOptions(h!.cfg, `${hit.hitId.replace(/:/g, '_')}-${hit.seq}`));
  const now = Date.now();
  const opened = (cameraId: string, n: number) => makeHit(n, { cameraId, hitId: `${cameraId}:vending:sidewalk:${n}`, startedAt: now - 10_000, at: now, lastSeenAt: now });
  const caseOf = async (hitId: string) => store!.getCaseByHit(hitId);

  // 1. Self-corrected: its clear (with the frame of the empty place) comes first — the case job
  //    of `opened` is slower in real life too — and waits until the case exists.
  const short = opened('wf-short', 1);
  await send({ ...short, event: 'cleared', seq: 2, at: now + 20_000, lastSeenAt: now + 5_000, evidenceDue: true }, 'short-after');
  await new Promise((r) => setTimeout(r, 500));
  assert.equal(await caseOf(short.hitId), null, 'no case from a clear alone');
  await send(short, 'short-before');
  await waitFor('self-corrected', async () => (await caseOf(short.hitId))?.state === 'self_corrected', 30_000);
  const sc = (await caseOf(short.hitId))!;
  const scw = (await store.warning(sc.id))!;
  assert.equal(scw.outcome, 'self_corrected');
  assert.equal(sc.evidence?.bundleId, 'ev-short-before', 'before evidence: the bundle sealed at the warning');
  assert.equal(scw.after?.evidence?.bundleId, 'ev-short-after', 'after evidence: the bundle of the place at clearing');
  assert.equal(scw.graceUntil.getTime(), now + 60_000, 'grace counts from detection');

  // 2. Persists: warned (not in review, not a filed case) until the scene after the 5 s grace.
  const long = opened('wf-long', 2);
  await send(long, 'long-before');
  await waitFor('warned', async () => (await caseOf(long.hitId))?.state === 'warned', 30_000);
  const pending = await store.listCases({ state: ['new', 'pending_review'] });
  assert.equal(pending.items.some((c) => c.hitId === long.hitId), false, 'a warned hit is not in the review list');
  // An ordinary update in the grace period decides nothing; a redelivered opened job adds nothing.
  await send({ ...long, event: 'updated', seq: 1, at: now + 2_000, lastSeenAt: now + 2_000 });
  await caseQ.add('case', { hit: long, evidence: ev('long-before') }, jobOptions(h.cfg, 'redelivered-opened'));
  await new Promise((r) => setTimeout(r, 1000));
  assert.equal((await caseOf(long.hitId))?.state, 'warned');
  await send({ ...long, event: 'updated', seq: 3, at: now + 6_000, lastSeenAt: now + 6_000, evidenceDue: true }, 'long-after');
  await waitFor('filed', async () => (await caseOf(long.hitId))?.state === 'pending_review', 30_000);
  // Its clear later changes nothing.
  await send({ ...long, event: 'cleared', seq: 4, at: now + 30_000, lastSeenAt: now + 10_000, evidenceDue: true }, 'long-clear');
  const filed = (await caseOf(long.hitId))!;
  const fw = (await store.warning(filed.id))!;
  assert.equal(fw.outcome, 'filed');
  assert.equal(filed.evidence?.bundleId, 'ev-long-before');
  assert.equal(fw.after?.evidence?.bundleId, 'ev-long-after', 'after evidence: the violation still there after the grace period');
  assert.ok(filed.reviewDueAt, 'a filed case has its review deadline');
  await new Promise((r) => setTimeout(r, 1000));
  const all = await store.listCases({ cameraId: 'wf-long' });
  assert.equal(all.total, 1, 'exactly one case for the hit');
  assert.equal((await caseOf(long.hitId))?.state, 'pending_review');

  // 3. Warnings: Chinese text naming place, rule and grace; the flaky SMS gateway retried to success.
  await waitFor('all warnings delivered', async () => {
    const audit = await store!.auditEntries({ targetType: 'case', targetId: filed.id, limit: 100 });
    return audit.filter((e) => e.action === 'warn.sent').length === 3;
  }, 30_000);
  const speaker = received.find((r) => r.path === '/speaker/wf-long')!;
  assert.deepEqual(JSON.parse(speaker.body), { text: '徐汇区漕河泾街道宜山路 100 号禁止占道经营，请在5秒内整改', repeat: 2 });
  const sms = received.filter((r) => r.path === '/sms-flaky/wf-long');
  assert.equal(sms.length, 3, 'two failures, then delivered');
  const smsBody = JSON.parse(sms[2]!.body) as { to: string[]; text: string };
  assert.deepEqual(smsBody.to, ['13800138000']);
  assert.match(smsBody.text, /^【城市管理提示】.+，徐汇区漕河泾街道宜山路 100 号发现占道经营行为，请在5秒内自行整改/);
  assert.equal(new Set(sms.map((r) => r.headers['idempotency-key'])).size, 1, 'one idempotency key across retries');
  const city = received.find((r) => r.path === '/city' && r.headers['x-huiyan-event'] === 'case.warning' && r.body.includes(filed.id))!;
  assert.ok(verifySignature(SECRET, city.headers, city.body), 'the webhook channel is signed');
  assert.match((JSON.parse(city.body) as { data: { text: string } }).data.text, /请在5秒内自行整改/);
  const audit = await store.auditEntries({ targetType: 'case', targetId: filed.id, limit: 100 });
  const failed = audit.filter((e) => e.action === 'warn.failed');
  assert.equal(failed.length, 2, 'each failed attempt is in the audit trail');
  assert.match(String(failed[0]!.details.error), /503/);
  assert.deepEqual(audit.filter((e) => e.action === 'case.transition').map((e) => [e.details.from, e.details.to]),
    [['new', 'warned'], ['warned', 'pending_review']]);
  // A filed warn-first case is announced to the platforms as a new case.
  await waitFor('case.created webhook for the filed case', () => received.some((r) => r.path === '/city' && r.headers['x-huiyan-event'] === 'case.created' && r.body.includes(filed.id)), 30_000);
  assert.equal(received.some((r) => r.path === '/city' && r.headers['x-huiyan-event'] === 'case.created' && r.body.includes(sc.id)), false, 'a self-corrected hit is no case for the platform');

  // 4. Silent, across a kill -9 of the case worker: 8 s grace, nothing more from the camera →
  //    the backstop (1.5 s after grace), a delayed job in Redis, files it in the next worker.
  await caseWorker.close();
  workers.splice(workers.indexOf(caseWorker), 1);
  const first = h.spawnWorker('case', { HUIYAN_WEBHOOKS: hooks });
  const t0 = Date.now();
  const silent = makeHit(3, { cameraId: 'wf-silent', hitId: 'wf-silent:vending:sidewalk:3', startedAt: t0 - 10_000, at: t0, lastSeenAt: t0 });
  await send(silent, 'silent-before');
  await waitFor('warned by the first worker', async () => (await caseOf(silent.hitId))?.state === 'warned', 30_000);
  await first.kill9();
  h.spawnWorker('case', { HUIYAN_WEBHOOKS: hooks });
  await waitFor('backstop filed', async () => (await caseOf(silent.hitId))?.state === 'pending_review', 40_000);
  assert.ok(Date.now() >= t0 + 9_500, 'not before the grace end and the backstop');
  const sw = (await store.warning((await caseOf(silent.hitId))!.id))!;
  assert.equal(sw.outcome, 'filed');
  assert.equal(sw.after, null, 'no after frame: the audit says the camera sent nothing');
  await waitFor('the silent case\'s warnings delivered too', async () => {
    const a = await store!.auditEntries({ targetType: 'case', targetId: sw.case.id, limit: 100 });
    return a.filter((e) => e.action === 'warn.sent').length === 3;
  }, 30_000);

  const stats = await store.warnStats();
  assert.deepEqual(stats, [{ rule: 'vending', warned: 0, selfCorrected: 1, filed: 2 }]);
});
