// Legal review (法制审核) of confirmed cases: a reviewer other than the confirming officer
// approves with a row of the discretion standard (裁量基准) and a proposed fine inside its
// range, or returns the case to the officer with a reason; the officer resubmits. Each step
// commits with its audit entry on the case. A confirmed case without a row is pending.
import { z } from 'zod';
import type { Db, Queryable } from '../db.ts';
import { appendAudit } from '../audit.ts';

export class LegalReviewError extends Error {
  override name = 'LegalReviewError';
}
export class LegalNotFoundError extends Error {
  override name = 'LegalNotFoundError';
}

export const LEGAL_STATES = ['pending', 'approved', 'returned'] as const;
export type LegalState = (typeof LEGAL_STATES)[number];

export const DiscretionInput = z.object({
  standardCode: z.string().regex(/^\d{2}-\d{2}$/, 'violation code like 05-01'),
  circumstance: z.string().trim().min(1).max(200),
  penalty: z.string().trim().min(1).max(200),
  fineMin: z.number().min(0).max(1e9),
  fineMax: z.number().min(0).max(1e9),
  legalBasis: z.string().trim().min(1).max(1000),
  retired: z.boolean().default(false),
}).strict().refine((d) => d.fineMax >= d.fineMin, { path: ['fineMax'], message: 'fineMax below fineMin' });
export type DiscretionInputT = z.infer<typeof DiscretionInput>;

export interface DiscretionRow {
  id: number;
  standardCode: string;
  circumstance: string;
  penalty: string;
  /** yuan */
  fineMin: number;
  fineMax: number;
  legalBasis: string;
  /** The shipped example rows; a bureau replaces them with its own. */
  sample: boolean;
  retired: boolean;
}

export interface LegalReview {
  caseId: string;
  state: LegalState;
  standard: DiscretionRow | null;
  proposedFine: number | null;
  proposedPenalty: string | null;
  reason: string | null;
  reviewer: string | null;
  decidedAt: Date | null;
  version: number;
}

type R = Record<string, unknown>;
const discretion = (r: R): DiscretionRow => ({
  id: Number(r.id), standardCode: String(r.standard_code), circumstance: String(r.circumstance), penalty: String(r.penalty),
  fineMin: Number(r.fine_min), fineMax: Number(r.fine_max), legalBasis: String(r.legal_basis), sample: Boolean(r.sample), retired: Boolean(r.retired),
});

export async function listDiscretion(q: Queryable, code?: string, includeRetired = false): Promise<DiscretionRow[]> {
  const rows = await q.query(
    `SELECT * FROM discretion_standards WHERE ($1::text IS NULL OR standard_code = $1) AND ($2 OR NOT retired) ORDER BY standard_code, fine_min, id`,
    [code ?? null, includeRetired]);
  return rows.map(discretion);
}

/** Adds a row (id undefined) or edits one; an edited row is no longer a sample. Audited. */
export async function saveDiscretion(db: Db, input: unknown, actor: string, id?: number): Promise<DiscretionRow> {
  const d = DiscretionInput.parse(input);
  return db.transaction(async (tx) => {
    const params = [d.standardCode, d.circumstance, d.penalty, d.fineMin, d.fineMax, d.legalBasis, d.retired];
    const [row] = id === undefined
      ? await tx.query(`INSERT INTO discretion_standards (standard_code, circumstance, penalty, fine_min, fine_max, legal_basis, retired)
          VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING *`, params)
      : await tx.query(`UPDATE discretion_standards SET standard_code = $1, circumstance = $2, penalty = $3, fine_min = $4, fine_max = $5,
          legal_basis = $6, retired = $7, sample = false, updated_at = now() WHERE id = $8 RETURNING *`, [...params, id]);
    if (!row) throw new LegalNotFoundError(`no discretion row ${id}`);
    await appendAudit(tx, { actor, action: id === undefined ? 'discretion.created' : 'discretion.updated', targetType: 'system', targetId: `discretion/${row.id}`, details: d });
    return discretion(row);
  });
}

