// CSRF defence for cookie sessions. SameSite=Strict stops other *sites*, but a page on another
// port of the same host is the same site; so every state-changing request must
//   1. carry `content-type: application/json` (POST/PUT/PATCH) — a cross-origin form or a
//      no-cors fetch cannot send it without a CORS preflight, which this API never answers;
//   2. come from an allowed Origin (or Referer) when the browser names one — the API's own
//      origin (scheme://Host) plus `allowedOrigins`;
//   3. when authenticated by the session cookie, carry `x-csrf-token`: a token from
//      @fastify/csrf-protection (secret in the signed `_csrf` cookie, bound to the session id
//      so a tossed cookie from a sibling origin does not fit), handed out by the login
//      response and `GET /api/me` as `csrfToken`.
// API keys are exempt from 3: a browser never attaches them on its own.
import { createHmac } from 'node:crypto';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import csrfProtection from '@fastify/csrf-protection';
import { sessionIdOf } from './plugin.ts';

export const CSRF_HEADER = 'x-csrf-token';
const UNSAFE = new Set(['POST', 'PUT', 'PATCH', 'DELETE']);
const WITH_BODY = new Set(['POST', 'PUT', 'PATCH']);

export interface CsrfOptions {
  cookieSecret: string;
  secureCookie: boolean;
  /** Extra origins allowed to send state changes, e.g. `https://huiyan.example.gov.cn`. */
  allowedOrigins?: string[];
}

declare module 'fastify' {
  interface FastifyReply {
    /** A CSRF token for the session `sessionId` (the login response passes the new one). */
    csrfTokenFor(sessionId: string): string;
  }
}

function originOf(req: FastifyRequest): string | undefined {
  const o = req.headers.origin;
  if (typeof o === 'string' && o !== 'null') return o;
  if (o === 'null') return 'null'; // sandboxed frames and some redirects: never allowed
  const ref = req.headers.referer;
  if (typeof ref !== 'string') return undefined;
  try {
    return new URL(ref).origin;
  } catch {
    return 'null';
  }
}

const refuse = (reply: FastifyReply, code: number, message: string) =>
  reply.code(code).send({ error: code === 415 ? 'unsupported_media_type' : 'forbidden', message });

export async function registerCsrf(app: FastifyInstance, o: CsrfOptions): Promise<void> {
  await app.register(csrfProtection, {
    cookieKey: '_csrf',
    cookieOpts: { path: '/', sameSite: 'strict', httpOnly: true, signed: true, secure: o.secureCookie },
    getToken: (req) => {
      const t = req.headers[CSRF_HEADER];
      return typeof t === 'string' ? t : undefined;
    },
    getUserInfo: (req) => sessionIdOf(req) ?? '',
    // The token's HMAC key is derived from the cookie secret, never the secret itself.
    csrfOpts: { hmacKey: createHmac('sha256', o.cookieSecret).update('huiyan csrf v1').digest() },
  });
  app.decorateReply('csrfTokenFor', function (this: FastifyReply, sessionId: string) {
    return this.generateCsrf({ userInfo: sessionId });
  });
  const allowed = new Set(o.allowedOrigins ?? []);

  // Runs after registerAuth's hook (registered earlier), so req.principal is known. A callback
  // hook because csrfProtection answers 403 itself or calls done().
  app.addHook('onRequest', (req, reply, done) => {
    if (!UNSAFE.has(req.method)) return done();
    const origin = originOf(req);
    if (origin !== undefined && origin !== `${req.protocol}://${req.host}` && !allowed.has(origin)) {
      return void refuse(reply, 403, `cross-origin request from ${origin} refused`);
    }
    if (WITH_BODY.has(req.method) && !/^application\/json\s*(;|$)/i.test(req.headers['content-type'] ?? '')) {
      return void refuse(reply, 415, 'state changes take a JSON body (content-type: application/json)');
    }
    if (req.principal?.kind !== 'user' || req.url === '/api/login') return done();
    app.csrfProtection(req, reply, done);
  });
}
