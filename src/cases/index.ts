// The case store as other stages use it: open it, migrate it, read and change cases.
import { openDb, type Db, type DbOptions } from './db.ts';
import { runMigrations, CASES_MIGRATIONS, type MigrationDir } from './migrate.ts';
import { loadViolationCodes, syncViolationCodes, type ViolationCodes } from './codes.ts';
import { CaseWriter, type CreateCaseInput } from './repository.ts';
import { listAudit, verifyAuditChain, type AuditQuery } from './audit.ts';
import type { TransitionRequestT } from './lifecycle.ts';
import * as q from './queries.ts';
import { readWarning } from './warn.ts';

export * from './types.ts';
export * from './lifecycle.ts';
export { CaseNotFoundError, VersionConflictError, summary, type CreateCaseInput, type PendingNotification } from './repository.ts';
export type { CaseFilter, HitFilter, PageRequest, CaseStats, PrecisionRow, HitEventRecord, WarnStatsRow } from './queries.ts';
export type { WarningRecord, WarningOutcome } from './warn.ts';
export type { AuditEntry, AuditQuery, AuditVerdict } from './audit.ts';
export { openDb, type Db, type DbOptions, type Queryable } from './db.ts';
export { runMigrations, CASES_MIGRATIONS, type MigrationDir } from './migrate.ts';
export { loadViolationCodes, resolveCode, MissingCodeError, type ViolationCodes } from './codes.ts';

export interface CaseStoreOptions extends DbOptions {
  /** Extra migration folders applied after this stage's (e.g. src/api/migrations). */
  migrations?: MigrationDir[];
  codes?: ViolationCodes;
}

/** Database options from the environment: HUIYAN_DATABASE_URL (postgres://…) or PGlite in HUIYAN_PGLITE_DIR (default var/pglite). */
export function dbOptionsFromEnv(env = process.env): DbOptions {
  return env.HUIYAN_DATABASE_URL
    ? { url: env.HUIYAN_DATABASE_URL, schema: env.HUIYAN_PG_SCHEMA || undefined }
    : { pgliteDir: env.HUIYAN_PGLITE_DIR ?? 'var/pglite' };
}

export class CaseStore {
  readonly writer: CaseWriter;
  constructor(
    readonly db: Db,
    readonly codes: ViolationCodes,
  ) {
    this.writer = new CaseWriter(db, codes);
  }

  // Writes (each commits with its audit entry)
  createFromHit(input: CreateCaseInput) { return this.writer.createFromHit(input); }
  recordHitEvent(...a: Parameters<CaseWriter['recordHitEvent']>) { return this.writer.recordHitEvent(...a); }
  transition(caseId: string, req: TransitionRequestT, now?: Date) { return this.writer.transition(caseId, req, now); }
  recordEvidenceAccess(a: Parameters<CaseWriter['recordEvidenceAccess']>[0]) { return this.writer.recordEvidenceAccess(a); }
  markOverdue(now?: Date) { return this.writer.markOverdue(now); }

  // Reads
  getCase(id: string) { return q.getCase(this.db, id); }
  getCaseByHit(hitId: string) { return q.getCaseByHit(this.db, hitId); }
  listCases(f?: q.CaseFilter, p?: q.PageRequest) { return q.listCases(this.db, f, p); }
  listHits(f?: q.HitFilter, p?: q.PageRequest) { return q.listHits(this.db, f, p); }
  hitEvents(hitId: string) { return q.hitEvents(this.db, hitId); }
  stats(f?: q.CaseFilter, timeZone?: string) { return q.caseStats(this.db, f, timeZone); }
  precision(f?: q.CaseFilter, by?: 'rule' | 'camera_id' | 'district') { return q.precision(this.db, f, by); }
  warnStats(f?: q.CaseFilter) { return q.warnStats(this.db, f); }
  warning(caseId: string) { return readWarning(this.db, caseId); }
  isBundleProtected(bundleId: string) { return q.isBundleProtected(this.db, bundleId); }
  auditEntries(query?: AuditQuery) { return listAudit(this.db, query); }
  verifyAuditChain() { return verifyAuditChain(this.db); }

  close() { return this.db.close(); }
}

/** Opens the database, applies migrations, loads and mirrors the violation codes. */
export async function openCaseStore(opts: CaseStoreOptions = dbOptionsFromEnv()): Promise<CaseStore> {
  const db = await openDb(opts);
  try {
    await runMigrations(db, [CASES_MIGRATIONS, ...(opts.migrations ?? [])]);
    const codes = opts.codes ?? (await loadViolationCodes());
    await syncViolationCodes(db, codes);
    return new CaseStore(db, codes);
  } catch (err) {
    await db.close();
    throw err;
  }
}
