// Warn first, file later (限时整改), the case store's side: a hit in a warn-first zone becomes a
// case in state `warned` with its "before" evidence; the hit's later events settle it — the
// violation gone before the grace period ended → `self_corrected`, still seen after it →
// `pending_review` (an ordinary case from here on), each with the "after" frame that decided.
// The state lives in the case row (one per hit: a second case cannot exist) and
// case_warnings; every change commits with its audit entry.
import type { HitEventT } from '../contracts/hit.ts';
import type { RuleTypeT, WarnFirstT } from '../config/schema.ts';
import type { Db, Queryable } from './db.ts';
import { appendAudit } from './audit.ts';
import { caseFromRow, type CaseRecord, type EvidenceRef } from './types.ts';

export type WarningOutcome = 'self_corrected' | 'filed';
/**
 * Who settled it: the camera's own frame after the time limit; the detector reporting the camera
 * silent since the time limit (with the last frame its ring held); the case worker's backstop
 * (nothing heard at all); or an officer who looked.
 */
export type WarningDecider = 'camera' | 'camera_silent' | 'backstop' | 'officer';
/** Why a settled warning has no after frame; the review page and documents print it. */
export type NoAfterFrame = 'camera_silent' | 'officer_decision';

/** What a warn-first case's warning holds (the zone's block as it was at detection). */
export interface WarningRecord {
  case: CaseRecord;
  config: WarnFirstT;
  graceSeconds: number;
  detectedAt: Date;
  graceUntil: Date;
  outcome: WarningOutcome | null;
  decidedAt: Date | null;
  /** The frame that decided: the place at clearing, or the violation still there after grace. */
  after: { seq: number; at: Date; evidence: EvidenceRef | null } | null;
  decidedBy: WarningDecider | null;
  /** The officer (actor string) for `officer`; the worker otherwise. */
  decidedActor: string | null;
  /** The officer's note. */
  note: string | null;
  /** Set when settled without an after frame: a legal reviewer must not read the case as "seen again". */
  noAfterFrame: NoAfterFrame | null;
}

const iso = (ms: number | Date) => new Date(ms).toISOString();
const date = (v: unknown) => (v instanceof Date ? v : new Date(String(v)));

/**
 * Puts a just-created case (state new) into `warned` with its sealed "before" evidence and the
 * warning's grace period, counted from detection (`hit.at` of the opened event). Runs in the
 * creating transaction.
 */
export async function openWarning(tx: Queryable, c: CaseRecord, hit: HitEventT, evidence: EvidenceRef, wf: WarnFirstT, actor: string, now: Date): Promise<CaseRecord> {
  const graceUntil = hit.at + wf.graceSeconds * 1000;
  const [row] = await tx.query(
    `UPDATE cases SET bundle_id = $2, storage_key = $3, manifest_sha256 = $4, state = 'warned',
       state_changed_at = $5::timestamptz, updated_at = $5::timestamptz, version = version + 1
     WHERE id = $1 RETURNING *`,
    [c.id, evidence.bundleId, evidence.storageKey, evidence.manifestSha256, iso(now)],
  );
  await tx.query(
    `INSERT INTO case_warnings (case_id, config, grace_seconds, detected_at, grace_until)
     VALUES ($1, $2::jsonb, $3, $4::timestamptz, $5::timestamptz)`,
    [c.id, JSON.stringify(wf), wf.graceSeconds, iso(hit.at), iso(graceUntil)],
  );
  await appendAudit(tx, { actor, action: 'case.transition', targetType: 'case', targetId: c.id,
    details: { from: 'new', to: 'warned', evidence, graceSeconds: wf.graceSeconds, graceUntil: iso(graceUntil), channels: wf.channels.map((x) => x.kind) } }, now);
  return caseFromRow(row!);
}

/**
 * What may settle a warning: a hit event (with the frame it carried), the backstop after grace,
 * or an officer who looked (at the live view or on site) and decided before the camera did.
 */
export type SettleInput =
  | { hit: HitEventT; evidence?: EvidenceRef }
  | { overdue: true }
  | { officer: { outcome: WarningOutcome; actor: string; note: string } };

/**
 * Settles the hit's warned case if this input decides it, else returns null (not warned any
 * more, or an event that decides nothing):
 * - `cleared` last seen before the grace end → self_corrected;
 * - the violation seen at or after the grace end (the detector's `evidenceDue` update, or a
 *   clear after it) → filed: pending_review with its review deadline;
 * - the detector's `cameraSilent` update past the grace end → filed with the last frame before
 *   the silence (not an after frame), marked `camera_silent`;
 * - `overdue` (the backstop job, past the grace end, nothing heard) → filed without an after
 *   frame, marked `camera_silent`;
 * - `officer` → the officer's outcome at any time while warned, with their note, no after frame.
 * The case row is locked first, so concurrent settlers decide once.
 */
