// The city platform's side of the API (the back half of the loop): status events for exported
// cases, and the download of an exported notice. The platform is a machine client identified
// by its webhook endpoint (HUIYAN_WEBHOOKS, `inbound: true`) and authenticated by an HMAC of
// each request with that endpoint's secret (requestSignature), within a replay window, each
// signature accepted once. No session, no API key: nothing else reaches these routes.
// Also the officers' read of a case's back half (GET /api/cases/:id/city).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { guard, who } from '../auth/plugin.ts';
import type { CasesPort } from '../ports.ts';
import { CaseIdParams, Errors } from '../schemas.ts';
import { visibleCase } from '../scope.ts';
import type { Db } from '../../cases/db.ts';
import { CaseNotFoundError } from '../../cases/repository.ts';
import { applyCityEvent, cityExportOf, cityTimeline, CityEventConflictError } from '../../cases/city.ts';
import { readDocument } from '../../cases/documents/index.ts';
import { CityEventBody, CITY_EVENTS } from '../../contracts/city.ts';
import { requestSignature, sameSecret, wants, type WebhookEndpointT } from '../../dispatch/webhook.ts';

export interface CityApiOptions {
  /** The endpoints with `inbound: true`. */
  endpoints: WebhookEndpointT[];
  /** The API's origin as the platform reaches it (export download URLs). */
  publicUrl: string;
  /** Accepted clock difference of x-huiyan-timestamp, both ways (ms). */
  toleranceMs?: number;
}

const DEFAULT_TOLERANCE_MS = 300_000;

const refuse = (reply: FastifyReply, code: number, error: string, message: string) => reply.code(code).send({ error, message });

/**
 * Authenticates a platform request: x-huiyan-endpoint names an inbound endpoint,
 * x-huiyan-timestamp is within the tolerance, x-huiyan-signature is requestSignature over
 * method, path and raw body, and that signature was not accepted before (replay). 401 for
 * each failure (403: the endpoint receives no exports), nothing written but the nonce.
 */
async function authenticate(db: Db, o: CityApiOptions, req: FastifyRequest, reply: FastifyReply, body: string, now = Date.now()): Promise<WebhookEndpointT | null> {
  const id = String(req.headers['x-huiyan-endpoint'] ?? '');
  const ts = String(req.headers['x-huiyan-timestamp'] ?? '');
  const sig = String(req.headers['x-huiyan-signature'] ?? '');
  const e = o.endpoints.find((x) => x.id === id);
  if (!e || !ts || !sig) {
    refuse(reply, 401, 'unauthorized', 'signed request required (x-huiyan-endpoint, x-huiyan-timestamp, x-huiyan-signature)');
    return null;
  }
  const tolerance = o.toleranceMs ?? DEFAULT_TOLERANCE_MS;
  if (!/^\d+$/.test(ts) || Math.abs(now - Number(ts)) > tolerance) {
    refuse(reply, 401, 'unauthorized', `timestamp outside the ${tolerance / 1000} s window (clock skew or replay)`);
    return null;
  }
  if (!sameSecret(requestSignature(e.secret, ts, req.method, req.url, body), sig)) {
    refuse(reply, 401, 'unauthorized', 'bad signature');
    return null;
  }
  if (!wants(e, 'case.exported')) {
    refuse(reply, 403, 'forbidden', `endpoint ${e.id} receives no case exports`);
    return null;
  }
  // Nonces older than twice the window can no longer pass the timestamp check.
  await db.query('DELETE FROM city_request_nonces WHERE received_at < $1::timestamptz', [new Date(now - 2 * tolerance).toISOString()]);
  const fresh = await db.query('INSERT INTO city_request_nonces (signature, endpoint_id) VALUES ($1, $2) ON CONFLICT DO NOTHING RETURNING signature', [sig, e.id]);
  if (!fresh.length) {
    refuse(reply, 401, 'unauthorized', 'replayed request (this signature was already used)');
    return null;
  }
  return e;
}

const EventOut = z.object({ caseId: z.string(), state: z.string(), applied: z.boolean() });
const TimelineOut = z.object({
  exportedAt: z.number().nullable(),
  docNo: z.string().nullable(),
  events: z.array(z.object({ event: z.enum(CITY_EVENTS), ref: z.string(), at: z.number(), receivedAt: z.number(), endpointId: z.string(), note: z.string().nullable() })),
});

export const cityRoutes: FastifyPluginAsyncZod<{ db: Db; cases: CasesPort; city?: CityApiOptions }> = async (app, { db, cases, city }) => {
  app.get(
    '/api/cases/:id/city',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['city'], summary: 'The case\'s back half: its export to the city platform and the status events since', params: CaseIdParams,
        response: { ...Errors, 200: TimelineOut } },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      const t = await cityTimeline(db, c.id);
      return { exportedAt: t.exportedAt?.getTime() ?? null, docNo: t.docNo, events: t.events.map((e) => ({ ...e, at: e.at.getTime(), receivedAt: e.receivedAt.getTime() })) };
    },
  );
  if (!city) return;

  // The signature covers the exact bytes sent: keep the raw body (this plugin's routes only).
  app.removeContentTypeParser('application/json');
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => done(null, body));

  app.post(
    '/api/city/cases/:id/events',
    {
      schema: { tags: ['city'], summary: 'A status event from the city platform (送达, 签收, 陈述申辩, 处罚决定, 缴纳, 结案); signed; 409 out of order',
        params: CaseIdParams, response: { ...Errors, 200: EventOut } },
    },
    async (req, reply) => {
      const raw = typeof req.body === 'string' ? req.body : '';
      const e = await authenticate(db, city, req, reply, raw);
      if (!e) return reply;
      let json: unknown;
      try {
        json = JSON.parse(raw);
      } catch {
        return refuse(reply, 400, 'bad_request', 'body is not JSON');
      }
      const body = CityEventBody.safeParse(json);
      if (!body.success) return refuse(reply, 400, 'bad_request', z.prettifyError(body.error));
      try {
        const r = await applyCityEvent(db, e.id, req.params.id, body.data);
        return { caseId: r.case.id, state: r.case.state, applied: r.applied };
      } catch (err) {
        if (err instanceof CaseNotFoundError) return refuse(reply, 404, 'not_found', err.message);
        if (err instanceof CityEventConflictError) return refuse(reply, 409, 'conflict', err.message);
        throw err;
      }
    },
  );

  app.get(
    '/api/city/cases/:id/documents/:docId/pdf',
    {
      schema: { tags: ['city'], summary: 'The signed notice of an exported case (the export\'s document.url); signed GET; audited', params: CaseIdParams.extend({ docId: z.uuid() }) },
    },
    async (req, reply) => {
      const e = await authenticate(db, city, req, reply, '');
      if (!e) return reply;
      const ex = await cityExportOf(db, req.params.id);
      const d = ex && ex.documentId === req.params.docId ? await readDocument(db, req.params.id, req.params.docId) : null;
      if (!d) return refuse(reply, 404, 'not_found', `no exported document ${req.params.docId} of case ${req.params.id}`);
      await cases.audit({ actor: `city:${e.id}`, action: 'document.download', caseId: req.params.id, file: d.meta.docNo });
      return reply.header('cache-control', 'private, no-store').header('x-content-sha256', d.meta.fileSha256).type('application/pdf').send(d.pdf);
    },
  );
};
