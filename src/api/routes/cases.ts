// Hits and cases: filtered lists, one case with its history, and the officer's verdict.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import type { AlertBus } from '../alerts/bus.ts';
import type { ApiMetrics } from '../metrics.ts';
import type { CasesPort, CaseState, CaseView, RejectReason, VerdictHook } from '../ports.ts';
import { createLogger } from '../../util/log.ts';

const log = createLogger({ stage: 'api', part: 'review' });
import { Errors, CaseBody, CaseIdParams, CaseListQuery, Paged, RejectBody } from '../schemas.ts';
import { outOfScope, scopedQuery, visibleCase } from '../scope.ts';

export interface CasesRouteOptions {
  cases: CasesPort;
  bus: AlertBus;
  metrics: ApiMetrics;
  cameraName: (id: string) => string | undefined;
  onVerdict?: VerdictHook;
}

const HistoryBody = z.array(
  z.object({ at: z.number(), actor: z.string(), from: z.string().nullable(), to: z.string(), reason: z.string().nullish() }),
);

export const casesRoutes: FastifyPluginAsyncZod<CasesRouteOptions> = async (app, opts) => {
  const { cases } = opts;

  const listRoute = (url: string, summary: string, defaultStates?: CaseState[]) =>
    app.get(
      url,
      { preHandler: guard('cases:read'), schema: { tags: ['cases'], summary, querystring: CaseListQuery, response: { ...Errors, 200: Paged(CaseBody) } } },
      async (req, reply) => {
        const p = who(req);
        const base = scopedQuery(p, req.query);
        if (!base) return outOfScope(reply, p);
        const states = req.query.state ? [req.query.state] : defaultStates;
        const { limit, cursor } = req.query;
        const page = await cases.list({ ...base, states, limit, cursor });
        return { ...page, limit };
      },
    );
  listRoute('/api/cases', 'Cases, newest first, filtered by district, street, type, state and time');
  listRoute('/api/hits', 'Detections waiting for an officer (new and pending review)', ['new', 'pending_review']);

  app.get(
    '/api/cases/:id',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['cases'], summary: 'One case with its history', params: CaseIdParams, response: { ...Errors, 200: CaseBody.extend({ history: HistoryBody }) } },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      return { ...c, history: await cases.history(c.id) };
    },
  );

  app.get(
    '/api/cases/:id/audit',
    {
      preHandler: guard('audit:read'),
      schema: {
        tags: ['cases'],
        summary: 'The case\'s entries in the hash-chained audit log (transitions, evidence access)',
        params: CaseIdParams,
        response: { ...Errors, 200: z.object({ items: z.array(z.object({ seq: z.number(), at: z.number(), actor: z.string(), action: z.string(), details: z.record(z.string(), z.unknown()), hash: z.string() })) }) },
      },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      return { items: await cases.auditTrail(c.id) };
    },
  );

  const announce = (c: CaseView) =>
    opts.bus.publish({
      caseId: c.id,
      hitId: c.hitId,
      cameraId: c.cameraId,
      cameraName: opts.cameraName(c.cameraId),
      district: c.district,
      street: c.street,
      category: c.category,
      state: c.state,
      score: c.score,
      at: Date.now(),
    });

  const verdict = async (id: string, actor: string, to: CaseState, reason?: RejectReason) => {
    const c = await cases.transition(id, to, actor, reason);
    opts.metrics.verdicts.inc({ category: c.category, verdict: to, reason: reason ?? '' });
    announce(c);
    // The verdict is already committed with its audit entry; feedback is best effort.
    if (opts.onVerdict && (to === 'confirmed' || to === 'rejected')) {
      await opts.onVerdict({ case: c, verdict: to, reason, actor, at: Date.now() }).catch((err) =>
        log.warn('verdict feedback failed', { caseId: c.id, err: String(err) }));
    }
    return c;
  };

  app.post(
    '/api/cases/:id/confirm',
    {
      preHandler: guard('cases:review'),
      schema: { tags: ['review'], summary: 'Confirm a detection: it becomes a case', params: CaseIdParams, response: { ...Errors, 200: CaseBody } },
    },
    async (req) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      return verdict(c.id, actorOf(p), 'confirmed');
    },
  );

  app.post(
    '/api/cases/:id/reject',
    {
      preHandler: guard('cases:review'),
      schema: { tags: ['review'], summary: 'Reject a detection with a reason code', params: CaseIdParams, body: RejectBody, response: { ...Errors, 200: CaseBody } },
    },
    async (req) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      return verdict(c.id, actorOf(p), 'rejected', req.body.reason);
    },
  );
};
