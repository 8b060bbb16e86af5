// Writes to the case store: hits and their events, case creation (idempotent on the hit
// id), transitions, evidence access, overdue marking, the notification outbox. Every change
// and its audit entry commit in one transaction.
import type { HitEventT } from '../contracts/hit.ts';
import type { Db, Queryable } from './db.ts';
import { appendAudit } from './audit.ts';
import { resolveCode, type ViolationCodes } from './codes.ts';
import { checkTransition, IllegalTransitionError, SUPPRESSING_REASONS, TransitionRequest, type CaseStateT, type TransitionRequestT } from './lifecycle.ts';
import { caseFromRow, type CaseLocation, type CaseRecord, type EvidenceRef } from './types.ts';
import type { RuleTypeT, WarnFirstT } from '../config/schema.ts';
import { openWarning, settleWarning, type WarningOutcome } from './warn.ts';

export class CaseNotFoundError extends Error {
  override name = 'CaseNotFoundError';
}
export class VersionConflictError extends Error {
  override name = 'VersionConflictError';
}

export interface CreateCaseInput {
  hit: HitEventT;
  location: CaseLocation;
  evidence?: EvidenceRef;
  /** Who creates it; defaults to the case worker. */
  actor?: string;
  now?: Date;
  /** The zone warns first (限时整改): with evidence the case starts as `warned`, not in review. */
  warnFirst?: WarnFirstT;
}

/** An outbox row waiting to be relayed to the notify queue. */
export interface PendingNotification {
  id: number;
  caseId: string;
  kind: string;
  payload: Record<string, unknown>;
  createdAt: Date;
}

const iso = (ms: number | Date) => new Date(ms).toISOString();

/** The hit's box normalised to its frame (0..1): the place a verdict on it refers to. */
function placeOf(hit: HitEventT): [number, number, number, number] {
  const { box, frameSize: [w, h] } = hit.place;
  return [box[0] / w, box[1] / h, box[2] / w, box[3] / h];
}

export class CaseWriter {
  constructor(
    readonly db: Db,
    readonly codes: ViolationCodes,
  ) {}

  /** Stores a hit event once; returns false when (hitId, seq) was already recorded. */
  async recordHitEvent(hit: HitEventT, actor = 'system:case-worker'): Promise<boolean> {
    return this.db.transaction((tx) => this.recordHitEventIn(tx, hit, actor));
  }

  private async recordHitEventIn(tx: Queryable, hit: HitEventT, actor: string): Promise<boolean> {
    await tx.query(
      `INSERT INTO hits (hit_id, camera_id, zone_id, rule, started_at, last_event, last_seq, last_at, score, cleared_at)
       VALUES ($1, $2, $3, $4, $5::timestamptz, $6, $7, $8::timestamptz, $9, $10::timestamptz)
       ON CONFLICT (hit_id) DO UPDATE SET last_event = EXCLUDED.last_event, last_seq = EXCLUDED.last_seq,
         last_at = EXCLUDED.last_at, score = EXCLUDED.score, cleared_at = COALESCE(hits.cleared_at, EXCLUDED.cleared_at)
       WHERE hits.last_seq < EXCLUDED.last_seq`,
      [hit.hitId, hit.cameraId, hit.zoneId, hit.rule, iso(hit.startedAt), hit.event, hit.seq, iso(hit.at), hit.score,
        hit.event === 'cleared' ? iso(hit.at) : null],
    );
    const place = placeOf(hit);
    {
      // The first known place and appearance stay: they are what a verdict on this hit refers to.
      await tx.query(
        'UPDATE hits SET place = COALESCE(place, $2::jsonb), embedding = COALESCE(embedding, $3::jsonb) WHERE hit_id = $1',
        [hit.hitId, JSON.stringify(place), hit.embedding ? JSON.stringify(hit.embedding) : null],
      );
    }
    const ins = await tx.query(
      `INSERT INTO hit_events (hit_id, seq, event, at, score, payload) VALUES ($1, $2, $3, $4::timestamptz, $5, $6::jsonb)
       ON CONFLICT (hit_id, seq) DO NOTHING RETURNING seq`,
      [hit.hitId, hit.seq, hit.event, iso(hit.at), hit.score, JSON.stringify({ ...hit, embedding: undefined })],
    );
    if (ins.length === 0) return false;
    if (hit.event !== 'opened') {
      // Lock the case row before the audit table, in the same order transition() does:
      // the notification's foreign key would otherwise wait on it while holding the audit lock.
      const [c] = await tx.query<{ id: string }>('SELECT id FROM cases WHERE hit_id = $1 FOR UPDATE', [hit.hitId]);
      if (c) {
        await appendAudit(tx, { actor, action: `hit.${hit.event}`, targetType: 'case', targetId: c.id, details: { hitId: hit.hitId, seq: hit.seq, score: hit.score } });
        if (hit.event === 'cleared') await this.notify(tx, c.id, 'hit.cleared', { hitId: hit.hitId, at: iso(hit.at) });
      }
    }
    return true;
  }