async function lockCase(tx: Queryable, caseId: string): Promise<{ state: string; standard_code: string }> {
  const [c] = await tx.query<{ state: string; standard_code: string }>('SELECT state, standard_code FROM cases WHERE id = $1 FOR UPDATE', [caseId]);
  if (!c) throw new LegalNotFoundError(`no case ${caseId}`);
  if (c.state !== 'confirmed') throw new LegalReviewError(`case ${caseId} is ${c.state}; only confirmed cases are reviewed`);
  return c;
}

async function currentState(tx: Queryable, caseId: string): Promise<LegalState> {
  const [r] = await tx.query<{ state: LegalState }>('SELECT state FROM legal_reviews WHERE case_id = $1', [caseId]);
  return r?.state ?? 'pending';
}

/** `user:<id>` of an actor string `user:<id> <name>`: the same person under another display name. */
const principalOf = (actor: string) => actor.split(' ')[0]!;

export async function reviewOf(q: Queryable, caseId: string): Promise<LegalReview | null> {
  const [c] = await q.query<{ state: string }>('SELECT state FROM cases WHERE id = $1', [caseId]);
  if (!c) return null;
  const [r] = await q.query<R>('SELECT * FROM legal_reviews WHERE case_id = $1', [caseId]);
  const standard = r?.standard_id ? discretion((await q.query<R>('SELECT * FROM discretion_standards WHERE id = $1', [r.standard_id]))[0]!) : null;
  return {
    caseId, state: (r?.state as LegalState) ?? 'pending', standard,
    proposedFine: r?.proposed_fine === null || r?.proposed_fine === undefined ? null : Number(r.proposed_fine),
    proposedPenalty: (r?.proposed_penalty as string | null) ?? null, reason: (r?.reason as string | null) ?? null,
    reviewer: (r?.reviewer as string | null) ?? null, decidedAt: r?.decided_at ? new Date(r.decided_at as string) : null, version: Number(r?.version ?? 0),
  };
}

/**
 * Runs in the approval's transaction after the review row is written and before any audit
 * entry (so the audit table is not locked while it works); returns more audit entries for the
 * case, appended after `legal.approved`. A throw rolls the approval back.
 */
export type ApprovalHook = (tx: Queryable, caseId: string, actor: string) => Promise<{ action: string; details: Record<string, unknown> }[]>;

/**
 * Approves a confirmed, pending case: the standard row must belong to the case's violation
 * code and the proposed fine lie within its range; the reviewer may not be the officer who
 * confirmed it. LegalReviewError otherwise. `onApproved` (the notice of violation) commits
 * with the approval or not at all.
 */
export async function approve(
  db: Db, caseId: string, d: { standardId: number; proposedFine: number; note?: string }, actor: string, onApproved?: ApprovalHook,
): Promise<LegalReview> {
  await db.transaction(async (tx) => {
    const c = await lockCase(tx, caseId);
    const state = await currentState(tx, caseId);
    if (state !== 'pending') throw new LegalReviewError(`the legal review of case ${caseId} is ${state}`);
    const [confirmer] = await tx.query<{ actor: string }>(
      `SELECT actor FROM audit_log WHERE target_type = 'case' AND target_id = $1 AND action = 'case.transition' AND details->>'to' = 'confirmed' ORDER BY seq DESC LIMIT 1`, [caseId]);
    if (confirmer && principalOf(confirmer.actor) === principalOf(actor)) {
      throw new LegalReviewError('the officer who confirmed a case may not also approve it (法制审核 is a second person)');
    }
    const [s] = await tx.query<R>('SELECT * FROM discretion_standards WHERE id = $1', [d.standardId]);
    if (!s) throw new LegalReviewError(`no discretion row ${d.standardId}`);
    const row = discretion(s);
    if (row.retired) throw new LegalReviewError(`discretion row ${row.id} is retired`);
    if (row.standardCode !== c.standard_code) throw new LegalReviewError(`discretion row ${row.id} is for ${row.standardCode}, the case is ${c.standard_code}`);
    if (d.proposedFine < row.fineMin || d.proposedFine > row.fineMax) {
      throw new LegalReviewError(`proposed fine ${d.proposedFine} outside the range ${row.fineMin}–${row.fineMax} of "${row.circumstance}"`);
    }
    await tx.query(
      `INSERT INTO legal_reviews (case_id, state, standard_id, proposed_fine, proposed_penalty, reason, reviewer, decided_at)
       VALUES ($1, 'approved', $2, $3, $4, $5, $6, now())
       ON CONFLICT (case_id) DO UPDATE SET state = 'approved', standard_id = $2, proposed_fine = $3, proposed_penalty = $4, reason = $5,
         reviewer = $6, decided_at = now(), version = legal_reviews.version + 1`,
      [caseId, row.id, d.proposedFine, row.penalty, d.note ?? null, actor]);
    const more = onApproved ? await onApproved(tx, caseId, actor) : [];
    await appendAudit(tx, { actor, action: 'legal.approved', targetType: 'case', targetId: caseId,
      details: { standardId: row.id, standardCode: row.standardCode, circumstance: row.circumstance, penalty: row.penalty, proposedFine: d.proposedFine, note: d.note, sample: row.sample } });
    for (const e of more) await appendAudit(tx, { actor, action: e.action, targetType: 'case', targetId: caseId, details: e.details });
  });
  return (await reviewOf(db, caseId))!;
}

