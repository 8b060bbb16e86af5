// One BullMQ worker around a step handler: retries with exponential back-off (job options),
// a dead-letter queue for jobs that used up their attempts or can never succeed, stalled-job
// recovery after a worker dies (lockDuration / stalledInterval), and a clean shutdown.
import { Worker, UnrecoverableError, type Job, type Queue } from 'bullmq';
import type { ZodType } from 'zod';
import { createLogger, type Logger } from '../util/log.ts';
import { addJob, makeQueue, QUEUES, redisOptions, type DispatchConfig, type QueueName } from './queues.ts';

export type Handler<T> = (data: T, job: Job) => Promise<unknown>;

export interface StepWorkerOptions<T> {
  queue: QueueName;
  schema: ZodType<T>;
  handle: Handler<T>;
  log?: Logger;
  /** Test hook: wait this long after the handler's work, before the job completes (so a kill lands mid-job). */
  holdMs?: number;
  /** Called once a job is parked in the dead-letter queue (operator alerts); must not throw. */
  onDeadLetter?: (jobId: string, error: string) => Promise<void>;
}

export interface StepWorker {
  readonly worker: Worker;
  close(): Promise<void>;
  health(): { queue: string; running: boolean; processed: number; failed: number; deadLettered: number };
}

export function startStepWorker<T>(cfg: DispatchConfig, o: StepWorkerOptions<T>): StepWorker {
  const log = o.log ?? createLogger({ stage: 'dispatch', queue: o.queue });
  const dead: Queue = makeQueue(QUEUES.dead, cfg);
  const stats = { processed: 0, failed: 0, deadLettered: 0 };

  const processor = async (job: Job) => {
    try {
      const parsed = o.schema.safeParse(job.data);
      if (!parsed.success) throw new UnrecoverableError(`invalid ${o.queue} job: ${parsed.error.issues[0]?.message}`);
      const out = await o.handle(parsed.data, job);
      if (o.holdMs) await new Promise((r) => setTimeout(r, o.holdMs));
      stats.processed++;
      return out ?? null;
    } catch (err) {
      stats.failed++;
      const final = err instanceof UnrecoverableError || job.attemptsMade + 1 >= (job.opts.attempts ?? 1);
      log.warn('job failed', { jobId: job.id, attempt: job.attemptsMade + 1, final, error: String((err as Error).message ?? err) });
      if (final) {
        // Parked before the job is marked failed: a crash here leaves the job to be retried, not lost.
        const error = String((err as Error).message ?? err);
        await addJob(dead, 'dead', {
          queue: o.queue, jobId: job.id, name: job.name, data: job.data, error,
          attemptsMade: job.attemptsMade + 1, failedAt: new Date().toISOString(),
        }, { jobId: `${o.queue}-${job.id}` }).then(async () => {
          stats.deadLettered++;
          await o.onDeadLetter?.(String(job.id), error);
        }, (e) => log.error('dead-letter failed', { jobId: job.id, error: String(e) }));
      }
      throw err;
    }
  };

  const worker = new Worker(o.queue, processor, {
    connection: redisOptions(cfg.redisUrl),
    prefix: cfg.prefix,
    concurrency: cfg.concurrency,
    lockDuration: cfg.lockDurationMs,
    stalledInterval: cfg.stalledIntervalMs,
    maxStalledCount: cfg.maxStalledCount,
  });
  let lastError = '';
  worker.on('error', (err) => {
    // Redis going away is expected; the connection retries by itself. Log each new error once.
    if (err.message !== lastError) log.warn('worker connection error', { error: err.message });
    lastError = err.message;
  });
  worker.on('ready', () => {
    if (lastError) log.info('worker reconnected');
    lastError = '';
  });

  return {
    worker,
    health: () => ({ queue: o.queue, running: worker.isRunning(), ...stats }),
    async close() {
      await worker.close();
      await dead.close();
    },
  };
}

/** Runs until SIGTERM/SIGINT, then lets running jobs finish and closes everything. */
export function closeOnSignal(log: Logger, ...closers: Array<() => Promise<unknown>>): void {
  let closing = false;
  const stop = async (sig: string) => {
    if (closing) return;
    closing = true;
    log.info('stopping', { signal: sig });
    for (const c of closers) await c().catch((e) => log.error('close failed', { error: String(e) }));
    process.exit(0);
  };
  process.on('SIGTERM', () => void stop('SIGTERM'));
  process.on('SIGINT', () => void stop('SIGINT'));
}
