// One appliance in one process, on the embedded defaults: cameras → detection pipeline → hit
// outbox → the four dispatch workers → cases, and the command-centre API. A larger site runs
// the same parts as separate processes (workers/*.ts, src/api/main.ts) on real PostgreSQL.
import path from 'node:path';
import { z } from 'zod';
import { openCaseStore, dbOptionsFromEnv, loadViolationCodes, type CaseStore } from '../cases/index.ts';
import { DEFAULT_CODES_FILE } from '../cases/codes.ts';
import type { HitOutbox } from '../dispatch/outbox.ts';
import { startCaseWorker, startEvidenceWorker, startHitWorker, startNotifyWorker, type RunningWorker } from '../dispatch/processes.ts';
import { dispatchConfigFromEnv } from '../dispatch/queues.ts';
import type { InferenceScheduler } from '../inference/scheduler.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import type { CameraManager } from '../ingest/camera-manager.ts';
import { CameraDirectory } from '../config/directory.ts';
import type { DetectionPipeline } from '../pipeline/detection-pipeline.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { ensureRedis, type RedisHandle } from './local-redis.ts';
import { startApiServer, type ApiServer } from '../api/server.ts';
import { loadWebhooks } from '../dispatch/webhook.ts';
import { documentSettingsFromEnv } from '../cases/documents/index.ts';
import type { ApiSecurity } from '../api/env.ts';
import { API_MIGRATION_DIR } from '../api/db.ts';
import { ManagerRuntime } from '../api/adapters/camera-manager.ts';
import { StoreEvidence } from '../evidence/reader.ts';
import { demoUsers, ensureUsers } from '../api/seed.ts';
import { evidenceEnv, openStore } from '../evidence/config.ts';
import { SipServerDirectory } from '../api/adapters/gb28181.ts';
import type { Gb28181Service } from '../ingest/gb28181/index.ts';
import { startDetection } from './detection.ts';

const Env = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  HUIYAN_VAR: z.string().default(path.join(PROJECT_ROOT, 'var')),
  /** Demo only: start a private redis-server when HUIYAN_REDIS_URL does not answer. */
  HUIYAN_PRIVATE_REDIS: z.enum(['0', '1']).default('0'),
});

export interface Appliance {
  env: NodeJS.ProcessEnv;
  redis: RedisHandle;
  store: CaseStore;
  cameras: CameraManager;
  scheduler: InferenceScheduler;
  pipeline: DetectionPipeline;
  outbox: HitOutbox;
  workers: Record<'hit' | 'evidence' | 'case' | 'notify', RunningWorker>;
  api?: ApiServer;
  stop(): Promise<void>;
}

/** Cookie flags, trusted proxies and allowed origins come from src/api/env.ts. */
export interface ApiOptions extends Partial<Omit<ApiSecurity, 'cookieSecret'>> {
  host: string;
  port: number;
  cookieSecret: string;
  /** Creates demo logins (admin, commander, auditor, one officer per district) when set. */
  demoPassword?: string;
}

export async function startAppliance(
  env: NodeJS.ProcessEnv = process.env,
  log: Logger = createLogger({ stage: 'appliance' }),
  apiOptions?: ApiOptions,
): Promise<Appliance> {
  const e = Env.parse(env);
  const redis = await ensureRedis({ url: env.HUIYAN_REDIS_URL, dataDir: e.HUIYAN_VAR, log, privateFallback: e.HUIYAN_PRIVATE_REDIS === '1' });
  const full: NodeJS.ProcessEnv = { ...env, HUIYAN_REDIS_URL: redis.url };
  const db = dbOptionsFromEnv(full);
  // The logger masks a password in the URL.
  log.info('database', db.url ? { postgres: db.url, schema: db.schema ?? 'public' } : { pglite: db.pgliteDir });
  const store = await openCaseStore({
    ...db,
    migrations: [API_MIGRATION_DIR],
    codes: await loadViolationCodes(full.HUIYAN_CODES ?? DEFAULT_CODES_FILE),
  });
  // One camera directory for the whole process: ingest, pipeline, workers and API see one config.
  const directory = new CameraDirectory({ dir: e.HUIYAN_STREAMS_CONFIG, log: log.child({ part: 'camera-directory' }) });
  const loaded = await directory.start();
  for (const i of loaded.issues) log.warn('camera config issue', { issue: i });
  const workers = {
    hit: await startHitWorker(full),
    evidence: await startEvidenceWorker(full, { cameras: directory }),
    case: await startCaseWorker(full, { store, cameras: directory }),
    notify: await startNotifyWorker(full),
  };
  const detection = await startDetection({ env: full, store, log, directory });
  const { cameras, scheduler, pipeline, outbox, gb } = detection;
  const api = apiOptions ? await startApi(full, store, cameras, directory, apiOptions, log, gb) : undefined;

  return {
    env: full,
    redis,
    store,
    cameras,
    scheduler,
    pipeline,
    outbox,
    workers,
    api,
    async stop() {
      await api?.close();
      await detection.stop();
      for (const w of Object.values(workers)) await w.close();
      await directory.stop();
      await store.close();
      await redis.stop();
    },
  };
}

async function startApi(env: NodeJS.ProcessEnv, store: CaseStore, cameras: CameraManager, directory: CameraDirectory, o: ApiOptions, log: Logger, gb?: Gb28181Service): Promise<ApiServer> {
  const ev = evidenceEnv(env);
  const evStore = openStore(ev);
  await evStore.init();
  const dispatch = dispatchConfigFromEnv(env);
  const api = await startApiServer({
    store,
    evidence: await StoreEvidence.fromKeyDir(evStore, ev.HUIYAN_EVIDENCE_KEYS, ev.HUIYAN_EVIDENCE_SPOOL),
    streamsConfigDir: directory.dir,
    cameras: directory,
    runtime: new ManagerRuntime(cameras),
    gb: gb ? new SipServerDirectory(gb.server) : undefined,
    caseQueue: { redisUrl: dispatch.redisUrl, prefix: dispatch.prefix },
    host: o.host,
    port: o.port,
    cookieSecret: o.cookieSecret,
    secureCookie: o.secureCookie,
    trustedProxies: o.trustedProxies,
    allowedOrigins: o.allowedOrigins,
    securityNotice: o.securityNotice,
    // From the appliance's environment, which the demo builds without touching process.env.
    documents: documentSettingsFromEnv(env),
    webhooks: await loadWebhooks(env.HUIYAN_WEBHOOKS, env),
  });
  if (o.demoPassword) await ensureUsers(api.users, demoUsers(api.cameras.list(), o.demoPassword));
  log.info('api listening', { url: api.url });
  // A fresh database has no account: say how to make the first one rather than show a login that cannot succeed.
  if ((await api.users.listUsers()).length === 0) {
    log.warn('no user accounts yet: create the first admin with `HUIYAN_NEW_PASSWORD=… huiyan users add admin --role admin` (same database variables)');
  }
  return api;
}
