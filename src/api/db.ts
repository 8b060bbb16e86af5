// The API's view of the database: the same shape as the cases stage's Queryable, so either
// a pg pool or its Db plugs in. applySqlFolder is a stand-in until the cases migrations
// runner is merged.
import { readFile, readdir } from 'node:fs/promises';

export interface Sql {
  query<T = Record<string, unknown>>(sql: string, params?: unknown[]): Promise<T[]>;
  exec(sql: string): Promise<void>;
}

/** Applies every *.sql in `dir` once, in name order, recording them in `<table>`. */
export async function applySqlFolder(sql: Sql, dir: string, table = 'api_migrations'): Promise<string[]> {
  await sql.exec(`CREATE TABLE IF NOT EXISTS ${table} (name text PRIMARY KEY, applied_at timestamptz NOT NULL DEFAULT now())`);
  const done = new Set((await sql.query<{ name: string }>(`SELECT name FROM ${table}`)).map((r) => r.name));
  const applied: string[] = [];
  for (const name of (await readdir(dir)).filter((n) => n.endsWith('.sql')).sort()) {
    if (done.has(name)) continue;
    await sql.exec(await readFile(new URL(name, `file://${dir}/`), 'utf8'));
    await sql.query(`INSERT INTO ${table} (name) VALUES ($1)`, [name]);
    applied.push(name);
  }
  return applied;
}

export const API_MIGRATIONS = new URL('./migrations/', import.meta.url).pathname;
