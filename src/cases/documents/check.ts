// The full check of a document file that `huiyan verify <file.pdf>` runs: a valid signature
// (verify.ts) by the bureau's configured certificate, and the number with this exact file's
// hash registered as issued.
import type { Queryable } from '../db.ts';
import { findDocument } from './registry.ts';
import { verifyDocumentSignature } from './verify.ts';

export interface DocumentCheck {
  ok: boolean;
  /** One line: what was verified, or what failed first. */
  line: string;
  docNo?: string;
  fileSha256: string;
}

/** `bureauSha256`: sha256 of the bureau certificate's DER (BureauCertificate.sha256). */
export async function checkDocument(pdf: Buffer, bureauSha256: string, q: Queryable): Promise<DocumentCheck> {
  const s = await verifyDocumentSignature(pdf);
  const bad = (why: string) => ({ ok: false, line: `FAIL document${s.docNo ? ` ${s.docNo}` : ''}: ${why}`, docNo: s.docNo, fileSha256: s.fileSha256 });
  if (!s.ok) return bad(s.problem!);
  if (s.signerSha256 !== bureauSha256) return bad(`signed by "${s.signerName}", not by the bureau's certificate (${bureauSha256.slice(0, 16)}…)`);
  if (!s.docNo) return bad('the file carries no document number');
  const reg = await findDocument(q, s.docNo);
  if (!reg) return bad('the number is not registered as issued');
  if (reg.fileSha256 !== s.fileSha256) return bad(`the file is not the one issued (sha256 ${s.fileSha256.slice(0, 16)}…, registered ${reg.fileSha256.slice(0, 16)}…)`);
  return { ok: true, line: `OK document ${s.docNo} (${reg.title}, ${reg.issuer}): signature by "${s.signerName}" valid, registered, sha256 ${s.fileSha256}`, docNo: s.docNo, fileSha256: s.fileSha256 };
}
