// One appliance in one process, on the embedded defaults: cameras → detection pipeline → hit
// outbox → the four dispatch workers → cases, and the command-centre API. A larger site runs
// the same parts as separate processes (workers/*.ts, src/api/main.ts) on real PostgreSQL.
import path from 'node:path';
import { z } from 'zod';
import type { CameraConfig } from '../config/schema.ts';
import { StoreVerdictFilter } from '../analytics/feedback/filter.ts';
import { BackboneEmbedder } from '../analytics/embedding.ts';
import { OverflowClassifier } from '../analytics/overflow/classifier.ts';
import type { EngineOptions } from '../analytics/engine.ts';
import { openCaseStore, dbOptionsFromEnv, loadViolationCodes, type CaseStore } from '../cases/index.ts';
import { DEFAULT_CODES_FILE } from '../cases/codes.ts';
import { CaseVerdictStore } from '../cases/verdicts.ts';
import { HitOutbox } from '../dispatch/outbox.ts';
import { startCaseWorker, startEvidenceWorker, startHitWorker, startNotifyWorker, type RunningWorker } from '../dispatch/processes.ts';
import { dispatchConfigFromEnv } from '../dispatch/queues.ts';
import { loadTextRecognizer } from '../inference/detectors.ts';
import { InferenceScheduler } from '../inference/scheduler.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { CameraManager } from '../ingest/camera-manager.ts';
import { DetectionPipeline } from '../pipeline/detection-pipeline.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { ensureRedis, type RedisHandle } from './local-redis.ts';
import { startApiServer, type ApiServer } from '../api/server.ts';
import { API_MIGRATION_DIR } from '../api/db.ts';
import { ManagerRuntime } from '../api/adapters/camera-manager.ts';
import { StoreEvidence } from '../api/adapters/evidence-store.ts';
import { demoUsers, ensureUsers } from '../api/seed.ts';
import { evidenceEnv, openStore } from '../evidence/config.ts';
import { KeyRing } from '../evidence/keys.ts';
import { SipServerDirectory } from '../api/adapters/gb28181.ts';
import type { Gb28181Service } from '../ingest/gb28181/index.ts';
import { startGb28181 } from './gb28181.ts';

const Env = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  HUIYAN_HIT_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/hit-spool')),
  HUIYAN_VAR: z.string().default(path.join(PROJECT_ROOT, 'var')),
  /** Intra-op threads per ONNX session; the appliance's inference budget. */
  HUIYAN_INFERENCE_THREADS: z.coerce.number().int().min(1).default(2),
  /** YAML with the GB28181 SIP server settings (src/ingest/gb28181/config.ts); absent: no SIP server. */
  HUIYAN_GB28181_CONFIG: z.string().optional(),
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

export interface ApiOptions {
  host: string;
  port: number;
  livePorts: { first: number; last: number };
  cookieSecret: string;
  /** Creates demo logins (admin, commander, auditor, one officer per district) when set. */
  demoPassword?: string;
}

/** Models that only some rules need are loaded once, on first use. */
function lazy<T>(load: () => Promise<T>): () => Promise<T> {
  let p: Promise<T> | undefined;
  return () => (p ??= load());
}

async function engineOptionsFactory(store: CaseStore, threads: number, cams: CameraConfig[]): Promise<(c: CameraConfig) => EngineOptions> {
  const verdicts = new StoreVerdictFilter(new CaseVerdictStore(store.db));
  const anyZone = (t: string) => cams.some((c) => c.zones.some((z) => z.type === t));
  // Embeddings let a rejected look-alike be suppressed; the backbone is the overflow one.
  const embedder = await BackboneEmbedder.load(threads);
  const overflow = lazy(() => OverflowClassifier.load(undefined, threads));
  const reader = lazy(() => loadTextRecognizer('ppocr-v4-rec', { threads }));
  const preload = { overflow: anyZone('bin-point') ? await overflow() : undefined, textReader: anyZone('protected-surface') ? await reader() : undefined };
  return () => ({ ...preload, embedder, verdicts });
}

export async function startAppliance(
  env: NodeJS.ProcessEnv = process.env,
  log: Logger = createLogger({ stage: 'appliance' }),
  apiOptions?: ApiOptions,
): Promise<Appliance> {
  const e = Env.parse(env);
  const redis = await ensureRedis({ url: env.HUIYAN_REDIS_URL, dataDir: e.HUIYAN_VAR, log });
  const full: NodeJS.ProcessEnv = { ...env, HUIYAN_REDIS_URL: redis.url };
  const store = await openCaseStore({
    ...dbOptionsFromEnv(full),
    migrations: [API_MIGRATION_DIR],
    codes: await loadViolationCodes(full.HUIYAN_CODES ?? DEFAULT_CODES_FILE),
  });
  const workers = {
    hit: await startHitWorker(full),
    evidence: await startEvidenceWorker(full),
    case: await startCaseWorker(full, { store }),
    notify: await startNotifyWorker(full),
  };
  const outbox = new HitOutbox({ dir: e.HUIYAN_HIT_SPOOL, cfg: dispatchConfigFromEnv(full), log: log.child({ part: 'outbox' }) });
  await outbox.init();
  outbox.start();

  const gb = await startGb28181(e.HUIYAN_GB28181_CONFIG, log.child({ part: 'gb28181' }));
  const cameras = new CameraManager({ configDir: e.HUIYAN_STREAMS_CONFIG, log: log.child({ part: 'cameras' }) });
  const scheduler = new InferenceScheduler();
  scheduler.start();
  const loaded = await cameras.reload();
  for (const i of loaded.issues) log.warn('camera config issue', { issue: i });
  const engineOptions = await engineOptionsFactory(store, e.HUIYAN_INFERENCE_THREADS, cameras.cameras());
  const pipeline = new DetectionPipeline({ feed: cameras, scheduler, sink: outbox, engineOptions, log: log.child({ part: 'pipeline' }) });
  pipeline.start();
  await cameras.start();
  const api = apiOptions ? await startApi(full, store, cameras, apiOptions, log, gb) : undefined;

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
      await cameras.stop();
      await pipeline.stop();
      await gb?.stop();
      await scheduler.stop();
      await outbox.flush().catch(() => undefined);
      await outbox.stop();
      for (const w of Object.values(workers)) await w.close();
      await store.close();
      await redis.stop();
    },
  };
}

async function startApi(env: NodeJS.ProcessEnv, store: CaseStore, cameras: CameraManager, o: ApiOptions, log: Logger, gb?: Gb28181Service): Promise<ApiServer> {
  const ev = evidenceEnv(env);
  const evStore = openStore(ev);
  await evStore.init();
  const dispatch = dispatchConfigFromEnv(env);
  const api = await startApiServer({
    store,
    evidence: new StoreEvidence(evStore, await KeyRing.loadOrCreate(ev.HUIYAN_EVIDENCE_KEYS)),
    streamsConfigDir: Env.parse(env).HUIYAN_STREAMS_CONFIG,
    runtime: new ManagerRuntime(cameras),
    gb: gb ? new SipServerDirectory(gb.server) : undefined,
    caseQueue: { redisUrl: dispatch.redisUrl, prefix: dispatch.prefix },
    host: o.host,
    port: o.port,
    livePorts: o.livePorts,
    cookieSecret: o.cookieSecret,
  });
  if (o.demoPassword) await ensureUsers(api.users, demoUsers(api.cameras.list(), o.demoPassword));
  log.info('api listening', { url: api.url });
  return api;
}
