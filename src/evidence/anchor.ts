// Signed anchors: every so often, the heads of all camera chains are put in a Merkle tree and
// its root signed. An anchor copied to an outside party (a timestamp service, the bureau's
// ledger) fixes the state of every chain at that moment: deleting or rewriting anchored
// bundles later is detectable even by someone who also rewrote the store's chain heads.
import { mkdir, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../util/log.ts';
import { canonicalBytes } from './canonical-json.ts';
import { parseChainHead, verifyChainHead } from './chain.ts';
import { sha256Hex } from './hash.ts';
import type { KeyRing } from './keys.ts';
import { anchorKey } from './layout.ts';
import { merkleRoot } from './merkle.ts';
import type { EvidenceStore } from './store/types.ts';

export const ANCHOR_FORMAT = 'huiyan-anchor/1';

export const AnchorHead = z.object({ cameraId: z.string(), height: z.number().int(), bundleId: z.string(), bundleHash: z.string() });
export const Anchor = z.object({
  format: z.literal(ANCHOR_FORMAT),
  createdAt: z.number(),
  heads: z.array(AnchorHead),
  merkleRoot: z.string(),
  prevAnchorHash: z.string().nullable(),
});
export const SignedAnchor = z.object({ anchor: Anchor, signature: z.object({ alg: z.string(), keyId: z.string(), sig: z.string() }) });
export type AnchorT = z.infer<typeof Anchor>;
export type SignedAnchorT = z.infer<typeof SignedAnchor>;

export const anchorLeaf = (h: z.infer<typeof AnchorHead>): Buffer => canonicalBytes(h);

/** Builds, signs and stores an anchor over the store's current chain heads. */
export async function createAnchor(store: EvidenceStore, keys: KeyRing, now = Date.now()): Promise<SignedAnchorT> {
  const heads: AnchorT['heads'] = [];
  for (const key of await store.list('chains/')) {
    const doc = parseChainHead((await store.get(key)) ?? Buffer.alloc(0));
    // A head we cannot trust is not anchored; verify reports it separately.
    if (!doc || verifyChainHead(doc, keys) !== 'ok') continue;
    const { cameraId, height, bundleId, bundleHash } = doc.head;
    heads.push({ cameraId, height, bundleId, bundleHash });
  }
  heads.sort((a, b) => (a.cameraId < b.cameraId ? -1 : a.cameraId > b.cameraId ? 1 : 0));
  const previous = (await store.list('anchors/')).at(-1);
  const prevBuf = previous ? await store.get(previous) : null;
  const anchor: AnchorT = {
    format: ANCHOR_FORMAT,
    createdAt: now,
    heads,
    merkleRoot: merkleRoot(heads.map(anchorLeaf)),
    prevAnchorHash: prevBuf ? sha256Hex(prevBuf) : null,
  };
  const signed: SignedAnchorT = { anchor, signature: keys.sign(canonicalBytes(anchor)) };
  const bytes = canonicalBytes(signed);
  await store.put(anchorKey(now, sha256Hex(bytes)), bytes, { immutable: true, contentType: 'application/json' });
  return signed;
}

/** 'ok' or what is wrong with a stored anchor (signature, root). */
export function checkAnchor(doc: SignedAnchorT, keys: KeyRing): string | null {
  const sig = keys.verify(canonicalBytes(doc.anchor), doc.signature);
  if (sig !== 'ok') return sig === 'unknown-key' ? `signed by unknown key ${doc.signature.keyId}` : 'signature does not match';
  if (merkleRoot(doc.anchor.heads.map(anchorLeaf)) !== doc.anchor.merkleRoot) return 'Merkle root does not match its heads';
  return null;
}

/** Writes anchors on a timer and, when `exportDir` is set, copies each one there for pickup. */
export class AnchorScheduler {
  private timer: NodeJS.Timeout | null = null;
  private last: { at: number; merkleRoot: string } | null = null;
  private lastError: string | undefined;

  constructor(
    private readonly store: EvidenceStore,
    private readonly keys: KeyRing,
    private readonly log: Logger,
    private readonly opts: { intervalMs: number; exportDir?: string },
  ) {}

  start(): void {
    if (this.timer) return;
    this.timer = setInterval(() => void this.runOnce().catch(() => {}), this.opts.intervalMs);
    this.timer.unref();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    this.timer = null;
  }

  health(): { running: boolean; lastAnchorAt?: number; merkleRoot?: string; lastError?: string } {
    return { running: this.timer !== null, lastAnchorAt: this.last?.at, merkleRoot: this.last?.merkleRoot, lastError: this.lastError };
  }

  async runOnce(): Promise<SignedAnchorT> {
    try {
      const doc = await createAnchor(this.store, this.keys);
      this.last = { at: doc.anchor.createdAt, merkleRoot: doc.anchor.merkleRoot };
      this.lastError = undefined;
      if (this.opts.exportDir) await exportAnchor(doc, this.opts.exportDir);
      this.log.info('evidence anchor written', { merkleRoot: doc.anchor.merkleRoot, cameras: doc.anchor.heads.length });
      return doc;
    } catch (err) {
      this.lastError = String(err);
      this.log.warn('evidence anchor failed', { err: this.lastError });
      throw err;
    }
  }
}

export async function exportAnchor(doc: SignedAnchorT, dir: string): Promise<string> {
  await mkdir(dir, { recursive: true });
  const file = path.join(dir, path.basename(anchorKey(doc.anchor.createdAt, sha256Hex(canonicalBytes(doc)))));
  await writeFile(`${file}.tmp`, JSON.stringify(doc, null, 2) + '\n');
  await rename(`${file}.tmp`, file);
  return file;
}
