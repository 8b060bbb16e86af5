// Relays the notification outbox (rows written in the same transaction as the case change)
// to the notify queue: one job per notification and endpoint, with a job id that makes a
// second relay of the same row a no-op. Rows are marked only after Redis acknowledged.
import type { Queue } from 'bullmq';
import type { CaseStore } from '../cases/index.ts';
import { markCityOverdue, DEFAULT_CITY_PERIODS, type CityPeriods } from '../cases/city.ts';
import type { Logger } from '../util/log.ts';
import { addJob, jobOptions, type DispatchConfig } from './queues.ts';
import { wants, type WebhookEndpointT } from './webhook.ts';

export class NotificationRelay {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private relayed = 0;
  private lastError: string | null = null;

  constructor(
    private readonly cfg: DispatchConfig,
    private readonly store: CaseStore,
    private readonly notifyQueue: Queue,
    private readonly endpoints: WebhookEndpointT[],
    private readonly log: Logger,
    private readonly pollMs = 2000,
  ) {}

  start(): void {
    this.timer = setInterval(() => this.kick(), this.pollMs);
    this.kick();
  }

  /** Run a pass now (or right after the one in progress). */
  kick(): void {
    if (this.running) {
      this.again = true;
      return;
    }
    this.running = this.pass()
      .catch((e) => {
        this.lastError = String((e as Error).message ?? e);
        this.log.warn('notification relay pass failed', { error: this.lastError });
      })
      .finally(() => {
        this.running = null;
        if (this.again) {
          this.again = false;
          this.kick();
        }
      });
  }

  private async pass(): Promise<void> {
    for (;;) {
      const batch = await this.store.writer.pendingNotifications(100);
      if (!batch.length) return;
      for (const n of batch) {
        for (const e of this.endpoints.filter((x) => wants(x, n.kind))) {
          const data = { notificationId: n.id, kind: n.kind, caseId: n.caseId, endpointId: e.id, payload: n.payload, createdAt: n.createdAt.toISOString() };
          await addJob(this.notifyQueue, n.kind, data, jobOptions(this.cfg, `n${n.id}-${e.id}`));
        }
        if (n.kind === 'case.review_overdue') this.log.warn('case review overdue', { caseId: n.caseId });
        await this.store.writer.markNotificationsEnqueued([n.id]);
        this.relayed++;
      }
      this.lastError = null;
    }
  }

  health() {
    return { relayed: this.relayed, lastError: this.lastError, running: this.timer !== null };
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running;
  }
}

/**
 * Marks cases past their review SLA, and exported cases whose delivery or payment is overdue
 * (the city back half, `periods`), on a timer; each case is handed to one caller.
 */
export class SlaMonitor {
  private timer: NodeJS.Timeout | null = null;
  private alerted = 0;

  constructor(
    private readonly store: CaseStore,
    private readonly log: Logger,
    private readonly intervalMs = 30_000,
    private readonly onAlert: () => void = () => {},
    private readonly periods: CityPeriods = DEFAULT_CITY_PERIODS,
  ) {}

  start(): void {
    this.timer = setInterval(() => void this.runOnce().catch((e) => this.log.warn('SLA check failed', { error: String(e) })), this.intervalMs);
  }

  /** One pass; returns how many alerts it raised. */
  async runOnce(now = new Date()): Promise<number> {
    const overdue = await this.store.markOverdue(now);
    const city = await markCityOverdue(this.store.db, this.periods, now);
    for (const c of city) this.log.warn(c.kind === 'delivery_overdue' ? 'case delivery overdue' : 'case payment overdue', { caseId: c.caseId });
    const n = overdue.length + city.length;
    this.alerted += n;
    if (n) this.onAlert();
    return n;
  }

  health() {
    return { alerted: this.alerted, running: this.timer !== null };
  }

  stop(): void {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }
}
