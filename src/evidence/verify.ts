// Verifies what is in the store: each bundle's files against its manifest, the manifest's
// signature, each camera's hash chain (no bundle missing, none out of order, head matching),
// tombstones left by retention, and anchors. Returns every problem found, each naming the
// bundle and what broke; an empty list means everything checked is intact.
import { canonicalBytes } from './canonical-json.ts';
import { parseChainHead, verifyChainHead } from './chain.ts';
import { SignedAnchor, checkAnchor } from './anchor.ts';
import { sha256Hex } from './hash.ts';
import type { KeyRing } from './keys.ts';
import { chainHeadKey, indexKey, MANIFEST, parseBundleKey, SIGNATURE } from './layout.ts';
import { BundleManifest, SignatureFile, type BundleManifestT } from './manifest.ts';
import { SignedTombstone, groupBundles } from './retention.ts';
import type { SignedAnchorT } from './anchor.ts';
import type { EvidenceStore } from './store/types.ts';

export type ProblemKind =
  | 'manifest-missing'
  | 'manifest-unreadable'
  | 'signature-missing'
  | 'signature-invalid'
  | 'unknown-key'
  | 'file-missing'
  | 'file-altered'
  | 'extra-file'
  | 'reordered'
  | 'bundle-deleted'
  | 'chain-broken'
  | 'chain-fork'
  | 'head-missing'
  | 'head-invalid'
  | 'head-mismatch'
  | 'tombstone-invalid'
  | 'anchor-invalid'
  | 'anchor-mismatch'
  | 'audit-broken'
  | 'audit-mismatch'
  | 'not-found';

export interface Problem {
  kind: ProblemKind;
  cameraId?: string;
  bundleId?: string;
  /** Store key of the bundle folder or object concerned. */
  key?: string;
  detail: string;
}

export interface VerifyReport {
  /** `verify all` only: the audit log's chain as checked (entries, head). */
  audit?: { checked: boolean; entries?: number; headHash?: string };
  ok: boolean;
  cameras: number;
  bundles: number;
  tombstones: number;
  anchors: number;
  problems: Problem[];
}

interface BundleCheck {
  problems: Problem[];
  manifest: BundleManifestT | null;
  hash: string | null;
}

/** Checks one bundle folder (bundles/<camera>/<height>-<id>/) on its own. */
export async function verifyBundle(store: EvidenceStore, keys: KeyRing, prefix: string, listing?: string[]): Promise<BundleCheck> {
  const loc = parseBundleKey(prefix + MANIFEST);
  const base = { cameraId: loc?.cameraId, bundleId: loc?.bundleId, key: prefix };
  const problems: Problem[] = [];
  const files = listing ?? (await store.list(prefix));
  const manifestBytes = await store.get(prefix + MANIFEST);
  if (!manifestBytes) return { problems: [{ ...base, kind: 'manifest-missing', detail: 'manifest.json is missing' }], manifest: null, hash: null };
  const hash = sha256Hex(manifestBytes);
  const sigBytes = await store.get(prefix + SIGNATURE);
  if (!sigBytes) problems.push({ ...base, kind: 'signature-missing', detail: 'signature.json is missing' });
  else {
    const sig = SignatureFile.safeParse(safeJson(sigBytes));
    if (!sig.success) problems.push({ ...base, kind: 'signature-invalid', detail: 'signature.json is unreadable' });
    else {
      const v = keys.verify(manifestBytes, sig.data);
      if (v === 'unknown-key') problems.push({ ...base, kind: 'unknown-key', detail: `signed by key ${sig.data.keyId}, which is not in the keyring` });
      else if (v === 'bad' || sig.data.manifestSha256 !== hash) {
        problems.push({ ...base, kind: 'signature-invalid', detail: `signature by ${sig.data.keyId} does not match manifest.json (manifest altered or signature forged)` });
      }
    }
  }
  const parsed = BundleManifest.safeParse(safeJson(manifestBytes));
  if (!parsed.success) {
    problems.push({ ...base, kind: 'manifest-unreadable', detail: `manifest.json does not parse: ${parsed.error.issues[0]?.message}` });
    return { problems, manifest: null, hash };
  }
  const m = parsed.data;
  for (const [name, want] of Object.entries(m.files)) {
    const buf = await store.get(prefix + name);
    if (!buf) problems.push({ ...base, kind: 'file-missing', detail: `${name} is missing` });
    else if (buf.length !== want.bytes || sha256Hex(buf) !== want.sha256) {
      problems.push({ ...base, kind: 'file-altered', detail: `${name}: sha256 ${sha256Hex(buf).slice(0, 16)}… ≠ manifest ${want.sha256.slice(0, 16)}…` });
    }
  }
  for (const f of files) {
    const name = f.slice(prefix.length);
    if (name !== MANIFEST && name !== SIGNATURE && !(name in m.files)) {
      problems.push({ ...base, kind: 'extra-file', detail: `${name} is not listed in the manifest` });
    }
  }
  if (loc && (loc.bundleId !== m.bundleId || loc.cameraId !== m.chain.cameraId || loc.height !== m.chain.height)) {
    problems.push({
      ...base,
      bundleId: m.bundleId,
      kind: 'reordered',
      detail: `stored as ${loc.cameraId} #${loc.height} ${loc.bundleId} but the manifest says ${m.chain.cameraId} #${m.chain.height} ${m.bundleId}`,
    });
  }
  return { problems, manifest: m, hash };
}

