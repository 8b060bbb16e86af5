// The API process: `tsx src/api/main.ts`. Everything comes from the environment (zod-checked),
// on the same variables the workers use, so one .env configures a whole appliance.
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { dbOptionsFromEnv, openCaseStore } from '../cases/index.ts';
import { dispatchConfigFromEnv } from '../dispatch/queues.ts';
import { evidenceEnv, openStore } from '../evidence/config.ts';
import { PROJECT_ROOT } from '../inference/manifest.ts';
import { createLogger } from '../util/log.ts';
import { StoreEvidence } from '../evidence/reader.ts';
import { API_MIGRATION_DIR } from './db.ts';
import { demoUsers, ensureUsers } from './seed.ts';
import { startApiServer } from './server.ts';
import { apiSecurityFromEnv } from './env.ts';

const log = createLogger({ stage: 'api' });

const Env = z.object({
  HUIYAN_API_HOST: z.string().default('127.0.0.1'),
  HUIYAN_API_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  HUIYAN_STREAMS_CONFIG: z.string().default(path.join(PROJECT_ROOT, 'streams-config')),
  /** When set, demo logins (admin, commander, auditor, officer1..n) are created with it. */
  HUIYAN_DEMO_PASSWORD: z.string().min(8).optional(),
  /** Listen to the case queue for new cases (needs Redis). */
  HUIYAN_ALERTS_FROM_QUEUE: z.enum(['0', '1']).default('1'),
});

export async function main(env: NodeJS.ProcessEnv = process.env) {
  const e = Env.parse(env);
  const store = await openCaseStore({ ...dbOptionsFromEnv(env), migrations: [API_MIGRATION_DIR] });
  const ev = evidenceEnv(env);
  const evStore = openStore(ev);
  await evStore.init();
  // Verify-only: the private signing key stays with the evidence worker.
  const evidence = await StoreEvidence.fromKeyDir(evStore, ev.HUIYAN_EVIDENCE_KEYS, ev.HUIYAN_EVIDENCE_SPOOL);
  const dispatch = dispatchConfigFromEnv(env);
  const api = await startApiServer({
    store,
    evidence,
    streamsConfigDir: e.HUIYAN_STREAMS_CONFIG,
    caseQueue: e.HUIYAN_ALERTS_FROM_QUEUE === '1' ? { redisUrl: dispatch.redisUrl, prefix: dispatch.prefix } : undefined,
    host: e.HUIYAN_API_HOST,
    port: e.HUIYAN_API_PORT,
    ...apiSecurityFromEnv(env, path.join(PROJECT_ROOT, 'var')),
  });
  if (e.HUIYAN_DEMO_PASSWORD) {
    const users = demoUsers(api.cameras.list(), e.HUIYAN_DEMO_PASSWORD);
    await ensureUsers(api.users, users);
    for (const u of users) log.info('demo login', { username: u.username, role: u.role, districts: u.scope?.districts ?? 'all' });
  }
  log.info('api listening', { url: api.url, docs: `${api.url}/docs` });
  const stop = async () => {
    await api.close();
    await store.close();
    process.exit(0);
  };
  process.once('SIGTERM', stop);
  process.once('SIGINT', stop);
  return api;
}

if (process.argv[1] && fileURLToPath(import.meta.url) === path.resolve(process.argv[1])) await main();
