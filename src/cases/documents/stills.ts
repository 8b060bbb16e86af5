// The document issuer on the evidence reader: the stills of a case are the originals of its
// sealed bundle, each re-hashed against the manifest before it is printed with its hash.
import { createHash } from 'node:crypto';
import type { EvidenceReader } from '../../evidence/reader.ts';
import { loadBureauCertificate } from './certificate.ts';
import type { DocumentSettings } from './config.ts';
import { DocumentError, StillsUnavailableError, type StillReader } from './facts.ts';
import { DocumentIssuer } from './issue.ts';

const ROLES = ['before', 'at', 'after'];

/** Original stills (kind `original:<role>`) in before/at/after order; DocumentError on a mismatch, StillsUnavailableError when the bundle cannot be read now. */
export function stillsFromEvidence(evidence: EvidenceReader): StillReader {
  return async (bundleId) => {
    const files = await evidence.files(bundleId);
    // Sealed but not yet uploaded from the evidence worker's spool (or the store is down): try again later.
    if (!files) throw new StillsUnavailableError(`bundle ${bundleId} is not in the evidence store (yet)`);
    const originals = files.filter((f) => f.kind.startsWith('original:'))
      .sort((a, b) => ROLES.indexOf(a.kind.slice(9)) - ROLES.indexOf(b.kind.slice(9)) || a.name.localeCompare(b.name));
    if (!originals.length) throw new DocumentError(`bundle ${bundleId} has no original stills`);
    return Promise.all(originals.map(async (f) => {
      const jpeg = await evidence.read(bundleId, f.name);
      if (!jpeg || createHash('sha256').update(jpeg).digest('hex') !== f.sha256) throw new DocumentError(`still ${f.name} of ${bundleId} does not match its manifest`);
      return { role: f.kind.slice(9), name: f.name, sha256: f.sha256, jpeg };
    }));
  };
}

/** The issuer of a process: the bureau's certificate (the demo one is created on first start). */
export const documentIssuer = (settings: DocumentSettings, evidence: EvidenceReader) =>
  new DocumentIssuer(settings, loadBureauCertificate(settings), stillsFromEvidence(evidence));
