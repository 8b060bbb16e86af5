// `huiyan serve`: one appliance in one process (cameras, detection, workers, API), configured
// entirely by HUIYAN_* environment variables; what the Docker image runs.
import path from 'node:path';
import { z } from 'zod';
import { untilSignal, type Command } from '../command.ts';
import { startAppliance } from '../../app/appliance.ts';
import { cookieSecret } from '../../api/cookie-secret.ts';
import { PROJECT_ROOT } from '../../inference/manifest.ts';
import { createLogger } from '../../util/log.ts';

const Env = z.object({
  HUIYAN_API_HOST: z.string().default('127.0.0.1'),
  HUIYAN_API_PORT: z.coerce.number().int().min(1).max(65535).default(8080),
  HUIYAN_LIVE_PORTS: z.string().regex(/^\d+-\d+$/, 'expected first-last, e.g. 8090-8099').default('8090-8099'),
  HUIYAN_COOKIE_SECRET: z.string().min(32).optional(),
  HUIYAN_VAR: z.string().default(path.join(PROJECT_ROOT, 'var')),
});

const command: Command = {
  summary: 'run an appliance from HUIYAN_* environment variables (cameras, detection, workers, API)',
  usage: 'huiyan serve',
  async run() {
    const log = createLogger({ stage: 'appliance' });
    const parsed = Env.safeParse(process.env);
    if (!parsed.success) {
      for (const i of parsed.error.issues) process.stderr.write(`huiyan serve: ${i.path.join('.')}: ${i.message}\n`);
      return 2;
    }
    const e = parsed.data;
    const [first, last] = e.HUIYAN_LIVE_PORTS.split('-').map(Number) as [number, number];
    const app = await startAppliance(process.env, log, {
      host: e.HUIYAN_API_HOST,
      port: e.HUIYAN_API_PORT,
      livePorts: { first, last },
      cookieSecret: cookieSecret(e.HUIYAN_COOKIE_SECRET, path.join(e.HUIYAN_VAR, 'api-cookie-secret')),
    });
    log.info('appliance running', { url: app.api?.url, cameras: app.cameras.cameras().length });
    await untilSignal();
    await app.stop();
    return 0;
  },
};
export default command;
