// The case lifecycle: which state may follow which, and what a rejection must carry.
import { z } from 'zod';

export const CaseState = z.enum(['new', 'pending_review', 'confirmed', 'dispatched', 'resolved', 'rejected']);
export type CaseStateT = z.infer<typeof CaseState>;

/** Why an officer or reviewer rejected a detection; feeds the precision figures. */
export const RejectReason = z.enum(['not_violation', 'duplicate', 'wrong_type', 'image_unusable']);
export type RejectReasonT = z.infer<typeof RejectReason>;

// new → pending_review once evidence is sealed; rejection is possible until dispatch
// (legal review 法制审核 may still refuse a confirmed case).
const NEXT: Record<CaseStateT, readonly CaseStateT[]> = {
  new: ['pending_review', 'rejected'],
  pending_review: ['confirmed', 'rejected'],
  confirmed: ['dispatched', 'rejected'],
  dispatched: ['resolved'],
  resolved: [],
  rejected: [],
};

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
