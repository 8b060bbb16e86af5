// Users, sessions and API keys in the API's own tables (src/api/migrations/001_auth.sql).
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import type { RuleTypeT } from '../../config/schema.ts';
import type { Sql } from '../db.ts';
import type { Principal, Role, Scope } from './access.ts';
import { hashPassword, verifyPassword } from './passwords.ts';

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
}

interface UserRow extends ScopeRow {
  id: string;
  username: string;
  display_name: string;
  password_hash: string;
  disabled: boolean;
}

const toScope = (r: ScopeRow): Scope => ({
  districts: r.districts ?? [],
  streets: r.streets ?? [],
  categories: (r.categories ?? []) as RuleTypeT[],
});

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

export class UserStore {
  constructor(
    private readonly sql: Sql,
    /** Session lifetime; an officer's shift. */
    private readonly sessionTtlMs = 12 * 3600_000,
  ) {}

  async createUser(u: NewUser): Promise<string> {
    const id = randomUUID();
    await this.sql.query(
      `INSERT INTO api_users (id, username, display_name, password_hash, role, districts, streets, categories)
       VALUES ($1,$2,$3,$4,$5,$6,$7,$8)`,
      [id, u.username, u.displayName, await hashPassword(u.password), u.role,
        u.scope?.districts ?? [], u.scope?.streets ?? [], u.scope?.categories ?? []],
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

  async sessionPrincipal(sessionId: string): Promise<Principal | null> {
    const rows = await this.sql.query<UserRow>(
      `SELECT u.* FROM api_sessions s JOIN api_users u ON u.id = s.user_id
       WHERE s.id = $1 AND s.expires_at > now() AND NOT u.disabled`,
      [sessionId],
    );
    const r = rows[0];
    return r ? { kind: 'user', id: r.id, name: r.display_name, role: r.role, scope: toScope(r) } : null;
  }

  async endSession(sessionId: string): Promise<void> {
    await this.sql.query(`DELETE FROM api_sessions WHERE id = $1`, [sessionId]);
  }

  /** Creates a machine key; the returned secret is shown once and only its hash is kept. */
  async createApiKey(name: string, role: Role, scope: Partial<Scope> = {}): Promise<{ id: string; key: string }> {
    const id = randomUUID();
    const key = `hy_${randomBytes(24).toString('base64url')}`;
    await this.sql.query(
      `INSERT INTO api_keys (id, name, key_sha256, role, districts, streets, categories) VALUES ($1,$2,$3,$4,$5,$6,$7)`,
      [id, name, sha256(key), role, scope.districts ?? [], scope.streets ?? [], scope.categories ?? []],
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
}

const DUMMY_HASH = hashPassword('not-a-real-password');
