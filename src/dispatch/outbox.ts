// The hit producer's durable outbox. A hit and its frames are written to local disk first
// (fsync'd), then added to the hit queue when Redis is reachable, and the entry is deleted
// only after Redis acknowledged the job. Redis down, or the producer killed, never drops a
// hit: entries wait on disk and go out oldest first.
//
// Write order, so that a kill -9 at any moment orphans nothing: the entry is first written as
// `<name>.pending` (the hit, before any frame), then its frames, then the entry is made final
// as `<name>.json`. On start, every `.pending` entry is finalised with the frames that made it
// to disk (a new hit with none is dropped and raised again by the detector: see recover). A hit
// may begin with the frames it has and complete later (the after-frame). The detector saves a
// camera's open hits only after their entries are durable, so no saved open hit lacks its entry;
// a recovered new hit missing from its camera's saved open hits (killed in between) is adopted.
import { access, mkdir, open, readdir, readFile, rename, rmdir, unlink } from 'node:fs/promises';
import path from 'node:path';
import type { Queue } from 'bullmq';
import type { HitEventT } from '../contracts/hit.ts';
import { HitDeduper, type OpenHit } from '../analytics/dedup.ts';
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
  /**
   * Where each camera's open hits are kept (default <dir>/open-hits). Detector workers of a site
   * share one folder: a camera's open hits follow its lease to whichever worker takes it over.
   */
  openHitsDir?: string;
  log?: Logger;
  retryMinMs?: number;
  retryMaxMs?: number;
}

/** A hit whose entry is durable as `.pending`; `complete` adds late frames and makes it final. */
export interface PendingHit {
  readonly name: string;
  complete(frames?: OutboxFrame[]): Promise<void>;
}

interface EntryFile {
  jobId: string;
  payload: HitJobT;
}

export interface OutboxHealth {
  /** Entries recovered from `.pending` on start (the producer died mid-write). */
  recovered: number;
  /** New hits left pending without a frame on disk (not sent; the detector raises them again). */
  unframed: number;
  pending: number;
  enqueued: number;
  lastError: string | null;
  redisUp: boolean;
}

async function writeDurable(file: string, data: Buffer | string): Promise<void> {
  const tmp = `${file}.tmp-${process.pid}`;
  const fh = await open(tmp, 'w', 0o640); // hits name places and plates: not world-readable
  try {
    await fh.writeFile(data);
    await fh.sync();
  } finally {
    await fh.close();
  }
  await rename(tmp, file);
}

