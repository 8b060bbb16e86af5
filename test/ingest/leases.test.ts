import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { leaseOwners } from '../../src/ingest/leases.ts';
import { waitFor, childFfmpegPids } from '../support/wait.ts';
import { VTEST } from '../support/rtsp-server.ts';
import { applianceTestEnv } from '../support/appliance-env.ts';
import { freshSchemaName, PG_URL } from '../cases/stores.ts';
import pg from 'pg';

const REDIS = 'redis://127.0.0.1:6379';
const prefix = `huiyan-test-ingest-${process.pid}-${Date.now()}`;
const TTL = 3000;
const redis = new Redis(REDIS);
const workers: ChildProcess[] = [];
let dir = '';
// Detector workers read officers' verdicts from the case database; the schema is theirs to create.
const schema = freshSchemaName('leases');

after(async () => {
  for (const w of workers) if (w.exitCode === null && w.signalCode === null) w.kill('SIGKILL');
  const keys = await redis.keys(`${prefix}:*`);
  if (keys.length) await redis.del(...keys);
  redis.disconnect();
  if (dir) for (const d of [dir, `${dir}-wA`, `${dir}-wB`]) await rm(d, { recursive: true, force: true });
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
  await c.end();
});

interface Worker {
  proc: ChildProcess;
  owned: string[];
  log: string;
}

function startWorker(id: string): Worker {
  const proc = spawn(process.execPath, ['--import', 'tsx', 'workers/detector-worker.ts'], {
    stdio: ['ignore', 'ignore', 'pipe'],
    env: {
      ...applianceTestEnv(`${dir}-${id}`, schema, 'leases'),
      HUIYAN_STREAMS_CONFIG: dir,
      HUIYAN_QUEUE_PREFIX: prefix,
      HUIYAN_WORKER_ID: id,
      HUIYAN_LEASE_TTL_MS: String(TTL),
      HUIYAN_HEALTH_EVERY_MS: '1000',
      HUIYAN_THREADS: '1',
      // Ownership is read from the worker's info-level health lines.
      HUIYAN_LOG_LEVEL: 'info',
    },
  });
  workers.push(proc);
  const w: Worker = { proc, owned: [], log: '' };
  let partial = '';
  proc.stderr!.on('data', (c: Buffer) => {
    w.log = (w.log + c.toString()).slice(-3000);
    const lines = (partial + c.toString()).split('\n');
    partial = lines.pop() ?? '';
    for (const line of lines) {
      try {
        const rec = JSON.parse(line) as { msg?: string; owned?: string[] };
        if ((rec.msg === 'leases' || rec.msg === 'health') && rec.owned) w.owned = rec.owned;
      } catch {
        // not a log line
      }
    }
  });
  return w;
}

test('two workers share 10 cameras, never both own one; kill -9 one and the survivor takes all within the TTL', async () => {
  dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-leases-'));
  const ids = Array.from({ length: 10 }, (_, i) => `l${i}`);
  await writeFile(path.join(dir, 'fleet.yaml'), `cameras:${ids.map((id) => `
  - id: ${id}
    name: ${id}
    location: { district: d, street: s }
    source: { kind: file, path: ${VTEST}, loop: true }
    sampling: { fps: 1, keyframesOnly: false }`).join('')}`);
  const a = startWorker('wA');
  const b = startWorker('wB');
  const both = () => [...a.owned, ...b.owned];
  await waitFor('both workers own 5', () => a.owned.length === 5 && b.owned.length === 5, 120_000, 100).catch((e) => {
    throw new Error(`${(e as Error).message}\nA: ${a.log}\nB: ${b.log}`);
  });
  // For a few seconds: no camera reported by both workers; Redis agrees with the workers.
  const until = Date.now() + 4000;
  while (Date.now() < until) {
    const all = both();
    assert.equal(new Set(all).size, all.length, `a camera owned twice: A=${a.owned} B=${b.owned}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  const owners = await leaseOwners(redis, prefix, ids);
  assert.deepEqual([...owners.values()].filter((o) => o === 'wA').length, 5);
  assert.deepEqual(ids.filter((id) => owners.get(id) === 'wA').sort(), [...a.owned].sort());
  // Each worker runs exactly the sources of its cameras.
  await waitFor('5 ffmpeg per worker', () => childFfmpegPids(a.proc.pid).length === 5 && childFfmpegPids(b.proc.pid).length === 5, 30_000);
  const orphans = childFfmpegPids(a.proc.pid);

  const killedAt = Date.now();
  a.proc.kill('SIGKILL');
  await waitFor('survivor owns all 10', async () => {
    const o = await leaseOwners(redis, prefix, ids);
    return [...o.values()].every((w) => w === 'wB');
  }, TTL * 5, 50);
  const takeover = Date.now() - killedAt;
  console.log(`takeover of 10 cameras after kill -9: ${takeover} ms (TTL ${TTL} ms, renew every ${TTL / 4} ms)`);
  assert.ok(takeover <= TTL + 1500, `takeover took ${takeover} ms`);
  await waitFor('survivor reports 10', () => b.owned.length === 10, 10_000);
  // The dead worker's ffmpeg die on the broken pipe: no orphans.
  await waitFor('orphans gone', () => orphans.every((pid) => { try { process.kill(pid, 0); return false; } catch { return true; } }), 15_000);
  await waitFor('10 ffmpeg under the survivor', () => childFfmpegPids(b.proc.pid).length === 10, 30_000);

  // A clean stop releases the leases at once.
  b.proc.kill('SIGTERM');
  await new Promise((r) => b.proc.once('exit', r));
  const left = await leaseOwners(redis, prefix, ids);
  assert.ok([...left.values()].every((w) => w === null), 'leases released on stop');
});
