// zod schemas shared by several routes (and printed in the OpenAPI document at /docs).
import { z } from 'zod';
import { RuleType } from '../config/schema.ts';
import { CASE_STATES, REJECT_REASONS } from './ports.ts';

export const ErrorBody = z.object({
  error: z.string(),
  message: z.string(),
  issues: z.array(z.object({ in: z.string().optional(), path: z.array(z.string()), message: z.string() })).optional(),
});

export const CaseBody = z.object({
  id: z.string(),
  hitId: z.string(),
  cameraId: z.string(),
  zoneId: z.string(),
  district: z.string(),
  street: z.string(),
  category: RuleType,
  state: z.enum(CASE_STATES),
  score: z.number(),
  openedAt: z.number(),
  updatedAt: z.number(),
  reason: z.string().nullish(),
  bundleId: z.string().nullish(),
});

export const RegionFilter = z.object({
  district: z.string().min(1).optional(),
  street: z.string().min(1).optional(),
  type: RuleType.optional(),
  /** ISO 8601 time or ms since epoch. */
  from: z.coerce.date().optional(),
  to: z.coerce.date().optional(),
});

export const CaseListQuery = RegionFilter.extend({
  state: z.enum(CASE_STATES).optional(),
  limit: z.coerce.number().int().min(1).max(500).default(50),
  /** nextCursor of the previous page. */
  cursor: z.string().regex(/^\d{1,12}$/).optional(),
});

export const CaseIdParams = z.object({ id: z.string().min(1).max(128) });
export const RejectBody = z.object({ reason: z.enum(REJECT_REASONS), note: z.string().max(500).optional() });

export const Paged = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), nextCursor: z.string().nullable() });

/** Error responses every guarded route can give (documented in OpenAPI). */
export const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody } as const;