export async function settleWarning(
  tx: Queryable,
  hitId: string,
  input: SettleInput,
  reviewSlaMs: (rule: RuleTypeT) => number,
  now: Date,
  worker = 'system:case-worker',
): Promise<{ case: CaseRecord; outcome: WarningOutcome } | null> {
  const [row] = await tx.query('SELECT * FROM cases WHERE hit_id = $1 FOR UPDATE', [hitId]);
  if (!row || row.state !== 'warned') return null;
  const before = caseFromRow(row);
  const [w] = await tx.query<{ grace_until: Date }>('SELECT grace_until FROM case_warnings WHERE case_id = $1', [before.id]);
  if (!w) return null;
  const graceUntil = date(w.grace_until).getTime();
  let outcome: WarningOutcome;
  let after: { seq: number; at: number; evidence?: EvidenceRef } | null = null;
  let decidedBy: WarningDecider = 'camera';
  let actor = worker;
  let note: string | null = null;
  if ('overdue' in input) {
    if (now.getTime() < graceUntil) return null;
    outcome = 'filed';
    decidedBy = 'backstop';
  } else if ('officer' in input) {
    ({ outcome, actor, note } = input.officer);
    decidedBy = 'officer';
  } else {
    const h = input.hit;
    if (h.cameraSilent && h.evidenceDue && h.event === 'updated') {
      if (now.getTime() < graceUntil) return null;
      outcome = 'filed';
      decidedBy = 'camera_silent';
    } else if (h.event === 'cleared' && h.lastSeenAt < graceUntil) outcome = 'self_corrected';
    else if (h.event !== 'opened' && h.lastSeenAt >= graceUntil && (h.evidenceDue || h.event === 'cleared')) outcome = 'filed';
    else return null;
    after = { seq: h.seq, at: h.at, evidence: input.evidence };
  }
  const to = outcome === 'self_corrected' ? 'self_corrected' : 'pending_review';
  const reviewDue = to === 'pending_review' ? iso(now.getTime() + reviewSlaMs(before.rule)) : null;
  const [updated] = await tx.query(
    `UPDATE cases SET state = $2, state_changed_at = $3::timestamptz, updated_at = $3::timestamptz, version = version + 1,
       review_due_at = COALESCE($4::timestamptz, review_due_at)
     WHERE id = $1 RETURNING *`,
    [before.id, to, iso(now), reviewDue],
  );
  await tx.query(
    `UPDATE case_warnings SET outcome = $2, decided_at = $3::timestamptz, after_seq = $4, after_at = $5::timestamptz,
       after_bundle_id = $6, after_storage_key = $7, after_manifest_sha256 = $8, decided_by = $9, decided_actor = $10, decision_note = $11
     WHERE case_id = $1`,
    [before.id, outcome, iso(now), after?.seq ?? null, after ? iso(after.at) : null,
      after?.evidence?.bundleId ?? null, after?.evidence?.storageKey ?? null, after?.evidence?.manifestSha256 ?? null, decidedBy, actor, note],
  );
  const noAfter = noAfterFrameOf(decidedBy);
  await appendAudit(tx, { actor, action: 'case.transition', targetType: 'case', targetId: before.id,
    details: {
      from: 'warned', to, outcome, graceUntil: iso(graceUntil), decidedBy,
      ...(after ? { afterSeq: after.seq, afterAt: iso(after.at), afterEvidence: after.evidence ?? null } : { afterEvidence: null }),
      ...(noAfter ? { noAfterFrame: noAfter } : {}),
      ...(note !== null ? { note } : decidedBy === 'backstop' ? { note: 'no word from the camera by the grace end' } : {}),
    } }, now);
  return { case: caseFromRow(updated!), outcome };
}

const noAfterFrameOf = (by: WarningDecider | null): NoAfterFrame | null =>
  by === 'backstop' || by === 'camera_silent' ? 'camera_silent' : by === 'officer' ? 'officer_decision' : null;

/** A case's warning, or null for a case that was not warned first. */
export async function readWarning(q: Queryable, caseId: string): Promise<WarningRecord | null> {
  const [r] = await q.query('SELECT c.*, w.config, w.grace_seconds, w.detected_at, w.grace_until, w.outcome, w.decided_at, w.after_seq, w.after_at, w.after_bundle_id, w.after_storage_key, w.after_manifest_sha256, w.decided_by, w.decided_actor, w.decision_note FROM cases c JOIN case_warnings w ON w.case_id = c.id WHERE c.id = $1', [caseId]);
  if (!r) return null;
  return {
    case: caseFromRow(r),
    config: r.config as WarnFirstT,
    graceSeconds: Number(r.grace_seconds),
    detectedAt: date(r.detected_at),
    graceUntil: date(r.grace_until),
    outcome: (r.outcome ?? null) as WarningOutcome | null,
    decidedAt: r.decided_at ? date(r.decided_at) : null,
    after: r.after_seq === null || r.after_seq === undefined ? null : {
      seq: Number(r.after_seq),
      at: date(r.after_at),
      evidence: r.after_bundle_id ? { bundleId: String(r.after_bundle_id), storageKey: String(r.after_storage_key), manifestSha256: String(r.after_manifest_sha256) } : null,
    },
    decidedBy: (r.decided_by ?? null) as WarningDecider | null,
    decidedActor: (r.decided_actor ?? null) as string | null,
    note: (r.decision_note ?? null) as string | null,
    noAfterFrame: noAfterFrameOf((r.decided_by ?? null) as WarningDecider | null),
  };
}

/** One attempt to deliver a warning through one channel, in the case's audit trail. */
export async function auditWarnDelivery(
  db: Db,
  caseId: string,
  d: { channel: number; kind: string; ok: boolean; status?: number; error?: string; attempt: number; final: boolean; text: string },
): Promise<void> {
  await db.transaction((tx) => appendAudit(tx, { actor: 'system:warn', action: d.ok ? 'warn.sent' : 'warn.failed', targetType: 'case', targetId: caseId, details: d }));
}
