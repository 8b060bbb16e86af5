// kill -9 of a hit producer at any moment orphans nothing: every hit whose frames reached the
// disk becomes exactly one case after the producer's successor starts (pending entries are
// recovered), and every staged frame folder is cleaned up by the evidence worker. Real
// processes (the producer is killed with SIGKILL), real Redis, real PostgreSQL.
import { test, after } from 'node:test';
import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { HitOutbox } from '../../src/dispatch/outbox.ts';
import { startCaseWorker, startEvidenceWorker, startHitWorker, type RunningWorker } from '../../src/dispatch/processes.ts';
import { createHarness, waitFor, type Harness } from './harness.ts';

const REDIS = process.env.HUIYAN_TEST_REDIS_URL ?? 'redis://127.0.0.1:6379';
let h: Harness | undefined;
const running: RunningWorker[] = [];
after(async () => {
  for (const w of running) await w.close();
  await h?.dispose();
});

/** Runs the producer and SIGKILLs it `delayMs` after it has begun hit `killAfter`. */
function runAndKill(spool: string, first: number, count: number, killAfter: number, delayMs: number, env: NodeJS.ProcessEnv): Promise<number[]> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, 'test/dispatch/procs/outbox-writer.ts'), spool, String(first), String(count)], {
      cwd: PROJECT_ROOT, env, stdio: ['ignore', 'pipe', 'inherit'],
    });
    const begun: number[] = [];
    let buf = '';
    child.stdout.on('data', (d: Buffer) => {
      buf += d.toString();
      for (let i = buf.indexOf('\n'); i >= 0; i = buf.indexOf('\n')) {
        const n = Number(buf.slice(0, i).split(' ')[1]);
        buf = buf.slice(i + 1);
        begun.push(n);
        if (n === killAfter) setTimeout(() => child.kill('SIGKILL'), delayMs);
      }
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => (signal === 'SIGKILL' ? resolve(begun) : reject(new Error(`producer exited ${code} before the kill`))));
  });
}

test('kill -9 of the hit producer mid-write: every hit with frames on disk becomes exactly one case', { timeout: 300_000 }, async () => {
  h = await createHarness(REDIS);
  const spool = h.env.HUIYAN_HIT_SPOOL!;
  // Kill at different moments: right after a pending entry, while frames are written, between hits.
  const rounds = [[100, 0], [200, 5], [300, 17], [400, 40]] as const;
  const begun: number[] = [];
  const pendingNow = async () => (await readdir(path.join(spool, 'outbox'))).filter((n) => n.endsWith('.pending'));
  // Counted after each kill: the next round's producer recovers what the last one left pending.
  let killedPending = 0;
  for (const [first, delay] of rounds) {
    begun.push(...(await runAndKill(spool, first, 20, first + 2, delay, h.env)));
    killedPending += (await pendingNow()).length;
  }
  const left = await pendingNow();
  // Hits with a frame on disk: those begun, plus any killed after its first frame but before `begun` was printed.
  const withFrames = new Set(begun.map((n) => `kill-${n}`));
  for (const d of await readdir(path.join(spool, 'frames'))) {
    if ((await readdir(path.join(spool, 'frames', d))).some((f) => f.endsWith('.jpg'))) withFrames.add(d.replace(/-[0-9a-f]{10}-\d+$/, ''));
  }
  assert.ok(killedPending >= 1, `some kills land with a hit pending (pending after the kills: ${killedPending})`);

  // The successor recovers what was pending; the workers take everything to cases.
  const successor = new HitOutbox({ dir: spool, cfg: h.cfg, retryMinMs: 200, retryMaxMs: 1000 });
  await successor.init();
  // A new hit killed before its first frame has nothing to seal: not sent (raised again by a live detector).
  assert.equal(successor.health().recovered + successor.health().unframed, left.length);
  successor.start();
  running.push(await startHitWorker(h.env), await startEvidenceWorker(h.env), await startCaseWorker(h.env));
  await waitFor(`${withFrames.size} cases`, async () => (await h!.countCases()) >= withFrames.size, 180_000);
  const rows = await h.db.query<{ hit_id: string; n: number }>('SELECT hit_id, count(*)::int AS n FROM cases GROUP BY hit_id ORDER BY hit_id');
  assert.deepEqual(rows.map((r) => r.hit_id), [...withFrames].sort());
  assert.ok(rows.every((r) => r.n === 1), 'no duplicate case');
  await waitFor('staged frames cleaned up', async () => (await readdir(path.join(spool, 'frames'))).length === 0, 60_000);
  await successor.stop();
});
