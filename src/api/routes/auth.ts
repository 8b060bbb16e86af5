// Login with username + password → signed session cookie (httpOnly, SameSite=Strict) and the
// session's CSRF token. Failed logins are throttled per account and per client address before
// any password is hashed (LoginThrottle); every attempt also counts against a coarse per-address
// flood cap (@fastify/rate-limit). Failed and unknown users answer the same 401.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, MATRIX, type Action, type Principal } from '../auth/access.ts';
import { SESSION_COOKIE, sessionIdOf, who } from '../auth/plugin.ts';
import type { UserStore } from '../auth/users.ts';
import { TimeScope } from '../auth/time-scope.ts';
import type { LoginThrottle } from '../auth/throttle.ts';
import type { ApiMetrics } from '../metrics.ts';
import { Errors } from '../schemas.ts';

export interface AuthRouteOptions {
  users: UserStore;
  metrics: ApiMetrics;
  /** Coarse cap on all login attempts per client address (successes included). */
  loginLimit: { max: number; timeWindowMs: number };
  throttle: LoginThrottle;
  secureCookie: boolean;
  /** The data-security notice's text (数据安全责任告知). */
  notice: string;
}

const Me = z.object({
  id: z.string(),
  kind: z.enum(['user', 'apikey']),
  name: z.string(),
  role: z.string(),
  scope: z.object({ districts: z.array(z.string()), streets: z.array(z.string()), categories: z.array(z.string()), time: TimeScope.optional() }),
  /** A session that must acknowledge the data-security notice before anything else (GET /api/notice). */
  noticePending: z.boolean().optional(),
  /** Outside the duty window: the window, as shown to people; the page says why nothing loads. */
  offDuty: z.string().nullable().optional(),
  /** Send back as `x-csrf-token` on every state change (cookie sessions only). */
  csrfToken: z.string().optional(),
  /** The actions of the access matrix this caller's role may perform: pages show controls from this, never from a copy of the matrix. */
  permissions: z.array(z.string()),
});

const withPermissions = (p: Principal) => ({
  ...p,
  permissions: (Object.keys(MATRIX) as Action[]).filter((a) => MATRIX[a].includes(p.role)),
});

export const authRoutes: FastifyPluginAsyncZod<AuthRouteOptions> = async (app, opts) => {
  app.post(
    '/api/login',
    {
      config: { rateLimit: { max: opts.loginLimit.max, timeWindow: opts.loginLimit.timeWindowMs } },
      schema: {
        tags: ['auth'],
        summary: 'Log in; sets the session cookie',
        body: z.object({ username: z.string().min(1).max(64), password: z.string().min(1).max(256) }),
        response: { ...Errors, 200: Me },
      },
    },
    async (req, reply) => {
      const { username, password } = req.body;
      const wait = opts.throttle.check(username, req.ip);
      if (wait.retryAfterMs > 0) {
        opts.metrics.loginThrottled.inc({ by: wait.by ?? 'account' });
        reply.header('retry-after', String(Math.ceil(wait.retryAfterMs / 1000)));
        return reply.code(429).send({ error: 'too_many_requests', message: 'too many failed logins; try again later' } as never);
      }
      const p = await opts.users.login(username, password);
      if (!p) {
        opts.metrics.loginFailures.inc();
        opts.throttle.failed(username, req.ip);
        return reply.code(401).send({ error: 'unauthorized', message: 'wrong username or password' } as never);
      }
      opts.throttle.succeeded(username);
      const s = await opts.users.createSession(p.id);
      reply.setCookie(SESSION_COOKIE, s.id, {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.secureCookie,
        path: '/',
        expires: s.expiresAt,
      });
      return { ...withPermissions(p), noticePending: true, csrfToken: reply.csrfTokenFor(s.id) };
    },
  );

  app.post('/api/logout', { schema: { tags: ['auth'], summary: 'End the session' } }, async (req, reply) => {
    const sid = sessionIdOf(req);
    if (sid) await opts.users.endSession(sid);
    reply.clearCookie(SESSION_COOKIE, { path: '/' });
    return { ok: true };
  });

  app.get(
    '/api/me',
    {
      schema: { tags: ['auth'], summary: 'The caller', response: { ...Errors, 200: Me } },
      preHandler: async (req, reply) => {
        if (!req.principal) return reply.code(401).send({ error: 'unauthorized', message: 'login required' });
      },
    },
    async (req, reply) => {
      const p = who(req);
      const sid = p.kind === 'user' ? sessionIdOf(req) : undefined;
      const me = { ...withPermissions(p), offDuty: req.offDuty, noticePending: req.noticePending };
      return sid ? { ...me, csrfToken: reply.csrfTokenFor(sid) } : me;
    },
  );

  app.get(
    '/api/notice',
    {
      schema: { tags: ['auth'], summary: 'The data-security notice (数据安全责任告知) and whether this session has acknowledged it',
        response: { ...Errors, 200: z.object({ text: z.string(), acknowledged: z.boolean() }) } },
      preHandler: async (req, reply) => {
        if (!req.principal) return reply.code(401).send({ error: 'unauthorized', message: 'login required' });
      },
    },
    async (req) => ({ text: opts.notice, acknowledged: !req.noticePending }),
  );

  app.post(
    '/api/notice/ack',
    {
      schema: { tags: ['auth'], summary: 'Acknowledge the data-security notice for this session (sessions only; API keys need not)',
        response: { ...Errors, 200: z.object({ ok: z.boolean() }) } },
    },
    async (req, reply) => {
      const sid = sessionIdOf(req);
      if (!req.principal || req.principal.kind !== 'user' || !sid) return reply.code(401).send({ error: 'unauthorized', message: 'login required' });
      await opts.users.acknowledgeNotice(sid, { actor: actorOf(req.principal), userId: req.principal.id, noticeText: opts.notice, ip: req.ip });
      return { ok: true };
    },
  );
};
