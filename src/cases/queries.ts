// Reads for the API and the command centre: filtered, keyset-paginated lists, statistics by
// type / district / hour, and precision from officers' verdicts.
import type { Queryable } from './db.ts';
import type { CaseStateT } from './lifecycle.ts';
import type { RuleTypeT } from '../config/schema.ts';
import { caseFromRow, hitFromRow, type CaseRecord, type HitRecord, type Page } from './types.ts';

export interface CaseFilter {
  state?: CaseStateT | CaseStateT[];
  rule?: RuleTypeT | RuleTypeT[];
  district?: string;
  /** Role scoping: only cases in these districts (a squad in district A never sees B). */
  districts?: string[];
  street?: string;
  /** Role scoping: only cases on these streets (applied in SQL, so totals and pages agree). */
  streets?: string[];
  cameraId?: string;
  standardCode?: string;
  /** created_at range, [from, to). */
  from?: Date;
  to?: Date;
  /** true: only pending_review cases past their deadline. */
  overdue?: boolean;
}

export interface PageRequest {
  limit?: number;
  cursor?: string | null;
}

class Where {
  readonly parts: string[] = [];
  readonly params: unknown[] = [];
  add(sql: string, ...values: unknown[]): void {
    let s = sql;
    for (const v of values) {
      this.params.push(v);
      s = s.replace('?', `$${this.params.length}`);
    }
    this.parts.push(s);
  }
  sql(): string {
    return this.parts.length ? `WHERE ${this.parts.join(' AND ')}` : '';
  }
}

const list = <T>(v: T | T[] | undefined): T[] | undefined => (v === undefined ? undefined : Array.isArray(v) ? v : [v]);

function caseWhere(f: CaseFilter, alias = ''): Where {
  const w = new Where();
  const a = alias ? `${alias}.` : '';
  const states = list(f.state);
  const rules = list(f.rule);
  if (states?.length) w.add(`${a}state = ANY(?::text[])`, states);
  if (rules?.length) w.add(`${a}rule = ANY(?::text[])`, rules);
  if (f.district) w.add(`${a}district = ?`, f.district);
  if (f.districts) w.add(`${a}district = ANY(?::text[])`, f.districts);
  if (f.street) w.add(`${a}street = ?`, f.street);
  if (f.streets) w.add(`${a}street = ANY(?::text[])`, f.streets);
  if (f.cameraId) w.add(`${a}camera_id = ?`, f.cameraId);
  if (f.standardCode) w.add(`${a}standard_code = ?`, f.standardCode);
  if (f.from) w.add(`${a}created_at >= ?::timestamptz`, f.from.toISOString());
  if (f.to) w.add(`${a}created_at < ?::timestamptz`, f.to.toISOString());
  if (f.overdue) w.add(`${a}state = 'pending_review' AND ${a}review_due_at < now()`);
  return w;
}

const pageSize = (p: PageRequest) => Math.max(1, Math.min(p.limit ?? 50, 500));

