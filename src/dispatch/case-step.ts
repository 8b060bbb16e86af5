// The case queue's handler: a sealed hit becomes a case (once: the hit id is unique), and
// hit updates/clears are recorded against it. DB constraints make every redelivery harmless.
import type { Job } from 'bullmq';
import { UnrecoverableError } from 'bullmq';
import { MissingCodeError, type CaseStore, type CaseLocation } from '../cases/index.ts';
import { CaseJob } from './queues.ts';

export interface CaseStepDeps {
  store: CaseStore;
  locate(cameraId: string): CaseLocation | undefined;
  /** Called after each change so the notification relay runs without waiting for its timer. */
  changed?: () => void;
}

export function caseStep(d: CaseStepDeps) {
  return async (data: unknown, job: Job): Promise<unknown> => {
    const parsed = CaseJob.safeParse(data);
    if (!parsed.success) throw new UnrecoverableError(`invalid case job: ${parsed.error.issues[0]?.message}`);
    const { hit, evidence } = parsed.data;
    if (job.name === 'hit-event' || hit.event !== 'opened') {
      const recorded = await d.store.recordHitEvent(hit);
      d.changed?.();
      return { recorded };
    }
    const location = d.locate(hit.cameraId);
    if (!location) throw new UnrecoverableError(`camera ${hit.cameraId} has no location configured`);
    const r = await d.store.createFromHit({ hit, location, evidence }).catch((err) => {
      throw err instanceof MissingCodeError ? new UnrecoverableError(err.message) : err;
    });
    d.changed?.();
    return { caseId: r.case.id, created: r.created };
  };
}
