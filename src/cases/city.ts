// The city back half: the export of each legally approved case to the city platform (one
// notification `case.exported`, relayed and retried by the notify queue like every webhook),
// the platform's status events moving the case through 送达 … 结案 (checked against the
// lifecycle, idempotent on the platform's reference, audited with it), the SLA alerts for
// steps that do not come in time, and the timeline the review page shows.
import { createHash } from 'node:crypto';
import { canonicalJson } from './canonical.ts';
import type { Db, Queryable } from './db.ts';
import { appendAudit } from './audit.ts';
import { checkTransition, type CaseStateT } from './lifecycle.ts';
import { notifyIn, summary, CaseNotFoundError } from './repository.ts';
import { caseFromRow, type CaseRecord } from './types.ts';
import { reviewOf, type ApprovalHook } from './review/legal.ts';
import { CityEventBody, CityExport, type CityEventBodyT, type CityEventKind, type CityExportT } from '../contracts/city.ts';
import type { DocumentFactsT } from './documents/facts.ts';

/** A status event that does not fit the case (wrong order, a reused reference): HTTP 409. */
export class CityEventConflictError extends Error {
  override name = 'CityEventConflictError';
}

/** The path of an exported document's PDF on the API (GET, signed by the platform). */
export const cityDocumentPath = (caseId: string, documentId: string) => `/api/city/cases/${caseId}/documents/${documentId}/pdf`;

/**
 * The approval hook that exports the case: runs after the notice of violation is issued in the
 * same transaction (so export and approval commit together), builds the `CityExport` from the
 * notice's stored facts, and writes `city_exports` (one per case: its primary key) and the
 * `case.exported` notification. `publicUrl`: the API's origin as the platform reaches it.
 */
export function cityExportHook(publicUrl: string): ApprovalHook {
  return async (tx, caseId, actor) => {
    const [d] = await tx.query<Record<string, any>>(
      `SELECT id, doc_no, issued_at, facts, content_sha256, file_sha256, signer_sha256, octet_length(pdf) AS bytes
         FROM case_documents WHERE case_id = $1 AND kind = 'notice_of_violation'`, [caseId]);
    if (!d) throw new Error(`case ${caseId}: export needs the notice of violation issued first`);
    const f = d.facts as DocumentFactsT;
    if (!f.review) throw new Error(`case ${caseId}: the notice of violation carries no approved review`);
    const terms = f.review;
    const [after] = await tx.query<{ after_bundle_id: string; after_manifest_sha256: string }>(
      'SELECT after_bundle_id, after_manifest_sha256 FROM case_warnings WHERE case_id = $1 AND after_bundle_id IS NOT NULL', [caseId]);
    const review = (await reviewOf(tx, caseId))!;
    const now = new Date();
    const payload: CityExportT = CityExport.parse({
      schema: 'huiyan.city-export/1', exportId: `export-${caseId}`, caseId, caseNo: f.caseNo,
      document: {
        id: d.id, kind: 'notice_of_violation', title: '违法行为告知书', docNo: d.doc_no, issuedAt: new Date(d.issued_at).toISOString(),
        fileSha256: d.file_sha256, contentSha256: d.content_sha256, signerSha256: d.signer_sha256, bytes: Number(d.bytes),
        url: new URL(cityDocumentPath(caseId, d.id), publicUrl).href,
      },
      violation: f.violation, place: f.place, time: { startedAt: f.startedAt, detectedAt: f.detectedAt },
      party: f.party, plate: f.plate, permitStatus: f.permitStatus,
      evidence: [
        { role: 'case', bundleId: f.evidence.bundleId, manifestSha256: f.evidence.manifestSha256 },
        ...(after ? [{ role: 'after' as const, bundleId: after.after_bundle_id, manifestSha256: after.after_manifest_sha256 }] : []),
      ],
      penalty: {
        legalBasis: terms.legalBasis, circumstance: terms.circumstance, penalty: terms.penalty,
        fineMin: terms.fineMin, fineMax: terms.fineMax, proposedFine: terms.proposedFine, sample: review.standard?.sample ?? false,
      },
      approvedAt: now.toISOString(), approvedBy: actor,
    });
    const notificationId = await notifyIn(tx, caseId, 'case.exported', payload);
    await tx.query(
      `INSERT INTO city_exports (case_id, document_id, notification_id, payload, exported_at) VALUES ($1, $2, $3, $4::jsonb, $5::timestamptz)`,
      [caseId, d.id, notificationId, JSON.stringify(payload), now.toISOString()]);
    return [{ action: 'city.exported', details: { exportId: payload.exportId, notificationId, docNo: d.doc_no, fileSha256: d.file_sha256 } }];
  };
}

