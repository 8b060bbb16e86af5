// Hits and cases: filtered lists, one case with its history, and the officer's verdict.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { actorOf, can } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import type { AlertBus } from '../alerts/bus.ts';
import type { ApiMetrics } from '../metrics.ts';
import { FILED_STATES, type CasesPort, type CaseState, type CaseView, type RejectReason, type VerdictHook } from '../ports.ts';
import { createLogger } from '../../util/log.ts';

const log = createLogger({ stage: 'api', part: 'review' });
import { Errors, CaseBody, CaseIdParams, CaseListQuery, Paged, RejectBody, WarningDecisionBody } from '../schemas.ts';
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

/** Legal-review decisions (法制审核) change no case state, so the history above lacks them; they come from the audit log. */
const LEGAL_ACTIONS = ['legal.approved', 'legal.returned', 'legal.resubmitted'] as const;
const LegalEventsBody = z.array(z.object({ at: z.number(), actor: z.string(), action: z.enum(LEGAL_ACTIONS), note: z.string().nullable() }));
const isLegal = (a: string): a is (typeof LEGAL_ACTIONS)[number] => (LEGAL_ACTIONS as readonly string[]).includes(a);

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
  // Warn-first hits in their grace period or self-corrected are listed only when asked for by state.
  listRoute('/api/cases', 'Cases, newest first, filtered by district, street, type, state and time', FILED_STATES);
  listRoute('/api/hits', 'Detections waiting for an officer (new and pending review)', ['new', 'pending_review']);

  app.get(
    '/api/cases/:id',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['cases'], summary: 'One case with its history and legal-review decisions', params: CaseIdParams,
        response: { ...Errors, 200: CaseBody.extend({ history: HistoryBody, legal: LegalEventsBody }) } },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      const [history, trail] = await Promise.all([cases.history(c.id), cases.auditTrail(c.id)]);
      // A return carries its reason, an approval or a resubmission its optional note.
      const legal = trail.flatMap((e) => isLegal(e.action)
        ? [{ at: e.at, actor: e.actor, action: e.action, note: String(e.details.reason ?? e.details.note ?? '') || null }] : []);
      return { ...c, history, legal };
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

  const verdict = async (id: string, actor: string, to: CaseState, reason?: RejectReason, note?: string) => {
    const c = await cases.transition(id, to, actor, reason, note);
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

  // Warn-first (限时整改): an officer who looked (live view, on site) settles a warned case before
  // the camera does — closed as self-corrected, or filed for review now. Same role as a verdict.
  const decideWarning = (url: string, outcome: 'self_corrected' | 'filed', summary: string) =>
    app.post(
      url,
      { preHandler: guard('cases:review'), schema: { tags: ['review'], summary, params: CaseIdParams, body: WarningDecisionBody, response: { ...Errors, 200: CaseBody } } },
      async (req) => {
        const p = who(req);
        const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
        const after = await cases.decideWarning(c.id, outcome, actorOf(p), req.body.note);
        // Filed: a new case for review from now on, announced like one the camera filed.
        if (outcome === 'filed') announce(after);
        return after;
      },
    );
  decideWarning('/api/cases/:id/warning/self-corrected', 'self_corrected', 'Close a warned case as self-corrected (自行整改) before its grace end, with what the officer saw');
  decideWarning('/api/cases/:id/warning/file', 'filed', 'File a warned case for review now (立即立案), with the reason');

  app.post(
    '/api/cases/:id/reject',
    {
      preHandler: guard('cases:review'),
      schema: { tags: ['review'], summary: 'Reject a detection with a reason code', params: CaseIdParams, body: RejectBody, response: { ...Errors, 200: CaseBody } },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      // Overturning a confirmation is a supervisor's decision, not another officer's.
      if (c.state === 'confirmed' && !can(p, 'cases:overturn')) {
        return reply.code(403).send({ error: 'forbidden', message: `role ${p.role} may not overturn a confirmed case` });
      }
      return verdict(c.id, actorOf(p), 'rejected', req.body.reason, req.body.note);
    },
  );
};
