// EvidencePort over the evidence stage's store: files come from the signed manifest, reads
// from the store, verification from its verifyBundle (hashes, signature, placement).
import { createHash } from 'node:crypto';
import type { KeyRing } from '../../evidence/keys.ts';
import { MANIFEST, SIGNATURE } from '../../evidence/layout.ts';
import { BundleManifest, type BundleManifestT } from '../../evidence/manifest.ts';
import type { EvidenceStore } from '../../evidence/store/types.ts';
import { findBundle, verifyBundle } from '../../evidence/verify.ts';
import type { EvidenceFile, EvidencePort, VerifyView } from '../ports.ts';

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

export class StoreEvidence implements EvidencePort {
  /** bundleId → store prefix; bundles never move once sealed. */
  private readonly prefixes = new Map<string, string>();

  constructor(
    private readonly store: EvidenceStore,
    private readonly keys: KeyRing,
  ) {}

  private async prefixOf(bundleId: string): Promise<string | null> {
    const known = this.prefixes.get(bundleId);
    if (known) return known;
    const p = await findBundle(this.store, bundleId);
    if (p) this.prefixes.set(bundleId, p);
    return p;
  }

  private async manifest(prefix: string): Promise<{ m: BundleManifestT; bytes: Buffer } | null> {
    const bytes = await this.store.get(prefix + MANIFEST);
    if (!bytes) return null;
    const parsed = BundleManifest.safeParse(JSON.parse(bytes.toString('utf8')));
    return parsed.success ? { m: parsed.data, bytes } : null;
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
    if (!(name in man.m.files)) return null;
    return this.store.get(prefix + name);
  }

  async verify(bundleId: string): Promise<VerifyView> {
    const prefix = await this.prefixOf(bundleId);
    if (!prefix) return { ok: false, problems: [`bundle ${bundleId} not found in the store`] };
    const r = await verifyBundle(this.store, this.keys, prefix);
    return { ok: r.problems.length === 0, problems: r.problems.map((p) => `${p.kind}: ${p.detail}`) };
  }
}
