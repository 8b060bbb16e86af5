// Signed bodies never follow a redirect: a receiver that answers 302 or 307 pointing at another
// local receiver must not get the notification (or the signed anchor) forwarded there, and the
// delivery counts as failed (dead-lettered with the reason), never as delivered. Real Redis,
// the real notify worker, two real HTTP receivers.
import { after, before, it } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Queue } from 'bullmq';
import { startNotifyWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { QUEUES, redisOptions } from '../../src/dispatch/queues.ts';
import { createAnchor, postAnchor } from '../../src/evidence/anchor.ts';
import { FsEvidenceStore, KeyRing } from '../../src/evidence/index.ts';
import { waitFor } from '../support/wait.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const prefix = `t-redirect-${randomBytes(4).toString('hex')}`;

interface Hit { path: string; method: string; body: string }
const listen = async (handler: (req: http.IncomingMessage, res: http.ServerResponse, body: string) => void) => {
  const seen: Hit[] = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      seen.push({ path: req.url!, method: req.method!, body });
      handler(req, res, body);
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return { server, seen, base: `http://127.0.0.1:${(server.address() as AddressInfo).port}` };
};

let dir: string;
let sink: Awaited<ReturnType<typeof listen>>;
let bouncer: Awaited<ReturnType<typeof listen>>;
let worker: RunningWorker | undefined;
const queues: Queue[] = [];
before(async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-redirect-'));
  sink = await listen((_req, res) => res.end('ok'));
  // /302/x and /307/x answer a redirect to the sink's /x.
  bouncer = await listen((req, res) => {
    const [, code, rest] = req.url!.split('/');
    res.writeHead(Number(code), { location: `${sink.base}/${rest}` }).end();
  });
});
after(async () => {
  await worker?.close();
  for (const q of queues) await q.obliterate({ force: true }).catch(() => undefined), await q.close();
  for (const s of [sink, bouncer]) s?.server.closeAllConnections(), await new Promise((r) => s ? s.server.close(r) : r(undefined));
  await rm(dir, { recursive: true, force: true });
});

it('a notification answered with 302 or 307 is not delivered to the target and counts as failed', { timeout: 60_000 }, async () => {
  const hooks = path.join(dir, 'webhooks.yaml');
  await writeFile(hooks, `endpoints:
  - { id: found, url: "${bouncer.base}/302/stolen-302", secret: "s3cret-found", events: ["*"] }
  - { id: temporary, url: "${bouncer.base}/307/stolen-307", secret: "s3cret-temporary", events: ["*"] }
`);
  worker = await startNotifyWorker({ HUIYAN_REDIS_URL: REDIS, HUIYAN_QUEUE_PREFIX: prefix, HUIYAN_WEBHOOKS: hooks, HUIYAN_JOB_ATTEMPTS: '3', HUIYAN_JOB_BACKOFF_MS: '100' });
  const notifyQ = new Queue(QUEUES.notify, { connection: redisOptions(REDIS), prefix });
  const deadQ = new Queue(QUEUES.dead, { connection: redisOptions(REDIS), prefix });
  queues.push(notifyQ, deadQ);
  for (const [i, endpointId] of ['found', 'temporary'].entries()) {
    await notifyQ.add('notify', {
      notificationId: i + 1, kind: 'case.created', caseId: `case-${i}`, endpointId,
      payload: { case: { plate: '沪A12345' } }, createdAt: new Date().toISOString(),
    }, { jobId: `n${i + 1}-${endpointId}`, attempts: 3, backoff: { type: 'fixed', delay: 100 } });
  }
  await waitFor('both deliveries dead-lettered', async () => (await deadQ.count()) >= 2, 30_000);
  const dead = (await deadQ.getJobs(['waiting'], 0, 10)).map((j) => j.data as { jobId: string; error: string });
  for (const id of ['n1-found', 'n2-temporary']) assert.match(dead.find((d) => d.jobId === id)?.error ?? 'missing', /redirect \(30[27]\)/);
  assert.deepEqual(sink.seen, [], 'the redirect target never hears of the notification');
  assert.equal(bouncer.seen.length, 2, 'one attempt each: a redirect is not retried');
  const h = worker.health() as { processed: number; failed: number; deadLettered: number };
  assert.deepEqual([h.processed, h.failed, h.deadLettered], [0, 2, 2]);
});

it('an anchor posted to a redirecting webhook is refused, not forwarded', { timeout: 30_000 }, async () => {
  const store = new FsEvidenceStore(path.join(dir, 'store'));
  await store.init();
  const doc = await createAnchor(store, await KeyRing.loadOrCreate(path.join(dir, 'keys')));
  await assert.rejects(postAnchor(doc, `${bouncer.base}/307/anchor`), /answered 307/);
  await assert.rejects(postAnchor(doc, `${bouncer.base}/302/anchor`), /answered 302/);
  assert.deepEqual(sink.seen, []);
});
