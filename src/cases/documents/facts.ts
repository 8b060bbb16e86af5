// What a document says, gathered from the case, its party link, its sealed stills and its
// approved legal review. The facts are stored with the document and hashed (canonical JSON):
// that content hash is printed on the PDF and carried by its QR code.
import { createHash } from 'node:crypto';
import { z } from 'zod';
import { PenaltyTerms } from '../../contracts/city.ts';
import { canonicalJson } from '../canonical.ts';
import type { Queryable } from '../db.ts';
import { caseParty } from '../parties/index.ts';
import { reviewOf } from '../review/legal.ts';
import { readWarning } from '../warn.ts';

export const DOCUMENT_KINDS = ['notice_of_violation', 'order_to_correct'] as const;
export type DocumentKind = (typeof DOCUMENT_KINDS)[number];

/** One sealed still of the case's evidence bundle, read and re-hashed. */
export interface Still {
  /** before | at | after */
  role: string;
  /** File name in the bundle manifest. */
  name: string;
  sha256: string;
  jpeg: Buffer;
}

/** Reads a bundle's original stills; throws when a file does not match its manifest hash. */
export type StillReader = (bundleId: string) => Promise<Still[]>;

const Iso = z.string();
export const DocumentFacts = z.object({
  kind: z.enum(DOCUMENT_KINDS),
  docNo: z.string(),
  caseId: z.string(),
  caseNo: z.string(),
  issuedAt: Iso,
  bureau: z.object({ name: z.string(), contact: z.string() }).strict(),
  /** null: the party is unknown (no link, or the link found none). */
  party: z.object({ name: z.string(), licenceNo: z.string().nullable(), address: z.string().nullable(), kind: z.string() }).strict().nullable(),
  /** The plate read on the hit, registered or not. */
  plate: z.string().nullable(),
  permitStatus: z.string().nullable(),
  place: z.object({ district: z.string(), street: z.string(), address: z.string().nullable(), cameraId: z.string(), zoneId: z.string() }).strict(),
  startedAt: Iso,
  detectedAt: Iso,
  violation: z.object({ localName: z.string(), standardCode: z.string(), standardName: z.string() }).strict(),
  evidence: z.object({
    bundleId: z.string(),
    manifestSha256: z.string(),
    stills: z.array(z.object({ role: z.string(), name: z.string(), sha256: z.string() }).strict()),
  }).strict(),
  /** The approved legal review; null on an order to correct (issued with the warning, before any review). */
  review: PenaltyTerms.extend({ reviewer: z.string() }).strict().nullable(),
  /**
   * Warn-first (限时整改): the warning and, once settled, how. `noAfterFrame` says why a filed
   * case has no after frame (`camera_silent`: nothing from the camera after the grace end) —
   * printed, so a reader never takes the case for "seen again after the time limit".
   */
  warning: z.object({
    detectedAt: Iso,
    graceSeconds: z.number().int().positive(),
    graceUntil: Iso,
    outcome: z.enum(['self_corrected', 'filed']).nullable(),
    decidedBy: z.enum(['camera', 'camera_silent', 'backstop', 'officer']).nullable(),
    afterAt: Iso.nullable(),
    noAfterFrame: z.enum(['camera_silent', 'officer_decision']).nullable(),
  }).strict().nullable(),
  /** The order to correct: the provision violated, from the discretion standard of the violation code. */
  order: z.object({ legalBasis: z.string() }).strict().nullable(),
}).strict();
export type DocumentFactsT = z.infer<typeof DocumentFacts>;

/** sha256 (hex) of the facts' canonical JSON. */
export const contentSha256 = (f: DocumentFactsT) => createHash('sha256').update(canonicalJson(f)).digest('hex');

export class DocumentError extends Error {
  override name = 'DocumentError';
}

/**
 * The bundle is not readable from the evidence store now: a fresh seal still uploading from the
 * evidence worker's spool, or the store down. Worth retrying, unlike a DocumentError.
 */
