// Retention sweep: deletes bundles older than the retention period, except those the cases
// layer protects (open or confirmed cases). Before a bundle goes, a signed tombstone takes its
// place in the chain, so `verify` can tell retention from tampering.
import { z } from 'zod';
import type { Logger } from '../util/log.ts';
import { canonicalBytes } from './canonical-json.ts';
import type { KeyRing } from './keys.ts';
import { indexKey, MANIFEST, parseBundleKey, SIGNATURE, tombstoneKey } from './layout.ts';
import { BundleManifest } from './manifest.ts';
import { sha256Hex } from './hash.ts';
import type { EvidenceStore } from './store/types.ts';

export const Tombstone = z.object({
  format: z.literal('huiyan-tombstone/1'),
  cameraId: z.string(),
  height: z.number().int(),
  bundleId: z.string(),
  bundleHash: z.string(),
  prevBundleHash: z.string().nullable(),
  sealedAt: z.number(),
  deletedAt: z.number(),
  reason: z.string(),
});
export const SignedTombstone = z.object({ tombstone: Tombstone, signature: z.object({ alg: z.string(), keyId: z.string(), sig: z.string() }) });
export type SignedTombstoneT = z.infer<typeof SignedTombstone>;

export interface RetentionOptions {
  store: EvidenceStore;
  keys: KeyRing;
  retentionDays: number;
  /** True for a bundle of an open or confirmed case; such bundles are never deleted. */
  isProtected: (bundleId: string) => boolean | Promise<boolean>;
  now?: number;
  log?: Logger;
}

export interface RetentionResult {
  scanned: number;
  deleted: string[];
  protectedKept: string[];
}

/** Groups a store listing into bundle folders: prefix → file keys. */
export function groupBundles(keys: string[]): Map<string, string[]> {
  const out = new Map<string, string[]>();
  for (const k of keys) {
    const p = parseBundleKey(k);
    if (p) out.set(p.prefix, [...(out.get(p.prefix) ?? []), k]);
  }
  return out;
}

export async function sweepRetention(opts: RetentionOptions): Promise<RetentionResult> {
  const now = opts.now ?? Date.now();
  const cutoff = now - opts.retentionDays * 86_400_000;
  const result: RetentionResult = { scanned: 0, deleted: [], protectedKept: [] };
  for (const [prefix, files] of groupBundles(await opts.store.list('bundles/'))) {
    result.scanned++;
    const key = parseBundleKey(prefix + MANIFEST)!;
    const manifestBytes = await opts.store.get(prefix + MANIFEST);
    if (!manifestBytes) continue; // incomplete or tampered: leave it for verify to report
    const parsed = BundleManifest.safeParse(JSON.parse(manifestBytes.toString('utf8')));
    if (!parsed.success || parsed.data.sealedAt >= cutoff) continue;
    let keep: boolean;
    try {
      keep = await opts.isProtected(key.bundleId);
    } catch (err) {
      keep = true; // cannot tell: keeping evidence is the safe mistake
      opts.log?.warn('retention: protection check failed, bundle kept', { bundle: key.bundleId, err: String(err) });
    }
    if (keep) {
      result.protectedKept.push(key.bundleId);
      continue;
    }
    const m = parsed.data;
    const tombstone = {
      format: 'huiyan-tombstone/1' as const,
      cameraId: m.chain.cameraId,
      height: m.chain.height,
      bundleId: m.bundleId,
      bundleHash: sha256Hex(manifestBytes),
      prevBundleHash: m.chain.prevBundleHash,
      sealedAt: m.sealedAt,
      deletedAt: now,
      reason: `retention ${opts.retentionDays} days`,
    };
    const signed = { tombstone, signature: opts.keys.sign(canonicalBytes(tombstone)) };
    await opts.store.put(tombstoneKey(key.cameraId, key.height, key.bundleId), canonicalBytes(signed), { immutable: true, contentType: 'application/json' });
    // Manifest and signature first: what is left after a crash is visibly an unsealed remnant.
    const order = [prefix + MANIFEST, prefix + SIGNATURE, ...files.filter((f) => !f.endsWith(`/${MANIFEST}`) && !f.endsWith(`/${SIGNATURE}`))];
    for (const f of order) await opts.store.delete(f);
    await opts.store.delete(indexKey(key.bundleId));
    result.deleted.push(key.bundleId);
    opts.log?.info('retention: bundle deleted', { bundle: key.bundleId, camera: key.cameraId, sealedAt: m.sealedAt });
  }
  return result;
}

/** Runs sweepRetention one sweep at a time, keeping the last result for health (scheduled by src/dispatch/maintenance.ts). */
export class RetentionSweeper {
  private running: Promise<RetentionResult> | null = null;
  private last: { at: number; result: RetentionResult } | null = null;
  private lastError: string | undefined;

  constructor(private readonly opts: Omit<RetentionOptions, 'now'>) {}

  health(): { lastSweepAt?: number; lastDeleted?: number; lastKept?: number; lastError?: string } {
    return {
      lastSweepAt: this.last?.at,
      lastDeleted: this.last?.result.deleted.length,
      lastKept: this.last?.result.protectedKept.length,
      lastError: this.lastError,
    };
  }

  runOnce(): Promise<RetentionResult> {
    this.running ??= sweepRetention(this.opts)
      .then((result) => {
        this.last = { at: Date.now(), result };
        this.lastError = undefined;
        return result;
      })
      .catch((err) => {
        this.lastError = String(err);
        this.opts.log?.warn('retention sweep failed', { err: this.lastError });
        throw err;
      })
      .finally(() => {
        this.running = null;
      });
    return this.running;
  }
}
