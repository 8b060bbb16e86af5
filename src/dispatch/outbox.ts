// The hit producer's durable outbox. A hit and its frames are written to local disk first
// (fsync'd, one file per entry, never rewritten), then added to the hit queue when Redis is
// reachable, and the entry is deleted only after Redis acknowledged the job. Redis down, or
// the producer killed, never drops a hit: entries wait on disk and go out oldest first.
import { mkdir, open, readdir, readFile, rename, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { HitEventT } from '../analytics/hit.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { addJob, hitJobKey, jobOptions, makeQueue, QUEUES, type DispatchConfig, type FrameRefT, type HitJobT } from './queues.ts';

export interface OutboxFrame {
  role: FrameRefT['role'];
  capturedAt: number;
  jpeg: Buffer;
}

export interface OutboxOptions {
  /** Spool folder: outbox/ holds entries, frames/ the staged JPEGs the evidence worker reads. */
  dir: string;
  cfg: DispatchConfig;
  log?: Logger;
  retryMinMs?: number;
  retryMaxMs?: number;
}

export interface OutboxHealth {
  pending: number;
  enqueued: number;
  lastError: string | null;
  redisUp: boolean;
}

async function writeDurable(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w');
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

async function syncDir(dir: string): Promise<void> {
  const fh = await open(dir, 'r');
  try {
    await fh.sync();
  } finally {
    await fh.close();
  }
}

export class HitOutbox {
  readonly outboxDir: string;
  readonly framesDir: string;
  private readonly queue: Queue;
  private readonly log: Logger;
  private counter = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private again = false;
  private backoffMs: number;
  private stopped = true;
  private readonly h: OutboxHealth = { pending: 0, enqueued: 0, lastError: null, redisUp: false };

  constructor(private readonly o: OutboxOptions) {
    this.outboxDir = path.join(o.dir, 'outbox');
    this.framesDir = path.join(o.dir, 'frames');
    this.queue = makeQueue(QUEUES.hit, o.cfg);
    this.log = o.log ?? createLogger({ stage: 'dispatch', component: 'hit-outbox' });
    this.backoffMs = o.retryMinMs ?? 500;
  }

  async init(): Promise<void> {
    await mkdir(this.outboxDir, { recursive: true });
    await mkdir(this.framesDir, { recursive: true });
    this.h.pending = (await this.entries()).length;
  }

  /** Makes the hit durable on disk and returns its entry name; sending happens in the background. */
  async submit(hit: HitEventT, frames: OutboxFrame[] = []): Promise<string> {
    const key = hitJobKey(hit.hitId, hit.seq);
    const refs: FrameRefT[] = [];
    if (frames.length) {
      const dir = path.join(this.framesDir, key);
      await mkdir(dir, { recursive: true });
      for (const [i, f] of frames.entries()) {
        const file = path.join(dir, `${String(i).padStart(2, '0')}-${f.role}.jpg`);
        await writeDurable(file, f.jpeg);
        refs.push({ role: f.role, capturedAt: f.capturedAt, path: path.resolve(file) });
      }
      await syncDir(dir);
    }
    const payload: HitJobT = { hit, frames: refs };
    const name = `${String(Date.now()).padStart(15, '0')}-${String(this.counter++ % 1e6).padStart(6, '0')}-${key}.json`;
    await writeDurable(path.join(this.outboxDir, name), JSON.stringify({ jobId: `hit-${key}`, payload }));
    await syncDir(this.outboxDir);
    this.h.pending++;
    if (!this.stopped) this.kick();
    return name;
  }

  start(): void {
    this.stopped = false;
    this.kick();
  }

  /** Sends what is on disk now; resolves when the outbox is empty or Redis refused. */
  async flush(): Promise<void> {
    this.kick();
    while (this.flushing) await this.flushing;
  }

  health(): OutboxHealth {
    return { ...this.h };
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    while (this.flushing) await this.flushing;
    await this.queue.close().catch(() => {});
  }

  private async entries(): Promise<string[]> {
    return (await readdir(this.outboxDir)).filter((n) => n.endsWith('.json')).sort();
  }

  private kick(): void {
    if (this.flushing) {
      this.again = true;
      return;
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = null;
    this.flushing = this.pass().finally(() => {
      this.flushing = null;
      if (this.again && !this.stopped) {
        this.again = false;
        this.kick();
      }
    });
  }

  private async pass(): Promise<void> {
    const names = await this.entries();
    this.h.pending = names.length;
    for (const name of names) {
      const file = path.join(this.outboxDir, name);
      try {
        const { jobId, payload } = JSON.parse(await readFile(file, 'utf8')) as { jobId: string; payload: HitJobT };
        await addJob(this.queue, 'hit', payload, jobOptions(this.o.cfg, jobId));
      } catch (err) {
        const msg = String((err as Error).message ?? err);
        if (this.h.redisUp || this.h.lastError !== msg) this.log.warn('hit outbox: Redis refused, keeping hits on disk', { pending: this.h.pending, error: msg });
        this.h.redisUp = false;
        this.h.lastError = msg;
        if (!this.stopped) this.timer = setTimeout(() => this.kick(), this.backoffMs);
        this.backoffMs = Math.min(this.backoffMs * 2, this.o.retryMaxMs ?? 10_000);
        return;
      }
      await unlink(file);
      this.h.pending--;
      this.h.enqueued++;
      if (!this.h.redisUp) this.log.info('hit outbox: Redis acknowledged, sending', { pending: this.h.pending });
      this.h.redisUp = true;
      this.h.lastError = null;
      this.backoffMs = this.o.retryMinMs ?? 500;
    }
  }
}
