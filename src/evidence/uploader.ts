// Moves sealed bundles from the spool to the store, oldest first, one at a time. Every step
// is idempotent (same bytes to the same key), so a crash or outage mid-upload is repaired by
// simply uploading the bundle again. The bundle leaves the spool only after the store has it.
import { EventEmitter } from 'node:events';
import type { Logger } from '../util/log.ts';
import { chainHeadKey, indexKey, MANIFEST, SIGNATURE } from './layout.ts';
import type { PendingBundle, Spool } from './spool.ts';
import { ImmutableObjectError, type EvidenceStore } from './store/types.ts';

export interface UploaderHealth {
  state: 'stopped' | 'idle' | 'uploading' | 'backoff';
  pending: number;
  uploaded: number;
  failed: number;
  lastError?: string;
  lastUploadAt?: number;
  nextAttemptAt?: number;
}

export interface UploaderOptions {
  pollMs?: number;
  /** Runs before each pass, e.g. to initialise a store that was down at start. */
  beforePass?: () => Promise<void>;
  minBackoffMs?: number;
  maxBackoffMs?: number;
}

/**
 * Events: 'uploaded' (SealedBundle record), 'unavailable' (Error; once per outage),
 * 'recovered' (after an outage), 'conflict' (name, Error).
 */
export class SpoolUploader extends EventEmitter {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private again = false;
  private backoffMs = 0;
  private down = false;
  private nextAttemptAt = 0;
  private h: UploaderHealth = { state: 'stopped', pending: 0, uploaded: 0, failed: 0 };

  constructor(
    private readonly spool: Spool,
    private readonly store: EvidenceStore,
    private readonly log: Logger,
    private readonly opts: UploaderOptions = {},
  ) {
    super();
  }

  start(): void {
    if (this.timer) return;
    this.h.state = 'idle';
    this.timer = setInterval(() => {
      if (Date.now() >= this.nextAttemptAt) void this.drain().catch(() => {});
    }, this.opts.pollMs ?? 1000);
    this.timer.unref();
    void this.drain().catch(() => {});
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
    await this.running?.catch(() => {});
    this.h.state = 'stopped';
  }

  health(): UploaderHealth {
    return { ...this.h, nextAttemptAt: this.h.state === 'backoff' ? this.nextAttemptAt : undefined };
  }

  /** True while the store recently failed and we are waiting before trying again. */
  get inBackoff(): boolean {
    return Date.now() < this.nextAttemptAt;
  }

  /**
   * Uploads everything pending, oldest first. Single-flight: a call while a pass runs waits
   * for it and makes it go round once more, so bundles sealed meanwhile are included.
   */
  drain(): Promise<void> {
    if (this.running) {
      this.again = true;
      return this.running;
    }
    this.running = (async () => {
      try {
        do {
          this.again = false;
          await this.pass();
        } while (this.again && !this.inBackoff);
      } finally {
        this.running = null;
      }
    })();
    return this.running;
  }

