// Operator alert when evidence is refused. Evidence workers report each refusal and each
// accepted bundle here; the state lives in Redis so the API (another process) can show it. An
// episode's start and its end are each announced once — an error log line and an
// `evidence.refused` webhook, then an info line and `evidence.accepted` — however many workers
// see them: inside one MULTI, only the HSETNX that creates the field opens an episode and only
// the HDEL that removes it closes one.
import type { Queue } from 'bullmq';
import type { Redis } from 'ioredis';
import { EvidenceRefusal, EvidenceRefusalReason, type EvidenceIntakeT, type EvidenceRefusalReasonT } from '../contracts/ops.ts';
import type { Logger } from '../util/log.ts';
import { addJob, jobOptions, type DispatchConfig, type OpsNotifyJobT } from './queues.ts';
import { wants, type WebhookEndpointT } from './webhook.ts';

export type IntakeEventKind = 'evidence.refused' | 'evidence.accepted';
/** Payload of both events: the reason, when the episode began, and (on accepted) how many refusals and when it ended. */
export interface IntakeEvent { reason: EvidenceRefusalReasonT; since: number; message?: string; count?: number; at?: number }
export type IntakeNotifier = (kind: IntakeEventKind, event: IntakeEvent) => Promise<void>;

/** Redis hash of the deployment's intake state: `<reason>` = since (ms), `<reason>:count`, `<reason>:last` = {at, message}. */
export const intakeKey = (prefix: string) => `${prefix}:ops:evidence-intake`;

/** Reasons an accepted seal ends; `store-unavailable` ends when the store takes a bundle again. */
export const SEAL_ACCEPTED: readonly EvidenceRefusalReasonT[] = ['disk-low', 'dead-letter'];

export class EvidenceIntakeAlerts {
  constructor(
    private readonly redis: Redis,
    private readonly prefix: string,
    private readonly o: { log?: Logger; notify?: IntakeNotifier } = {},
  ) {}

  /** Records one refusal; the first of an episode logs at error level and notifies. Never throws. */
  async refused(reason: EvidenceRefusalReasonT, message: string, now = Date.now()): Promise<void> {
    const key = intakeKey(this.prefix);
    try {
      const r = await this.redis.multi()
        .hsetnx(key, reason, String(now))
        .hincrby(key, `${reason}:count`, 1)
        .hset(key, `${reason}:last`, JSON.stringify({ at: now, message }))
        .exec();
      if (r?.[0]?.[1] !== 1) return;
    } catch (err) {
      // The refusal itself still fails the job (and is logged there); only the shared state is lost.
      this.o.log?.error('evidence refused; intake state not recorded', { reason, message, error: String(err) });
      return;
    }
    this.o.log?.error('evidence refused: operator action needed', { reason, message });
    await this.announce('evidence.refused', { reason, since: now, message });
  }

  /** Ends the open episodes of `reasons` (evidence was accepted); each ending logs and notifies once. Never throws. */
  async accepted(reasons: readonly EvidenceRefusalReasonT[] = SEAL_ACCEPTED, now = Date.now()): Promise<void> {
    const key = intakeKey(this.prefix);
    let res: [Error | null, unknown][] | null;
    try {
      const m = this.redis.multi();
      for (const r of reasons) m.hget(key, r).hget(key, `${r}:count`).hdel(key, r, `${r}:count`, `${r}:last`);
      res = await m.exec();
    } catch (err) {
      this.o.log?.warn('evidence intake state not updated', { error: String(err) });
      return;
    }
    for (const [i, reason] of reasons.entries()) {
      const since = res?.[3 * i]?.[1];
      if (typeof since !== 'string') continue;
      const count = Number(res?.[3 * i + 1]?.[1] ?? 1);
      this.o.log?.info('evidence accepted again', { reason, refusedForMs: now - Number(since), count });
      await this.announce('evidence.accepted', { reason, since: Number(since), count, at: now });
    }
  }

  async state(): Promise<EvidenceIntakeT> {
    return readIntake(this.redis, this.prefix);
  }

  private async announce(kind: IntakeEventKind, e: IntakeEvent): Promise<void> {
    await this.o.notify?.(kind, e).catch((err) => this.o.log?.warn('evidence intake webhook not queued', { kind, error: String(err) }));
  }
}

/** The deployment's intake state (for the API and /metrics); reasons in EvidenceRefusalReason order. */
export async function readIntake(redis: Redis, prefix: string): Promise<EvidenceIntakeT> {
  const h = await redis.hgetall(intakeKey(prefix));
  const refused = EvidenceRefusalReason.options.filter((r) => h[r] !== undefined).map((reason) => {
    const last = JSON.parse(h[`${reason}:last`] ?? '{}') as { at?: number; message?: string };
    const since = Number(h[reason]);
    return EvidenceRefusal.parse({ reason, message: last.message ?? '', since, lastAt: last.at ?? since, count: Number(h[`${reason}:count`] ?? 1) });
  });
  return { accepting: refused.length === 0, refused };
}

/** Queues the events as signed webhooks (the notify worker delivers them) to the endpoints that want them. */
export function webhookNotifier(cfg: DispatchConfig, queue: Queue, endpoints: WebhookEndpointT[]): IntakeNotifier {
  return async (kind, e) => {
    const eventId = `${kind}-${e.reason}-${e.since}`;
    for (const endpoint of endpoints.filter((x) => wants(x, kind))) {
      const job: OpsNotifyJobT = { eventId, kind, endpointId: endpoint.id, payload: { ...e }, createdAt: new Date().toISOString() };
      await addJob(queue, kind, job, jobOptions(cfg, `ops-${eventId}-${endpoint.id}`));
    }
  };
}