export class StillsUnavailableError extends Error {
  override name = 'StillsUnavailableError';
}

/**
 * The facts of `caseId` for a document numbered `docNo`, inside the issuing transaction.
 * Needs sealed evidence; a notice of violation needs an approved legal review, an order to
 * correct a warning (限时整改) and a discretion standard row of the violation code for its
 * legal basis (DocumentError otherwise).
 */
export async function gatherFacts(
  q: Queryable, caseId: string, o: { kind: DocumentKind; docNo: string; issuedAt: Date; bureau: { name: string; contact: string }; stills: Still[] },
): Promise<DocumentFactsT> {
  const [c] = await q.query<Record<string, unknown>>(
    `SELECT c.*, v.standard_name FROM cases c LEFT JOIN violation_codes v ON v.rule = c.rule AND v.standard_code = c.standard_code WHERE c.id = $1`, [caseId]);
  if (!c) throw new DocumentError(`no case ${caseId}`);
  if (!c.bundle_id || !c.manifest_sha256) throw new DocumentError(`case ${caseId} has no sealed evidence`);
  const review = await reviewOf(q, caseId);
  const approved = review?.state === 'approved' && review.standard && review.proposedFine !== null ? review : null;
  if (o.kind === 'notice_of_violation' && !approved) throw new DocumentError(`case ${caseId} has no approved legal review`);
  const w = await readWarning(q, caseId);
  let order: { legalBasis: string } | null = null;
  if (o.kind === 'order_to_correct') {
    if (!w) throw new DocumentError(`case ${caseId} was not warned first: no order to correct`);
    // The provision is the same in every circumstance row of a code; the oldest live row is the bureau's first.
    const [basis] = await q.query<{ legal_basis: string }>(
      'SELECT legal_basis FROM discretion_standards WHERE standard_code = $1 AND NOT retired ORDER BY id LIMIT 1', [c.standard_code]);
    if (!basis) throw new DocumentError(`violation code ${String(c.standard_code)} has no discretion standard: the order to correct needs its legal basis`);
    order = { legalBasis: basis.legal_basis };
  }
  const link = await caseParty(q, caseId);
  const p = link?.party ?? null;
  const iso = (v: unknown) => new Date(v as string).toISOString();
  return DocumentFacts.parse({
    kind: o.kind, docNo: o.docNo, caseId, caseNo: String(c.no), issuedAt: o.issuedAt.toISOString(), bureau: o.bureau,
    party: p ? { name: p.name, licenceNo: p.licenceNo ?? null, address: p.address ?? null, kind: p.kind } : null,
    plate: link?.plate ?? null, permitStatus: link?.permitStatus ?? null,
    place: { district: String(c.district), street: String(c.street), address: (c.address as string | null) ?? null, cameraId: String(c.camera_id), zoneId: String(c.zone_id) },
    startedAt: iso(c.started_at), detectedAt: iso(c.detected_at),
    violation: { localName: String(c.local_code), standardCode: String(c.standard_code), standardName: String(c.standard_name ?? c.local_code) },
    evidence: { bundleId: String(c.bundle_id), manifestSha256: String(c.manifest_sha256), stills: o.stills.map(({ role, name, sha256 }) => ({ role, name, sha256 })) },
    review: approved && approved.standard ? {
      legalBasis: approved.standard.legalBasis, circumstance: approved.standard.circumstance, penalty: approved.proposedPenalty ?? approved.standard.penalty,
      fineMin: approved.standard.fineMin, fineMax: approved.standard.fineMax, proposedFine: approved.proposedFine!, reviewer: approved.reviewer ?? '',
    } : null,
    warning: w ? {
      detectedAt: w.detectedAt.toISOString(), graceSeconds: w.graceSeconds, graceUntil: w.graceUntil.toISOString(),
      outcome: w.outcome, decidedBy: w.decidedBy, afterAt: w.after ? w.after.at.toISOString() : null, noAfterFrame: w.noAfterFrame,
    } : null,
    order,
  });
}
