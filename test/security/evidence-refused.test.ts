// Operator alert when evidence is refused (the small-disk case of the issue: hits retried, parked
// in the dead-letter queue, and nobody told). Real processes on real Redis: the evidence worker
// with a free-space minimum the disk cannot meet refuses a hit → one error log line, the shared
// intake state says `disk-low` (then `dead-letter` once the attempts are used up), and the notify
// worker delivers a signed `evidence.refused` webhook. A worker with room accepts the next hit →
// the state clears and `evidence.accepted` is delivered. With the S3 store down (a real s3rver
// process, started late) bundles wait in the spool: `store-unavailable` until the first upload.
// (The API's banner, route and metric read this state: test/web/intake.test.ts.)
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import http from 'node:http';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { createHarness, waitFor, type Harness } from '../dispatch/harness.ts';
import { makeHit } from '../cases/hits.ts';
import { extractFrames } from '../evidence/helpers.ts';
import { readIntake } from '../../src/dispatch/intake.ts';
import { verifySignature } from '../../src/dispatch/webhook.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { S3rverProcess } from '../evidence/s3rver-process.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
const SECRET = 'ops-hook-secret-0123456789';
let h: Harness | undefined;
let dir: string | undefined;
let server: http.Server | undefined;
let redis: Redis | undefined;
let submit: (n: number) => Promise<unknown>;
const children: ChildProcess[] = [];
let s3: S3rverProcess | undefined;
after(async () => {
  await s3?.stop();
  for (const c of children) if (c.exitCode === null && c.signalCode === null) c.kill('SIGKILL');
  await h?.dispose();
  if (h) await redis?.del(`${h.cfg.prefix}:ops:evidence-intake`);
  redis?.disconnect();
  server?.closeAllConnections();
  await new Promise((r) => (server ? server.close(r) : r(undefined)));
  if (dir) await rm(dir, { recursive: true, force: true });
});

/** The real evidence worker as a child process, its log lines (JSON on stderr) collected. */
function evidenceWorker(env: NodeJS.ProcessEnv) {
  const lines: { level: string; msg: string; reason?: string }[] = [];
  const proc = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'workers/evidence-worker.ts')], { cwd: PROJECT_ROOT, env, stdio: ['ignore', 'inherit', 'pipe'] });
  children.push(proc);
  let rest = '';
  proc.stderr!.on('data', (b: Buffer) => {
    const parts = (rest + b.toString()).split('\n');
    rest = parts.pop()!;
    for (const l of parts) {
      process.stderr.write(l + '\n');
      try {
        lines.push(JSON.parse(l));
      } catch {
        // not a log line (a tsx warning)
      }
    }
  });
  const exited = new Promise((r) => proc.once('exit', r));
  return { lines, stop: async () => { proc.kill('SIGTERM'); await exited; } };
}

