// Builds the Fastify app from its parts. Nothing here opens a port or a database: the
// caller (server.ts, tests, the demo) owns those and hands them in.
import { readFile } from 'node:fs/promises';
import { createRequire } from 'node:module';
import path from 'node:path';
import Fastify, { type FastifyInstance } from 'fastify';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import fastifyStatic from '@fastify/static';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { jsonSchemaTransform, serializerCompiler, validatorCompiler } from 'fastify-type-provider-zod';
import type { AlertBus } from './alerts/bus.ts';
import { registerAuth } from './auth/plugin.ts';
import type { UserStore } from './auth/users.ts';
import type { LiveViewManager } from './cameras/live.ts';
import { registerErrors } from './errors.ts';
import type { ApiMetrics } from './metrics.ts';
import type { CameraDirectory, CameraRuntime, CasesPort, EvidencePort, Gb28181Directory, VerdictHook } from './ports.ts';
import { alertRoutes } from './routes/alerts.ts';
import { authRoutes } from './routes/auth.ts';
import { cameraRoutes } from './routes/cameras.ts';
import { casesRoutes } from './routes/cases.ts';
import { evidenceRoutes } from './routes/evidence.ts';
import { gbRoutes } from './routes/gb28181.ts';
import { opsRoutes } from './routes/ops.ts';
import { statsRoutes } from './routes/stats.ts';
import { userRoutes } from './routes/users.ts';

export interface ApiDeps {
  users: UserStore;
  cases: CasesPort;
  evidence: EvidencePort;
  cameras: CameraDirectory;
  runtime?: CameraRuntime;
  gb?: Gb28181Directory;
  live?: LiveViewManager;
  bus: AlertBus;
  metrics: ApiMetrics;
  /** Feeds officers' verdicts back to detection. */
  onVerdict?: VerdictHook;
  /** Signs session cookies; at least 32 characters. */
  cookieSecret: string;
  secureCookie?: boolean;
  loginLimit?: { max: number; timeWindowMs: number };
  checks?: Record<string, () => Promise<boolean>>;
  sseHeartbeatMs?: number;
  logger?: boolean;
}

const WEB_ROOT = new URL('../web/', import.meta.url).pathname;
// The package exports only its CJS/ESM entries; the browser build sits beside them.
const JSMPEG = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player')),
  'jsmpeg-player.umd.min.js',
);

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  if (deps.cookieSecret.length < 32) throw new Error('cookieSecret must be at least 32 characters');
  const app = Fastify({ logger: deps.logger ?? false, trustProxy: true, forceCloseConnections: true });
  app.setValidatorCompiler(validatorCompiler);
  app.setSerializerCompiler(serializerCompiler);
  registerErrors(app);

  await app.register(cookie, { secret: deps.cookieSecret });
  await app.register(rateLimit, { global: false });
  await app.register(swagger, {
    openapi: {
      info: { title: 'Huiyan 慧眼 API', version: '0.1.0', description: 'Command centre and officer review' },
      components: {
        securitySchemes: {
          session: { type: 'apiKey', in: 'cookie', name: 'hy_sid' },
          apiKey: { type: 'apiKey', in: 'header', name: 'x-api-key' },
        },
      },
      security: [{ session: [] }, { apiKey: [] }],
    },
    transform: jsonSchemaTransform,
  });
  await app.register(swaggerUi, { routePrefix: '/docs' });

  registerAuth(app, deps.users);
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.requests.inc({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(authRoutes, {
    users: deps.users,
    metrics: deps.metrics,
    loginLimit: deps.loginLimit ?? { max: 10, timeWindowMs: 60_000 },
    secureCookie: deps.secureCookie ?? false,
  });
  await app.register(casesRoutes, {
    cases: deps.cases,
    bus: deps.bus,
    metrics: deps.metrics,
    cameraName: (id) => deps.cameras.get(id)?.name,
    onVerdict: deps.onVerdict,
  });
  await app.register(evidenceRoutes, { cases: deps.cases, evidence: deps.evidence, metrics: deps.metrics });
  await app.register(statsRoutes, { cases: deps.cases });
  await app.register(cameraRoutes, { cameras: deps.cameras, runtime: deps.runtime, live: deps.live });
  await app.register(gbRoutes, { gb: deps.gb });
  await app.register(alertRoutes, { bus: deps.bus, metrics: deps.metrics, heartbeatMs: deps.sseHeartbeatMs });
  await app.register(userRoutes, { users: deps.users });
  await app.register(opsRoutes, { metrics: deps.metrics, checks: deps.checks ?? {} });

  // The web UI: static files, no build step. JSMpeg comes from its npm package.
  const jsmpeg = await readFile(JSMPEG);
  app.get('/vendor/jsmpeg.min.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'public, max-age=86400').send(jsmpeg),
  );
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'] });
  return app;
}
