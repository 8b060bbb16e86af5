// Environment for an appliance under test: everything in a temp folder, a fresh PostgreSQL
// schema, the machine's Redis with a queue prefix of its own.
import { randomBytes } from 'node:crypto';
import path from 'node:path';
import { PG_URL } from '../cases/stores.ts';

export function applianceTestEnv(dir: string, schema: string, tag: string): NodeJS.ProcessEnv {
  return {
    ...process.env,
    HUIYAN_REDIS_URL: 'redis://127.0.0.1:6379',
    HUIYAN_QUEUE_PREFIX: `${tag}${randomBytes(4).toString('hex')}`,
    HUIYAN_DATABASE_URL: PG_URL,
    HUIYAN_PG_SCHEMA: schema,
    HUIYAN_STREAMS_CONFIG: path.join(dir, 'streams'),
    HUIYAN_HIT_SPOOL: path.join(dir, 'hit-spool'),
    HUIYAN_VAR: dir,
    HUIYAN_EVIDENCE_STORE: 'fs',
    HUIYAN_EVIDENCE_DIR: path.join(dir, 'evidence-store'),
    HUIYAN_EVIDENCE_SPOOL: path.join(dir, 'evidence-spool'),
    HUIYAN_EVIDENCE_KEYS: path.join(dir, 'keys'),
  };
}
