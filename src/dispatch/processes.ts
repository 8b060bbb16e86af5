// The four dispatch workers as functions: each builds its dependencies from the environment
// and starts one BullMQ worker. workers/*.ts run one of them per process; tests may run
// them in-process.
import path from 'node:path';
import { z } from 'zod';
import { loadStreamsConfig } from '../config/load.ts';
import type { CameraConfig } from '../config/schema.ts';
import { openCaseStore, dbOptionsFromEnv, loadViolationCodes, type CaseStore } from '../cases/index.ts';
import { DEFAULT_CODES_FILE } from '../cases/codes.ts';
import { createEvidenceService, evidenceEnv, KeyRing, openStore } from '../evidence/index.ts';
import { loadManifest, PROJECT_ROOT } from '../inference/manifest.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { caseStep } from './case-step.ts';
import { evidenceStep } from './evidence-step.ts';
import { hitStep } from './hit-step.ts';
import { CaseJob, dispatchConfigFromEnv, HitJob, makeQueue, NotifyJob, QUEUES, type DispatchConfig } from './queues.ts';
import { NotificationRelay, SlaMonitor } from './relay.ts';
import { startStepWorker } from './runtime.ts';
import { deliverWebhook, loadWebhooks } from './webhook.ts';
import { UnrecoverableError } from 'bullmq';

export interface RunningWorker {
  close(): Promise<void>;
  health(): Record<string, unknown>;
}

const Env = z.object({
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  /** The hit outbox's spool (staged frames live under it). */
  HUIYAN_HIT_SPOOL: z.string().default(path.join(PROJECT_ROOT, 'var/hit-spool')),
  HUIYAN_SLA_CHECK_MS: z.coerce.number().int().positive().default(30_000),
  HUIYAN_RELAY_POLL_MS: z.coerce.number().int().positive().default(2000),
  HUIYAN_EVIDENCE_REDACT: z.enum(['0', '1']).default('0'),
  /** Test hook only: hold each job this long after its work (lets a kill -9 land mid-job). */
  HUIYAN_TEST_HOLD_MS: z.coerce.number().int().min(0).default(0),
});

function common(env: NodeJS.ProcessEnv, name: string) {
  return { cfg: dispatchConfigFromEnv(env), e: Env.parse(env), log: createLogger({ stage: 'dispatch', worker: name, pid: process.pid }) };
}

async function cameras(dir: string, log: Logger): Promise<Map<string, CameraConfig>> {
  const loaded = await loadStreamsConfig(dir);
  for (const i of loaded.issues) log.warn('camera config issue', { issue: i });
  return new Map(loaded.cameras.map((c) => [c.id, c]));
}

export async function startHitWorker(env = process.env): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'hit');
  const evidenceQ = makeQueue(QUEUES.evidence, cfg);
  const caseQ = makeQueue(QUEUES.case, cfg);
  const w = startStepWorker(cfg, { queue: QUEUES.hit, schema: HitJob, handle: hitStep(cfg, evidenceQ, caseQ), log, holdMs: e.HUIYAN_TEST_HOLD_MS });
  return { health: w.health, close: async () => { await w.close(); await evidenceQ.close(); await caseQ.close(); } };
}

export async function startEvidenceWorker(env = process.env): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'evidence');
  const ev = evidenceEnv(env);
  const faceDetector = e.HUIYAN_EVIDENCE_REDACT === '1' ? await (await import('../inference/detectors.ts')).loadDetector('yunet') : undefined;
  const evidence = createEvidenceService({
    store: openStore(ev),
    keys: await KeyRing.loadOrCreate(ev.HUIYAN_EVIDENCE_KEYS),
    spoolDir: ev.HUIYAN_EVIDENCE_SPOOL,
    retentionDays: ev.HUIYAN_EVIDENCE_RETENTION_DAYS,
    faceDetector,
    log: log.child({ component: 'evidence' }),
  });
  await evidence.init();
  evidence.start();
  const cams = await cameras(e.HUIYAN_STREAMS_CONFIG, log);
  const caseQ = makeQueue(QUEUES.case, cfg);
  const handle = evidenceStep(cfg, { evidence, camera: (id) => cams.get(id), manifest: await loadManifest(), caseQueue: caseQ, spoolDir: e.HUIYAN_HIT_SPOOL });
  const w = startStepWorker(cfg, { queue: QUEUES.evidence, schema: HitJob, handle, log, holdMs: e.HUIYAN_TEST_HOLD_MS });
  return {
    health: w.health,
    close: async () => { await w.close(); await caseQ.close(); await evidence.stop(); },
  };
}

/** `shared.store`: a store this process already opened (PGlite allows one opener per data dir). */
export async function startCaseWorker(env = process.env, shared: { store?: CaseStore } = {}): Promise<RunningWorker> {
  const { cfg, e, log } = common(env, 'case');
  const store = shared.store ?? (await openCaseStore({ ...dbOptionsFromEnv(env), codes: await loadViolationCodes(env.HUIYAN_CODES ?? DEFAULT_CODES_FILE) }));
  const cams = await cameras(e.HUIYAN_STREAMS_CONFIG, log);
  const notifyQ = makeQueue(QUEUES.notify, cfg);
  const relay = new NotificationRelay(cfg, store, notifyQ, await loadWebhooks(env.HUIYAN_WEBHOOKS, env), log, e.HUIYAN_RELAY_POLL_MS);
  const sla = new SlaMonitor(store, log, e.HUIYAN_SLA_CHECK_MS, () => relay.kick());
  const handle = caseStep({ store, locate: (id) => cams.get(id)?.location, changed: () => relay.kick() });
  const w = startStepWorker(cfg, { queue: QUEUES.case, schema: CaseJob, handle, log, holdMs: e.HUIYAN_TEST_HOLD_MS });
  relay.start();
  sla.start();
  return {
    health: () => ({ ...w.health(), relay: relay.health(), sla: sla.health() }),
    close: async () => { await w.close(); sla.stop(); await relay.stop(); await notifyQ.close(); if (!shared.store) await store.close(); },
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
