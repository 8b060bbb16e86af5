// The contract between analytics and everything after it (evidence, cases, alerts).
// Hits cross process boundaries through BullMQ, so they are validated with zod there.
import { z } from 'zod';
import { RuleType } from '../config/schema.ts';

export const DetectionSchema = z.object({
  box: z.tuple([z.number(), z.number(), z.number(), z.number()]),
  score: z.number(),
  classId: z.number().int(),
  className: z.string(),
  label: z.string(),
  modelId: z.string(),
  points: z.array(z.tuple([z.number(), z.number()])).optional(),
});

/**
 * One event in the life of a violation. `hitId` is stable from `opened` to `cleared`, so
 * every consumer can be idempotent on (hitId, event, seq).
 */
export const HitEvent = z.object({
  hitId: z.string().min(1),
  event: z.enum(['opened', 'updated', 'cleared']),
  /** Increases with every event of the same hit. */
  seq: z.number().int().min(0),
  cameraId: z.string().min(1),
  zoneId: z.string().min(1),
  rule: RuleType,
  /** ms since epoch: when the violation was first seen, and when this event happened. */
  startedAt: z.number(),
  at: z.number(),
  score: z.number().min(0).max(1),
  detections: z.array(DetectionSchema),
  /** Rule parameters in force, recorded in the evidence for legal review. */
  thresholds: z.record(z.string(), z.union([z.number(), z.string(), z.boolean()])),
  /** Rule-specific findings: phone numbers on an ad, the truck's best frame time, … */
  attributes: z.record(z.string(), z.unknown()).default({}),
  /** Appearance embedding for learning from officers' verdicts. */
  embedding: z.array(z.number()).optional(),
});

export type HitEventT = z.infer<typeof HitEvent>;