const received: { event: string; body: string; ok: boolean }[] = [];
it('refused evidence: error log, shared state, signed webhook; cleared once evidence is accepted', { timeout: 240_000 }, async () => {
  server = http.createServer((req, res) => {
    let body = '';
    req.on('data', (c) => (body += c));
    req.on('end', () => {
      received.push({ event: String(req.headers['x-huiyan-event']), body, ok: verifySignature(SECRET, req.headers, body) });
      res.end();
    });
  });
  await new Promise<void>((r) => server!.listen(0, '127.0.0.1', r));
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-intake-'));
  const hooks = path.join(dir, 'webhooks.yaml');
  await writeFile(hooks, `endpoints:\n  - { id: ops, url: "http://127.0.0.1:${(server.address() as AddressInfo).port}/ops", secret: "${SECRET}", events: [evidence.refused, evidence.accepted] }\n`);

  h = await createHarness(REDIS, { HUIYAN_JOB_ATTEMPTS: '3', HUIYAN_JOB_BACKOFF_MS: '100', HUIYAN_WEBHOOKS: hooks, HUIYAN_LOG_LEVEL: 'info' });
  redis = new Redis(REDIS);
  const intake = () => readIntake(redis!, h!.cfg.prefix);
  h.spawnWorker('hit');
  h.spawnWorker('notify');
  h.outbox.start();
  const jpegs = extractFrames(3, 20, 2);
  submit = (n: number) => {
    const hit = makeHit(n, { cameraId: 'cam-a', zoneId: 'sidewalk' });
    return h!.outbox.submit(hit, jpegs.map((jpeg, k) => ({ role: (['before', 'at', 'after'] as const)[k]!, capturedAt: hit.at + (k - 1) * 2000, jpeg })));
  };

  assert.deepEqual(await intake(), { accepting: true, refused: [] });
  // No volume has 1 PiB free: every seal is refused.
  const full = evidenceWorker({ ...h.env, HUIYAN_EVIDENCE_MIN_FREE_MB: String(2 ** 30) });
  await submit(1);
  await waitFor('dead-lettered after 3 refusals', async () => (await intake()).refused.some((r) => r.reason === 'dead-letter'), 60_000);
  const refused = await intake();
  assert.equal(refused.accepting, false);
  const disk = refused.refused.find((r) => r.reason === 'disk-low')!;
  assert.equal(disk.count, 3, 'every attempt counts');
  assert.match(disk.message, /evidence refused: .* MiB free/);
  assert.match(refused.refused.find((r) => r.reason === 'dead-letter')!.message, /evidence refused/);
  const errors = full.lines.filter((l) => l.level === 'error' && l.msg === 'evidence refused: operator action needed');
  assert.deepEqual(errors.map((l) => l.reason).sort(), ['dead-letter', 'disk-low'], 'one error line per reason, not per attempt');
  await waitFor('evidence.refused webhooks', () => received.filter((r) => r.event === 'evidence.refused').length >= 2, 30_000);
  for (const r of received) assert.ok(r.ok, 'signed');
  const first = JSON.parse(received.find((r) => r.event === 'evidence.refused')!.body);
  assert.equal(first.caseId, null);
  assert.equal(first.data.reason, 'disk-low');
  assert.equal(first.data.since, disk.since);
  await full.stop();

  // The operator made room: a worker with the default thresholds seals the next hit.
  const fine = evidenceWorker(h.env);
  await submit(2);
  await waitFor('intake accepting again', async () => (await intake()).accepting, 60_000);
  await waitFor('evidence.accepted webhooks', () => received.filter((r) => r.event === 'evidence.accepted').length >= 2, 30_000);
  const accepted = received.filter((r) => r.event === 'evidence.accepted').map((r) => JSON.parse(r.body).data);
  assert.deepEqual(accepted.map((d) => [d.reason, d.count]).sort(), [['dead-letter', 1], ['disk-low', 3]]);
  assert.ok(fine.lines.some((l) => l.level === 'info' && l.msg === 'evidence accepted again' && l.reason === 'disk-low'));
  assert.equal(received.length, 4, 'each episode announced once');
  await fine.stop();
});

it('store down: bundles spool, intake says store-unavailable until the store takes one again', { timeout: 180_000 }, async () => {
  assert.ok(h && redis, 'runs after the first test');
  const intake = () => readIntake(redis!, h!.cfg.prefix);
  const port = 19013;
  s3 = new S3rverProcess(port, path.join(dir!, 's3data'));
  const worker = evidenceWorker({
    ...h.env, HUIYAN_EVIDENCE_STORE: 's3', HUIYAN_S3_ENDPOINT: `http://127.0.0.1:${port}`,
    HUIYAN_S3_ACCESS_KEY: 'S3RVER', HUIYAN_S3_SECRET_KEY: 'S3RVER', HUIYAN_S3_BUCKET: 'huiyan-intake-test',
  });
  await submit(3);
  await waitFor('store-unavailable', async () => (await intake()).refused.some((r) => r.reason === 'store-unavailable'), 60_000);
  assert.ok(worker.lines.some((l) => l.level === 'error' && l.reason === 'store-unavailable'));
  await s3.start();
  await waitFor('accepting once the bundle is uploaded', async () => (await intake()).accepting, 90_000);
  await waitFor('evidence.accepted for the store', () => received.some((r) => r.event === 'evidence.accepted' && JSON.parse(r.body).data.reason === 'store-unavailable'), 30_000);
  await worker.stop();
});
