// The evidence service: hit + frames in, sealed bundle out. Rendering runs outside any lock;
// only the short chain step (read head → sign manifest → commit to spool) holds the camera's
// lock, so one camera's chain never forks, even with several worker processes on one host.
import { EventEmitter } from 'node:events';
import { HitEvent } from '../contracts/hit.ts';
import type { Detector } from '../inference/types.ts';
import { createLogger, type Logger } from '../util/log.ts';
import { renderBundle, sealBundle } from './bundle.ts';
import { ChainHead, parseChainHead, signChainHead, type ChainHeadT } from './chain.ts';
import { DiskGuard, type DiskGuardOptions, type DiskStatus } from './disk-guard.ts';
import { sha256Hex } from './hash.ts';
import type { KeyRing } from './keys.ts';
import { bundlePrefix, chainHeadKey, indexKey } from './layout.ts';
import { Spool } from './spool.ts';
import { StoreUnavailableError, type EvidenceStore, type StoreCapabilities } from './store/types.ts';
import type { SealedBundle, SealInput } from './types.ts';
import { SpoolUploader, type UploaderHealth, type UploaderOptions } from './uploader.ts';

export interface EvidenceServiceOptions {
  store: EvidenceStore;
  keys: KeyRing;
  spoolDir: string;
  /** Face detector for the redacted copy (loadDetector('yunet')); no redacted copy without it. */
  faceDetector?: Detector;
  faceMinScore?: number;
  /** Object-lock retention set on uploaded objects, when the store supports it. Default 180. */
  retentionDays?: number;
  /** Disk guard thresholds; the spool folder (and an fs store's root) are always watched. */
  disk?: Omit<DiskGuardOptions, 'paths'> & { paths?: string[] };
  uploader?: UploaderOptions;
  /** How long seal() waits for its bundle to reach the store before answering spooled: true. */
  uploadWaitMs?: number;
  timeZone?: string;
  log?: Logger;
}

export interface EvidenceHealth {
  store: { kind: string; location: string; capabilities: StoreCapabilities | null };
  uploader: UploaderHealth;
  disk: DiskStatus[];
  diskLow: boolean;
}

export type EvidenceAlert =
  | { kind: 'disk-low'; status: DiskStatus }
  | { kind: 'store-unavailable'; error: string }
  | { kind: 'store-recovered' }
  | { kind: 'upload-conflict'; bundle: string; error: string };

/** Events: 'sealed' (SealedBundle), 'uploaded' (SealedBundle), 'alert' (EvidenceAlert). */
export interface EvidenceService extends EventEmitter {
  /** Creates folders, repairs the spool after a crash, initialises the store (tolerates it being down). */
  init(): Promise<void>;
  /** Starts the background uploader. */
  start(): void;
  stop(): Promise<void>;
  /** Seals a bundle for one hit event; calling again with the same (hitId, seq) returns the first bundle. */
  seal(input: SealInput): Promise<SealedBundle>;
  /** Uploads what is pending now; resolves when the spool is empty or the store failed. */
  flush(): Promise<void>;
  lookup(hitId: string, seq: number): Promise<SealedBundle | null>;
  health(): Promise<EvidenceHealth>;
  readonly uploader: SpoolUploader;
  readonly diskGuard: DiskGuard;
}

/** Deterministic bundle id for a hit event: retries of the same (hitId, seq) map to one bundle. */
export function bundleIdFor(hitId: string, seq: number, at: number): string {
  const stamp = new Date(at).toISOString().replace(/[-:]/g, '').replace(/\.\d+Z$/, 'Z');
  return `ev-${stamp}-${sha256Hex(`${hitId}\n${seq}`).slice(0, 16)}`;
}

export function createEvidenceService(opts: EvidenceServiceOptions): EvidenceService {
  return new Service(opts);
}

class Service extends EventEmitter implements EvidenceService {
  readonly uploader: SpoolUploader;
  readonly diskGuard: DiskGuard;
  private readonly spool: Spool;
  private readonly log: Logger;
  private capabilities: StoreCapabilities | null = null;

  constructor(private readonly opts: EvidenceServiceOptions) {
    super();
    this.log = opts.log ?? createLogger({ stage: 'evidence' });
    this.spool = new Spool(opts.spoolDir);
    const paths = [opts.spoolDir, ...(opts.disk?.paths ?? []), ...(opts.store.kind === 'fs' ? [opts.store.location] : [])];
    this.diskGuard = new DiskGuard({ ...opts.disk, paths }, this.log);
    this.diskGuard.on('alert', (status: DiskStatus) => this.emit('alert', { kind: 'disk-low', status } satisfies EvidenceAlert));
    this.uploader = new SpoolUploader(this.spool, opts.store, this.log, { ...opts.uploader, beforePass: () => this.initStore(true) });
    this.uploader.on('uploaded', (r: SealedBundle) => this.emit('uploaded', r));
    this.uploader.on('unavailable', (err: Error) =>
      this.emit('alert', { kind: 'store-unavailable', error: String(err.message ?? err) } satisfies EvidenceAlert),
    );
    this.uploader.on('recovered', () => this.emit('alert', { kind: 'store-recovered' } satisfies EvidenceAlert));
    this.uploader.on('conflict', (bundle: string, err: Error) =>
      this.emit('alert', { kind: 'upload-conflict', bundle, error: String(err.message) } satisfies EvidenceAlert),
    );
  }

  async init(): Promise<void> {
    await this.spool.init();
    const repaired = await this.spool.recover();
    if (repaired) this.log.warn('evidence spool repaired after an interrupted seal', { repaired });
    await this.initStore();
  }

