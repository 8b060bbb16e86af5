// Test harness for the dispatch pipeline: a temp deployment (camera config, evidence store,
// keys, spools), a fresh PostgreSQL schema, a unique BullMQ prefix, and worker processes
// started as real child processes (node --import tsx workers/<name>-worker.ts).
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { mkdtemp, rm, writeFile, mkdir } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { PROJECT_ROOT } from '../../src/inference/manifest.ts';
import { createSchema, freshSchemaName, PG_URL } from '../cases/stores.ts';
import { openDb, runMigrations, type Db } from '../../src/cases/index.ts';
import { HitOutbox } from '../../src/dispatch/outbox.ts';
import { dispatchConfigFromEnv, type DispatchConfig } from '../../src/dispatch/queues.ts';

export const CAMERA_YAML = `
cameras:
  - id: cam-a
    name: 测试摄像机 A
    location: { district: 徐汇区, street: 漕河泾街道, address: 宜山路 100 号 }
    source: { kind: rtsp, url: rtsp://127.0.0.1:8554/a }
    rules: [vending]
    zones:
      - id: sidewalk
        type: no-vending
        polygon: [[0,0.5],[1,0.5],[1,1],[0,1]]
`;

export interface Harness {
  dir: string;
  env: NodeJS.ProcessEnv;
  cfg: DispatchConfig;
  db: Db;
  outbox: HitOutbox;
  spawnWorker(name: 'hit' | 'evidence' | 'case' | 'notify', extra?: NodeJS.ProcessEnv): WorkerProc;
  countCases(): Promise<number>;
  dispose(): Promise<void>;
}

export interface WorkerProc {
  proc: ChildProcess;
  exited: Promise<void>;
  /** SIGKILL: no cleanup, locks stay in Redis until they expire. */
  kill9(): Promise<void>;
  stop(): Promise<void>;
}

export async function createHarness(redisUrl: string, extraEnv: NodeJS.ProcessEnv = {}): Promise<Harness> {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'huiyan-dispatch-'));
  await mkdir(path.join(dir, 'streams'), { recursive: true });
  await writeFile(path.join(dir, 'streams', 'cams.yaml'), CAMERA_YAML);
  const schema = freshSchemaName('dispatch');
  const dropSchema = await createSchema(schema);
  const env: NodeJS.ProcessEnv = {
    ...process.env,
    HUIYAN_LOG_LEVEL: process.env.HUIYAN_LOG_LEVEL ?? 'warn',
    HUIYAN_REDIS_URL: redisUrl,
    HUIYAN_QUEUE_PREFIX: `t${randomBytes(4).toString('hex')}`,
    HUIYAN_DATABASE_URL: PG_URL,
    HUIYAN_PG_SCHEMA: schema,
    HUIYAN_STREAMS_CONFIG: path.join(dir, 'streams'),
    HUIYAN_HIT_SPOOL: path.join(dir, 'hit-spool'),
    HUIYAN_EVIDENCE_STORE: 'fs',
    HUIYAN_EVIDENCE_DIR: path.join(dir, 'evidence-store'),
    HUIYAN_EVIDENCE_SPOOL: path.join(dir, 'evidence-spool'),
    HUIYAN_EVIDENCE_KEYS: path.join(dir, 'keys'),
    HUIYAN_DOCUMENT_KEYS: path.join(dir, 'document-keys'),
    HUIYAN_JOB_ATTEMPTS: '12',
    HUIYAN_JOB_BACKOFF_MS: '200',
    HUIYAN_LOCK_DURATION_MS: '2000',
    HUIYAN_STALLED_INTERVAL_MS: '1000',
    HUIYAN_MAX_STALLED: '10',
    HUIYAN_RELAY_POLL_MS: '500',
    ...extraEnv,
  };
  const cfg = dispatchConfigFromEnv(env);
  const db = await openDb({ url: PG_URL, schema });
  await runMigrations(db);
  const outbox = new HitOutbox({ dir: env.HUIYAN_HIT_SPOOL!, cfg, retryMinMs: 200, retryMaxMs: 1000 });
  await outbox.init();
  const procs = new Set<WorkerProc>();

  const spawnWorker = (name: string, extra: NodeJS.ProcessEnv = {}): WorkerProc => {
    const proc = spawn(process.execPath, ['--import', 'tsx', path.join(PROJECT_ROOT, `workers/${name}-worker.ts`)], {
      cwd: PROJECT_ROOT,
      env: { ...env, ...extra },
      stdio: ['ignore', 'inherit', 'inherit'],
    });
    const exited = new Promise<void>((resolve) => proc.once('exit', () => resolve()));
    const signal = async (sig: NodeJS.Signals) => {
      if (proc.exitCode === null && proc.signalCode === null) proc.kill(sig);
      await exited;
    };
    const w: WorkerProc = { proc, exited, kill9: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
    procs.add(w);
    void exited.then(() => procs.delete(w));
    return w;
  };

  return {
    dir, env, cfg, db, outbox,
    spawnWorker,
    countCases: async () => (await db.query<{ n: number }>('SELECT count(*)::int AS n FROM cases'))[0]!.n,
    async dispose() {
      await outbox.stop();
      for (const p of [...procs]) await p.kill9();
      await db.close();
      await dropSchema();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function waitFor(what: string, cond: () => Promise<boolean> | boolean, timeoutMs = 120_000, everyMs = 200): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  for (;;) {
    if (await cond()) return;
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, everyMs));
  }
}
