// A site under test: temp folder, a PostgreSQL schema that does NOT exist yet (the processes
// create it: that is part of what is tested), the machine's Redis under a queue prefix of its own.
import { mkdtemp, mkdir, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { freshSchemaName, PG_URL } from '../../cases/stores.ts';
import { applianceTestEnv } from '../../support/appliance-env.ts';

export interface SiteDir {
  dir: string;
  schema: string;
  env: NodeJS.ProcessEnv;
  streams: string;
  cleanup(): Promise<void>;
}

export async function siteDir(tag: string): Promise<SiteDir> {
  const dir = await mkdtemp(path.join(os.tmpdir(), `huiyan-${tag}-`));
  const schema = freshSchemaName(tag);
  const env = applianceTestEnv(dir, schema, tag);
  const streams = env.HUIYAN_STREAMS_CONFIG!;
  await mkdir(streams, { recursive: true });
  return {
    dir,
    schema,
    env: { ...env, HUIYAN_COOKIE_SECRET: 'e2e-cookie-secret-0123456789abcdef0123456789' },
    streams,
    async cleanup() {
      const c = new pg.Client({ connectionString: PG_URL });
      await c.connect();
      await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      await c.end();
      await rm(dir, { recursive: true, force: true });
    },
  };
}

export async function schemaExists(schema: string): Promise<boolean> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  const r = await c.query('SELECT 1 FROM pg_namespace WHERE nspname = $1', [schema]);
  await c.end();
  return r.rowCount === 1;
}
