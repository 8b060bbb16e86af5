// Administration beyond creating users and keys (admin only): list API keys, change a user's
// role, scope, name or disabled flag, reset a password (ending the user's sessions). Kept
// apart from users.ts so the user-management page's needs are one small file.
import type { FastifyPluginAsyncZod } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { RuleType } from '../../config/schema.ts';
import { ROLES } from '../auth/access.ts';
import { hashPassword } from '../auth/passwords.ts';
import { guard } from '../auth/plugin.ts';
import { timeParam, toScope, type UserStore } from '../auth/users.ts';
import { TimeScope } from '../auth/time-scope.ts';
import { Errors } from '../schemas.ts';

const Scope = z.object({ districts: z.array(z.string().min(1)), streets: z.array(z.string().min(1)), categories: z.array(RuleType), time: TimeScope.optional() }).strict();
const IdParams = z.object({ id: z.string().min(1).max(64) });
const ApiKeyOut = z.object({
  id: z.string(), name: z.string(), role: z.enum(ROLES), scope: Scope, createdAt: z.number(), revokedAt: z.number().nullable(),
});

interface KeyRow { id: string; name: string; role: (typeof ROLES)[number]; districts: string[]; streets: string[]; categories: string[]; time_scope: unknown; created_at: Date | string; revoked_at: Date | string | null }
const ms = (d: Date | string) => new Date(d).getTime();

export const userAdminRoutes: FastifyPluginAsyncZod<{ users: UserStore }> = async (app, opts) => {
  const { sql } = opts.users;

  app.get(
    '/api/api-keys',
    { preHandler: guard('users:manage'), schema: { tags: ['users'], summary: 'API keys (never the key itself), newest first', response: { ...Errors, 200: z.object({ items: z.array(ApiKeyOut) }) } } },
    async () => {
      const rows = await sql.query<KeyRow>('SELECT * FROM api_keys ORDER BY created_at DESC');
      return {
        items: rows.map((r) => ({
          id: r.id, name: r.name, role: r.role,
          scope: toScope(r),
          createdAt: ms(r.created_at), revokedAt: r.revoked_at ? ms(r.revoked_at) : null,
        })),
      };
    },
  );

  app.patch(
    '/api/users/:id',
    {
      preHandler: guard('users:manage'),
      schema: {
        tags: ['users'],
        summary: 'Change a user\'s display name, role, scope or disabled flag (disabling ends their sessions)',
        params: IdParams,
        body: z.object({ displayName: z.string().min(1).max(64).optional(), role: z.enum(ROLES).optional(), scope: Scope.optional(), disabled: z.boolean().optional() }).strict(),
        response: { ...Errors, 200: z.object({ ok: z.boolean() }) },
      },
    },
    async (req, reply) => {
      const b = req.body;
      const rows = await sql.query<{ id: string }>(
        `UPDATE api_users SET display_name = COALESCE($2, display_name), role = COALESCE($3, role),
           districts = COALESCE($4, districts), streets = COALESCE($5, streets), categories = COALESCE($6, categories),
           disabled = COALESCE($7, disabled),
           time_scope = CASE WHEN $8::boolean THEN $9::jsonb ELSE time_scope END
         WHERE id = $1 RETURNING id`,
        [req.params.id, b.displayName ?? null, b.role ?? null, b.scope?.districts ?? null, b.scope?.streets ?? null, b.scope?.categories ?? null, b.disabled ?? null,
          b.scope !== undefined, timeParam(b.scope?.time)],
      );
      if (!rows.length) return reply.code(404).send({ error: 'not_found', message: `user ${req.params.id} not found` });
      if (b.disabled || b.role || b.scope) await sql.query('DELETE FROM api_sessions WHERE user_id = $1', [req.params.id]);
      return { ok: true };
    },
  );

  app.post(
    '/api/users/:id/password',
    {
      preHandler: guard('users:manage'),
      schema: {
        tags: ['users'],
        summary: 'Reset a user\'s password; their sessions end',
        params: IdParams,
        body: z.object({ password: z.string().min(10).max(256) }),
        response: { ...Errors, 200: z.object({ ok: z.boolean() }) },
      },
    },
    async (req, reply) => {
      const rows = await sql.query<{ id: string }>('UPDATE api_users SET password_hash = $2 WHERE id = $1 RETURNING id', [req.params.id, await hashPassword(req.body.password)]);
      if (!rows.length) return reply.code(404).send({ error: 'not_found', message: `user ${req.params.id} not found` });
      await sql.query('DELETE FROM api_sessions WHERE user_id = $1', [req.params.id]);
      return { ok: true };
    },
  );
};