/** Chains approval hooks in order (the notice first, then the export that names it). */
export function chainHooks(...hooks: (ApprovalHook | undefined)[]): ApprovalHook {
  return async (tx, caseId, actor) => {
    const out = [];
    for (const h of hooks) if (h) out.push(...await h(tx, caseId, actor));
    return out;
  };
}

/** The export of a case, or null when it was never exported (not approved, or approved before the city link). */
export async function cityExportOf(q: Queryable, caseId: string): Promise<{ payload: CityExportT; exportedAt: Date; documentId: string } | null> {
  const [r] = await q.query<Record<string, any>>('SELECT * FROM city_exports WHERE case_id = $1', [caseId]);
  return r ? { payload: r.payload as CityExportT, exportedAt: new Date(r.exported_at), documentId: String(r.document_id) } : null;
}

export interface CityEventResult {
  case: CaseRecord;
  /** false: the same event with the same reference was already applied (nothing changed). */
  applied: boolean;
}

/**
 * Applies one status event of the city platform `endpointId` to an exported case, under the
 * case row's lock: the lifecycle must allow it (CityEventConflictError otherwise, nothing
 * changed), the same `ref` with the same body is a no-op (`applied: false`), the same `ref`
 * with another body a conflict. The change commits with its `city_events` row, its audit
 * entry (`case.transition`, source city, the platform's ref and time) and the notification
 * `case.<state>`. CaseNotFoundError: no such case, or it was never exported.
 */
