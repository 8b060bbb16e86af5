// The read side of sealed evidence (the API, the case worker's documents): files come from the
// signed manifest, reads from the store, verification from verifyBundle (hashes, signature,
// placement). It holds public keys only; the private signing key stays with the sealer.
import { createHash } from 'node:crypto';
import { KeyRing } from './keys.ts';
import { MANIFEST, SIGNATURE } from './layout.ts';
import { BundleManifest, SignatureFile, type BundleManifestT } from './manifest.ts';
import type { EvidenceStore } from './store/types.ts';
import { Spool } from './spool.ts';
import { findBundle, verifyBundle } from './verify.ts';

export interface EvidenceFile {
  name: string;
  sha256: string;
  bytes: number;
  /** original | annotated | redacted | clip | manifest | signature | other (with `:<role>` for frames) */
  kind: string;
  contentType: string;
}

export interface VerifyView {
  ok: boolean;
  problems: string[];
  /** Sealed, but still in the evidence spool waiting for its upload to the store (not a fault yet). */
  uploading?: boolean;
}

/** What readers of sealed evidence need; StoreEvidence is the one implementation. */
export interface EvidenceReader {
  /** The bundle's files as its signed manifest lists them; null when the store lacks the bundle. */
  files(bundleId: string): Promise<EvidenceFile[] | null>;
  /** One file's bytes, re-hashed against the manifest (EvidenceAltered on a mismatch). */
  read(bundleId: string, name: string): Promise<Buffer | null>;
  verify(bundleId: string): Promise<VerifyView>;
  /** Whether a bundle the store lacks is still queued for upload on this machine's spool. */
  uploading(bundleId: string): Promise<boolean>;
}

/** Stored evidence no longer matches its sealed hash or signature: never served (HTTP 409). */
export class EvidenceAltered extends Error {
  readonly statusCode = 409;
}

const TYPES: Record<string, string> = { jpg: 'image/jpeg', jpeg: 'image/jpeg', png: 'image/png', mp4: 'video/mp4', json: 'application/json' };
const typeOf = (name: string) => TYPES[name.split('.').pop()?.toLowerCase() ?? ''] ?? 'application/octet-stream';

