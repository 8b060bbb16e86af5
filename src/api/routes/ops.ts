// /healthz for load balancers and /metrics for Prometheus. Both unauthenticated: they carry
// counts, never case data. Restrict them at the network edge if that matters.
// /api/ops/alerts (logged in): operator alerts the pages show as a banner.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { EvidenceIntake, type EvidenceIntakeT } from '../../contracts/ops.ts';
import { guard } from '../auth/plugin.ts';
import type { ApiMetrics } from '../metrics.ts';
import { ErrorBody, Errors } from '../schemas.ts';

export interface OpsOptions {
  metrics: ApiMetrics;
  checks: Record<string, () => Promise<boolean>>;
  /** Shared evidence intake state; absent when the API has no queue (Redis) configured. */
  intake?: () => Promise<EvidenceIntakeT>;
}

export const opsRoutes: FastifyPluginAsyncZod<OpsOptions> = async (app, opts) => {
  app.get(
    '/healthz',
    { schema: { tags: ['ops'], summary: 'Liveness and dependency checks', response: { ...Errors, 200: z.object({ ok: z.boolean(), checks: z.record(z.string(), z.boolean()) }), 503: z.object({ ok: z.boolean(), checks: z.record(z.string(), z.boolean()) }) } } },
    async (_req, reply) => {
      const checks: Record<string, boolean> = {};
      for (const [name, fn] of Object.entries(opts.checks)) checks[name] = await fn().catch(() => false);
      const ok = Object.values(checks).every(Boolean);
      return reply.code(ok ? 200 : 503).send({ ok, checks });
    },
  );
  app.get(
    '/api/ops/alerts',
    {
      preHandler: guard('cases:read'),
      schema: {
        tags: ['ops'],
        summary: 'Operator alerts: whether new evidence is being refused (null: no queue configured)',
        response: { ...Errors, 200: z.object({ evidence: EvidenceIntake.nullable() }), 503: ErrorBody },
      },
    },
    async (_req, reply) => {
      if (!opts.intake) return { evidence: null };
      try {
        return { evidence: await opts.intake() };
      } catch (err) {
        return reply.code(503).send({ error: 'unavailable', message: `evidence intake state unreadable: ${(err as Error).message}` });
      }
    },
  );
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus text format' } }, async (_req, reply) =>
    reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics()),
  );
};