interface ChainEntry {
  hash: string;
  prev: string | null;
  bundleId: string;
  key: string;
}

/** Checks every bundle of a camera and the chain they form. */
export async function verifyCamera(store: EvidenceStore, keys: KeyRing, cameraId: string): Promise<VerifyReport> {
  const report: VerifyReport = { ok: true, cameras: 1, bundles: 0, tombstones: 0, anchors: 0, problems: [] };
  const chain = new Map<number, ChainEntry>();
  const add = (height: number, e: ChainEntry) => {
    const had = chain.get(height);
    if (had && had.hash !== e.hash) {
      report.problems.push({ kind: 'chain-fork', cameraId, bundleId: e.bundleId, key: e.key, detail: `two bundles claim height ${height}: ${had.bundleId} and ${e.bundleId}` });
    } else chain.set(height, e);
  };
  for (const key of await store.list(`tombstones/${cameraId}/`)) {
    const doc = SignedTombstone.safeParse(safeJson((await store.get(key)) ?? Buffer.alloc(0)));
    if (!doc.success || keys.verify(canonicalBytes(doc.data.tombstone), doc.data.signature) !== 'ok') {
      report.problems.push({ kind: 'tombstone-invalid', cameraId, key, detail: 'tombstone is unreadable or its signature does not verify' });
      continue;
    }
    const t = doc.data.tombstone;
    report.tombstones++;
    add(t.height, { hash: t.bundleHash, prev: t.prevBundleHash, bundleId: t.bundleId, key });
  }
  const tombstoned = new Set([...chain.values()].map((e) => e.bundleId));
  for (const [prefix, files] of groupBundles(await store.list(`bundles/${cameraId}/`))) {
    const loc = parseBundleKey(prefix + MANIFEST)!;
    if (tombstoned.has(loc.bundleId)) continue; // remnant of a retention delete cut short
    report.bundles++;
    const r = await verifyBundle(store, keys, prefix, files);
    report.problems.push(...r.problems);
    if (r.manifest && r.hash) {
      add(r.manifest.chain.height, { hash: r.hash, prev: r.manifest.chain.prevBundleHash, bundleId: r.manifest.bundleId, key: prefix });
    }
  }
  const headBytes = await store.get(chainHeadKey(cameraId));
  const headDoc = headBytes ? parseChainHead(headBytes) : null;
  let top = chain.size ? Math.max(...chain.keys()) : -1;
  if (!headBytes) {
    if (chain.size) report.problems.push({ kind: 'head-missing', cameraId, key: chainHeadKey(cameraId), detail: 'the camera has bundles but no chain head' });
  } else if (!headDoc || verifyChainHead(headDoc, keys) !== 'ok') {
    report.problems.push({ kind: 'head-invalid', cameraId, key: chainHeadKey(cameraId), detail: 'chain head is unreadable or its signature does not verify' });
  } else {
    const h = headDoc.head;
    top = Math.max(top, h.height);
    const at = chain.get(h.height);
    if (at && at.hash !== h.bundleHash) {
      report.problems.push({ kind: 'head-mismatch', cameraId, bundleId: at.bundleId, key: at.key, detail: `chain head says #${h.height} is ${h.bundleId} (${h.bundleHash.slice(0, 12)}…) but the store holds ${at.bundleId}` });
    }
  }
  for (let h = 0; h <= top; h++) {
    const e = chain.get(h);
    const next = chain.get(h + 1);
    if (!e) {
      const who = next ? `, referenced by ${next.bundleId}` : headDoc?.head.height === h ? ` (${headDoc.head.bundleId}, the chain head)` : '';
      report.problems.push({ kind: 'bundle-deleted', cameraId, detail: `bundle #${h}${who} is missing from the chain` });
      continue;
    }
    const prev = chain.get(h - 1);
    if (h === 0 && e.prev !== null) {
      report.problems.push({ kind: 'chain-broken', cameraId, bundleId: e.bundleId, key: e.key, detail: 'first bundle of the chain points to a previous bundle' });
    } else if (prev && e.prev !== prev.hash) {
      report.problems.push({ kind: 'chain-broken', cameraId, bundleId: e.bundleId, key: e.key, detail: `prevBundleHash ${e.prev?.slice(0, 12)}… does not match #${h - 1} ${prev.bundleId} (${prev.hash.slice(0, 12)}…)` });
    }
  }
  report.ok = report.problems.length === 0;
  return report;
}

