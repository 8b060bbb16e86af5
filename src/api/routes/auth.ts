// Login with username + password → signed session cookie (httpOnly, SameSite=Strict).
// Login is rate limited per client address; failed and unknown users answer the same 401.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { SESSION_COOKIE, sessionIdOf, who } from '../auth/plugin.ts';
import type { UserStore } from '../auth/users.ts';
import type { ApiMetrics } from '../metrics.ts';
import { Errors } from '../schemas.ts';

export interface AuthRouteOptions {
  users: UserStore;
  metrics: ApiMetrics;
  loginLimit: { max: number; timeWindowMs: number };
  secureCookie: boolean;
}

const Me = z.object({
  id: z.string(),
  kind: z.enum(['user', 'apikey']),
  name: z.string(),
  role: z.string(),
  scope: z.object({ districts: z.array(z.string()), streets: z.array(z.string()), categories: z.array(z.string()) }),
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
      const p = await opts.users.login(req.body.username, req.body.password);
      if (!p) opts.metrics.loginFailures.inc();
      if (!p) return reply.code(401).send({ error: 'unauthorized', message: 'wrong username or password' } as never);
      const s = await opts.users.createSession(p.id);
      reply.setCookie(SESSION_COOKIE, s.id, {
        signed: true,
        httpOnly: true,
        sameSite: 'strict',
        secure: opts.secureCookie,
        path: '/',
        expires: s.expiresAt,
      });
      return p;
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
    async (req) => who(req),
  );
};
