// The four dispatch workers as functions: each builds its dependencies from the environment
// and starts one BullMQ worker. workers/*.ts run one of them per process; tests may run
// them in-process.
import path from 'node:path';
import { z } from 'zod';
import { CameraDirectory } from '../config/directory.ts';
import { openCaseStore, dbOptionsFromEnv, loadViolationCodes, type CaseStore } from '../cases/index.ts';
import { DEFAULT_CODES_FILE } from '../cases/codes.ts';
import { Redis } from 'ioredis';
import { createEvidenceService, evidenceEnv, KeyRing, openStore, type EvidenceAlert } from '../evidence/index.ts';
import { diskGuardOptions } from '../evidence/config.ts';
import { DiskFullError } from '../evidence/disk-guard.ts';
import { loadManifest, PROJECT_ROOT } from '../inference/manifest.ts';
import { ModelRegistry } from '../inference/registry.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { caseStep } from './case-step.ts';
import { evidenceStep } from './evidence-step.ts';
import { hitStep } from './hit-step.ts';
import { CaseJob, dispatchConfigFromEnv, HitJob, makeQueue, NotifyJob, QUEUES, redisOptions, type DispatchConfig, type HitJobT } from './queues.ts';
import { EvidenceIntakeAlerts, webhookNotifier } from './intake.ts';
import { NotificationRelay, SlaMonitor } from './relay.ts';
import { DAY_MS } from '../cases/city.ts';
import { startStepWorker } from './runtime.ts';
import { deliverWebhook, loadWebhooks } from './webhook.ts';
import { startMaintenance } from './maintenance.ts';
import { scheduleWarning, warnStep, WarnJob } from './warn.ts';
import { UnrecoverableError } from 'bullmq';
import { documentIssuer, documentSettingsFromEnv, type DocumentIssuer } from '../cases/documents/index.ts';
// The API's readers of sealed bundles (manifest-checked stills) and its issuer wiring, shared with the order to correct.
import { StoreEvidence } from '../evidence/reader.ts';


export interface RunningWorker {
  close(): Promise<void>;
  health(): Record<string, unknown>;
}

const Env = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  /** The hit outbox's spool (staged frames live under it). */
  HUIYAN_HIT_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/hit-spool')),
  HUIYAN_SLA_CHECK_MS: z.coerce.number().int().positive().default(30_000),
  /** The city back half: days from export to delivery (送达), and from the decision to payment (缴纳). */
  HUIYAN_CITY_DELIVERY_DAYS: z.coerce.number().positive().default(7),
  HUIYAN_CITY_PAYMENT_DAYS: z.coerce.number().positive().default(15),
  HUIYAN_RELAY_POLL_MS: z.coerce.number().int().positive().default(2000),
  HUIYAN_EVIDENCE_REDACT: z.enum(['0', '1']).default('0'),
  /** Warn-first: a case still warned this long after its grace end (no word from the camera) is filed. */
  HUIYAN_WARN_BACKSTOP_MS: z.coerce.number().int().min(0).default(120_000),
  /** Test hook only: hold each job this long after its work (lets a kill -9 land mid-job). */
  HUIYAN_TEST_HOLD_MS: z.coerce.number().int().min(0).default(0),
});

function common(env: NodeJS.ProcessEnv, name: string) {
  return { cfg: dispatchConfigFromEnv(env), e: Env.parse(env), log: createLogger({ stage: 'dispatch', worker: name, pid: process.pid }) };
}

/** Parts a process already has; a worker started alone opens its own. */
export interface SharedParts {
  /** PGlite allows one opener per data dir. */
  store?: CaseStore;
  /** The process's camera directory: one loader and one watcher per process. */
  cameras?: CameraDirectory;
}

/** The shared directory, or one of the worker's own that follows streams-config/ until `close`. */
async function cameraDirectory(dir: string, shared: SharedParts, log: Logger): Promise<{ cameras: CameraDirectory; close(): Promise<void> }> {
  if (shared.cameras) return { cameras: shared.cameras, close: async () => undefined };
  const cameras = new CameraDirectory({ dir, log: log.child({ part: 'cameras' }) });
  await cameras.start();
  return { cameras, close: () => cameras.stop() };
}

export async function startHitWorker(env = process.env): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'hit');
  const evidenceQ = makeQueue(QUEUES.evidence, cfg);
  const caseQ = makeQueue(QUEUES.case, cfg);
  const w = startStepWorker(cfg, { queue: QUEUES.hit, schema: HitJob, handle: hitStep(cfg, evidenceQ, caseQ), log, holdMs: e.HUIYAN_TEST_HOLD_MS });
  return { health: w.health, close: async () => { await w.close(); await evidenceQ.close(); await caseQ.close(); } };
}