  private async pass(): Promise<void> {
    const names = await this.spool.listPending();
    this.h.pending = names.length;
    if (names.length === 0) return;
    this.h.state = 'uploading';
    await this.opts.beforePass?.();
    for (const name of await this.uploadOrder(names)) {
      let p: PendingBundle;
      try {
        p = await this.spool.readPending(name);
      } catch {
        continue; // removed by another uploader meanwhile
      }
      try {
        await this.uploadOne(p);
      } catch (err) {
        if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue; // another process uploaded it first
        if (err instanceof ImmutableObjectError) {
          // Different bytes already sit under this key: keep ours aside and alert, never overwrite.
          this.h.failed++;
          this.log.error('evidence upload conflict: bundle kept in spool/failed', { bundle: name, err: String(err) });
          await this.spool.quarantine(name).catch(() => {});
          this.emit('conflict', name, err);
          continue;
        }
        this.backoffMs = Math.min(this.opts.maxBackoffMs ?? 30_000, Math.max(this.opts.minBackoffMs ?? 500, this.backoffMs * 2));
        this.nextAttemptAt = Date.now() + this.backoffMs;
        this.h.state = 'backoff';
        this.h.lastError = String((err as Error).message ?? err);
        this.h.pending = (await this.spool.listPending()).length;
        this.log.warn('evidence store unavailable: bundles stay in the spool', { pending: this.h.pending, retryInMs: this.backoffMs, err: this.h.lastError });
        if (!this.down) this.emit('unavailable', err);
        this.down = true;
        return;
      }
    }
    this.backoffMs = 0;
    this.nextAttemptAt = 0;
    if (this.down) {
      this.down = false;
      this.log.info('evidence store reachable again: spool drained', { uploaded: this.h.uploaded });
      this.emit('recovered');
    }
    this.h.pending = (await this.spool.listPending()).length;
    this.h.state = this.timer ? 'idle' : 'stopped';
  }

  /**
   * Oldest first by seal time, but each camera's bundles strictly by chain height, even if the
   * wall clock stepped back between two seals.
   */
  private async uploadOrder(names: string[]): Promise<string[]> {
    const parsed = await Promise.all(
      names.map(async (name) => {
        const p = await this.spool.readPending(name).catch(() => null);
        return p ? { name, cam: p.meta.record.cameraId, height: p.meta.record.height } : null;
      }),
    );
    const items = parsed.filter((x): x is NonNullable<typeof x> => x !== null);
    const byCam = new Map<string, typeof items>();
    for (const it of items) byCam.set(it.cam, [...(byCam.get(it.cam) ?? []), it]);
    for (const list of byCam.values()) list.sort((a, b) => a.height - b.height);
    const cursor = new Map<string, number>();
    return items.map((it) => {
      const i = cursor.get(it.cam) ?? 0;
      cursor.set(it.cam, i + 1);
      return byCam.get(it.cam)![i].name;
    });
  }

  private async uploadOne(p: PendingBundle): Promise<void> {
    const r = p.meta.record;
    const started = Date.now();
    const retainUntil = p.meta.retainUntil ? new Date(p.meta.retainUntil) : undefined;
    // Media first, manifest and signature last: a bundle with a manifest in the store is complete.
    const order = [...p.meta.files.filter((f) => f !== MANIFEST && f !== SIGNATURE), MANIFEST, SIGNATURE];
    for (const file of order) {
      const body = await this.spool.readPendingFile(p, file);
      await this.store.put(r.storageKey + file, body, { immutable: true, retainUntil, contentType: contentType(file) });
    }
    const index = Buffer.from(JSON.stringify({ ...r, spooled: false, hitId: p.meta.hitId, seq: p.meta.seq }));
    await this.store.put(indexKey(r.bundleId), index, { immutable: true, contentType: 'application/json' });
    await this.store.put(chainHeadKey(r.cameraId), Buffer.from(p.meta.chainHead), { contentType: 'application/json' });
    // A worker killed mid-commit may have left this bundle ahead of the local chain head;
    // fix that before the bundle leaves the spool, or the next seal would reuse its height.
    await this.spool.withCameraLock(r.cameraId, () => this.spool.repairCamera(r.cameraId));
    await this.spool.removePending(p.name);
    this.h.uploaded++;
    this.h.lastUploadAt = Date.now();
    this.log.debug('evidence bundle uploaded', { bundle: r.bundleId, cameraId: r.cameraId, ms: this.h.lastUploadAt - started, sinceSealMs: this.h.lastUploadAt - r.sealedAt });
    this.emit('uploaded', { ...r, spooled: false });
  }
}

function contentType(file: string): string {
  if (file.endsWith('.jpg')) return 'image/jpeg';
  if (file.endsWith('.mp4')) return 'video/mp4';
  if (file.endsWith('.json')) return 'application/json';
  return 'application/octet-stream';
}
