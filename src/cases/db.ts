// One small database interface over real PostgreSQL (`pg`) and embedded PGlite, so the case
// repository, the migrations and the tests run unchanged on both.
import pg from 'pg';
import { PGlite } from '@electric-sql/pglite';

export type Row = Record<string, unknown>;

export interface Queryable {
  /** Runs one parameterised statement and returns its rows. */
  query<T = Row>(sql: string, params?: unknown[]): Promise<T[]>;
  /** Runs a script of several statements without parameters (migrations). */
  exec(sql: string): Promise<void>;
}

export interface Db extends Queryable {
  readonly kind: 'pg' | 'pglite';
  /** Runs fn inside BEGIN … COMMIT; any throw rolls back. */
  transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T>;
  close(): Promise<void>;
}

export interface DbOptions {
  /** postgres://… selects real PostgreSQL; absent selects PGlite. */
  url?: string;
  /** PostgreSQL schema to put first on the search_path (tests use one per test). */
  schema?: string;
  /** PGlite data directory; absent = in memory. */
  pgliteDir?: string;
  poolSize?: number;
}

const SCHEMA_NAME = /^[a-z_][a-z0-9_]{0,62}$/;

export async function openDb(opts: DbOptions = {}): Promise<Db> {
  if (opts.schema !== undefined && !SCHEMA_NAME.test(opts.schema)) throw new Error(`bad schema name ${opts.schema}`);
  if (!opts.url) return openPglite(opts.pgliteDir, opts.schema);
  const db = openPg(opts.url, opts.schema, opts.poolSize ?? 5);
  if (opts.schema) await ensureSchema(db, opts.schema);
  return db;
}

/**
 * A fresh database needs no manual step: the schema named by HUIYAN_PG_SCHEMA is created on
 * first open. Processes starting together may race on it; the loser's "already exists"
 * (42P06, or 23505 on pg_namespace's unique index) means the work is done.
 */
async function ensureSchema(db: Db, schema: string): Promise<void> {
  try {
    await db.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}`);
  } catch (err) {
    const code = (err as { code?: string }).code;
    if (code !== '42P06' && code !== '23505') {
      await db.close();
      throw err;
    }
  }
}

function openPg(url: string, schema: string | undefined, max: number): Db {
  const pool = new pg.Pool({
    connectionString: url,
    max,
    ...(schema ? { options: `-c search_path=${schema}` } : {}),
  });
  // An idle client losing its server must not crash the process; the next query reconnects.
  pool.on('error', () => {});
  const on = (c: pg.Pool | pg.PoolClient): Queryable => ({
    query: async <T = Row>(sql: string, params?: unknown[]) => (await c.query(sql, params as unknown[])).rows as T[],
    exec: async (sql: string) => {
      await c.query(sql);
    },
  });
  return {
    kind: 'pg',
    ...on(pool),
    async transaction<T>(fn: (tx: Queryable) => Promise<T>): Promise<T> {
      const client = await pool.connect();
      try {
        await client.query('BEGIN');
        const out = await fn(on(client));
        await client.query('COMMIT');
        return out;
      } catch (err) {
        await client.query('ROLLBACK').catch(() => {});
        throw err;
      } finally {
        client.release();
      }
    },
    close: () => pool.end(),
  };
}

async function openPglite(dir: string | undefined, schema: string | undefined): Promise<Db> {
  const lite = new PGlite(dir);
  await lite.waitReady;
  if (schema) await lite.exec(`CREATE SCHEMA IF NOT EXISTS ${schema}; SET search_path TO ${schema}`);
  type LiteTx = Pick<PGlite, 'query' | 'exec'>;
  const on = (c: LiteTx): Queryable => ({
    query: async <T = Row>(sql: string, params?: unknown[]) => (await c.query<T>(sql, params)).rows,
    exec: async (sql: string) => {
      await c.exec(sql);
    },
  });
  return {
    kind: 'pglite',
    ...on(lite),
    // PGlite serialises everything on its single connection, so transactions never interleave.
    transaction: <T>(fn: (tx: Queryable) => Promise<T>) => lite.transaction((tx) => fn(on(tx as unknown as LiteTx))),
    close: () => lite.close(),
  };
}
