// The API's database access goes through the cases stage's Db; the API only adds its own
// migration folder (users, sessions, API keys) to that stage's runner.
import type { MigrationDir } from '../cases/migrate.ts';

export type { Queryable as Sql } from '../cases/db.ts';

export const API_MIGRATIONS = new URL('./migrations/', import.meta.url).pathname;

/** Pass to openCaseStore({ migrations: [API_MIGRATION_DIR] }) or runMigrations. */
export const API_MIGRATION_DIR: MigrationDir = { scope: 'api', dir: API_MIGRATIONS };