export async function applyCityEvent(db: Db, endpointId: string, caseId: string, input: CityEventBodyT, now = new Date()): Promise<CityEventResult> {
  const body = CityEventBody.parse(input);
  const bodySha = createHash('sha256').update(canonicalJson(body)).digest('hex');
  const actor = `city:${endpointId}`;
  return db.transaction(async (tx) => {
    const [row] = await tx.query('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
    const [exported] = row ? await tx.query('SELECT 1 FROM city_exports WHERE case_id = $1', [caseId]) : [];
    if (!row || !exported) throw new CaseNotFoundError(`no exported case ${caseId}`);
    const before = caseFromRow(row);
    const [seen] = await tx.query<{ case_id: string; body_sha256: string }>('SELECT case_id, body_sha256 FROM city_events WHERE endpoint_id = $1 AND ref = $2', [endpointId, body.ref]);
    if (seen) {
      if (seen.case_id === caseId && seen.body_sha256 === bodySha) return { case: before, applied: false };
      throw new CityEventConflictError(`reference ${body.ref} was already used for another event`);
    }
    const to: CaseStateT = body.event;
    try {
      checkTransition(before.state, { to, actor });
    } catch (err) {
      throw new CityEventConflictError(`${(err as Error).message} (event ${body.event} out of order)`);
    }
    const [updated] = await tx.query(
      `UPDATE cases SET state = $2, state_changed_at = $3::timestamptz, updated_at = $3::timestamptz, version = version + 1 WHERE id = $1 RETURNING *`,
      [caseId, to, now.toISOString()]);
    const after = caseFromRow(updated!);
    await tx.query(
      `INSERT INTO city_events (case_id, endpoint_id, ref, event, at, received_at, body, body_sha256) VALUES ($1, $2, $3, $4, $5::timestamptz, $6::timestamptz, $7::jsonb, $8)`,
      [caseId, endpointId, body.ref, body.event, body.at, now.toISOString(), JSON.stringify(body), bodySha]);
    await appendAudit(tx, { actor, action: 'case.transition', targetType: 'case', targetId: caseId,
      details: { from: before.state, to, source: 'city', endpoint: endpointId, ref: body.ref, at: body.at, note: body.note,
        decisionNo: body.decisionNo, fine: body.fine, amount: body.amount } }, now);
    await notifyIn(tx, caseId, `case.${to}`, { case: summary(after), actor, ref: body.ref, at: body.at });
    return { case: after, applied: true };
  });
}

/** The back half of a case for the review page: the export and each status event, in order. */
export interface CityTimeline {
  exportedAt: Date | null;
  docNo: string | null;
  events: { event: CityEventKind; ref: string; at: Date; receivedAt: Date; endpointId: string; note: string | null }[];
}

export async function cityTimeline(q: Queryable, caseId: string): Promise<CityTimeline> {
  const ex = await cityExportOf(q, caseId);
  const rows = await q.query<Record<string, any>>('SELECT * FROM city_events WHERE case_id = $1 ORDER BY id', [caseId]);
  return {
    exportedAt: ex?.exportedAt ?? null, docNo: ex?.payload.document.docNo ?? null,
    events: rows.map((r) => ({ event: r.event, ref: r.ref, at: new Date(r.at), receivedAt: new Date(r.received_at), endpointId: r.endpoint_id, note: r.body?.note ?? null })),
  };
}

/** How long each back-half step may take before an alert (ms). */
export interface CityPeriods {
  /** export → 送达 (delivered) */
  deliveryMs: number;
  /** 处罚决定 (decided, the platform's time) → 缴纳 (paid); 行政处罚法 第六十七条: 15 days */
  paymentMs: number;
}

export const DAY_MS = 86_400_000;
export const DEFAULT_CITY_PERIODS: CityPeriods = { deliveryMs: 7 * DAY_MS, paymentMs: 15 * DAY_MS };

/**
 * Marks exported cases whose next step is overdue, once each (conditional UPDATEs hand each to
 * one caller): still `confirmed` past the delivery period → `case.delivery_overdue`; still
 * `decided` past the payment period → `case.payment_overdue`. Each is audited (actor
 * `system:sla`) and notified in the same transaction. Returns the cases with their alert kind.
 */
export async function markCityOverdue(db: Db, periods: CityPeriods, now = new Date()): Promise<{ caseId: string; kind: 'delivery_overdue' | 'payment_overdue' }[]> {
  return db.transaction(async (tx) => {
    const delivery = await tx.query<{ case_id: string; exported_at: Date }>(
      `UPDATE city_exports x SET delivery_alerted_at = $1::timestamptz FROM cases c
        WHERE c.id = x.case_id AND c.state = 'confirmed' AND x.delivery_alerted_at IS NULL AND x.exported_at < $2::timestamptz
        RETURNING x.case_id, x.exported_at`,
      [now.toISOString(), new Date(now.getTime() - periods.deliveryMs).toISOString()]);
    const payment = await tx.query<{ case_id: string; decided_at: Date }>(
      `UPDATE city_exports x SET payment_alerted_at = $1::timestamptz FROM cases c, city_events e
        WHERE c.id = x.case_id AND e.case_id = x.case_id AND e.event = 'decided' AND c.state = 'decided'
          AND x.payment_alerted_at IS NULL AND e.at < $2::timestamptz
        RETURNING x.case_id, e.at AS decided_at`,
      [now.toISOString(), new Date(now.getTime() - periods.paymentMs).toISOString()]);
    const out: { caseId: string; kind: 'delivery_overdue' | 'payment_overdue' }[] = [];
    const alerts = [
      ...delivery.map((r) => ({ caseId: String(r.case_id), kind: 'delivery_overdue' as const, since: new Date(r.exported_at), periodMs: periods.deliveryMs })),
      ...payment.map((r) => ({ caseId: String(r.case_id), kind: 'payment_overdue' as const, since: new Date(r.decided_at), periodMs: periods.paymentMs })),
    ].sort((a, b) => a.caseId.localeCompare(b.caseId));
    for (const a of alerts) {
      // Case row before the audit table, as every writer locks them.
      const [row] = await tx.query('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [a.caseId]);
      const dueAt = new Date(a.since.getTime() + a.periodMs).toISOString();
      await appendAudit(tx, { actor: 'system:sla', action: `case.${a.kind}`, targetType: 'case', targetId: a.caseId, details: { since: a.since.toISOString(), dueAt } }, now);
      await notifyIn(tx, a.caseId, `case.${a.kind}`, { case: summary(caseFromRow(row!)), dueAt, overdueMs: now.getTime() - a.since.getTime() - a.periodMs });
      out.push({ caseId: a.caseId, kind: a.kind });
    }
    return out;
  });
}
