// Append-only, hash-chained audit log of every case transition and every evidence access.
// The table refuses UPDATE/DELETE/TRUNCATE (trigger); verifyAuditChain() also catches
// changes made by someone who disabled the trigger. The chain alone has no key: rows cut from
// the end, or rewritten with every later hash recomputed, still chain. So its head is put into
// each evidence anchor (signed with the evidence key, exported outside the store), and
// checkAuditHead() holds the log to every anchored head (`huiyan verify all`).
import { createHash } from 'node:crypto';
import type { Queryable } from './db.ts';
import { canonicalJson } from './canonical.ts';

export const GENESIS_HASH = '0'.repeat(64);

export interface AuditInput {
  actor: string;
  action: string;
  targetType: 'case' | 'hit' | 'bundle' | 'system' | 'party' | 'user';
  targetId: string;
  details?: Record<string, unknown>;
}

export interface AuditEntry extends Required<AuditInput> {
  seq: number;
  at: Date;
  prevHash: string;
  hash: string;
}

interface AuditRow {
  seq: number;
  at: Date;
  actor: string;
  action: string;
  target_type: AuditInput['targetType'];
  target_id: string;
  details: Record<string, unknown>;
  prev_hash: string;
  hash: string;
}

export function auditHash(prevHash: string, e: Omit<AuditEntry, 'prevHash' | 'hash'>): string {
  const body = canonicalJson({
    seq: e.seq,
    at: e.at.toISOString(),
    actor: e.actor,
    action: e.action,
    targetType: e.targetType,
    targetId: e.targetId,
    details: e.details,
  });
  return createHash('sha256').update(`${prevHash}\n${body}`).digest('hex');
}

/**
 * Appends one entry. Must run inside a transaction: the table lock serialises writers so
 * seq has no gaps and every entry links to the one before it.
 */
export async function appendAudit(tx: Queryable, input: AuditInput, at = new Date()): Promise<AuditEntry> {
  await tx.query('LOCK TABLE audit_log IN SHARE ROW EXCLUSIVE MODE');
  const [last] = await tx.query<{ seq: number; hash: string; at: Date }>('SELECT seq, hash, at FROM audit_log ORDER BY seq DESC LIMIT 1');
  // Keep the chain's times monotonic even if the wall clock steps back.
  const atMs = Math.max(Math.floor(at.getTime()), last ? new Date(last.at).getTime() : 0);
  const entry = {
    seq: (last?.seq ?? 0) + 1,
    at: new Date(atMs),
    actor: input.actor,
    action: input.action,
    targetType: input.targetType,
    targetId: input.targetId,
    details: JSON.parse(JSON.stringify(input.details ?? {})) as Record<string, unknown>,
  };
  const prevHash = last?.hash ?? GENESIS_HASH;
  const hash = auditHash(prevHash, entry);
  await tx.query(
    `INSERT INTO audit_log (seq, at, actor, action, target_type, target_id, details, prev_hash, hash)
     VALUES ($1, $2::timestamptz, $3, $4, $5, $6, $7::jsonb, $8, $9)`,
    [entry.seq, entry.at.toISOString(), entry.actor, entry.action, entry.targetType, entry.targetId, JSON.stringify(entry.details), prevHash, hash],
  );
  return { ...entry, prevHash, hash };
}

function fromRow(r: AuditRow): AuditEntry {
  return {
    seq: Number(r.seq),
    at: new Date(r.at),
    actor: r.actor,
    action: r.action,
    targetType: r.target_type,
    targetId: r.target_id,
    details: r.details,
    prevHash: r.prev_hash,
    hash: r.hash,
  };
}

export interface AuditQuery {
  targetType?: AuditInput['targetType'];
  targetId?: string;
  actor?: string;
  afterSeq?: number;
  limit?: number;
}

export async function listAudit(db: Queryable, q: AuditQuery = {}): Promise<AuditEntry[]> {
  const where: string[] = [];
  const params: unknown[] = [];
  const add = (sql: string, v: unknown) => {
    params.push(v);
    where.push(sql.replace('?', `$${params.length}`));
  };
  if (q.targetType) add('target_type = ?', q.targetType);
  if (q.targetId) add('target_id = ?', q.targetId);
  if (q.actor) add('actor = ?', q.actor);
  if (q.afterSeq !== undefined) add('seq > ?', q.afterSeq);
  params.push(Math.min(q.limit ?? 200, 1000));
  const rows = await db.query<AuditRow>(
    `SELECT * FROM audit_log ${where.length ? 'WHERE ' + where.join(' AND ') : ''} ORDER BY seq LIMIT $${params.length}`,
    params,
  );
  return rows.map(fromRow);
}

export interface AuditVerdict {
  ok: boolean;
  entries: number;
  headHash: string;
  /** First problem found: the entry's seq and what is wrong with it. */
  problem?: { seq: number; what: 'gap' | 'prev_hash' | 'hash' };
}

/** Recomputes the whole chain in pages; any edited, deleted or reordered entry breaks it. */
export async function verifyAuditChain(db: Queryable, pageSize = 1000): Promise<AuditVerdict> {
  let prev = GENESIS_HASH;
  let expectSeq = 1;
  for (;;) {
    const rows = await db.query<AuditRow>('SELECT * FROM audit_log WHERE seq >= $1 ORDER BY seq LIMIT $2', [expectSeq, pageSize]);
    for (const row of rows) {
      const e = fromRow(row);
      const fail = (what: 'gap' | 'prev_hash' | 'hash'): AuditVerdict => ({ ok: false, entries: expectSeq - 1, headHash: prev, problem: { seq: e.seq, what } });
      if (e.seq !== expectSeq) return fail('gap');
      if (e.prevHash !== prev) return fail('prev_hash');
      if (auditHash(prev, e) !== e.hash) return fail('hash');
      prev = e.hash;
      expectSeq++;
    }
    if (rows.length < pageSize) break;
  }
  // Entries below seq 1 or a missing first row show up as a gap at the first row.
  const [{ n }] = await db.query<{ n: number }>('SELECT count(*)::int AS n FROM audit_log');
  if (n !== expectSeq - 1) return { ok: false, entries: expectSeq - 1, headHash: prev, problem: { seq: expectSeq, what: 'gap' } };
  return { ok: true, entries: expectSeq - 1, headHash: prev };
}

/**
 * Checks the log against a head fixed earlier (an anchor's `audit`): the entry at `entries`
 * must still exist with the anchored hash. Returns null when it does, else what differs.
 */
export async function checkAuditHead(db: Queryable, head: { entries: number; headHash: string }): Promise<string | null> {
  if (head.entries === 0) return null;
  const [row] = await db.query<{ hash: string }>('SELECT hash FROM audit_log WHERE seq = $1', [head.entries]);
  if (!row) return `anchored entry #${head.entries} is gone (rows deleted from the end of the log)`;
  if (row.hash !== head.headHash) return `entry #${head.entries} has hash ${row.hash.slice(0, 12)}…, the anchor fixed ${head.headHash.slice(0, 12)}… (rows rewritten and the chain recomputed)`;
  return null;
}

/** The newest entry as an anchor records it: how many entries, and the last hash. */
export async function auditHead(db: Queryable): Promise<{ entries: number; headHash: string }> {
  const [last] = await db.query<{ seq: number; hash: string }>('SELECT seq, hash FROM audit_log ORDER BY seq DESC LIMIT 1');
  return last ? { entries: Number(last.seq), headHash: last.hash } : { entries: 0, headHash: GENESIS_HASH };
}