  /**
   * Creates the case of a hit, once: a second call for the same hit id (a redelivered job, a
   * second worker) returns the existing case with created=false. With evidence the case goes
   * straight on to pending_review with its review deadline.
   */
  async createFromHit(input: CreateCaseInput): Promise<{ case: CaseRecord; created: boolean }> {
    const { hit, location, evidence } = input;
    const actor = input.actor ?? 'system:case-worker';
    const now = input.now ?? new Date();
    const code = resolveCode(this.codes, hit.rule, hit.standardCode);
    return this.db.transaction(async (tx) => {
      await this.recordHitEventIn(tx, hit, actor);
      const inserted = await tx.query(
        `INSERT INTO cases (hit_id, camera_id, zone_id, rule, local_code, standard_code, district, street, address,
           score, started_at, detected_at, created_at, updated_at, state_changed_at)
         VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11::timestamptz, $12::timestamptz, $13::timestamptz, $13::timestamptz, $13::timestamptz)
         ON CONFLICT (hit_id) DO NOTHING RETURNING *`,
        [hit.hitId, hit.cameraId, hit.zoneId, hit.rule, code.localCode, code.standardCode, location.district, location.street,
          location.address ?? null, hit.score, iso(hit.startedAt), iso(hit.at), iso(now)],
      );
      if (inserted.length === 0) {
        const [existing] = await tx.query('SELECT * FROM cases WHERE hit_id = $1', [hit.hitId]);
        return { case: caseFromRow(existing!), created: false };
      }
      let c = caseFromRow(inserted[0]!);
      await appendAudit(tx, { actor, action: 'case.created', targetType: 'case', targetId: c.id,
        details: { hitId: hit.hitId, rule: hit.rule, standardCode: code.standardCode, state: 'new' } }, now);
      if (evidence && input.warnFirst) {
        c = await openWarning(tx, c, hit, evidence, input.warnFirst, actor, now);
        await this.notify(tx, c.id, 'case.warned', { case: summary(c), graceSeconds: input.warnFirst.graceSeconds });
        return { case: c, created: true };
      }
      if (evidence) {
        const [row] = await tx.query(
          `UPDATE cases SET bundle_id = $2, storage_key = $3, manifest_sha256 = $4, state = 'pending_review',
             review_due_at = $5::timestamptz, state_changed_at = $6::timestamptz, updated_at = $6::timestamptz, version = version + 1
           WHERE id = $1 RETURNING *`,
          [c.id, evidence.bundleId, evidence.storageKey, evidence.manifestSha256, iso(now.getTime() + code.reviewSlaMs), iso(now)],
        );
        c = caseFromRow(row!);
        await appendAudit(tx, { actor, action: 'case.transition', targetType: 'case', targetId: c.id,
          details: { from: 'new', to: 'pending_review', evidence } }, now);
      }
      await this.notify(tx, c.id, 'case.created', { case: summary(c) });
      return { case: c, created: true };
    });
  }

  /**
   * Records a hit event and, when it settles the hit's warned case, closes the case as
   * self-corrected or files it for review (src/cases/warn.ts) in the same transaction.
   * `noCase` when the hit has no case yet (its `opened` job is still on the way).
   */
  async recordWarnEvent(hit: HitEventT, evidence: EvidenceRef | undefined, now = new Date()): Promise<{ recorded: boolean; noCase: boolean; caseId: string | null; outcome: WarningOutcome | null }> {
    return this.db.transaction(async (tx) => {
      const [c] = await tx.query<{ id: string }>('SELECT id FROM cases WHERE hit_id = $1', [hit.hitId]);
      if (!c) return { recorded: false, noCase: true, caseId: null, outcome: null };
      const recorded = await this.recordHitEventIn(tx, hit, 'system:case-worker');
      const settled = await settleWarning(tx, hit.hitId, { hit, evidence }, this.slaOf, now);
      if (settled) await this.notifySettled(tx, settled.case, settled.outcome);
      return { recorded, noCase: false, caseId: String(c.id), outcome: settled?.outcome ?? null };
    });
  }

