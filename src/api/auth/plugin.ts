// Resolves the caller on every request: API key (machine clients) or signed session cookie
// (people). Routes then declare what they need with `guard(action)`.
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { can, type Action, type Principal } from './access.ts';
import type { UserStore } from './users.ts';
import { dutyText, onDuty } from './time-scope.ts';

export const SESSION_COOKIE = 'hy_sid';

declare module 'fastify' {
  interface FastifyRequest {
    principal: Principal | null;
    /** Set when the principal has a duty window and the request falls outside it. */
    offDuty: string | null;
    /** A session that has not yet acknowledged the data-security notice (API keys never are). */
    noticePending: boolean;
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

/** `now`: ms since epoch; tests pass a fixed clock to check duty windows. */
export function registerAuth(app: FastifyInstance, users: UserStore, now: () => number = Date.now): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('offDuty', null);
  app.decorateRequest('noticePending', false);
  app.addHook('onRequest', async (req) => {
    const key = apiKeyOf(req);
    const sid = key ? undefined : sessionIdOf(req);
    if (key) req.principal = await users.apiKeyPrincipal(key);
    else if (sid) {
      const s = await users.sessionPrincipal(sid);
      req.principal = s?.principal ?? null;
      req.noticePending = !!s && !s.noticeAcked;
    }
    const duty = req.principal?.scope.time?.duty;
    if (duty && !onDuty(duty, now())) req.offDuty = dutyText(duty);
  });
}

/**
 * preHandler: 401 without a principal; 403 `notice_required` for a session that has not
 * acknowledged the data-security notice (the web UI turns it into the notice page); 403 `off_duty` outside the caller's duty window (reads
 * and changes alike; /api/me still answers so the page can say why); 403 when the role may not
 * perform the action.
 */
export function guard(action: Action) {
  return async (req: FastifyRequest, reply: FastifyReply) => {
    if (!req.principal) return reply.code(401).send({ error: 'unauthorized', message: 'login or API key required' });
    if (req.noticePending) {
      return reply.code(403).send({
        error: 'notice_required',
        message: '请先阅读并确认《数据安全责任告知》 / acknowledge the data-security notice first (POST /api/notice/ack)',
      });
    }
    if (req.offDuty) {
      return reply.code(403).send({
        error: 'off_duty',
        message: `当前不在您的值班时段（${req.offDuty}），不能查看或办理 / outside your duty hours`,
      });
    }
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
