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

const Env = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  HUIYAN_HIT_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/hit-spool')),
  HUIYAN_VAR: z.string().default(path.join(PROJECT_ROOT, 'var')),
  /** Intra-op threads per ONNX session; the appliance's inference budget. */
  HUIYAN_INFERENCE_THREADS: z.coerce.number().int().min(1).default(2),
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
  stop(): Promise<void>;
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

export async function startAppliance(env: NodeJS.ProcessEnv = process.env, log: Logger = createLogger({ stage: 'appliance' })): Promise<Appliance> {
  const e = Env.parse(env);
  const redis = await ensureRedis({ url: env.HUIYAN_REDIS_URL, dataDir: e.HUIYAN_VAR, log });
  const full: NodeJS.ProcessEnv = { ...env, HUIYAN_REDIS_URL: redis.url };
  const { API_MIGRATION_DIR } = await import('../api/db.ts');
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

  const cameras = new CameraManager({ configDir: e.HUIYAN_STREAMS_CONFIG, log: log.child({ part: 'cameras' }) });
  const scheduler = new InferenceScheduler();
  scheduler.start();
  const loaded = await cameras.reload();
  for (const i of loaded.issues) log.warn('camera config issue', { issue: i });
  const engineOptions = await engineOptionsFactory(store, e.HUIYAN_INFERENCE_THREADS, cameras.cameras());
  const pipeline = new DetectionPipeline({ feed: cameras, scheduler, sink: outbox, engineOptions, log: log.child({ part: 'pipeline' }) });
  pipeline.start();
  await cameras.start();

  return {
    env: full,
    redis,
    store,
    cameras,
    scheduler,
    pipeline,
    outbox,
    workers,
    async stop() {
      await cameras.stop();
      await pipeline.stop();
      await scheduler.stop();
      await outbox.flush().catch(() => undefined);
      await outbox.stop();
      for (const w of Object.values(workers)) await w.close();
      await store.close();
      await redis.stop();
    },
  };
}
