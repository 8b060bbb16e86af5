// Enforcement targets (执法对象): search, edit and bulk import of the registry, and the party
// of a case (shown to reviewers; an officer picks it when the link is unknown).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import type { FastifyReply } from 'fastify';
import { z } from 'zod';
import { actorOf } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import type { CasesPort } from '../ports.ts';
import { Errors, CaseIdParams } from '../schemas.ts';
import { visibleCase } from '../scope.ts';
import {
  caseParty, importParties, setCaseParty, ImportFileError, PartyConflictError, PartyInput, PartyLinkError, PartyNotFoundError,
  PARTY_KINDS, PERMIT_STATUSES, type CaseParty, type PartyRecord, type PartyRegistry,
} from '../../cases/parties/index.ts';

export interface PartiesRouteOptions {
  parties: PartyRegistry;
  cases: CasesPort;
  /** Repeat-violation window for links made here (the case worker uses the same setting). */
  repeatWindowDays: number;
}

const PartyOut = z.object({
  id: z.string(), kind: z.enum(PARTY_KINDS), name: z.string(), licenceNo: z.string().nullable(), permitNo: z.string().nullable(),
  permitValidFrom: z.string().nullable(), permitValidTo: z.string().nullable(), address: z.string().nullable(),
  contactName: z.string().nullable(), contactPhone: z.string().nullable(), district: z.string().nullable(), street: z.string().nullable(),
  note: z.string().nullable(), frontages: z.array(z.object({ cameraId: z.string(), zoneId: z.string() })), plates: z.array(z.string()),
  createdAt: z.number(), updatedAt: z.number(), version: z.number(),
});
const CasePartyOut = z.object({
  caseId: z.string(), party: PartyOut.nullable(), link: z.enum(['zone', 'plate', 'manual', 'unknown']), plate: z.string().nullable(),
  permitStatus: z.enum(PERMIT_STATUSES).nullable(), candidates: z.array(PartyOut), repeatCount: z.number(), repeatWindowDays: z.number(),
  linkedAt: z.number(), linkedBy: z.string(),
});
const IdParams = z.object({ id: z.string().uuid() });

const out = (p: PartyRecord) => ({ ...p, createdAt: p.createdAt.getTime(), updatedAt: p.updatedAt.getTime() });

/** The registry's errors as HTTP answers; anything else goes to the app's error handler. */
async function answer<T>(reply: FastifyReply, fn: () => Promise<T>): Promise<T | FastifyReply> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof PartyNotFoundError) return reply.code(404).send({ error: 'not_found', message: err.message });
    if (err instanceof PartyConflictError) return reply.code(409).send({ error: 'conflict', message: err.message });
    if (err instanceof ImportFileError || err instanceof PartyLinkError) return reply.code(400).send({ error: 'bad_request', message: err.message });
    throw err;
  }
}

