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
  /** One case only: its rule's attributes from the hit's newest event (phone numbers, plate). */
  attributes: z.record(z.string(), z.unknown()).optional(),
  /** One case only, warn-first (限时整改): the grace period, how it ended, the "after" frame's bundle. */
  warning: z.object({
    graceSeconds: z.number(),
    graceUntil: z.number(),
    outcome: z.enum(['self_corrected', 'filed']).nullable(),
    decidedAt: z.number().nullable(),
    after: z.object({ at: z.number(), bundleId: z.string().nullable() }).nullable(),
    decidedBy: z.enum(['camera', 'camera_silent', 'backstop', 'officer']).nullable(),
    note: z.string().nullable(),
    /** Settled without an after frame: the camera went silent, or an officer decided. */
    noAfterFrame: z.enum(['camera_silent', 'officer_decision']).nullable(),
  }).optional(),
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
/** An officer's decision on a warned case: what they saw (live view, on site) and why. */
export const WarningDecisionBody = z.object({ note: z.string().trim().min(2).max(500) });

export const RejectBody = z.object({ reason: z.enum(REJECT_REASONS), note: z.string().max(500).optional() });

export const Paged = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), total: z.number().int(), limit: z.number().int(), nextCursor: z.string().nullable() });

/** Error responses every guarded route can give (documented in OpenAPI). */
export const Errors = { 400: ErrorBody, 401: ErrorBody, 403: ErrorBody, 404: ErrorBody, 409: ErrorBody, 415: ErrorBody, 429: ErrorBody } as const;
