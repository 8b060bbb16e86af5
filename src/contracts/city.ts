// The city back half (违法行为告知 → 送达 → 签收 → 陈述申辩 → 处罚决定 → 缴纳 → 结案): what Huiyan sends
// the city platform for each legally approved case, and the status events the platform sends
// back. Both are boundaries: strict schemas, unknown keys are errors.
import { z } from 'zod';

/** Status events from the city platform, in lifecycle order; each is also the case state it leads to. */
export const CITY_EVENTS = ['delivered', 'acknowledged', 'statement_received', 'decided', 'paid', 'closed'] as const;
export type CityEventKind = (typeof CITY_EVENTS)[number];

const Iso = z.iso.datetime({ offset: true });

/** The penalty a legal review proposed (法制审核): legal basis, discretion row, fine range in yuan (CNY). */
export const PenaltyTerms = z.object({
  legalBasis: z.string(),
  circumstance: z.string(),
  penalty: z.string(),
  fineMin: z.number(),
  fineMax: z.number(),
  proposedFine: z.number(),
});
const Sha256 = z.string().regex(/^[0-9a-f]{64}$/);

/**
 * `case.exported` webhook data (schema `huiyan.city-export/1`): one per legally approved case,
 * written in the approval's transaction. The signed PDF is not inline: `document.url` is a
 * download the platform makes with a signed GET (docs/cases.md, "The city back half"), and
 * `document.fileSha256` is what the file it gets must hash to.
 */
export const CityExport = z.object({
  schema: z.literal('huiyan.city-export/1'),
  /** Stable per case: the platform's idempotency key for the case (`export-<caseId>`). */
  exportId: z.string(),
  caseId: z.uuid(),
  caseNo: z.string(),
  document: z.object({
    id: z.uuid(),
    kind: z.literal('notice_of_violation'),
    title: z.string(),
    docNo: z.string(),
    issuedAt: Iso,
    /** sha256 of the signed PDF file */
    fileSha256: Sha256,
    /** sha256 of the document's facts (canonical JSON), printed on the PDF and in its QR code */
    contentSha256: Sha256,
    /** sha256 (DER) of the bureau certificate that signed it */
    signerSha256: Sha256,
    bytes: z.number().int().positive(),
    /** absolute URL of the PDF: GET, signed like the inbound status calls */
    url: z.url(),
  }).strict(),
  violation: z.object({ localName: z.string(), standardCode: z.string(), standardName: z.string() }).strict(),
  place: z.object({ district: z.string(), street: z.string(), address: z.string().nullable(), cameraId: z.string(), zoneId: z.string() }).strict(),
  /** When the violation started and when it was detected (ISO 8601, UTC). */
  time: z.object({ startedAt: Iso, detectedAt: Iso }).strict(),
  /** null: party unknown (the notice says 未知（待确认）). */
  party: z.object({ name: z.string(), licenceNo: z.string().nullable(), address: z.string().nullable(), kind: z.string() }).strict().nullable(),
  plate: z.string().nullable(),
  permitStatus: z.string().nullable(),
  /** The sealed evidence bundles: the case's own, and a warn-first case's "after" bundle. */
  evidence: z.array(z.object({ role: z.enum(['case', 'after']), bundleId: z.string(), manifestSha256: Sha256 }).strict()).min(1),
  penalty: PenaltyTerms.extend({
    /** the discretion row was the shipped 【示例】 sample */
    sample: z.boolean(),
  }).strict(),
  approvedAt: Iso,
  approvedBy: z.string(),
}).strict();
export type CityExportT = z.infer<typeof CityExport>;

/**
 * Body of `POST /api/city/cases/:id/events`. `ref`: the platform's own reference for this
 * event (unique per platform): resending the same event with the same ref is harmless.
 */
export const CityEventBody = z.object({
  event: z.enum(CITY_EVENTS),
  ref: z.string().trim().min(1).max(200),
  /** when it happened on the platform's side */
  at: Iso,
  note: z.string().max(2000).optional(),
  /** decided: the decision's number and fine (yuan); paid: the amount paid (yuan). */
  decisionNo: z.string().max(200).optional(),
  fine: z.number().min(0).max(1e9).optional(),
  amount: z.number().min(0).max(1e9).optional(),
}).strict();
export type CityEventBodyT = z.infer<typeof CityEventBody>;
