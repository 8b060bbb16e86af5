// The case lifecycle: which state may follow which, and what a rejection must carry.
import { z } from 'zod';
import { CITY_EVENTS } from '../contracts/city.ts';

export const CaseState = z.enum(['new', 'warned', 'self_corrected', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected', ...CITY_EVENTS]);
export type CaseStateT = z.infer<typeof CaseState>;

/** Why an officer or reviewer rejected a detection; feeds the precision figures. */
export const RejectReason = z.enum(['not_violation', 'duplicate', 'wrong_type', 'image_unusable']);
export type RejectReasonT = z.infer<typeof RejectReason>;

/**
 * Rejections that say the scene is not a violation: only these teach analytics to suppress
 * look-alikes at the same place. `duplicate` (a real violation, already a case),
 * `image_unusable` (nothing learnt about the scene) and `wrong_type` (a violation of another
 * kind is still a violation) must not hide the next real one.
 */
export const SUPPRESSING_REASONS: ReadonlySet<RejectReasonT> = new Set(['not_violation']);

/** States of a warn-first hit (限时整改) before, or instead of, an officer's review: not in review lists. */
export const WARN_STATES: readonly CaseStateT[] = ['warned', 'self_corrected'];

// new → pending_review once evidence is sealed; rejection is possible until dispatch
// (legal review 法制审核 may still refuse a confirmed case). A warn-first hit starts as warned
// and the case worker alone settles it (src/cases/warn.ts): self_corrected, or on to review.
// The city back half: only the city platform's status events (src/cases/city.ts) move a legally
// approved, exported case from confirmed on; statement and acknowledgement may be skipped
// (a party may not sign or not speak), payment follows the decision, a decision without a
// fine may close at once.
const NEXT: Record<CaseStateT, readonly CaseStateT[]> = {
  new: ['pending_review', 'rejected'],
  warned: ['self_corrected', 'pending_review'],
  self_corrected: [],
  pending_review: ['confirmed', 'rejected'],
  confirmed: ['dispatched', 'rejected', 'delivered'],
  dispatched: ['resolved'],
  resolved: [],
  rejected: [],
  delivered: ['acknowledged', 'statement_received', 'decided'],
  acknowledged: ['statement_received', 'decided'],
  statement_received: ['decided'],
  decided: ['paid', 'closed'],
  paid: ['closed'],
  closed: [],
};

/** States only the city platform's status events reach (送达 … 结案). */
export const CITY_STATES: readonly CaseStateT[] = CITY_EVENTS;

export class IllegalTransitionError extends Error {
  override name = 'IllegalTransitionError';
  constructor(
    readonly from: CaseStateT,
    readonly to: CaseStateT,
    why = `a case in state ${from} cannot become ${to}`,
  ) {
    super(why);
  }
}

export function allowedNext(from: CaseStateT): readonly CaseStateT[] {
  return NEXT[from];
}

/** A requested transition, as the API or a worker asks for it. */
export const TransitionRequest = z.object({
  to: CaseState,
  /** Who asks: `user:<id>` for people, `system:<worker>` for processes. */
  actor: z.string().min(1),
  reason: RejectReason.optional(),
  note: z.string().max(2000).optional(),
  /** dispatched: the squad or platform the case goes to. */
  dispatchTo: z.string().min(1).optional(),
  /** Optimistic concurrency: refuse if the case changed since the caller read it. */
  expectedVersion: z.number().int().positive().optional(),
});
export type TransitionRequestT = z.infer<typeof TransitionRequest>;

/** Throws IllegalTransitionError unless `req` may move a case from `from`. */
export function checkTransition(from: CaseStateT, req: TransitionRequestT): void {
  if (!NEXT[from].includes(req.to)) throw new IllegalTransitionError(from, req.to);
  if (req.to === 'rejected' && !req.reason) throw new IllegalTransitionError(from, req.to, 'a rejection needs a reason code');
  if (req.to !== 'rejected' && req.reason) throw new IllegalTransitionError(from, req.to, 'only a rejection carries a reason code');
  if (req.to === 'dispatched' && !req.dispatchTo) throw new IllegalTransitionError(from, req.to, 'dispatch needs dispatchTo');
}
