// Folds the caller's scope into queries and checks single objects against it.
import type { FastifyReply } from 'fastify';
import { inScope, narrow, type Principal } from './auth/access.ts';
import { caseDateBounds } from './auth/time-scope.ts';
import { NotFound } from './errors.ts';
import type { CaseQuery, CaseView } from './ports.ts';

export interface RegionRequest {
  district?: string;
  street?: string;
  type?: string;
  from?: Date;
  to?: Date;
}

/**
 * null when the request names a district, street or type outside the caller's scope. The
 * requested time range is intersected with the caller's case-date range, so the SQL filter
 * (and with it totals, pages and statistics) never reaches past it.
 */
export function scopedQuery(p: Principal, q: RegionRequest): Omit<CaseQuery, 'limit' | 'cursor'> | null {
  const districts = narrow(p.scope.districts, q.district);
  const streets = narrow(p.scope.streets, q.street);
  const categories = narrow(p.scope.categories, q.type);
  if (districts === null || streets === null || categories === null) return null;
  const bounds = caseDateBounds(p.scope.time);
  const pick = (a: number | undefined, b: number | undefined, f: (x: number, y: number) => number) =>
    a === undefined ? b : b === undefined ? a : f(a, b);
  return { districts, streets, categories, from: pick(q.from?.getTime(), bounds.from, Math.max), to: pick(q.to?.getTime(), bounds.to, Math.min) };
}

/** Whether a case opened at `openedAt` (ms) lies in the caller's case-date range. */
export function inCaseDates(p: Principal, openedAt: number): boolean {
  const { from, to } = caseDateBounds(p.scope.time);
  return (from === undefined || openedAt >= from) && (to === undefined || openedAt < to);
}

export function outOfScope(reply: FastifyReply, p: Principal) {
  return reply.code(403).send({
    error: 'forbidden',
    message: `filter outside the scope of ${p.name} (districts: ${p.scope.districts.join(',') || 'all'})`,
  });
}

/** Out-of-scope objects are "not found": their existence is not revealed. */
export function visibleCase(p: Principal, c: CaseView | null, id: string): CaseView {
  if (!c || !inScope(p.scope, { district: c.district, street: c.street, categories: [c.category] }) || !inCaseDates(p, c.openedAt)) {
    throw new NotFound(`no case ${id}`);
  }
  return c;
}