/** Every camera found in the store, plus every anchor. */
/**
 * Everything in the store, plus anchors kept outside it (`external`: exported copies; an
 * anchored head whose camera has vanished from the store entirely is reported too).
 */
export async function verifyAll(store: EvidenceStore, keys: KeyRing, external: { key: string; doc: SignedAnchorT | null }[] = []): Promise<VerifyReport> {
  const cameras = new Set<string>();
  for (const k of await store.list('chains/')) cameras.add(k.slice('chains/'.length, -'.json'.length));
  for (const k of await store.list('bundles/')) cameras.add(k.split('/')[1]);
  for (const k of await store.list('tombstones/')) cameras.add(k.split('/')[1]);
  const total: VerifyReport = { ok: true, cameras: 0, bundles: 0, tombstones: 0, anchors: 0, problems: [] };
  const chains = new Map<string, Map<number, string>>();
  for (const cam of [...cameras].sort()) {
    const r = await verifyCamera(store, keys, cam);
    total.cameras++;
    total.bundles += r.bundles;
    total.tombstones += r.tombstones;
    total.problems.push(...r.problems);
    chains.set(cam, await chainHashes(store, cam));
  }
  const anchors: { key: string; doc: SignedAnchorT | null }[] = [];
  for (const key of await store.list('anchors/')) {
    const doc = SignedAnchor.safeParse(safeJson((await store.get(key)) ?? Buffer.alloc(0)));
    anchors.push({ key, doc: doc.success ? doc.data : null });
  }
  for (const { key, doc } of [...anchors, ...external]) {
    total.anchors++;
    const bad = doc ? checkAnchor(doc, keys) : 'unreadable';
    if (bad || !doc) {
      total.problems.push({ kind: 'anchor-invalid', key, detail: `anchor ${bad}` });
      continue;
    }
    for (const h of doc.anchor.heads) if (!chains.has(h.cameraId)) chains.set(h.cameraId, await chainHashes(store, h.cameraId));
    total.problems.push(...checkAnchoredHeads(doc.anchor.heads, chains, key));
  }
  total.ok = total.problems.length === 0;
  return total;
}

/** An anchored head must still be in its chain with the same hash (or covered by a tombstone). */
export function checkAnchoredHeads(
  heads: Array<{ cameraId: string; height: number; bundleId: string; bundleHash: string }>,
  chains: Map<string, Map<number, string>>,
  key: string,
): Problem[] {
  const out: Problem[] = [];
  for (const h of heads) {
    const got = chains.get(h.cameraId)?.get(h.height);
    if (got !== h.bundleHash) {
      out.push({ kind: 'anchor-mismatch', cameraId: h.cameraId, bundleId: h.bundleId, key, detail: `anchor fixed #${h.height} ${h.bundleId} as ${h.bundleHash.slice(0, 12)}…, the store has ${got ? got.slice(0, 12) + '…' : 'nothing'}` });
    }
  }
  return out;
}

/** height → hash of every bundle (or tombstone) of a camera, as stored now. */
async function chainHashes(store: EvidenceStore, cameraId: string): Promise<Map<number, string>> {
  const out = new Map<number, string>();
  for (const key of await store.list(`tombstones/${cameraId}/`)) {
    const doc = SignedTombstone.safeParse(safeJson((await store.get(key)) ?? Buffer.alloc(0)));
    if (doc.success) out.set(doc.data.tombstone.height, doc.data.tombstone.bundleHash);
  }
  for (const prefix of groupBundles(await store.list(`bundles/${cameraId}/`)).keys()) {
    const m = await store.get(prefix + MANIFEST);
    const p = m ? BundleManifest.safeParse(safeJson(m)) : null;
    if (m && p?.success && !out.has(p.data.chain.height)) out.set(p.data.chain.height, sha256Hex(m));
  }
  return out;
}

/** Finds a bundle folder by bundle id (index first, then a listing). */
export async function findBundle(store: EvidenceStore, bundleId: string): Promise<string | null> {
  const idx = await store.get(indexKey(bundleId));
  if (idx) {
    const key = (safeJson(idx) as { storageKey?: string } | null)?.storageKey;
    if (key && (await store.exists(key + MANIFEST))) return key;
  }
  for (const k of await store.list('bundles/')) {
    const p = parseBundleKey(k);
    if (p && p.bundleId === bundleId) return p.prefix;
  }
  return null;
}

function safeJson(buf: Buffer): unknown {
  try {
    return JSON.parse(buf.toString('utf8'));
  } catch {
    return null;
  }
}
