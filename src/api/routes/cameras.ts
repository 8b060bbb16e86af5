// Cameras: list with health, snapshot (watermarked), zones (read and write back to YAML),
// and the live-view stream address for the camera wall.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { Zone, type CameraConfig } from '../../config/schema.ts';
import { inScope, type Principal } from '../auth/access.ts';
import { guard, who } from '../auth/plugin.ts';
import type { LiveViewManager } from '../cameras/live.ts';
import { grabStill } from '../cameras/snapshot.ts';
import { ZoneWriteError, writeZones } from '../cameras/zones-writer.ts';
import { NotFound } from '../errors.ts';
import type { CameraDirectory, CameraRuntime } from '../ports.ts';
import { watermark } from '../watermark.ts';
import { Errors } from '../schemas.ts';

export interface CameraRouteOptions {
  cameras: CameraDirectory;
  runtime?: CameraRuntime;
  live?: LiveViewManager;
}

const Params = z.object({ id: z.string().min(1).max(64) });
const Health = z.object({
  state: z.string(),
  since: z.number().optional(),
  lastFrameAt: z.number().optional(),
  framesTotal: z.number().optional(),
  reconnects: z.number().optional(),
  lastError: z.string().optional(),
});
const CameraBody = z.object({
  id: z.string(),
  name: z.string(),
  district: z.string(),
  street: z.string(),
  address: z.string().optional(),
  source: z.string(),
  keyPoint: z.boolean(),
  enabled: z.boolean(),
  rules: z.array(z.string()),
  zones: z.number(),
  health: Health,
});

export const cameraRoutes: FastifyPluginAsyncZod<CameraRouteOptions> = async (app, opts) => {
  const visible = (p: Principal, c: CameraConfig) =>
    inScope(p.scope, { district: c.location.district, street: c.location.street, categories: c.rules });

  const cameraOf = (p: Principal, id: string): CameraConfig => {
    const c = opts.cameras.get(id);
    if (!c || !visible(p, c)) throw new NotFound(`no camera ${id}`);
    return c;
  };

  const health = (c: CameraConfig): z.infer<typeof Health> => {
    if (!c.enabled) return { state: 'disabled' };
    return opts.runtime?.health(c.id) ?? { state: 'unknown' };
  };

  const view = (c: CameraConfig): z.infer<typeof CameraBody> => ({
    id: c.id,
    name: c.name,
    district: c.location.district,
    street: c.location.street,
    address: c.location.address,
    source: c.source.kind,
    keyPoint: c.keyPoint,
    enabled: c.enabled,
    rules: c.rules,
    zones: c.zones.length,
    health: health(c),
  });

  app.get(
    '/api/cameras',
    { preHandler: guard('cameras:read'), schema: { tags: ['cameras'], summary: 'Cameras in the caller\'s scope with health', response: { ...Errors, 200: z.object({ items: z.array(CameraBody) }) } } },
    async (req) => ({ items: opts.cameras.list().filter((c) => visible(who(req), c)).map(view) }),
  );

  app.get(
    '/api/cameras/:id',
    { preHandler: guard('cameras:read'), schema: { tags: ['cameras'], summary: 'One camera', params: Params, response: { ...Errors, 200: CameraBody } } },
    async (req) => view(cameraOf(who(req), req.params.id)),
  );

  app.get(
    '/api/cameras/:id/health',
    { preHandler: guard('cameras:read'), schema: { tags: ['cameras'], summary: 'Source health (ingest watchdog state)', params: Params, response: { ...Errors, 200: Health } } },
    async (req) => health(cameraOf(who(req), req.params.id)),
  );

  app.get(
    '/api/cameras/:id/snapshot',
    { preHandler: guard('cameras:read'), schema: { tags: ['cameras'], summary: 'Latest frame, watermarked with viewer and time', params: Params } },
    async (req, reply) => {
      const p = who(req);
      const cam = cameraOf(p, req.params.id);
      const jpeg = (await opts.runtime?.snapshot(cam.id)) ?? (await grabStill(cam));
      if (!jpeg) return reply.code(503).send({ error: 'unavailable', message: `no frame from ${cam.id} yet` });
      reply.header('cache-control', 'private, no-store');
      return reply.type('image/jpeg').send(await watermark(jpeg, p.name));
    },
  );

  app.get(
    '/api/cameras/:id/zones',
    { preHandler: guard('cameras:read'), schema: { tags: ['zones'], summary: 'Zones of a camera (normalised polygons)', params: Params, response: { ...Errors, 200: z.object({ zones: z.array(Zone) }) } } },
    async (req) => ({ zones: cameraOf(who(req), req.params.id).zones }),
  );

  app.put(
    '/api/cameras/:id/zones',
    {
      preHandler: guard('zones:write'),
      schema: { tags: ['zones'], summary: 'Replace the zones; written to the camera\'s YAML, comments kept', params: Params, body: z.object({ zones: z.array(Zone) }), response: { ...Errors, 200: z.object({ zones: z.array(Zone) }) } },
    },
    async (req, reply) => {
      const cam = cameraOf(who(req), req.params.id);
      const file = opts.cameras.fileOf(cam.id);
      if (!file) throw new NotFound(`no config file for ${cam.id}`);
      try {
        await writeZones(file, cam.id, req.body.zones);
      } catch (err) {
        if (err instanceof ZoneWriteError) return reply.code(400).send({ error: 'bad_request', message: err.message });
        throw err;
      }
      await opts.cameras.reload();
      return { zones: opts.cameras.get(cam.id)?.zones ?? [] };
    },
  );

  app.get(
    '/api/cameras/:id/live',
    {
      preHandler: guard('cameras:live'),
      schema: {
        tags: ['cameras'],
        summary: 'A single-use ticket (30 s) to open the camera\'s MPEG-1 live WebSocket on this host (JSMpeg)',
        params: Params,
        response: { ...Errors, 200: z.object({ mode: z.enum(['jsmpeg', 'snapshot']), url: z.string().nullable(), expiresAt: z.number().nullable() }) },
      },
    },
    async (req) => {
      const cam = cameraOf(who(req), req.params.id);
      const t = opts.live?.ticket(who(req), cam) ?? null;
      return t ? { mode: 'jsmpeg' as const, ...t } : { mode: 'snapshot' as const, url: null, expiresAt: null };
    },
  );
};