/** Newest first; the cursor is the last case number seen. */
export async function listCases(db: Queryable, f: CaseFilter = {}, p: PageRequest = {}): Promise<Page<CaseRecord>> {
  const w = caseWhere(f);
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM cases ${w.sql()}`, w.params);
  if (p.cursor) w.add('no < ?', Number.parseInt(p.cursor, 10));
  const limit = pageSize(p);
  const rows = await db.query(`SELECT * FROM cases ${w.sql()} ORDER BY no DESC LIMIT ${limit + 1}`, w.params);
  const items = rows.slice(0, limit).map(caseFromRow);
  return { items, total: n, nextCursor: rows.length > limit ? String(items[items.length - 1]!.no) : null };
}

export async function getCase(db: Queryable, id: string): Promise<CaseRecord | null> {
  if (!/^[0-9a-f-]{36}$/i.test(id)) return null;
  const [row] = await db.query('SELECT * FROM cases WHERE id = $1', [id]);
  return row ? caseFromRow(row) : null;
}

export async function getCaseByHit(db: Queryable, hitId: string): Promise<CaseRecord | null> {
  const [row] = await db.query('SELECT * FROM cases WHERE hit_id = $1', [hitId]);
  return row ? caseFromRow(row) : null;
}

export interface HitFilter {
  cameraId?: string;
  rule?: RuleTypeT | RuleTypeT[];
  open?: boolean;
  from?: Date;
  to?: Date;
}

/** Hits, newest first by start; the cursor is `<startedAt ms>:<hitId>`. */
export async function listHits(db: Queryable, f: HitFilter = {}, p: PageRequest = {}): Promise<Page<HitRecord>> {
  const w = new Where();
  const rules = list(f.rule);
  if (f.cameraId) w.add('h.camera_id = ?', f.cameraId);
  if (rules?.length) w.add('h.rule = ANY(?::text[])', rules);
  if (f.open !== undefined) w.add(f.open ? 'h.cleared_at IS NULL' : 'h.cleared_at IS NOT NULL');
  if (f.from) w.add('h.started_at >= ?::timestamptz', f.from.toISOString());
  if (f.to) w.add('h.started_at < ?::timestamptz', f.to.toISOString());
  const [{ n }] = await db.query<{ n: number }>(`SELECT count(*)::int AS n FROM hits h ${w.sql()}`, w.params);
  if (p.cursor) {
    const i = p.cursor.indexOf(':');
    w.add('(h.started_at, h.hit_id) < (?::timestamptz, ?)', new Date(Number(p.cursor.slice(0, i))).toISOString(), p.cursor.slice(i + 1));
  }
  const limit = pageSize(p);
  const rows = await db.query(
    `SELECT h.*, c.id AS case_id FROM hits h LEFT JOIN cases c ON c.hit_id = h.hit_id ${w.sql()}
     ORDER BY h.started_at DESC, h.hit_id DESC LIMIT ${limit + 1}`,
    w.params,
  );
  const items = rows.slice(0, limit).map(hitFromRow);
  const last = items[items.length - 1];
  return { items, total: n, nextCursor: rows.length > limit && last ? `${last.startedAt.getTime()}:${last.hitId}` : null };
}

export interface HitEventRecord {
  seq: number;
  event: 'opened' | 'updated' | 'cleared';
  at: Date;
  score: number;
  payload: Record<string, unknown>;
}

export async function hitEvents(db: Queryable, hitId: string): Promise<HitEventRecord[]> {
  const rows = await db.query<{ seq: number; event: HitEventRecord['event']; at: Date; score: number; payload: Record<string, unknown> }>(
    'SELECT seq, event, at, score, payload FROM hit_events WHERE hit_id = $1 ORDER BY seq',
    [hitId],
  );
  return rows.map((r) => ({ seq: Number(r.seq), event: r.event, at: new Date(r.at), score: Number(r.score), payload: r.payload }));
}

export interface CaseStats {
  total: number;
  byState: { state: CaseStateT; count: number }[];
  byType: { rule: RuleTypeT; count: number }[];
  byDistrict: { district: string; count: number }[];
  /** Hour buckets (start of the hour, UTC instant) with at least one case. */
  byHour: { hour: Date; count: number }[];
  /** 0–23 in `timeZone` (default Asia/Shanghai): when in the day violations are found. */
  byHourOfDay: { hour: number; count: number }[];
}

export async function caseStats(db: Queryable, f: CaseFilter = {}, timeZone = 'Asia/Shanghai'): Promise<CaseStats> {
  const w = caseWhere(f);
  const group = async <T>(expr: string, key: string): Promise<T[]> =>
    db.query<T>(`SELECT ${expr} AS ${key}, count(*)::int AS count FROM cases ${w.sql()} GROUP BY 1 ORDER BY 1`, w.params);
  const tz = timeZone.replace(/'/g, '');
  const [byState, byType, byDistrict, byHour, byHourOfDay] = [
    await group<{ state: CaseStateT; count: number }>('state', 'state'),
    await group<{ rule: RuleTypeT; count: number }>('rule', 'rule'),
    await group<{ district: string; count: number }>('district', 'district'),
    await group<{ hour: Date; count: number }>(`date_trunc('hour', created_at)`, 'hour'),
    await group<{ hour: number; count: number }>(`extract(hour FROM created_at AT TIME ZONE '${tz}')::int`, 'hour'),
  ];
  return {
    total: byState.reduce((s, r) => s + r.count, 0),
    byState,
    byType,
    byDistrict,
    byHour: byHour.map((r) => ({ hour: new Date(r.hour), count: r.count })),
    byHourOfDay,
  };
}

/** Warn-first hits per rule: still in their grace period, self-corrected, and filed as cases. */
export interface WarnStatsRow {
  rule: RuleTypeT;
  warned: number;
  selfCorrected: number;
  filed: number;
}

export async function warnStats(db: Queryable, f: CaseFilter = {}): Promise<WarnStatsRow[]> {
  const w = caseWhere(f, 'c');
  const rows = await db.query<{ rule: RuleTypeT; warned: number; self_corrected: number; filed: number }>(
    `SELECT c.rule,
       count(*) FILTER (WHERE w.outcome IS NULL)::int AS warned,
       count(*) FILTER (WHERE w.outcome = 'self_corrected')::int AS self_corrected,
       count(*) FILTER (WHERE w.outcome = 'filed')::int AS filed
     FROM cases c JOIN case_warnings w ON w.case_id = c.id ${w.sql()} GROUP BY 1 ORDER BY 1`,
    w.params,
  );
  return rows.map((r) => ({ rule: r.rule, warned: r.warned, selfCorrected: r.self_corrected, filed: r.filed }));
}

export interface PrecisionRow {
  key: string;
  /** Confirmed by an officer (confirmed, dispatched or resolved). */
  truePositives: number;
  /** Rejected as not a violation or as the wrong type. */
  falsePositives: number;
  /** Rejected as duplicate or unusable image: says nothing about the detector. */
  excluded: number;
  /** tp / (tp + fp); null before any verdict. */
  precision: number | null;
}

/** Detection precision from verdicts, overall and per rule / camera / district. */
export async function precision(
  db: Queryable,
  f: CaseFilter = {},
  by: 'rule' | 'camera_id' | 'district' = 'rule',
): Promise<{ overall: PrecisionRow; groups: PrecisionRow[] }> {
  const w = caseWhere(f);
  const rows = await db.query<{ key: string; tp: number; fp: number; ex: number }>(
    `SELECT ${by} AS key,
       count(*) FILTER (WHERE state IN ('confirmed', 'dispatched', 'resolved', 'delivered', 'acknowledged', 'statement_received', 'decided', 'paid', 'closed'))::int AS tp,
       count(*) FILTER (WHERE reject_reason IN ('not_violation', 'wrong_type'))::int AS fp,
       count(*) FILTER (WHERE reject_reason IN ('duplicate', 'image_unusable'))::int AS ex
     FROM cases ${w.sql()} GROUP BY 1 ORDER BY 1`,
    w.params,
  );
  const mk = (key: string, tp: number, fp: number, ex: number): PrecisionRow => ({
    key, truePositives: tp, falsePositives: fp, excluded: ex, precision: tp + fp ? tp / (tp + fp) : null,
  });
  const groups = rows.map((r) => mk(r.key, r.tp, r.fp, r.ex));
  const sum = (k: 'tp' | 'fp' | 'ex') => rows.reduce((s, r) => s + r[k], 0);
  return { overall: mk('all', sum('tp'), sum('fp'), sum('ex')), groups };
}

/**
 * For evidence retention (sweepRetention's isProtected): a bundle stays while its case is
 * open or confirmed — anything but resolved, rejected or self-corrected; a warn-first case's
 * "after" bundle counts as its own. A bundle no case refers to is not protected here
 * (retention only considers bundles older than its period).
 */
export async function isBundleProtected(db: Queryable, bundleId: string): Promise<boolean> {
  const [row] = await db.query<{ n: number }>(
    `SELECT count(*)::int AS n FROM cases c LEFT JOIN case_warnings w ON w.case_id = c.id
     WHERE (c.bundle_id = $1 OR w.after_bundle_id = $1) AND c.state NOT IN ('resolved', 'rejected', 'self_corrected')`,
    [bundleId],
  );
  return (row?.n ?? 0) > 0;
}
