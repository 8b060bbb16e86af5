// `huiyan serve`: one appliance in one process (cameras, detection, workers, API), configured
// entirely by HUIYAN_* environment variables; what the Docker image runs.
import path from 'node:path';
import { z } from 'zod';
import { untilSignal, type Command } from '../command.ts';
import { startAppliance } from '../../app/appliance.ts';
import { ApiSecurityEnv, apiSecurityFromEnv } from '../../api/env.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import { createLogger } from '../../util/log.ts';

const Env = ApiSecurityEnv.extend({
  HUIYAN_API_HOST: z.string().default('127.0.0.1'),
  /** 0: any free port (the log line "appliance running" says which). */
  HUIYAN_API_PORT: z.coerce.number().int().min(0).max(65535).default(8080),
  HUIYAN_VAR: z.string().default(path.join(PROJECT_ROOT, 'var')),
});

const command: Command = {
  summary: 'run an appliance from HUIYAN_* environment variables (cameras, detection, workers, API)',
  usage: `huiyan serve

The main variables (README "Configuration" and "The site" name the rest):
  HUIYAN_API_HOST, HUIYAN_API_PORT   where the API and web UI listen (127.0.0.1, 8080; 0 = any free port)
  HUIYAN_DATABASE_URL, HUIYAN_PG_SCHEMA
                                     PostgreSQL (postgres://…) and schema, created on first start;
                                     unset: embedded PGlite in HUIYAN_PGLITE_DIR (var/pglite)
  HUIYAN_REDIS_URL                   Redis for the queues (redis://127.0.0.1:6379); must answer
  HUIYAN_STREAMS_CONFIG              camera YAML folder (streams-config/), reloaded on change
  HUIYAN_GB28181_CONFIG              GB/T 28181 SIP server settings (YAML), optional
  HUIYAN_EVIDENCE_STORE              fs (HUIYAN_EVIDENCE_DIR) or s3 (HUIYAN_S3_*)
  HUIYAN_EVIDENCE_ANCHORS            a folder on another disk for exported evidence anchors
  HUIYAN_SECURE_COOKIE               1 behind HTTPS
  HUIYAN_VAR                         state folder (var/): keys, spools, PGlite

First start: create an admin before logging in:
  HUIYAN_NEW_PASSWORD=… huiyan users add admin --role admin   (same database variables)`,
  async run() {
    const log = createLogger({ stage: 'appliance' });
    const parsed = Env.safeParse(process.env);
    if (!parsed.success) {
      for (const i of parsed.error.issues) process.stderr.write(`huiyan serve: ${i.path.join('.')}: ${i.message}\n`);
      return 2;
    }
    const e = parsed.data;
    const app = await startAppliance(process.env, log, {
      host: e.HUIYAN_API_HOST,
      port: e.HUIYAN_API_PORT,
      ...apiSecurityFromEnv(process.env, e.HUIYAN_VAR),
    });
    log.info('appliance running', { url: app.api?.url, cameras: app.cameras.cameras().length });
    await untilSignal();
    await app.stop();
    return 0;
  },
};
export default command;
