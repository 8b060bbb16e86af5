// Evidence upkeep on a schedule, by default in every site: the retention sweep (signed
// tombstones, bundles of open or confirmed cases kept) and signed Merkle anchors over every
// camera's chain head. BullMQ job schedulers make each run happen once per interval in the
// whole site, however many case-worker processes there are; a crashed run is retried by the
// next one.
import { z } from 'zod';
import type { CaseStore } from '../cases/index.ts';
import { auditHead } from '../cases/audit.ts';
import { AnchorWriter } from '../evidence/anchor.ts';
import { evidenceEnv, openStore } from '../evidence/config.ts';
import { KeyRing } from '../evidence/keys.ts';
import { RetentionSweeper } from '../evidence/retention.ts';
import type { Logger } from '../util/log.ts';
import { makeQueue, QUEUES, type DispatchConfig } from './queues.ts';
import { startStepWorker } from './runtime.ts';

export const MaintenanceEnv = z.object({
  /** Retention sweep interval; 0 turns it off. Bundles go after HUIYAN_EVIDENCE_RETENTION_DAYS. */
  HUIYAN_RETENTION_EVERY_MS: z.coerce.number().int().min(0).default(6 * 3600_000),
  /** Anchor interval; 0 turns it off. Copies go to HUIYAN_EVIDENCE_ANCHORS when set. */
  HUIYAN_ANCHOR_EVERY_MS: z.coerce.number().int().min(0).default(3600_000),
});

export const MaintenanceJob = z.object({ task: z.enum(['retention', 'anchor']) });
export type MaintenanceTask = z.infer<typeof MaintenanceJob>['task'];

export interface Maintenance {
  close(): Promise<void>;
  health(): Record<string, unknown>;
}

export async function startMaintenance(cfg: DispatchConfig, env: NodeJS.ProcessEnv, cases: CaseStore, log: Logger): Promise<Maintenance> {
  const m = MaintenanceEnv.parse(env);
  const ev = evidenceEnv(env);
  const store = openStore(ev);
  const keys = await KeyRing.loadOrCreate(ev.HUIYAN_EVIDENCE_KEYS);
  // The job schedulers below decide when they run, once per interval site-wide.
  const retention = new RetentionSweeper({ store, keys, retentionDays: ev.HUIYAN_EVIDENCE_RETENTION_DAYS, isProtected: (id) => cases.isBundleProtected(id), log });
  if (m.HUIYAN_ANCHOR_EVERY_MS > 0 && !ev.HUIYAN_EVIDENCE_ANCHORS && !ev.HUIYAN_EVIDENCE_ANCHOR_WEBHOOK) {
    log.warn('evidence anchors are kept only inside the store; set HUIYAN_EVIDENCE_ANCHORS (another disk) or HUIYAN_EVIDENCE_ANCHOR_WEBHOOK');
  }
  // Each anchor also carries the audit log's signed head, so both are checked from outside the store.
  const anchors = new AnchorWriter(store, keys, log, {
    exportDir: ev.HUIYAN_EVIDENCE_ANCHORS,
    webhookUrl: ev.HUIYAN_EVIDENCE_ANCHOR_WEBHOOK,
    auditHead: () => auditHead(cases.db),
  });

  const queue = makeQueue(QUEUES.maintenance, cfg);
  const every: Record<MaintenanceTask, number> = { retention: m.HUIYAN_RETENTION_EVERY_MS, anchor: m.HUIYAN_ANCHOR_EVERY_MS };
  for (const [task, ms] of Object.entries(every) as [MaintenanceTask, number][]) {
    if (ms > 0) {
      await queue.upsertJobScheduler(task, { every: ms }, { name: task, data: { task }, opts: { removeOnComplete: 100, removeOnFail: 100 } });
    } else {
      await queue.removeJobScheduler(task);
    }
  }
  const w = startStepWorker(cfg, {
    queue: QUEUES.maintenance,
    schema: MaintenanceJob,
    log,
    handle: async ({ task }) => {
      await store.init();
      if (task === 'anchor') return { merkleRoot: (await anchors.runOnce()).anchor.merkleRoot };
      const r = await retention.runOnce();
      log.info('retention sweep', { scanned: r.scanned, deleted: r.deleted.length, protectedKept: r.protectedKept.length });
      return { scanned: r.scanned, deleted: r.deleted.length };
    },
  });
  log.info('maintenance scheduled', { retentionEveryMs: every.retention, anchorEveryMs: every.anchor });
  return {
    health: () => ({ ...w.health(), retention: retention.health(), anchors: anchors.health() }),
    async close() {
      await w.close();
      await queue.close();
    },
  };
}
