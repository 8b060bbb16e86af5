// Feeds the alert bus from the case queue: when a case worker (any process) completes a job
// that created a case (or filed a warn-first hit, src/cases/warn.ts), BullMQ's queue events say
// so, and the case is read back from the store and announced. Durable by construction: the
// alert is built from the database row.
import { QueueEvents } from 'bullmq';
import { QUEUES, redisOptions } from '../../dispatch/queues.ts';
import { createLogger } from '../../util/log.ts';
import type { CasesPort } from '../ports.ts';
import type { AlertBus } from './bus.ts';

const log = createLogger({ stage: 'api', part: 'case-queue-feed' });

export interface CaseQueueFeedOptions {
  redisUrl: string;
  /** BullMQ key prefix of the deployment (HUIYAN_QUEUE_PREFIX). */
  prefix: string;
  cameraName?: (id: string) => string | undefined;
}

export class CaseQueueAlertFeed {
  private events?: QueueEvents;
  private announced = 0;
  private completed = 0;

  constructor(
    private readonly bus: AlertBus,
    private readonly cases: CasesPort,
    private readonly o: CaseQueueFeedOptions,
  ) {}

  async start(): Promise<void> {
    this.events = new QueueEvents(QUEUES.case, { connection: redisOptions(this.o.redisUrl), prefix: this.o.prefix });
    this.events.on('error', (err) => log.warn('queue events error', { err: String(err) }));
    this.events.on('completed', ({ returnvalue }) => void this.onCompleted(returnvalue));
    await this.events.waitUntilReady();
  }

  private async onCompleted(returnvalue: unknown): Promise<void> {
    this.completed++;
    let out = returnvalue;
    if (typeof out === 'string') {
      try {
        out = JSON.parse(out);
      } catch {
        return;
      }
    }
    const r = out as { caseId?: unknown; created?: unknown; filed?: unknown } | null;
    // Only new cases are alerts; a redelivered job (created=false) was announced already. A
    // warn-first hit is one when its grace period ends unheeded (filed), not while warned.
    if (!r || typeof r.caseId !== 'string' || (r.created !== true && r.filed !== true)) return;
    const c = await this.cases.get(r.caseId).catch(() => null);
    if (!c || c.state === 'warned' || c.state === 'self_corrected') return;
    this.announced++;
    this.bus.publish({
      caseId: c.id, hitId: c.hitId, cameraId: c.cameraId, cameraName: this.o.cameraName?.(c.cameraId),
      district: c.district, street: c.street, category: c.category, state: c.state, score: c.score, at: Date.now(),
    });
  }

  health() {
    return { completed: this.completed, announced: this.announced };
  }

  async stop(): Promise<void> {
    // With Redis gone, close() waits for a reconnect that may never come: bounded.
    const events = this.events;
    this.events = undefined;
    let timer: NodeJS.Timeout | undefined;
    await Promise.race([events?.close(), new Promise((r) => (timer = setTimeout(r, 3_000)))]);
    clearTimeout(timer);
    void events?.disconnect().catch(() => undefined);
  }
}