  /** Grace end came and went without word from the camera: a still-warned case is filed without an after frame. */
  async fileOverdueWarning(caseId: string, now = new Date()): Promise<WarningOutcome | null> {
    return this.db.transaction(async (tx) => {
      const [c] = await tx.query<{ hit_id: string }>('SELECT hit_id FROM cases WHERE id = $1', [caseId]);
      if (!c) throw new CaseNotFoundError(`no case ${caseId}`);
      const settled = await settleWarning(tx, c.hit_id, { overdue: true }, this.slaOf, now);
      if (settled) await this.notifySettled(tx, settled.case, settled.outcome);
      return settled?.outcome ?? null;
    });
  }

  /**
   * An officer settles a warned case before the camera does: `self_corrected` (they looked and
   * the place is clear) or `filed` (on to review now), with their note. CaseNotFoundError;
   * IllegalTransitionError when the case is not (or no longer) warned.
   */
  async decideWarning(caseId: string, d: { outcome: WarningOutcome; actor: string; note: string }, now = new Date()): Promise<CaseRecord> {
    return this.db.transaction(async (tx) => {
      const [c] = await tx.query<{ hit_id: string; state: CaseStateT }>('SELECT hit_id, state FROM cases WHERE id = $1', [caseId]);
      if (!c) throw new CaseNotFoundError(`no case ${caseId}`);
      const to = d.outcome === 'self_corrected' ? 'self_corrected' : 'pending_review';
      const settled = await settleWarning(tx, c.hit_id, { officer: d }, this.slaOf, now);
      if (!settled) throw new IllegalTransitionError(c.state, to, `case ${caseId} is not warned (state ${c.state})`);
      await this.notifySettled(tx, settled.case, settled.outcome);
      return settled.case;
    });
  }

  private readonly slaOf = (rule: RuleTypeT) => resolveCode(this.codes, rule).reviewSlaMs;

  private async notifySettled(tx: Queryable, c: CaseRecord, outcome: WarningOutcome): Promise<void> {
    // Filed: from here on an ordinary case, announced as one to the platforms.
    await this.notify(tx, c.id, outcome === 'self_corrected' ? 'case.self_corrected' : 'case.created', { case: summary(c) });
  }

