// /healthz for load balancers and /metrics for Prometheus. Both unauthenticated: they carry
// counts, never case data. Restrict them at the network edge if that matters.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ApiMetrics } from '../metrics.ts';
import { Errors } from '../schemas.ts';

export interface OpsOptions {
  metrics: ApiMetrics;
  checks: Record<string, () => Promise<boolean>>;
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
  app.get('/metrics', { schema: { tags: ['ops'], summary: 'Prometheus text format' } }, async (_req, reply) =>
    reply.type(opts.metrics.registry.contentType).send(await opts.metrics.registry.metrics()),
  );
};
