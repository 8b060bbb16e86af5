// Statistics for the command centre: hits by type, district and hour, precision from
// officers' verdicts, and warn-first outcomes (self-corrected vs filed) — always within the caller's scope.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { guard, who } from '../auth/plugin.ts';
import type { CasesPort } from '../ports.ts';
import { Errors, RegionFilter } from '../schemas.ts';
import { outOfScope, scopedQuery } from '../scope.ts';

const Count = z.object({ key: z.string(), count: z.number() });
const StatsBody = z.object({
  byType: z.array(Count),
  byDistrict: z.array(Count),
  byHour: z.array(Count),
  precision: z.array(
    z.object({ key: z.string(), truePositives: z.number(), falsePositives: z.number(), excluded: z.number(), precision: z.number().nullable() }),
  ),
  /** Warn-first hits per type: in their grace period, self-corrected (自行整改), filed as cases. */
  warnFirst: z.array(z.object({ key: z.string(), warned: z.number(), selfCorrected: z.number(), filed: z.number() })),
});

export const statsRoutes: FastifyPluginAsyncZod<{ cases: CasesPort }> = async (app, opts) => {
  app.get(
    '/api/stats',
    { preHandler: guard('stats:read'), schema: { tags: ['stats'], summary: 'Hits by type, district, hour; precision', querystring: RegionFilter, response: { ...Errors, 200: StatsBody } } },
    async (req, reply) => {
      const p = who(req);
      const q = scopedQuery(p, req.query);
      if (!q) return outOfScope(reply, p);
      return opts.cases.stats(q);
    },
  );
};