  /** Initialises the store once it is reachable (it may be down at start); never throws. */
  private async initStore(quiet = false): Promise<void> {
    if (this.capabilities) return;
    try {
      this.capabilities = await this.opts.store.init();
    } catch (err) {
      if (!quiet) this.log.warn('evidence store not reachable: sealing into the spool', { store: this.opts.store.location, err: String(err) });
    }
  }

  start(): void {
    this.uploader.start();
  }

  async stop(): Promise<void> {
    await this.uploader.stop();
  }

  async flush(): Promise<void> {
    await this.uploader.drain();
  }

  async lookup(hitId: string, seq: number): Promise<SealedBundle | null> {
    // The id embeds the event time, which the caller may not have: match the hash part.
    const r = await this.spool.findIndex(`-${sha256Hex(`${hitId}\n${seq}`).slice(0, 16)}`);
    return r ? { ...r, spooled: await this.spool.isPending(r) } : null;
  }

  async health(): Promise<EvidenceHealth> {
    const disk = await this.diskGuard.status().catch(() => [] as DiskStatus[]);
    return {
      store: { kind: this.opts.store.kind, location: this.opts.store.location, capabilities: this.capabilities },
      uploader: { ...this.uploader.health(), pending: (await this.spool.listPending()).length },
      disk,
      diskLow: this.diskGuard.isLow,
    };
  }

  async seal(input: SealInput): Promise<SealedBundle> {
    const hit = HitEvent.parse(input.hit);
    if (hit.cameraId !== input.camera.id) throw new Error(`hit is for camera ${hit.cameraId}, config is ${input.camera.id}`);
    if (input.frames.length === 0) throw new Error('seal: no frames');
    const bundleId = bundleIdFor(hit.hitId, hit.seq, hit.at);
    const known = await this.known(bundleId);
    if (known) return known;
    await this.diskGuard.check();

    const rendered = await renderBundle({ ...input, hit }, bundleId, {
      faceDetector: this.opts.faceDetector,
      faceMinScore: this.opts.faceMinScore,
      timeZone: this.opts.timeZone,
    });

    const record = await this.spool.withCameraLock(hit.cameraId, async () => {
      await this.spool.repairCamera(hit.cameraId);
      const again = await this.known(bundleId);
      if (again) return again;
      const head = await this.chainHead(hit.cameraId);
      const height = head ? head.height + 1 : 0;
      const prevBundleHash = head?.bundleHash ?? null;
      const sealedAt = Math.max(Date.now(), head ? head.sealedAt : 0);
      const sealed = sealBundle(rendered, { cameraId: hit.cameraId, height, prevBundleHash }, sealedAt, this.opts.keys);
      const r: SealedBundle = {
        bundleId,
        cameraId: hit.cameraId,
        height,
        manifestSha256: sealed.manifestSha256,
        prevBundleHash,
        storageKey: bundlePrefix(hit.cameraId, height, bundleId),
        bytes: sealed.bytes,
        spooled: true,
        sealedAt,
      };
      const newHead: ChainHeadT = { cameraId: hit.cameraId, height, bundleId, bundleHash: sealed.manifestSha256, sealedAt };
      const retainDays = this.opts.retentionDays ?? 180;
      await this.spool.commit(
        {
          record: r,
          hitId: hit.hitId,
          seq: hit.seq,
          retainUntil: retainDays > 0 ? sealedAt + retainDays * 86_400_000 : null,
          files: [...sealed.files.keys()],
          chainHead: signChainHead(newHead, this.opts.keys).toString('utf8'),
        },
        sealed.files,
      );
      return r;
    });
    this.emit('sealed', record);

    // Try to hand it to the store now, unless the store just failed: then the spool keeps it.
    if (!this.uploader.inBackoff) {
      const wait = new Promise((r) => setTimeout(r, this.opts.uploadWaitMs ?? 5000).unref());
      await Promise.race([this.uploader.drain().catch(() => {}), wait]);
    }
    return { ...record, spooled: await this.spool.isPending(record) };
  }

  /** A bundle already sealed for this id, here (spool index) or, if reachable, in the store. */
  private async known(bundleId: string): Promise<SealedBundle | null> {
    const local = await this.spool.readIndex(bundleId);
    if (local) return { ...local, spooled: await this.spool.isPending(local) };
    if (this.uploader.inBackoff) return null;
    try {
      const buf = await this.opts.store.get(indexKey(bundleId));
      if (!buf) return null;
      const r = JSON.parse(buf.toString('utf8')) as SealedBundle;
      await this.spool.writeIndex(r);
      return { ...r, spooled: false };
    } catch {
      return null; // store down: the local index is all we can check
    }
  }

  /**
   * The camera's chain head: the spool's copy (ahead of the store while bundles wait), else
   * the store's. Without either we cannot tell a new camera from an unreachable store, and
   * starting a second chain would fork it, so the caller must retry later.
   */
  private async chainHead(cameraId: string): Promise<ChainHeadT | null> {
    const local = await this.spool.readChainHead(cameraId);
    if (local) return local.head;
    let buf: Buffer | null;
    try {
      buf = await this.opts.store.get(chainHeadKey(cameraId));
    } catch (err) {
      throw new StoreUnavailableError(`chain state of camera ${cameraId} is unknown while the store is down; retry later`, { cause: err });
    }
    if (!buf) return null;
    const doc = parseChainHead(buf);
    if (!doc) throw new Error(`store holds an unreadable chain head for camera ${cameraId}`);
    await this.spool.writeChainHead(cameraId, buf);
    return ChainHead.parse(doc.head);
  }
}
