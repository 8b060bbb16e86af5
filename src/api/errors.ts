// One error body for every failure: { error, message, issues? }. Validation failures carry
// the zod path of every issue so a client can point at the field.
import type { FastifyError, FastifyInstance } from 'fastify';
import { hasZodFastifySchemaValidationErrors } from 'fastify-type-provider-zod';
import { TransitionError } from './ports.ts';
import { createLogger } from '../util/log.ts';
import { EvidenceAltered } from '../evidence/reader.ts';

const log = createLogger({ stage: 'api' });

export class NotFound extends Error {
  readonly statusCode = 404;
}

/** Refused for this caller's role, though the thing exists and the caller may see the case. */
export class Forbidden extends Error {
  readonly statusCode = 403;
}

export { EvidenceAltered };

export function registerErrors(app: FastifyInstance): void {
  app.setErrorHandler((err: FastifyError, req, reply) => {
    if (hasZodFastifySchemaValidationErrors(err)) {
      return reply.code(400).send({
        error: 'bad_request',
        message: `invalid ${err.validationContext ?? 'request'}`,
        issues: err.validation.map((v) => ({
          in: err.validationContext,
          path: v.instancePath.split('/').filter(Boolean),
          message: v.message,
        })),
      });
    }
    if (err instanceof NotFound) return reply.code(404).send({ error: 'not_found', message: err.message });
    if (err instanceof Forbidden) return reply.code(403).send({ error: 'forbidden', message: err.message });
    if (err instanceof EvidenceAltered) {
      log.error('evidence altered; refused to serve it', { url: req.url.split('?')[0], detail: err.message });
      return reply.code(409).send({ error: 'evidence_altered', message: `stored evidence does not match its seal: ${err.message}` });
    }
    if (err instanceof TransitionError) return reply.code(409).send({ error: 'conflict', message: err.message });
    if (err.statusCode === 429) return reply.code(429).send({ error: 'too_many_requests', message: err.message });
    if (err.statusCode && err.statusCode < 500) {
      return reply.code(err.statusCode).send({ error: 'bad_request', message: err.message });
    }
    req.log.error({ err }, 'unhandled');
    return reply.code(500).send({ error: 'internal', message: 'internal error' });
  });
  app.setNotFoundHandler((req, reply) => reply.code(404).send({ error: 'not_found', message: `no route ${req.method} ${req.url}` }));
}
