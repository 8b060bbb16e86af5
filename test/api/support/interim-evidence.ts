// INTERIM: stands in for the evidence store until branch `evidence` is merged. Holds real
// frames (grabbed from vtest with ffmpeg) and checks their sha256 on verify.
import { createHash } from 'node:crypto';
import type { EvidenceFile, EvidencePort, VerifyView } from '../../../src/api/ports.ts';

const sha = (b: Buffer) => createHash('sha256').update(b).digest('hex');

export class InterimEvidence implements EvidencePort {
  private readonly bundles = new Map<string, { files: EvidenceFile[]; data: Map<string, Buffer> }>();

  put(bundleId: string, files: { name: string; kind: string; contentType: string; data: Buffer }[]): void {
    this.bundles.set(bundleId, {
      files: files.map((f) => ({ name: f.name, kind: f.kind, contentType: f.contentType, bytes: f.data.length, sha256: sha(f.data) })),
      data: new Map(files.map((f) => [f.name, f.data])),
    });
  }

  /** Test hook: alter a stored byte, as an attacker with storage access would. */
  tamper(bundleId: string, name: string): void {
    const b = this.bundles.get(bundleId)?.data.get(name);
    if (b) b[b.length >> 1] ^= 0xff;
  }

  async files(bundleId: string) {
    return this.bundles.get(bundleId)?.files ?? null;
  }

  async read(bundleId: string, name: string) {
    return this.bundles.get(bundleId)?.data.get(name) ?? null;
  }

  async verify(bundleId: string): Promise<VerifyView> {
    const b = this.bundles.get(bundleId);
    if (!b) return { ok: false, problems: [`bundle ${bundleId} missing`] };
    const problems = b.files.filter((f) => sha(b.data.get(f.name)!) !== f.sha256).map((f) => `${f.name}: sha256 mismatch`);
    return { ok: problems.length === 0, problems };
  }
}
