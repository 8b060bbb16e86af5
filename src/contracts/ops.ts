// Operator-facing state shared across processes: whether new evidence is being refused. The
// evidence workers write it (src/dispatch/intake.ts), the API reads it (GET /api/ops/alerts,
// /metrics) and the command centre and review page show it as a banner.
import { z } from 'zod';

/**
 * Why evidence is not being taken: the disk guard refused a seal (`disk-low`), the evidence
 * store does not answer and bundles wait in the spool (`store-unavailable`), or an evidence
 * job used up its attempts and was parked in the dead-letter queue (`dead-letter`).
 */
export const EvidenceRefusalReason = z.enum(['disk-low', 'store-unavailable', 'dead-letter']);
export type EvidenceRefusalReasonT = z.infer<typeof EvidenceRefusalReason>;

export const EvidenceRefusal = z.strictObject({
  reason: EvidenceRefusalReason,
  /** The latest refusal's error text (a path and free space, a store error, a job id). */
  message: z.string(),
  /** ms since epoch: first refusal of this episode, and the latest. */
  since: z.number(),
  lastAt: z.number(),
  /** Refusals in this episode (each failed attempt counts). */
  count: z.number().int().min(1),
});
export type EvidenceRefusalT = z.infer<typeof EvidenceRefusal>;

/** `accepting` is false while any refusal is open; an accepted bundle closes the episode. */
export const EvidenceIntake = z.strictObject({ accepting: z.boolean(), refused: z.array(EvidenceRefusal) });
export type EvidenceIntakeT = z.infer<typeof EvidenceIntake>;
