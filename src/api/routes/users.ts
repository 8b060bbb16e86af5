// Administration of people and machine clients (admin only). Passwords and API keys are
// never returned except a new key, once, at creation.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RuleType } from '../../config/schema.ts';
import { ROLES } from '../auth/access.ts';
import { guard } from '../auth/plugin.ts';
import { TimeScope } from '../auth/time-scope.ts';
import type { UserStore } from '../auth/users.ts';
import { Errors } from '../schemas.ts';

const ScopeBody = z.object({
  districts: z.array(z.string().min(1)).default([]),
  streets: z.array(z.string().min(1)).default([]),
  categories: z.array(RuleType).default([]),
  /** Duty window and case-date range; left out: any time, any case date. */
  time: TimeScope.optional(),
}).strict();
const UserOut = z.object({ id: z.string(), username: z.string(), displayName: z.string(), role: z.enum(ROLES), scope: ScopeBody, disabled: z.boolean() });

export const userRoutes: FastifyPluginAsyncZod<{ users: UserStore }> = async (app, opts) => {
  app.get(
    '/api/users',
    { preHandler: guard('users:manage'), schema: { tags: ['users'], summary: 'Users with role and scope', response: { ...Errors, 200: z.object({ items: z.array(UserOut) }) } } },
    async () => ({ items: await opts.users.listUsers() }),
  );

  app.post(
    '/api/users',
    {
      preHandler: guard('users:manage'),
      schema: {
        tags: ['users'],
        summary: 'Create a user',
        body: z.object({
          username: z.string().regex(/^[\w.-]{2,64}$/),
          displayName: z.string().min(1).max(64),
          password: z.string().min(10).max(256),
          role: z.enum(ROLES),
          scope: ScopeBody.default({ districts: [], streets: [], categories: [] }),
        }),
        response: { ...Errors, 201: z.object({ id: z.string() }) },
      },
    },
    async (req, reply) => {
      if (await opts.users.exists(req.body.username)) {
        return reply.code(409).send({ error: 'conflict', message: `user ${req.body.username} exists` });
      }
      return reply.code(201).send({ id: await opts.users.createUser(req.body) });
    },
  );

  app.post(
    '/api/api-keys',
    {
      preHandler: guard('users:manage'),
      schema: {
        tags: ['users'],
        summary: 'Create an API key for a machine client; the key is shown only in this response',
        body: z.object({ name: z.string().min(1).max(64), role: z.enum(ROLES), scope: ScopeBody.default({ districts: [], streets: [], categories: [] }) }),
        response: { ...Errors, 201: z.object({ id: z.string(), key: z.string() }) },
      },
    },
    async (req, reply) => reply.code(201).send(await opts.users.createApiKey(req.body.name, req.body.role, req.body.scope)),
  );

  app.delete(
    '/api/api-keys/:id',
    { preHandler: guard('users:manage'), schema: { tags: ['users'], summary: 'Revoke an API key', params: z.object({ id: z.string().uuid() }), response: { ...Errors, 200: z.object({ ok: z.boolean() }) } } },
    async (req) => {
      await opts.users.revokeApiKey(req.params.id);
      return { ok: true };
    },
  );
};
