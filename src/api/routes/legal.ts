// Legal review (法制审核): the reviewer's queue, one case's review with the discretion rows of
// its violation code and its party, approve / return, the officer's resubmission, and the
// editable discretion standard (裁量基准).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import type { CasesPort } from '../ports.ts';
import { CaseBody, CaseIdParams, Errors } from '../schemas.ts';
import { visibleCase } from '../scope.ts';
import type { Db } from '../../cases/db.ts';
import {
  approve, legalQueue, listDiscretion, resubmit, returnCase, reviewOf, saveDiscretion, DiscretionInput,
  LegalNotFoundError, LegalReviewError, LEGAL_STATES, type ApprovalHook, type LegalReview,
} from '../../cases/review/legal.ts';
import { DocumentError, StillsUnavailableError } from '../../cases/documents/index.ts';

const DiscretionOut = z.object({ id: z.number(), standardCode: z.string(), circumstance: z.string(), penalty: z.string(),
  fineMin: z.number(), fineMax: z.number(), legalBasis: z.string(), sample: z.boolean(), retired: z.boolean() });
const ReviewOut = z.object({ caseId: z.string(), state: z.enum(LEGAL_STATES), standard: DiscretionOut.nullable(), proposedFine: z.number().nullable(),
  proposedPenalty: z.string().nullable(), reason: z.string().nullable(), reviewer: z.string().nullable(), decidedAt: z.number().nullable(), version: z.number() });
const out = (r: LegalReview) => ({ ...r, decidedAt: r.decidedAt?.getTime() ?? null });

async function answer<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof LegalNotFoundError) return reply.code(404).send({ error: 'not_found', message: err.message });
    if (err instanceof LegalReviewError || err instanceof DocumentError) return reply.code(409).send({ error: 'conflict', message: err.message });
    if (err instanceof StillsUnavailableError) return reply.code(503).header('retry-after', '10').send({ error: 'unavailable', message: err.message });
    throw err;
  }
}

export const legalRoutes: FastifyPluginAsyncZod<{ db: Db; cases: CasesPort; onApproved?: ApprovalHook }> = async (app, { db, cases, onApproved }) => {
  app.get(
    '/api/legal/queue',
    {
      preHandler: guard('legal:review'),
      schema: { tags: ['legal'], summary: 'Confirmed cases by legal-review state (default pending), oldest first',
        querystring: z.object({ state: z.enum(LEGAL_STATES).default('pending') }),
        response: { ...Errors, 200: z.object({ items: z.array(z.object({ case: CaseBody, review: ReviewOut })) }) } },
    },
    async (req) => {
      const p = who(req);
      const ids = await legalQueue(db, { state: req.query.state, districts: p.scope.districts });
      const items = [];
      for (const { caseId } of ids) {
        const c = await cases.get(caseId);
        try {
          visibleCase(p, c, caseId);
        } catch {
          continue; // street or category outside the scope
        }
        items.push({ case: c!, review: out((await reviewOf(db, caseId))!) });
      }
      return { items };
    },
  );

  app.get(
    '/api/cases/:id/legal',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['legal'], summary: 'A case\'s legal review and the discretion rows of its violation code', params: CaseIdParams,
        response: { ...Errors, 200: z.object({ review: ReviewOut, standardCode: z.string(), discretion: z.array(DiscretionOut) }) } },
    },
    async (req) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      const [{ standard_code: code }] = (await db.query<{ standard_code: string }>('SELECT standard_code FROM cases WHERE id = $1', [c.id])) as [{ standard_code: string }];
      return { review: out((await reviewOf(db, c.id))!), standardCode: code, discretion: await listDiscretion(db, code) };
    },
  );

  app.post(
    '/api/cases/:id/legal/approve',
    {
      preHandler: guard('legal:review'),
      schema: { tags: ['legal'], summary: 'Approve with a discretion row and a proposed fine inside its range (409 otherwise); issues the signed notice of violation', params: CaseIdParams,
        body: z.object({ standardId: z.number().int(), proposedFine: z.number().min(0), note: z.string().max(2000).optional() }).strict(),
        response: { ...Errors, 200: ReviewOut } },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      return answer(reply, async () => out(await approve(db, c.id, req.body, actorOf(p), onApproved)));
    },
  );

  app.post(
    '/api/cases/:id/legal/return',
    {
      preHandler: guard('legal:review'),
      schema: { tags: ['legal'], summary: 'Return the case to the officer with a reason', params: CaseIdParams,
        body: z.object({ reason: z.string().trim().min(2).max(2000) }).strict(), response: { ...Errors, 200: ReviewOut } },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      return answer(reply, async () => out(await returnCase(db, c.id, req.body.reason, actorOf(p))));
    },
  );

  app.post(
    '/api/cases/:id/legal/resubmit',
    {
      preHandler: guard('cases:review'),
      schema: { tags: ['legal'], summary: 'The officer sends a returned case back to legal review', params: CaseIdParams,
        body: z.object({ note: z.string().max(2000).optional() }).strict(), response: { ...Errors, 200: ReviewOut } },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      return answer(reply, async () => out(await resubmit(db, c.id, req.body.note, actorOf(p))));
    },
  );

  app.get(
    '/api/discretion',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['legal'], summary: 'The discretion standard (裁量基准); rows with sample=true are the shipped example',
        querystring: z.object({ code: z.string().optional(), retired: z.coerce.boolean().default(false) }),
        response: { ...Errors, 200: z.object({ items: z.array(DiscretionOut) }) } },
    },
    async (req) => ({ items: await listDiscretion(db, req.query.code, req.query.retired) }),
  );

  app.post(
    '/api/discretion',
    { preHandler: guard('discretion:write'), schema: { tags: ['legal'], summary: 'Add a discretion row', body: DiscretionInput, response: { ...Errors, 201: DiscretionOut } } },
    async (req, reply) => reply.code(201).send(await saveDiscretion(db, req.body, actorOf(who(req)))),
  );

  app.put(
    '/api/discretion/:id',
    {
      preHandler: guard('discretion:write'),
      schema: { tags: ['legal'], summary: 'Edit (or retire) a discretion row; it stops being a sample', params: z.object({ id: z.coerce.number().int() }),
        body: DiscretionInput, response: { ...Errors, 200: DiscretionOut } },
    },
    async (req, reply) => answer(reply, () => saveDiscretion(db, req.body, actorOf(who(req)), req.params.id)),
  );
};
