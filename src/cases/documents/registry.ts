// The issued documents as stored: a case's list, one file, and the lookups of verification —
// by number (huiyan verify) and by number + hash prefix (the public page, nothing personal).
import type { Queryable } from '../db.ts';
import type { DocumentKind } from './facts.ts';

export interface DocumentMeta {
  id: string;
  caseId: string;
  kind: DocumentKind;
  docNo: string;
  /** 违法行为告知书 / 责令改正通知书 */
  title: string;
  issuer: string;
  /** The violation's Chinese name. */
  category: string;
  issuedAt: Date;
  issuedBy: string;
  contentSha256: string;
  fileSha256: string;
  signerSha256: string;
  bytes: number;
}

const TITLES: Record<DocumentKind, string> = { notice_of_violation: '违法行为告知书', order_to_correct: '责令改正通知书' };

/** The public page a document's QR code opens: number and content-hash prefix (32 hex). */
export const verifyUrl = (origin: string, docNo: string, contentSha256: string) =>
  `${origin}/verify/document?no=${encodeURIComponent(docNo)}&h=${contentSha256.slice(0, 32)}`;

const COLS = `id, case_id, kind, doc_no, issuer, category, issued_at, issued_by, content_sha256, file_sha256, signer_sha256, octet_length(pdf) AS bytes`;
const meta = (r: Record<string, unknown>): DocumentMeta => ({
  id: String(r.id), caseId: String(r.case_id), kind: r.kind as DocumentKind, docNo: String(r.doc_no), title: TITLES[r.kind as DocumentKind],
  issuer: String(r.issuer), category: String(r.category), issuedAt: new Date(r.issued_at as string), issuedBy: String(r.issued_by),
  contentSha256: String(r.content_sha256), fileSha256: String(r.file_sha256), signerSha256: String(r.signer_sha256), bytes: Number(r.bytes),
});

/** A case's documents, oldest first. */
export async function listDocuments(q: Queryable, caseId: string): Promise<DocumentMeta[]> {
  return (await q.query<Record<string, unknown>>(`SELECT ${COLS} FROM case_documents WHERE case_id = $1 ORDER BY issued_at, doc_no`, [caseId])).map(meta);
}

/** One document of a case with its signed file; null when the case has no such document. */
export async function readDocument(q: Queryable, caseId: string, id: string): Promise<{ meta: DocumentMeta; pdf: Buffer } | null> {
  const [r] = await q.query<Record<string, unknown>>(`SELECT ${COLS}, pdf FROM case_documents WHERE case_id = $1 AND id = $2`, [caseId, id]);
  // pg returns bytea as Buffer, PGlite as Uint8Array.
  return r ? { meta: meta(r), pdf: Buffer.from(r.pdf as Uint8Array) } : null;
}

/** The registered document numbered `docNo`, or null. */
export async function findDocument(q: Queryable, docNo: string): Promise<DocumentMeta | null> {
  const [r] = await q.query<Record<string, unknown>>(`SELECT ${COLS} FROM case_documents WHERE doc_no = $1`, [docNo]);
  return r ? meta(r) : null;
}

/** Shortest hash prefix the public page accepts (hex): 64 bits, not worth guessing. */
export const MIN_PREFIX = 16;

/** What the public page may show of a document: never the party, the place or the case. */
export interface PublicDocument {
  docNo: string;
  title: string;
  issuer: string;
  category: string;
  issuedAt: Date;
}

/**
 * The document numbered `docNo` whose content hash (the QR code's) or file hash starts with
 * `hashPrefix` (≥ MIN_PREFIX hex, case-insensitive); null when none.
 */
export async function publicLookup(q: Queryable, docNo: string, hashPrefix: string): Promise<PublicDocument | null> {
  const h = hashPrefix.toLowerCase();
  if (!/^[0-9a-f]+$/.test(h) || h.length < MIN_PREFIX || h.length > 64) return null;
  const [r] = await q.query<Record<string, unknown>>(
    `SELECT ${COLS} FROM case_documents WHERE doc_no = $1 AND (left(content_sha256, $3) = $2 OR left(file_sha256, $3) = $2)`, [docNo, h, h.length]);
  if (!r) return null;
  const m = meta(r);
  return { docNo: m.docNo, title: m.title, issuer: m.issuer, category: m.category, issuedAt: m.issuedAt };
}
