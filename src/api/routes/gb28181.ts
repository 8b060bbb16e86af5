// GB/T 28181 devices and channels as the SIP server knows them (read-only here).
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { GbId } from '../../config/schema.ts';
import { guard } from '../auth/plugin.ts';
import { NotFound } from '../errors.ts';
import type { Gb28181Directory } from '../ports.ts';
import { Errors } from '../schemas.ts';

const Device = z.object({ deviceId: z.string(), name: z.string().optional(), online: z.boolean(), lastKeepaliveAt: z.number().optional(), channels: z.number() });
const Channel = z.object({ channelId: z.string(), deviceId: z.string(), name: z.string().optional(), status: z.string().optional() });

export const gbRoutes: FastifyPluginAsyncZod<{ gb?: Gb28181Directory }> = async (app, opts) => {
  app.get(
    '/api/gb28181/devices',
    { preHandler: guard('gb28181:read'), schema: { tags: ['gb28181'], summary: 'Registered devices', response: { ...Errors, 200: z.object({ items: z.array(Device) }) } } },
    async () => ({ items: (await opts.gb?.devices()) ?? [] }),
  );
  app.get(
    '/api/gb28181/devices/:deviceId/channels',
    { preHandler: guard('gb28181:read'), schema: { tags: ['gb28181'], summary: 'Channels from the device\'s Catalog', params: z.object({ deviceId: GbId }), response: { ...Errors, 200: z.object({ items: z.array(Channel) }) } } },
    async (req) => {
      const items = await opts.gb?.channels(req.params.deviceId);
      if (!items) throw new NotFound(`no device ${req.params.deviceId}`);
      return { items };
    },
  );
};