function kindOf(m: BundleManifestT, name: string): string {
  if (name === MANIFEST) return 'manifest';
  if (name === SIGNATURE) return 'signature';
  if (m.clip?.file === name) return 'clip';
  for (const f of m.frames) {
    if (f.original === name) return `original:${f.role}`;
    if (f.annotated === name) return `annotated:${f.role}`;
    if (f.redacted === name) return `redacted:${f.role}`;
  }
  return 'other';
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');
function safeJson(b: Buffer): unknown {
  try {
    return JSON.parse(b.toString('utf8'));
  } catch {
    return null;
  }
}

export class StoreEvidence implements EvidenceReader {
  /** bundleId → store prefix; bundles never move once sealed. */
  private readonly prefixes = new Map<string, string>();

  constructor(
    private readonly store: EvidenceStore,
    private keys: KeyRing,
    /** Re-reads the public keys when a signature names a key not yet known (rotated since). */
    private readonly reloadKeys?: () => Promise<KeyRing>,
    /** The evidence spool on this machine (read only): tells "still uploading" from "missing". */
    private readonly spool?: Spool,
  ) {}

  /**
   * The API holds public keys only: `KeyRing.loadPublic(dir)`, reloaded on an unknown key id.
   * `spoolDir`: the evidence workers' spool (HUIYAN_EVIDENCE_SPOOL) where it is on this machine.
   */
  static async fromKeyDir(store: EvidenceStore, keysDir: string, spoolDir?: string): Promise<StoreEvidence> {
    return new StoreEvidence(store, await KeyRing.loadPublic(keysDir), () => KeyRing.loadPublic(keysDir), spoolDir ? new Spool(spoolDir) : undefined);
  }

  async uploading(bundleId: string): Promise<boolean> {
    return (await this.spool?.whereIs(bundleId)) === 'pending';
  }

  private async verifySig(bytes: Buffer, sig: { alg?: string; keyId: string; sig: string }): Promise<'ok' | 'bad' | 'unknown-key'> {
    const v = this.keys.verify(bytes, sig);
    if (v !== 'unknown-key' || !this.reloadKeys) return v;
    this.keys = await this.reloadKeys();
    return this.keys.verify(bytes, sig);
  }

  private async prefixOf(bundleId: string): Promise<string | null> {
    const known = this.prefixes.get(bundleId);
    if (known) return known;
    const p = await findBundle(this.store, bundleId);
    if (p) this.prefixes.set(bundleId, p);
    return p;
  }

  /** The manifest, only while its signature still holds (else EvidenceAltered). */
  private async manifest(prefix: string): Promise<{ m: BundleManifestT; bytes: Buffer } | null> {
    const bytes = await this.store.get(prefix + MANIFEST);
    if (!bytes) return null;
    const sigBytes = await this.store.get(prefix + SIGNATURE);
    const sig = sigBytes ? SignatureFile.safeParse(safeJson(sigBytes)) : null;
    if (!sig?.success || sig.data.manifestSha256 !== sha256(bytes) || (await this.verifySig(bytes, sig.data)) !== 'ok') {
      throw new EvidenceAltered(`the manifest of ${prefix} no longer matches its signature`);
    }
    const parsed = BundleManifest.safeParse(safeJson(bytes));
    if (!parsed.success) throw new EvidenceAltered(`the manifest of ${prefix} does not parse`);
    return { m: parsed.data, bytes };
  }

  async files(bundleId: string): Promise<EvidenceFile[] | null> {
    const prefix = await this.prefixOf(bundleId);
    const man = prefix ? await this.manifest(prefix) : null;
    if (!man) return null;
    const files = Object.entries(man.m.files).map(([name, f]) => ({
      name,
      sha256: f.sha256,
      bytes: f.bytes,
      kind: kindOf(man.m, name),
      contentType: typeOf(name),
    }));
    return [...files, { name: MANIFEST, sha256: createHash('sha256').update(man.bytes).digest('hex'), bytes: man.bytes.length, kind: 'manifest', contentType: 'application/json' }];
  }

  /** Only files the manifest names (or the manifest itself) can be read: no path games. */
  async read(bundleId: string, name: string): Promise<Buffer | null> {
    const prefix = await this.prefixOf(bundleId);
    const man = prefix ? await this.manifest(prefix) : null;
    if (!prefix || !man) return null;
    if (name === MANIFEST) return man.bytes;
    const sealed = man.m.files[name];
    if (!sealed) return null;
    const data = await this.store.get(prefix + name);
    if (!data) return null;
    // Never serve bytes under a hash they no longer have.
    const got = sha256(data);
    if (got !== sealed.sha256) throw new EvidenceAltered(`${name}: sha256 ${got.slice(0, 16)}… ≠ sealed ${sealed.sha256.slice(0, 16)}…`);
    return data;
  }

  async verify(bundleId: string): Promise<VerifyView> {
    const prefix = await this.prefixOf(bundleId);
    if (!prefix) {
      const at = await this.spool?.whereIs(bundleId);
      if (at === 'pending') return { ok: false, uploading: true, problems: [`bundle ${bundleId} is sealed in the evidence spool and waiting for its upload to the store`] };
      if (at === 'failed') return { ok: false, problems: [`bundle ${bundleId} was refused by the store; it is kept in the evidence spool's failed folder`] };
      return { ok: false, problems: [`bundle ${bundleId} not found in the store`] };
    }
    let r = await verifyBundle(this.store, this.keys, prefix);
    // A key made after this process loaded its keyring (a new site, a rotation): reload once.
    if (r.problems.some((p) => p.kind === 'unknown-key') && this.reloadKeys) {
      this.keys = await this.reloadKeys();
      r = await verifyBundle(this.store, this.keys, prefix);
    }
    return { ok: r.problems.length === 0, problems: r.problems.map((p) => `${p.kind}: ${p.detail}`) };
  }
}
