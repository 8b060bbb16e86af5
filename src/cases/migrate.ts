// Numbered .sql migrations, applied in order, each inside its own transaction and recorded
// in schema_migrations. Other stages add their own folders (e.g. src/api/migrations/).
import { readdir, readFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { createHash } from 'node:crypto';
import type { Db } from './db.ts';

/** This stage's migrations. */
export const CASES_MIGRATIONS = path.join(path.dirname(fileURLToPath(import.meta.url)), 'migrations');

/** A folder of migrations; `scope` keeps ids from different folders apart (default: the parent folder's name). */
export type MigrationDir = string | { scope: string; dir: string };

export interface AppliedMigration {
  id: string;
  sha256: string;
}

const FILE = /^(\d+)_[\w.-]+\.sql$/;

export class MigrationError extends Error {
  override name = 'MigrationError';
}

async function listDir(d: MigrationDir): Promise<{ id: string; file: string }[]> {
  const { scope, dir } = typeof d === 'string' ? { scope: path.basename(path.dirname(path.resolve(d))), dir: d } : d;
  const names = (await readdir(dir)).filter((n) => FILE.test(n));
  names.sort((a, b) => Number(FILE.exec(a)![1]) - Number(FILE.exec(b)![1]) || a.localeCompare(b));
  return names.map((n) => ({ id: `${scope}/${n}`, file: path.join(dir, n) }));
}

/**
 * Applies every migration not yet recorded, folder by folder in the order given. Returns the
 * ones applied now. A recorded migration whose file changed since is an error: edits to an
 * applied migration would silently diverge databases.
 */
export async function runMigrations(db: Db, dirs: MigrationDir[] = [CASES_MIGRATIONS]): Promise<AppliedMigration[]> {
  // Workers starting together would race on CREATE TABLE IF NOT EXISTS; an advisory lock
  // (database-wide, held to the end of the transaction) serialises them.
  await db.transaction(async (tx) => {
    await tx.query('SELECT pg_advisory_xact_lock(7210641)');
    await tx.exec(`CREATE TABLE IF NOT EXISTS schema_migrations (
      id text PRIMARY KEY, sha256 text NOT NULL, applied_at timestamptz NOT NULL DEFAULT now())`);
  });
  const applied: AppliedMigration[] = [];
  for (const d of dirs) {
    for (const { id, file } of await listDir(d)) {
      const sql = await readFile(file, 'utf8');
      const sha256 = createHash('sha256').update(sql).digest('hex');
      const done = await db.transaction(async (tx) => {
        // Two processes starting at once: the second waits here, then sees the row.
        await tx.query('LOCK TABLE schema_migrations IN EXCLUSIVE MODE');
        const [row] = await tx.query<{ sha256: string }>('SELECT sha256 FROM schema_migrations WHERE id = $1', [id]);
        if (row) {
          if (row.sha256 !== sha256) throw new MigrationError(`migration ${id} changed after it was applied`);
          return false;
        }
        await tx.exec(sql);
        await tx.query('INSERT INTO schema_migrations (id, sha256) VALUES ($1, $2)', [id, sha256]);
        return true;
      });
      if (done) applied.push({ id, sha256 });
    }
  }
  return applied;
}
