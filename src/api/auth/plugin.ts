// Resolves the caller on every request: API key (machine clients) or signed session cookie
// (people). Routes then declare what they need with `guard(action)`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Action, type Principal } from './access.ts';
import type { UserStore } from './users.ts';

export const SESSION_COOKIE = 'hy_sid';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
  }
}

function apiKeyOf(req: FastifyRequest): string | undefined {
  const header = req.headers['x-api-key'];
  if (typeof header === 'string') return header;
  const auth = req.headers.authorization;
  if (auth?.startsWith('Bearer hy_')) return auth.slice('Bearer '.length);
  return undefined;
}

export function sessionIdOf(req: FastifyRequest): string | undefined {
  const raw = req.cookies?.[SESSION_COOKIE];
  if (!raw) return undefined;
  const r = req.unsignCookie(raw);
  return r.valid && r.value ? r.value : undefined;
}

export function registerAuth(app: FastifyInstance, users: UserStore): void {
  app.decorateRequest('principal', null);
  app.addHook('onRequest', async (req) => {
    const key = apiKeyOf(req);
    if (key) {
      req.principal = await users.apiKeyPrincipal(key);
      return;
    }
    const sid = sessionIdOf(req);
    if (sid) req.principal = await users.sessionPrincipal(sid);
  });
}

/** preHandler: 401 without a principal, 403 when the role may not perform the action. */
export function guard(action: Action) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.principal) return reply.code(401).send({ error: 'unauthorized', message: 'login or API key required' });
    if (!can(req.principal, action)) {
      return reply.code(403).send({ error: 'forbidden', message: `role ${req.principal.role} may not ${action}` });
    }
  };
}

/** The principal of a guarded route (guard() has run). */
export function who(req: FastifyRequest): Principal {
  if (!req.principal) throw new Error('route is missing its guard()');
  return req.principal;
}
