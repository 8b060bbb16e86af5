// Signed anchors: every so often, the heads of all camera chains are put in a Merkle tree and
// its root signed. An anchor copied to an outside party (a timestamp service, the bureau's
// ledger) fixes the state of every chain at that moment: deleting or rewriting anchored
// bundles later is detectable even by someone who also rewrote the store's chain heads.
import { mkdir, readdir, readFile, rename, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { z } from 'zod';
import type { Logger } from '../util/log.ts';
import { canonicalBytes } from './canonical-json.ts';
import { parseChainHead, verifyChainHead } from './chain.ts';
import { sha256Hex } from './hash.ts';
import { KeyRing } from './keys.ts';
import { anchorKey } from './layout.ts';
import { merkleRoot } from './merkle.ts';
import type { EvidenceStore } from './store/types.ts';

export const ANCHOR_FORMAT = 'huiyan-anchor/1';

export const AnchorHead = z.object({ cameraId: z.string(), height: z.number().int(), bundleId: z.string(), bundleHash: z.string() });
/** The head of the cases stage's hash-chained audit log when the anchor was made. */
export const AuditHead = z.object({ entries: z.number().int().min(0), headHash: z.string() });
export const Anchor = z.object({
  format: z.literal(ANCHOR_FORMAT),
  createdAt: z.number(),
  heads: z.array(AnchorHead),
  /** Signed with the anchor, so rows deleted or rewritten later (even with the chain recomputed) show. */
  audit: AuditHead.optional(),
  merkleRoot: z.string(),
  prevAnchorHash: z.string().nullable(),
});
export const SignedAnchor = z.object({ anchor: Anchor, signature: z.object({ alg: z.string(), keyId: z.string(), sig: z.string() }) });
export type AnchorT = z.infer<typeof Anchor>;
export type AuditHeadT = z.infer<typeof AuditHead>;
export type SignedAnchorT = z.infer<typeof SignedAnchor>;

export const anchorLeaf = (h: z.infer<typeof AnchorHead>): Buffer => canonicalBytes(h);

/** Builds, signs and stores an anchor over the store's current chain heads. */
export async function createAnchor(store: EvidenceStore, keys: KeyRing, now = Date.now(), audit?: AuditHeadT): Promise<SignedAnchorT> {
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
    ...(audit ? { audit } : {}),
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

export interface AnchorExport {
  /** A folder outside the store (another disk, a mounted share) that gets a copy of each anchor. */
  exportDir?: string;
  /** POSTed the signed anchor as JSON (redirects not followed), e.g. the bureau's ledger. */
  webhookUrl?: string;
  /** The audit log's head at anchoring time (the cases stage's verifyAuditChain). */
  auditHead?: () => Promise<AuditHeadT>;
}

/**
 * Writes an anchor and copies it to the configured places outside the store, so deleting
 * bundles, chain heads, index and the store's own anchors together still shows. When it runs is
 * the site's maintenance schedule (src/dispatch/maintenance.ts, BullMQ job schedulers).
 */
export class AnchorWriter {
  private last: { at: number; merkleRoot: string } | null = null;
  private lastError: string | undefined;

  constructor(
    private readonly store: EvidenceStore,
    private readonly keys: KeyRing,
    private readonly log: Logger,
    private readonly opts: AnchorExport = {},
  ) {}

  health(): { lastAnchorAt?: number; merkleRoot?: string; lastError?: string } {
    return { lastAnchorAt: this.last?.at, merkleRoot: this.last?.merkleRoot, lastError: this.lastError };
  }

  async runOnce(): Promise<SignedAnchorT> {
    try {
      const doc = await createAnchor(this.store, this.keys, Date.now(), await this.opts.auditHead?.());
      this.last = { at: doc.anchor.createdAt, merkleRoot: doc.anchor.merkleRoot };
      this.lastError = undefined;
      if (this.opts.exportDir) await exportAnchor(doc, this.opts.exportDir);
      if (this.opts.webhookUrl) await postAnchor(doc, this.opts.webhookUrl);
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
  await writeFile(`${file}.tmp`, JSON.stringify(doc, null, 2) + '\n', { mode: 0o640 });
  await rename(`${file}.tmp`, file);
  return file;
}

/** POSTs the signed anchor (it carries its own Ed25519 signature); 2xx or it throws. */
export async function postAnchor(doc: SignedAnchorT, url: string, timeoutMs = 10_000): Promise<void> {
  const res = await fetch(url, {
    method: 'POST',
    body: JSON.stringify(doc),
    headers: { 'content-type': 'application/json' },
    redirect: 'manual',
    signal: AbortSignal.timeout(timeoutMs),
  });
  await res.arrayBuffer().catch(() => undefined);
  if (!res.ok) throw new Error(`anchor webhook ${new URL(url).host} answered ${res.status}`);
}

/** Signed anchors exported to a folder (newest last); unreadable files come back as null docs. */
export async function readExportedAnchors(dir: string): Promise<{ file: string; doc: SignedAnchorT | null }[]> {
  const names = (await readdir(dir).catch(() => [] as string[])).filter((n) => n.endsWith('.json')).sort();
  const out: { file: string; doc: SignedAnchorT | null }[] = [];
  for (const n of names) {
    const file = path.join(dir, n);
    let doc: SignedAnchorT | null = null;
    try {
      const r = SignedAnchor.safeParse(JSON.parse(await readFile(file, 'utf8')));
      doc = r.success ? r.data : null;
    } catch {
      doc = null;
    }
    out.push({ file, doc });
  }
  return out;
}

