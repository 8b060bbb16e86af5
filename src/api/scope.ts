// Folds the caller's scope into queries and checks single objects against it.
import type { FastifyReply } from 'fastify';
import { inScope, narrow, type Principal } from './auth/access.ts';
import { NotFound } from './errors.ts';
import type { CaseQuery, CaseView } from './ports.ts';

export interface RegionRequest {
  district?: string;
  street?: string;
  type?: string;
  from?: Date;
  to?: Date;
}

/** null when the request names a district, street or type outside the caller's scope. */
export function scopedQuery(p: Principal, q: RegionRequest): Omit<CaseQuery, 'limit' | 'cursor'> | null {
  const districts = narrow(p.scope.districts, q.district);
  const streets = narrow(p.scope.streets, q.street);
  const categories = narrow(p.scope.categories, q.type);
  if (districts === null || streets === null || categories === null) return null;
  return { districts, streets, categories, from: q.from?.getTime(), to: q.to?.getTime() };
}

export function outOfScope(reply: FastifyReply, p: Principal) {
  return reply.code(403).send({
    error: 'forbidden',
    message: `filter outside the scope of ${p.name} (districts: ${p.scope.districts.join(',') || 'all'})`,
  });
}

/** Out-of-scope objects are "not found": their existence is not revealed. */
export function visibleCase(p: Principal, c: CaseView | null, id: string): CaseView {
  if (!c || !inScope(p.scope, { district: c.district, street: c.street, categories: [c.category] })) {
    throw new NotFound(`no case ${id}`);
  }
  return c;
}