export async function startEvidenceWorker(env = process.env, shared: SharedParts = {}): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'evidence');
  const ev = evidenceEnv(env);
  const faceDetector = e.HUIYAN_EVIDENCE_REDACT === '1' ? await (await import('../inference/thread-detector.ts')).ThreadDetector.load('yunet') : undefined;
  const evidence = createEvidenceService({
    store: openStore(ev),
    keys: await KeyRing.loadOrCreate(ev.HUIYAN_EVIDENCE_KEYS),
    spoolDir: ev.HUIYAN_EVIDENCE_SPOOL,
    retentionDays: ev.HUIYAN_EVIDENCE_RETENTION_DAYS,
    disk: diskGuardOptions(ev),
    faceDetector,
    log: log.child({ component: 'evidence' }),
  });
  await evidence.init();
  evidence.start();
  const dir = await cameraDirectory(e.HUIYAN_STREAMS_CONFIG, shared, log);
  const caseQ = makeQueue(QUEUES.case, cfg);
  // Refusals reach the operators (log, webhook, the API's banner and metric) through Redis.
  const notifyQ = makeQueue(QUEUES.notify, cfg);
  const redis = new Redis(redisOptions(cfg.redisUrl, true));
  redis.on('error', () => {}); // a failed command is logged by the intake alerts
  const intake = new EvidenceIntakeAlerts(redis, cfg.prefix, { log, notify: webhookNotifier(cfg, notifyQ, await loadWebhooks(env.HUIYAN_WEBHOOKS, env)) });
  evidence.on('alert', (a: EvidenceAlert) => {
    if (a.kind === 'store-unavailable') void intake.refused('store-unavailable', a.error);
    else if (a.kind === 'store-recovered') void intake.accepted(['store-unavailable']);
  });
  const step = evidenceStep(cfg, { evidence, camera: (id) => dir.cameras.get(id), models: new ModelRegistry(await loadManifest()), caseQueue: caseQ, spoolDir: e.HUIYAN_HIT_SPOOL });
  const handle = async (job: HitJobT) => {
    try {
      const ref = await step(job);
      await intake.accepted();
      return ref;
    } catch (err) {
      if (err instanceof DiskFullError) await intake.refused('disk-low', err.message);
      throw err;
    }
  };
  const w = startStepWorker(cfg, {
    queue: QUEUES.evidence, schema: HitJob, handle, log, holdMs: e.HUIYAN_TEST_HOLD_MS,
    onDeadLetter: (jobId, error) => intake.refused('dead-letter', `${jobId}: ${error}`),
  });
  return {
    health: w.health,
    close: async () => { await w.close(); await caseQ.close(); await notifyQ.close(); redis.disconnect(); await evidence.stop(); await dir.close(); },
  };
}

export async function startCaseWorker(env = process.env, shared: SharedParts = {}): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'case');
  const store = shared.store ?? (await openCaseStore({ ...dbOptionsFromEnv(env), codes: await loadViolationCodes(env.HUIYAN_CODES ?? DEFAULT_CODES_FILE) }));
  const dir = await cameraDirectory(e.HUIYAN_STREAMS_CONFIG, shared, log);
  const notifyQ = makeQueue(QUEUES.notify, cfg);
  const warnQ = makeQueue(QUEUES.warn, cfg);
  const webhooks = await loadWebhooks(env.HUIYAN_WEBHOOKS, env);
  const relay = new NotificationRelay(cfg, store, notifyQ, webhooks, log, e.HUIYAN_RELAY_POLL_MS);
  const sla = new SlaMonitor(store, log, e.HUIYAN_SLA_CHECK_MS, () => relay.kick(),
    { deliveryMs: e.HUIYAN_CITY_DELIVERY_DAYS * DAY_MS, paymentMs: e.HUIYAN_CITY_PAYMENT_DAYS * DAY_MS });
  const handle = caseStep({
    store,
    locate: (id) => dir.cameras.get(id)?.location,
    changed: () => relay.kick(),
    warnFirst: (cameraId, zoneId) => dir.cameras.get(cameraId)?.zones.find((z) => z.id === zoneId)?.warnFirst,
    scheduleWarning: (caseId, wf, graceUntil) => scheduleWarning(cfg, warnQ, caseId, wf, graceUntil, e.HUIYAN_WARN_BACKSTOP_MS),
  });
  const w = startStepWorker(cfg, { queue: QUEUES.case, schema: CaseJob, handle, log, holdMs: e.HUIYAN_TEST_HOLD_MS });
  // Warn-first warnings and grace-end backstops: they read and write the case store too.
  // The order to correct is signed here, with the warning: the bureau's certificate and the sealed stills, opened on first use.
  let issuer: Promise<DocumentIssuer> | undefined;
  const orders = () => (issuer ??= (async () => {
    const ev = evidenceEnv(env);
    const evStore = openStore(ev);
    await evStore.init();
    return documentIssuer(documentSettingsFromEnv(env), await StoreEvidence.fromKeyDir(evStore, ev.HUIYAN_EVIDENCE_KEYS));
  })().catch((err) => {
    issuer = undefined; // a store down at first use is retried with the job
    throw err;
  }));
  const warn = startStepWorker(cfg, { queue: QUEUES.warn, schema: WarnJob, handle: warnStep({ store, webhooks: new Map(webhooks.map((x) => [x.id, x])), env, orders }), log: log.child({ part: 'warn' }) });
  relay.start();
  sla.start();
  // Retention and anchors ride along with the case worker: it has the case store retention asks.
  const upkeep = await startMaintenance(cfg, env, store, log.child({ part: 'maintenance' }));
  return {
    health: () => ({ ...w.health(), warn: warn.health(), relay: relay.health(), sla: sla.health(), maintenance: upkeep.health() }),
    close: async () => { await w.close(); await warn.close(); await upkeep.close(); sla.stop(); await relay.stop(); await notifyQ.close(); await warnQ.close(); if (!shared.store) await store.close(); await dir.close(); },
  };
}

export async function startNotifyWorker(env = process.env): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'notify');
  const endpoints = new Map((await loadWebhooks(env.HUIYAN_WEBHOOKS, env)).map((x) => [x.id, x]));
  const w = startStepWorker(cfg, {
    queue: QUEUES.notify,
    schema: NotifyJob,
    log,
    holdMs: e.HUIYAN_TEST_HOLD_MS,
    handle: async (n) => {
      const endpoint = endpoints.get(n.endpointId);
      if (!endpoint) throw new UnrecoverableError(`webhook endpoint ${n.endpointId} is no longer configured`);
      return { status: await deliverWebhook(endpoint, n) };
    },
  });
  return { health: w.health, close: w.close };
}

export type { DispatchConfig };
