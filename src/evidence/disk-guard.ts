// Stops new evidence before the disk fills. Sealed evidence is never deleted to make room:
// the guard only refuses new bundles and raises an alert until space comes back.
import { EventEmitter } from 'node:events';
import { statfs } from 'node:fs/promises';
import type { Logger } from '../util/log.ts';

export interface DiskGuardOptions {
  /** Folders whose file systems are watched (spool, filesystem store). */
  paths: string[];
  /**
   * Refuse when fewer bytes than this are free. Default: 2 GiB, but never more than 10% of the
   * volume (a fixed 2 GiB refused everything on a 20 MiB volume). HUIYAN_EVIDENCE_MIN_FREE_MB.
   */
  minFreeBytes?: number;
  /** Refuse when less than this fraction of the file system is free. Default 0.05. HUIYAN_EVIDENCE_MIN_FREE_PERCENT. */
  minFreeFraction?: number;
}

export interface DiskStatus {
  path: string;
  freeBytes: number;
  totalBytes: number;
  ok: boolean;
}

export class DiskFullError extends Error {
  constructor(readonly status: DiskStatus) {
    super(`evidence refused: ${status.path} has ${(status.freeBytes / 2 ** 20).toFixed(0)} MiB free of ${(status.totalBytes / 2 ** 20).toFixed(0)} MiB`);
    this.name = 'DiskFullError';
  }
}

/** Emits 'alert' (DiskStatus) when a watched disk goes low and 'recovered' when it is fine again. */
export class DiskGuard extends EventEmitter {
  private low = false;
  private readonly minFreeFraction: number;

  constructor(private readonly opts: DiskGuardOptions, private readonly log: Logger) {
    super();
    this.minFreeFraction = opts.minFreeFraction ?? 0.05;
  }

  /** Bytes that must stay free on a volume of `totalBytes` (see DiskGuardOptions.minFreeBytes). */
  minFreeFor(totalBytes: number): number {
    return this.opts.minFreeBytes ?? Math.min(2 * 2 ** 30, Math.floor(totalBytes * 0.1));
  }

  async status(): Promise<DiskStatus[]> {
    return Promise.all(
      this.opts.paths.map(async (p) => {
        const s = await statfs(p);
        const freeBytes = s.bavail * s.bsize;
        const totalBytes = s.blocks * s.bsize;
        const ok = freeBytes >= this.minFreeFor(totalBytes) && freeBytes >= totalBytes * this.minFreeFraction;
        return { path: p, freeBytes, totalBytes, ok };
      }),
    );
  }

  /** Throws DiskFullError (after alerting once per episode) when any watched disk is low. */
  async check(): Promise<void> {
    const bad = (await this.status()).find((s) => !s.ok);
    if (bad && !this.low) {
      this.low = true;
      this.log.error('evidence disk low: refusing new evidence', { path: bad.path, freeBytes: bad.freeBytes, totalBytes: bad.totalBytes });
      this.emit('alert', bad);
    } else if (!bad && this.low) {
      this.low = false;
      this.log.info('evidence disk recovered');
      this.emit('recovered');
    }
    if (bad) throw new DiskFullError(bad);
  }

  get isLow(): boolean {
    return this.low;
  }
}
