// A hit refused while evidence could not be written (the disk-full case of the issue) ends in
// the dead-letter queue; the operator lists it and replays it with `huiyan dead-letter` (the
// real CLI as a child process), and the job then runs once on its original queue.
import { after, it } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { Queue, UnrecoverableError } from 'bullmq';
import { z } from 'zod';
import { startStepWorker } from '../../src/dispatch/runtime.ts';
import { dispatchConfigFromEnv, QUEUES, redisOptions } from '../../src/dispatch/queues.ts';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';

const env = { HUIYAN_REDIS_URL: 'redis://127.0.0.1:6379', HUIYAN_QUEUE_PREFIX: `dlcli-${randomBytes(4).toString('hex')}`, HUIYAN_JOB_ATTEMPTS: '2', HUIYAN_JOB_BACKOFF_MS: '50' };
const cfg = dispatchConfigFromEnv(env);
const cleanups: (() => Promise<unknown>)[] = [];
after(async () => {
  for (const c of cleanups.reverse()) await c();
}, { timeout: 30_000 });

const cli = (...args: string[]) => {
  const r = spawnSync(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'src/cli/main.ts'), 'dead-letter', ...args], { env: { ...process.env, ...env }, encoding: 'utf8', timeout: 60_000 });
  return { code: r.status, out: r.stdout + r.stderr };
};
const queue = (name: string) => {
  const q = new Queue(name, { connection: redisOptions(cfg.redisUrl), prefix: cfg.prefix });
  cleanups.push(async () => { await q.obliterate({ force: true }).catch(() => undefined); await q.close(); });
  return q;
};
const until = async (what: string, fn: () => Promise<boolean>) => {
  const deadline = Date.now() + 30_000;
  while (!(await fn())) {
    if (Date.now() > deadline) throw new Error(`timed out: ${what}`);
    await new Promise((r) => setTimeout(r, 100));
  }
};

it('lists a dead-lettered hit and replays it onto its queue exactly once', { timeout: 180_000 }, async () => {
  let diskFull = true;
  const done: string[] = [];
  const w = startStepWorker(cfg, {
    queue: QUEUES.hit,
    schema: z.object({ hitId: z.string() }),
    handle: async (d) => {
      if (diskFull) throw new UnrecoverableError('evidence refused: /var/evidence-spool has 3 MiB free of 20 MiB');
      done.push(d.hitId);
    },
  });
  cleanups.push(() => w.close());
  const hitQ = queue(QUEUES.hit);
  const dead = queue(QUEUES.dead);
  await hitQ.add('hit', { hitId: 'hit-1' }, { jobId: 'hit-1', attempts: 2 });
  await until('dead-lettered', async () => (await dead.count()) === 1);

  const listed = cli('list');
  assert.equal(listed.code, 0, listed.out);
  assert.match(listed.out, /hit-hit-1\thit\thit-1\t.*evidence refused/);
  assert.match(listed.out, /1 dead-letter job/);

  diskFull = false; // the operator made room
  const replay = cli('replay', '--all');
  assert.equal(replay.code, 0, replay.out);
  assert.match(replay.out, /replayed hit-hit-1 → hit hit-1 \(retried\)/);
  await until('processed', async () => done.length === 1);
  assert.deepEqual(done, ['hit-1']);
  assert.equal(await dead.count(), 0);
  assert.match(cli('list').out, /0 dead-letter job/);
  assert.equal(cli('replay', 'nope').code, 1, 'unknown id');
  assert.equal(cli('bogus').code, 2, 'usage');
});
