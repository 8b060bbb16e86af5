// Queue names, job payloads (zod: they cross process boundaries), job ids, and the Redis
// connection settings every producer and worker shares.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { Queue, type JobsOptions } from 'bullmq';
import { HitEvent } from '../contracts/hit.ts';

/** hit → evidence → case → notify, warn-first warnings, the dead-letter queue, and scheduled evidence upkeep. */
export const QUEUES = { hit: 'hit', evidence: 'evidence', case: 'case', notify: 'notify', warn: 'warn', dead: 'dead', maintenance: 'maintenance' } as const;
export type QueueName = (typeof QUEUES)[keyof typeof QUEUES];

export interface DispatchConfig {
  redisUrl: string;
  /** BullMQ key prefix: one per deployment (and per test). */
  prefix: string;
  attempts: number;
  /** First retry delay; doubles each attempt. */
  backoffMs: number;
  /** A job whose worker stops renewing its lock for this long is taken back (kill -9). */
  lockDurationMs: number;
  stalledIntervalMs: number;
  maxStalledCount: number;
  concurrency: number;
}

const Env = z.object({
  HUIYAN_REDIS_URL: z.string().regex(/^rediss?:\/\//).default('redis://127.0.0.1:6379'),
  HUIYAN_QUEUE_PREFIX: z.string().regex(/^[\w-]+$/).default('huiyan'),
  HUIYAN_JOB_ATTEMPTS: z.coerce.number().int().min(1).default(8),
  HUIYAN_JOB_BACKOFF_MS: z.coerce.number().int().min(1).default(2000),
  HUIYAN_LOCK_DURATION_MS: z.coerce.number().int().min(500).default(30_000),
  HUIYAN_STALLED_INTERVAL_MS: z.coerce.number().int().min(200).default(30_000),
  HUIYAN_MAX_STALLED: z.coerce.number().int().min(1).default(5),
  HUIYAN_CONCURRENCY: z.coerce.number().int().min(1).default(2),
});

export function dispatchConfigFromEnv(env: NodeJS.ProcessEnv = process.env): DispatchConfig {
  const e = Env.parse(env);
  return {
    redisUrl: e.HUIYAN_REDIS_URL,
    prefix: e.HUIYAN_QUEUE_PREFIX,
    attempts: e.HUIYAN_JOB_ATTEMPTS,
    backoffMs: e.HUIYAN_JOB_BACKOFF_MS,
    lockDurationMs: e.HUIYAN_LOCK_DURATION_MS,
    stalledIntervalMs: e.HUIYAN_STALLED_INTERVAL_MS,
    maxStalledCount: e.HUIYAN_MAX_STALLED,
    concurrency: e.HUIYAN_CONCURRENCY,
  };
}

/**
 * ioredis options for a URL. Reconnect quickly and forever; `producer` connections fail
 * commands at once while Redis is down (enableOfflineQueue off) so callers can spool.
 */
export function redisOptions(url: string, producer = false): Record<string, unknown> {
  const u = new URL(url);
  return {
    host: u.hostname,
    port: Number(u.port || 6379),
    db: u.pathname.length > 1 ? Number(u.pathname.slice(1)) : 0,
    ...(u.password ? { password: decodeURIComponent(u.password) } : {}),
    ...(u.username ? { username: decodeURIComponent(u.username) } : {}),
    ...(u.protocol === 'rediss:' ? { tls: {} } : {}),
    retryStrategy: (times: number) => Math.min(100 * times, 2000),
    maxRetriesPerRequest: producer ? 1 : null,
    enableOfflineQueue: !producer,
  };
}

export function makeQueue(name: QueueName, cfg: DispatchConfig): Queue {
  const q = new Queue(name, { connection: redisOptions(cfg.redisUrl, true), prefix: cfg.prefix });
  q.on('error', () => {}); // connection errors surface as rejected add() calls
  return q;
}

export function jobOptions(cfg: DispatchConfig, jobId: string): JobsOptions {
  return {
    jobId,
    attempts: cfg.attempts,
    backoff: { type: 'exponential', delay: cfg.backoffMs },
    removeOnComplete: { age: 7 * 86_400, count: 50_000 },
    removeOnFail: { age: 30 * 86_400 },
  };
}

/**
 * Job id for one hit event: readable, free of ':' (BullMQ refuses it), collision-free.
 * The same (hitId, seq) always gives the same id, so a re-added job is a no-op.
 */
export function hitJobKey(hitId: string, seq: number): string {
  const safe = hitId.replace(/[^\w.-]/g, '_').slice(0, 80);
  return `${safe}-${createHash('sha256').update(hitId).digest('hex').slice(0, 10)}-${seq}`;
}

/** Adds a job, giving up after `ms` (a down Redis must not hang the caller). */
export async function addJob(q: Queue, name: string, data: unknown, opts: JobsOptions, ms = 5000): Promise<void> {
  let timer: NodeJS.Timeout | undefined;
  try {
    await Promise.race([
      q.add(name, data, opts),
      new Promise((_, reject) => { timer = setTimeout(() => reject(new Error(`Redis did not acknowledge ${name} within ${ms} ms`)), ms); }),
    ]);
  } finally {
    clearTimeout(timer);
  }
}

export const FrameRef = z.object({
  /** Stills of the bundle (`before`, `at`, `after`), or frames only of its review clip (`clip`). */
  role: z.enum(['before', 'at', 'after', 'clip']),
  capturedAt: z.number(),
  /** A JPEG staged on local disk by the producer. */
  path: z.string().min(1),
});
export type FrameRefT = z.infer<typeof FrameRef>;

export const HitJob = z.object({ hit: HitEvent, frames: z.array(FrameRef).default([]) });
export type HitJobT = z.infer<typeof HitJob>;

export const EvidenceRefSchema = z.object({ bundleId: z.string(), storageKey: z.string(), manifestSha256: z.string() });

export const CaseJob = z.object({ hit: HitEvent, evidence: EvidenceRefSchema.optional() });
export type CaseJobT = z.infer<typeof CaseJob>;

/** A case notification from the outbox (relay.ts), id `n<notificationId>-<endpoint>`. */
export const CaseNotifyJob = z.strictObject({
  notificationId: z.number().int(),
  kind: z.string(),
  caseId: z.string(),
  endpointId: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type CaseNotifyJobT = z.infer<typeof CaseNotifyJob>;

/** An operator event without a case (evidence refused / accepted: intake.ts), id `ops-<eventId>-<endpoint>`. */
export const OpsNotifyJob = z.strictObject({
  eventId: z.string().regex(/^[\w.-]+$/),
  kind: z.string(),
  endpointId: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type OpsNotifyJobT = z.infer<typeof OpsNotifyJob>;

export const NotifyJob = z.union([CaseNotifyJob, OpsNotifyJob]);
export type NotifyJobT = z.infer<typeof NotifyJob>;