const exists = (file: string): Promise<boolean> => access(file).then(() => true, () => false);

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
  /** Open hits per camera (HitStateStore), next to the entries they belong with. */
  readonly openHitsDir: string;
  private readonly queue: Queue;
  private readonly log: Logger;
  private counter = 0;
  private timer: NodeJS.Timeout | null = null;
  private flushing: Promise<void> | null = null;
  private again = false;
  private backoffMs: number;
  private stopped = true;
  private readonly h: OutboxHealth = { recovered: 0, unframed: 0, pending: 0, enqueued: 0, lastError: null, redisUp: false };

  constructor(private readonly o: OutboxOptions) {
    this.outboxDir = path.join(o.dir, 'outbox');
    this.framesDir = path.join(o.dir, 'frames');
    this.openHitsDir = o.openHitsDir ?? path.join(o.dir, 'open-hits');
    this.queue = makeQueue(QUEUES.hit, o.cfg);
    this.log = o.log ?? createLogger({ stage: 'dispatch', component: 'hit-outbox' });
    this.backoffMs = o.retryMinMs ?? 500;
  }

  async init(): Promise<void> {
    await mkdir(this.outboxDir, { recursive: true, mode: 0o750 });
    await mkdir(this.framesDir, { recursive: true, mode: 0o750 });
    await mkdir(this.openHitsDir, { recursive: true, mode: 0o750 });
    await this.recover();
    this.h.pending = (await this.entries()).length;
  }

  /** Makes the hit durable on disk and returns its entry name; sending happens in the background. */
  async submit(hit: HitEventT, frames: OutboxFrame[] = []): Promise<string> {
    const p = await this.begin(hit, frames);
    await p.complete();
    return p.name;
  }

  /**
   * Makes the hit and these frames durable now; the entry goes out once `complete` is called,
   * or, if the process dies first, on the next start with the frames written by then.
   */
  async begin(hit: HitEventT, frames: OutboxFrame[] = []): Promise<PendingHit> {
    const key = hitJobKey(hit.hitId, hit.seq);
    const base = `${String(Date.now()).padStart(15, '0')}-${String(this.counter++ % 1e6).padStart(6, '0')}-${key}`;
    const entry: EntryFile = { jobId: `hit-${key}`, payload: { hit, frames: [] } };
    const pendingFile = path.join(this.outboxDir, `${base}.pending`);
    await writeDurable(pendingFile, JSON.stringify(entry));
    await syncDir(this.outboxDir);
    const write = async (more: OutboxFrame[]) => {
      if (more.length === 0) return;
      const dir = path.join(this.framesDir, key);
      await mkdir(dir, { recursive: true, mode: 0o750 });
      for (const f of more) {
        // Role and capture time in the name: recovery rebuilds the refs from the folder alone.
        const file = path.join(dir, `${String(entry.payload.frames.length).padStart(2, '0')}-${f.role}-${f.capturedAt}.jpg`);
        await writeDurable(file, f.jpeg);
        entry.payload.frames.push({ role: f.role, capturedAt: f.capturedAt, path: path.resolve(file) });
      }
      await syncDir(dir);
    };
    await write(frames);
    return {
      name: `${base}.json`,
      complete: async (more: OutboxFrame[] = []) => {
        await write(more);
        await this.finalise(pendingFile, entry);
      },
    };
  }

  /** `.pending` → `.json`: the final entry is written before the pending one goes. */
  private async finalise(pendingFile: string, entry: EntryFile): Promise<void> {
    const final = pendingFile.replace(/\.pending$/, '.json');
    await writeDurable(final, JSON.stringify(entry));
    await unlink(pendingFile).catch(() => undefined);
    await syncDir(this.outboxDir);
    this.h.pending++;
    if (!this.stopped) this.kick();
  }

  /** Finalises entries a killed producer left pending, with the frames that reached the disk. */
  private async recover(): Promise<void> {
    // Half-written temporary files of a killed producer (their entries are recovered below).
    for (const n of await readdir(this.outboxDir)) if (n.includes('.tmp-')) await unlink(path.join(this.outboxDir, n)).catch(() => undefined);
    for (const name of (await readdir(this.outboxDir)).filter((n) => n.endsWith('.pending')).sort()) {
      const pendingFile = path.join(this.outboxDir, name);
      const final = pendingFile.replace(/\.pending$/, '.json');
      if (await exists(final)) {
        await unlink(pendingFile);
        continue;
      }
      const entry = JSON.parse(await readFile(pendingFile, 'utf8')) as EntryFile;
      // Frames are written under their final name only once complete (writeDurable renames).
      const dir = path.join(this.framesDir, hitJobKey(entry.payload.hit.hitId, entry.payload.hit.seq));
      const frames: FrameRefT[] = [];
      for (const n of (await readdir(dir).catch(() => [] as string[])).sort()) {
        const m = /^\d+-(before|at|after|clip)-(\d+)\.jpg$/.exec(n);
        if (m) frames.push({ role: m[1] as FrameRefT['role'], capturedAt: Number(m[2]), path: path.resolve(dir, n) });
        // A frame the kill cut short: nobody will finish or read it.
        else if (n.includes('.tmp-')) await unlink(path.join(dir, n)).catch(() => undefined);
      }
      // Killed between mkdir and the first frame: the evidence worker only removes folders it is sent.
      if (frames.length === 0) await rmdir(dir).catch(() => undefined);
      if (frames.length === 0 && entry.payload.hit.event === 'opened') {
        // A new hit killed before any of its frames reached the disk has nothing to seal (the
        // evidence step would refuse it). It is not sent; its camera forgets it as an open hit,
        // so the restarted detector raises the violation anew, with frames, if it is still there.
        await this.forgetOpenHit(entry.payload.hit.cameraId, entry.payload.hit.hitId);
        this.log.warn('hit outbox: a new hit was killed before any frame reached the disk; it will be raised again if still seen', { hitId: entry.payload.hit.hitId });
        await unlink(pendingFile);
        this.h.unframed++;
        continue;
      }
      entry.payload.frames = frames;
      // Killed between this entry and the camera's saved open hits: the hit goes out, so its
      // camera must know it as open, or the restarted detector raises the same violation again.
      if (entry.payload.hit.event === 'opened') await this.adoptOpenHit(entry.payload.hit);
      this.log.warn('hit outbox: recovering an entry left pending by a killed producer', { hitId: entry.payload.hit.hitId, seq: entry.payload.hit.seq, frames: entry.payload.frames.length });
      await writeDurable(final, JSON.stringify(entry));
      await unlink(pendingFile);
      this.h.recovered++;
    }
    await syncDir(this.outboxDir);
  }

  /** The hits of a camera that were open when last saved (HitStateStore). */
  async loadOpenHits(cameraId: string): Promise<OpenHit[]> {
    const text = await readFile(this.openHitsFile(cameraId), 'utf8').catch(() => undefined);
    return text ? (JSON.parse(text) as OpenHit[]) : [];
  }

  /** Replaces the camera's open hits on disk (fsync'd, atomic). */
  async saveOpenHits(cameraId: string, hits: OpenHit[]): Promise<void> {
    await writeDurable(this.openHitsFile(cameraId), JSON.stringify(hits));
  }

  private async adoptOpenHit(hit: HitEventT): Promise<void> {
    const hits = await this.loadOpenHits(hit.cameraId);
    if (hits.some((h) => h.hitId === hit.hitId)) return;
    await this.saveOpenHits(hit.cameraId, [...hits, HitDeduper.openHitOf(hit)]);
    this.log.warn('hit outbox: a recovered new hit was not yet among its camera\'s open hits; adopted', { hitId: hit.hitId });
  }

  private async forgetOpenHit(cameraId: string, hitId: string): Promise<void> {
    const hits = await this.loadOpenHits(cameraId);
    if (hits.some((h) => h.hitId === hitId)) await this.saveOpenHits(cameraId, hits.filter((h) => h.hitId !== hitId));
  }

  private openHitsFile(cameraId: string): string {
    return path.join(this.openHitsDir, `${encodeURIComponent(cameraId)}.json`);
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
        const { jobId, payload } = JSON.parse(await readFile(file, 'utf8')) as EntryFile;
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