  /** Moves a case along its lifecycle; IllegalTransitionError for a move the lifecycle forbids. */
  async transition(caseId: string, request: TransitionRequestT, now = new Date()): Promise<CaseRecord> {
    const req = TransitionRequest.parse(request);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query('SELECT * FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
      if (!row) throw new CaseNotFoundError(`no case ${caseId}`);
      const before = caseFromRow(row);
      if (req.expectedVersion !== undefined && req.expectedVersion !== before.version) {
        throw new VersionConflictError(`case ${caseId} is at version ${before.version}, not ${req.expectedVersion}`);
      }
      checkTransition(before.state, req);
      const reviewDue = req.to === 'pending_review' ? iso(now.getTime() + resolveCode(this.codes, before.rule).reviewSlaMs) : null;
      const [updated] = await tx.query(
        `UPDATE cases SET state = $2, state_changed_at = $3::timestamptz, updated_at = $3::timestamptz, version = version + 1,
           reject_reason = $4, reject_note = CASE WHEN $2 = 'rejected' THEN $5 ELSE reject_note END,
           dispatched_to = COALESCE($6, dispatched_to),
           resolution_note = CASE WHEN $2 = 'resolved' THEN $5 ELSE resolution_note END,
           review_due_at = COALESCE($7::timestamptz, review_due_at)
         WHERE id = $1 RETURNING *`,
        [caseId, req.to, iso(now), req.reason ?? null, req.note ?? null, req.dispatchTo ?? null, reviewDue],
      );
      const after = caseFromRow(updated!);
      if (req.to === 'confirmed' || req.to === 'rejected') await this.recordVerdict(tx, after, req, now);
      await appendAudit(tx, { actor: req.actor, action: 'case.transition', targetType: 'case', targetId: caseId,
        details: { from: before.state, to: req.to, reason: req.reason, note: req.note, dispatchTo: req.dispatchTo } }, now);
      await this.notify(tx, caseId, `case.${req.to}`, { case: summary(after), actor: req.actor });
      return after;
    });
  }

  /** The verdict analytics consults (src/cases/verdicts.ts); a later verdict on the case replaces it. */
  private async recordVerdict(tx: Queryable, c: CaseRecord, req: TransitionRequestT, now: Date): Promise<void> {
    const suppresses = req.to === 'rejected' && req.reason !== undefined && SUPPRESSING_REASONS.has(req.reason);
    await tx.query(
      `INSERT INTO verdicts (case_id, hit_id, camera_id, zone_id, rule, verdict, reason, suppresses, place, embedding, actor, at)
       SELECT $1, h.hit_id, h.camera_id, h.zone_id, h.rule, $2, $3, $4, h.place, h.embedding, $5, $6::timestamptz
         FROM hits h WHERE h.hit_id = $7
       ON CONFLICT (case_id) DO UPDATE SET verdict = EXCLUDED.verdict, reason = EXCLUDED.reason,
         suppresses = EXCLUDED.suppresses, actor = EXCLUDED.actor, at = EXCLUDED.at`,
      [c.id, req.to, req.reason ?? null, suppresses, req.actor, iso(now), c.hitId],
    );
  }

  /**
   * Audits a read of a case's evidence and returns the case's bundle reference. `bundleId`: the
   * bundle read when it is not the case's own (a warn-first case's after bundle).
   */
  async recordEvidenceAccess(a: { actor: string; caseId: string; purpose: string; variant?: string; bundleId?: string }): Promise<EvidenceRef> {
    return this.db.transaction(async (tx) => {
      const [row] = await tx.query('SELECT * FROM cases WHERE id = $1', [a.caseId]);
      if (!row) throw new CaseNotFoundError(`no case ${a.caseId}`);
      const c = caseFromRow(row);
      if (!c.evidence) throw new CaseNotFoundError(`case ${a.caseId} has no evidence bundle`);
      await appendAudit(tx, { actor: a.actor, action: 'evidence.access', targetType: 'case', targetId: c.id,
        details: { bundleId: a.bundleId ?? c.evidence.bundleId, purpose: a.purpose, variant: a.variant ?? 'original' } });
      return c.evidence;
    });
  }

  /**
   * Marks cases pending review past their deadline, once each, and queues an alert for each.
   * Several workers may call this at once: the conditional UPDATE hands every case to one.
   */
  async markOverdue(now = new Date()): Promise<CaseRecord[]> {
    return this.db.transaction(async (tx) => {
      const rows = await tx.query(
        `UPDATE cases SET overdue_alerted_at = $1::timestamptz
         WHERE state = 'pending_review' AND review_due_at < $1::timestamptz AND overdue_alerted_at IS NULL RETURNING *`,
        [iso(now)],
      );
      const out = rows.map(caseFromRow).sort((a, b) => a.no - b.no);
      for (const c of out) {
        await appendAudit(tx, { actor: 'system:sla', action: 'case.review_overdue', targetType: 'case', targetId: c.id,
          details: { reviewDueAt: c.reviewDueAt?.toISOString() } }, now);
        await this.notify(tx, c.id, 'case.review_overdue', { case: summary(c), overdueMs: now.getTime() - (c.reviewDueAt?.getTime() ?? 0) });
      }
      return out;
    });
  }

  /** Outbox rows not yet handed to the notify queue, oldest first. */
  async pendingNotifications(limit = 100): Promise<PendingNotification[]> {
    const rows = await this.db.query<{ id: number; case_id: string; kind: string; payload: Record<string, unknown>; created_at: Date }>(
      'SELECT id, case_id, kind, payload, created_at FROM notifications WHERE enqueued_at IS NULL ORDER BY id LIMIT $1',
      [limit],
    );
    return rows.map((r) => ({ id: Number(r.id), caseId: String(r.case_id), kind: r.kind, payload: r.payload, createdAt: new Date(r.created_at) }));
  }

  async markNotificationsEnqueued(ids: number[]): Promise<void> {
    if (ids.length) await this.db.query('UPDATE notifications SET enqueued_at = now() WHERE id = ANY($1::int[])', [ids]);
  }

  private notify(tx: Queryable, caseId: string, kind: string, payload: Record<string, unknown>): Promise<number> {
    return notifyIn(tx, caseId, kind, payload);
  }
}

/** Writes a notification outbox row in the caller's transaction; returns its id (the webhook's `n<id>`). */
export async function notifyIn(tx: Queryable, caseId: string, kind: string, payload: Record<string, unknown>): Promise<number> {
  const [r] = await tx.query<{ id: number }>('INSERT INTO notifications (case_id, kind, payload) VALUES ($1, $2, $3::jsonb) RETURNING id', [caseId, kind, JSON.stringify(payload)]);
  return Number(r!.id);
}

/** What goes out in alerts and webhooks: enough to route and display, no internals. */
export function summary(c: CaseRecord): Record<string, unknown> {
  return {
    id: c.id, no: c.no, hitId: c.hitId, cameraId: c.cameraId, zoneId: c.zoneId, rule: c.rule,
    localCode: c.localCode, standardCode: c.standardCode, district: c.district, street: c.street, address: c.address,
    state: c.state, score: c.score, startedAt: c.startedAt.toISOString(), detectedAt: c.detectedAt.toISOString(),
    reviewDueAt: c.reviewDueAt?.toISOString() ?? null, dispatchedTo: c.dispatchedTo, rejectReason: c.rejectReason,
    evidence: c.evidence,
  };
}
