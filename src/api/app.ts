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
import type { EvidenceIntakeT } from '../contracts/ops.ts';
import { registerAuth } from './auth/plugin.ts';
import { registerCsrf } from './auth/csrf.ts';
import { LoginThrottle, type LoginThrottleOptions } from './auth/throttle.ts';
import type { UserStore } from './auth/users.ts';
import type { LiveViewManager } from './cameras/live.ts';
import { registerErrors } from './errors.ts';
import { registerPiiMasking } from './pii.ts';
import { DEFAULT_SECURITY_NOTICE } from './auth/notice.ts';
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
import { userAdminRoutes } from './routes/user-admin.ts';
import { partyRoutes } from './routes/parties.ts';
import { legalRoutes } from './routes/legal.ts';
import { documentRoutes } from './routes/documents.ts';
import type { DocumentIssuer } from '../cases/documents/index.ts';
import { cityRoutes, type CityApiOptions } from './routes/city.ts';
import { chainHooks, cityExportHook } from '../cases/city.ts';
import { repeatWindowDaysFromEnv, type PartyRegistry } from '../cases/parties/index.ts';

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
  /** Enforcement targets (执法对象); the routes are off without it. */
  parties?: PartyRegistry;
  /** Issues the signed notice of violation on legal approval; without it approval issues none. */
  documents?: DocumentIssuer;
  /**
   * The city platform (endpoints with `inbound: true`): with it and `documents`, an approval
   * also exports the case, and the signed status API is on. Without it neither is.
   */
  city?: CityApiOptions;
  /** Feeds officers' verdicts back to detection. */
  onVerdict?: VerdictHook;
  /** Signs session cookies; at least 32 characters. */
  cookieSecret: string;
  secureCookie?: boolean;
  /**
   * Reverse proxies whose X-Forwarded-For / -Proto / -Host are believed (addresses or CIDRs, as
   * Fastify's `trustProxy` takes them). Empty: the socket's address is the client, always.
   */
  trustedProxies?: string[];
  /** Origins besides the API's own that may send state changes (a proxy's public name). */
  allowedOrigins?: string[];
  /** Coarse per-address cap on all login attempts. */
  loginLimit?: { max: number; timeWindowMs: number };
  /** Failure throttling per account and per address (defaults in auth/throttle.ts). */
  loginThrottle?: LoginThrottleOptions;
  checks?: Record<string, () => Promise<boolean>>;
  /** The deployment's evidence intake state (src/dispatch/intake.ts): banner and metric. */
  intake?: () => Promise<EvidenceIntakeT>;
  sseHeartbeatMs?: number;
  logger?: boolean;
  /** The data-security notice's text; default DEFAULT_SECURITY_NOTICE (src/api/auth/notice.ts). */
  securityNotice?: string;
  /** The clock for duty windows, ms since epoch (tests fix it); default Date.now. */
  now?: () => number;
}

const WEB_ROOT = new URL('../web/', import.meta.url).pathname;
// The package exports only its CJS/ESM entries; the browser build sits beside them.
const JSMPEG = path.join(
  path.dirname(createRequire(import.meta.url).resolve('@cycjimmy/jsmpeg-player')),
  'jsmpeg-player.umd.min.js',
);

export async function buildApp(deps: ApiDeps): Promise<FastifyInstance> {
  if (deps.cookieSecret.length < 32) throw new Error('cookieSecret must be at least 32 characters');
  const trustProxy = deps.trustedProxies?.length ? deps.trustedProxies : false;
  const app = Fastify({ logger: deps.logger ?? false, trustProxy, forceCloseConnections: true });
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

  registerAuth(app, deps.users, deps.now);
  registerPiiMasking(app);
  // Live view's WebSocket upgrades ride on this listener (tickets come from the cameras route).
  deps.live?.attach(app.server, (id) => deps.cameras.get(id));
  await registerCsrf(app, { cookieSecret: deps.cookieSecret, secureCookie: deps.secureCookie ?? false, allowedOrigins: deps.allowedOrigins });
  app.addHook('onResponse', async (req, reply) => {
    deps.metrics.requests.inc({ method: req.method, route: req.routeOptions.url ?? 'unmatched', status: String(reply.statusCode) });
  });

  await app.register(authRoutes, {
    users: deps.users,
    metrics: deps.metrics,
    loginLimit: deps.loginLimit ?? { max: 60, timeWindowMs: 60_000 },
    throttle: new LoginThrottle(deps.loginThrottle),
    secureCookie: deps.secureCookie ?? false,
    notice: deps.securityNotice ?? DEFAULT_SECURITY_NOTICE,
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
  await app.register(userAdminRoutes, { users: deps.users });
  if (deps.parties) await app.register(partyRoutes, { parties: deps.parties, cases: deps.cases, repeatWindowDays: repeatWindowDaysFromEnv() });
  const onApproved = deps.documents && deps.city ? chainHooks(deps.documents.onApproved, cityExportHook(deps.city.publicUrl)) : deps.documents?.onApproved;
  if (deps.parties) await app.register(legalRoutes, { db: deps.parties.db, cases: deps.cases, onApproved });
  if (deps.parties) await app.register(documentRoutes, { db: deps.parties.db, cases: deps.cases });
  if (deps.parties) await app.register(cityRoutes, { db: deps.parties.db, cases: deps.cases, city: deps.city });
  deps.metrics.intake = deps.intake;
  await app.register(opsRoutes, { metrics: deps.metrics, checks: deps.checks ?? {}, intake: deps.intake });

  // The web UI: static files, no build step. JSMpeg comes from its npm package.
  const jsmpeg = await readFile(JSMPEG);
  app.get('/vendor/jsmpeg.min.js', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('text/javascript').header('cache-control', 'public, max-age=86400').send(jsmpeg),
  );
  // Browsers ask for /favicon.ico on their own (before any page names its icon).
  const icon = await readFile(path.join(WEB_ROOT, 'favicon.svg'));
  app.get('/favicon.ico', { schema: { hide: true } }, async (_req, reply) =>
    reply.type('image/svg+xml').header('cache-control', 'public, max-age=86400').send(icon),
  );
  await app.register(fastifyStatic, { root: WEB_ROOT, prefix: '/', index: ['index.html'] });
  return app;
}
