// Opens a case store on each backend: real PostgreSQL (database `test`, a fresh schema per
// call, dropped on close) and in-memory PGlite.
import { randomBytes } from 'node:crypto';
import pg from 'pg';
import { openCaseStore, type CaseStore } from '../../src/cases/index.ts';

export const PG_URL = process.env.HUIYAN_TEST_PG_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

export const freshSchemaName = (tag: string) => `t_${tag}_${randomBytes(5).toString('hex')}`;

export async function createSchema(schema: string): Promise<() => Promise<void>> {
  const c = new pg.Client({ connectionString: PG_URL });
  await c.connect();
  await c.query(`CREATE SCHEMA ${schema}`);
  await c.end();
  return async () => {
    const d = new pg.Client({ connectionString: PG_URL });
    await d.connect();
    await d.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
    await d.end();
  };
}

export interface Backend {
  name: 'pg' | 'pglite';
  open(): Promise<{ store: CaseStore; close(): Promise<void> }>;
}

export const backends: Backend[] = [
  {
    name: 'pg',
    async open() {
      const schema = freshSchemaName('cases');
      const drop = await createSchema(schema);
      const store = await openCaseStore({ url: PG_URL, schema });
      return { store, close: async () => { await store.close(); await drop(); } };
    },
  },
  {
    name: 'pglite',
    async open() {
      const store = await openCaseStore({});
      return { store, close: () => store.close() };
    },
  },
];
