// Users, sessions and API keys in the API's own tables (src/api/migrations/001_auth.sql).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RuleTypeT } from '../../config/schema.ts';
import type { Db } from '../../cases/db.ts';
import { appendAudit } from '../../cases/audit.ts';
import type { Principal, Role, Scope } from './access.ts';
import { hashPassword, verifyPassword } from './passwords.ts';
import { TimeScope, type TimeScopeT } from './time-scope.ts';

export interface NewUser {
  username: string;
  displayName: string;
  password: string;
  role: Role;
  scope?: Partial<Scope>;
}

interface ScopeRow {
  role: Role;
  districts: string[];
  streets: string[];
  categories: string[];
  time_scope: unknown;
}

interface UserRow extends ScopeRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  disabled: boolean;
}

/** The row's scope; a stored time scope that no longer parses is an error, never "unrestricted". */
export const toScope = (r: Omit<ScopeRow, 'role'>): Scope => ({
  districts: r.districts ?? [],
  streets: r.streets ?? [],
  categories: (r.categories ?? []) as RuleTypeT[],
  ...(r.time_scope == null ? {} : { time: TimeScope.parse(r.time_scope) }),
});

/** The jsonb parameter for a time scope; null for none. */
export const timeParam = (t: TimeScopeT | undefined) => (t && Object.keys(t).length ? JSON.stringify(t) : null);

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class UserStore {
  constructor(
    /** The case store's database: the notice acknowledgement joins its audit chain. */
    readonly sql: Db,
    /** Session lifetime; an officer's shift. */
    private readonly sessionTtlMs = 12 * 3600_000,
  ) {}

  async createUser(u: NewUser): Promise<string> {
    const id = randomUUID();
    await this.sql.query(
      `INSERT INTO api_users (id, username, display_name, password_hash, role, districts, streets, categories, time_scope)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb)`,
      [id, u.username, u.displayName, await hashPassword(u.password), u.role,
        u.scope?.districts ?? [], u.scope?.streets ?? [], u.scope?.categories ?? [], timeParam(u.scope?.time)],
    );
    return id;
  }

  async listUsers(): Promise<{ id: string; username: string; displayName: string; role: Role; scope: Scope; disabled: boolean }[]> {
    const rows = await this.sql.query<UserRow>(`SELECT * FROM api_users ORDER BY username`);
    return rows.map((r) => ({ id: r.id, username: r.username, displayName: r.display_name, role: r.role, scope: toScope(r), disabled: r.disabled }));
  }

  async exists(username: string): Promise<boolean> {
    return (await this.sql.query(`SELECT 1 FROM api_users WHERE username = $1`, [username])).length > 0;
  }

  /** Returns the principal for a correct password, else null (same answer for unknown users). */
  async login(username: string, password: string): Promise<Principal | null> {
    const rows = await this.sql.query<UserRow>(`SELECT * FROM api_users WHERE username = $1`, [username]);
    const row = rows[0];
    // Hash even for unknown users so response time does not reveal which usernames exist.
    const ok = await verifyPassword(password, row?.password_hash ?? (await DUMMY_HASH));
    if (!row || row.disabled || !ok) return null;
    return { kind: 'user', id: row.id, name: row.display_name, role: row.role, scope: toScope(row) };
  }

  async createSession(userId: string): Promise<{ id: string; expiresAt: Date }> {
    const id = randomBytes(24).toString('base64url');
    const expiresAt = new Date(Date.now() + this.sessionTtlMs);
    await this.sql.query(`INSERT INTO api_sessions (id, user_id, expires_at) VALUES ($1,$2,$3)`, [id, userId, expiresAt]);
    return { id, expiresAt };
  }

  /** The session's user and whether the session has acknowledged the data-security notice. */
  async sessionPrincipal(sessionId: string): Promise<{ principal: Principal; noticeAcked: boolean } | null> {
    const rows = await this.sql.query<UserRow & { notice_acked_at: Date | null }>(
      `SELECT u.*, s.notice_acked_at FROM api_sessions s JOIN api_users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [sessionId],
    );
    const r = rows[0];
    return r
      ? { principal: { kind: 'user', id: r.id, name: r.display_name, role: r.role, scope: toScope(r) }, noticeAcked: r.notice_acked_at !== null }
      : null;
  }

  /**
   * Records that the session acknowledged the data-security notice: the session row's time
   * (first acknowledgement only) and, in the same transaction, one `notice.acknowledged` entry
   * in the hash-chained audit log — actor, the session (sha256 prefix of its id: the id itself is
   * a bearer secret), the sha256 of the text acknowledged, the client's address. A repeated
   * acknowledgement of the same session adds nothing. False when the session is gone.
   */
  async acknowledgeNotice(sessionId: string, who: { actor: string; userId: string; noticeText: string; ip?: string }): Promise<boolean> {
    return this.sql.transaction(async (tx) => {
      const [s] = await tx.query<{ notice_acked_at: Date | null }>(
        `SELECT notice_acked_at FROM api_sessions WHERE id = $1 AND expires_at > now() FOR UPDATE`, [sessionId]);
      if (!s) return false;
      if (s.notice_acked_at !== null) return true;
      const [row] = await tx.query<{ notice_acked_at: Date }>(
        `UPDATE api_sessions SET notice_acked_at = now() WHERE id = $1 RETURNING notice_acked_at`, [sessionId]);
      await appendAudit(tx, {
        actor: who.actor, action: 'notice.acknowledged', targetType: 'user', targetId: who.userId,
        details: { session: sha256(sessionId).slice(0, 16), noticeSha256: sha256(who.noticeText), ...(who.ip ? { ip: who.ip } : {}) },
      }, new Date(row!.notice_acked_at));
      return true;
    });
  }

  async endSession(sessionId: string): Promise<void> {
    await this.sql.query(`DELETE FROM api_sessions WHERE id = $1`, [sessionId]);
  }

  /** Creates a machine key; the returned secret is shown once and only its hash is kept. */
  async createApiKey(name: string, role: Role, scope: Partial<Scope> = {}): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const key = `hy_${randomBytes(24).toString('base64url')}`;
    await this.sql.query(
      `INSERT INTO api_keys (id, name, key_sha256, role, districts, streets, categories, time_scope) VALUES ($1,$2,$3,$4,$5,$6,$7,$8::jsonb)`,
      [id, name, sha256(key), role, scope.districts ?? [], scope.streets ?? [], scope.categories ?? [], timeParam(scope.time)],
    );
    return { id, key };
  }

  async apiKeyPrincipal(key: string): Promise<Principal | null> {
    const rows = await this.sql.query<ScopeRow & { id: string; name: string }>(
      `SELECT * FROM api_keys WHERE key_sha256 = $1 AND revoked_at IS NULL`,
      [sha256(key)],
    );
    const r = rows[0];
    return r ? { kind: 'apikey', id: r.id, name: `key:${r.name}`, role: r.role, scope: toScope(r) } : null;
  }

  async revokeApiKey(id: string): Promise<void> {
    await this.sql.query(`UPDATE api_keys SET revoked_at = now() WHERE id = $1`, [id]);
  }

  /** Keys without their secrets (only the hash is stored); revoked ones carry revokedAt. */
  async listApiKeys(): Promise<{ id: string; name: string; role: Role; scope: Scope; createdAt: Date; revokedAt: Date | null }[]> {
    const rows = await this.sql.query<ScopeRow & { id: string; name: string; created_at: Date; revoked_at: Date | null }>(
      `SELECT * FROM api_keys ORDER BY created_at, name`,
    );
    return rows.map((r) => ({ id: r.id, name: r.name, role: r.role, scope: toScope(r), createdAt: r.created_at, revokedAt: r.revoked_at }));
  }

  /** Sets a new password and ends the user's sessions; false when the user does not exist. */
  async setPassword(username: string, password: string): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE api_users SET password_hash = $2 WHERE username = $1 RETURNING id`,
      [username, await hashPassword(password)],
    );
    if (rows[0]) await this.sql.query(`DELETE FROM api_sessions WHERE user_id = $1`, [rows[0].id]);
    return rows.length > 0;
  }

  /** Disables (or re-enables) a login; disabling ends its sessions. False when the user does not exist. */
  async setDisabled(username: string, disabled: boolean): Promise<boolean> {
    const rows = await this.sql.query<{ id: string }>(
      `UPDATE api_users SET disabled = $2 WHERE username = $1 RETURNING id`,
      [username, disabled],
    );
    if (rows[0] && disabled) await this.sql.query(`DELETE FROM api_sessions WHERE user_id = $1`, [rows[0].id]);
    return rows.length > 0;
  }
}

const DUMMY_HASH = hashPassword('not-a-real-password');