/** Returns a confirmed, pending case to the officer with a reason. */
export async function returnCase(db: Db, caseId: string, reason: string, actor: string): Promise<LegalReview> {
  await db.transaction(async (tx) => {
    await lockCase(tx, caseId);
    const state = await currentState(tx, caseId);
    if (state !== 'pending') throw new LegalReviewError(`the legal review of case ${caseId} is ${state}`);
    await tx.query(
      `INSERT INTO legal_reviews (case_id, state, reason, reviewer, decided_at) VALUES ($1, 'returned', $2, $3, now())
       ON CONFLICT (case_id) DO UPDATE SET state = 'returned', reason = $2, reviewer = $3, decided_at = now(), standard_id = NULL,
         proposed_fine = NULL, proposed_penalty = NULL, version = legal_reviews.version + 1`,
      [caseId, reason, actor]);
    await appendAudit(tx, { actor, action: 'legal.returned', targetType: 'case', targetId: caseId, details: { reason } });
  });
  return (await reviewOf(db, caseId))!;
}

/** The officer sends a returned case back to legal review (after correcting, e.g., its party). */
export async function resubmit(db: Db, caseId: string, note: string | undefined, actor: string): Promise<LegalReview> {
  await db.transaction(async (tx) => {
    await lockCase(tx, caseId);
    const state = await currentState(tx, caseId);
    if (state !== 'returned') throw new LegalReviewError(`case ${caseId} was not returned (legal review is ${state})`);
    await tx.query(`UPDATE legal_reviews SET state = 'pending', decided_at = NULL, version = version + 1 WHERE case_id = $1`, [caseId]);
    await appendAudit(tx, { actor, action: 'legal.resubmitted', targetType: 'case', targetId: caseId, details: { note } });
  });
  return (await reviewOf(db, caseId))!;
}

/** Confirmed cases by legal-review state, oldest confirmation first, cut to the districts given. */
export async function legalQueue(q: Queryable, f: { state: LegalState; districts?: string[]; limit?: number }): Promise<{ caseId: string; state: LegalState }[]> {
  const rows = await q.query<{ id: string }>(
    `SELECT c.id FROM cases c LEFT JOIN legal_reviews l ON l.case_id = c.id
     WHERE c.state = 'confirmed' AND COALESCE(l.state, 'pending') = $1 AND ($2::text[] IS NULL OR c.district = ANY($2::text[]))
     ORDER BY c.state_changed_at, c.id LIMIT $3`,
    [f.state, f.districts?.length ? f.districts : null, Math.min(f.limit ?? 100, 500)]);
  return rows.map((r) => ({ caseId: String(r.id), state: f.state }));
}
