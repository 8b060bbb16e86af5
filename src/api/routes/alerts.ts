// Live alerts over Server-Sent Events. Each stream only carries alerts inside the caller's
// scope; a comment line every 15 s keeps proxies from closing an idle stream.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { inScope } from '../auth/access.ts';
import { inCaseDates } from '../scope.ts';
import { guard, who } from '../auth/plugin.ts';
import type { AlertBus } from '../alerts/bus.ts';
import type { ApiMetrics } from '../metrics.ts';

export const alertRoutes: FastifyPluginAsyncZod<{ bus: AlertBus; metrics: ApiMetrics; heartbeatMs?: number }> = async (app, opts) => {
  app.get(
    '/api/alerts/stream',
    { preHandler: guard('alerts:subscribe'), schema: { tags: ['alerts'], summary: 'text/event-stream of alerts (event: alert, data: JSON)' } },
    async (req, reply) => {
      const p = who(req);
      reply.hijack();
      const res = reply.raw;
      res.writeHead(200, {
        'content-type': 'text/event-stream; charset=utf-8',
        'cache-control': 'no-cache, no-transform',
        connection: 'keep-alive',
        'x-accel-buffering': 'no',
      });
      res.write(`retry: 3000\n: hello ${p.role}\n\n`);
      let id = 0;
      const off = opts.bus.subscribe((a) => {
        if (!inScope(p.scope, { district: a.district, street: a.street, categories: [a.category] }) || !inCaseDates(p, a.at)) return;
        res.write(`id: ${++id}\nevent: alert\ndata: ${JSON.stringify(a)}\n\n`);
      });
      const beat = setInterval(() => res.write(`: keepalive ${Date.now()}\n\n`), opts.heartbeatMs ?? 15_000);
      opts.metrics.sseClients.inc();
      req.raw.on('close', () => {
        clearInterval(beat);
        off();
        opts.metrics.sseClients.dec();
      });
    },
  );
};
