// A detector worker's share of the camera fleet: Redis leases decide which cameras this worker
// owns (several workers, one fleet; a dead worker's cameras move within the lease TTL), and an
// optional patrol (轮巡) rotates an inference budget over the owned cameras.
import os from 'node:os';
import { Redis } from 'ioredis';
import { z } from 'zod';
import { CameraLeases } from '../ingest/leases.ts';
import { PatrolRunner } from '../ingest/patrol-runner.ts';
import type { CameraManager } from '../ingest/camera-manager.ts';
import type { Logger } from '../util/log.ts';

export const FleetEnv = z.object({
  /**
   * This worker's id in the lease keys and the name of its outbox under HUIYAN_HIT_SPOOL; unique
   * in the site and stable across restarts (so a restarted worker drains its own outbox).
   * Default: the host name (one detector worker per host or container).
   */
  HUIYAN_WORKER_ID: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/).default(os.hostname().replace(/[^A-Za-z0-9_.-]/g, '_').slice(0, 64)),
  /** A dead worker's cameras are taken over within this long. */
  HUIYAN_LEASE_TTL_MS: z.coerce.number().int().min(500).default(10_000),
  /** Cameras watched at once by this worker (patrol over the owned ones); absent: all owned run. */
  HUIYAN_PATROL_BUDGET: z.coerce.number().int().positive().optional(),
  /** How long the patrol stays on a camera before moving on. */
  HUIYAN_PATROL_DWELL_MS: z.coerce.number().int().positive().default(30_000),
});
export type FleetEnvT = z.infer<typeof FleetEnv>;

export interface FleetOptions {
  redisUrl: string;
  /** The deployment's key prefix (HUIYAN_QUEUE_PREFIX): leases live at <prefix>:lease:<camera>. */
  prefix: string;
  settings: FleetEnvT;
}

export interface Fleet {
  readonly leases: CameraLeases;
  readonly patrol?: PatrolRunner;
  health(): { workerId: string; owned: string[]; worstRevisitMs?: number };
  stop(): Promise<void>;
}

/** Narrows `manager` (already set to run nothing) to the cameras this worker holds leases for. */
export async function joinFleet(manager: CameraManager, o: FleetOptions, log: Logger): Promise<Fleet> {
  const s = o.settings;
  const redis = new Redis(o.redisUrl, { maxRetriesPerRequest: 2 });
  redis.on('error', () => {}); // lease rounds log their own failures and retry
  const leases = new CameraLeases(redis, { prefix: o.prefix, workerId: s.HUIYAN_WORKER_ID, ttlMs: s.HUIYAN_LEASE_TTL_MS, log });
  const patrol = s.HUIYAN_PATROL_BUDGET
    ? new PatrolRunner(manager, { maxConcurrent: s.HUIYAN_PATROL_BUDGET, maxSamplesPerSecond: s.HUIYAN_PATROL_BUDGET * 30, dwellMs: s.HUIYAN_PATROL_DWELL_MS })
    : undefined;
  leases.on('change', (owned: string[]) => {
    if (patrol) patrol.setPool(owned);
    else void manager.setActive(owned);
  });
  leases.start(() => manager.cameras().filter((c) => c.enabled).map((c) => c.id));
  patrol?.setPool([]);
  patrol?.start();
  return {
    leases,
    patrol,
    health: () => ({
      workerId: s.HUIYAN_WORKER_ID,
      owned: leases.owned(),
      worstRevisitMs: patrol ? Math.max(0, ...patrol.coverage().map((c) => c.longestRevisitMs)) : undefined,
    }),
    async stop() {
      patrol?.stop();
      // Released, not left to expire: peers take the cameras over at once.
      await leases.stop().catch(() => undefined);
      redis.disconnect();
    },
  };
}