export const partyRoutes: FastifyPluginAsyncZod<PartiesRouteOptions> = async (app, opts) => {
  const { parties, cases } = opts;

  const caseOut = async (l: CaseParty) => ({
    ...l, party: l.party ? out(l.party) : null, linkedAt: l.linkedAt.getTime(),
    candidates: (await Promise.all(l.candidates.map((id) => parties.get(id)))).filter((p): p is PartyRecord => !!p).map(out),
  });

  app.get(
    '/api/parties',
    {
      preHandler: guard('parties:read'),
      schema: {
        tags: ['parties'], summary: 'Search enforcement targets by name, licence or permit number, address or plate',
        querystring: z.object({ q: z.string().max(100).optional(), kind: z.enum(PARTY_KINDS).optional(),
          limit: z.coerce.number().int().min(1).max(500).default(50), offset: z.coerce.number().int().min(0).default(0) }),
        response: { ...Errors, 200: z.object({ items: z.array(PartyOut), total: z.number() }) },
      },
    },
    async (req) => {
      const p = who(req);
      const r = await parties.search({ ...req.query, districts: p.scope.districts.length ? p.scope.districts : undefined });
      return { items: r.items.map(out), total: r.total };
    },
  );

  const visibleParty = async (id: string, reply: FastifyReply, req: Parameters<typeof who>[0]) => {
    const party = await parties.get(id);
    const scope = who(req).scope.districts;
    if (!party || (scope.length && party.district && !scope.includes(party.district))) {
      reply.code(404).send({ error: 'not_found', message: `no party ${id}` });
      return null;
    }
    return party;
  };

  app.get(
    '/api/parties/:id',
    { preHandler: guard('parties:read'), schema: { tags: ['parties'], summary: 'One enforcement target', params: IdParams, response: { ...Errors, 200: PartyOut } } },
    async (req, reply) => {
      const party = await visibleParty(req.params.id, reply, req);
      return party ? out(party) : reply;
    },
  );

  app.post(
    '/api/parties',
    { preHandler: guard('parties:write'), schema: { tags: ['parties'], summary: 'Register an enforcement target', body: PartyInput, response: { ...Errors, 201: PartyOut } } },
    async (req, reply) => answer(reply, async () => reply.code(201).send(out(await parties.create(req.body, actorOf(who(req)))))),
  );

  app.put(
    '/api/parties/:id',
    {
      preHandler: guard('parties:write'),
      schema: {
        tags: ['parties'], summary: 'Replace an enforcement target (its frontages and plates too); ?version= guards against lost updates',
        params: IdParams, querystring: z.object({ version: z.coerce.number().int().min(1).optional() }), body: PartyInput,
        response: { ...Errors, 200: PartyOut },
      },
    },
    async (req, reply) => {
      if (!(await visibleParty(req.params.id, reply, req))) return reply;
      return answer(reply, async () => out(await parties.update(req.params.id, req.body, actorOf(who(req)), req.query.version)));
    },
  );

  app.delete(
    '/api/parties/:id',
    { preHandler: guard('parties:write'), schema: { tags: ['parties'], summary: 'Delete an enforcement target no case refers to', params: IdParams, response: { ...Errors, 204: z.null() } } },
    async (req, reply) => {
      if (!(await visibleParty(req.params.id, reply, req))) return reply;
      return answer(reply, async () => {
        await parties.remove(req.params.id, actorOf(who(req)));
        return reply.code(204).send(null);
      });
    },
  );

  app.post(
    '/api/parties/import',
    {
      preHandler: guard('parties:write'),
      // A city district's register (tens of thousands of shops) as base64 XLSX.
      bodyLimit: 32 * 2 ** 20,
      schema: {
        tags: ['parties'],
        summary: 'Import enforcement targets from a CSV or XLSX file (base64); bad rows come back with line and field, the others load',
        body: z.object({ format: z.enum(['csv', 'xlsx']), content: z.string().min(1).max(32 * 2 ** 20), dryRun: z.boolean().default(false) }).strict(),
        response: {
          ...Errors,
          200: z.object({ rows: z.number(), created: z.number(), updated: z.number(), dryRun: z.boolean(),
            errors: z.array(z.object({ row: z.number(), field: z.string().nullable(), message: z.string() })) }),
        },
      },
    },
    async (req, reply) =>
      answer(reply, () => importParties(parties.db, { format: req.body.format, data: Buffer.from(req.body.content, 'base64') }, actorOf(who(req)), req.body.dryRun)),
  );

  app.get(
    '/api/cases/:id/party',
    {
      preHandler: guard('cases:read'),
      schema: { tags: ['parties'], summary: 'The party of a case: how it was linked, permit status, repeats, candidates', params: CaseIdParams, response: { ...Errors, 200: CasePartyOut } },
    },
    async (req, reply) => {
      const c = visibleCase(who(req), await cases.get(req.params.id), req.params.id);
      const link = await caseParty(parties.db, c.id);
      if (!link) return reply.code(404).send({ error: 'not_found', message: `case ${c.id} has no party link yet` });
      return caseOut(link);
    },
  );

  app.put(
    '/api/cases/:id/party',
    {
      preHandler: guard('cases:review'),
      schema: {
        tags: ['parties'], summary: 'Pick or correct the party of a case (audited)', params: CaseIdParams,
        body: z.object({ partyId: z.string().uuid() }).strict(), response: { ...Errors, 200: CasePartyOut },
      },
    },
    async (req, reply) => {
      const p = who(req);
      const c = visibleCase(p, await cases.get(req.params.id), req.params.id);
      if (!(await visibleParty(req.body.partyId, reply, req))) return reply;
      return answer(reply, async () => caseOut(await setCaseParty(parties.db, c.id, req.body.partyId, actorOf(p), opts.repeatWindowDays)));
    },
  );
};
